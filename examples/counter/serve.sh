#!/bin/sh
# Serves the counter example on 127.0.0.1:8080 with a built wasmhttpd:
#
#   examples/counter/serve.sh BUILD_DIR [stateful|serverless] [SERVE OPTIONS...]
#
# BUILD_DIR is a CMake build of the project (it holds wasmhttpd and
# examples/counter/*.wasm). The stateful build is served by default.
set -eu
if [ $# -lt 1 ]; then
    echo "usage: $0 BUILD_DIR [stateful|serverless] [SERVE OPTIONS...]" >&2
    exit 2
fi
build=$1
shift
model=stateful
case "${1:-}" in
stateful|serverless) model=$1; shift ;;
esac
wasm=$build/examples/counter/counter-$model.wasm
if [ ! -x "$build/wasmhttpd" ] || [ ! -f "$wasm" ]; then
    echo "$0: $build/wasmhttpd or $wasm is missing; build first: cmake --build $build" >&2
    exit 2
fi
echo "serving the $model counter; try:  curl http://127.0.0.1:8080/   (Ctrl-C stops it)"
# One worker, so that successive requests meet the same pool and the counts
# read as the README says (serve's own default is one worker per CPU); pass
# --workers N to change it.
workers=(--workers 1)
for a in "$@"; do
    case "$a" in --workers|--workers=*) workers=() ;; esac
done
exec "$build/wasmhttpd" serve --addr 127.0.0.1:8080 --debug-headers "${workers[@]}" "$@" "$wasm"
