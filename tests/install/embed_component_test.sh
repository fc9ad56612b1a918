#!/bin/sh
# A component through the installed library: `cmake --install --prefix`
# into a temporary prefix, examples/embed/embed_component.c built with
# what `pkg-config wasmhttpd` says, examples/embed/adder.wat made into a
# component with `jco parse`, and its exports called with the embedder's
# `factor` (3) linked in: add(40, 2) is 42, scaled-add(2, 3) is (2 + 3) * 3.
#   embed_component_test.sh BUILD_DIR SOURCE_DIR CC NODE JCO "EXTRA_CFLAGS"
set -eu
build=$1 src=$2 cc=$3 node=$4 jco=$5 extra=${6:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log"; fail "cmake --install --prefix failed"; }
export PKG_CONFIG_PATH=$(dirname "$(find "$tmp/prefix" -name wasmhttpd.pc)")
unset PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR
$cc -std=c17 -Wall -Wextra -Werror $extra -o "$tmp/embed_component" \
  "$src/examples/embed/embed_component.c" $(pkg-config --cflags --libs wasmhttpd) \
  -Wl,-rpath,"$(pkg-config --variable=libdir wasmhttpd)" || fail "building embed_component.c"
"$node" "$jco" parse "$src/examples/embed/adder.wat" -o "$tmp/adder.wasm" || fail "jco parse adder.wat"

call() {  # expression, expected output
  out=$("$tmp/embed_component" "$tmp/adder.wasm" "$1" 2>&1) || fail "$1: exit $?: $out"
  [ "$out" = "$2" ] || fail "$1 printed '$out', expected '$2'"
}
call 'add(40, 2)' 42
call 'scaled-add(2, 3)' 15
# An export that does not exist: exit 1 and a message naming it.
if out=$("$tmp/embed_component" "$tmp/adder.wasm" 'nope(1)' 2>&1); then
  fail "nope(1) succeeded: $out"
fi
echo "$out" | grep -q nope || fail "nope(1): $out"
echo "ok: a component loaded, linked with a host function and called through the installed library"
