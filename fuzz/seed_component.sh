#!/bin/sh
# Builds the seed corpus of the component_parse fuzz target from the test
# components that the test build makes (the .wat components of
# tests/component/wat and the C guest), plus the guest's core module.
#   fuzz/seed_component.sh [BUILD_DIR]   default: build
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
src=$build/tests/components
out=$root/fuzz/corpus/component_parse
[ -d "$src" ] || { echo "no test components in $src: build the test_components target first" >&2; exit 1; }
mkdir -p "$out"
find "$src" -name '*.wasm' ! -name '*.embed.wasm' | while read -r f; do
  cp "$f" "$out/$(basename "$f")"
done
echo "$(ls "$out" | wc -l) seeds in $out"
