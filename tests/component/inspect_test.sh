#!/bin/sh
# `wasmhttpd inspect` on the test components: the C guest (three wasi
# imports, the incoming-handler export, serverless), a component exporting
# wasmhttpd:http/lifecycle@0.1.0 (stateful), and a core module and a
# missing file (a one-line error, non-zero exit).
#   inspect_test.sh WASMHTTPD COMPONENTS_DIR
set -u
bin=$1
dir=$2
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check() { # title, pattern (fixed string), file
  if grep -qF -- "$2" "$3"; then
    echo "ok   $1"
  else
    echo "FAIL $1: no line with: $2"
    sed 's/^/     | /' "$3"
    fails=$((fails + 1))
  fi
}

status() { # title, want, got
  if [ "$2" = "$3" ]; then echo "ok   $1"; else echo "FAIL $1: exit $3, expected $2"; fails=$((fails + 1)); fi
}

"$bin" inspect "$dir/hello/hello.component.wasm" >"$tmp/hello.out" 2>&1
status "hello: exit status" 0 $?
check "hello: wasi:io/error import" "import wasi:io/error@0.2.0: interface {" "$tmp/hello.out"
check "hello: wasi:io/streams import" "import wasi:io/streams@0.2.0: interface {" "$tmp/hello.out"
check "hello: wasi:http/types import" "import wasi:http/types@0.2.0: interface {" "$tmp/hello.out"
check "hello: a resource" "  resource outgoing-response;" "$tmp/hello.out"
check "hello: a method" "  [method]fields.append: func(self: borrow<fields>, name: field-name, value: field-value) -> result<_, header-error>;" "$tmp/hello.out"
check "hello: the export" "export wasi:http/incoming-handler@0.2.0: interface {" "$tmp/hello.out"
check "hello: handle" "  handle: func(request: incoming-request, response-out: response-outparam);" "$tmp/hello.out"
check "hello: host line" "host: wasi:http/types@0.2.0: provided" "$tmp/hello.out"
check "hello: io provided" "host: wasi:io/streams@0.2.0: provided" "$tmp/hello.out"
check "hello: model" "model: serverless (auto: the component does not export wasmhttpd:http/lifecycle)" "$tmp/hello.out"
check "hello: serve" "serve: an HTTP handler" "$tmp/hello.out"
n=$(grep -c '^import ' "$tmp/hello.out")
status "hello: three imports" 3 "$n"

"$bin" inspect "$dir/lifecycle.wasm" >"$tmp/life.out" 2>&1
status "lifecycle: exit status" 0 $?
check "lifecycle: init" "  init: func();" "$tmp/life.out"
check "lifecycle: model" "model: stateful (auto: the component exports wasmhttpd:http/lifecycle@0.1)" "$tmp/life.out"

"$bin" inspect "$dir/hello/hello.core.wasm" >"$tmp/core.out" 2>&1
status "core module: exit status" 4 $?
check "core module: message" "this is a core module, not a component" "$tmp/core.out"
n=$(wc -l <"$tmp/core.out")
status "core module: one line" 1 "$n"

"$bin" inspect "$dir/no-such-file.wasm" >"$tmp/missing.out" 2>&1
status "missing file: exit status" 3 $?

"$bin" inspect --help >"$tmp/help.out" 2>&1
status "--help: exit status" 0 $?
check "--help: usage" "usage: wasmhttpd inspect COMPONENT.wasm" "$tmp/help.out"

echo "$fails failed"
[ "$fails" -eq 0 ]
