# bench/proxy/lib.sh: shell functions shared by the proxy benchmarks (run.sh, mtls.sh); sourced, not run.
#
# The sourcing script sets, before sourcing: WORK (its private temporary directory, removed on success),
# BUILD_DIR, BODY_BYTES (the backend's body size, checked by check_get) and REPO. This file declares the
# shared state (PID, R, PROBLEMS, NOISE, NOISY, ROUND) and installs the EXIT trap that stops every process
# started with start_bg.

CLK_TCK=$(getconf CLK_TCK)
PROXY_BIN=$BUILD_DIR/proxy/linnet-proxy
LOAD_BIN=$BUILD_DIR/load/linnet-bench-load
# BENCH_LINNET_ENV: NAME=VALUE pairs (space-separated) every linnet-proxy of the run gets in its environment, to
# measure a runtime setting beside the same run's peers, e.g. BENCH_LINNET_ENV=DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1.
read -r -a LINNET_ENV <<<"${BENCH_LINNET_ENV:-}"

declare -A PID=()      # name -> pid of every long-running process this script started
declare -A R=()        # "metric,peer" -> value
PROBLEMS=()
NOISE=()               # "measurement: background cores"
NOISY=()               # measurements with > 0.2 cores of background CPU
ROUND=0
QUIET_WAIT=${BENCH_QUIET_WAIT:-30}

# shellcheck source=../lib.sh
source "$REPO/bench/lib.sh"
problem() { PROBLEMS+=("$*"); log "PROBLEM: $*"; }
raw() { log "$*"; printf '%s\n' "$*" >>"$WORK/raw.txt"; } # a measurement's raw output, kept for the results file

