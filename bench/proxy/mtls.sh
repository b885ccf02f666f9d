#!/usr/bin/env bash
# bench/proxy/mtls.sh: two linnet-proxies with mTLS between them beside two nginx with TLS between them,
# in one run, against one nginx backend.
#
#   bench/proxy/mtls.sh                  # 10 s per measurement (~1.5 min plus the build)
#   BENCH_QUICK=1 bench/proxy/mtls.sh    # smoke test (3 s per measurement)
#
# Environment: BENCH_DURATION (s, default 10), BENCH_QUICK=1 (3 s), BENCH_RATE (fixed rate, default 1000),
# BENCH_BUILD_DIR (default ${TMPDIR:-/tmp}/linnet-bench-build, shared with run.sh), BENCH_SKIP_BUILD=1,
# BENCH_MTLS_PORT_BASE (default 28500).
#
# Paths (all 127.0.0.1, HTTP/1.1 from the load tool, 1 KiB body from the backend):
#   direct: client -> backend
#   linnet: client -> proxy A (outbound, service local port) =mTLS, HTTP/2, TLS 1.3= proxy B (inbound) -> backend
#   nginx:  client -> nginx A (proxy_pass https, client cert, proxy_ssl_verify, proxy_ssl_session_reuse,
#           keepalive upstream) =TLS 1.3, HTTP/1.1= nginx B (ssl_verify_client on) -> backend (keepalive)
# Certificates: one ECDSA P-256 anchor -> issuer -> two leaves with a spiffe:// URI SAN (and a DNS SAN,
# which nginx checks as the server name), made with openssl for this run.
# Every server runs one worker process / thread. Prints a markdown table; writes bench/results/mtls-*.md.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DURATION=${BENCH_DURATION:-10}
[[ ${BENCH_QUICK:-0} == 1 ]] && DURATION=3
RATE=${BENCH_RATE:-1000}
BUILD_DIR=${BENCH_BUILD_DIR:-${TMPDIR:-/tmp}/linnet-bench-build}
BASE=${BENCH_MTLS_PORT_BASE:-28500}
RESULTS_DIR=$REPO/bench/results
TIMESTAMP=$(date -u +%Y%m%dT%H%M%SZ)
CLK_TCK=$(getconf CLK_TCK)
BODY_BYTES=1024

MESH_BIN=$BUILD_DIR/meshproxy/linnet-bench-meshproxy
LOAD_BIN=$BUILD_DIR/load/linnet-bench-load

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
chmod 755 "$WORK"
declare -A PID=()
declare -A R=()
PROBLEMS=()

log() { printf '%s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
problem() { PROBLEMS+=("$*"); log "PROBLEM: $*"; }

cleanup() {
    local status=$? name
    trap - EXIT INT TERM
    for name in "${!PID[@]}"; do kill -TERM "${PID[$name]}" 2>/dev/null || true; done
    for name in "${!PID[@]}"; do
        for _ in $(seq 50); do kill -0 "${PID[$name]}" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "${PID[$name]}" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    if [[ $status -ne 0 ]]; then log "run failed (exit $status); logs kept in $WORK"; else rm -rf "$WORK"; fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

require() { local t; for t in "$@"; do command -v "$t" >/dev/null || die "$t is not installed"; done; }
calc() { awk "BEGIN {printf \"%.${2:-2}f\", $1}"; }
ratio() { [[ -n $1 && -n $2 ]] && awk -v a="$1" -v b="$2" 'BEGIN {if (b <= 0) print "—"; else printf "%.2f", a / b}' || echo "—"; }

start_bg() { local name=$1; shift; "$@" >"$WORK/$name.log" 2>&1 & PID[$name]=$!; }

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

check_get() { # check_get URL NAME: one GET must answer 200 with the 1 KiB body
    local out
    out=$(curl -sS -o /dev/null -w '%{http_code} %{size_download}' --max-time 5 --http1.1 "$1" 2>&1) || die "$2: GET $1 failed: $out"
    [[ $out == "200 $BODY_BYTES" ]] || die "$2: GET $1 answered '$out', expected 200 with $BODY_BYTES bytes"
}

pids_of() { # every process of a peer (nginx: masters and workers)
    case $1 in
        linnet) echo "${PID[linnet_a]} ${PID[linnet_b]}" ;;
        nginx) echo "${PID[nginx_a]} ${PID[nginx_b]}" $(pgrep -P "${PID[nginx_a]}" || true) $(pgrep -P "${PID[nginx_b]}" || true) ;;
    esac
}

cpu_ticks() {
    local pid total=0 rest
    for pid in "$@"; do
        rest=$(sed 's/^.*) //' "/proc/$pid/stat")
        total=$((total + $(awk '{print $12 + $13}' <<<"$rest")))
    done
    echo "$total"
}

