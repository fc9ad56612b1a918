#!/usr/bin/env bash
# Outbound benchmark: guests that call a back end for every request, in both
# instance models, measured by wrk on 127.0.0.1 in the same run:
#   nginx direct        wrk against the back end itself: the ceiling
#   counter             examples/counter, no back end: what a request costs
#                       without one
#   HTTP                examples/proxy-cache, GET /nocache/hello.txt: every
#                       request forwarded to nginx through
#                       wasi:http/outgoing-handler, with the host's
#                       connection pool (default) and without it
#                       (--outbound-idle-timeout 0: a connection per request)
#   cache               examples/proxy-cache, GET /hello.txt again and again:
#                       a miss every time serverless, hits stateful
#   Redis               bench/outbound/redis_guest.c, INCR over wasi:sockets
#                       TCP: serverless connects per request, stateful opens
#                       its connection in init
# Prints req/s, p99 and the back end's new connections per case (nginx
# stub_status `accepts`, Redis `total_connections_received`, read before
# and after each measured run), then the ratios.
#
#   bench/outbound/run.sh                  # 10 s per case, 1 worker
#   DURATION=30s CONNS=128 WORKERS=2 bench/outbound/run.sh
#   BUILD=build bench/outbound/run.sh      # an existing CMake build dir
#
# Needs wrk, nginx, curl, python3, redis-server and redis-cli (Debian
# package redis-server: installed here with apt-get when missing and this
# runs as root; INSTALL_REDIS=0 forbids that), and the guest toolchain
# (scripts/install-deps.sh). The HTTP and cache cases need a wasmhttpd with
# outbound HTTP (`--allow-http`) and the target example_proxy_cache; without
# them those rows say why they are empty.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-$root/build-bench-serve}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-64}
WORKERS=${WORKERS:-1}
THREADS=${THREADS:-1}

say() { echo "bench/outbound: $*" >&2; }

for tool in wrk nginx curl python3; do
  command -v "$tool" >/dev/null || { say "$tool not found (scripts/install-deps.sh)"; exit 2; }
done
if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
  if [ "${INSTALL_REDIS:-1}" != 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing redis-server (Debian package) with apt-get"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server; } \
      >/dev/null || { say "apt-get install redis-server failed"; exit 2; }
  else
    say "redis-server not found: install the Debian package (apt-get install redis-server)"
    exit 2
  fi
fi

if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -S "$root" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$BUILD" --target wasmhttpd example_counter bench_outbound_guests >/dev/null
http_skip=""
if ! cmake --build "$BUILD" --target example_proxy_cache >"$BUILD/bench-outbound-build.log" 2>&1; then
  http_skip="the target example_proxy_cache did not build (see $BUILD/bench-outbound-build.log)"
elif ! "$BUILD/wasmhttpd" serve --help 2>&1 | grep -q -- --allow-http; then
  http_skip="this wasmhttpd has no outbound HTTP (no --allow-http)"
fi
wasmhttpd=$BUILD/wasmhttpd
counter=$BUILD/examples/counter
proxy=$BUILD/examples/proxy-cache
guests=$BUILD/bench/outbound

NAME=bench/outbound
. "$here/../lib.sh"

stop_last() {
  local p=${pids[-1]}
  kill -- "-$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
}

# Waits until url answers anything at all (a 502 too: the probe judges).
wait_answering() { # url, name, log
  local code
  for _ in $(seq 100); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$1" 2>/dev/null || true)
    [ "$code" != 000 ] && [ -n "$code" ] && return 0
    sleep 0.1
  done
  say "$2 did not start"; cat "$3" >&2; exit 1
}

# Connections the back ends accepted so far. Reading them opens one more,
# so a difference of two readings is one too high.
backend_conns() { # nginx|redis|none
  case $1 in
  nginx) curl -s "http://127.0.0.1:$ng_port/nginx_status" | awk 'NR == 3 {print $1}' ;;
  redis) redis-cli -p "$redis_port" INFO stats | tr -d '\r' |
           awk -F: '$1 == "total_connections_received" {print $2}' ;;
  *) echo 0 ;;
  esac
}

