#!/usr/bin/env bash
# bench/scrape/run.sh: the control plane's embedded metrics source scraping 100 proxies, beside Debian's
# Prometheus scraping the same 100 in the same run (issue 12): CPU and memory of both, ratios printed.
#
#   bench/scrape/run.sh                  # full run: 60 s baseline + 180 s side by side, ~6 min plus the build
#   BENCH_QUICK=1 bench/scrape/run.sh    # smoke test: 10 proxies, 15 s + 20 s
#
# What runs (bench/Linnet.Bench.ControlPlane's `scrape` verb does the work; this script builds and runs it):
#   - the control plane (ControlPlaneHost over an in-memory store, its defaults: scrape every 5 s, 15 min kept) in
#     a process of its own; BENCH_PROXIES real linnet-proxy processes (Native AOT), each with its certificate from
#     the control plane, on a loopback address of its own, in front of a small app, with requests in and out
#     (out over mTLS to up to 7 of the others), so each exports what a busy workload's proxy does;
#   - the peer: Debian's /usr/bin/prometheus, scraping the same proxies every 5 s through the control plane's
#     http_sd_configs endpoint (the documented config), on 127.0.0.1:BENCH_PROMETHEUS_PORT;
#   - CPU (utime+stime from /proc) and RSS of both over the same window, the control plane's less its own
#     baseline with every proxy connected and nothing to scrape.
# Only loopback is used; every wait is bounded; every process started is stopped. Prints a markdown table and
# writes bench/results/scrape-<timestamp>.md.
#
# Environment: BENCH_QUICK=1, BENCH_PROXIES (100), BENCH_SECONDS (180), BENCH_BASELINE_SECONDS (60),
# BENCH_PORT_BASE (31600: proxy i uses 127.77.x.y:BASE+3i..+2, its app 127.77.x.y:8080), BENCH_PROMETHEUS_PORT
# (31590), BENCH_QUIET_WAIT (seconds each window may wait for the machine to go quiet, 30),
# BENCH_BUILD_DIR (default ${TMPDIR:-/tmp}/linnet-bench-scrape-build), BENCH_SKIP_BUILD=1.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
QUICK=${BENCH_QUICK:-0}
if [[ $QUICK == 1 ]]; then
    D_PROXIES=10 D_SECONDS=20 D_BASELINE=15
else
    D_PROXIES=100 D_SECONDS=180 D_BASELINE=60
fi
PROXIES=${BENCH_PROXIES:-$D_PROXIES}
SECONDS_=${BENCH_SECONDS:-$D_SECONDS}
BASELINE=${BENCH_BASELINE_SECONDS:-$D_BASELINE}
PORT_BASE=${BENCH_PORT_BASE:-31600}
PROM_PORT=${BENCH_PROMETHEUS_PORT:-31590}
QUIET_WAIT=${BENCH_QUIET_WAIT:-30}
BUILD_DIR=${BENCH_BUILD_DIR:-${TMPDIR:-/tmp}/linnet-bench-scrape-build}
RESULTS_DIR=$REPO/bench/results
TIMESTAMP=$(date -u +%Y%m%dT%H%M%SZ)
PROMETHEUS=/usr/bin/prometheus

PROXY_BIN=$BUILD_DIR/proxy/linnet-proxy
BENCH_BIN=$BUILD_DIR/bench/linnet-bench-cp

WORK=$(mktemp -d "${TMPDIR:-/tmp}/linnet-bench-scrape.XXXXXX")
DRIVER_PID=

log() { printf '%s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [[ -n $DRIVER_PID ]] && kill -0 "$DRIVER_PID" 2>/dev/null; then
        # The driver stops the control plane, the proxies and Prometheus on SIGTERM; its process group is the safety net.
        kill -TERM "$DRIVER_PID" 2>/dev/null || true
        for _ in $(seq 300); do kill -0 "$DRIVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL -- "-$DRIVER_PID" 2>/dev/null || true
    fi
    if [[ -n $DRIVER_PID ]]; then
        for _ in $(seq 50); do pgrep -g "$DRIVER_PID" >/dev/null || break; kill -KILL -- "-$DRIVER_PID" 2>/dev/null || true; sleep 0.1; done
    fi
    wait 2>/dev/null || true
    if [[ $status -ne 0 ]]; then
        log "run failed (exit $status); logs kept in $WORK"
    else
        rm -rf "$WORK"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

build() {
    if [[ ${BENCH_SKIP_BUILD:-0} == 1 && -x $PROXY_BIN && -x $BENCH_BIN ]]; then
        log "build: reusing $BUILD_DIR"
        return
    fi
    log "build: publishing linnet-proxy (Native AOT) and the benchmark (Release) into $BUILD_DIR ..."
    mkdir -p "$BUILD_DIR"
    # --artifacts-path keeps obj/ and bin/ out of the source tree that others are building from.
    dotnet publish "$REPO/src/Linnet.Proxy" -c Release -r linux-x64 -o "$BUILD_DIR/proxy" \
        --artifacts-path "$BUILD_DIR/artifacts" -nologo -v quiet >"$WORK/build-proxy.log" 2>&1 ||
        { tail -40 "$WORK/build-proxy.log" >&2; die "linnet-proxy publish failed"; }
    dotnet publish "$REPO/bench/Linnet.Bench.ControlPlane" -c Release -o "$BUILD_DIR/bench" \
        --artifacts-path "$BUILD_DIR/artifacts" -nologo -v quiet >"$WORK/build-bench.log" 2>&1 ||
        { tail -40 "$WORK/build-bench.log" >&2; die "benchmark publish failed"; }
}

main() {
    command -v dotnet >/dev/null || die "dotnet is not installed"
    [[ -x $PROMETHEUS ]] || die "$PROMETHEUS is missing: apt-get install prometheus"
    local need=$((PROXIES * 8 + 512)) limit
    limit=$(ulimit -n)
    [[ $limit == unlimited || $limit -ge $need ]] || die "ulimit -n is $limit; this run needs about $need descriptors"
    build

    local commit command
    commit=$(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet HEAD -- src 2>/dev/null || echo " + uncommitted changes in src/")
    command="$({ env | grep -E '^BENCH_' || true; } | sort | tr '\n' ' ')bench/scrape/run.sh"
    mkdir -p "$RESULTS_DIR"
    local results=$RESULTS_DIR/scrape-$TIMESTAMP.md

    log "running (logs in $WORK) ..."
    setsid "$BENCH_BIN" scrape --proxy-bin "$PROXY_BIN" --work "$WORK" --results "$results" --prometheus "$PROMETHEUS" \
        --command "$command" --commit "$commit" --timestamp "$TIMESTAMP" \
        --proxies "$PROXIES" --seconds "$SECONDS_" --baseline-seconds "$BASELINE" \
        --port-base "$PORT_BASE" --prometheus-port "$PROM_PORT" --quiet-wait "$QUIET_WAIT" --clk-tck "$(getconf CLK_TCK)" &
    DRIVER_PID=$!
    local status=0
    wait "$DRIVER_PID" || status=$?
    DRIVER_PID=
    [[ $status -eq 0 ]] || die "the benchmark failed (exit $status)"
}

main "$@"
