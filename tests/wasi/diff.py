#!/usr/bin/env python3
"""Differential tests of `wasmhttpd run COMPONENT`: small C programs
(programs/*.c), each built natively (NAME.native) and as a wasi:cli/command
component (NAME.wasm, wasi-libc + the preview1 command adapter), run on both
sides with the same arguments, environment, stdin and a fresh copy of the
same directory tree; their stdout, exit status, stderr (where meaningful) and
the tree they leave behind must agree.

  diff.py --side ours --programs DIR --wasmhttpd PATH [-k PATTERN] [-j N]
      the component under `wasmhttpd run`
  diff.py --side ref --programs DIR [--jco PATH] [--node PATH] [-k PATTERN]
      the component under `jco run` (jco's own runner on preview2-shim),
      to check the programs and the expectations without wasmhttpd

Kinds of case:
  diff    native and component must agree (stdout, exit status as the case
          states it for each side, stderr unless told otherwise, the tree)
  expect  no native counterpart (the sandbox, read-only preopens): the case
          states the component's stdout, and the tree must be left as it was
  fail    the guest traps, loops or runs out of memory: a failure status
          below 128 (a message, not a crash or a signal), a message on
          stderr, and, where given, the stdout printed before
Expectations are written from what the programs do and what WASI and
docs/wasi.md specify, never recorded from a run.

The native run's working directory is the tree's root, so "rw/x" names the
same file natively and in the guest, whose preopens are subdirectories of
that root under their own names. The guest host's working directory is an
empty directory elsewhere, so nothing resolves through it by accident.
Prints one line per case, then "N passed, N failed"; exit status 1 when a
case failed.
"""
import argparse
import concurrent.futures
import difflib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT = os.path.dirname(os.path.dirname(HERE))
REF_SETUP = os.path.join(HERE, "programs", "ref_setup.mjs")

DIR = object()  # a directory in a tree spec


def link(target):
    """A symbolic link in a tree spec; "{ROOT}" is the side's root."""
    return ("link", target)


class Case:
    def __init__(self, name, prog, args=(), kind="diff", env=None, stdin=b"", tree=None,
                 preopens=(), guest_args=None, cwd=".", exit=0, stdout=None, stderr="same",
                 error_re=None, opts=(), opts_needed=True, ref=None, ref_stdout=None,
                 check=None, timeout=60, max_seconds=None, known=None):
        self.name, self.prog, self.args, self.kind = name, prog, list(args), kind
        self.env = env or {}
        self.stdin = stdin          # bytes through a pipe, or None for /dev/null
        self.tree = tree or {}      # {relative path: DIR | str | bytes | link(...)}
        # (host path under the root, guest name or None for none given, writable)
        self.preopens = list(preopens)
        self.guest_args = guest_args    # the component's arguments, where they differ
        self.cwd = cwd              # the native run's directory, under the root
        # the exit status: one value for both sides, or (native, component)
        self.exit = exit if isinstance(exit, tuple) else (exit, exit)
        self.stdout = stdout        # expected stdout ("expect", and "fail" where given)
        self.stderr = stderr        # "same" (native == component), "ignore"
        self.error_re = error_re    # "fail": stderr must match (case-insensitive)
        self.opts = list(opts)      # options for `wasmhttpd run` only
        self.opts_needed = opts_needed  # False: jco runs the case without them
        self.ref = ref              # ("skip" | "jco-bug", why) on the ref side
        self.ref_stdout = ref_stdout    # "expect": what jco prints instead, and why
        self.check = check          # check(stdout text) -> error text or None
        self.timeout = timeout      # seconds before the runner kills a run
        self.max_seconds = max_seconds  # "fail": the host must stop the guest sooner
        # (what, why): a problem in the guest's own toolchain (wasi-libc, the
        # preview1 adapter) that shows on both sides, whatever the host
        self.known = known


# ---- trees ----

RW = [("rw", "rw", True)]
RW_RO = [("rw", "rw", True), ("ro", "ro", False)]

FILES_TREE = {"rw": DIR, "rw/keep.txt": "kept\n"}

