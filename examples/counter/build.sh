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
# The steps and flags are those of CMakeLists.txt (examples/glue/build_guest.sh).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$root/examples/glue/build_guest.sh"
if [ $# -ne 1 ]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi
guest_setup "$1"

node "$here/wit.mjs" "$nm" "$root/wit" "$out/counter.wit"
guest_build_c counter-serverless serverless-proxy "$here/counter.c" "$out/counter.wit"
guest_build_c counter-stateful stateful-proxy "$here/counter.c" "$out/counter.wit" -DSTATEFUL=1
