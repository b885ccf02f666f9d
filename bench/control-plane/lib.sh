# bench/control-plane/lib.sh: what the scripts running bench/Linnet.Bench.ControlPlane share (sourced, not run):
# publishing linnet-proxy (Native AOT) and the driver, the descriptor check, running the driver in a process group
# of its own, and stopping it and whatever it started on exit. The sourcing script sets, before sourcing:
#   BENCH_NAME   its name: the work folder, the build folder and the results file are named after it;
#   BENCH_SCRIPT its path from the repository's root, as printed in the results.
# It then calls `bench_build`, `bench_need_descriptors N` and `bench_run VERB ARGS...`.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
QUIET_WAIT=${BENCH_QUIET_WAIT:-30}
BUILD_DIR=${BENCH_BUILD_DIR:-${TMPDIR:-/tmp}/linnet-bench-$BENCH_NAME-build}
RESULTS_DIR=$REPO/bench/results
TIMESTAMP=$(date -u +%Y%m%dT%H%M%SZ)

PROXY_BIN=$BUILD_DIR/proxy/linnet-proxy
BENCH_BIN=$BUILD_DIR/bench/linnet-bench-cp

WORK=$(mktemp -d "${TMPDIR:-/tmp}/linnet-bench-$BENCH_NAME.XXXXXX")
DRIVER_PID=

# shellcheck source=../lib.sh
source "$REPO/bench/lib.sh"

bench_cleanup() {
    local status=$?
    trap - EXIT INT TERM
    # The driver stops what it started on SIGTERM; its process group is the safety net.
    bench_stop_group "$DRIVER_PID" leader
    bench_end_work "$status"
    exit "$status"
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

bench_build() {
    command -v dotnet >/dev/null || die "dotnet is not installed"
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

# bench_need_descriptors N: fails unless `ulimit -n` allows N open descriptors.
bench_need_descriptors() {
    local limit
    limit=$(ulimit -n)
    [[ $limit == unlimited || $limit -ge $1 ]] || die "ulimit -n is $limit; this run needs about $1 descriptors"
}

# bench_run VERB ARGS...: runs the driver's VERB with the arguments every verb takes plus ARGS, and waits for it.
bench_run() {
    local verb=$1 commit command
    shift
    commit=$(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet HEAD -- src 2>/dev/null || echo " + uncommitted changes in src/")
    command="$({ env | grep -E '^BENCH_' || true; } | sort | tr '\n' ' ')$BENCH_SCRIPT"
    mkdir -p "$RESULTS_DIR"
    log "running (logs in $WORK) ..."
    # Its own process group (setsid), so that whatever it started can be stopped together if it dies.
    setsid "$BENCH_BIN" "$verb" --proxy-bin "$PROXY_BIN" --work "$WORK" --results "$RESULTS_DIR/$BENCH_NAME-$TIMESTAMP.md" \
        --command "$command" --commit "$commit" --timestamp "$TIMESTAMP" \
        --quiet-wait "$QUIET_WAIT" --clk-tck "$(getconf CLK_TCK)" "$@" &
    DRIVER_PID=$!
    local status=0
    wait "$DRIVER_PID" || status=$?
    DRIVER_PID=
    [[ $status -eq 0 ]] || die "the benchmark failed (exit $status)"
}
