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
# flags are those of CMakeLists.txt (examples/glue/build_guest.sh).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$root/examples/glue/build_guest.sh"
if [ $# -ne 1 ]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi
guest_setup "$1" python3 componentize-js

node "$root/examples/counter/wit.mjs" "$nm" "$root/wit" "$out/kit.wit"
guest_build_c kit-c-serverless serverless-proxy "$here/guest/kit.c" "$out/kit.wit"
guest_build_c kit-c-stateful stateful-proxy "$here/guest/kit.c" "$out/kit.wit" -DSTATEFUL=1
for world in serverless stateful; do
    python3 "$here/guest/build_js.py" "$nm" "$root/wit" "$world" "$out/kit-js-$world.wasm"
    echo "$out/kit-js-$world.wasm"
done
