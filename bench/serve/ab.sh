#!/usr/bin/env bash
# Two wasmhttpd binaries on the counter's hello rows, measured in turns in
# the same run (A, B, A, B, ...), with nginx as the ceiling: for the cost of
# a change on the request path, e.g. the metrics counters, against the
# binary before it (built from another checkout).
#
#   bench/serve/ab.sh BASE_WASMHTTPD NEW_WASMHTTPD [NEW_OPTION...]
#   ROUNDS=5 DURATION=5s bench/serve/ab.sh ...
#
# NEW_OPTIONs go to the new binary only (e.g. --admin 127.0.0.1:0 is not
# allowed, give a port). Uses the counter components of BUILD (default
# build). Prints req/s per round and the median ratio new/base per row.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-$root/build}
DURATION=${DURATION:-5s}
CONNS=${CONNS:-64}
WORKERS=${WORKERS:-1}
THREADS=${THREADS:-1}
ROUNDS=${ROUNDS:-3}
BASE=$1 NEW=$2
shift 2
counter="$BUILD/examples/counter"

NAME=bench/serve/ab
. "$here/../lib.sh"
need wrk nginx curl python3

one() { # binary, component, option...
  local bin=$1 comp=$2 port
  shift 2
  port=$(free_port)
  start "$tmp/s.log" "$bin" serve --addr "127.0.0.1:$port" --workers "$WORKERS" "$@" "$comp"
  wait_up "http://127.0.0.1:$port/" "$bin" "$tmp/s.log"
  measure "http://127.0.0.1:$port/" | cut -d' ' -f1
  kill -- "-${pids[-1]}" 2>/dev/null || true
  wait "${pids[-1]}" 2>/dev/null || true
}

start_nginx "$here/nginx.conf.in"
ng=$(measure "http://127.0.0.1:$ng_port/hello" | cut -d' ' -f1)

cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
echo "# cpu: $cpu ($(nproc) cores), load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# wrk $DURATION, $THREADS thread(s), $CONNS connections; $WORKERS worker(s); $ROUNDS rounds"
echo "# nginx return 200: $ng req/s; new options: ${*:-none}"
printf '%-12s %5s %10s %10s %7s\n' row round base new new/base
for model in serverless stateful; do
  ratios=()
  for r in $(seq "$ROUNDS"); do
    a=$(one "$BASE" "$counter/counter-$model.wasm")
    b=$(one "$NEW" "$counter/counter-$model.wasm" "$@")
    ratios+=("$(ratio "$b" "$a")")
    printf '%-12s %5s %10.0f %10.0f %7s\n' "$model" "$r" "$a" "$b" "${ratios[-1]}"
  done
  med=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')
  echo "# $model: median new/base $med"
done
