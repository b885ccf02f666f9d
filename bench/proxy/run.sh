#!/usr/bin/env bash
# bench/proxy/run.sh: linnet-proxy beside nginx and haproxy, in one run, against one nginx backend.
#
#   bench/proxy/run.sh                   # full run (10 s per measurement, ~4 min plus the build)
#   BENCH_QUICK=1 bench/proxy/run.sh     # smoke test (3 s per measurement)
#
# Environment: BENCH_DURATION (seconds per measurement, default 10), BENCH_QUICK=1 (3 s),
# BENCH_RATE (fixed-rate requests/s, default 1000), BENCH_STARTS (start-up samples, default 5),
# BENCH_ROUNDS (repeat every load measurement, peers interleaved, and report medians; default 1),
# BENCH_BUILD_DIR (default ${TMPDIR:-/tmp}/linnet-bench-build), BENCH_PORT_BASE (default 28400),
# BENCH_SKIP_BUILD=1 (reuse the binaries already in BENCH_BUILD_DIR), BENCH_QUIET_WAIT (seconds each
# measurement may wait for the machine to go quiet, default 30), BENCH_LINNET_ENV (NAME=VALUE pairs every
# linnet-proxy instance gets, lib.sh).
#
# Peers: direct (client -> nginx backend), linnet-proxy inbound, nginx reverse proxy, haproxy; in the HTTP/1.1
# rows also "linnet-proxy (yarp path)": a third instance with LINNET_PROXY_HTTP1_FORWARDER=yarp, so that the
# fast HTTP/1.1 forward path and YARP's are compared in one run (ratio fast/yarp).
# Every server runs one worker process / thread. Only loopback is used; every load is bounded.
# Prints a markdown table and writes it to bench/results/proxy-<timestamp>.md.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DURATION=${BENCH_DURATION:-10}
[[ ${BENCH_QUICK:-0} == 1 ]] && DURATION=3
RATE=${BENCH_RATE:-1000}
STARTS=${BENCH_STARTS:-5}
ROUNDS=${BENCH_ROUNDS:-1}
BUILD_DIR=${BENCH_BUILD_DIR:-${TMPDIR:-/tmp}/linnet-bench-build}
PORT_BASE=${BENCH_PORT_BASE:-28400}
RESULTS_DIR=$REPO/bench/results
TIMESTAMP=$(date -u +%Y%m%dT%H%M%SZ)
BODY_BYTES=1024

# Ports (all on 127.0.0.1).
BACKEND_H1=$PORT_BASE                      # nginx backend, HTTP/1.1
BACKEND_H2=$((PORT_BASE + 1))              # nginx backend, h2c (prior knowledge)
LINNET_H1=$((PORT_BASE + 10))              # linnet-proxy instance 1: inbound -> BACKEND_H1 (+11 outbound, +12 admin)
LINNET_H2=$((PORT_BASE + 20))              # linnet-proxy instance 2: inbound -> BACKEND_H2 (+21 outbound, +22 admin)
NGINX_H1=$((PORT_BASE + 30))
NGINX_H2=$((PORT_BASE + 31))
HAPROXY_H1=$((PORT_BASE + 40))
HAPROXY_H2=$((PORT_BASE + 41))
STARTUP_BASE=$((PORT_BASE + 50))           # start-up timing instances (+0..+2 linnet, +3..4 nginx, +5..6 haproxy)
LINNET_YARP=$((PORT_BASE + 60))            # linnet-proxy instance 3, YARP forward path: inbound -> BACKEND_H1 (+61, +62)

PEERS=(direct linnet nginx haproxy)
PEERS_H1=(direct linnet linnet_yarp nginx haproxy)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/linnet-bench.XXXXXX")
chmod 755 "$WORK" # nginx workers run as nobody
# shellcheck source=lib.sh
source "$REPO/bench/proxy/lib.sh"   # log, die, start_bg, wait_tcp, noise_*, build, nginx_common, v, ratio... and the EXIT trap

