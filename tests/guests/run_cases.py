#!/usr/bin/env python3
"""The guest component cases: calls exports of the test guests (built from
C, JavaScript and the text format into DIR by CMake) and checks what comes
back.

  run_cases.py --side ours --guests DIR --wasmhttpd PATH [--host PATH] [--group G]
      runs `wasmhttpd run --invoke 'EXPR' DIR/NAME.wasm` for each case; for
      the guests that import wasmhttpd:test/host-echo, `HOST --invoke 'EXPR'
      DIR/NAME.wasm` instead (echo_host: the same command with that
      interface provided; without --host, wasmhttpd, which lacks it)
  run_cases.py --side ref --guests DIR --node NODE [--group G]
      runs the same calls through jco (ref.mjs on DIR/js/NAME/NAME.js)

Groups: types (every WIT type, the C guest in three string encodings and the
JS guest), host (guest→host calls; needs a host that provides
wasmhttpd:test/host-echo as its WIT says), res (resources), errors (the
error paths: a trap or a failed instantiation, a non-zero exit status and a
message naming the problem).

Expected values follow from the WIT in wit/test.wit and the guests' documented
behaviour, written by hand, not recorded from a run. Output is WAVE as
wasmtime prints it: one line per result. Where jco (the reference) is known
to differ from the canonical ABI, the case says so in `jco` and the ref side
checks jco's actual behaviour instead, so a jco upgrade that fixes it shows.
"""
import argparse
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
WIT = os.path.join(HERE, "wit", "test.wit")

TT = "wasmhttpd:test/types-test@0.1.0#"
LE = "wasmhttpd:test/lift-edges@0.1.0#"
HC = "wasmhttpd:test/host-calls@0.1.0#"
RS = "wasmhttpd:test/resources@0.1.0#"
BV = "wasmhttpd:test/bad-values@0.1.0#"
BC = "wasmhttpd:test/bad-calls@0.1.0#"


class Case:
    """expr: the call; want: the printed result, or None for an error whose
    message must match `error` (a regular expression, case-insensitive).
    c_only: values componentize-js 0.23 gets wrong (u32 results >= 2^31,
    negative s64 results), run on the C guests only. jco: what jco prints
    instead, where it departs from the canonical ABI (a value, or
    ('error', regex))."""

    def __init__(self, expr, want=None, error=None, c_only=False, jco=None):
        self.expr, self.want, self.error, self.c_only, self.jco = expr, want, error, c_only, jco


def echo(prefix, fn, *values, c_only=False):
    return [Case("%s%s(%s)" % (prefix, fn, v), v, c_only=c_only) for v in values]


def all_flags(prefix, n):
    return "{%s}" % ", ".join("%s%d" % (prefix, i) for i in range(n))


# ---- types-test: C (utf8, utf16, latin1+utf16) and JS ----