url_of() {
    case $1 in
        direct) echo "http://127.0.0.1:$BACKEND/" ;;
        linnet) echo "http://127.0.0.1:$LINNET_ENTRY/" ;;
        nginx) echo "http://127.0.0.1:$NGINX_A/" ;;
    esac
}

# ---------------------------------------------------------------------------------------------------

build() {
    if [[ ${BENCH_SKIP_BUILD:-0} == 1 && -x $MESH_BIN && -x $LOAD_BIN ]]; then log "build: reusing $BUILD_DIR"; return; fi
    log "build: publishing the mTLS proxy host and the load generator (Native AOT, Release) into $BUILD_DIR ..."
    mkdir -p "$BUILD_DIR"
    dotnet publish "$REPO/bench/Linnet.Bench.MeshProxy" -c Release -r linux-x64 -o "$BUILD_DIR/meshproxy" \
        --artifacts-path "$BUILD_DIR/artifacts" -nologo -v quiet >"$WORK/build-mesh.log" 2>&1 ||
        { tail -40 "$WORK/build-mesh.log" >&2; die "mesh proxy publish failed"; }
    dotnet publish "$REPO/bench/Linnet.Bench.Load" -c Release -r linux-x64 -o "$BUILD_DIR/load" \
        --artifacts-path "$BUILD_DIR/artifacts" -nologo -v quiet >"$WORK/build-load.log" 2>&1 ||
        { tail -40 "$WORK/build-load.log" >&2; die "load generator publish failed"; }
}

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