# ---------------------------------------------------------------------------------------------------
# Helpers

check_ports_free() {
    local port
    for port in $BACKEND_H1 $BACKEND_H2 $LINNET_H1 $((LINNET_H1 + 1)) $((LINNET_H1 + 2)) \
        $LINNET_H2 $((LINNET_H2 + 1)) $((LINNET_H2 + 2)) $LINNET_YARP $((LINNET_YARP + 1)) $((LINNET_YARP + 2)) $NGINX_H1 $NGINX_H2 $HAPROXY_H1 $HAPROXY_H2 \
        $(seq "$STARTUP_BASE" $((STARTUP_BASE + 6))); do
        if ss -Htln "sport = :$port" | grep -q .; then
            die "port $port is in use; set BENCH_PORT_BASE"
        fi
    done
}

# proxy_pids PEER: every process of that proxy (nginx: master and worker).
proxy_pids() {
    case $1 in
        linnet) echo "${PID[linnet_h1]}" ;;
        linnet_h2) echo "${PID[linnet_h2]}" ;;
        linnet_yarp) echo "${PID[linnet_yarp]}" ;;
        nginx) echo "${PID[nginx_proxy]}" $(pgrep -P "${PID[nginx_proxy]}" || true) ;;
        haproxy) echo "${PID[haproxy]}" ;;
        *) return 0 ;;
    esac
}

# ---------------------------------------------------------------------------------------------------
# Configs

write_backend_config() {
    local dir=$WORK/nginx-backend body
    body=$(head -c "$BODY_BYTES" /dev/zero | tr '\0' 'x')
    {
        nginx_common "$dir"
        cat <<EOF
    server {
        listen 127.0.0.1:$BACKEND_H1;
        location / { default_type text/plain; return 200 "$body"; }
    }
    server {
        listen 127.0.0.1:$BACKEND_H2 http2;
        location / { default_type text/plain; return 200 "$body"; }
    }
}
EOF
    } >"$dir.conf"
}

