#!/usr/bin/env bash
# bench/proxy/routing.sh: the cost of HTTP routing in linnet-proxy. One in-process backend and four
# in-process proxies on loopback: no routes (the plain figure), 1 route, 1,000 routes (the request
# matches the last), a 5-way weighted split; the same closed loop of keep-alive HTTP/1.1 clients drives
# each, interleaved round by round; prints requests/s and the ratio to the plain proxy of the same run.
#
#   bench/proxy/routing.sh                  # 10 s per case and round, 3 rounds (about 2.5 min)
#   BENCH_QUICK=1 bench/proxy/routing.sh    # smoke test: 1 s per case, 1 round
#
# Environment: BENCH_DURATION (seconds per case, default 10), BENCH_ROUNDS (default 3; medians),
# BENCH_CONNECTIONS (default 8).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DURATION=${BENCH_DURATION:-10}
ROUNDS=${BENCH_ROUNDS:-3}
if [[ ${BENCH_QUICK:-0} == 1 ]]; then DURATION=1; ROUNDS=1; fi
CONNECTIONS=${BENCH_CONNECTIONS:-8}

dotnet build "$REPO/bench/Linnet.Bench.Load" -c Release -v q -nologo >&2
dotnet "$REPO/bench/Linnet.Bench.Load/bin/Release/net10.0/linnet-bench-load.dll" routing \
    --duration "$DURATION" --rounds "$ROUNDS" --connections "$CONNECTIONS"