TYPES = (
    echo(TT, "echo-bool", "true", "false")
    + echo(TT, "echo-s8", "-128", "127", "0")
    + echo(TT, "echo-u8", "0", "255")
    + echo(TT, "echo-s16", "-32768", "32767")
    + echo(TT, "echo-u16", "0", "65535")
    + echo(TT, "echo-s32", "-2147483648", "2147483647", "-1")
    + echo(TT, "echo-u32", "0", "2147483647")
    + echo(TT, "echo-u32", "2147483648", "4294967295", c_only=True)
    + echo(TT, "echo-s64", "9223372036854775807", "0")
    + echo(TT, "echo-s64", "-9223372036854775808", "-1", c_only=True)
    + echo(TT, "echo-u64", "0", "18446744073709551615")
    + echo(TT, "echo-f32", "1.5", "0.1", "-0", "nan", "inf", "-inf",
           "340282350000000000000000000000000000000", "0.000001")
    + echo(TT, "echo-f64", "0.1", "-2.5", "nan", "-inf", "0.0000001", "123456789012345680000",
           "0.30000000000000004")
    + echo(TT, "echo-char", "'a'", "'é'", "'日'", "'🎉'", "'\\''", "'\\n'")
    + [Case(TT + "echo-char('\"')", "'\\\"'")]  # WAVE escapes " in a char too
    + echo(TT, "echo-string", '"hello"', '""', '"héllo wörld"', '"日本語"', '"🎉 party"',
           '"ÿ and Ā"', '"quote \\" back \\\\ tab \\t nl \\n"', "\"it\\'s\"")
    + echo(TT, "echo-bytes", "[]", "[0, 1, 255]")
    + echo(TT, "echo-strings", "[]", '["a", "", "ü", "🎉"]')
    + echo(TT, "echo-points", "[]", "[{x: 1, y: -1}, {x: 2147483647, y: -2147483648}]")
    + echo(TT, "echo-u64s", "[0, 18446744073709551615]")
    + echo(TT, "echo-person",
           '{name: "Ann", age: 30, tags: ["a", "b"], home: {x: 1, y: -2}, nick: some("an")}',
           '{name: "Zoë", age: 0, tags: [], home: {x: 0, y: 0}}')
    + echo(TT, "echo-mixed", "{a: 255, b: 18446744073709551615, c: 65535, d: -0.5, e: true, f: '🎉'}",
           "{a: 0, b: 0, c: 0, d: 0, e: false, f: 'a'}")
    + echo(TT, "echo-tuple", '(7, "x", 2.5)', '(0, "", -0.1)')
    + echo(TT, "echo-shape", "circle(2.5)", "rect({x: 3, y: -4})", 'label("lbl")', "empty",
           "circle(nan)")
    + echo(TT, "echo-level", "low", "mid", "high")
    + echo(TT, "echo-color", "red", "green", "blue")
    + echo(TT, "echo-option", "some(5)", "none", "some(0)")
    + echo(TT, "echo-option-string", 'some("s")', 'some("")', "none")
    + echo(TT, "echo-option-option", "none", "some(none)", "some(some(3))")
    + echo(TT, "echo-result", 'ok("y")', "err(7)")
    + echo(TT, "echo-result-ok", "ok(1)", "err")
    + echo(TT, "echo-result-err", "ok", 'err("e")')
    + echo(TT, "echo-result-empty", "ok", "err")
    + echo(TT, "echo-one", "{only}", "{}")
    + echo(TT, "echo-eight", "{b0, b7}", all_flags("b", 8), "{}")
    + echo(TT, "echo-nine", "{n0, n8}", "{n8}", all_flags("n", 9))
    + echo(TT, "echo-wide", "{w0, w15, w16, w31}", "{}", all_flags("w", 32))
    + echo(TT, "echo-shapes", '[circle(1), empty, label("q"), rect({x: 1, y: 2})]', "[]")
    + echo(TT, "echo-options", '[some("a"), none, some("")]')
    + [
        Case(TT + "not(true)", "false"),
        Case(TT + "not(false)", "true"),
        Case(TT + "add-s8(100, 100)", "-56"),
        Case(TT + "add-u16(65535, 2)", "1"),
        Case(TT + "add-s32(2147483647, 1)", "-2147483648"),
        Case(TT + "add-u32(4294967295, 2)", "1"),
        Case(TT + "add-u32(2147483647, 1)", "2147483648", c_only=True),
        Case(TT + "add-s64(-5, 10)", "5"),
        Case(TT + "add-s64(9223372036854775807, 1)", "-9223372036854775808", c_only=True),
        Case(TT + "add-u64(18446744073709551615, 2)", "1"),
        Case(TT + "mul-f32(1.5, 2)", "3"),
        Case(TT + "mul-f32(1.1, 1.1)", "1.21"),
        Case(TT + "mul-f32(0.1, 3)", "0.3"),
        Case(TT + "div-f64(1, 3)", "0.3333333333333333"),
        Case(TT + "div-f64(0, 0)", "nan"),
        Case(TT + "div-f64(1, 0)", "inf"),
        Case(TT + "div-f64(-1, 0)", "-inf"),
        Case(TT + "odd-nan32()", "nan"),
        Case(TT + "odd-nan64()", "nan"),
        Case(TT + "next-char('a')", "'b'"),
        Case(TT + "next-char('ÿ')", "'Ā'"),
        Case(TT + "next-char('\\u{ffff}')", "'𐀀'"),
        Case(TT + 'string-size("héllo")', "(5, 6)"),
        Case(TT + 'string-size("日本")', "(2, 6)"),
        Case(TT + 'string-size("🎉")', "(1, 4)"),
        Case(TT + 'string-size("")', "(0, 0)"),
        Case(TT + 'upper("abc XYZ é")', '"ABC XYZ é"'),
        Case(TT + 'reverse("abc")', '"cba"'),
        Case(TT + 'reverse("a🎉b")', '"b🎉a"'),
        Case(TT + 'reverse("日本語")', '"語本日"'),
        Case(TT + 'reverse("añb")', '"bña"'),
        Case(TT + 'join(["a", "b", "c"], ", ")', '"a, b, c"'),
        Case(TT + 'join([], "-")', '""'),
        Case(TT + 'join(["ü", "日"], "🎉")', '"ü🎉日"'),
        Case(TT + "split(\"a,b,,c\", ',')", '["a", "b", "", "c"]'),
        Case(TT + "split(\"\", ',')", '[""]'),
        Case(TT + "split(\"x🎉y\", '🎉')", '["x", "y"]'),
        Case(TT + "split(\"é-日\", '-')", '["é", "日"]'),
        Case(TT + 'char-at("héllo", 1)', "some('é')"),
        Case(TT + 'char-at("ab", 5)', "none"),
        Case(TT + 'char-at("a🎉", 1)', "some('🎉')"),
        Case(TT + "sum-bytes([1, 2, 255])", "258"),
        Case(TT + "sum-bytes([])", "0"),
        Case(TT + "range-bytes(4)", "[0, 1, 2, 3]"),
        Case(TT + "range-bytes(0)", "[]"),
        Case(TT + "sum-points([{x: 1, y: 2}, {x: -3, y: 4}])", "{x: -2, y: 6}"),
        Case(TT + 'describe({name: "Ann", age: 30, tags: ["a", "b"], home: {x: 1, y: -2}, '
             'nick: some("an")})', '"Ann (30) at (1, -2) tags [a,b] nick an"'),
        Case(TT + 'describe({name: "Zoë", age: 7, tags: [], home: {x: 0, y: 0}})',
             '"Zoë (7) at (0, 0) tags [] nick -"'),
        Case(TT + 'make-person("Bo", 20)',
             '{name: "Bo", age: 20, tags: ["Bo", "made"], home: {x: 20, y: -20}, nick: some("adult")}'),
        Case(TT + 'make-person("Çé日", 5)',
             '{name: "Çé日", age: 5, tags: ["Çé日", "made"], home: {x: 5, y: -5}}'),
        Case(TT + "describe-mixed({a: 1, b: 2, c: 3, d: 1.5, e: true, f: 'z'})",
             '"a=1 b=2 c=3 d=1.5 e=true f=z"'),
        Case(TT + "describe-mixed({a: 255, b: 18446744073709551615, c: 65535, d: -0.25, e: false, "
             "f: '日'})", '"a=255 b=18446744073709551615 c=65535 d=-0.25 e=false f=日"'),
        Case(TT + "area(circle(2))", "12"),
        Case(TT + "area(rect({x: 3, y: -4}))", "12"),
        Case(TT + 'area(label("ab🎉"))', "3"),
        Case(TT + "area(empty)", "0"),
        Case(TT + "make-shape(0)", "circle(1.5)"),
        Case(TT + "make-shape(1)", "rect({x: 2, y: -3})"),
        Case(TT + "make-shape(2)", 'label("made")'),
        Case(TT + "make-shape(9)", "empty"),
        Case(TT + "raise(low)", "mid"),
        Case(TT + "raise(high)", "high"),
        Case(TT + "next-color(blue)", "red"),
        Case(TT + "unwrap-or(some(4), 9)", "4"),
        Case(TT + "unwrap-or(none, 9)", "9"),
        Case(TT + "depth(none)", "0"),
        Case(TT + "depth(some(none))", "1"),
        Case(TT + "depth(some(some(0)))", "2"),
        Case(TT + "halve(8)", "ok(4)"),
        Case(TT + "halve(7)", 'err("odd")'),
        Case(TT + "check(true)", "ok"),
        Case(TT + "check(false)", 'err("not ok")'),
        Case(TT + "wide-bits({w0, w4})", "17"),
        Case(TT + "wide-bits({w31})", "2147483648", c_only=True),
        Case(TT + "wide-from-bits(5)", "{w0, w2}"),
        Case(TT + "wide-from-bits(4294967295)", all_flags("w", 32)),
        Case(TT + "nine-from-bits(65535)", all_flags("n", 9)),
        Case(TT + "nine-from-bits(256)", "{n8}"),
        Case(TT + "count-flags({only}, {b1, b2}, {n8}, {w0, w31})", "6"),
        Case(TT + "count-flags({}, {}, {}, {})", "0"),
        Case(TT + "many(1, -2, 3, -4, 5, -6, 7, -8, 1.5, 2.25, 'x', true, \"m\", [1, 2], some(9), blue)",
             '"1 -2 3 -4 5 -6 7 -8 1.5 2.25 x true m [1,2] some(9) blue"'),
        Case(TT + "many(255, -128, 65535, -32768, 4294967295, -2147483648, 18446744073709551615, "
             "-9223372036854775808, -0.5, 100, 'é', false, \"日\", [], none, red)",
             '"255 -128 65535 -32768 4294967295 -2147483648 18446744073709551615 '
             '-9223372036854775808 -0.5 100 é false 日 [] none red"'),
        Case(TT + "sum17(%s)" % ", ".join(str(i) for i in range(1, 18)), "153"),
        Case(TT + "sum17(%s)" % ", ".join(["4294967295"] * 17), "73014444015"),
        Case(TT + "sum16(%s)" % ", ".join(str(i) for i in range(1, 17)), "136"),
        Case(TT + "divmod(17, 5)", "(3, 2)"),
        Case(TT + "divmod(1, 0)", "(0, 0)"),
        Case(TT + "stats([3, -1, 4])", "(-1, 4, 2, 3)"),
        Case(TT + "stats([1, 2])", "(1, 2, 1.5, 2)"),
        Case(TT + "stats([])", "(0, 0, nan, 0)"),
    ]
)