declare -A reqs p99 conns conns_all total note
# Measures one case: warm-up, then wrk with the back end's counter read
# before and after. conns: opened during the measured run; conns_all: since
# the back end's counter read $start_conns, before the server started (its
# init, the probe and the warm-up included).
start_conns=""
run_case() { # key url backend
  local key=$1 url=$2 be=$3 out before after
  wrk -t"$THREADS" -c"$CONNS" -d1s "$url" >/dev/null 2>&1 # warm-up
  before=$(backend_conns "$be")
  out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$url")
  after=$(backend_conns "$be")
  reqs[$key]=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  total[$key]=$(awk '/requests in/ {print $1}' <<<"$out")
  p99[$key]=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}' <<<"$out")
  if [ "$be" != none ]; then
    conns[$key]=$((after - before - 1))
    if [ -n "$start_conns" ]; then
      conns_all[$key]=$((after - start_conns - 2))
    fi
  fi
  if grep -q "Non-2xx\|Socket errors" <<<"$out"; then
    say "errors while measuring $key ($url):"
    grep "Non-2xx\|Socket errors" <<<"$out" >&2
  fi
}

# The answer to one GET must be 200 (and carry the header, when given);
# otherwise the case is left out, with the answer as the reason.
probe() { # key url [header-line regex]
  local head status
  head=$(curl -s -D - -o "$tmp/probe.body" "$2" | tr -d '\r')
  status=$(awk 'NR == 1 {print $2}' <<<"$head")
  if [ "$status" != 200 ]; then
    note[$1]="answered ${status:-nothing}: $(head -c 120 "$tmp/probe.body" | tr '\n' ' ')"
    return 1
  fi
  if [ -n "${3:-}" ] && ! grep -qi "$3" <<<"$head"; then
    note[$1]="no '$3' in the answer's headers"
    return 1
  fi
}

# Serves a component, probes it, measures it, stops it.
serve_case() { # key path backend probe-header wasm [serve options...]
  local key=$1 path=$2 be=$3 hdr=$4 wasm=$5 port
  shift 5
  start_conns=$(backend_conns "$be")
  port=$(free_port)
  start "$tmp/$key.log" "$wasmhttpd" serve --addr "127.0.0.1:$port" --workers "$WORKERS" "$@" "$wasm"
  wait_answering "http://127.0.0.1:$port/" "wasmhttpd serve ($key)" "$tmp/$key.log"
  if [ "$key" = cache_stateful ]; then
    # one miss per instance first (4 per worker), then hits
    for _ in $(seq $((4 * WORKERS))); do curl -s -o /dev/null "http://127.0.0.1:$port$path"; done
  fi
  if probe "$key" "http://127.0.0.1:$port$path" "$hdr"; then
    run_case "$key" "http://127.0.0.1:$port$path" "$be"
  fi
  stop_last
}

# ---- the back ends ----
# nginx's workers run as nobody when it is started as root: they must be
# able to read the file
mkdir -p "$tmp/www"
printf 'hello from the back end\n' >"$tmp/www/hello.txt"
chmod 755 "$tmp" "$tmp/www"
chmod 644 "$tmp/www/hello.txt"
ng_port=$(free_port)
sed -e "s#@TMP@#$tmp#g" -e "s#@PORT@#$ng_port#g" -e "s#@WORKERS@#$WORKERS#g" \
  "$here/nginx.conf.in" >"$tmp/nginx.conf"
start "$tmp/nginx.log" nginx -p "$tmp" -e "$tmp/error.log" -c "$tmp/nginx.conf"
wait_answering "http://127.0.0.1:$ng_port/hello.txt" nginx "$tmp/error.log"
backend=http://127.0.0.1:$ng_port

redis_port=$(free_port)
start "$tmp/redis.log" redis-server --port "$redis_port" --bind 127.0.0.1 --save '' \
  --appendonly no --dir "$tmp" --daemonize no
for _ in $(seq 100); do
  redis-cli -p "$redis_port" PING 2>/dev/null | grep -q PONG && break
  sleep 0.1
done
redis-cli -p "$redis_port" PING 2>/dev/null | grep -q PONG || {
  say "redis-server did not start"; cat "$tmp/redis.log" >&2; exit 1; }

# ---- the cases ----
run_case nginx "$backend/hello.txt" nginx

serve_case counter_serverless / none "" "$counter/counter-serverless.wasm"
serve_case counter_stateful / none "" "$counter/counter-stateful.wasm"