write_nginx_proxy_config() { # write_nginx_proxy_config NAME H1PORT H2PORT
    local name=$1 h1=$2 h2=$3 dir=$WORK/$1
    {
        nginx_common "$dir"
        cat <<EOF
    upstream backend_h1 {
        server 127.0.0.1:$BACKEND_H1;
        keepalive 64;
        keepalive_requests 100000000;
    }
    # nginx can only proxy HTTP/1.x upstream: its HTTP/2 listener forwards as HTTP/1.1.
    server {
        listen 127.0.0.1:$h1;
        listen 127.0.0.1:$h2 http2;
        location / {
            proxy_pass http://backend_h1;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
EOF
    } >"$dir.conf"
}

write_haproxy_config() { # write_haproxy_config NAME H1PORT H2PORT
    cat >"$WORK/$1.cfg" <<EOF
global
    nbthread 1
    maxconn 4096

defaults
    mode http
    http-reuse always
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout http-keep-alive 60s

frontend fe_h1
    bind 127.0.0.1:$2
    default_backend be_h1

frontend fe_h2
    bind 127.0.0.1:$3 proto h2
    default_backend be_h2

backend be_h1
    server s1 127.0.0.1:$BACKEND_H1

backend be_h2
    server s1 127.0.0.1:$BACKEND_H2 proto h2
EOF
}

write_linnet_config() { # write_linnet_config NAME INBOUND_PORT APP_PORT  (outbound +1, admin +2)
    cat >"$WORK/$1.yaml" <<EOF
workload: {namespace: bench, name: web, pod: web-0}
inbound: {listen: "127.0.0.1:$2", appPort: $3, appHost: 127.0.0.1}
outbound: {listen: "127.0.0.1:$(($2 + 1))"}
admin: {listen: "127.0.0.1:$(($2 + 2))"}
services:
  - key: "backend:80"
    port: 80
    endpoints: [{address: 127.0.0.1, port: $3}]
EOF
}

write_configs() {
    write_backend_config
    write_nginx_proxy_config nginx-proxy "$NGINX_H1" "$NGINX_H2"
    write_nginx_proxy_config nginx-startup $((STARTUP_BASE + 3)) $((STARTUP_BASE + 4))
    write_haproxy_config haproxy "$HAPROXY_H1" "$HAPROXY_H2"
    write_haproxy_config haproxy-startup $((STARTUP_BASE + 5)) $((STARTUP_BASE + 6))
    write_linnet_config linnet-h1 "$LINNET_H1" "$BACKEND_H1"
    write_linnet_config linnet-h2 "$LINNET_H2" "$BACKEND_H2"
    write_linnet_config linnet-yarp "$LINNET_YARP" "$BACKEND_H1"
    write_linnet_config linnet-startup "$STARTUP_BASE" "$BACKEND_H1"
}

# ---------------------------------------------------------------------------------------------------
# Start-up time: median of $STARTS starts, each timed by the load generator (it starts the process,
# polls every 1 ms, then kills it). linnet-proxy: until GET /ready is 200; nginx/haproxy: until the
# port accepts.

measure_startup() { # measure_startup PEER PROBE-ARGS... -- CMD...
    local peer=$1 samples=() out
    shift
    for _ in $(seq "$STARTS"); do
        out=$("$LOAD_BIN" startup "$@" 2>>"$WORK/startup-$peer.log") || die "$peer did not become ready (see $WORK/startup-$peer.log)"
        samples+=("$(jq -r .ready_ms <<<"$out")")
    done
    R[startup,$peer]=$(median "${samples[@]}")
    raw "startup $peer: ${samples[*]} ms -> median ${R[startup,$peer]}"
}

startup_all() {
    measure_startup linnet --ready-url "http://127.0.0.1:$((STARTUP_BASE + 2))/ready" -- \
        "$PROXY_BIN" --config "$WORK/linnet-startup.yaml"
    measure_startup nginx --tcp "127.0.0.1:$((STARTUP_BASE + 3))" -- \
        "$(command -v nginx)" -p "$WORK/nginx-startup" -c "$WORK/nginx-startup.conf" -e "$WORK/nginx-startup/logs/error.log"
    measure_startup haproxy --tcp "127.0.0.1:$((STARTUP_BASE + 5))" -- \
        "$(command -v haproxy)" -db -f "$WORK/haproxy-startup.cfg"
}

# ---------------------------------------------------------------------------------------------------
# Peers: each start_* function starts the long-running server, waits for it, checks a 200, and records
# idle RSS (after start plus one request) for the proxies.

start_backend() {
    start_bg nginx_backend nginx -p "$WORK/nginx-backend" -c "$WORK/nginx-backend.conf" -e "$WORK/nginx-backend/logs/error.log"
    wait_tcp "$BACKEND_H1" nginx_backend
    wait_tcp "$BACKEND_H2" nginx_backend
    check_get "http://127.0.0.1:$BACKEND_H1/" h1 backend
    check_get "http://127.0.0.1:$BACKEND_H2/" h2 backend
}

start_linnet() {
    start_bg linnet_h1 env "${LINNET_ENV[@]}" LINNET_PROXY_HTTP1_FORWARDER=fast "$PROXY_BIN" --config "$WORK/linnet-h1.yaml"
    start_bg linnet_h2 env "${LINNET_ENV[@]}" "$PROXY_BIN" --config "$WORK/linnet-h2.yaml"
    start_bg linnet_yarp env "${LINNET_ENV[@]}" LINNET_PROXY_HTTP1_FORWARDER=yarp "$PROXY_BIN" --config "$WORK/linnet-yarp.yaml"
    wait_ready $((LINNET_H1 + 2)) linnet_h1
    wait_ready $((LINNET_H2 + 2)) linnet_h2
    wait_ready $((LINNET_YARP + 2)) linnet_yarp
    check_get "http://127.0.0.1:$LINNET_H1/" h1 linnet-proxy
    check_get "http://127.0.0.1:$LINNET_H2/" h2 linnet-proxy
    check_get "http://127.0.0.1:$LINNET_YARP/" h1 "linnet-proxy (yarp path)"
    R[rss_idle,linnet]=$(rss_mb $(proxy_pids linnet))
    R[rss_idle,linnet_yarp]=$(rss_mb $(proxy_pids linnet_yarp))
    R[rss_idle_h2,linnet]=$(rss_mb $(proxy_pids linnet_h2))
}

start_nginx_proxy() {
    start_bg nginx_proxy nginx -p "$WORK/nginx-proxy" -c "$WORK/nginx-proxy.conf" -e "$WORK/nginx-proxy/logs/error.log"
    wait_tcp "$NGINX_H1" nginx_proxy
    check_get "http://127.0.0.1:$NGINX_H1/" h1 nginx-proxy
    R[rss_idle,nginx]=$(rss_mb $(proxy_pids nginx))
    check_get "http://127.0.0.1:$NGINX_H2/" h2 nginx-proxy
}

start_haproxy() {
    start_bg haproxy haproxy -db -f "$WORK/haproxy.cfg"
    wait_tcp "$HAPROXY_H1" haproxy
    check_get "http://127.0.0.1:$HAPROXY_H1/" h1 haproxy
    R[rss_idle,haproxy]=$(rss_mb $(proxy_pids haproxy))
    check_get "http://127.0.0.1:$HAPROXY_H2/" h2 haproxy
}

url_of() { # url_of PEER h1|h2
    local -A h1=([direct]=$BACKEND_H1 [linnet]=$LINNET_H1 [linnet_yarp]=$LINNET_YARP [nginx]=$NGINX_H1 [haproxy]=$HAPROXY_H1)
    local -A h2=([direct]=$BACKEND_H2 [linnet]=$LINNET_H2 [nginx]=$NGINX_H2 [haproxy]=$HAPROXY_H2)
    if [[ $2 == h1 ]]; then echo "http://127.0.0.1:${h1[$1]}/"; else echo "http://127.0.0.1:${h2[$1]}/"; fi
}

# ---------------------------------------------------------------------------------------------------
# Measurements

# Fixed-rate latency: 1 s warm-up, then $DURATION s at $RATE requests/s. Samples the proxy's RSS while
# it runs (the last sample is "RSS at the end of the run") and its CPU time over the measured part.
fixed_rate() { # fixed_rate PEER h1|h2
    local peer=$1 proto=$2 url pids=() http2=() out ticks0 ticks1 rss="" sent ok errors
    url=$(url_of "$peer" "$proto")
    [[ $proto == h2 ]] && http2=(--http2)
    local pid_key=$peer
    [[ $peer == linnet && $proto == h2 ]] && pid_key=linnet_h2
    read -ra pids <<<"$(proxy_pids "$pid_key")"

    "$LOAD_BIN" --url "$url" --rps "$RATE" --duration 1 "${http2[@]}" >/dev/null
    noise_begin
    [[ ${#pids[@]} -gt 0 ]] && ticks0=$(cpu_ticks "${pids[@]}")
    "$LOAD_BIN" --url "$url" --rps "$RATE" --duration "$DURATION" "${http2[@]}" >"$WORK/fixed-$peer-$proto.json" &
    local load_pid=$!
    while kill -0 "$load_pid" 2>/dev/null; do
        [[ ${#pids[@]} -gt 0 ]] && rss=$(rss_mb "${pids[@]}")
        sleep 0.5
    done
    wait "$load_pid" || die "load generator failed against $peer ($proto)"
    noise_end "fixed-rate $proto $peer"
    out=$(cat "$WORK/fixed-$peer-$proto.json")
    raw "r$ROUND fixed $RATE rps $peer $proto: $out"

    sent=$(jq -r .sent <<<"$out"); ok=$(jq -r .ok <<<"$out"); errors=$(jq -r .errors <<<"$out")
    [[ $errors == 0 && $ok == "$sent" ]] || problem "$peer $proto fixed-rate: $errors errors of $sent ($(jq -r .first_error <<<"$out"))"
    put "p50_$proto,$peer" "$(jq -r .p50_ms <<<"$out")"
    put "p99_$proto,$peer" "$(jq -r .p99_ms <<<"$out")"
    if [[ ${#pids[@]} -gt 0 ]]; then
        ticks1=$(cpu_ticks "${pids[@]}")
        # RSS under fixed rate: first round only (later rounds follow the throughput runs).
        [[ -n ${R[rss_rate_$proto,$peer]:-} ]] || R[rss_rate_$proto,$peer]=$rss
        put "cpu_$proto,$peer" "$(calc "($ticks1 - $ticks0) / $CLK_TCK / ($sent / 1000)" 3)"
    fi
}

throughput_h1() { # wrk -t2 -c32
    local peer=$1 url out rps non2xx sockerr
    url=$(url_of "$peer" h1)
    noise_begin
    out=$(timeout $((DURATION + 30)) wrk -t2 -c32 -d"${DURATION}s" "$url" 2>&1) || die "wrk failed against $peer: $out"
    noise_end "wrk $peer"
    printf '%s\n' "$out" >"$WORK/wrk-$peer.txt"
    rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$out")
    non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$out")
    sockerr=$(grep 'Socket errors:' <<<"$out" || true)
    [[ -z $non2xx && -z $sockerr ]] || problem "$peer wrk: ${non2xx:+$non2xx non-2xx responses }$sockerr"
    put "rps_h1,$peer" "$rps"
    raw "r$ROUND wrk $peer: $rps req/s${non2xx:+, $non2xx non-2xx}${sockerr:+, $sockerr}"
}

throughput_h2() { # h2load -c32 -m10, h2c prior knowledge
    local peer=$1 url out rps failed errored codes
    url=$(url_of "$peer" h2)
    noise_begin
    out=$(timeout $((DURATION + 30)) h2load -c32 -m10 -D "$DURATION" "$url" 2>&1) || die "h2load failed against $peer: $out"
    noise_end "h2load $peer"
    printf '%s\n' "$out" >"$WORK/h2load-$peer.txt"
    rps=$(awk '/^finished in/ {for (i = 1; i <= NF; i++) if ($(i + 1) ~ /^req\/s/) {printf "%.0f", $i}}' <<<"$out")
    failed=$(awk '/^requests:/ {print $11 + $13 + $15}' <<<"$out")   # failed + errored + timeout
    codes=$(grep '^status codes:' <<<"$out")
    [[ $failed == 0 && $codes =~ ^status\ codes:\ [0-9]+\ 2xx,\ 0\ 3xx,\ 0\ 4xx,\ 0\ 5xx ]] ||
        problem "$peer h2load: $(grep '^requests:' <<<"$out"); $codes"
    put "rps_h2,$peer" "$rps"
    raw "r$ROUND h2load $peer: $rps req/s ($(grep '^requests:' <<<"$out"))"
}

rss_after_load() {
    local peer
    for peer in linnet linnet_yarp nginx haproxy; do R[rss_peak,$peer]=$(rss_mb $(proxy_pids "$peer")); done
    R[rss_peak_h2,linnet]=$(rss_mb $(proxy_pids linnet_h2))
}

# ---------------------------------------------------------------------------------------------------
# Report

row() { # row LABEL DIRECT LINNET LINNET-YARP NGINX HAPROXY RATIO FAST/YARP TARGET
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$@"
}

fast_yarp() { # fast_yarp h1|h2 FAST YARP: the ratio in the HTTP/1.1 rows; HTTP/2 has no yarp-path peer
    if [[ $1 == h1 ]]; then ratio "$2" "$3"; fi
}

latency_rows() { # latency_rows h1|h2 LABEL
    local p=$1 label=$2 metric ln ly ng lr
    for metric in p50 p99; do
        row "$label $metric ms" "$(v "${metric}_$p" direct)" "$(v "${metric}_$p" linnet)" "$(v "${metric}_$p" linnet_yarp)" "$(v "${metric}_$p" nginx)" \
            "$(v "${metric}_$p" haproxy)" "$(ratio "$(v "${metric}_$p" linnet)" "$(v "${metric}_$p" nginx)")" \
            "$(fast_yarp "$p" "$(v "${metric}_$p" linnet)" "$(v "${metric}_$p" linnet_yarp)")" ""
    done
    for metric in p50 p99; do
        ln=$(added "${metric}_$p" linnet); ly=$(added "${metric}_$p" linnet_yarp); ng=$(added "${metric}_$p" nginx); lr=$(ratio "$ln" "$ng")
        local target=""
        [[ $metric == p99 && $ln != — && $ng != — ]] && target=$(verdict "$ln <= $ng" "≤ nginx's")
        row "$label added $metric ms (vs direct)" "0" "$ln" "$ly" "$ng" "$(added "${metric}_$p" haproxy)" "$lr" "$(fast_yarp "$p" "$ln" "$ly")" "$target"
    done
}

report() {
    local l n
    local y
    echo "| measurement | direct | linnet-proxy | linnet-proxy (yarp path) | nginx | haproxy | linnet/nginx | fast/yarp | target (linnet) |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---|"
    l=$(v rps_h1 linnet); y=$(v rps_h1 linnet_yarp); n=$(v rps_h1 nginx)
    row "HTTP/1.1 req/s (wrk -t2 -c32)" "$(v rps_h1 direct)" "$l" "$y" "$n" "$(v rps_h1 haproxy)" "$(ratio "$l" "$n")" "$(ratio "$l" "$y")" \
        "$(verdict "$l >= $n" "≥ 1.0× nginx")"
    l=$(v rps_h2 linnet); n=$(v rps_h2 nginx)
    row "HTTP/2 req/s (h2load -c32 -m10)" "$(v rps_h2 direct)" "$l" "—" "$n" "$(v rps_h2 haproxy)" "$(ratio "$l" "$n")" "" \
        "$(verdict "$l >= $n" "≥ 1.0× nginx")"
    latency_rows h1 "HTTP/1.1 @$RATE/s"
    latency_rows h2 "HTTP/2 @$RATE/s"
    l=$(v rss_idle linnet); y=$(v rss_idle linnet_yarp); n=$(v rss_idle nginx)
    row "RSS idle MB (start + 1 request)" "—" "$l" "$y" "$n" "$(v rss_idle haproxy)" "$(ratio "$l" "$n")" "$(ratio "$l" "$y")" "$(verdict "$l <= 20" "≤ 20 MB")"
    l=$(v rss_rate_h1 linnet); y=$(v rss_rate_h1 linnet_yarp); n=$(v rss_rate_h1 nginx)
    row "RSS MB at end of HTTP/1.1 @$RATE/s" "—" "$l" "$y" "$n" "$(v rss_rate_h1 haproxy)" "$(ratio "$l" "$n")" "$(ratio "$l" "$y")" "$(verdict "$l <= 30" "≤ 30 MB")"
    l=$(v rss_rate_h2 linnet); n=$(v rss_rate_h2 nginx)
    row "RSS MB at end of HTTP/2 @$RATE/s" "—" "$l" "—" "$n" "$(v rss_rate_h2 haproxy)" "$(ratio "$l" "$n")" "" "$(verdict "$l <= 30" "≤ 30 MB")"
    l=$(v rss_peak linnet); y=$(v rss_peak linnet_yarp); n=$(v rss_peak nginx)
    row "RSS MB after the throughput runs" "—" "$l" "$y" "$n" "$(v rss_peak haproxy)" "$(ratio "$l" "$n")" "$(ratio "$l" "$y")" ""
    l=$(v cpu_h1 linnet); y=$(v cpu_h1 linnet_yarp); n=$(v cpu_h1 nginx)
    row "CPU s per 1,000 req, HTTP/1.1 @$RATE/s" "—" "$l" "$y" "$n" "$(v cpu_h1 haproxy)" "$(ratio "$l" "$n")" "$(ratio "$l" "$y")" ""
    l=$(v cpu_h2 linnet); n=$(v cpu_h2 nginx)
    row "CPU s per 1,000 req, HTTP/2 @$RATE/s" "—" "$l" "—" "$n" "$(v cpu_h2 haproxy)" "$(ratio "$l" "$n")" "" ""
    l=$(v startup linnet); n=$(v startup nginx)
    row "start → ready ms (median of $STARTS)" "—" "$l" "—" "$n" "$(v startup haproxy)" "$(ratio "$l" "$n")" "" "$(verdict "$l <= 100" "≤ 100 ms")"
}

notes() {
    cat <<EOF

- Each figure comes from this run, all peers against the same nginx backend (1 KiB body, 1 worker); every server has one worker process / thread. Load generator and servers share the machine's $(nproc) cores.
- "linnet-proxy (yarp path)" is a third instance on the HTTP/1.1 backend with \`LINNET_PROXY_HTTP1_FORWARDER=yarp\` (YARP's forwarder over SocketsHttpHandler instead of the fast HTTP/1.1 path); "fast/yarp" compares the two (HTTP/1.1 rows only: HTTP/2 always takes YARP's path).
- linnet-proxy runs as two instances (inbound → backend HTTP/1.1 port; inbound → backend h2c port) because its inbound forwards to one app port; its RSS/CPU rows are the instance serving that protocol (HTTP/2 instance idle: $(v rss_idle_h2 linnet) MB, after throughput: $(v rss_peak_h2 linnet) MB). nginx and haproxy serve both protocols from one process.
- HTTP/2 through nginx is h2c in, **HTTP/1.1 upstream** (nginx cannot proxy HTTP/2 upstream); linnet-proxy and haproxy forward h2c as h2c.
- Latency: open-loop at exactly $RATE req/s for ${DURATION} s (after 1 s warm-up), measured from each request's scheduled send time (no coordinated omission); "added" = peer minus direct. CPU = utime+stime of all the proxy's processes over that run ÷ (requests/1000). nginx RSS = master + worker.
- Start-up: linnet-proxy from process start to \`/ready\` = 200; nginx/haproxy until their port accepts; polled every 1 ms.
- Background CPU (processes this script did not start) per measurement, in cores: max $(printf '%s\n' "${NOISE[@]}" | awk -F': ' '$2 > m {m = $2} END {printf "%.2f", m}'); above 0.2 cores: $(if ((${#NOISY[@]})); then (IFS=";"; echo "${NOISY[*]}"); else echo none; fi).
EOF
    if ((ROUNDS > 1)); then
        echo "- Rounds: $ROUNDS (each load measurement repeated, peers interleaved; figures are medians; RSS under fixed rate is from round 1)."
    fi
}

environment() {
    cat <<EOF
- Date (UTC): $TIMESTAMP; commit $(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet HEAD -- src 2>/dev/null || echo " + uncommitted changes in src/")
- Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)
- Host: $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), kernel $(uname -r)
- $(nginx -v 2>&1 | tr -d '\n'); $(haproxy -v | head -1 | cut -d' ' -f1-3); $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2); $(h2load --version | head -1); .NET SDK $(dotnet --version)
EOF
}

# ---------------------------------------------------------------------------------------------------

main() {
    require dotnet nginx haproxy wrk h2load curl jq ss awk
    check_ports_free
    build
    write_configs

    log "start-up times ($STARTS starts each) ..."
    startup_all

    log "starting peers ..."
    start_backend
    start_linnet
    start_nginx_proxy
    start_haproxy

    local peer round
    for round in $(seq "$ROUNDS"); do
        ROUND=$round
        log "round $round/$ROUNDS: fixed-rate latency, $RATE req/s for ${DURATION}s per peer ..."
        for peer in "${PEERS_H1[@]}"; do fixed_rate "$peer" h1; done
        for peer in "${PEERS[@]}"; do fixed_rate "$peer" h2; done
        log "round $round/$ROUNDS: HTTP/1.1 throughput (wrk -t2 -c32 -d${DURATION}s) ..."
        for peer in "${PEERS_H1[@]}"; do throughput_h1 "$peer"; done
        log "round $round/$ROUNDS: HTTP/2 throughput (h2load -c32 -m10 -D $DURATION) ..."
        for peer in "${PEERS[@]}"; do throughput_h2 "$peer"; done
    done
    rss_after_load

    local peer_name bad
    for peer_name in nginx_backend linnet_h1 linnet_h2 linnet_yarp nginx_proxy haproxy; do
        kill -0 "${PID[$peer_name]}" 2>/dev/null || problem "$peer_name exited during the run"
    done
    # wrk and h2load stop with requests in flight; linnet-proxy logs each as a "... canceled" warning.
    local cancels pattern='^[0-9:.]+ (warn|fail|crit):' canceled='(client canceled the request|response body canceled)'
    for peer_name in linnet_h1 linnet_h2 linnet_yarp; do
        cancels=$(grep -E "$pattern" "$WORK/$peer_name.log" | grep -cE "$canceled" || true)
        [[ $cancels == 0 ]] || raw "$peer_name: $cancels 'canceled' warnings (load tools stopping with requests in flight)"
        bad=$(grep -E "$pattern" "$WORK/$peer_name.log" | grep -vcE "$canceled" || true)
        [[ $bad == 0 ]] || problem "$peer_name logged $bad other warnings/errors, first: $(grep -E "$pattern" "$WORK/$peer_name.log" | grep -vE "$canceled" | head -1)"
    done

    mkdir -p "$RESULTS_DIR"
    local file=$RESULTS_DIR/proxy-$TIMESTAMP.md
    {
        echo "# Proxy benchmark $TIMESTAMP"
        echo
        echo "Command: \`$(env | grep -E '^BENCH_' | sort | tr '\n' ' ')bench/proxy/run.sh\` (${DURATION} s per measurement, $ROUNDS round(s))"
        echo
        environment
        echo
        report
        notes
        if [[ ${#PROBLEMS[@]} -gt 0 ]]; then
            echo
            echo "## Problems seen"
            printf -- '- %s\n' "${PROBLEMS[@]}"
        fi
        echo
        echo "## Raw measurements"
        echo
        echo '```'
        cat "$WORK/raw.txt"
        echo '```'
        echo
        echo "## Background CPU per measurement (cores used by processes this script did not start)"
        echo
        printf -- '- %s\n' "${NOISE[@]}"
        for peer_name in linnet_h1 linnet_h2 linnet_yarp; do
            echo
            echo "## $peer_name log (last 10 lines)"
            echo
            echo '```'
            tail -10 "$WORK/$peer_name.log"
            echo '```'
        done
    } >"$file"

    echo
    report
    notes
    if [[ ${#PROBLEMS[@]} -gt 0 ]]; then
        echo
        echo "Problems seen:"
        printf -- '- %s\n' "${PROBLEMS[@]}"
    fi
    echo
    echo "results: $file"
}

main "$@"
