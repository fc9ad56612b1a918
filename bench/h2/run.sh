#!/usr/bin/env bash
# HTTP/2 serving benchmark: h2load on 127.0.0.1 against every server in the
# same run, cleartext (prior knowledge) and over TLS (ALPN h2):
#   nginx            `return 200` of the counter's body (http2 on the listen
#                    line): the ceiling on this machine
#   hx /hello        our HTTP server alone (tests/http/hx_test_server)
#   serverless       wasmhttpd serve, examples/counter, a fresh instance per
#                    request (each stream is one request)
#   stateful         wasmhttpd serve, examples/counter, a pool of instances
# Prints req/s and the mean time per request for each, and the ratio to
# nginx in the same mode.
#
#   bench/h2/run.sh                        # 10 s per case, 1 worker each
#   DURATION=30 CONNS=32 STREAMS=20 WORKERS=2 bench/h2/run.sh
#   BUILD=build bench/h2/run.sh            # an existing CMake build dir
#
# Needs h2load (Debian nghttp2-client), nginx, openssl, curl
# (scripts/install-deps.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-$root/build-bench-serve}
DURATION=${DURATION:-10}  # seconds per case (h2load -D)
CONNS=${CONNS:-16}        # connections
STREAMS=${STREAMS:-10}    # concurrent streams per connection (h2load -m)
WORKERS=${WORKERS:-1}
THREADS=${THREADS:-1}     # h2load threads

NAME=bench/h2
. "$here/../lib.sh"
need h2load nginx openssl curl python3
build_targets wasmhttpd hx_test_server example_counter
counter="$BUILD/examples/counter"

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -keyout "$tmp/key.pem" -out "$tmp/cert.pem" \
  -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1

declare -A reqs lat
# Runs h2load on url; sets reqs[key] and lat[key] (mean ms per request).
run_case() { # key url
  local out
  h2load -t"$THREADS" -c"$CONNS" -m"$STREAMS" -D 1 "$2" >/dev/null 2>&1 # warm-up
  out=$(h2load -t"$THREADS" -c"$CONNS" -m"$STREAMS" -D "$DURATION" "$2")
  reqs[$1]=$(awk '/^finished in/ {print $4}' <<<"$out")
  lat[$1]=$(awk '/^time for request:/ {v=$6; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}' <<<"$out")
  if ! grep -q " 0 failed, 0 errored" <<<"$out" || grep -q "[1-9][0-9]* [345]xx" <<<"$out"; then
    echo "$NAME: errors while measuring $2:" >&2
    grep "^requests:\|^status codes:" <<<"$out" >&2
  fi
}

# nginx, both modes
ng_port=$(free_port)
ng_tls=$(free_port)
sed -e "s#@TMP@#$tmp#g" -e "s#@PORT@#$ng_port#g" -e "s#@TLSPORT@#$ng_tls#g" \
  -e "s#@CERT@#$tmp/cert.pem#g" -e "s#@KEY@#$tmp/key.pem#g" -e "s#@WORKERS@#$WORKERS#g" \
  "$here/nginx.conf.in" >"$tmp/nginx.conf"
start "$tmp/nginx.log" nginx -p "$tmp" -e "$tmp/error.log" -c "$tmp/nginx.conf"
for _ in $(seq 100); do
  curl -sf --http2-prior-knowledge "http://127.0.0.1:$ng_port/" >/dev/null 2>&1 && break
  sleep 0.1
done
run_case nginx "http://127.0.0.1:$ng_port/"
run_case nginx_tls "https://127.0.0.1:$ng_tls/"

# our HTTP server alone
hx_port=$(free_port)
start "$tmp/hx.log" "$BUILD/tests/http/hx_test_server" --port "$hx_port" --workers "$WORKERS"
wait_up "http://127.0.0.1:$hx_port/hello" hx_test_server "$tmp/hx.log"
run_case hx "http://127.0.0.1:$hx_port/hello"
kill -- "-${pids[-1]}" 2>/dev/null || true

# wasmhttpd, both models, cleartext and TLS
serve_case() { # key, component, option...
  local key=$1 comp=$2 port
  shift 2
  port=$(free_port)
  start "$tmp/$key.log" "$BUILD/wasmhttpd" serve --addr "127.0.0.1:$port" \
    --workers "$WORKERS" "$@" "$comp"
  wait_up "http://127.0.0.1:$port/" "wasmhttpd serve ($key)" "$tmp/$key.log"
  run_case "$key" "http://127.0.0.1:$port/"
  kill -- "-${pids[-1]}" 2>/dev/null || true
  port=$(free_port)
  start "$tmp/${key}_tls.log" "$BUILD/wasmhttpd" serve --addr "127.0.0.1:$port" \
    --workers "$WORKERS" --tls-cert "$tmp/cert.pem" --tls-key "$tmp/key.pem" "$@" "$comp"
  for _ in $(seq 100); do
    curl -sfk "https://127.0.0.1:$port/" >/dev/null 2>&1 && break
    sleep 0.1
  done
  run_case "${key}_tls" "https://127.0.0.1:$port/"
  kill -- "-${pids[-1]}" 2>/dev/null || true
}
serve_case serverless "$counter/counter-serverless.wasm"
serve_case stateful "$counter/counter-stateful.wasm"

cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
echo "# cpu: $cpu ($(nproc) cores), load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $(nginx -v 2>&1 | sed 's/^nginx version: //'); $(h2load --version | head -1);" \
  "${DURATION}s, $THREADS thread(s), $CONNS connections x $STREAMS streams; $WORKERS worker(s) per server"
printf '%-28s %10s %9s %9s\n' server req/s mean_ms vs_nginx
row() { # label key nginx_key
  printf '%-28s %10.0f %9.3f %9s\n' "$1" "${reqs[$2]:-0}" "${lat[$2]:-0}" \
    "$(ratio "${reqs[$2]:-0}" "${reqs[$3]:-0}")"
}
row "nginx h2c" nginx nginx
row "hx /hello h2c (no guest)" hx nginx
row "wasmhttpd serverless h2c" serverless nginx
row "wasmhttpd stateful h2c" stateful nginx
row "nginx h2 (TLS)" nginx_tls nginx_tls
row "wasmhttpd serverless h2" serverless_tls nginx_tls
row "wasmhttpd stateful h2" stateful_tls nginx_tls