RO_TREE = {
    "rw": DIR,
    "ro": DIR,
    "ro/data.txt": "data\n",
    "ro/sub": DIR,
    "ro/sub/n.txt": "n\n",
    "ro/empty": DIR,
    "ro/inlink": link("data.txt"),
}

SANDBOX_TREE = {
    "secret": "SECRET\n",
    "rw": DIR,
    "rw/inside.txt": "inside\n",
    "rw/sub": DIR,
    "rw/link_in": link("sub/../inside.txt"),
    "rw/link_out": link("../secret"),
    "rw/link_abs": link("{ROOT}/secret"),
    "rw/link_up": link(".."),
}


def lines(fmt, rows):
    return "".join((fmt % row) + "\n" for row in rows)


# rofs write: every change through the read-only preopen fails with
# `read-only`, which the preview1 adapter and wasi-libc report as EROFS; a
# descriptor opened for reading refuses writes and set-size as
# bad-descriptor (EBADF), as docs/wasi.md says.
ROFS_WRITE = lines("%-36s %s", [
    ("create ro/new.txt", "EROFS"),
    ("create ro/sub/new.txt", "EROFS"),
    ("open ro/data.txt O_WRONLY", "EROFS"),
    ("open ro/data.txt O_RDWR", "EROFS"),
    ("open ro/data.txt O_WRONLY|O_APPEND", "EROFS"),
    ("open ro/data.txt O_WRONLY|O_TRUNC", "EROFS"),
    ("truncate ro/data.txt", "EROFS"),
    ("mkdir ro/newdir", "EROFS"),
    ("rmdir ro/empty", "EROFS"),
    ("unlink ro/data.txt", "EROFS"),
    ("unlink ro/inlink", "EROFS"),
    ("rename within ro", "EROFS"),
    ("rename ro -> rw", "EROFS"),
    ("rename rw -> ro", "EROFS"),
    ("symlink in ro", "EROFS"),
    ("link ro/data.txt -> ro/hard", "EROFS"),
    ("link ro/data.txt -> rw/hard", "EROFS"),
    ("open ro/data.txt O_RDONLY", "ok"),
    ("write to it", "EBADF"),
    ("ftruncate it", "EBADF"),
    ("read 1 byte", "ok"),
    ("unlink rw/w.txt", "ok"),
])

# sandbox: staying beneath works; every way out is `not-permitted` (EPERM),
# including readlink of an absolute target (docs/wasi.md); an absolute host
# path never reaches the host file.
SANDBOX_ROWS = [
    ("open inside.txt", 'read "inside\\x0a"'),
    ("open sub/../inside.txt", 'read "inside\\x0a"'),
    ("open link_in", 'read "inside\\x0a"'),
    ("open ../secret", "EPERM"),
    ("open sub/../../secret", "EPERM"),
    ("open link_out", "EPERM"),
    ("open link_abs", "EPERM"),
    ("open link_up/secret", "EPERM"),
    ("stat ../secret", "EPERM"),
    ("stat link_out", "EPERM"),
    ("lstat link_out (the link itself)", "ok"),
    ("opendir ..", "EPERM"),
    ("mkdir ../escaped", "EPERM"),
    ("create ../escaped.txt", "EPERM"),
    ("create through link_up", "EPERM"),
    ("unlink ../secret", "EPERM"),
    ("rename inside.txt -> ../moved", "EPERM"),
    ("symlink to an absolute path", "EPERM"),
    ("symlink to ../secret (text only)", "ok"),
    ("open new_rel", "EPERM"),
    ("unlink new_rel (the link)", "ok"),
    ("readlink link_abs", "EPERM"),
    ("readlink link_out", 'ok "../secret"'),
    ("open sub O_DIRECTORY", "ok"),
    ("openat(sub, ../inside.txt)", "EPERM"),
    ("fstatat(sub, ..)", "EPERM"),
    ("openat(sub, .)", "ok"),
    ("open the absolute host path", "failed"),
]
SANDBOX = lines("%-32s %s", SANDBOX_ROWS)
# preview2-shim's readlink-at returns an absolute target as it is.
SANDBOX_JCO = lines("%-32s %s", [(l, "ok" if l == "readlink link_abs" else r)
                                 for l, r in SANDBOX_ROWS])


