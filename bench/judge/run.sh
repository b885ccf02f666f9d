#!/usr/bin/env bash
# bench/judge/run.sh: the canary-judge replay simulator (issue 14), one command.
#
#   bench/judge/run.sh                    # 1,000 seeded runs per cell: about 2 min plus the build
#   BENCH_RUNS=100 bench/judge/run.sh     # smoke test
#
# Feeds the same simulated traffic (Poisson arrivals at 1, 10, 100 req/s; a primary with 0.5 % failures
# and log-normal latency, median 100 ms, p99 350 ms; canaries A/A, good, +5 points of failures, +50 %
# latency) to Flagger's threshold analysis (interval 1m, threshold 5, stepWeight 10, maxWeight 50,
# success rate >= 99 %, p99 <= 500 ms), a Kayenta-style Mann-Whitney re-tested every interval, and
# Linnet's sequential judge; prints per cell the share rolled back / promoted / undecided, time to the
# decision and the blast radius. Pure simulation: no network, no processes. Writes the table to
# bench/results/judge-<timestamp>.md. See docs/benchmarks.md and docs/canary-judge.md.
#
# Environment: BENCH_RUNS (1000), BENCH_SEED (14), BENCH_HORIZON_MINUTES (60),
# BENCH_BUILD_DIR (default ${TMPDIR:-/tmp}/linnet-bench-judge-build), BENCH_SKIP_BUILD=1 to reuse the last build.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD_DIR=${BENCH_BUILD_DIR:-${TMPDIR:-/tmp}/linnet-bench-judge-build}
RESULTS_DIR=$REPO/bench/results
TIMESTAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$RESULTS_DIR/judge-$TIMESTAMP.md

if [[ ${BENCH_SKIP_BUILD:-0} != 1 ]]; then
    dotnet build "$REPO/bench/Linnet.Bench.Judge/Linnet.Bench.Judge.csproj" -c Release -o "$BUILD_DIR" --nologo -v quiet >&2
fi

mkdir -p "$RESULTS_DIR"
{
    printf '# Canary judge replay, %s, commit %s\n\n' "$TIMESTAMP" "$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    dotnet "$BUILD_DIR/linnet-bench-judge.dll" \
        --runs "${BENCH_RUNS:-1000}" --seed "${BENCH_SEED:-14}" --horizon-minutes "${BENCH_HORIZON_MINUTES:-60}"
} | tee "$OUT"
printf 'written to %s\n' "$OUT" >&2
