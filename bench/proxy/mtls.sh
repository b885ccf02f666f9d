#!/usr/bin/env bash
# bench/proxy/mtls.sh: two linnet-proxies with mTLS between them beside two nginx with TLS between them, in
# one run, against one nginx backend.
#
#   bench/proxy/mtls.sh                  # 10 s per measurement, 1 round (~1.5 min plus the build)
#   BENCH_QUICK=1 bench/proxy/mtls.sh    # smoke test (3 s per measurement)
#
# Environment: BENCH_DURATION (s, default 10), BENCH_QUICK=1 (3 s), BENCH_RATE (fixed rate, default 1000),
# BENCH_ROUNDS (repeat every measurement, paths interleaved, report medians; default 1),
# BENCH_BUILD_DIR (default ${TMPDIR:-/tmp}/linnet-bench-build, shared with run.sh), BENCH_SKIP_BUILD=1,
# BENCH_MTLS_PORT_BASE (default 28500), BENCH_QUIET_WAIT (s each measurement may wait for a quiet machine),
# BENCH_LINNET_ENV (NAME=VALUE pairs given to both linnet-proxies, lib.sh).
#
# Paths (all 127.0.0.1, HTTP/1.1 from the load tool, 1 KiB body from the backend):
#   direct: client -> backend
#   linnet: client -> linnet-proxy A (outbound, service local port) =mTLS, HTTP/2, TLS 1.3=
#           linnet-proxy B (inbound) -> backend
#   nginx:  client -> nginx A (proxy_pass https, client cert, proxy_ssl_verify, proxy_ssl_session_reuse,
#           keepalive upstream) =TLS 1.3, HTTP/1.1= nginx B (ssl_verify_client on) -> backend (keepalive)
# The linnet-proxies are the real Native AOT linnet-proxy, each given a fixed certificate by its config file
# (identity: certificateFile/keyFile/trustAnchorsFile); A's one endpoint names B's identity.
# Certificates: one ECDSA P-256 anchor -> issuer -> two leaves with a spiffe:// URI SAN (and a DNS SAN,
# which nginx checks as the server name), made with openssl for this run.
# Every server runs one worker process / thread. Prints a markdown table; writes bench/results/mtls-*.md.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DURATION=${BENCH_DURATION:-10}
[[ ${BENCH_QUICK:-0} == 1 ]] && DURATION=3
RATE=${BENCH_RATE:-1000}
ROUNDS=${BENCH_ROUNDS:-1}
BUILD_DIR=${BENCH_BUILD_DIR:-${TMPDIR:-/tmp}/linnet-bench-build}
BASE=${BENCH_MTLS_PORT_BASE:-28500}
RESULTS_DIR=$REPO/bench/results
TIMESTAMP=$(date -u +%Y%m%dT%H%M%SZ)
BODY_BYTES=1024

BACKEND=$BASE
LINNET_B=$((BASE + 10))      # server proxy: inbound +10, outbound +11, admin +12
LINNET_A=$((BASE + 20))      # client proxy: inbound +20, outbound +21, admin +22
LINNET_ENTRY=$((BASE + 25))  # client proxy's service local port (the app dials this)
NGINX_B=$((BASE + 30))
NGINX_A=$((BASE + 31))
SERVER_ID=spiffe://cluster.local/ns/bench/sa/server
CLIENT_ID=spiffe://cluster.local/ns/bench/sa/client
SERVER_DNS=server.bench.mesh.local

PEERS=(direct linnet nginx)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/linnet-mtls-bench.XXXXXX")
chmod 755 "$WORK" # nginx workers run as nobody
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
# shellcheck source=lib.sh
source "$REPO/bench/proxy/lib.sh"   # log, die, start_bg, wait_tcp, noise_*, build, nginx_common, v, ratio... and the EXIT trap

pids_of() { # every process of a path's two proxies (nginx: masters and workers)
    case $1 in
        linnet) echo "${PID[linnet_a]} ${PID[linnet_b]}" ;;
        nginx) echo "${PID[nginx_a]} ${PID[nginx_b]}" $(pgrep -P "${PID[nginx_a]}" || true) $(pgrep -P "${PID[nginx_b]}" || true) ;;
    esac
}

url_of() {
    case $1 in
        direct) echo "http://127.0.0.1:$BACKEND/" ;;
        linnet) echo "http://127.0.0.1:$LINNET_ENTRY/" ;;
        nginx) echo "http://127.0.0.1:$NGINX_A/" ;;
    esac
}

# ---------------------------------------------------------------------------------------------------

