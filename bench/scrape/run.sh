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

BENCH_NAME=scrape BENCH_SCRIPT=bench/scrape/run.sh
# shellcheck source=bench/control-plane/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../control-plane/lib.sh"

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
PROMETHEUS=/usr/bin/prometheus

[[ -x $PROMETHEUS ]] || die "$PROMETHEUS is missing: apt-get install prometheus"
bench_need_descriptors $((PROXIES * 8 + 512))
bench_build
bench_run scrape --prometheus "$PROMETHEUS" --proxies "$PROXIES" --seconds "$SECONDS_" --baseline-seconds "$BASELINE" \
    --port-base "$PORT_BASE" --prometheus-port "$PROM_PORT"