# The canonical ABI ignores the unused high bits of a small integer's i32 and
# takes any nonzero bool as true; jco 1.35 refuses both.
LIFT_EDGES = [
    Case(LE + "bool-two()", "true", jco=("error", "bool")),
    Case(LE + "u8-high-bits(7)", "7", jco=("error", "between 0 and 255")),
    Case(LE + "s8-high-bits(-3)", "-3", jco=("error", "between -128 and 127")),
    Case(LE + "u16-high-bits(65535)", "65535", jco=("error", "between 0 and 65535")),
    Case(LE + "s16-high-bits(-300)", "-300", jco=("error", "between -32768 and 32767")),
    Case(LE + "bool-byte-seven(3)", "{on: true, n: 3}", jco=("error", "bool")),
    Case(LE + "bool-list()", "[true, true, false]", jco=("error", "bool")),
]

HOST = [
    Case(HC + 'call-string("héllo")', '"héllo"'),
    Case(HC + 'call-string("日本🎉")', '"日本🎉"'),
    Case(HC + 'call-string("")', '""'),
    Case(HC + "call-bytes([1, 2, 255])", "[1, 2, 255]"),
    Case(HC + 'call-strings(["a", "", "ü", "日"])', '["a", "", "ü", "日"]'),
    Case(HC + 'call-pair({a: 7, b: "x"})', '{a: 7, b: "x"}'),
    Case(HC + 'call-pairs([{a: 1, b: "p"}, {a: 4294967295, b: "🎉"}])',
         '[{a: 1, b: "p"}, {a: 4294967295, b: "🎉"}]'),
    Case(HC + "call-item(nothing)", "nothing"),
    Case(HC + "call-item(num(-9223372036854775808))", "num(-9223372036854775808)"),
    Case(HC + 'call-item(text("t"))', 'text("t")'),
    Case(HC + 'call-item(both({a: 3, b: "zé"}))', 'both({a: 3, b: "zé"})'),
    Case(HC + 'call-option(some("o"))', 'some("o")'),
    Case(HC + "call-option(none)", "none"),
    Case(HC + "call-result(ok(4))", "ok(4)"),
    Case(HC + 'call-result(err("bad"))', 'err("bad")'),
    Case(HC + "call-mode(append)", "append"),
    Case(HC + "call-perms({owner, other})", "{owner, other}"),
    Case(HC + "call-perms({})", "{}"),
    Case(HC + "call-numbers(255, -300, 4000000000, -9000000000, 1.5, -2.25, 'ß', true)",
         "(255, -300, 4000000000, -9000000000, 1.5, -2.25, 'ß', true)"),
    Case(HC + 'call-many(10, "s")', '(280, "s")'),
    Case(HC + 'call-note("hi")', "1"),
]

