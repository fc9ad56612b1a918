#!/usr/bin/env bash
# bench/run.sh — the interpreter benchmark: builds the wasm kernels in
# bench/kernels/, runs each on our engine (bench/wm_bench), on wabt's
# wasm-interp and on node (V8) in the same run, checks every checksum against
# a native gcc build of the same C source, and prints one row per kernel with
# the time ratios and their geometric means. See bench/README.md.
#
#   bench/run.sh [KERNEL...]        default: every bench/kernels/*.c
#
# Environment:
#   BUILD=DIR        CMake build directory for wm_bench (default build-bench,
#                    configured as Release if it does not exist)
#   REPS=N           timed calls per engine after the first (default 3);
#                    wasm-interp runs N processes of each module variant
#   ENGINES="..."    subset of "ours interp node" (default all three)
#   LIMIT=S          seconds one engine process may take before it counts as
#                    hung (default 120; a kernel is sized for ~0.2-2 s a call)
#
# Exit status: 0 when every engine ran every kernel and all checksums agree,
# 1 on a checksum MISMATCH or an engine failure, 2 when a tool is missing.
set -uo pipefail
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build-bench}
REPS=${REPS:-3}
LIMIT=${LIMIT:-120}
ENGINES=${ENGINES:-"ours interp node"}
OUT=bench/out
mkdir -p "$OUT"

has_engine() { [[ " $ENGINES " == *" $1 "* ]]; }
die() { echo "run.sh: $*" >&2; exit 2; }

need=(clang gcc)
has_engine interp && need+=(wasm-interp)
has_engine node && need+=(node)
has_engine ours && need+=(cmake)
need+=(node) # drop_export.mjs makes the wasm-interp baseline
for t in "${need[@]}"; do
    command -v "$t" >/dev/null || die "$t not found (scripts/install-deps.sh installs it)"
done

# ---- build ----
builtins=$(clang --target=wasm32-wasi -print-libgcc-file-name 2>/dev/null)
[ -f "$builtins" ] || die "clang's wasm32 builtins ($builtins) are missing: install libclang-rt-14-dev-wasm32"

