#!/bin/sh
# Builds the seed corpus of the wasm_decode fuzz target from the core spec
# tests: every .wasm that wast2json writes for them (valid, invalid and
# malformed modules alike) goes to fuzz/corpus/wasm_decode/ under a name
# made of its spec file and number. The WebAssembly 3.0 suite beside it
# (core-3.0/, converted with every feature on; the files wabt cannot parse
# give what they can) adds the modules of tail calls, several memories and
# the rest of 3.0, named 3-FILE.N.wasm.
#   fuzz/seed.sh [SPEC_CORE_DIR]   default: ../shared/spec-tests/core beside the repository
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
spec=${1:-$root/../shared/spec-tests/core}
out=$root/fuzz/corpus/wasm_decode
command -v wast2json >/dev/null || { echo "wast2json not found (Debian package wabt)" >&2; exit 1; }
[ -d "$spec" ] || { echo "no spec tests in $spec" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
for f in "$spec"/*.wast; do
  name=$(basename "$f" .wast)
  mkdir -p "$tmp/$name"
  # A file that wast2json cannot fully convert still leaves useful modules.
  (cd "$tmp/$name" && wast2json "$f" -o "$name.json" >/dev/null 2>&1) || true
  for w in "$tmp/$name"/*.wasm; do
    [ -e "$w" ] && cp "$w" "$out/$(basename "$w")"
  done
done
if [ -d "$spec/../core-3.0" ]; then
  for f in "$spec"/../core-3.0/*.wast; do
    name=$(basename "$f" .wast)
    mkdir -p "$tmp/3-$name"
    (cd "$tmp/3-$name" && wast2json --enable-all "$f" -o "$name.json" >/dev/null 2>&1) || true
    for w in "$tmp/3-$name"/*.wasm; do
      [ -e "$w" ] && cp "$w" "$out/3-$(basename "$w")"
    done
  done
fi
# Exception handling: the legacy scripts (wast2json knows try, catch,
# delegate, rethrow), and the 3.0 ones (exnref, try_table, throw_ref) with
# wasm-tools json-from-wast when there is one ($WASM_TOOLS, else
# .guest-venv/bin/wasm-tools, as scripts/install-deps.sh installs it).
eh() { # NAME-PREFIX WAST CONVERTER...
  prefix=$1 f=$2
  shift 2
  name=$(basename "$f" .wast)
  mkdir -p "$tmp/$prefix$name"
  (cd "$tmp/$prefix$name" && "$@" "$f" -o "$name.json" >/dev/null 2>&1) || true
  for w in "$tmp/$prefix$name"/*.wasm; do
    [ -e "$w" ] && cp "$w" "$out/$prefix$(basename "$w")"
  done
}
for f in "$spec"/../proposals/exception-handling/*.wast; do
  [ -e "$f" ] && eh eh- "$f" wast2json --enable-exceptions
done
for f in "$spec"/../core-3.0/legacy/*.wast; do
  [ -e "$f" ] && eh eh3-legacy- "$f" wast2json --enable-exceptions --enable-tail-call
done
wasm_tools=${WASM_TOOLS:-$root/.guest-venv/bin/wasm-tools}
if "$wasm_tools" json-from-wast --help >/dev/null 2>&1; then
  for n in tag throw throw_ref try_table ref_null; do
    f=$spec/../core-3.0/$n.wast
    [ -e "$f" ] && eh eh3- "$f" "$wasm_tools" json-from-wast --wasm-dir .
  done
else
  echo "no wasm-tools with json-from-wast: the 3.0 exception modules are left out" >&2
fi
echo "$(ls "$out" | wc -l) seeds in $out"