RES = [
    Case(RS + "self-test(5)", '"made 5 6, rep ok, dropped 2, merged 15, dropped 5"'),
    Case(RS + "dropped()", "0"),
]

OOB = "out of bounds|outside the bounds|bounds"
ERR_VALUES = [
    Case(BV + "bad-utf8()", error="utf-?8", jco='"ok\ufffd\ufffd"'),
    Case(BV + "bad-string-ptr()", error=OOB, jco=("error", "invalid typed array length")),
    Case(BV + "bad-list-ptr()", error=OOB, jco="[]"),
    Case(BV + "misaligned-list()", error="align"),
    Case(BV + "bad-retptr()", error=OOB),
    Case(BV + "bad-char()", error="char"),
    Case(BV + "surrogate-char()", error="char"),
    Case(BV + "bad-enum()", error="discriminant"),
    Case(BV + "bad-option()", error="discriminant"),
    Case(BV + "bad-result()", error="discriminant"),
    Case(BV + 'take-string("abc")', "3"),
]
ERR_VALUES_UTF16 = [
    Case(BV + "bad-utf8()", error="utf-?16|surrogate", jco='"ok\ufffd"'),
    Case(BV + 'take-string("abc")', "3"),
]

# (component, cases, is the guest built by componentize-js)
GROUPS = {
    "types": [
        ("types_utf8", TYPES + LIFT_EDGES, False),
        ("types_utf16", TYPES + LIFT_EDGES, False),
        ("types_latin1", TYPES + LIFT_EDGES, False),  # not transpiled: see NO_REF
        ("types_js", TYPES, True),
    ],
    "host": [
        ("host_utf8", HOST, False),
        ("host_utf16", HOST, False),
        ("host_latin1", HOST, False),  # not transpiled: see NO_REF
    ],
    "res": [("resources", RES, False)],
    "errors": [
        ("err_missing", [Case("call-nope()", error=re.escape("wasmhttpd:test/missing@0.1.0#nope"),
                              jco=("error", "nope"))], False),
        ("err_values", ERR_VALUES, False),
        ("err_values_utf16", ERR_VALUES_UTF16, False),
        ("err_realloc", [Case(BV + 'take-string("abc")', error=OOB + "|realloc")], False),
        ("err_calls", [
            Case(BC + "pass-bad-ptr()", error=OOB),
            Case(BC + "pass-bad-utf8()", error="utf-?8", jco='"ok\ufffd("'),
            Case(BC + "pass-bad-char()", error="char"),
        ], False),
        ("late_borrow", [
            Case("keep-borrow()", error="borrow"),
            Case("lend-borrow()", "1"),
        ], False),
    ],
}


