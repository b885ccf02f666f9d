# bench/lib.sh: what every benchmark script shares; sourced, not run. Logging, stopping a process group that a
# script started (setsid), and the work folder's end: removed after a run that succeeded, kept (and named) after
# one that failed, so its logs can be read.

log() { printf '%s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# bench_stop_group PID WHOM: SIGTERM to PID alone (WHOM=leader: it stops what it started itself) or to its whole
# process group (WHOM=group); up to 30 s for PID to exit; then SIGKILL to the group until nothing of it is left.
bench_stop_group() {
    local pid=$1 whom=$2
    [[ -n $pid ]] || return 0
    if kill -0 "$pid" 2>/dev/null; then
        if [[ $whom == group ]]; then kill -TERM -- "-$pid" 2>/dev/null || true; else kill -TERM "$pid" 2>/dev/null || true; fi
        for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    for _ in $(seq 50); do pgrep -g "$pid" >/dev/null || break; kill -KILL -- "-$pid" 2>/dev/null || true; sleep 0.1; done
}

# bench_end_work STATUS: the end of $WORK after a run that exits with STATUS.
bench_end_work() {
    wait 2>/dev/null || true
    if [[ $1 -ne 0 ]]; then
        log "run failed (exit $1); logs kept in $WORK"
    else
        rm -rf "$WORK"
    fi
}
