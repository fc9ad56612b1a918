#!/bin/sh
# Builds the fetch-js example component:
#
#   examples/fetch-js/build.sh OUTDIR
#
# writes OUTDIR/fetch-js.wasm (about 12 MB; componentize-js takes 10-60 s).
# Needs node and componentize-js in the repository's node_modules
# (scripts/install-deps.sh); NODE_MODULES selects another node_modules.
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
cjs=$nm/.bin/componentize-js
command -v node >/dev/null 2>&1 || { echo "build.sh: node not found" >&2; exit 1; }
[ -e "$cjs" ] || { echo "build.sh: no componentize-js in $nm (run scripts/install-deps.sh)" >&2; exit 1; }

# The WIT directory: jco's WASI packages as tests/wasihttp/guests/js_wit.mjs
# writes them (wasi:http at the root), with wasi:http moved under deps/ and
# fetch-js.wit as the root package.
wit=$out/fetch-js-wit
rm -rf "$wit"
node "$root/tests/wasihttp/guests/js_wit.mjs" "$nm" "$wit"
mkdir -p "$wit/deps/wasi-http"
mv "$wit/http.wit" "$wit/deps/wasi-http/package.wit"
cp "$here/fetch-js.wit" "$wit/"

node "$cjs" "$here/fetch.js" --wit "$wit" -n fetch-js -o "$out/fetch-js.wasm"
echo "$out/fetch-js.wasm"
