#!/bin/sh
# Builds the counter example components without CMake:
#
#   examples/counter/build.sh OUTDIR
#
# writes OUTDIR/counter-serverless.wasm and OUTDIR/counter-stateful.wasm
# (and the intermediate files beside them). Needs Debian's clang, wasi-libc
# and libclang-rt-14-dev-wasm32, node, and jco in the repository's
# node_modules (scripts/install-deps.sh installs all of them); set
# NODE_MODULES to use a node_modules elsewhere, CLANG for another clang.
# The steps and flags are those of CMakeLists.txt.
set -eu

if [ $# -ne 1 ]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
nm=${NODE_MODULES:-$root/node_modules}
clang=${CLANG:-clang}
jco=$nm/.bin/jco

# Say what is missing before anything fails halfway.
missing=""
command -v node >/dev/null 2>&1 || missing="$missing node;"
command -v "$clang" >/dev/null 2>&1 || missing="$missing $clang;"
[ -e "$jco" ] || missing="$missing jco in $nm (run scripts/install-deps.sh);"
if [ -n "$missing" ]; then
    echo "build.sh: missing:$missing" >&2
    exit 1
fi

cflags="-std=c17 -O2 -mexec-model=reactor -Wall -Wextra -Wshadow -Wundef -Wwrite-strings
        -Wstrict-prototypes -Wmissing-prototypes -Wvla -Werror -Wl,--strip-all"

node "$here/wit.mjs" "$nm" "$root/wit" "$out/counter.wit"

build() { # name world [clang flags]
    name=$1 world=$2
    shift 2
    # shellcheck disable=SC2086 # cflags is a list of words
    "$clang" --target=wasm32-wasi $cflags -I "$root/examples/glue" "$@" \
        -o "$out/$name.core.wasm" "$here/counter.c" || {
        echo "build.sh: clang failed; for wasm32-wasi it needs wasi-libc and" \
             "libclang-rt-14-dev-wasm32 (Debian)" >&2
        exit 1
    }
    node "$root/tests/guests/embed.mjs" "$nm" "$out/$name.core.wasm" "$out/counter.wit" \
        "$world" utf8 "$out/$name.embed.wasm"
    node "$jco" new "$out/$name.embed.wasm" -o "$out/$name.wasm"
    echo "$out/$name.wasm"
}

build counter-serverless serverless-proxy
build counter-stateful stateful-proxy -DSTATEFUL=1
