#!/usr/bin/env bash
# What a fresh instance costs, the serverless model's price per request,
# for three components, each way a host can get one, in the same run:
#   made anew            cm_instantiate as a host without preparation does
#                        (imports looked up, stacks and memories mapped)
#   prepared, pooled     imports resolved once (cm_prepare), stacks and
#                        memories from a pool
#   reset                an instance brought back to its snapshot, as
#                        `wasmhttpd serve` does (--serverless-fresh reset)
# for the C counter (128 KiB memory), the same with a 64 MiB memory, the
# componentize-js counter (SpiderMonkey inside, 13 MB) and the
# componentize-py handler (CPython inside, 18 MB). Each with a
# new WASI context, as serve gives every request. Prints median and p99 in
# microseconds and the ratio of made anew to reset.
#
# The reset here follows no request, so it is the floor: a request adds
# the pages it wrote (bench/serve/run.sh measures whole requests).
#
#   bench/instantiate.sh            # N=20000 (JS and Python: N/10)
#   N=5000 BUILD=build bench/instantiate.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
BUILD=${BUILD:-$root/build-bench-serve}
N=${N:-20000}
NAME=bench/instantiate
. "$here/lib.sh"
build_targets cm_instantiate_bench example_counter example_counter_64m serve_test_components \
  guest_python

bench="$BUILD/bench/cm_instantiate_bench"
# "median M, p99 P" from the line of cm_instantiate_bench that has $2
figures() { # output, which
  awk -v w="$2" 'index($0, w) { for (i = 1; i <= NF; i++) { if ($i == "median") m = $(i + 1);
    if ($i == "p99") p = $(i + 1) } gsub(",", "", m); gsub(",", "", p); print m, p; exit }' <<<"$1"
}

cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
echo "# cpu: $cpu ($(nproc) cores), load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-26s %22s %22s %22s %8s\n' component "made anew med/p99 us" "prepared+pooled" "reset" anew/reset
for c in "examples/counter/counter-serverless.wasm:C counter, 128 KiB" \
         "examples/counter/counter-serverless-64m.wasm:C counter, 64 MiB" \
         "tests/serve/counter-js.wasm:componentize-js counter" \
         "tests/guests/py/counter-py.wasm:componentize-py handler"; do
  file="$BUILD/${c%%:*}" label=${c#*:} n=$N
  [[ $label == componentize* ]] && n=$((N / 10))
  anew=$(WH_BENCH_NO_PREPARE=1 WH_BENCH_NO_POOL=1 "$bench" --host "$file" "$n")
  now=$("$bench" --host "$file" "$n")
  read -r am ap < <(figures "$anew" "instantiate+free")
  read -r pm pp < <(figures "$now" "instantiate+free")
  read -r rm rp < <(figures "$now" "reset to its snapshot")
  printf '%-26s %22s %22s %22s %8s\n' "$label" "$am / $ap" "$pm / $pp" "$rm / $rp" "$(ratio "$am" "$rm")"
done