certificates() { # anchor -> issuer -> server and client leaves, ECDSA P-256, in $WORK/pki
    local dir=$WORK/pki
    mkdir -p "$dir"
    (
        cd "$dir"
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout anchor.key -out anchor.crt \
            -subj /CN=root.bench.linnet -days 2 -addext basicConstraints=critical,CA:TRUE \
            -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
        openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout issuer.key -out issuer.csr \
            -subj /CN=issuer.bench.linnet 2>/dev/null
        printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' >issuer.ext
        openssl x509 -req -in issuer.csr -CA anchor.crt -CAkey anchor.key -CAcreateserial -CAserial anchor.srl \
            -days 2 -extfile issuer.ext -out issuer.crt 2>/dev/null
        local who id dns
        for who in server client; do
            [[ $who == server ]] && id=$SERVER_ID || id=$CLIENT_ID
            [[ $who == server ]] && dns=$SERVER_DNS || dns=client.bench.mesh.local
            openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$who.key" -out "$who.csr" \
                -subj "/CN=$who" 2>/dev/null
            printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=URI:%s,DNS:%s\n' "$id" "$dns" >"$who.ext"
            openssl x509 -req -in "$who.csr" -CA issuer.crt -CAkey issuer.key -CAcreateserial -CAserial issuer.srl \
                -days 1 -extfile "$who.ext" -out "$who.crt" 2>/dev/null
            cat "$who.crt" issuer.crt >"$who-chain.crt"
        done
    ) || die "openssl failed to make the test PKI"
}

configs() {
    local pki=$WORK/pki body
    body=$(head -c "$BODY_BYTES" /dev/zero | tr '\0' 'x')
    { nginx_common "$WORK/backend"; cat <<EOF
    server { listen 127.0.0.1:$BACKEND; location / { default_type text/plain; return 200 "$body"; } }
}
EOF
    } >"$WORK/backend.conf"
    { nginx_common "$WORK/nginx-b"; cat <<EOF
    upstream backend { server 127.0.0.1:$BACKEND; keepalive 64; keepalive_requests 100000000; }
    server {
        listen 127.0.0.1:$NGINX_B ssl;
        ssl_protocols TLSv1.3;
        ssl_certificate $pki/server-chain.crt;
        ssl_certificate_key $pki/server.key;
        ssl_verify_client on;
        ssl_client_certificate $pki/anchor.crt;
        ssl_verify_depth 2;
        ssl_session_cache shared:mesh:1m;
        location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; }
    }
}
EOF
    } >"$WORK/nginx-b.conf"
    { nginx_common "$WORK/nginx-a"; cat <<EOF
    upstream mesh { server 127.0.0.1:$NGINX_B; keepalive 64; keepalive_requests 100000000; }
    server {
        listen 127.0.0.1:$NGINX_A;
        location / {
            proxy_pass https://mesh;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_ssl_protocols TLSv1.3;
            proxy_ssl_certificate $pki/client-chain.crt;
            proxy_ssl_certificate_key $pki/client.key;
            proxy_ssl_trusted_certificate $pki/anchor.crt;
            proxy_ssl_verify on;
            proxy_ssl_verify_depth 2;
            proxy_ssl_name $SERVER_DNS;
            proxy_ssl_session_reuse on;
        }
    }
}
EOF
    } >"$WORK/nginx-a.conf"

    # linnet-proxy B: the server side, inbound to the backend; A: the client side, whose service "backend"
    # has one meshed endpoint (B's inbound, which must present SERVER_ID), served on a local port.
    local who listen id extra
    for who in b a; do
        if [[ $who == b ]]; then listen=$LINNET_B id=$SERVER_ID extra=""; else listen=$LINNET_A id=$CLIENT_ID; fi
        [[ $who == a ]] && extra=$(cat <<EOF
services:
  - key: "backend:80"
    port: 80
    localPort: $LINNET_ENTRY
    endpoints: [{address: 127.0.0.1, port: $LINNET_B, identity: "$SERVER_ID", meshed: true}]
EOF
)
        local role=server cert=server
        [[ $who == a ]] && role=client cert=client
        cat >"$WORK/linnet-$who.yaml" <<EOF
workload: {namespace: bench, name: $role, pod: $role-0}
inbound: {listen: "127.0.0.1:$listen", appPort: $([[ $who == b ]] && echo "$BACKEND" || echo 1), appHost: 127.0.0.1}
outbound: {listen: "127.0.0.1:$((listen + 1))"}
admin: {listen: "127.0.0.1:$((listen + 2))"}
transparent: false
identity:
  name: "$id"
  certificateFile: $pki/$cert-chain.crt
  keyFile: $pki/$cert.key
  trustAnchorsFile: $pki/anchor.crt
