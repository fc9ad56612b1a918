#!/usr/bin/env python3
"""The server out of file descriptors, over loopback: hx_test_server runs
under `prlimit --nofile=64:64` and gets more idle connections than that.
It must say so in its log (one line a second at most, with the count of
refused connections), answer each connection it cannot hold with 503 and
close it, keep serving the connections it holds, not spin (little CPU
while the condition lasts and clients keep coming), and accept again once
the idle connections are gone. The pause taken when not even a 503 can be
sent is tested in test_hx_accept.c.

Standard library and prlimit (util-linux); traffic to 127.0.0.1 only.
Usage:
    fd_test.py --server PATH
"""
import argparse
import os
import re
import select
import shutil
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from whtest import Reader, Server, check, connect, free_port, sanitizer_reports, wait_for  # noqa: E402

LIMIT = 64
IDLE = 100
GOOD = b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
LINE = re.compile(r"out of file descriptors \(EMFILE\): refused (\d+), paused (\d+), open (\d+)")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def hello(sock):
    sock.sendall(GOOD)
    r = Reader(sock).response()
    check((r.status, r.body) == (200, b"hello world\n"), f"GET /hello: {r.status} {r.body!r}")


def sort_out(socks, wait=3):
    """Which of socks the server refused (a 503, then its close) and which
    it holds (nothing to read). Each refused one is closed here."""
    refused, held = 0, []
    end = time.monotonic() + wait
    pending = list(socks)
    while pending and time.monotonic() < end:
        ready, _, _ = select.select(pending, [], [], 0.2)
        for s in ready:
            pending.remove(s)
            data = b""
            s.settimeout(5)
            try:
                while True:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    data += chunk
            except (ConnectionResetError, TimeoutError, OSError):
                pass
            check(data.startswith(b"HTTP/1.1 503 Service Unavailable\r\n")
                  and b"Connection: close\r\n" in data, f"a refused connection got {data!r}")
            refused += 1
            s.close()
        if not ready and refused:
            break  # the rest stay quiet: held
    held = pending
    return refused, held


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    a = ap.parse_args()
    prlimit = shutil.which("prlimit")
    if not prlimit:
        print("FAIL: prlimit (Debian util-linux) was not found")
        return 1
    port = free_port()
    srv = Server([prlimit, f"--nofile={LIMIT}:{LIMIT}", a.server, "--port", str(port),
                  "--header-timeout", "60000", "--idle-timeout", "60000"], port,
                 what="hx_test_server")
    ok = False
    try:
        first = connect(port)
        hello(first)
        t0 = time.monotonic()

        # More idle connections than descriptors: the server holds what it
        # can and refuses the rest.
        socks = [connect(port) for _ in range(IDLE)]
        check(wait_for(lambda: LINE.search(srv.output()), 5),
              f"no line about descriptors in the log: {srv.output()!r}")
        refused, held = sort_out(socks)
        print(f"    {IDLE} idle connections under --nofile={LIMIT}: {len(held)} held, "
              f"{refused} refused with 503")
        check(refused + len(held) == IDLE and refused >= IDLE - LIMIT and len(held) >= LIMIT // 2,
              f"held {len(held)}, refused {refused}")

        # The connection held from before is still served.
        hello(first)

        # More clients while descriptors are out: each refused, at little cost.
        cpu0, w0 = cpu_seconds(srv.proc.pid), time.monotonic()
        more = []
        for _ in range(4):
            more += [connect(port) for _ in range(10)]
            time.sleep(0.25)
        more_refused, more_held = sort_out(more)
        check(more_refused == len(more) and not more_held,
              f"while out of descriptors: {more_refused} of {len(more)} refused")
        cpu = cpu_seconds(srv.proc.pid) - cpu0
        wall = time.monotonic() - w0
        print(f"    server CPU over {wall:.1f} s out of descriptors: {cpu:.2f} s")
        check(cpu < 0.3 * wall, f"the server used {cpu:.2f} s of CPU in {wall:.1f} s")

        # The log: at most a line a second, and every refusal counted.
        check(wait_for(lambda: sum(int(m.group(1)) for m in LINE.finditer(srv.output()))
                       == refused + more_refused, 3),
              f"refusals in the log differ from {refused + more_refused}: {srv.output()!r}")
        lines = LINE.findall(srv.output())
        elapsed = time.monotonic() - t0
        print(f"    {len(lines)} log lines in {elapsed:.1f} s")
        check(len(lines) <= elapsed + 1, f"{len(lines)} lines in {elapsed:.1f} s")

        # The idle connections go: new ones are accepted again.
        for s in held:
            s.close()
        time.sleep(0.5)
        for _ in range(3):
            k = connect(port)
            hello(k)
            k.close()
        hello(first)
        first.close()
        ok = True
    finally:
        rc = srv.stop()
    out = srv.output()
    if rc != 0 or sanitizer_reports(out):
        print(f"FAIL: the server exited {rc}:\n{out[-3000:]}")
        return 1
    print("ok   descriptors" if ok else "FAIL descriptors")
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except AssertionError as e:
        print(f"FAIL descriptors: {e}")
        sys.exit(1)