cleanup() {
    local status=$? name pid
    trap - EXIT INT TERM
    for name in "${!PID[@]}"; do
        pid=${PID[$name]}
        kill -TERM "$pid" 2>/dev/null || true
    done
    for name in "${!PID[@]}"; do
        pid=${PID[$name]}
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then
            pkill -KILL -P "$pid" 2>/dev/null || true
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    bench_end_work "$status"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# require TOOL...: every tool must be on PATH.
require() {
    local tool
    for tool in "$@"; do command -v "$tool" >/dev/null || die "$tool is not installed"; done
}

# start_bg NAME CMD...: starts a long-running process in the background, logs to $WORK/NAME.log.
start_bg() {
    local name=$1
    shift
    "$@" >"$WORK/$name.log" 2>&1 &
    PID[$name]=$!
}

# wait_tcp PORT NAME: up to 10 s for 127.0.0.1:PORT to accept; exits non-zero if it never does.
wait_tcp() {
    local port=$1 name=$2
    for _ in $(seq 200); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
        kill -0 "${PID[$name]}" 2>/dev/null || { cat "$WORK/$name.log" >&2; die "$name exited during start-up"; }
        sleep 0.05
    done
    cat "$WORK/$name.log" >&2
    die "$name did not accept on port $port within 10 s"
}

# check_get URL h1|h2 NAME: one GET must answer 200 with the 1 KiB body.
check_get() {
    local url=$1 proto=$2 name=$3 out flag=--http1.1
    [[ $proto == h2 ]] && flag=--http2-prior-knowledge
    out=$(curl -sS -o /dev/null -w '%{http_code} %{size_download} %{http_version}' --max-time 5 "$flag" "$url" 2>&1) ||
        die "$name: GET $url ($proto) failed: $out"
    [[ $out == "200 $BODY_BYTES "* ]] || die "$name: GET $url ($proto) answered '$out', expected 200 with $BODY_BYTES bytes"
}

# wait_ready ADMIN_PORT NAME: up to 10 s for linnet-proxy's /ready to answer 200 (it holds its config and,
# with an identity, its certificate).
wait_ready() {
    local admin=$1 name=$2
    wait_tcp "$admin" "$name"
    for _ in $(seq 200); do
        [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$admin/ready") == 200 ]] && return 0
        sleep 0.05
    done
    cat "$WORK/$name.log" >&2
    die "$name was not ready within 10 s"
}

# rss_mb PID...: summed VmRSS in MiB.
rss_mb() {
    local pid kb=0 v
    for pid in "$@"; do
        v=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
        kb=$((kb + v))
    done
    awk -v kb="$kb" 'BEGIN {printf "%.1f", kb / 1024}'
}

# cpu_ticks PID...: summed utime+stime (fields 14, 15 of /proc/PID/stat, counted after the comm field).
cpu_ticks() {
    local pid total=0 rest
    for pid in "$@"; do
        rest=$(sed 's/^.*) //' "/proc/$pid/stat")
        total=$((total + $(awk '{print $12 + $13}' <<<"$rest")))
    done
    echo "$total"
}

put() { R[$1]="${R[$1]:+${R[$1]} }$2"; } # put KEY VALUE: appends one round's value

calc() { awk "BEGIN {printf \"%.${2:-2}f\", $1}"; }
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# --- Noise on a shared machine. Other work (builds, tests) can run beside the benchmark; it is not
# stopped, but each measurement waits (bounded) for a quiet moment and records how much CPU went to
# processes this script did not start ("background", in cores).

machine_busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat; }   # user nice system irq softirq

server_pids() { local name; for name in "${!PID[@]}"; do echo "${PID[$name]}"; pgrep -P "${PID[$name]}" || true; done; }

# ours_ticks: sets OURS to the CPU ticks of our servers plus every finished child of this shell (wrk,
# h2load, the load generator; from the `times` builtin, which must run in this shell, not a subshell).
ours_ticks() {
    local pids children
    read -ra pids <<<"$(server_pids | tr '\n' ' ')"
    times >"$WORK/times.txt"
    children=$(awk -v hz="$CLK_TCK" 'NR == 2 {
        t = 0
        for (i = 1; i <= 2; i++) { split($i, p, "m"); sub("s", "", p[2]); t += p[1] * 60 + p[2] }
        printf "%d", t * hz }' "$WORK/times.txt")
    OURS=$(($(cpu_ticks "${pids[@]}") + children))
}

# wait_quiet: up to $QUIET_WAIT s until the machine (our servers idle) uses < 0.15 cores for 0.5 s.
wait_quiet() {
    local b0 b1 deadline=$((SECONDS + QUIET_WAIT))
    while ((SECONDS < deadline)); do
        b0=$(machine_busy_ticks); sleep 0.5; b1=$(machine_busy_ticks)
        awk -v d=$((b1 - b0)) -v hz="$CLK_TCK" 'BEGIN {exit !(d / (hz * 0.5) < 0.15)}' && return 0
    done
    return 0 # still busy: measure anyway; noise_end records how busy
}

noise_begin() { wait_quiet; N_BUSY=$(machine_busy_ticks); ours_ticks; N_OURS=$OURS; N_T=$EPOCHREALTIME; }

noise_end() { # noise_end LABEL: records the background cores during the measurement
    local busy ours cores
    busy=$(machine_busy_ticks); ours_ticks; ours=$OURS
    # Approximate: /proc/stat and per-process times are sampled differently; clamp small negatives to 0.
    cores=$(calc "(($busy - $N_BUSY) - ($ours - $N_OURS)) / (($EPOCHREALTIME - $N_T) * $CLK_TCK)" 2)
    [[ $cores == -* ]] && cores=0.00
    NOISE+=("r$ROUND $1: $cores")
    awk -v c="$cores" 'BEGIN {exit !(c > 0.2)}' && NOISY+=("r$ROUND $1 ($cores cores)")
    return 0
}

# ---------------------------------------------------------------------------------------------------
# Build

# build: linnet-proxy and the load generator, Native AOT, into $BUILD_DIR (BENCH_SKIP_BUILD=1 reuses them).
build() {
    if [[ ${BENCH_SKIP_BUILD:-0} == 1 && -x $PROXY_BIN && -x $LOAD_BIN ]]; then
        log "build: reusing $BUILD_DIR"
        return
    fi
    log "build: publishing linnet-proxy and the load generator (Native AOT, Release) into $BUILD_DIR ..."
    mkdir -p "$BUILD_DIR"
    publish proxy "$REPO/src/Linnet.Proxy" "$BUILD_DIR/proxy"
    publish load "$REPO/bench/Linnet.Bench.Load" "$BUILD_DIR/load"
}

publish() { # publish LABEL PROJECT OUT
    # --artifacts-path keeps obj/ and bin/ out of the source tree that others are building from.
    dotnet publish "$2" -c Release -r linux-x64 -o "$3" --artifacts-path "$BUILD_DIR/artifacts" -nologo -v quiet \
        >"$WORK/build-$1.log" 2>&1 || { tail -40 "$WORK/build-$1.log" >&2; die "$1: publish of $2 failed"; }
}

# ---------------------------------------------------------------------------------------------------
# Configs

nginx_common() { # nginx_common DIR: the top of an nginx.conf (one worker, private paths, no access log)
    local dir=$1
    mkdir -p "$dir/logs" "$dir/temp"
    cat <<EOF
worker_processes 1;
daemon off;
pid $dir/logs/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $dir/temp/body;
    proxy_temp_path $dir/temp/proxy;
    fastcgi_temp_path $dir/temp/fastcgi;
    uwsgi_temp_path $dir/temp/uwsgi;
    scgi_temp_path $dir/temp/scgi;
    keepalive_requests 100000000;
    keepalive_timeout 120s;
EOF
}

# ---------------------------------------------------------------------------------------------------
# Report helpers

# v METRIC PEER: the figure; the median when there were several rounds.
v() {
    local values
    read -ra values <<<"${R[$1,$2]:-}"
    if [[ ${#values[@]} -eq 0 ]]; then echo "—"; return; fi
    if [[ ! ${values[0]} =~ ^-?[0-9.]+$ ]]; then echo "${values[0]}"; return; fi
    local m
    m=$(median "${values[@]}")
    case $1 in
        rps*) calc "$m" 0 ;;
        rss*|startup*) calc "$m" 1 ;;
        *) calc "$m" 3 ;;
    esac
}

ratio() { # ratio A B: A/B, or n/a
    if [[ $1 == — || $2 == — ]] || awk -v a="$1" -v b="$2" 'BEGIN {exit !(a < 0 || b <= 0.0005)}'; then echo "n/a"; else calc "$1 / $2" 2; fi
}

added() { # added METRIC PEER: the peer's latency minus direct's
    local a b
    a=$(v "$1" "$2"); b=$(v "$1" direct)
    if [[ $a == — || $b == — || $a == null || $b == null ]]; then echo "—"; else calc "$a - $b" 3; fi
}

verdict() { # verdict OK-EXPRESSION TEXT
    if awk "BEGIN {exit !($1)}" 2>/dev/null; then echo "$2: met"; else echo "$2: missed"; fi
}

