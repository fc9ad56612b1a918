#!/usr/bin/env python3
"""The unit's system call filter against what `serve` calls: the server is
run under `strace -f` on the serverless and the stateful counter (two
workers, the admin listener), given requests, scraped, drained with
SIGTERM; every system call it made must be allowed by the unit's
SystemCallFilter= lines (groups expanded by `systemd-analyze
syscall-filter`). A call outside them would fail with EPERM under systemd
(SystemCallErrorNumber=EPERM): a new libuv that uses io_uring, say.

  syscalls_test.py WASMHTTPD STRACE SYSTEMD_ANALYZE UNIT.in SERVERLESS.wasm STATEFUL.wasm
"""
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from whtest import HOST, Results, check, free_port, wait_port  # noqa: E402


def expand(analyze, name, seen):
    """The system calls of a group (@name, recursively) or the call itself."""
    if not name.startswith("@"):
        return {name}
    if name in seen:
        return set()
    seen.add(name)
    r = subprocess.run([analyze, "syscall-filter", name], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"systemd-analyze syscall-filter {name}: {r.stderr.strip()}")
    out = set()
    for line in r.stdout.splitlines()[1:]:
        w = line.strip()
        if w and not w.startswith("#"):
            out |= expand(analyze, w, seen)
    return out


def allowed_calls(analyze, unit):
    allowed = set()
    for line in open(unit, encoding="utf-8"):
        m = re.match(r"^SystemCallFilter=(.*)$", line.strip())
        if not m:
            continue
        for tok in m.group(1).split():
            if tok.startswith("~"):
                raise RuntimeError(f"deny lists are not handled here: {line.strip()}")
            allowed |= expand(analyze, tok, set())
    return allowed


CALL = re.compile(r"^\d+\s+(?:<\.\.\. )?([a-z_0-9]+)(?:\(| resumed>)")


def traced_calls(log):
    calls = set()
    for line in open(log, encoding="utf-8", errors="replace"):
        m = CALL.match(line)
        if m:
            calls.add(m.group(1))
    return calls


def get(port, path):
    import http.client
    c = http.client.HTTPConnection(HOST, port, timeout=10)
    c.request("GET", path)
    r = c.getresponse()
    r.read()
    c.close()
    return r.status


def run_traced(wasmhttpd, strace, component, tmp, name):
    """Serves component under strace; the set of calls, and what went wrong."""
    log = os.path.join(tmp, f"{name}.strace")
    port, admin = free_port(), free_port()
    out = open(os.path.join(tmp, f"{name}.log"), "w+")
    # LeakSanitizer cannot run under ptrace (it exits 1 at the end); leaks
    # are the other tests' business.
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0")
    tracer = subprocess.Popen([strace, "-f", "-qq", "-o", log, "--", wasmhttpd, "serve", "--addr",
                               f"{HOST}:{port}", "--admin", f"{HOST}:{admin}", "--workers", "2",
                               component], stdout=out, stderr=subprocess.STDOUT, env=env)
    problems = []
    try:
        if not wait_port(port, 120, tracer):
            out.seek(0)
            return set(), [f"the server did not listen: {out.read()[-2000:]}"]
        statuses = [get(port, "/") for _ in range(20)]
        statuses += [get(admin, p) for p in ("/metrics", "/readyz", "/instances")]
        if any(s != 200 for s in statuses):
            problems.append(f"statuses {statuses}")
        # The server is the tracer's child: SIGTERM to it, as systemd would.
        with open(f"/proc/{tracer.pid}/task/{tracer.pid}/children") as f:
            child = int(f.read().split()[0])
        os.kill(child, signal.SIGTERM)
        code = tracer.wait(60)
        if code != 0:
            out.seek(0)
            problems.append(f"exit status {code} after SIGTERM: {out.read()[-2000:]}")
    finally:
        if tracer.poll() is None:
            tracer.kill()
            tracer.wait()
        out.close()
    return traced_calls(log), problems


def main():
    wasmhttpd, strace, analyze, unit, serverless, stateful = sys.argv[1:7]
    results = Results()
    allowed = allowed_calls(analyze, unit)
    tmp = tempfile.mkdtemp()
    for name, comp in (("serverless", serverless), ("stateful", stateful)):
        @results.case(f"{name}: every system call serve made is in the unit's SystemCallFilter")
        def _():
            calls, problems = run_traced(wasmhttpd, strace, comp, tmp, name)
            check(not problems, "; ".join(problems))
            # The trace was read: a server makes these whatever it serves.
            for must in ("accept4", "epoll_wait", "write"):
                check(must in calls, f"{must} not among the {len(calls)} calls traced")
            outside = sorted(calls - allowed)
            check(not outside, f"outside the filter: {outside} (of {len(calls)} calls)")
            print(f"     {len(calls)} distinct calls, all allowed")
    for f in os.listdir(tmp):
        os.unlink(os.path.join(tmp, f))
    os.rmdir(tmp)
    print(f"{results['passed']} passed, {results['failed']} failed")
    return 1 if results["failed"] or not results["passed"] else 0


if __name__ == "__main__":
    sys.exit(main())