if [ $# -gt 0 ]; then
    kernels=("$@")
else
    kernels=()
    for f in bench/kernels/*.c; do kernels+=("$(basename "$f" .c)"); done
fi

for k in "${kernels[@]}"; do
    src=bench/kernels/$k.c
    [ -f "$src" ] || die "no kernel $src"
    # A kernel may ask for more wasm features on a "// cflags: ..." line.
    cflags=$(sed -n 's|^// cflags: ||p' "$src")
    # shellcheck disable=SC2086
    clang --target=wasm32 -O2 $cflags -ffreestanding -nostdlib -Wall -Wextra -Werror \
        -Wl,--no-entry -Wl,--export=run -Wl,--export=empty -Wl,--strip-all \
        -o "$OUT/$k.wasm" "$src" "$builtins" || die "clang failed on $src"
    node bench/drop_export.mjs "$OUT/$k.wasm" "$OUT/$k.base.wasm" run || die "drop_export failed"
    gcc -O2 -std=c17 -ffp-contract=off -Wall -Wextra -Werror -o "$OUT/$k.native" \
        "$src" bench/native_main.c || die "gcc failed on $src"
done

if has_engine ours; then
    if [ ! -f "$BUILD/CMakeCache.txt" ]; then
        cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >"$OUT/cmake.log" 2>&1 ||
            die "cmake configure failed, see $OUT/cmake.log"
    fi
    if ! cmake --build "$BUILD" --target wm_bench >"$OUT/build.log" 2>&1; then
        # Go on with the peers: their checksums are still worth checking.
        echo "run.sh: building wm_bench failed (see $OUT/build.log); wasmhttpd is left out" >&2
        ours_broken=1
    fi
fi

# ---- measure ----
# Wall time of one process in ms (bash's microsecond clock).
proc_ms() {
    local t0=$EPOCHREALTIME
    "$@" >"$OUT/last.out" 2>"$OUT/last.err"
    local rc=$?
    local t1=$EPOCHREALTIME
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) * 1000 }'
    return $rc
}
min() { printf '%s\n' "$@" | sort -g | head -1; }

# wasm-interp: best process time of the module, minus the best process time
# of the same module without its `run` export (which runs only `empty`).
interp_kernel() { # kernel -> "call_ms startup_ms checksum" or "error"
    local k=$1 full=() base=() t sum=""
    for ((i = 0; i < REPS; i++)); do
        t=$(proc_ms timeout "$LIMIT" wasm-interp --run-all-exports "$OUT/$k.wasm") || { echo error; return; }
        full+=("$t")
        local s
        s=$(sed -n 's/^run() => i32:\([0-9]*\)$/\1/p' "$OUT/last.out")
        [ -n "$s" ] || { echo error; return; }
        if [ -n "$sum" ] && [ "$s" != "$sum" ]; then echo error; return; fi
        sum=$s
        t=$(proc_ms timeout "$LIMIT" wasm-interp --run-all-exports "$OUT/$k.base.wasm") || { echo error; return; }
        base+=("$t")
    done
    local f b
    f=$(min "${full[@]}")
    b=$(min "${base[@]}")
    awk -v f="$f" -v b="$b" -v s="$sum" 'BEGIN { printf "%.3f %.3f %s\n", f - b, b, s }'
}

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
echo "# wasmhttpd interpreter bench, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "# cpu: ${cpu:-unknown} ($(nproc) cores); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# wasmhttpd: $(git describe --always --dirty 2>/dev/null || echo unknown)"
has_engine interp && echo "# wasm-interp: wabt $(wasm-interp --version)"
has_engine node && echo "# node: $(node --version) (V8 $(node -p process.versions.v8))"
echo "# clang: $(clang --version | head -1); gcc: $(gcc -dumpfullversion)"
echo "# times in ms: best of $REPS calls (see bench/README.md for how each engine is timed)"
if awk -v l="$(cut -d' ' -f1 /proc/loadavg)" -v n="$(nproc)" 'BEGIN { exit !(l >= n / 2) }'; then
    # Best-of-N favours short runs on a busy machine: node's 20 ms calls find a
    # quiet moment more easily than wasm-interp's 4 s ones.
    echo "# WARNING: the machine is busy (load average >= half the cores); the figures are noisy"
fi
echo

status=0
[ -n "${ours_broken:-}" ] && status=1
rows=()
details=()
for k in "${kernels[@]}"; do
    read -r nat_ms nat_sum < <("$OUT/$k.native" "$REPS") || { nat_ms=error; nat_sum=error; }
    ours_ms=-; ours_first=-; ours_sum=-
    if [ -n "${ours_broken:-}" ]; then
        ours_ms=n/a
    elif has_engine ours; then
        if r=$(timeout "$LIMIT" "$BUILD/bench/wm_bench" "$OUT/$k.wasm" "$REPS" 2>"$OUT/$k.ours.err"); then
            read -r ours_ms ours_first ours_sum <<<"$r"
        elif [ $? = 124 ]; then
            ours_ms=timeout; ours_sum=error
            echo "$k: wasmhttpd: no result after ${LIMIT} s (killed)" >&2
        else
            ours_ms=error; ours_sum=error
            echo "$k: wasmhttpd: $(head -c 300 "$OUT/$k.ours.err")" >&2
        fi
    fi
    int_ms=-; int_start=-; int_sum=-
    if has_engine interp; then
        r=$(interp_kernel "$k")
        if [ "$r" = error ]; then
            int_ms=error; int_sum=error
            echo "$k: wasm-interp: $(head -c 300 "$OUT/last.err")" >&2
        else
            read -r int_ms int_start int_sum <<<"$r"
        fi
    fi
    node_ms=-; node_first=-; node_sum=-
    if has_engine node; then
        if r=$(timeout "$LIMIT" node bench/node_bench.mjs "$OUT/$k.wasm" "$REPS" 2>"$OUT/$k.node.err"); then
            read -r node_ms node_first node_sum <<<"$r"
        else
            node_ms=error; node_sum=error
            echo "$k: node: $(head -c 300 "$OUT/$k.node.err")" >&2
        fi
    fi

    verdict=ok
    for s in "$ours_sum" "$int_sum" "$node_sum"; do
        [ "$s" = - ] && continue
        if [ "$s" = error ]; then
            verdict=ERROR
        elif [ "$s" != "$nat_sum" ]; then
            verdict=MISMATCH
        fi
    done
    [ "$nat_sum" = error ] && verdict=ERROR
    if [ "$verdict" != ok ]; then
        status=1
        echo "$k: $verdict: native=$nat_sum wasmhttpd=$ours_sum wasm-interp=$int_sum node=$node_sum" >&2
    fi
    rows+=("$k $ours_ms $int_ms $node_ms $nat_ms $nat_sum $verdict")
    details+=("$k $ours_first $node_first $int_start")
done

# A ratio only when both sides are numbers and every engine agreed.
printf '%s\n' "${rows[@]}" | awk '
function num(x) { return x ~ /^[0-9.]+$/ && x + 0 > 0 }
BEGIN {
    printf "%-9s %13s %15s %9s %19s %17s %10s  %s\n", "kernel", "wasmhttpd_ms",
        "wasm-interp_ms", "node_ms", "vs-interp(x faster)", "vs-node(x slower)", "native_ms", "checksum"
}
{
    # A kernel that failed anywhere counts in no ratio and no mean.
    ok = $7 == "ok"
    vi = ok && num($2) && num($3) ? sprintf("%.2f", $3 / $2) : "-"
    vn = ok && num($2) && num($4) ? sprintf("%.2f", $2 / $4) : "-"
    if (vi != "-") { li += log($3 / $2); ni++ }
    if (vn != "-") { ln_ += log($2 / $4); nn++ }
    for (c = 2; c <= 5; c++) if (ok && num($c)) { lt[c] += log($c); nt[c]++ }
    mark = $7 == "ok" ? "" : "  " $7
    printf "%-9s %13s %15s %9s %19s %17s %10s  %s%s\n", $1, $2, $3, $4, vi, vn, $5, $6, mark
}
END {
    for (c = 2; c <= 5; c++) g[c] = nt[c] ? sprintf("%.3f", exp(lt[c] / nt[c])) : "-"
    printf "%-9s %13s %15s %9s %19s %17s %10s\n", "geomean", g[2], g[3], g[4],
        ni ? sprintf("%.2f", exp(li / ni)) : "-", nn ? sprintf("%.2f", exp(ln_ / nn)) : "-", g[5]
}'

echo
echo "# first call alone (ms): wasmhttpd and node (V8 before tier-up); wasm-interp process start-up subtracted"
printf '%s\n' "${details[@]}" | awk '
BEGIN { printf "%-9s %18s %13s %22s\n", "kernel", "wasmhttpd_first", "node_first", "interp_startup_ms" }
{ printf "%-9s %18s %13s %22s\n", $1, $2, $3, $4 }'

if [ $status -ne 0 ]; then
    echo
    echo "FAILED: see the messages above (MISMATCH: a checksum differs from the native build; ERROR or n/a: an engine did not run)"
fi
exit $status
