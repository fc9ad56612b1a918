#!/bin/sh
# Builds the kit's guests without CMake:
#
#   kit/build.sh OUTDIR
#
# writes OUTDIR/kit-c-serverless.wasm, kit-c-stateful.wasm,
# kit-js-serverless.wasm and kit-js-stateful.wasm (and intermediate files
# beside them). Needs what examples/counter/build.sh needs (Debian's clang,
# wasi-libc and libclang-rt-14-dev-wasm32, node, jco), plus python3 and
# componentize-js in the repository's node_modules (scripts/install-deps.sh
# installs all of them); NODE_MODULES and CLANG as there. The steps and
# flags are those of CMakeLists.txt.
set -eu

if [ $# -ne 1 ]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
nm=${NODE_MODULES:-$root/node_modules}
clang=${CLANG:-clang}
jco=$nm/.bin/jco

missing=""
command -v node >/dev/null 2>&1 || missing="$missing node;"
command -v python3 >/dev/null 2>&1 || missing="$missing python3;"
command -v "$clang" >/dev/null 2>&1 || missing="$missing $clang;"
[ -e "$jco" ] || missing="$missing jco in $nm (run scripts/install-deps.sh);"
[ -e "$nm/.bin/componentize-js" ] ||
    missing="$missing componentize-js in $nm (run scripts/install-deps.sh);"
if [ -n "$missing" ]; then
    echo "build.sh: missing:$missing" >&2
    exit 1
fi

cflags="-std=c17 -O2 -mexec-model=reactor -Wall -Wextra -Wshadow -Wundef -Wwrite-strings
        -Wstrict-prototypes -Wmissing-prototypes -Wvla -Werror -Wl,--strip-all"

node "$root/examples/counter/wit.mjs" "$nm" "$root/wit" "$out/kit.wit"

build_c() { # name world [clang flags]
    name=$1 world=$2
    shift 2
    # shellcheck disable=SC2086 # cflags is a list of words
    "$clang" --target=wasm32-wasi $cflags -I "$root/examples/glue" "$@" \
        -o "$out/$name.core.wasm" "$here/guest/kit.c" || {
        echo "build.sh: clang failed; for wasm32-wasi it needs wasi-libc and" \
             "libclang-rt-14-dev-wasm32 (Debian)" >&2
        exit 1
    }
    node "$root/tests/guests/embed.mjs" "$nm" "$out/$name.core.wasm" "$out/kit.wit" \
        "$world" utf8 "$out/$name.embed.wasm"
    node "$jco" new "$out/$name.embed.wasm" -o "$out/$name.wasm"
    echo "$out/$name.wasm"
}

build_c kit-c-serverless serverless-proxy
build_c kit-c-stateful stateful-proxy -DSTATEFUL=1
for world in serverless stateful; do
    python3 "$here/guest/build_js.py" "$nm" "$root/wit" "$world" "$out/kit-js-$world.wasm"
    echo "$out/kit-js-$world.wasm"
done