# Components jco cannot run, and why: the ref side reports them as skipped.
LATIN1 = "jco 1.35 transpile supports only the utf8 and utf16 string encodings"
NO_REF = {"types_latin1": LATIN1, "host_latin1": LATIN1}

# Components that import wasmhttpd:test/host-echo: our side runs them on the
# echo host (--host), not on wasmhttpd, which does not provide test interfaces.
NEEDS_ECHO_HOST = {"host_utf8", "host_utf16", "host_latin1", "err_calls"}


class Tally:
    def __init__(self):
        self.passed = self.failed = 0

    def ok(self, title):
        self.passed += 1
        print("ok   " + title)

    def fail(self, title, problems):
        self.failed += 1
        print("FAIL " + title)
        for p in problems:
            print("    " + p.replace("\n", "\n    "))


def check_ours(args, tally, comp, cases, js):
    path = os.path.join(args.guests, comp + ".wasm")
    if comp in NEEDS_ECHO_HOST and args.host:
        cmd = [args.host]
    else:
        cmd = [args.wasmhttpd, "run"]
    for c in cases:
        if c.c_only and js:
            continue
        title = "%s %s" % (comp, c.expr)
        try:
            p = subprocess.run(cmd + ["--invoke", c.expr, path],
                               capture_output=True, text=True, timeout=120)
        except subprocess.TimeoutExpired:
            tally.fail(title, ["timed out"])
            continue
        problems = []
        if c.want is not None:
            if p.returncode != 0:
                problems.append("exit status %d, expected 0" % p.returncode)
            if p.stdout != c.want + "\n":
                problems.append("stdout %r, expected %r" % (p.stdout, c.want + "\n"))
        else:
            if p.returncode == 0:
                problems.append("exit status 0, expected an error")
            if not re.search(c.error, p.stderr, re.I):
                problems.append("stderr does not match /%s/i" % c.error)
        if problems:
            if p.stderr.strip():
                problems.append("stderr: " + p.stderr.strip())
            tally.fail(title, problems)
        else:
            tally.ok(title)


