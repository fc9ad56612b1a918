#!/usr/bin/env python3
"""Many idle connections and slowloris, against `wasmhttpd serve` over
loopback: 10,000 connections that send nothing, the same 10,000 idle after
one request each (keep-alive), and slowloris clients that send a request
head one byte a second, while good requests are still answered at once.

    conns_test.py [--sanitized] WASMHTTPD COUNTER.wasm

Checks:
  - every one of the 10,000 connections is held (none refused), and each
    gets its answer when it finally sends a request;
  - the server's resident memory per connection, idle before any request
    and idle between requests, stays under a bound (printed: docs/http.md
    quotes the figures);
  - meanwhile good requests, on new connections and on a kept-alive one,
    are answered within LATENCY seconds each;
  - a slowloris connection is answered 408 and closed once the header
    timeout passes from its first byte, whatever it keeps sending.

The test raises its own RLIMIT_NOFILE to the hard limit (it needs 10,000
descriptors and some); the server raises its own. Standard library only;
traffic to 127.0.0.1 only. Ends with "N passed, N failed".
"""
import os
import resource
import selectors
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from whtest import Results, HOST, Reader, Serve, check, sanitizer_reports, take_flag, wait_for  # noqa: E402

args = sys.argv[1:]
SANITIZED = take_flag(args, "--sanitized")
if len(args) != 2:
    sys.exit(__doc__)
BIN, GUEST = args
N = 10000
SLOW = 4              # slowloris connections
BATCH = 100           # requests in flight at once on the idle connections
HEADER_TIMEOUT = 15   # s: the server's --header-timeout for this test
LATENCY = 1.0         # s: the bound on each good request's answer
# Resident bytes per connection the server may use, idle before its first
# request and idle between requests. Generous bounds (ASan's allocator adds
# its redzones and quarantine); the figures are printed.
MAX_IDLE_NEW = 8192 if not SANITIZED else 32768
MAX_IDLE_KEPT = 8192 if not SANITIZED else 32768
GET = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
results = Results()


case = results.run


