#!/bin/sh
# The embedding library as installed: `cmake --install --prefix` into a
# temporary prefix, then examples/embed/embed.c built with nothing but what
# `pkg-config wasmhttpd` says (shared, then static), run, and its output
# compared with what the module must compute (fib(20) = 6765, scaled by the
# host's factor 3: fib(10) * 3 = 165, a trap at `unreachable`). Also: every
# installed header compiles alone, and the shared library exports exactly
# the functions and variables the installed headers declare.
#   embed_test.sh BUILD_DIR SOURCE_DIR CC WAT2WASM "EXTRA_CFLAGS"
set -eu
build=$1 src=$2 cc=$3 wat2wasm=$4 extra=${5:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log"; fail "cmake --install --prefix failed"; }
pc=$(find "$tmp/prefix" -name wasmhttpd.pc)
[ -n "$pc" ] || fail "no wasmhttpd.pc installed"
export PKG_CONFIG_PATH=$(dirname "$pc")
unset PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR
cflags=$(pkg-config --cflags wasmhttpd) || fail "pkg-config --cflags wasmhttpd"
libs=$(pkg-config --libs wasmhttpd) || fail "pkg-config --libs wasmhttpd"
libdir=$(pkg-config --variable=libdir wasmhttpd)
[ -f "$libdir/libwasmhttpd.a" ] || fail "no libwasmhttpd.a in $libdir"
ls "$libdir"/libwasmhttpd.so.* >/dev/null 2>&1 || fail "no libwasmhttpd.so.* in $libdir"
for f in share/man/man1/wasmhttpd.1 share/wasmhttpd/wit/worlds.wit share/wasmhttpd/wit/lifecycle.wit \
         bin/wasmhttpd; do
  [ -f "$tmp/prefix/$f" ] || fail "$f was not installed"
done
[ ! -e "$tmp/prefix/include/wasmhttpd/internal.h" ] || fail "internal.h was installed"

# Each public header on its own, strict C17 (uv.h, included by the headers
# of the layers on libuv, wants the POSIX declarations).
n=0
for h in "$tmp"/prefix/include/wasmhttpd/*.h; do
  name=$(basename "$h")
  printf '#include <wasmhttpd/%s>\n' "$name" >"$tmp/h.c"
  $cc -std=c17 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -fsyntax-only $cflags "$tmp/h.c" ||
    fail "the installed header $name does not compile on its own"
  n=$((n + 1))
done
[ "$n" -ge 7 ] || fail "only $n headers installed under include/wasmhttpd"

# Exports: every dynamic symbol the library defines is a name in a public
# header; every global the library defines whose name is in a header is
# exported; a helper of serve/sv_int.h and llhttp are not.
so=$(ls "$libdir"/libwasmhttpd.so.*.*.* | head -1)
nm -D --defined-only "$so" | awk '$2 != "A" {sub(/@.*/, "", $3); print $3}' | sort -u >"$tmp/exported"
cat "$tmp"/prefix/include/wasmhttpd/*.h | grep -o '[A-Za-z_][A-Za-z0-9_]*' | sort -u >"$tmp/words"
nm -g --defined-only "$libdir/libwasmhttpd.a" 2>/dev/null | awk 'NF == 3 {print $3}' | sort -u \
  >"$tmp/defined"
stray=$(comm -23 "$tmp/exported" "$tmp/words")
[ -z "$stray" ] || fail "exported but in no public header: $(echo $stray)"
missing=$(comm -12 "$tmp/defined" "$tmp/words" | comm -23 - "$tmp/exported")
[ -z "$missing" ] || fail "declared in a public header and defined, but not exported: $(echo $missing)"
for s in sv_worker_init llhttp_init; do
  grep -qx "$s" "$tmp/defined" || fail "$s is not in libwasmhttpd.a (pick another internal symbol)"
  ! grep -qx "$s" "$tmp/exported" || fail "the internal $s is exported"
done

expect() {  # program, args...: its output must be the three lines below
  out=$("$@" 2>&1) || fail "$* exited $?: $out"
  printf '%s\n' "$out" | sed -n 1p | grep -qx 'fib(20) = 6765' || fail "$*: $out"
  printf '%s\n' "$out" | sed -n 2p | grep -qx 'scaled_fib(10) = 165' || fail "$*: $out"
  printf '%s\n' "$out" | sed -n 3p | grep -q '^fail: trap: unreachable' || fail "$*: $out"
}

# Shared: the program needs libwasmhttpd.so at run time.
$cc -std=c17 -Wall -Wextra -Werror $extra -o "$tmp/embed_shared" "$src/examples/embed/embed.c" \
  $cflags $libs -Wl,-rpath,"$libdir" || fail "building embed.c against the shared library"
readelf -d "$tmp/embed_shared" | grep -q 'NEEDED.*libwasmhttpd\.so\.0' ||
  fail "embed_shared does not load libwasmhttpd.so.0"
expect "$tmp/embed_shared"
# The same module from its text, so the bytes in embed.c match embed.wat.
"$wat2wasm" "$src/examples/embed/embed.wat" -o "$tmp/embed.wasm"
expect "$tmp/embed_shared" "$tmp/embed.wasm"

# Static: libwasmhttpd.a, and the libraries it needs as pkg-config lists
# them (Requires.private), linked shared: `pkg-config --static` would ask
# for static builds of libcurl's own dependencies, which Debian's -dev
# packages do not all ship.
static_libs="$(pkg-config --libs $(pkg-config --print-requires-private wasmhttpd)) -lm -pthread"
$cc -std=c17 -Wall -Wextra -Werror $extra -o "$tmp/embed_static" "$src/examples/embed/embed.c" \
  $cflags "$libdir/libwasmhttpd.a" $static_libs || fail "building embed.c against libwasmhttpd.a"
! readelf -d "$tmp/embed_static" | grep -q 'libwasmhttpd' || fail "embed_static loads libwasmhttpd"
expect "$tmp/embed_static"

echo "ok: installed with pkg-config wasmhttpd; $n headers compile alone;" \
  "$(wc -l <"$tmp/exported") symbols exported, all declared in the headers;" \
  "embed.c built shared and static, both compute what embed.wat says"
