#!/bin/sh
# Builds the C guest hello.c into a wasi:http@0.2.0 proxy component:
# clang (wasm32-wasi reactor) -> jco embed (WIT) -> jco new.
#   build_hello.sh SOURCE_ROOT OUT_DIR
# The WIT is a world including wasi:http/proxy, over jco's own copy of the wasi 0.2 packages, renamed to 0.2.0 (the
# version hello.c imports); the interfaces hello.c uses are the same there.
set -eu
root=$1
out=$2
here=$root/tests/component/guest
modules=$root/node_modules
builtin=$modules/@bytecodealliance/jco/lib/wit/builtin/0.2.12
[ -d "$builtin" ] || { echo "jco is not installed (run scripts/install-deps.sh)" >&2; exit 1; }
mkdir -p "$out"
wit=$out/wit
rm -rf "$wit"
mkdir -p "$wit/deps"
# One world in the main package: jco 1.35.0 does not pass --world-name on.
printf 'package wasmhttpd:hello;\n\nworld hello {\n  include wasi:http/proxy@0.2.0;\n}\n' >"$wit/hello.wit"
for p in http cli clocks filesystem io random sockets; do
  mkdir -p "$wit/deps/$p"
  sed 's/@0\.2\.12/@0.2.0/g' "$builtin/wasi-$p/package.wit" >"$wit/deps/$p/package.wit"
done
export WH_NODE_MODULES=$modules
jco="node --import $here/jco-preopen.mjs $modules/@bytecodealliance/jco/dist/jco.js"
clang --target=wasm32-wasi -O2 -mexec-model=reactor -Wall -Wl,--strip-all \
  -o "$out/hello.core.wasm" "$here/hello.c"
$jco embed --wit "$wit" -o "$out/hello.embed.wasm" "$out/hello.core.wasm"
$jco new "$out/hello.embed.wasm" -o "$out/hello.component.wasm"
