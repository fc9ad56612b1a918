#!/bin/sh
# `wasmhttpd cm-wast` itself, on a small script written here: values in and
# out, a trap, a definition instantiated by name, an invalid and a malformed
# component; then how the expected-failures file is honoured: a listed
# failure passes the run, a listed command that passes and a listed line
# with no command fail it.
#   cm_wast_test.sh WASMHTTPD OPTIONS...   (the options find node, the
#                                           converter and jco)
set -u
bin=$1
shift
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/t"

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

cat >"$tmp/t/s.wast" <<'WAST'
(component definition $D
  (core module $m
    (func (export "add") (param i32 i32) (result i32)
      (i32.add (local.get 0) (local.get 1)))
    (func (export "boom") unreachable))
  (core instance $i (instantiate $m))
  (func (export "add") (param "a" u32) (param "b" u32) (result u32)
    (canon lift (core func $i "add")))
  (func (export "boom") (canon lift (core func $i "boom"))))
(component instance $a $D)
(assert_return (invoke "add" (u32.const 2) (u32.const 3)) (u32.const 5))
(assert_trap (invoke "boom") "unreachable")
(component instance $b $D)
(assert_return (invoke $b "add" (u32.const 4294967295) (u32.const 2)) (u32.const 1))
(assert_return (invoke "add" (u32.const 1) (u32.const 1)) (u32.const 3))
(assert_invalid (component (core func (canon lower (func 0)))) "unknown func")
(assert_malformed (component binary "\00asm" "\0d\00\01\01") "")
WAST

# Each run: the expected-failures file (one argument a line), then the
# runner, called at the top level, where "$@" still holds the options.
xfail() { # name, lines...
  name=$1
  shift
  printf '%s\n' "$@" >"$tmp/$name.xfail"
}
xfail plain "# nothing expected to fail"
"$bin" cm-wast "$@" --xfail "$tmp/plain.xfail" "$tmp/t/s.wast" >"$tmp/plain.out" 2>&1
status "one wrong result fails the run" 1 $?
check "a pass is reported" "s.wast:11: assert_return: pass" "$tmp/plain.out"
check "a trap passes assert_trap" "s.wast:12: assert_trap: pass" "$tmp/plain.out"
check "a named instance" "s.wast:14: assert_return: pass" "$tmp/plain.out"
check "the wrong result" "s.wast:15: assert_return: FAIL: invoke \"add\": expected 3, got 2" "$tmp/plain.out"
check "assert_invalid" "s.wast:16: assert_invalid: pass" "$tmp/plain.out"
check "assert_malformed" "s.wast:17: assert_malformed: pass" "$tmp/plain.out"
check "the summary" "8 passed, 1 failed, 0 expected failures" "$tmp/plain.out"

xfail listed "t/s.wast:15 a wrong expectation, on purpose"
"$bin" cm-wast "$@" --xfail "$tmp/listed.xfail" "$tmp/t/s.wast" >"$tmp/listed.out" 2>&1
status "a listed failure passes the run" 0 $?
check "it is counted" "8 passed, 0 failed, 1 expected failures" "$tmp/listed.out"

xfail unexpected "t/s.wast:15 on purpose" "t/s.wast:11 passes"
"$bin" cm-wast "$@" --xfail "$tmp/unexpected.xfail" "$tmp/t/s.wast" >"$tmp/unexpected.out" 2>&1
status "a listed command that passes fails the run" 1 $?
check "it says so" "s.wast:11: assert_return: FAIL: passes, but is listed" "$tmp/unexpected.out"

xfail stale "t/s.wast:15 on purpose" "t/s.wast:2 inside a component, not a command" "other/s.wast:15 another file"
"$bin" cm-wast "$@" --xfail "$tmp/stale.xfail" "$tmp/t/s.wast" >"$tmp/stale.out" 2>&1
status "a listed line with no command fails the run" 1 $?
check "it says so" "s.wast:2: FAIL: listed in" "$tmp/stale.out"
check "entries of other files are left alone" "8 passed, 1 failed, 1 expected failures" "$tmp/stale.out"

if [ $fails -ne 0 ]; then echo "$fails failed"; exit 1; fi
echo "all passed"
