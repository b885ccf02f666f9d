#!/usr/bin/env bash
# bench/control-plane/run.sh: control-plane config propagation and memory (issue 3), in one run.
#
#   bench/control-plane/run.sh                   # full run: 3 rounds, ~6 min plus the build (~2 min)
#   BENCH_QUICK=1 bench/control-plane/run.sh     # smoke test: 200 subscribers, 10 proxies, 1 round
#
# What it measures (bench/Linnet.Bench.ControlPlane does the work; this script builds and runs it):
#   - propagation to 1,000 simulated subscribers (Destination.Subscribe streams, 50 per HTTP/2 connection,
#     each connection TLS with a certificate from Certify, made by the proxy's own code as a proxy makes it):
#     an HTTPRoute weight change through POST /api/v1/apply, from its HTTP 200 to each subscriber holding
#     the new version; BENCH_CHANGES changes per round, p50/p99/max over every (subscriber, change) pair;
#   - propagation to 100 real linnet-proxy processes (Native AOT): from the apply's 200 until each proxy's
#     admin /config-version answers the new version (polled every BENCH_POLL_MS ms), alternating with
#     changes timed from each proxy's own "Config <version> applied" log line (no polling); p50/p99/max, RSS;
#   - control-plane RSS with 10,000 endpoints (100 Services x 100 ready Instances, then 1,000 x 10), with 0
#     and with 100 subscribers, the time to serve the initial snapshot, the time to translate the store,
#     and propagation of BENCH_MEMORY_CHANGES changes to those 100 subscribers;
#   - the peer: no other control plane exists on this machine; the in-run floor is the control plane's own
#     store, an in-process IResourceStore.WatchAsync watcher timestamped on the same monotonic clock.
# Every control plane runs in a process of its own (an in-memory store, loopback ephemeral ports). Rounds
# interleave the subscriber and proxy phases. Only loopback is used; every wait is bounded; every process
# started is stopped. Prints markdown tables and writes bench/results/control-plane-<timestamp>.md.
#
# Environment: BENCH_QUICK=1, BENCH_ROUNDS (default 3), BENCH_SUBSCRIBERS (1000), BENCH_CHANGES (20 per
# round), BENCH_PROXIES (100), BENCH_PROXY_CHANGES (10 per round for each way of timing), BENCH_POLL_MS
# (10), BENCH_MESH (propagation mesh, SERVICESxINSTANCES, default 100x10), BENCH_MEMORY_MESHES (comma-
# separated, default 100x100,1000x10; quick: 100x100; empty: no memory phase), BENCH_MEMORY_SUBSCRIBERS (100),
# BENCH_MEMORY_CHANGES (5), BENCH_PORT_BASE (28600: proxy i uses 127.77.x.y:BASE+3i..+2),
# BENCH_QUIET_WAIT (seconds each phase may wait for the machine to go quiet, default 30),
# BENCH_BUILD_DIR (default ${TMPDIR:-/tmp}/linnet-bench-control-plane-build), BENCH_SKIP_BUILD=1.
set -euo pipefail

BENCH_NAME=control-plane BENCH_SCRIPT=bench/control-plane/run.sh
# shellcheck source=bench/control-plane/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

QUICK=${BENCH_QUICK:-0}
if [[ $QUICK == 1 ]]; then
    D_ROUNDS=1 D_SUBSCRIBERS=200 D_CHANGES=5 D_PROXIES=10 D_PROXY_CHANGES=3 D_MEMORY_SUBSCRIBERS=20 D_MEMORY_MESHES=100x100
else
    D_ROUNDS=3 D_SUBSCRIBERS=1000 D_CHANGES=20 D_PROXIES=100 D_PROXY_CHANGES=10 D_MEMORY_SUBSCRIBERS=100 D_MEMORY_MESHES=100x100,1000x10
fi
ROUNDS=${BENCH_ROUNDS:-$D_ROUNDS}
SUBSCRIBERS=${BENCH_SUBSCRIBERS:-$D_SUBSCRIBERS}
CHANGES=${BENCH_CHANGES:-$D_CHANGES}
PROXIES=${BENCH_PROXIES:-$D_PROXIES}
PROXY_CHANGES=${BENCH_PROXY_CHANGES:-$D_PROXY_CHANGES}
POLL_MS=${BENCH_POLL_MS:-10}
MESH=${BENCH_MESH:-100x10}
MEMORY_MESHES=${BENCH_MEMORY_MESHES-$D_MEMORY_MESHES} # set but empty: no memory phase
MEMORY_SUBSCRIBERS=${BENCH_MEMORY_SUBSCRIBERS:-$D_MEMORY_SUBSCRIBERS}
MEMORY_CHANGES=${BENCH_MEMORY_CHANGES:-5}
PORT_BASE=${BENCH_PORT_BASE:-28600}

bench_need_descriptors $((PROXIES * 2 + SUBSCRIBERS / 10 + 512))
bench_build
bench_run run --rounds "$ROUNDS" --subscribers "$SUBSCRIBERS" --changes "$CHANGES" \
    --proxies "$PROXIES" --proxy-changes "$PROXY_CHANGES" --poll-ms "$POLL_MS" \
    --mesh "$MESH" --memory-meshes "$MEMORY_MESHES" --memory-subscribers "$MEMORY_SUBSCRIBERS" --memory-changes "$MEMORY_CHANGES" \
    --port-base "$PORT_BASE"
