# What the build.sh scripts of the C guests share (examples/counter/build.sh,
# kit/build.sh), sourced after `set -eu` and `root=` (the repository):
#
#   guest_setup OUTDIR [python3] [componentize-js]
#       checks the tools (node, clang, jco, and those
#       named) before anything fails halfway, and sets out (OUTDIR, made),
#       nm (NODE_MODULES, or the repository's node_modules), clang (CLANG,
#       or clang) and jco;
#   guest_build_c NAME WORLD SOURCE.c WIT [clang flags]
#       compiles SOURCE.c, embeds WORLD of WIT and makes $out/NAME.wasm.
#
# The steps and flags are those of the CMake build (examples/counter/
# CMakeLists.txt; the warnings are the project's).

guest_setup() {
    mkdir -p "$1"
    out=$(cd "$1" && pwd)
    shift
    nm=${NODE_MODULES:-$root/node_modules}
    clang=${CLANG:-clang}
    jco=$nm/.bin/jco
    missing=""
    command -v node >/dev/null 2>&1 || missing="$missing node;"
    command -v "$clang" >/dev/null 2>&1 || missing="$missing $clang;"
    [ -e "$jco" ] || missing="$missing jco in $nm (run scripts/install-deps.sh);"
    for tool in "$@"; do
        case $tool in
        componentize-js)
            [ -e "$nm/.bin/componentize-js" ] ||
                missing="$missing componentize-js in $nm (run scripts/install-deps.sh);" ;;
        *) command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool;" ;;
        esac
    done
    if [ -n "$missing" ]; then
        echo "build.sh: missing:$missing" >&2
        exit 1
    fi
}

guest_build_c() { # name world source wit [clang flags]
    name=$1 world=$2 src=$3 wit=$4
    shift 4
    cflags="-std=c17 -O2 -mexec-model=reactor -Wall -Wextra -Wshadow -Wundef -Wwrite-strings
            -Wstrict-prototypes -Wmissing-prototypes -Wvla -Werror -Wl,--strip-all"
    # shellcheck disable=SC2086 # cflags is a list of words
    "$clang" --target=wasm32-wasi $cflags -I "$root/examples/glue" "$@" \
        -o "$out/$name.core.wasm" "$src" || {
        echo "build.sh: clang failed; for wasm32-wasi it needs wasi-libc and" \
             "libclang-rt-14-dev-wasm32 (Debian)" >&2
        exit 1
    }
    node "$root/tests/guests/embed.mjs" "$nm" "$out/$name.core.wasm" "$wit" \
        "$world" utf8 "$out/$name.embed.wasm"
    node "$jco" new "$out/$name.embed.wasm" -o "$out/$name.wasm"
    echo "$out/$name.wasm"
}