http=(--env "BACKEND=$backend" --allow-http "$backend")
if [ -z "$http_skip" ]; then
  for model in serverless stateful; do
    serve_case "http_${model}_pool" /nocache/hello.txt nginx "^x-cache: bypass" \
      "$proxy/proxy-cache-$model.wasm" "${http[@]}"
    serve_case "http_${model}_nopool" /nocache/hello.txt nginx "^x-cache: bypass" \
      "$proxy/proxy-cache-$model.wasm" "${http[@]}" --outbound-idle-timeout 0
  done
  serve_case cache_serverless /hello.txt nginx "^x-cache: miss" \
    "$proxy/proxy-cache-serverless.wasm" "${http[@]}"
  serve_case cache_stateful /hello.txt nginx "^x-cache: hit" \
    "$proxy/proxy-cache-stateful.wasm" "${http[@]}"
else
  for key in http_serverless_pool http_serverless_nopool http_stateful_pool \
             http_stateful_nopool cache_serverless cache_stateful; do
    note[$key]=$http_skip
  done
fi

redis=(--env "REDIS_PORT=$redis_port" --allow-connect "127.0.0.1:$redis_port")
serve_case redis_serverless / redis "" "$guests/redis-serverless.wasm" "${redis[@]}"
serve_case redis_stateful / redis "" "$guests/redis-stateful.wasm" "${redis[@]}"

# ---- the report ----
ratio() { awk -v a="${1:-0}" -v b="${2:-0}" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else printf "-" }'; }
cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
echo "# cpu: $cpu ($(nproc) cores), load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $(nginx -v 2>&1 | sed 's/^nginx version: //'), redis $(redis-server --version | sed 's/.* v=\([^ ]*\).*/\1/');" \
     "wrk $DURATION, $THREADS thread(s), $CONNS connections; $WORKERS worker(s) per server"
echo "# conns: the back end's new connections during the measured run; all: since the"
echo "# server started (init, probe, warm-up included); req/conn: requests of the run per"
echo "# connection of the run"
fmt='%-40s %9s %8s %8s %8s %8s %8s\n'
printf "$fmt" case req/s p99_ms vs_nginx conns all req/conn
row() { # label key
  local k=$2
  if [ -z "${reqs[$k]:-}" ]; then
    printf "$fmt" "$1" - - - - - -
    return
  fi
  local c=${conns[$k]:-} per=-
  if [ -n "$c" ] && [ "$c" -gt 0 ]; then
    per=$(awk -v t="${total[$k]}" -v c="$c" 'BEGIN { printf "%.1f", t / c }')
  fi
  printf "$fmt" "$1" "$(printf %.0f "${reqs[$k]}")" "$(printf %.3f "${p99[$k]}")" \
    "$(ratio "${reqs[$k]}" "${reqs[nginx]}")" "${c:--}" "${conns_all[$k]:--}" "$per"
}
row "nginx direct (ceiling)" nginx
row "counter serverless (no back end)" counter_serverless
row "counter stateful (no back end)" counter_stateful
row "HTTP serverless, host pool" http_serverless_pool
row "HTTP serverless, no pool" http_serverless_nopool
row "HTTP stateful, host pool" http_stateful_pool
row "HTTP stateful, no pool" http_stateful_nopool
row "cache serverless (always a miss)" cache_serverless
row "cache stateful (hits)" cache_stateful
row "Redis serverless (connect per request)" redis_serverless
row "Redis stateful (connection from init)" redis_stateful

echo
echo "# req/s ratios"
r() { ratio "${reqs[$1]:-}" "${reqs[$2]:-}"; }
echo "stateful / serverless:  counter $(r counter_stateful counter_serverless)," \
     "HTTP pooled $(r http_stateful_pool http_serverless_pool)," \
     "HTTP unpooled $(r http_stateful_nopool http_serverless_nopool)," \
     "cache $(r cache_stateful cache_serverless), Redis $(r redis_stateful redis_serverless)"
echo "host pool / no pool:    serverless $(r http_serverless_pool http_serverless_nopool)," \
     "stateful $(r http_stateful_pool http_stateful_nopool)"
echo "with / without a back end (stateful):  HTTP pooled $(r http_stateful_pool counter_stateful)," \
     "Redis $(r redis_stateful counter_stateful)"
for k in "${!note[@]}"; do
  echo "note: $k: ${note[$k]}"
done | sort
