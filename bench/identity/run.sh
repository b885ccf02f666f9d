#!/usr/bin/env bash
# bench/identity/run.sh: handshakes per second of the CA's Certify (issue 4), with its peers, in one run.
#
#   bench/identity/run.sh                  # 8 clients, 10 s per phase: about 1.5 min plus the build
#   BENCH_QUICK=1 bench/identity/run.sh    # smoke test: 3 s per phase
#
# What it measures (bench/Linnet.Bench.Identity does the work; this script builds and runs it):
#   - Certify over gRPC against the real `linnet control-plane` process (its generated CA, workload tokens
#     from POST /api/v1/tokens): BENCH_CLIENTS concurrent clients, each on an HTTP/2 connection of its own
#     and each call with a fresh ECDSA P-256 key and CSR made just before it, as proxies do; calls per
#     second, p50/p99 latency, failures, and the control plane's CPU time per certificate (/proc);
#   - the peers, same run: MeshIdentity.Certify and CertificateAuthority.Issue in process (no gRPC: the
#     crypto floor of our own code; Issue on all cores and on one), the proxy's share (key + CSR) alone, and
#     `openssl speed -seconds 3 ecdsap256` (ECDSA P-256 signs and verifies per second on one core: the
#     machine's ceiling); then the ratios.
# The client and the control plane share the machine, as a proxy and the control plane do on one host.
# Loopback only; every phase is bounded in time; the control plane started is stopped. Prints a markdown
# table and writes it to bench/results/identity-<timestamp>.md.
#
# Environment: BENCH_QUICK=1, BENCH_CLIENTS (8), BENCH_SECONDS (per phase, 10; quick: 3), BENCH_THREADS
# (in-process threads, default nproc), BENCH_BUILD_DIR (default ${TMPDIR:-/tmp}/linnet-bench-identity-build),
# BENCH_SKIP_BUILD=1 to reuse the last build.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if [[ ${BENCH_QUICK:-0} == 1 ]]; then D_SECONDS=3; else D_SECONDS=10; fi
CLIENTS=${BENCH_CLIENTS:-8}
SECONDS_PER_PHASE=${BENCH_SECONDS:-$D_SECONDS}
THREADS=${BENCH_THREADS:-$(nproc)}
BUILD_DIR=${BENCH_BUILD_DIR:-${TMPDIR:-/tmp}/linnet-bench-identity-build}
RESULTS_DIR=$REPO/bench/results
TIMESTAMP=$(date -u +%Y%m%dT%H%M%SZ)
LINNET_DLL=$BUILD_DIR/artifacts/bin/Linnet.Cli/release/linnet.dll
BENCH_DLL=$BUILD_DIR/artifacts/bin/Linnet.Bench.Identity/release/linnet-bench-identity.dll
WORK=$(mktemp -d "${TMPDIR:-/tmp}/linnet-bench-identity.XXXXXX")
BENCH_PID=

# shellcheck source=../lib.sh
source "$REPO/bench/lib.sh"

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    # The whole process group: the control plane it started goes with it.
    bench_stop_group "$BENCH_PID" group
    bench_end_work "$status"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

build() {
    if [[ ${BENCH_SKIP_BUILD:-0} == 1 && -f $LINNET_DLL && -f $BENCH_DLL ]]; then
        log "build: reusing $BUILD_DIR"
        return
    fi
    log "build: linnet (control plane) and the benchmark, Release, into $BUILD_DIR ..."
    mkdir -p "$BUILD_DIR"
    # --artifacts-path keeps obj/ and bin/ out of the source tree that others are building from.
    # (A build, not a publish: the CLI references linnet-proxy, a self-contained executable.)
    dotnet build "$REPO/src/Linnet.Cli" -c Release \
        --artifacts-path "$BUILD_DIR/artifacts" -nologo -v quiet >"$WORK/build-cli.log" 2>&1 ||
        { tail -40 "$WORK/build-cli.log" >&2; die "linnet build failed"; }
    dotnet build "$REPO/bench/Linnet.Bench.Identity" -c Release \
        --artifacts-path "$BUILD_DIR/artifacts" -nologo -v quiet >"$WORK/build-bench.log" 2>&1 ||
        { tail -40 "$WORK/build-bench.log" >&2; die "benchmark build failed"; }
}

main() {
    command -v dotnet >/dev/null || die "dotnet is not installed"
    command -v openssl >/dev/null || die "openssl is not installed"
    build
    mkdir -p "$RESULTS_DIR"
    local results=$RESULTS_DIR/identity-$TIMESTAMP.md commit
    commit=$(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet HEAD -- src 2>/dev/null || echo " + uncommitted changes in src/")
    {
        echo "# Identity: Certify, $TIMESTAMP (commit $commit)"
        echo
        echo "command: \`$({ env | grep -E '^BENCH_' || true; } | sort | tr '\n' ' ')bench/identity/run.sh\`"
        echo
    } >"$results"
    log "running (logs in $WORK) ..."
    setsid dotnet "$BENCH_DLL" --linnet "$LINNET_DLL" --work "$WORK" \
        --clients "$CLIENTS" --seconds "$SECONDS_PER_PHASE" --threads "$THREADS" --clk-tck "$(getconf CLK_TCK)" \
        > >(tee -a "$results") &
    BENCH_PID=$!
    local status=0
    wait "$BENCH_PID" || status=$?
    BENCH_PID=
    [[ $status -eq 0 ]] || die "the benchmark failed (exit $status)"
    log "results: $results"
}

main "$@"
