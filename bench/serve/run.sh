#!/usr/bin/env bash
# HTTP serving benchmark, every server measured by wrk on 127.0.0.1 in the
# same run:
#   nginx            `return 200` of a small body: the ceiling on this machine
#   hx /hello        our HTTP server alone (tests/http/hx_test_server)
#   serverless       wasmhttpd serve, examples/counter, a fresh instance per request
#                    (an instance reset to its snapshot)
#   ... made anew    the same with --serverless-fresh instantiate: the baseline
#   ... 64 MiB       the same counter with a 64 MiB memory (what a fresh
#                    instance costs must not grow with untouched memory)
#   stateful         wasmhttpd serve, examples/counter, a pool of instances
#   js *             the componentize-js counter (tests/serve/counter-js.wasm)
#                    in the same three ways, with 8 connections
#   py *             the componentize-py handler (tests/guests/py), likewise
#   rs *             the Rust counter (tests/guests/rust, wasm32-wasip2), likewise,
#                    with CONNS connections
#   jco shared       `jco serve` (V8) of the same component, one shared instance
#   jco per-request  `jco serve --isolate-requests instance`
#   wasmtime *       `wasmtime serve` of the C, JS, Python and Rust guests:
#                    its defaults (a fresh instance per request for a WASIp2
#                    component), -O pooling-allocator, and instances reused
#                    (--max-instance-reuse-count, its stateful model), when
#                    scripts/install-bench-peers.sh built it (into PEERS,
#                    bench/.peers by default)
# Prints req/s and p99 per server, and the ratios to nginx, to jco's
# matching model and to wasmtime serve of the same guest (its defaults for
# serverless rows, reused instances for stateful ones).
#
#   bench/serve/run.sh                 # 10 s per server, 1 worker each
#   DURATION=30s CONNS=128 WORKERS=2 bench/serve/run.sh
#   BUILD=build bench/serve/run.sh     # an existing CMake build dir
#   SKIP_JCO=1 bench/serve/run.sh      # without the jco rows
#   SKIP_WASMTIME=1 bench/serve/run.sh # without the wasmtime rows
#   WASMTIME=/path/to/wasmtime bench/serve/run.sh
#
# Needs wrk, nginx, node and the npm tools (scripts/install-deps.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-$root/build-bench-serve}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-64}
WORKERS=${WORKERS:-1}
THREADS=${THREADS:-1}
JCO=$root/node_modules/.bin/jco
WASMTIME=${WASMTIME:-${PEERS:-$root/bench/.peers}/bin/wasmtime}

counter="$BUILD/examples/counter"

NAME=bench/serve
. "$here/../lib.sh"
need wrk nginx curl python3
build_targets wasmhttpd hx_test_server example_counter example_counter_64m serve_test_components \
  guest_python guest_rust

declare -A reqs p99
run_case() { # name url
  read -r "reqs[$1]" "p99[$1]" < <(measure "$2")
}

# nginx
start_nginx "$here/nginx.conf.in"
run_case nginx "http://127.0.0.1:$ng_port/hello"

# our HTTP server alone
hx_port=$(free_port)
start "$tmp/hx.log" "$BUILD/tests/http/hx_test_server" --port "$hx_port" --workers "$WORKERS"
wait_up "http://127.0.0.1:$hx_port/hello" hx_test_server "$tmp/hx.log"
run_case hx "http://127.0.0.1:$hx_port/hello"

# wasmhttpd, both models, and serverless made anew (the baseline)
serve_case() { # key, component, option...
  local key=$1 comp=$2 port
  shift 2
  port=$(free_port)
  start "$tmp/$key.log" "$BUILD/wasmhttpd" serve --addr "127.0.0.1:$port" \
    --workers "$WORKERS" "$@" "$comp"
  wait_up "http://127.0.0.1:$port/" "wasmhttpd serve ($key)" "$tmp/$key.log"
  run_case "$key" "http://127.0.0.1:$port/"
  kill -- "-${pids[-1]}" 2>/dev/null || true
}
serve_case serverless "$counter/counter-serverless.wasm"
serve_case anew "$counter/counter-serverless.wasm" --serverless-fresh instantiate
serve_case big "$counter/counter-serverless-64m.wasm"
serve_case stateful "$counter/counter-stateful.wasm"
# the JS guest: each request takes milliseconds, so fewer connections
js="$BUILD/tests/serve/counter-js.wasm"
conns=$CONNS
CONNS=8
serve_case js_serverless "$js" --instance-model serverless
serve_case js_anew "$js" --instance-model serverless --serverless-fresh instantiate
serve_case js_stateful "$js" --instance-model stateful
py="$BUILD/tests/guests/py/counter-py.wasm"
serve_case py_serverless "$py" --instance-model serverless
serve_case py_anew "$py" --instance-model serverless --serverless-fresh instantiate
serve_case py_stateful "$py" --instance-model stateful
CONNS=$conns
rs="$BUILD/tests/guests/rust/counter-rs.wasm"
serve_case rs_serverless "$rs" --instance-model serverless
serve_case rs_anew "$rs" --instance-model serverless --serverless-fresh instantiate
serve_case rs_stateful "$rs" --instance-model stateful

