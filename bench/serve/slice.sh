#!/usr/bin/env bash
# Time-slicing benchmark: how long a request waits when its worker also
# runs a guest that computes. One worker (so both share a thread), wrk on
# examples/counter's "/" while, in the background, one request after the
# other runs "/loop" (a guest that never returns, ended by --timeout 2s):
#   nginx                    the peer, same wrk, no guest at all
#   no loop                  wasmhttpd alone: the request's own cost
#   loop, --time-slice 5ms   the looping guest yields every 5 ms
#   loop, --time-slice 0     it keeps the worker until its deadline
# Prints req/s and p99 per case, and each p99 against nginx's and against
# the case without a loop.
#
#   bench/serve/slice.sh                 # 10 s per case
#   DURATION=30s CONNS=16 BUILD=build bench/serve/slice.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-$root/build-bench-serve}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-16}
THREADS=1
MODEL=${MODEL:-serverless}

counter="$BUILD/examples/counter/counter-$MODEL.wasm"
NAME=bench/serve/slice
. "$here/../lib.sh"
need wrk nginx curl python3
build_targets wasmhttpd example_counter

declare -A reqs p99
run_case() { # name url
  read -r "reqs[$1]" "p99[$1]" < <(measure "$2")
}

start_nginx "$here/nginx.conf.in"
run_case nginx "http://127.0.0.1:$ng_port/hello"

# One looping request at a time, for as long as the measurement runs.
looper() { # port
  while curl -s -o /dev/null "http://127.0.0.1:$1/loop"; do :; done
}

serve_case() { # name slice loop(0/1)
  local port; port=$(free_port)
  start "$tmp/$1.log" "$BUILD/wasmhttpd" serve --addr "127.0.0.1:$port" --workers 1 \
    --instances 64 --timeout 2s --time-slice "$2" "$counter"
  wait_up "http://127.0.0.1:$port/" "wasmhttpd serve ($1)" "$tmp/$1.log"
  local lp=""
  if [ "$3" = 1 ]; then
    setsid bash -c "$(declare -f looper); looper $port" >/dev/null 2>&1 &
    lp=$!
    sleep 0.2
  fi
  run_case "$1" "http://127.0.0.1:$port/"
  [ -n "$lp" ] && { kill -- "-$lp" 2>/dev/null || true; wait "$lp" 2>/dev/null || true; }
  kill -- "-${pids[-1]}" 2>/dev/null || true
}

serve_case alone 5ms 0
serve_case sliced 5ms 1
serve_case unsliced 0 1

cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
echo "# cpu: $cpu ($(nproc) cores), load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $(nginx -v 2>&1 | sed 's/^nginx version: //'); wrk $DURATION, $THREADS thread, $CONNS connections; 1 worker; examples/counter ($MODEL), /loop ended by --timeout 2s"
printf '%-34s %10s %10s %12s %12s\n' case req/s p99_ms p99/nginx p99/alone
row() { # label key
  printf '%-34s %10.0f %10.3f %12s %12s\n' "$1" "${reqs[$2]}" "${p99[$2]}" \
    "$(ratio "${p99[$2]}" "${p99[nginx]}")" "$(ratio "${p99[$2]}" "${p99[alone]}")"
}
row "nginx return 200" nginx
row "wasmhttpd, no loop" alone
row "wasmhttpd, loop, --time-slice 5ms" sliced
row "wasmhttpd, loop, --time-slice 0" unsliced