def oom_within(limit_mib):
    """The guest started, and if it printed what it got before malloc
    failed, that is within the limit (a host may trap instead)."""
    def check(out):
        m = re.fullmatch(r"allocating 1 MiB blocks\n(allocated (\d+) MiB\n)?", out)
        if not m:
            return "stdout is not the start line and at most a total: %r" % out[:200]
        if m.group(2) and int(m.group(2)) > limit_mib:
            return "allocated %s MiB under a %d MiB limit" % (m.group(2), limit_mib)
        return None
    return check


STDIN_1MIB = random.Random(1).randbytes(1 << 20)

CASES = [
    # arguments (argv[0] is the host's choice and not printed)
    Case("args_none", "args"),
    Case("args_basic", "args", ["one", "two words", ""]),
    Case("args_utf8", "args", ["\u00e9\u20ac\U0001F600", "tab\there", "new\nline"]),
    Case("args_optionlike", "args", ["--dir", "/", "--env", "X=1", "-h", "--", "--fuel", "1"]),
    Case("args_many", "args", ["a%d" % i for i in range(300)] + ["x" * 10000]),

    # environment: only what --env gives, nothing of the host's own
    Case("env_none", "env", ["PATH", "HOME", "WASI_DIFF_MARKER"]),
    Case("env_some", "env", ["A", "EQ", "UTF", "MISSING"],
         env={"A": "1", "EQ": "x=y=z", "UTF": "\u00e9\u20ac", "SPACE": "a b"}),
    # The Canonical ABI calls cabi_realloc for every string, also an empty
    # one; the preview1 adapter's environ_get lays out KEY=VALUE\0 through
    # those calls.
    Case("env_empty_value", "env", ["EMPTY", "B"], env={"EMPTY": "", "B": "2", "Z": ""},
         ref=("jco-bug", "jco lowers an empty string without calling cabi_realloc, so the "
              "adapter runs the next variable into the empty value")),
    Case("env_many", "env", env={"V%03d" % i: "value %d" % i for i in range(200)}),

    # stdin -> stdout
    Case("stdin_empty", "cat", stdin=b""),
    Case("stdin_devnull", "cat", stdin=None),
    Case("stdin_text", "cat", stdin=b"hello\nworld\n\x00binary\xff\n"),
    Case("stdin_1mib_count", "cat", ["static", "count"], stdin=STDIN_1MIB),
    Case("stdin_1mib_echo", "cat", ["static"], stdin=STDIN_1MIB,
         ref=("jco-bug", "jco run may exit before a large stdout is written out: the output "
              "is cut short at a random point with exit 0 (flaky)")),
    # memory grows between reads
    Case("stdin_1mib_heap", "cat", stdin=STDIN_1MIB,
         known=("adapter", "after >100 KiB of stdin is read into memory grown after the start, "
                "jco 1.35's preview1 command adapter fails an assertion (adapter line 2857), "
                "under jco run and wasmhttpd run alike; the static-buffer case passes")),

    # stdout and stderr
    Case("stdio_both", "stdio", ["both"]),
    Case("stdio_nonl", "stdio", ["nonl"]),
    Case("stdio_big", "stdio", ["big", "200000"],
         ref=("jco-bug", "jco run may exit before a large stdout is written out (as in "
              "stdin_1mib_echo; flaky)")),
    Case("stdio_isatty", "stdio", ["isatty"],
         ref=("jco-bug", "preview2-shim reports every stdio stream as a terminal")),

    # exit status. The preview1 command adapter reports any non-zero status
    # to the host as wasi:cli/exit.exit(err), which is status 1.
    Case("exit_0", "exitcode", ["exit0"]),
    Case("exit_3", "exitcode", ["exit3"], exit=(3, 1)),
    Case("exit_ret42", "exitcode", ["ret42"], exit=(42, 1)),
    Case("exit_unflushed", "exitcode", ["exit1-unflushed"], exit=1),
    # abort() is `unreachable` in wasi-libc: a trap, not SIGABRT
    Case("exit_abort", "exitcode", ["abort"], kind="fail", stdout="mode abort\n"),

    # clocks and randomness (yes/no answers)
    Case("clocks", "clocks", ["{NOW}"]),
    Case("random", "random"),

    # files in a writable preopen
    Case("files", "files", ["rw"], tree=FILES_TREE, preopens=RW),
    # the same under an absolute guest name
    Case("files_guest_abs_name", "files", ["rw"], guest_args=["/data/rw"], tree=FILES_TREE,
         preopens=[("rw", "/data/rw", True)]),
    # the same with no ::GUEST: the guest name is the host path itself
    Case("files_default_guest_name", "files", ["rw"], guest_args=["{ROOT}/rw"],
         tree=FILES_TREE, preopens=[("rw", None, True)]),
    # the same with the preopen named "." (the native run starts inside it)
    Case("files_dot_preopen", "files", ["."], tree=FILES_TREE, preopens=[("rw", ".", True)],
         cwd="rw"),

    Case("times", "times", ["rw"], tree={"rw": DIR}, preopens=RW,
         known=("wasi-libc", "Debian 12's wasi-libc (2022-05) refuses UTIME_NOW/UTIME_OMIT in "
                "futimens/utimensat with EINVAL before calling the host, and sets 1970 for "
                "NULL times; tests/wasi/fs/fs_basic.c checks set-times through __wasi_* calls")),

    # a read-only preopen
    Case("rofs_read", "rofs", ["read"], tree=RO_TREE, preopens=RW_RO),
    Case("rofs_write", "rofs", ["write"], kind="expect", tree=RO_TREE, preopens=RW_RO,
         stdout=ROFS_WRITE, ref=("skip", "jco run has no read-only preopens")),

    # the sandbox
    Case("sandbox", "sandbox", ["rw", "{ROOT}/secret"], kind="expect", tree=SANDBOX_TREE,
         preopens=RW, stdout=SANDBOX,
         ref_stdout=(SANDBOX_JCO, "preview2-shim's readlink returns an absolute target")),

    # guests that fail: a clean failure status and a message, never a crash
    Case("trap", "trap", kind="fail", stdout="before the trap\n"),
    Case("deeprec_10000", "deeprec", ["10000"]),
    Case("deeprec_unbounded", "deeprec", kind="fail", stdout="recursing\n"),
    Case("spin_fuel", "spin", kind="fail", stdout="spinning\n", opts=["--fuel", "100000000"],
         error_re="fuel", timeout=120, ref=("skip", "jco run has no --fuel")),
    Case("spin_timeout", "spin", kind="fail", stdout="spinning\n", opts=["--timeout", "500ms"],
         error_re="time", max_seconds=15, ref=("skip", "jco run has no --timeout")),
    Case("oom_within_limit", "oom", ["8"], opts=["--max-memory", str(64 << 20)],
         opts_needed=False),
    Case("oom_limit", "oom", kind="fail", opts=["--max-memory", str(32 << 20)],
         check=oom_within(32), ref=("skip", "jco run has no --max-memory")),

    # limits that are not reached change nothing
    Case("limits_not_reached", "files", ["rw"], tree=FILES_TREE, preopens=RW,
         opts=["--fuel", "100000000000", "--timeout", "120s",
               "--max-memory", str(256 << 20)], opts_needed=False),
]


