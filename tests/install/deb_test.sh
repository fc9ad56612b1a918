#!/bin/sh
# The Debian package: built by CPack from the build tree, its metadata read
# with dpkg-deb, unpacked with `dpkg -x` into a scratch root (no root
# needed, and nothing of the machine changes), and the unpacked program,
# manual and library used from there.
#
# Depends is checked against the libraries the unpacked ELF files actually
# load (readelf NEEDED, resolved by the dynamic linker's cache, owned by a
# package per `dpkg -S`), so a dependency that shlibdeps missed fails.
#   deb_test.sh BUILD_DIR SOURCE_DIR VERSION CC WAT2WASM "EXTRA_CFLAGS"
set -eu
build=$1 src=$2 version=$3 cc=$4 wat2wasm=$5 extra=${6:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
for t in cpack dpkg dpkg-deb dpkg-shlibdeps readelf ldconfig; do
  command -v $t >/dev/null || fail "$t not found (Debian packages dpkg, dpkg-dev, binutils, libc-bin)"
done

cpack -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/out" >"$tmp/cpack.log" 2>&1 ||
  { cat "$tmp/cpack.log"; fail "cpack -G DEB failed"; }
arch=$(dpkg --print-architecture)
deb=$tmp/out/wasmhttpd_${version}_$arch.deb
[ -f "$deb" ] || { ls "$tmp/out"; fail "no wasmhttpd_${version}_$arch.deb"; }

field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = wasmhttpd ] || fail "Package: $(field Package)"
[ "$(field Version)" = "$version" ] || fail "Version: $(field Version), expected $version"
[ "$(field Architecture)" = "$arch" ] || fail "Architecture: $(field Architecture)"
[ -n "$(field Maintainer)" ] || fail "no Maintainer"
[ -n "$(field Description)" ] || fail "no Description"
depends=$(field Depends)
[ -n "$depends" ] || fail "no Depends"
dpkg-deb -I "$deb" shlibs | grep -q "^libwasmhttpd 0 wasmhttpd" ||
  fail "no shlibs entry for libwasmhttpd.so.0: $(dpkg-deb -I "$deb" shlibs 2>&1)"
# ldconfig after install and removal (CPack writes maintainer scripts).
dpkg-deb -I "$deb" postinst 2>/dev/null | grep -q ldconfig || fail "postinst runs no ldconfig"
dpkg-deb -I "$deb" postrm 2>/dev/null | grep -q ldconfig || fail "postrm runs no ldconfig"

dpkg-deb -c "$deb" | awk '{print $6}' >"$tmp/files"
for f in ./usr/bin/wasmhttpd ./usr/share/man/man1/wasmhttpd.1 ./usr/share/wasmhttpd/wit/worlds.wit \
         ./usr/include/wasmhttpd/wm.h ./usr/include/wasmhttpd/sv.h; do
  grep -qx "$f" "$tmp/files" || fail "$f is not in the package"
done
grep -q '^\./usr/lib/.*libwasmhttpd\.so\.0' "$tmp/files" || fail "libwasmhttpd.so.0 is not in the package"
grep -q '^\./usr/lib/.*pkgconfig/wasmhttpd\.pc$' "$tmp/files" || fail "wasmhttpd.pc is not in the package"
grep -qx './usr/lib/systemd/system/wasmhttpd.service' "$tmp/files" || fail "the systemd unit is not in the package"
! grep -q '^\./usr/local' "$tmp/files" || fail "the package installs under /usr/local"

root=$tmp/root
dpkg -x "$deb" "$root"

# Every library an unpacked ELF file loads is in Depends (by package name).
n=0
for elf in "$root/usr/bin/wasmhttpd" $(find "$root/usr/lib" -name 'libwasmhttpd.so.*.*.*'); do
  for lib in $(readelf -d "$elf" | sed -n 's/.*NEEDED.*\[\(.*\)\]/\1/p'); do
    case $lib in libwasmhttpd.so.*) continue ;; esac
    path=$(ldconfig -p | awk -v l="$lib" '$1 == l {print $NF; exit}')
    [ -n "$path" ] || fail "$(basename "$elf") needs $lib, which the dynamic linker does not know"
    pkg=$(dpkg -S "$path" 2>/dev/null || dpkg -S "$(readlink -f "$path")" 2>/dev/null) ||
      fail "no package owns $path"
    pkg=${pkg%%:*}
    printf '%s\n' "$depends" | tr ',' '\n' | sed 's/^ *//; s/[ (].*//' | grep -qx "$pkg" ||
      fail "$(basename "$elf") needs $lib of $pkg, not in Depends: $depends"
    n=$((n + 1))
  done
done
[ "$n" -ge 5 ] || fail "only $n libraries checked: readelf output not understood"

# The unpacked program runs and is the version packaged.
bin=$root/usr/bin/wasmhttpd
[ "$("$bin" --version)" = "wasmhttpd $version" ] || fail "--version: $("$bin" --version)"
"$wat2wasm" "$src/examples/fib.wat" -o "$tmp/fib.wasm"
out=$("$bin" run --invoke fib "$tmp/fib.wasm" 20) || fail "run --invoke fib: exit $?"
[ "$out" = 6765 ] || fail "fib(20) printed $out"

grep -q '^ExecStart=/usr/bin/wasmhttpd serve ' "$root/usr/lib/systemd/system/wasmhttpd.service" ||
  fail "the packaged unit's ExecStart is not /usr/bin/wasmhttpd"

# Its manual renders.
MANWIDTH=80 LC_ALL=C.UTF-8 man -l "$root/usr/share/man/man1/wasmhttpd.1" 2>"$tmp/man.err" |
  grep -q 'wasmhttpd serve' || fail "man -l of the packaged page: $(cat "$tmp/man.err")"

# The packaged .pc finds the packaged headers and library from wherever the
# package is unpacked, and the example builds against them.
pc=$(find "$root/usr/lib" -name wasmhttpd.pc)
export PKG_CONFIG_PATH=$(dirname "$pc")
$cc -std=c17 $extra -o "$tmp/embed" "$src/examples/embed/embed.c" $(pkg-config --cflags --libs wasmhttpd) \
  -Wl,-rpath,"$(pkg-config --variable=libdir wasmhttpd)" || fail "embed.c against the unpacked package"
"$tmp/embed" | grep -qx 'fib(20) = 6765' || fail "embed against the unpacked package"

echo "ok: $(basename "$deb"), Depends: $depends; $n libraries loaded, each in Depends;" \
  "unpacked, the program, manual and library work"