# wasmtime serve: a fresh instance per request, like serverless. -S cli: the
# Rust guests import wasi:cli (environment, exit, stdio), as std links them.
wasmtime_case() { # key, component, option...
  local key=$1 comp=$2 port
  shift 2
  port=$(free_port)
  start "$tmp/$key.log" "$WASMTIME" serve --addr "127.0.0.1:$port" -S cli "$@" "$comp"
  # it compiles the whole component with Cranelift first: the JS and
  # Python ones take tens of seconds on a busy machine
  WAIT_S=180 wait_up "http://127.0.0.1:$port/" "wasmtime serve ($key)" "$tmp/$key.log"
  run_case "$key" "http://127.0.0.1:$port/"
  kill -- "-${pids[-1]}" 2>/dev/null || true
}
if [ -z "${SKIP_WASMTIME:-}" ] && [ -x "$WASMTIME" ]; then
  reuse=(--max-instance-reuse-count 1000000000)
  wasmtime_case wt "$counter/counter-serverless.wasm"
  wasmtime_case wt_pool "$counter/counter-serverless.wasm" -O pooling-allocator
  wasmtime_case wt_reuse "$counter/counter-serverless.wasm" "${reuse[@]}"
  wasmtime_case wt_rs "$rs"
  wasmtime_case wt_rs_pool "$rs" -O pooling-allocator
  wasmtime_case wt_rs_reuse "$rs" "${reuse[@]}"
  CONNS=8
  wasmtime_case wt_js "$js"
  wasmtime_case wt_js_pool "$js" -O pooling-allocator
  wasmtime_case wt_js_reuse "$js" "${reuse[@]}"
  wasmtime_case wt_py "$py"
  wasmtime_case wt_py_pool "$py" -O pooling-allocator
  wasmtime_case wt_py_reuse "$py" "${reuse[@]}"
  CONNS=$conns
elif [ -z "${SKIP_WASMTIME:-}" ]; then
  echo "$NAME: no wasmtime at $WASMTIME (scripts/install-bench-peers.sh builds it): no wasmtime rows" >&2
fi

# jco serve, both ways
if [ -z "${SKIP_JCO:-}" ] && [ -x "$JCO" ]; then
  port=$(free_port)
  start "$tmp/jco1.log" "$JCO" serve --host 127.0.0.1 --port "$port" "$counter/counter-stateful.wasm"
  wait_up "http://127.0.0.1:$port/" "jco serve" "$tmp/jco1.log"
  run_case jco_shared "http://127.0.0.1:$port/"
  kill -- "-${pids[-1]}" 2>/dev/null || true
  port=$(free_port)
  start "$tmp/jco2.log" "$JCO" serve --host 127.0.0.1 --port "$port" \
    --isolate-requests instance "$counter/counter-serverless.wasm"
  wait_up "http://127.0.0.1:$port/" "jco serve --isolate-requests instance" "$tmp/jco2.log"
  run_case jco_fresh "http://127.0.0.1:$port/"
fi

cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
echo "# cpu: $cpu ($(nproc) cores), load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $(nginx -v 2>&1 | sed 's/^nginx version: //'); wrk $DURATION, $THREADS thread(s), $CONNS connections; $WORKERS worker(s) per server"
printf '%-26s %10s %9s %9s %9s %9s\n' server req/s p99_ms vs_nginx vs_jco vs_wasmtime
row() { # label key jco_key [wasmtime_key]
  printf '%-26s %10.0f %9.3f %9s %9s %9s\n' "$1" "${reqs[$2]:-0}" "${p99[$2]:-0}" \
    "$(ratio "${reqs[$2]:-0}" "${reqs[nginx]}")" "$(ratio "${reqs[$2]:-0}" "${reqs[$3]:-0}")" \
    "$(ratio "${reqs[$2]:-0}" "${reqs[${4:-none}]:-0}")"
}
row "nginx return 200" nginx none
row "hx /hello (no guest)" hx none
row "wasmhttpd serverless" serverless jco_fresh wt
row "... made anew" anew jco_fresh wt
row "... 64 MiB memory" big jco_fresh wt
row "wasmhttpd stateful" stateful jco_shared wt_reuse
row "js serverless (8 conns)" js_serverless none wt_js
row "js ... made anew" js_anew none wt_js
row "js stateful" js_stateful none wt_js_reuse
row "py serverless (8 conns)" py_serverless none wt_py
row "py ... made anew" py_anew none wt_py
row "py stateful" py_stateful none wt_py_reuse
row "rs serverless" rs_serverless none wt_rs
row "rs ... made anew" rs_anew none wt_rs
row "rs stateful" rs_stateful none wt_rs_reuse
echo "# serverless reset / made anew: C $(ratio "${reqs[serverless]}" "${reqs[anew]}"), js $(ratio "${reqs[js_serverless]}" "${reqs[js_anew]}"), py $(ratio "${reqs[py_serverless]}" "${reqs[py_anew]}"), rs $(ratio "${reqs[rs_serverless]}" "${reqs[rs_anew]}"); 64 MiB / 128 KiB memory: $(ratio "${reqs[big]}" "${reqs[serverless]}")"
if [ -n "${reqs[jco_shared]:-}" ]; then
  row "jco serve (shared)" jco_shared none
  row "jco serve (per request)" jco_fresh none
fi
if [ -n "${reqs[wt]:-}" ]; then
  row "wasmtime serve (C)" wt none
  row "... -O pooling-allocator" wt_pool none wt
  row "... instances reused" wt_reuse none wt
  row "wasmtime serve (rs)" wt_rs none
  row "... -O pooling-allocator" wt_rs_pool none wt_rs
  row "... instances reused" wt_rs_reuse none wt_rs
  row "wasmtime serve (js, 8)" wt_js none
  row "... -O pooling-allocator" wt_js_pool none wt_js
  row "... instances reused" wt_js_reuse none wt_js
  row "wasmtime serve (py, 8)" wt_py none
  row "... -O pooling-allocator" wt_py_pool none wt_py
  row "... instances reused" wt_py_reuse none wt_py
fi
