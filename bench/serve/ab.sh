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
# build). Prints req/s and the server's CPU time per request (µs) per
# round, and the median ratios new/base per row.
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

# The server's CPU time (user + system, clock ticks), from /proc.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# Prints "REQ/S CPU_US_PER_REQUEST" of one server: throughput is at the
# mercy of whatever else the machine runs; the server's own CPU time per
# request much less so.
one() { # binary, component, option...
  local bin=$1 comp=$2 port pid t0 t1 out n
  shift 2
  port=$(free_port)
  start "$tmp/s.log" "$bin" serve --addr "127.0.0.1:$port" --workers "$WORKERS" "$@" "$comp"
  pid=${pids[-1]}
  wait_up "http://127.0.0.1:$port/" "$bin" "$tmp/s.log"
  wrk -t"$THREADS" -c"$CONNS" -d1s "http://127.0.0.1:$port/" >/dev/null 2>&1 # warm-up
  t0=$(ticks "$pid")
  out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" "http://127.0.0.1:$port/")
  t1=$(ticks "$pid")
  n=$(awk '/requests in/ {print $1}' <<<"$out")
  awk -v r="$(awk '/^Requests\/sec/ {print $2}' <<<"$out")" -v t=$((t1 - t0)) -v n="$n" \
    -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.0f %.2f\n", r, (n > 0 ? t * 1e6 / hz / n : 0) }'
  kill -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

start_nginx "$here/nginx.conf.in"
ng=$(measure "http://127.0.0.1:$ng_port/hello" | cut -d' ' -f1)

cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
echo "# cpu: $cpu ($(nproc) cores), load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# wrk $DURATION, $THREADS thread(s), $CONNS connections; $WORKERS worker(s); $ROUNDS rounds"
echo "# nginx return 200: $ng req/s; new options: ${*:-none}"
printf '%-12s %5s %9s %9s %7s %10s %10s %7s\n' row round base new new/base base_us new_us new/base
for model in serverless stateful; do
  ratios=() cpu=()
  for r in $(seq "$ROUNDS"); do
    # not in a subshell: lib.sh's cleanup would run there (nginx, $tmp)
    one "$BASE" "$counter/counter-$model.wasm" >"$tmp/a"
    one "$NEW" "$counter/counter-$model.wasm" "$@" >"$tmp/b"
    read -r a ua <"$tmp/a"
    read -r b ub <"$tmp/b"
    ratios+=("$(ratio "$b" "$a")")
    cpu+=("$(ratio "$ub" "$ua")")
    printf '%-12s %5s %9.0f %9.0f %7s %10s %10s %7s\n' "$model" "$r" "$a" "$b" "${ratios[-1]}" \
      "$ua" "$ub" "${cpu[-1]}"
  done
  med() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
  echo "# $model: median new/base: req/s $(med "${ratios[@]}"), server CPU per request $(med "${cpu[@]}")"
done