nginx_top() { # nginx_top DIR
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

configs() {
    local pki=$WORK/pki body
    body=$(head -c "$BODY_BYTES" /dev/zero | tr '\0' 'x')
    { nginx_top "$WORK/backend"; cat <<EOF
    server { listen 127.0.0.1:$BACKEND; location / { default_type text/plain; return 200 "$body"; } }
}
EOF
    } >"$WORK/backend.conf"
    { nginx_top "$WORK/nginx-b"; cat <<EOF
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
    { nginx_top "$WORK/nginx-a"; cat <<EOF
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
}

start_all() {
    local pki=$WORK/pki
    start_bg backend nginx -p "$WORK/backend" -c "$WORK/backend.conf" -e "$WORK/backend/logs/error.log"
    wait_tcp "$BACKEND" backend
    check_get "$(url_of direct)" backend

    start_bg linnet_b "$MESH_BIN" listen=$LINNET_B app=$BACKEND name=$SERVER_ID \
        cert="$pki/server-chain.crt" key="$pki/server.key" anchors="$pki/anchor.crt"
    start_bg linnet_a "$MESH_BIN" listen=$LINNET_A app=1 name=$CLIENT_ID \
        cert="$pki/client-chain.crt" key="$pki/client.key" anchors="$pki/anchor.crt" \
        service=$LINNET_ENTRY endpoint=127.0.0.1:$LINNET_B peer=$SERVER_ID
    wait_tcp "$LINNET_B" linnet_b
    wait_tcp "$LINNET_ENTRY" linnet_a
    check_get "$(url_of linnet)" linnet-pair
    curl -s "http://127.0.0.1:$((LINNET_B + 2))/metrics" | grep -q "tls=\"true\",client_id=\"$CLIENT_ID\"" ||
        die "linnet pair: the server proxy's metrics show no mTLS request from $CLIENT_ID"

    start_bg nginx_b nginx -p "$WORK/nginx-b" -c "$WORK/nginx-b.conf" -e "$WORK/nginx-b/logs/error.log"
    start_bg nginx_a nginx -p "$WORK/nginx-a" -c "$WORK/nginx-a.conf" -e "$WORK/nginx-a/logs/error.log"
    wait_tcp "$NGINX_B" nginx_b
    wait_tcp "$NGINX_A" nginx_a
    check_get "$(url_of nginx)" nginx-pair
}

throughput() { # wrk -t2 -c32
    local peer=$1 out rps non2xx
    out=$(wrk -t2 -c32 -d"${DURATION}s" --latency "$(url_of "$peer")" 2>&1) || die "wrk failed against $peer: $out"
    printf '%s\n' "throughput $peer:" "$out" >>"$WORK/raw.txt"
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $5}' <<<"$out")
    [[ -z $non2xx ]] || problem "$peer throughput: $non2xx non-2xx responses"
    if grep -q "Socket errors" <<<"$out"; then problem "$peer throughput: $(grep 'Socket errors' <<<"$out")"; fi
    R[rps,$peer]=$rps
}

fixed_rate() { # $RATE req/s for $DURATION s after a 1 s warm-up
    local peer=$1 url out pids=() t0=0 t1 sent
    url=$(url_of "$peer")
    read -ra pids <<<"$(pids_of "$peer")"
    "$LOAD_BIN" --url "$url" --rps "$RATE" --duration 1 >/dev/null
    if ((${#pids[@]})); then t0=$(cpu_ticks "${pids[@]}"); fi
    out=$("$LOAD_BIN" --url "$url" --rps "$RATE" --duration "$DURATION") || die "load generator failed against $peer"
    printf 'fixed %s rps %s: %s\n' "$RATE" "$peer" "$out" >>"$WORK/raw.txt"
    sent=$(jq -r .sent <<<"$out")
    [[ $(jq -r .errors <<<"$out") == 0 && $(jq -r .ok <<<"$out") == "$sent" ]] ||
        problem "$peer fixed-rate: $(jq -r .errors <<<"$out") errors of $sent ($(jq -r .first_error <<<"$out"))"
    R[p50,$peer]=$(jq -r .p50_ms <<<"$out")
    R[p99,$peer]=$(jq -r .p99_ms <<<"$out")
    if ((${#pids[@]})); then
        t1=$(cpu_ticks "${pids[@]}")
        R[cpu,$peer]=$(calc "($t1 - $t0) / $CLK_TCK / ($sent / 1000)" 3)
    fi
}

report() {
    local l n
    echo "| measurement | direct | linnet pair (mTLS) | nginx pair (TLS) | linnet/nginx | target (linnet) |"
    echo "|---|---:|---:|---:|---:|---|"
    l=${R[rps,linnet]}; n=${R[rps,nginx]}
    echo "| HTTP/1.1 req/s, two hops (wrk -t2 -c32) | ${R[rps,direct]} | $l | $n | $(ratio "$l" "$n") | ≥ 1.0× nginx: $(awk -v a="$l" -v b="$n" 'BEGIN {print (a >= b) ? "met" : "missed"}') |"
    echo "| HTTP/1.1 @$RATE/s p50 ms | ${R[p50,direct]} | ${R[p50,linnet]} | ${R[p50,nginx]} | $(ratio "${R[p50,linnet]}" "${R[p50,nginx]}") |  |"
    echo "| HTTP/1.1 @$RATE/s p99 ms | ${R[p99,direct]} | ${R[p99,linnet]} | ${R[p99,nginx]} | $(ratio "${R[p99,linnet]}" "${R[p99,nginx]}") |  |"
    l=$(calc "${R[p99,linnet]} - ${R[p99,direct]}" 3); n=$(calc "${R[p99,nginx]} - ${R[p99,direct]}" 3)
    echo "| added p99 ms (vs direct) | 0 | $l | $n | $(ratio "$l" "$n") | ≤ nginx's: $(awk -v a="$l" -v b="$n" 'BEGIN {print (a <= b) ? "met" : "missed"}') |"
    echo "| CPU s per 1,000 req @$RATE/s (both proxies) | — | ${R[cpu,linnet]} | ${R[cpu,nginx]} | $(ratio "${R[cpu,linnet]}" "${R[cpu,nginx]}") |  |"
}

main() {
    require dotnet nginx wrk curl jq openssl awk
    build
    certificates
    configs
    log "starting peers ..."
    start_all
    local peer
    log "fixed rate: $RATE req/s for ${DURATION}s per path ..."
    for peer in "${PEERS[@]}"; do fixed_rate "$peer"; done
    log "throughput: wrk -t2 -c32 -d${DURATION}s per path ..."
    for peer in "${PEERS[@]}"; do throughput "$peer"; done
    for peer in backend linnet_a linnet_b nginx_a nginx_b; do
        kill -0 "${PID[$peer]}" 2>/dev/null || problem "$peer exited during the run"
    done

    mkdir -p "$RESULTS_DIR"
    local file=$RESULTS_DIR/mtls-$TIMESTAMP.md
    {
        echo "# mTLS two-hop benchmark $TIMESTAMP"
        echo
        echo "Command: \`$(env | grep -E '^BENCH_' | sort | tr '\n' ' ')bench/proxy/mtls.sh\` (${DURATION} s per measurement)"
        echo "Commit $(git -C "$REPO" rev-parse --short HEAD); $(nproc) cores; load average at the end $(cut -d' ' -f1-3 /proc/loadavg); $(nginx -v 2>&1)"
        echo
        report
        if ((${#PROBLEMS[@]})); then echo; echo "## Problems seen"; printf -- '- %s\n' "${PROBLEMS[@]}"; fi
        echo; echo '## Raw measurements'; echo; echo '```'; cat "$WORK/raw.txt"; echo '```'
    } >"$file"
    echo
    report
    if ((${#PROBLEMS[@]})); then echo; echo "Problems seen:"; printf -- '- %s\n' "${PROBLEMS[@]}"; fi
    echo
    echo "results: $file"
}

main "$@"