$extra
EOF
    done
}

start_all() {
    start_bg backend nginx -p "$WORK/backend" -c "$WORK/backend.conf" -e "$WORK/backend/logs/error.log"
    wait_tcp "$BACKEND" backend
    check_get "$(url_of direct)" h1 backend

    start_bg linnet_b env "${LINNET_ENV[@]}" "$PROXY_BIN" --config "$WORK/linnet-b.yaml"
    start_bg linnet_a env "${LINNET_ENV[@]}" "$PROXY_BIN" --config "$WORK/linnet-a.yaml"
    wait_ready $((LINNET_B + 2)) linnet_b
    wait_ready $((LINNET_A + 2)) linnet_a
    wait_tcp "$LINNET_ENTRY" linnet_a
    check_get "$(url_of linnet)" h1 linnet-pair
    curl -s "http://127.0.0.1:$((LINNET_B + 2))/metrics" | grep -q "tls=\"true\",client_id=\"$CLIENT_ID\"" ||
        die "linnet pair: the server proxy's metrics show no mTLS request from $CLIENT_ID"

    start_bg nginx_b nginx -p "$WORK/nginx-b" -c "$WORK/nginx-b.conf" -e "$WORK/nginx-b/logs/error.log"
    start_bg nginx_a nginx -p "$WORK/nginx-a" -c "$WORK/nginx-a.conf" -e "$WORK/nginx-a/logs/error.log"
    wait_tcp "$NGINX_B" nginx_b
    wait_tcp "$NGINX_A" nginx_a
    check_get "$(url_of nginx)" h1 nginx-pair
}

