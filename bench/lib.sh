# bench/lib.sh — what the serving benchmarks share (sourced by
# bench/serve/*.sh): their processes, ports, readiness and wrk's figures.
# The sourcing script sets NAME (for messages), THREADS, CONNS and DURATION
# before calling measure.

tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do
    kill -- "-$p" 2>/dev/null || kill "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_up() { # url, name, log; WAIT_S: seconds to wait (10)
  for _ in $(seq $((${WAIT_S:-10} * 10))); do
    curl -sf "$1" >/dev/null 2>&1 && return
    sleep 0.1
  done
  echo "$NAME: $2 did not start" >&2; cat "$3" >&2; exit 1
}

# Starts a command in its own process group (jco serve has a child node).
start() { # log, command...
  local log=$1; shift
  setsid "$@" >"$log" 2>&1 &
  pids+=($!)
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
    echo "$NAME: errors while measuring $url:" >&2
    grep "Non-2xx\|Socket errors" <<<"$out" >&2
  fi
  echo "${reqs:-0} ${p99:-0}"
}

ratio() { awk -v a="$1" -v b="${2:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'; }

need() { # tool...
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null || { echo "$NAME: $t not found (scripts/install-deps.sh)" >&2; exit 2; }
  done
}

# Configures BUILD (Release) if it is not a build directory yet, then builds
# the targets given.
build_targets() { # target...
  if [ ! -f "$BUILD/build.ninja" ]; then
    cmake -S "$root" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  fi
  cmake --build "$BUILD" --target "$@" >/dev/null
}

# nginx from serve/nginx.conf.in with WORKERS workers, on port ng_port.
start_nginx() { # conf.in
  ng_port=$(free_port)
  sed -e "s#@TMP@#$tmp#g" -e "s#@PORT@#$ng_port#g" -e "s#@WORKERS@#${WORKERS:-1}#g" \
    "$1" >"$tmp/nginx.conf"
  start "$tmp/nginx.log" nginx -p "$tmp" -e "$tmp/error.log" -c "$tmp/nginx.conf"
  wait_up "http://127.0.0.1:$ng_port/hello" nginx "$tmp/error.log"
}
