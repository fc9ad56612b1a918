#!/usr/bin/env python3
"""Readiness for systemd (src/serve/sv_notify.c): `wasmhttpd serve` started
with NOTIFY_SOCKET naming a unix datagram socket this test listens on, as
systemd does for a unit of Type=notify.

The component's init waits 1.5 s per instance (init_slow.wat), so there is
a window in which the server is starting. While no notification has come,
the admin listener's /readyz is polled; it must answer 503 at least once
(the window was seen). Then:
  - READY=1 comes no sooner than init's 1.5 s after the start;
  - as soon as it comes, the main port answers a request and /readyz is 200;
  - it comes once, with a STATUS= line naming the address;
  - SIGTERM brings STOPPING=1, and the process exits 0.

  notify_test.py WASMHTTPD INIT_SLOW.wasm
"""
import http.client
import os
import select
import signal
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from whtest import HOST, Proc, Results, check, free_port, sanitizer_reports  # noqa: E402

INIT_SECONDS = 1.5


def get(port, path, timeout=5):
    """(status, body) of GET path, or (None, error) when nothing answers."""
    try:
        c = http.client.HTTPConnection(HOST, port, timeout=timeout)
        c.request("GET", path)
        r = c.getresponse()
        body = r.read().decode(errors="replace")
        c.close()
        return r.status, body
    except OSError as e:
        return None, str(e)


def messages(sock):
    """The datagrams waiting on sock, each as a list of its lines."""
    out = []
    while True:
        try:
            data = sock.recv(4096)
        except BlockingIOError:
            return out
        out.append(data.decode().split("\n"))


def main():
    wasmhttpd, component = sys.argv[1:3]
    results = Results()
    tmp = tempfile.mkdtemp()
    path = os.path.join(tmp, "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.setblocking(False)
    port, admin = free_port(), free_port()
    env = dict(os.environ, NOTIFY_SOCKET=path)
    start = time.monotonic()
    server = Proc([wasmhttpd, "serve", "--addr", f"{HOST}:{port}", "--admin", f"{HOST}:{admin}",
                   "--instance-model", "stateful", "--workers", "1", "--instances", "1",
                   "--timeout", "20s", component], env=env)
    got = []
    try:
        starting_seen = 0
        ready_at = None
        first_answer = readyz_after = None
        deadline = start + 30
        while time.monotonic() < deadline and server.proc.poll() is None:
            select.select([sock], [], [], 0.02)
            got += messages(sock)
            if any("READY=1" in m for m in got):
                ready_at = time.monotonic() - start
                # At once: the server must already answer.
                first_answer = get(port, "/")
                readyz_after = get(admin, "/readyz")
                break
            status, body = get(admin, "/readyz", timeout=1)
            if status == 503 and "starting" in body:
                starting_seen += 1

        @results.case("READY=1 arrives")
        def _():
            check(ready_at is not None,
                  f"no READY=1 within 30 s (messages {got}); log:\n{server.output()}")

        @results.case("/readyz said 503 starting while no READY=1 had come")
        def _():
            check(starting_seen > 0, "the starting window was never seen: /readyz never 503")

        @results.case(f"READY=1 not before init's {INIT_SECONDS} s")
        def _():
            check(ready_at is not None and ready_at >= INIT_SECONDS,
                  f"READY=1 after {ready_at} s")

        @results.case("the server answers as soon as READY=1 has come")
        def _():
            check(first_answer is not None and first_answer[0] is not None,
                  f"GET / after READY=1: {first_answer}")
            # init_slow's handle drops its response: the host answers 500.
            check(first_answer[0] == 500, f"GET / after READY=1: {first_answer}")
            check(readyz_after is not None and readyz_after[0] == 200,
                  f"/readyz after READY=1: {readyz_after}")

        @results.case("READY=1 once, with STATUS= naming the address")
        def _():
            ready = [m for m in got if "READY=1" in m]
            check(len(ready) == 1, f"READY=1 messages: {ready}")
            status = [line for line in ready[0] if line.startswith("STATUS=")]
            check(status and f"{HOST}:{port}" in status[0] and "stateful" in status[0],
                  f"STATUS line: {status}")

        server.proc.send_signal(signal.SIGTERM)
        stopping = False
        end = time.monotonic() + 10
        while time.monotonic() < end and not stopping:
            select.select([sock], [], [], 0.1)
            new = messages(sock)
            got += new
            stopping = any("STOPPING=1" in m for m in new)
        try:
            code = server.proc.wait(30)
        except Exception:  # noqa: BLE001
            code = None

        @results.case("SIGTERM: STOPPING=1, then exit 0")
        def _():
            check(stopping, f"no STOPPING=1 within 10 s of SIGTERM (messages {got})")
            check(code == 0, f"exit status {code}; log:\n{server.output()}")
            check(sum("READY=1" in m for m in got) == 1, f"READY=1 again: {got}")

        @results.case("no sanitizer report")
        def _():
            bad = sanitizer_reports(server.output())
            check(not bad, f"{bad}:\n{server.output()}")
    finally:
        server.stop()
        sock.close()
        os.unlink(path)
        os.rmdir(tmp)
    print(f"{results['passed']} passed, {results['failed']} failed")
    return 1 if results["failed"] or not results["passed"] else 0


if __name__ == "__main__":
    sys.exit(main())