throughput() { # wrk -t2 -c32; also the CPU both proxies of the path spend per 1,000 requests at full load
    local peer=$1 out rps requests non2xx pids=() t0=0 t1
    read -ra pids <<<"$(pids_of "$peer")"
    noise_begin
    if ((${#pids[@]})); then t0=$(cpu_ticks "${pids[@]}"); fi
    out=$(timeout $((DURATION + 30)) wrk -t2 -c32 -d"${DURATION}s" --latency "$(url_of "$peer")" 2>&1) || die "wrk failed against $peer: $out"
    if ((${#pids[@]})); then t1=$(cpu_ticks "${pids[@]}"); fi
    noise_end "wrk $peer"
    rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$out")
    requests=$(awk '/requests in/ {print $1}' <<<"$out")
    non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$out")
    [[ -z $non2xx ]] || problem "$peer throughput: $non2xx non-2xx responses"
    if grep -q "Socket errors" <<<"$out"; then problem "$peer throughput: $(grep 'Socket errors' <<<"$out")"; fi
    put "rps,$peer" "$rps"
    if ((${#pids[@]})); then put "cpu_max,$peer" "$(calc "($t1 - $t0) / $CLK_TCK / ($requests / 1000)" 3)"; fi
    raw "r$ROUND wrk $peer: $rps req/s, $(awk '/Latency/ && NR < 6 {print "latency avg " $2 ", max " $4}' <<<"$out")"
}

fixed_rate() { # $RATE req/s for $DURATION s after a 1 s warm-up
    local peer=$1 url out pids=() t0=0 t1 sent
    url=$(url_of "$peer")
    read -ra pids <<<"$(pids_of "$peer")"
    "$LOAD_BIN" --url "$url" --rps "$RATE" --duration 1 >/dev/null
    noise_begin
    if ((${#pids[@]})); then t0=$(cpu_ticks "${pids[@]}"); fi
    out=$("$LOAD_BIN" --url "$url" --rps "$RATE" --duration "$DURATION") || die "load generator failed against $peer"
    if ((${#pids[@]})); then t1=$(cpu_ticks "${pids[@]}"); fi
    noise_end "fixed-rate $peer"
    raw "r$ROUND fixed $RATE rps $peer: $out"
    sent=$(jq -r .sent <<<"$out")
    [[ $(jq -r .errors <<<"$out") == 0 && $(jq -r .ok <<<"$out") == "$sent" ]] ||
        problem "$peer fixed-rate: $(jq -r .errors <<<"$out") errors of $sent ($(jq -r .first_error <<<"$out"))"
    put "p50,$peer" "$(jq -r .p50_ms <<<"$out")"
    put "p99,$peer" "$(jq -r .p99_ms <<<"$out")"
    if ((${#pids[@]})); then put "cpu,$peer" "$(calc "($t1 - $t0) / $CLK_TCK / ($sent / 1000)" 3)"; fi
}

report() {
    local l n
    echo "| measurement | direct | linnet pair (mTLS) | nginx pair (TLS) | linnet/nginx | target (linnet) |"
    echo "|---|---:|---:|---:|---:|---|"
    l=$(v rps linnet); n=$(v rps nginx)
    echo "| HTTP/1.1 req/s, two hops (wrk -t2 -c32) | $(v rps direct) | $l | $n | $(ratio "$l" "$n") | $(verdict "$l >= $n" "≥ 1.0× nginx") |"
    echo "| HTTP/1.1 @$RATE/s p50 ms | $(v p50 direct) | $(v p50 linnet) | $(v p50 nginx) | $(ratio "$(v p50 linnet)" "$(v p50 nginx)") |  |"
    echo "| HTTP/1.1 @$RATE/s p99 ms | $(v p99 direct) | $(v p99 linnet) | $(v p99 nginx) | $(ratio "$(v p99 linnet)" "$(v p99 nginx)") |  |"
    l=$(added p99 linnet); n=$(added p99 nginx)
    echo "| added p99 ms (vs direct) | 0 | $l | $n | $(ratio "$l" "$n") | $(verdict "$l <= $n" "≤ nginx's") |"
    l=$(v cpu linnet); n=$(v cpu nginx)
    echo "| CPU s per 1,000 req @$RATE/s (both proxies) | — | $l | $n | $(ratio "$l" "$n") |  |"
    l=$(v cpu_max linnet); n=$(v cpu_max nginx)
    echo "| CPU s per 1,000 req under wrk (both proxies) | — | $l | $n | $(ratio "$l" "$n") |  |"
}

notes() {
    echo
    echo "- Load average at the start $LOAD_AT_START, at the end $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores shared by the load tools, the backend and both proxies of a path."
    echo "- Background CPU (processes this script did not start) per measurement, in cores: max $(printf '%s\n' "${NOISE[@]}" | awk -F': ' '$2 > m {m = $2} END {printf "%.2f", m}'); above 0.2 cores: $(if ((${#NOISY[@]})); then (IFS=";"; echo "${NOISY[*]}"); else echo none; fi)."
    if ((ROUNDS > 1)); then echo "- Rounds: $ROUNDS (paths interleaved; figures are medians)."; fi
}

main() {
    require dotnet nginx wrk curl jq openssl awk
    build
    certificates
    configs
    log "starting peers ..."
    start_all
    local peer round
    for round in $(seq "$ROUNDS"); do
        ROUND=$round
        log "round $round/$ROUNDS: fixed rate, $RATE req/s for ${DURATION}s per path ..."
        for peer in "${PEERS[@]}"; do fixed_rate "$peer"; done
        log "round $round/$ROUNDS: throughput, wrk -t2 -c32 -d${DURATION}s per path ..."
        for peer in "${PEERS[@]}"; do throughput "$peer"; done
    done
    for peer in backend linnet_a linnet_b nginx_a nginx_b; do
        kill -0 "${PID[$peer]}" 2>/dev/null || problem "$peer exited during the run"
    done

    mkdir -p "$RESULTS_DIR"
    local file=$RESULTS_DIR/mtls-$TIMESTAMP.md
    {
        echo "# mTLS two-hop benchmark $TIMESTAMP"
        echo
        echo "Command: \`$(env | grep -E '^BENCH_' | sort | tr '\n' ' ')bench/proxy/mtls.sh\` (${DURATION} s per measurement, $ROUNDS round(s))"
        echo "Commit $(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet HEAD -- src 2>/dev/null || echo " + uncommitted changes in src/"); $(nproc) cores; $(nginx -v 2>&1); $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2)"
        echo
        report
        notes
        if ((${#PROBLEMS[@]})); then echo; echo "## Problems seen"; printf -- '- %s\n' "${PROBLEMS[@]}"; fi
        echo; echo '## Raw measurements'; echo; echo '```'; cat "$WORK/raw.txt"; echo '```'
        echo; echo '## Background CPU per measurement (cores)'; echo; printf -- '- %s\n' "${NOISE[@]}"
    } >"$file"
    echo
    report
    notes
    if ((${#PROBLEMS[@]})); then echo; echo "Problems seen:"; printf -- '- %s\n' "${PROBLEMS[@]}"; fi
    echo
    echo "results: $file"
}

main "$@"
