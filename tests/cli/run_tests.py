#!/usr/bin/env python3
"""Tests of `wasmhttpd run --invoke`: builds the .wat files beside this script
with wat2wasm into a temporary directory, runs the command and checks stdout,
stderr and the exit status.

Expected values follow from WebAssembly semantics and the documented output
format (shortest round-trip decimal without exponent, like Rust's Display),
not from earlier runs of the tool.

usage: run_tests.py --wasmhttpd PATH --wat2wasm PATH
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
from decimal import Decimal

HERE = os.path.dirname(os.path.abspath(__file__))

# Exit statuses, as `wasmhttpd run --help` documents them.
OK, TRAP, USAGE, FILE, MODULE, LINK, EXPORT = 0, 1, 2, 3, 4, 5, 6


def display_f64(x):
    """Rust Display of an f64, from Python's shortest repr (an independent
    implementation of shortest round-trip digits)."""
    s = format(Decimal(repr(x)), "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


class Runner:
    def __init__(self, wasmhttpd, wat2wasm, tmp):
        self.wasmhttpd = wasmhttpd
        self.wat2wasm = wat2wasm
        self.tmp = tmp
        self.passed = 0
        self.failed = 0

    def build(self, name):
        out = os.path.join(self.tmp, name + ".wasm")
        subprocess.run([self.wat2wasm, os.path.join(HERE, name + ".wat"), "-o", out], check=True)
        return out

    def run(self, args):
        p = subprocess.run([self.wasmhttpd, "run"] + args, capture_output=True, text=True,
                           timeout=60)
        return p.returncode, p.stdout, p.stderr

    def check(self, title, args, status, stdout=None, stderr_has=(), stderr_re=()):
        code, out, err = self.run(args)
        problems = []
        if code != status:
            problems.append("exit status %d, expected %d" % (code, status))
        if stdout is not None and out != stdout:
            problems.append("stdout %r, expected %r" % (out, stdout))
        for s in stderr_has:
            if s not in err:
                problems.append("stderr lacks %r" % s)
        for r in stderr_re:
            if not re.search(r, err):
                problems.append("stderr does not match /%s/" % r)
        if problems:
            self.failed += 1
            print("FAIL %s: wasmhttpd run %s" % (title, " ".join(args)))
            for p in problems:
                print("    " + p)
            if err:
                print("    stderr: " + err.strip().replace("\n", "\n            "))
        else:
            self.passed += 1
            print("ok   %s" % title)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wasmhttpd", required=True)
    ap.add_argument("--wat2wasm", required=True)
    opts = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="wasmhttpd-cli-") as tmp:
        t = Runner(opts.wasmhttpd, opts.wat2wasm, tmp)
        sum_ = t.build("sum")
        i64 = t.build("i64")
        flt = t.build("floats")
        multi = t.build("multi")
        trap = t.build("trap")
        imports = t.build("imports")

        # A sum of i32s; i32 arithmetic wraps modulo 2^32, results are signed.
        t.check("i32 sum", ["--invoke", "sum", sum_, "1", "2", "3"], OK, "6\n")
        t.check("i32 negative", ["--invoke", "sum", sum_, "-5", "2", "0"], OK, "-3\n")
        t.check("i32 unsigned arg wraps", ["--invoke", "sum", sum_, "4294967295", "1", "0"], OK,
                "0\n")
        t.check("i32 hex, overflow to min",
                ["--invoke", "sum", sum_, "0x7fffffff", "1", "0"], OK, "-2147483648\n")
        t.check("i32 out of range", ["--invoke", "sum", sum_, "4294967296", "0", "0"], USAGE,
                stderr_has=["4294967296", "i32"])

        # i64 extremes.
        t.check("i64 min", ["--invoke", "min", i64], OK, "-9223372036854775808\n")
        t.check("i64 max", ["--invoke", "max", i64], OK, "9223372036854775807\n")
        t.check("i64 all ones unsigned", ["--invoke", "id", i64, "18446744073709551615"], OK,
                "-1\n")
        t.check("i64 2^63 reads as min", ["--invoke", "id", i64, "9223372036854775808"], OK,
                "-9223372036854775808\n")
        t.check("i64 max + 1 wraps", ["--invoke", "add", i64, "9223372036854775807", "1"], OK,
                "-9223372036854775808\n")
        t.check("i64 hex", ["--invoke", "id", i64, "0xffffffffffffffff"], OK, "-1\n")
        t.check("i64 2^64 out of range", ["--invoke", "id", i64, "18446744073709551616"], USAGE,
                stderr_has=["i64"])

        # Floats.
        t.check("f32 1.5", ["--invoke", "f32", flt, "1.5"], OK, "1.5\n")
        t.check("f32 -0", ["--invoke", "f32", flt, "-0"], OK, "-0\n")
        t.check("f32 neg of 0 is -0", ["--invoke", "neg32", flt, "0"], OK, "-0\n")
        # 1/3 in f32 is 0.3333333432674408; 8 digits are the fewest that read back.
        t.check("f32 1/3", ["--invoke", "div32", flt, "1", "3"], OK, "0.33333334\n")
        # 2^24 + 1 is not an f32; it rounds to even, 2^24.
        t.check("f32 rounds 16777217", ["--invoke", "f32", flt, "16777217"], OK, "16777216\n")
        t.check("f32 1e10 no exponent", ["--invoke", "f32", flt, "1e10"], OK, "10000000000\n")
        t.check("f32 max", ["--invoke", "f32", flt, "3.4028234663852886e38"], OK,
                "34028235" + "0" * 31 + "\n")
        t.check("f32 0.1", ["--invoke", "f32", flt, "0.1"], OK, "0.1\n")
        t.check("f32 nan", ["--invoke", "f32", flt, "nan"], OK, "NaN\n")
        t.check("f32 -inf", ["--invoke", "f32", flt, "-inf"], OK, "-inf\n")
        t.check("f64 1/3", ["--invoke", "div64", flt, "1", "3"], OK, display_f64(1 / 3) + "\n")
        t.check("f64 0.1+0.2", ["--invoke", "add64", flt, "0.1", "0.2"], OK,
                "0.30000000000000004\n")
        t.check("f64 1/0", ["--invoke", "div64", flt, "1", "0"], OK, "inf\n")
        t.check("f64 -1/0", ["--invoke", "div64", flt, "-1", "0"], OK, "-inf\n")
        t.check("f64 0/0", ["--invoke", "div64", flt, "0", "0"], OK, "NaN\n")
        t.check("f64 -0", ["--invoke", "f64", flt, "-0"], OK, "-0\n")
        t.check("f64 integer", ["--invoke", "f64", flt, "100"], OK, "100\n")
        t.check("f64 1e21", ["--invoke", "f64", flt, "1e21"], OK, "1" + "0" * 21 + "\n")
        t.check("f64 max", ["--invoke", "f64", flt, "1.7976931348623157e308"], OK,
                display_f64(1.7976931348623157e308) + "\n")
        t.check("f64 min subnormal", ["--invoke", "f64", flt, "5e-324"], OK,
                "0." + "0" * 323 + "5\n")
        t.check("f64 hex float", ["--invoke", "f64", flt, "0x1.8p1"], OK, "3\n")
        t.check("f64 not a number", ["--invoke", "f64", flt, "1.5x"], USAGE,
                stderr_has=["1.5x", "f64"])

        # Multiple results, one per line; no results print nothing.
        t.check("multiple results", ["--invoke", "swap", multi, "7", "2.5"], OK, "2.5\n7\n")
        t.check("no results", ["--invoke", "none", multi], OK, "")

        # Traps.
        t.check("trap divide by zero", ["--invoke", "div", trap, "1", "0"], TRAP, "",
                stderr_has=["error: trap: integer divide by zero"])
        t.check("trap overflow", ["--invoke", "div", trap, "-2147483648", "-1"], TRAP, "",
                stderr_has=["error: trap: integer overflow"])
        t.check("trap unreachable", ["--invoke", "boom", trap], TRAP, "",
                stderr_has=["error: trap: unreachable"])
        t.check("out of fuel", ["--fuel", "1000", "--invoke", "spin", trap], TRAP, "",
                stderr_has=["error: trap: ", "fuel"])

        # Exports.
        t.check("missing export", ["--invoke", "nope", sum_], EXPORT, "",
                stderr_has=['no export named "nope"'])
        t.check("export not a function", ["--invoke", "mem", sum_], EXPORT, "",
                stderr_has=['"mem"', "memory, not a function"])

        # Imports are not provided: the first one is named.
        t.check("module with imports", ["--invoke", "f", imports], LINK, "",
                stderr_has=["imports.wasm imports env.foo (func), "
                            "which wasmhttpd run does not provide"])

        # Malformed: the version field, at byte 4, says 2 (spec 5.5.16: only 1).
        bad = os.path.join(tmp, "bad.wasm")
        with open(bad, "wb") as f:
            f.write(b"\0asm\x02\0\0\0")
        t.check("malformed version", ["--invoke", "f", bad], MODULE, "",
                stderr_has=["bad.wasm"], stderr_re=[r"\b0x0*4\b"])
        # Truncated: a type section (id 1 at byte 8) claims 5 bytes, 1 follows.
        cut = os.path.join(tmp, "cut.wasm")
        with open(cut, "wb") as f:
            f.write(b"\0asm\x01\0\0\0\x01\x05\x01")
        t.check("truncated section", ["--invoke", "f", cut], MODULE, "",
                stderr_has=["cut.wasm"], stderr_re=[r"\bbyte\b|\boffset\b"])
        t.check("missing file", ["--invoke", "f", os.path.join(tmp, "absent.wasm")], FILE, "",
                stderr_has=["absent.wasm"])

        # Arguments.
        t.check("too few arguments", ["--invoke", "sum", sum_, "1", "2"], USAGE, "",
                stderr_has=["sum takes 3 arguments (i32 i32 i32), got 2"])
        t.check("too many arguments", ["--invoke", "f64", flt, "1", "2"], USAGE, "",
                stderr_has=["takes 1 argument (f64), got 2"])
        t.check("unparsable argument", ["--invoke", "sum", sum_, "1", "2", "x3"], USAGE, "",
                stderr_has=['argument 3 of sum: cannot parse "x3" as i32'])
        t.check("no --invoke", [sum_], USAGE, stderr_has=["--invoke"])
        t.check("help", ["--help"], OK, stderr_has=())

    print("%d passed, %d failed" % (t.passed, t.failed))
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
