#!/usr/bin/env bash
# HTTP serving benchmark: wrk against hx_test_server's /hello and against
# nginx returning the same body, on 127.0.0.1, in the same run. Prints one
# row per figure: case, ours, peer, ratio (ours/peer).
#
#   bench/serve/run.sh                 # 10 s per server, 1 worker each
#   DURATION=30s CONNS=128 WORKERS=2 bench/serve/run.sh
#   BUILD=build bench/serve/run.sh     # an existing CMake build dir
#
# Needs wrk and nginx (scripts/install-deps.sh). Later rows will add
# wasmhttpd serving a component in both instance models and `jco serve`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-$root/build}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-64}
WORKERS=${WORKERS:-1}
THREADS=${THREADS:-1}

for tool in wrk nginx; do
  command -v "$tool" >/dev/null || { echo "bench/serve: $tool not found" >&2; exit 2; }
done
if [ ! -d "$BUILD" ]; then
  cmake -S "$root" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$BUILD" --target hx_test_server >/dev/null
server="$BUILD/tests/http/hx_test_server"

tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Starts hx_test_server; sets hx_port.
start_hx() {
  "$server" --port 0 --workers "$WORKERS" >"$tmp/hx.out" 2>"$tmp/hx.err" &
  pids+=($!)
  for _ in $(seq 50); do
    if read -r _ _ hx_port <"$tmp/hx.out" 2>/dev/null && [ -n "${hx_port:-}" ]; then return; fi
    sleep 0.1
  done
  echo "bench/serve: hx_test_server did not start" >&2; cat "$tmp/hx.err" >&2; exit 1
}

start_nginx() {
  ng_port=$(free_port)
  sed -e "s#@TMP@#$tmp#g" -e "s#@PORT@#$ng_port#g" -e "s#@WORKERS@#$WORKERS#g" \
    "$here/nginx.conf.in" >"$tmp/nginx.conf"
  nginx -p "$tmp" -e "$tmp/error.log" -c "$tmp/nginx.conf" &
  pids+=($!)
  for _ in $(seq 50); do
    curl -sf "http://127.0.0.1:$ng_port/hello" >/dev/null 2>&1 && return
    sleep 0.1
  done
  echo "bench/serve: nginx did not start" >&2; cat "$tmp/error.log" >&2; exit 1
}

# Runs wrk; prints "REQS P99_MS".
measure() {
  local url=$1 out
  wrk -t"$THREADS" -c"$CONNS" -d1s "$url" >/dev/null 2>&1 # warm-up
  out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$url")
  local reqs p99
  reqs=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}' <<<"$out")
  if grep -q "Non-2xx\|Socket errors" <<<"$out"; then
    echo "bench/serve: errors while measuring $url:" >&2
    grep "Non-2xx\|Socket errors" <<<"$out" >&2
  fi
  echo "$reqs $p99"
}

start_hx
start_nginx
curl -sf "http://127.0.0.1:$hx_port/hello" >/dev/null

read -r hx_reqs hx_p99 < <(measure "http://127.0.0.1:$hx_port/hello")
read -r ng_reqs ng_p99 < <(measure "http://127.0.0.1:$ng_port/hello")

cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
echo "# cpu: $cpu ($(nproc) cores), load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# peer: $(nginx -v 2>&1 | sed 's/^nginx version: //'); wrk $DURATION, $THREADS thread(s), $CONNS connections, $WORKERS worker(s) each"
printf '%-22s %12s %12s %8s\n' case ours nginx ratio
printf '%-22s %12.0f %12.0f %8.2f\n' "hello req/s" "$hx_reqs" "$ng_reqs" \
  "$(awk -v a="$hx_reqs" -v b="$ng_reqs" 'BEGIN {print a / b}')"
printf '%-22s %12.3f %12.3f %8.2f\n' "hello p99 ms" "$hx_p99" "$ng_p99" \
  "$(awk -v a="$hx_p99" -v b="$ng_p99" 'BEGIN {print (b > 0 ? a / b : 0)}')"
