#!/usr/bin/env bash
# Requests per second against concurrent connections, every server in the
# same run, drawn into a PNG with gnuplot:
#   nginx             `return 200`: the ceiling on this machine
#   hx /hello         our HTTP server alone (tests/http/hx_test_server)
#   serverless        wasmhttpd serve, examples/counter, a fresh instance each
#   stateful          wasmhttpd serve, examples/counter, a pool of instances
# Each server at each concurrency in CONNS_LIST; prints the table and the
# ratios to nginx, and writes the plot to OUT.
#
#   bench/serve/sweep.sh                       # 5 s per point
#   CONNS_LIST="1 8 64 256" DURATION=10s WORKERS=2 bench/serve/sweep.sh
#   OUT=/tmp/c.png BUILD=build bench/serve/sweep.sh
#
# Needs wrk, nginx, curl, python3 and gnuplot (Debian gnuplot-nox).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-$root/build-bench-serve}
DURATION=${DURATION:-5s}
CONNS_LIST=${CONNS_LIST:-"1 4 16 64 256"}
WORKERS=${WORKERS:-1}
THREADS=1
OUT=${OUT:-$here/concurrency.png}

counter="$BUILD/examples/counter"
NAME=bench/serve/sweep
. "$here/../lib.sh"
need wrk nginx curl python3 gnuplot
build_targets wasmhttpd hx_test_server example_counter

declare -A reqs
sweep() { # key url
  local c r p
  for c in $CONNS_LIST; do
    CONNS=$c
    read -r r p < <(measure "$2")
    reqs[$1,$c]=$r
  done
}

start_nginx "$here/nginx.conf.in"
sweep nginx "http://127.0.0.1:$ng_port/hello"
kill -- "-${pids[-1]}" 2>/dev/null || true

port=$(free_port)
start "$tmp/hx.log" "$BUILD/tests/http/hx_test_server" --port "$port" --workers "$WORKERS"
wait_up "http://127.0.0.1:$port/hello" hx_test_server "$tmp/hx.log"
sweep hx "http://127.0.0.1:$port/hello"
kill -- "-${pids[-1]}" 2>/dev/null || true

for model in serverless stateful; do
  port=$(free_port)
  start "$tmp/$model.log" "$BUILD/wasmhttpd" serve --addr "127.0.0.1:$port" \
    --workers "$WORKERS" "$counter/counter-$model.wasm"
  wait_up "http://127.0.0.1:$port/" "wasmhttpd serve ($model)" "$tmp/$model.log"
  sweep "$model" "http://127.0.0.1:$port/"
  kill -- "-${pids[-1]}" 2>/dev/null || true
done

cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
echo "# cpu: $cpu ($(nproc) cores), load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $(nginx -v 2>&1 | sed 's/^nginx version: //'); wrk $DURATION per point, $THREADS thread; $WORKERS worker(s) per server"
keys=(nginx hx serverless stateful)
labels=("nginx return 200" "hx /hello (no guest)" "wasmhttpd serverless" "wasmhttpd stateful")
printf '%-6s' conns; for k in "${keys[@]}"; do printf ' %12s' "$k"; done
printf ' %12s %12s\n' "sl/nginx" "sf/nginx"
{ printf 'conns'; for l in "${labels[@]}"; do printf ' "%s"' "$l"; done; echo; } >"$tmp/data"
for c in $CONNS_LIST; do
  printf '%-6s' "$c"
  for k in "${keys[@]}"; do printf ' %12.0f' "${reqs[$k,$c]}"; done
  printf ' %12s %12s\n' "$(ratio "${reqs[serverless,$c]}" "${reqs[nginx,$c]}")" \
    "$(ratio "${reqs[stateful,$c]}" "${reqs[nginx,$c]}")"
  { printf '%s' "$c"; for k in "${keys[@]}"; do printf ' %s' "${reqs[$k,$c]}"; done; echo; } \
    >>"$tmp/data"
done
gnuplot <<GP
set terminal pngcairo size 900,560 noenhanced font ",11"
set output "$OUT"
set title "Requests per second against concurrent connections (wrk, loopback, $WORKERS worker)"
set xlabel "concurrent connections"
set ylabel "requests per second"
set logscale x 2
set logscale y 10
set key top left
set grid
plot for [i=2:5] "$tmp/data" using 1:i with linespoints lw 2 pt 7 title columnheader
GP
echo "# plot: $OUT"