# ---- running ----

class Run:
    def __init__(self, rc, out, err, seconds, timed_out):
        self.rc, self.out, self.err, self.seconds, self.timed_out = rc, out, err, seconds, timed_out


def run(cmd, cwd, env, stdin, timeout):
    """Runs cmd in its own process group, so that on a timeout the whole
    group goes (jco run starts a second node process)."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, cwd=cwd, env=env, start_new_session=True,
                         stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = p.communicate(stdin, timeout=timeout)
        return Run(p.returncode, out, err, time.monotonic() - t0, False)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, err = p.communicate()
        return Run(None, out or b"", err or b"", time.monotonic() - t0, True)


def subst(s, root, now):
    return s.replace("{ROOT}", root).replace("{NOW}", str(now))


def make_tree(root, tree):
    os.makedirs(root)
    for rel in sorted(tree):
        path = os.path.join(root, rel)
        v = tree[rel]
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if v is DIR:
            os.makedirs(path, exist_ok=True)
        elif isinstance(v, tuple):
            os.symlink(subst(v[1], root, 0), path)
        else:
            with open(path, "wb") as f:
                f.write(v.encode() if isinstance(v, str) else v)


def snapshot(root):
    """{relative path: ("d",) | ("f", bytes) | ("l", target) | ("?",)}, without
    following links; a link target naming the root is written with {ROOT}."""
    out = {}

    def walk(d, rel):
        for e in sorted(os.scandir(d), key=lambda e: e.name):
            r = rel + e.name
            if e.is_symlink():
                out[r] = ("l", os.readlink(e.path).replace(root, "{ROOT}"))
            elif e.is_dir():
                out[r] = ("d",)
                walk(e.path, r + "/")
            elif e.is_file():
                with open(e.path, "rb") as f:
                    out[r] = ("f", f.read())
            else:
                out[r] = ("?",)
    walk(root, "")
    return out


def tree_diff(want, got, want_name, got_name):
    msgs = []
    for k in sorted(set(want) | set(got)):
        a, b = want.get(k), got.get(k)
        if a == b:
            continue
        def show(v):
            if v is None:
                return "absent"
            if v[0] == "f":
                return "file of %d bytes" % len(v[1])
            if v[0] == "l":
                return "link -> %s" % v[1]
            return {"d": "directory"}.get(v[0], "other")
        if a and b and a[0] == "f" and b[0] == "f":
            msgs.append("%s: contents differ (%s %d bytes, %s %d bytes)" %
                        (k, want_name, len(a[1]), got_name, len(b[1])))
        else:
            msgs.append("%s: %s %s, %s %s" % (k, want_name, show(a), got_name, show(b)))
    return msgs


def text_diff(want, got, want_name, got_name, limit=30):
    if len(want) > 65536 or len(got) > 65536:
        # large output: where it departs, not a line diff
        i = next((k for k in range(min(len(want), len(got))) if want[k] != got[k]),
                 min(len(want), len(got)))
        return ["  %s %d bytes, %s %d bytes, first difference at byte %d" %
                (want_name, len(want), got_name, len(got), i)]
    a = want.decode("utf-8", "backslashreplace").splitlines(keepends=True)
    b = got.decode("utf-8", "backslashreplace").splitlines(keepends=True)
    d = list(difflib.unified_diff(a, b, want_name, got_name, n=1))
    if len(d) > limit:
        d = d[:limit] + ["... (%d more diff lines)\n" % (len(d) - limit)]
    return ["  " + l.rstrip("\n") for l in d] or ["  (differ only in line endings)"]


def status(r):
    if r.timed_out:
        return "killed by the runner after %.0f s" % r.seconds
    if r.rc < 0:
        return "signal %d" % -r.rc
    return "exit %d" % r.rc


class Runner:
    def __init__(self, a):
        self.a = a
        self.programs = os.path.abspath(a.programs)
        self.marker_env = dict(os.environ, WASI_DIFF_MARKER="the host's own environment")

    def component_cmd(self, case, root, args):
        wasm = os.path.join(self.programs, case.prog + ".wasm")
        if self.a.side == "ours":
            cmd = [self.a.wasmhttpd, "run"]
            for host, guest, writable in case.preopens:
                hp = os.path.join(root, host)
                cmd += ["--dir-rw" if writable else "--dir",
                        hp if guest is None else "%s::%s" % (hp, guest)]
            for k in sorted(case.env):
                cmd += ["--env", "%s=%s" % (k, case.env[k])]
            cmd += case.opts
            return cmd + [wasm] + args, self.marker_env
        cfg = {
            "jco": self.jco_pkg,
            "argv0": case.prog,
            "env": case.env,
            "preopens": [[os.path.join(root, host) if guest is None else guest,
                          os.path.join(root, host)] for host, guest, _ in case.preopens],
        }
        env = dict(self.marker_env, WASI_DIFF_REF=json.dumps(cfg))
        return [self.a.node, self.jco_js, "run", "--jco-import", REF_SETUP, wasm] + args, env

    def check(self, case, tmp):
        """Runs one case in tmp; returns (verdict, [detail lines]) with
        verdict "PASS" or "FAIL"."""
        side = self.a.side
        now = int(time.time())
        errs = []
        for f in [case.prog + ".wasm"] + ([case.prog + ".native"] if case.kind == "diff" else []):
            if not os.path.exists(os.path.join(self.programs, f)):
                return "FAIL", ["%s is missing in %s (not built?)" % (f, self.programs)]

        # the component
        croot = os.path.join(tmp, "guest", "root")
        make_tree(croot, case.tree)
        before = snapshot(croot)
        hostcwd = os.path.join(tmp, "guest", "cwd")
        os.makedirs(hostcwd)
        cargs = [subst(x, croot, now) for x in (case.guest_args or case.args)]
        cmd, env = self.component_cmd(case, croot, cargs)
        c = run(cmd, hostcwd, env, case.stdin, case.timeout)
        got_tree = snapshot(croot)
        cname = "wasmhttpd" if side == "ours" else "jco"

        if c.timed_out:
            errs.append("%s: %s" % (cname, status(c)))

        if case.kind == "diff":
            nroot = os.path.join(tmp, "native", "root")
            make_tree(nroot, case.tree)
            nargs = [subst(x, nroot, now) for x in case.args]
            n = run([os.path.join(self.programs, case.prog + ".native")] + nargs,
                    os.path.join(nroot, case.cwd), case.env, case.stdin, case.timeout)
            if n.timed_out or n.rc != case.exit[0]:
                errs.append("native: %s, the case expects exit %d" % (status(n), case.exit[0]))
            if not c.timed_out and c.rc != case.exit[1]:
                errs.append("%s: %s, the case expects exit %d" % (cname, status(c), case.exit[1]))
            if n.out != c.out:
                errs.append("stdout differs:")
                errs += text_diff(n.out, c.out, "native", cname)
            if case.stderr == "same" and n.err != c.err:
                errs.append("stderr differs:")
                errs += text_diff(n.err, c.err, "native", cname)
            ntree = snapshot(nroot)
            # a link target naming the root names each side's own root
            errs += tree_diff(ntree, got_tree, "native", cname)
        elif case.kind == "expect":
            want = case.stdout
            if side == "ref" and case.ref_stdout:
                want = case.ref_stdout[0]
            if not c.timed_out and c.rc != case.exit[1]:
                errs.append("%s: %s, the case expects exit %d" % (cname, status(c), case.exit[1]))
            if c.out != want.encode():
                errs.append("stdout is not what the case expects:")
                errs += text_diff(want.encode(), c.out, "expected", cname)
            if case.stderr == "same" and c.err:
                errs.append("stderr is not empty:")
                errs += ["  " + l for l in c.err.decode("utf-8", "replace").splitlines()[:10]]
            errs += tree_diff(before, got_tree, "before", "after")
        else:  # fail
            if not c.timed_out:
                if c.rc == 0:
                    errs.append("%s: exit 0, the case expects a failure" % cname)
                elif c.rc < 0 or c.rc >= 128:
                    errs.append("%s: %s: a crash or a signal, not a failure status" %
                                (cname, status(c)))
            if not c.err.strip():
                errs.append("%s: nothing on stderr" % cname)
            elif case.error_re and not re.search(case.error_re, c.err.decode("utf-8", "replace"),
                                                 re.I):
                errs.append("stderr does not match /%s/: %s" %
                            (case.error_re, c.err.decode("utf-8", "replace").strip()[:300]))
            if case.stdout is not None and c.out != case.stdout.encode():
                errs.append("stdout is not what the case expects:")
                errs += text_diff(case.stdout.encode(), c.out, "expected", cname)
            if case.max_seconds and c.seconds > case.max_seconds:
                errs.append("%s took %.1f s to stop the guest (at most %d s)" %
                            (cname, c.seconds, case.max_seconds))
            errs += tree_diff(before, got_tree, "before", "after")
        if case.check:
            e = case.check(c.out.decode("utf-8", "replace"))
            if e:
                errs.append(e)
        return ("FAIL" if errs else "PASS"), errs

    def one(self, case):
        side = self.a.side
        if side == "ref" and case.ref and case.ref[0] == "skip":
            return "SKIP", ["ref side: %s" % case.ref[1]]
        if side == "ref" and case.opts and case.opts_needed:
            return "SKIP", ["ref side: jco run has no %s" % " ".join(case.opts[::2])]
        tmp = tempfile.mkdtemp(prefix="wasi-diff-%s-" % case.name)
        try:
            verdict, errs = self.check(case, tmp)
        except Exception as e:  # a broken runner is a failure, not a crash
            verdict, errs = "FAIL", ["runner error: %r" % e]
        finally:
            if self.a.keep:
                errs = errs + ["kept %s" % tmp]
            else:
                shutil.rmtree(tmp, ignore_errors=True)
        if case.known:
            if verdict == "FAIL":
                return "XFAIL", ["known %s problem: %s" % case.known] + \
                    (errs if self.a.verbose else [])
            return "PASS", ["(the known %s problem did not show: %s)" % case.known]
        if side == "ref" and case.ref and case.ref[0] == "jco-bug":
            if verdict == "FAIL":
                return "XFAIL", ["known jco problem: %s" % case.ref[1]] + \
                    (errs if self.a.verbose else [])
            return "PASS", ["(the known jco problem did not show: %s)" % case.ref[1]]
        if verdict == "PASS" and side == "ref" and case.ref_stdout:
            errs = ["(jco's expected stdout differs: %s)" % case.ref_stdout[1]]
        return verdict, errs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--side", choices=["ours", "ref"], required=True)
    ap.add_argument("--programs", required=True,
                    help="the directory with NAME.native and NAME.wasm")
    ap.add_argument("--wasmhttpd", help="the wasmhttpd binary (--side ours)")
    ap.add_argument("--jco", default=os.path.join(PROJECT, "node_modules", ".bin", "jco"),
                    help="jco's command (--side ref; default: the project's node_modules)")
    ap.add_argument("--node", default=shutil.which("node") or "node",
                    help="node (--side ref)")
    ap.add_argument("-k", dest="patterns", action="append", default=[],
                    help="run only cases whose name contains this (repeatable)")
    ap.add_argument("-j", dest="jobs", type=int, default=1, help="cases run at once")
    ap.add_argument("--keep", action="store_true", help="keep each case's directory")
    ap.add_argument("--list", action="store_true", help="list the cases and stop")
    ap.add_argument("-v", dest="verbose", action="store_true",
                    help="details also for known jco problems")
    a = ap.parse_args()

    cases = [c for c in CASES if not a.patterns or any(p in c.name for p in a.patterns)]
    if a.list:
        for c in cases:
            print("%-22s %-6s %s %s" % (c.name, c.kind, c.prog, " ".join(c.args)))
        return 0
    if not cases:
        print("no case matches %s" % a.patterns)
        return 1
    r = Runner(a)
    if a.side == "ours":
        if not a.wasmhttpd or not os.access(a.wasmhttpd, os.X_OK):
            ap.error("--side ours needs --wasmhttpd PATH to an executable (got %r)" % a.wasmhttpd)
        a.wasmhttpd = os.path.abspath(a.wasmhttpd)
    else:
        jco = os.path.realpath(a.jco)
        if not os.path.exists(jco):
            ap.error("--side ref needs jco: %s does not exist (run scripts/install-deps.sh)"
                     % a.jco)
        r.jco_js = jco
        # node_modules/@bytecodealliance/jco/dist/jco.js -> the package directory
        r.jco_pkg = os.path.dirname(os.path.dirname(jco))
        if not shutil.which(a.node):
            ap.error("--side ref needs node (%s not found)" % a.node)

    counts = {"PASS": 0, "FAIL": 0, "SKIP": 0, "XFAIL": 0}
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
        futures = [ex.submit(r.one, c) for c in cases]
        for c, fut in zip(cases, futures):
            verdict, details = fut.result()
            counts[verdict] += 1
            print("%-5s %s" % (verdict, c.name), flush=True)
            for d in details:
                print("      " + d, flush=True)
    extra = []
    if counts["SKIP"]:
        extra.append("%d skipped on this side" % counts["SKIP"])
    if counts["XFAIL"]:
        extra.append("%d known problems outside the host (listed above)" % counts["XFAIL"])
    if extra:
        print("(%s)" % ", ".join(extra))
    print("%d passed, %d failed" % (counts["PASS"], counts["FAIL"]))
    return 1 if counts["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())
