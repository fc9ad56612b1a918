#!/usr/bin/env python3
"""Serves the counter example components with `jco serve` (the reference
host) and checks what they answer, so that a change to counter.c or its
build that breaks them shows before the server's own tests do.

    check.py [--node NODE] [--curl CURL] --jco node_modules/.bin/jco --dir DIR_WITH_THE_WASM

jco serve has three modes, which stand in for wasmhttpd's two models:
  default                       one instance for the process: 1, 2, 3, ...
  --isolate-requests instance   a fresh instance per request: 1, 1, 1, ...
  --isolate-requests worker     a fresh worker per request; a trap there
                                costs the request, not the server
In the first two a trap ends the whole jco process (jco 1.35.0), so /trap
is sent last there. jco never calls `init`, so /init reports init=0.
"""
import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests",
                                "lib"))
import whtest

failures = []
CURL = None


def check(what, ok, detail=""):
    print(("ok    " if ok else "FAIL  ") + what + (f"  ({detail})" if detail else ""))
    if not ok:
        failures.append(what)


class Server(whtest.Server):
    """One `jco serve` in its own process group: jco starts a second node
    process for the component, and killing only the first leaves that one
    running."""

    def __init__(self, args, wasm, mode_args):
        port = whtest.free_port()
        cmd = [args.node, args.jco, "serve", "--host", "127.0.0.1", "--port", str(port)]
        cmd += mode_args + [os.path.join(args.dir, wasm)]
        super().__init__(cmd, port, what=f"jco serve {' '.join(mode_args)} {wasm}", within=90,
                         group=True)

    def get(self, path, timeout=30):
        """(status, body bytes), or (None, reason) when no response came."""
        status, _, body = self.try_request("GET", path, timeout=timeout)
        return status, body


def count_body(n):
    return f"Hello from WASM! ({n})\n".encode()


def check_echo(srv, label, size=10 * 1024 * 1024):
    """Through curl, because the client must read the echo while it is still
    sending: the guest streams, so a client that sends the whole body before
    reading (Python's http.client does) fills both directions' buffers and
    waits for ever, with the guest blocked in its write."""
    data = os.urandom(size)
    with tempfile.TemporaryDirectory() as tmp:
        sent, back = os.path.join(tmp, "sent"), os.path.join(tmp, "back")
        with open(sent, "wb") as f:
            f.write(data)
        t0 = time.monotonic()
        r = subprocess.run([CURL, "-s", "-m", "120", "--data-binary", "@" + sent, "-o", back,
                            "-w", "%{http_code}", f"http://127.0.0.1:{srv.port}/echo"],
                           capture_output=True, text=True)
        secs = time.monotonic() - t0
        got = open(back, "rb").read() if os.path.exists(back) else b""
    want = hashlib.sha256(data).hexdigest()
    check(f"{label}: /echo gives back {size} bytes intact",
          r.stdout == "200" and hashlib.sha256(got).hexdigest() == want,
          f"curl rc {r.returncode}, status {r.stdout}, {len(got)} bytes, {secs:.2f} s, "
          f"sha256 {want[:16]}... {'same' if hashlib.sha256(got).hexdigest() == want else 'DIFFERENT'}")


def check_trap(srv, label):
    status, got = srv.get("/trap", timeout=15)
    check(f"{label}: /trap answers no 200", status != 200,
          f"status {status}" if status else f"no response: {got}")
    time.sleep(1)
    print(f"note  {label}: after /trap jco serve is "
          + ("still running" if srv.proc.poll() is None else "gone"))
    return status


def shared(args):
    label = "stateful, jco serve default (one instance)"
    srv = Server(args, "counter-stateful.wasm", [])
    try:
        got = [srv.get("/") for _ in range(3)]
        check(f"{label}: / three times gives 1, 2, 3",
              got == [(200, count_body(n)) for n in (1, 2, 3)], repr(got))
        got = srv.get("/init")
        check(f"{label}: /init", got == (200, b"init=0 count=4\n"), repr(got))
        got = srv.get("/grow?mb=16")
        check(f"{label}: /grow?mb=16 then counts", got == (200, count_body(5)), repr(got))
        got = srv.get("/grow?mb=lots")
        check(f"{label}: /grow with a bad mb gives 400", got[0] == 400, repr(got))
        check_echo(srv, label)
        got = srv.get("/")
        check(f"{label}: every path counted", got == (200, count_body(8)), repr(got))
        check_trap(srv, label)
    finally:
        srv.stop()


def per_instance(args):
    label = "serverless, jco serve --isolate-requests instance"
    srv = Server(args, "counter-serverless.wasm", ["--isolate-requests", "instance"])
    try:
        got = [srv.get("/") for _ in range(3)]
        check(f"{label}: / three times gives 1, 1, 1", got == [(200, count_body(1))] * 3,
              repr(got))
        got = srv.get("/init")
        check(f"{label}: /init", got == (200, b"init=0 count=1\n"), repr(got))
        check_echo(srv, label)
        check_trap(srv, label)
    finally:
        srv.stop()


def per_worker(args):
    label = "serverless, jco serve --isolate-requests worker"
    srv = Server(args, "counter-serverless.wasm",
                 ["--isolate-requests", "worker", "--isolate-worker-pool-size", "2"])
    try:
        status = check_trap(srv, label)
        check(f"{label}: /trap gives a 5xx", status is not None and status >= 500,
              f"status {status}")
        got = srv.get("/")
        check(f"{label}: the server still answers after a trap", got == (200, count_body(1)),
              repr(got))
        status, got = srv.get("/loop", timeout=3)
        check(f"{label}: /loop does not answer within 3 s", status is None,
              f"status {status}" if status else f"no response: {got}")
    finally:
        srv.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--node", default="node")
    ap.add_argument("--jco", required=True)
    ap.add_argument("--dir", required=True, help="where counter-*.wasm are")
    ap.add_argument("--curl", default=shutil.which("curl"))
    args = ap.parse_args()
    global CURL
    CURL = args.curl
    if not CURL:
        print("check.py: needs curl", file=sys.stderr)
        return 1
    for run in (shared, per_instance, per_worker):
        run(args)
    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