def check_ref(args, tally, comp, cases, js):
    if comp in NO_REF:
        print("skip %s (reference): %s" % (comp, NO_REF[comp]))
        return
    cases = [c for c in cases if not (c.c_only and js)]
    script = os.path.join(args.guests, "js", comp, comp + ".js")
    cmd = [args.node, os.path.join(HERE, "ref.mjs")]
    if js:
        cmd.append("--reuse")  # a JS guest takes a second to instantiate; its exports keep no state
    try:
        p = subprocess.run(cmd + [WIT, script] + [c.expr for c in cases], capture_output=True,
                           text=True, timeout=600)
    except subprocess.TimeoutExpired:
        tally.fail("%s (reference)" % comp, ["timed out"])
        return
    lines = p.stdout.split("\n")
    if len(lines) < len(cases):
        tally.fail("%s (reference)" % comp, ["%d lines of output for %d cases" % (len(lines), len(cases)),
                                             "stderr: " + p.stderr.strip()])
        return
    for c, got in zip(cases, lines):
        title = "%s %s (jco)" % (comp, c.expr)
        want = c.jco if c.jco is not None else (c.want if c.want is not None else ("error", c.error))
        if isinstance(want, tuple):
            good = got.startswith("error: ") and re.search(want[1], got, re.I)
            expected = "an error matching /%s/i" % want[1]
        else:
            good = got == want
            expected = repr(want)
        if good:
            tally.ok(title)
        else:
            tally.fail(title, ["got %r, expected %s" % (got, expected)])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--side", choices=["ours", "ref"], required=True)
    ap.add_argument("--guests", required=True, help="the directory the guests were built into")
    ap.add_argument("--group", action="append", choices=sorted(GROUPS),
                    help="run only these groups (default: all)")
    ap.add_argument("--component", action="append", help="run only these components")
    ap.add_argument("--wasmhttpd")
    ap.add_argument("--host", help="the echo host, for the guests that import "
                    "wasmhttpd:test/host-echo")
    ap.add_argument("--node", default="node")
    args = ap.parse_args()
    if args.side == "ours" and not args.wasmhttpd:
        ap.error("--side ours needs --wasmhttpd")
    tally = Tally()
    for g in args.group or sorted(GROUPS):
        for comp, cases, js in GROUPS[g]:
            if args.component and comp not in args.component:
                continue
            (check_ours if args.side == "ours" else check_ref)(args, tally, comp, cases, js)
    print("%d passed, %d failed" % (tally.passed, tally.failed))
    sys.exit(1 if tally.failed else 0)


if __name__ == "__main__":
    main()