def rss(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def nfds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def settle(pid):
    """The server's RSS once it stopped moving (allocations of the moment
    done), in bytes."""
    last = rss(pid)
    for _ in range(20):
        time.sleep(0.1)
        now = rss(pid)
        if abs(now - last) < 64 * 1024:
            return now
        last = now
    return last


def good(s, conn=None):
    """One GET on a new connection (or conn): its latency in seconds."""
    t = time.monotonic()
    st, _, body = s.request("GET", "/", conn=conn)
    dt = time.monotonic() - t
    check(st == 200 and body.startswith(b"Hello"), f"GET /: {st} {body!r}")
    return dt


def answer_all(conns, within=60):
    """Sends GET on each of conns at once, then reads every answer (a 200
    with its whole body); the connections stay open. How many answered."""
    sel = selectors.DefaultSelector()
    bufs = {}
    for c in conns:
        c.sendall(GET)
        c.setblocking(False)
        sel.register(c, selectors.EVENT_READ)
        bufs[c] = b""
    left = len(conns)
    end = time.monotonic() + within
    while left and time.monotonic() < end:
        for key, _ in sel.select(1):
            c = key.fileobj
            data = c.recv(65536)
            check(data, "a connection closed before its answer")
            bufs[c] += data
            b = bufs[c]
            i = b.find(b"\r\n\r\n")
            if i < 0:
                continue
            head = b[:i].decode()
            check(head.startswith("HTTP/1.1 200 "), f"answer {head!r}")
            length = [int(x.split(":")[1]) for x in head.split("\r\n")
                      if x.lower().startswith("content-length:")]
            if len(b) >= i + 4 + length[0]:
                sel.unregister(c)
                left -= 1
    sel.close()
    for c in conns:
        c.setblocking(True)
        c.settimeout(30)
    return len(conns) - left


class Slowloris(threading.Thread):
    """Sends a request head one byte a second, never finishing it; records
    what the server answered and when, counted from the first byte."""

    HEAD = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200

    def __init__(self, port):
        super().__init__(daemon=True)
        self.sock = socket.create_connection((HOST, port), timeout=60)
        self.sock.setblocking(False)
        self.answer = b""
        self.closed_after = None
        self.sent = 0

    def run(self):
        start = time.monotonic()
        sel = selectors.DefaultSelector()
        sel.register(self.sock, selectors.EVENT_READ)
        next_byte = start
        while time.monotonic() - start < 3 * HEADER_TIMEOUT:
            now = time.monotonic()
            if now >= next_byte and self.sent < len(self.HEAD):
                try:
                    self.sock.send(self.HEAD[self.sent:self.sent + 1])
                    self.sent += 1
                except OSError:
                    pass
                next_byte += 1.0
            for _ in sel.select(max(0.0, min(next_byte - time.monotonic(), 0.2))):
                try:
                    data = self.sock.recv(4096)
                except OSError:
                    data = b""
                if not data:
                    self.closed_after = time.monotonic() - start
                    sel.close()
                    self.sock.close()
                    return
                self.answer += data
        sel.close()
        self.sock.close()


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = N + 200
    if hard != resource.RLIM_INFINITY and hard < need:
        print(f"FAIL the hard RLIMIT_NOFILE is {hard}; this test needs {need} descriptors")
        print("0 passed, 1 failed")
        sys.exit(1)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    s = Serve(BIN, ["--instance-model", "serverless", "--workers", "1",
                    "--max-connections", str(N + 1000),
                    "--header-timeout", f"{HEADER_TIMEOUT}s", GUEST], timeout=30)
    pid = s.proc.pid
    idle = []
    figures = {}
    try:
        keep = s.conn()
        for _ in range(50):
            good(s)
            good(s, keep)
        # Warm at the concurrency used below: the instances BATCH requests
        # at once need, the allocator's arenas.
        for _ in range(3):
            warm = [socket.create_connection((HOST, s.port), timeout=30) for _ in range(BATCH)]
            check(answer_all(warm) == BATCH, "the warm-up requests were not all answered")
            for c in warm:
                c.close()
        time.sleep(1)
        base_fds = nfds(pid)
        rss0 = settle(pid)

        def open_idle():
            t = time.monotonic()
            for _ in range(N):
                c = socket.socket()  # not create_connection: no name lookup each time
                c.settimeout(30)
                c.connect((HOST, s.port))
                idle.append(c)
            check(wait_for(lambda: nfds(pid) >= base_fds + N, 30),
                  f"the server holds {nfds(pid) - base_fds} of {N} connections")
            rss1 = settle(pid)
            per = (rss1 - rss0) / N
            figures["new"] = per
            print(f"     {N} connections opened in {time.monotonic() - t:.1f} s; server RSS "
                  f"{rss0 / 2**20:.1f} -> {rss1 / 2**20:.1f} MiB: {per:.0f} bytes per idle "
                  f"connection before its first request", flush=True)
            check(per <= MAX_IDLE_NEW, f"{per:.0f} bytes per connection (bound {MAX_IDLE_NEW})")

        def requests_on_idle():
            # One request on each, BATCH connections at a time, as in the
            # warm-up (what requests in flight cost, instances included, is
            # then in rss0, and freed memory is reused, so that what grows
            # is what idle connections keep); then they stay open, idle
            # between requests (keep-alive).
            t = time.monotonic()
            done = 0
            for k in range(0, N, BATCH):
                done += answer_all(idle[k:k + BATCH])
            check(done == N, f"{done} of {N} answered")
            time.sleep(1)  # idle long enough to give up their buffers (TRIM_MS)
            rss2 = settle(pid)
            per = (rss2 - rss0) / N
            figures["kept"] = per
            print(f"     {N} requests answered in {time.monotonic() - t:.1f} s, {BATCH} at a "
                  f"time; server RSS {rss2 / 2**20:.1f} MiB: {per:.0f} bytes per connection "
                  f"idle between requests", flush=True)
            check(per <= MAX_IDLE_KEPT, f"{per:.0f} bytes per connection (bound {MAX_IDLE_KEPT})")

        def slowloris_and_good():
            slow = [Slowloris(s.port) for _ in range(SLOW)]
            for t in slow:
                t.start()
            worst, n = 0.0, 0
            end = time.monotonic() + HEADER_TIMEOUT + 2
            while time.monotonic() < end:
                worst = max(worst, good(s), good(s, keep))
                n += 2
                time.sleep(0.05)
            for t in slow:
                t.join(3 * HEADER_TIMEOUT + 5)
            print(f"     {n} good requests during slowloris with {N} idle connections: the "
                  f"slowest answered in {worst * 1000:.0f} ms", flush=True)
            check(worst < LATENCY, f"a good request took {worst:.2f} s")
            for t in slow:
                check(t.answer.startswith(b"HTTP/1.1 408 "),
                      f"slowloris got {t.answer[:60]!r} after {t.sent} bytes")
                check(t.closed_after is not None
                      and HEADER_TIMEOUT - 0.5 <= t.closed_after <= HEADER_TIMEOUT + 3,
                      f"slowloris closed after {t.closed_after} s (header timeout "
                      f"{HEADER_TIMEOUT} s)")

        case(f"{N} idle connections held, memory per connection bounded", open_idle)
        case(f"a request on each of the {N}: all answered, memory between requests bounded",
             requests_on_idle)
        case(f"good requests answered within {LATENCY} s during slowloris ({SLOW} clients)",
             slowloris_and_good)
        def still_served():
            for c in idle[:100]:
                c.settimeout(10)
                c.sendall(GET)
                check(Reader(c).response().status == 200, "no answer")

        case("the idle connections are still served", still_served)
    finally:
        for c in idle:
            c.close()
        rc = s.stop()
        log = s.output()
    if rc != 0:
        print(f"FAIL the server exited with {rc} on SIGTERM:\n{log[-2000:]}")
        results["failed"] += 1
    for bad in sanitizer_reports(log):
        print(f"FAIL the server's log has {bad!r}:\n{log[-4000:]}")
        results["failed"] += 1
    if figures:
        print("memory per connection: " + ", ".join(f"{k} {v:.0f} B" for k, v in figures.items()))
    print(f"{results['passed']} passed, {results['failed']} failed")
    sys.exit(1 if results["failed"] else 0)


if __name__ == "__main__":
    main()
