#!/usr/bin/env python3
"""Drives hx_test_server over loopback: keep-alive, pipelining, chunked
bodies, 100-continue, HEAD, streaming with bounded memory, every limit and
timeout, client disconnects, max connections, graceful shutdown.

Standard library only. Every socket has a timeout and every loop a bound, so
a broken server fails the test instead of hanging it. Usage:
    run_tests.py --server PATH [name-filter]
"""
import argparse
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from whtest import Reader, connect, pattern, terminate, values, wait_for

SERVER = None
TIMEOUT = 10


class Server:
    def __init__(self, *flags):
        self.proc = subprocess.Popen([SERVER, "--port", "0", *map(str, flags)],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = self.proc.stdout.readline().decode()
        if not line.startswith("listening"):
            err = self.proc.stderr.read().decode()
            raise RuntimeError("server did not start: %r %s" % (line, err))
        self.port = int(line.split()[2])

    def rss_kb(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def alive(self):
        return self.proc.poll() is None

    def stop(self, expect_clean=True):
        rc = terminate(self.proc, 20)
        if rc == -signal.SIGKILL:
            raise AssertionError("server did not drain within 20 s")
        err = self.proc.stderr.read().decode()
        self.proc.stdout.close()
        self.proc.stderr.close()
        if expect_clean:
            assert rc == 0, "server exited with %d: %s" % (rc, err[-3000:])
            assert "ERROR" not in err and "runtime error" not in err, err[-3000:]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop(expect_clean=exc[0] is None)


def closed(sock, wait=TIMEOUT):
    """True if the peer closes (EOF or reset) within `wait` seconds, draining data."""
    sock.settimeout(wait)
    end = time.time() + wait
    try:
        while time.time() < end:
            if not sock.recv(65536):
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False
    return False


def stats(port):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    c.request("GET", "/stats")
    r = c.getresponse()
    text = r.read().decode()
    c.close()
    if r.status != 200:  # e.g. 503 while closed connections are still counted
        return {"connections": -1, "requests": -1, "aborts": -1}
    return {k: int(v) for k, v in (ln.split() for ln in text.splitlines())}


# ---- Tests ----

def t_hello_keepalive(s):
    c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=TIMEOUT)
    socks = set()
    for _ in range(5):
        c.request("GET", "/hello")
        r = c.getresponse()
        assert r.status == 200 and r.read() == b"hello world\n"
        assert r.getheader("Date")
        socks.add(id(c.sock))
    assert len(socks) == 1, "keep-alive connection was not reused"
    c.close()


def t_pipelining(s):
    sock = connect(s.port)
    sock.sendall(b"GET /big?n=5 HTTP/1.1\r\nHost: x\r\n\r\n"
                 b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
                 b"GET /status?code=404 HTTP/1.1\r\nHost: x\r\n\r\n")
    r = Reader(sock)
    a, b, c = r.response(), r.response(), r.response()
    assert (a.status, a.body) == (200, b"abcde"), (a.status, a.body)
    assert (b.status, b.body) == (200, b"hello world\n"), (b.status, b.body)
    assert c.status == 404, c.status
    sock.close()


def t_pipelining_slow_first(s):
    # The first response is late; the others must still come after it.
    sock = connect(s.port)
    sock.sendall(b"GET /slow?ms=300 HTTP/1.1\r\nHost: x\r\n\r\n"
                 b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
                 b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nxyz")
    r = Reader(sock)
    assert r.response().body == b"slow\n"
    assert r.response().body == b"hello world\n"
    assert r.response().body == b"xyz"
    sock.close()


def t_chunked_upload_download(s):
    sock = connect(s.port)
    chunks = [b"hello ", b"chunked ", b"x" * 70000, b"world"]
    req = b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    for ch in chunks:
        req += b"%x\r\n%s\r\n" % (len(ch), ch)
    req += b"0\r\n\r\n"
    sock.sendall(req)
    r = Reader(sock).response()
    assert r.status == 200 and r.complete and r.field("transfer-encoding") == "chunked"
    assert r.body == b"".join(chunks)
    sock.close()


def t_trailers(s):
    sock = connect(s.port)
    sock.sendall(b"POST /trailers HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                 b"Trailer: X-Sum\r\n\r\n4\r\nabcd\r\n0\r\nX-Sum: 42\r\nX-Other: yes\r\n\r\n")
    r = Reader(sock).response()
    assert r.status == 200 and r.complete
    assert b"body-bytes: 4" in r.body and b"trailer X-Sum: 42" in r.body, r.body
    assert b"trailer X-Other: yes" in r.body
    assert r.trailer("x-server-trailer") == "done" and r.trailer("x-request-trailers") == "2", \
        r.trailers
    sock.close()


def t_expect_continue(s):
    sock = connect(s.port)
    sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                 b"Expect: 100-continue\r\n\r\n")
    r = Reader(sock)
    assert r.line() == b"HTTP/1.1 100 Continue"
    assert r.line() == b""
    sock.sendall(b"12345")
    resp = r.response()
    assert resp.status == 200 and resp.body == b"12345"
    # The embedder answers at once without wanting the body: no 100, and
    # the connection ends after the answer (the body may never come).
    sock.sendall(b"POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                 b"Expect: 100-continue\r\n\r\n")
    ln = r.line()
    assert ln.startswith(b"HTTP/1.1 200"), ln
    assert values(r.fields(), "connection") == ["close"]
    sock.close()
    # curl agrees
    out = subprocess.run(["curl", "-s", "-H", "Expect: 100-continue", "--data-binary", "abc",
                          "http://127.0.0.1:%d/echo" % s.port], capture_output=True, timeout=20)
    assert out.stdout == b"abc", out


def t_head(s):
    c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=TIMEOUT)
    c.request("HEAD", "/hello")
    r = c.getresponse()
    assert r.status == 200 and r.getheader("Content-Length") == "12" and r.read() == b""
    c.request("HEAD", "/big?n=100000")
    r = c.getresponse()
    assert r.getheader("Content-Length") == "100000" and r.read() == b""
    c.request("GET", "/hello")
    assert c.getresponse().read() == b"hello world\n"
    c.close()


def t_status_204(s):
    sock = connect(s.port)
    sock.sendall(b"GET /status?code=204 HTTP/1.1\r\nHost: x\r\n\r\n"
                 b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
    r = Reader(sock)
    resp = r.response()
    assert resp.status == 204 and not resp.values("content-length") \
        and not resp.values("transfer-encoding"), resp.fields
    assert r.response().body == b"hello world\n"
    sock.close()


def t_http10(s):
    sock = connect(s.port)
    sock.sendall(b"GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    r = Reader(sock)
    resp = r.response()
    assert resp.status == 200 and resp.field("connection") == "keep-alive"
    sock.sendall(b"GET /echo HTTP/1.0\r\nContent-Length: 2\r\n\r\nhi")
    resp = r.response()
    assert resp.body == b"hi" and not resp.values("transfer-encoding")
    assert closed(sock, 3)
    sock.close()


def t_abort_incomplete(s):
    sock = connect(s.port)
    sock.sendall(b"GET /abort HTTP/1.1\r\nHost: x\r\n\r\n")
    r = Reader(sock).response()
    assert r.status == 200 and not r.complete, "an aborted response must look incomplete"
    sock.close()


def rss_stream(s, upload):
    n = 10 * 1024 * 1024
    before = s.rss_kb()
    sock = connect(s.port)
    sock.settimeout(30)
    if upload:
        def send():
            sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % n)
            block = pattern(65536 * 26)[:65536 * 26]
            left = n
            while left > 0:
                k = min(left, len(block))
                sock.sendall(block[:k])
                left -= k
        t = threading.Thread(target=send)
        t.start()
    else:
        sock.sendall(b"GET /big?n=%d HTTP/1.1\r\nHost: x\r\n\r\n" % n)
    r = Reader(sock)
    h = r.head()
    assert h.status == 200
    got, peak = 0, 0
    if upload:
        assert h.field("transfer-encoding") == "chunked"
        while True:
            k = int(r.line(), 16)
            if k == 0:
                r.fields()
                break
            got += len(r.exact(k))
            r.exact(2)
            peak = max(peak, s.rss_kb())
            time.sleep(0.0002)  # a slowish reader: backpressure must hold
        t.join(30)
    else:
        while got < n:
            if not r.buf:
                r.fill()
            got += len(r.buf)
            r.buf.clear()
            peak = max(peak, s.rss_kb())
            time.sleep(0.0002)
    assert got == n, got
    growth = (peak - before) / 1024
    print("    %s 10 MB: RSS %d kB before, peak %d kB (+%.1f MB)" %
          ("echo" if upload else "download", before, peak, growth))
    assert growth < 30, "RSS grew by %.1f MB" % growth
    sock.close()


def t_stream_10mb_download(s):
    rss_stream(s, upload=False)


def t_stream_10mb_echo(s):
    rss_stream(s, upload=True)


def t_big_content(s):
    c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=TIMEOUT)
    for q in ("/big?n=300001", "/big?n=300001&chunked=1"):
        c.request("GET", q)
        body = c.getresponse().read()
        assert body == pattern(300001), q
    c.close()


def expect_error(port, data, status, then_closed=True):
    sock = connect(port)
    sock.sendall(data)
    r = Reader(sock).response()
    assert r.status == status, "wanted %d, got %d" % (status, r.status)
    if then_closed:
        assert r.field("connection") == "close"
        assert closed(sock, 5), "connection was not closed after %d" % status
    sock.close()


def t_limits(s):
    # s runs with --max-header-bytes 4096 --max-headers 20 --max-body 100000
    p = s.port
    expect_error(p, b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 5000 + b"\r\n\r\n", 431)
    many = b"".join(b"X-H%d: v\r\n" % i for i in range(30))
    expect_error(p, b"GET / HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n", 431)
    expect_error(p, b"GET /" + b"u" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414)
    expect_error(p, b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\n", 413)
    # a chunked body that grows past the limit before any response started
    sock = connect(p)
    sock.sendall(b"POST /trailers HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
    try:
        for _ in range(20):
            sock.sendall(b"4000\r\n" + b"z" * 0x4000 + b"\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    st = Reader(sock).response().status
    assert st == 413, st
    sock.close()
    # garbage, bad chunk framing, bad Content-Length, no Host
    expect_error(p, b"\x16\x03\x01garbage\r\n\r\n", 400)
    expect_error(p, b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", 400)
    bad_chunk(p)
    expect_error(p, b"POST /trailers HTTP/1.1\r\nHost: x\r\nContent-Length: 12x\r\n\r\n", 400)
    expect_error(p, b"POST /trailers HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                    b"Content-Length: 4\r\n\r\nabcd", 400)
    expect_error(p, b"POST /trailers HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                    b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400)
    expect_error(p, b"GET / HTTP/1.1\r\n\r\n", 400)
    expect_error(p, b"CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n", 501)
    assert s.alive()


def bad_chunk(p):
    # Bad chunk framing while the embedder holds the request (no response
    # yet): 400. With /echo the response has started: the connection closes.
    expect_error(p, b"POST /trailers HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    b"zz\r\nabc\r\n", 400)
    sock = connect(p)
    sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                 b"3\r\nabc\r\nq\r\n")
    r = Reader(sock).response()
    assert r.status == 200 and not r.complete
    sock.close()


def t_header_timeout(s):
    # s runs with --header-timeout 400
    sock = connect(s.port)
    sock.sendall(b"GET /hello HTTP/1.1\r\nHost: x\r\n")
    t0 = time.time()
    r = Reader(sock).response()
    assert r.status == 408 and r.field("connection") == "close"
    assert closed(sock, 5)
    assert time.time() - t0 < 5
    sock.close()
    # slowloris: a byte every 100 ms does not extend the deadline
    sock = connect(s.port)
    t0 = time.time()
    try:
        for ch in b"GET /hello HTTP/1.1\r\nHost: x\r\nX-A: bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb":
            sock.send(bytes([ch]))
            time.sleep(0.1)
            if time.time() - t0 > 3:
                break
    except (BrokenPipeError, ConnectionResetError):
        pass
    assert closed(sock, 5) and time.time() - t0 < 3, "slow headers were not cut off"
    sock.close()
    # a connection that sends nothing is closed silently
    sock = connect(s.port)
    assert closed(sock, 3)
    sock.close()


def t_body_timeout(s):
    # s runs with --body-timeout 400
    sock = connect(s.port)
    sock.sendall(b"POST /trailers HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
    assert Reader(sock).response().status == 408
    sock.close()
    assert wait_for(lambda: stats(s.port)["aborts"] >= 1)


def t_idle_timeout(s):
    # s runs with --idle-timeout 300
    sock = connect(s.port)
    sock.sendall(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
    assert Reader(sock).response().status == 200
    t0 = time.time()
    assert closed(sock, 5), "idle keep-alive connection stayed open"
    assert 0.2 < time.time() - t0 < 3
    sock.close()


def t_write_timeout(s):
    # s runs with --write-timeout 400: a client that stops reading is dropped
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(TIMEOUT)
    sock.connect(("127.0.0.1", s.port))
    sock.sendall(b"GET /big?n=100000000 HTTP/1.1\r\nHost: x\r\n\r\n")
    time.sleep(1.5)
    got = 0
    try:
        while True:
            d = sock.recv(1 << 20)
            if not d:
                break
            got += len(d)
    except (ConnectionResetError, socket.timeout):
        pass
    assert got < 100000000
    sock.close()
    assert wait_for(lambda: stats(s.port)["connections"] == 1)


def t_disconnect_mid_body(s):
    base = stats(s.port)
    for _ in range(20):
        sock = connect(s.port)
        sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n")
        sock.sendall(b"q" * 100000)
        sock.close()
    for _ in range(5):  # with a reset instead of a FIN
        sock = connect(s.port)
        sock.sendall(b"POST /trailers HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\nab")
        time.sleep(0.05)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        sock.close()
    assert wait_for(lambda: stats(s.port)["connections"] == 1), stats(s.port)
    st = stats(s.port)
    assert st["aborts"] - base["aborts"] == 25, (base, st)
    assert s.alive()
    # a client gone while its slow answer is pending
    sock = connect(s.port)
    sock.sendall(b"GET /slow?ms=300 HTTP/1.1\r\nHost: x\r\n\r\n")
    time.sleep(0.05)
    sock.close()
    time.sleep(0.5)
    assert wait_for(lambda: stats(s.port)["connections"] == 1)


def t_max_connections(s):
    # s runs with --max-conns 3
    held = [connect(s.port) for _ in range(3)]
    time.sleep(0.2)
    extra = connect(s.port)
    st = Reader(extra).response().status
    assert st == 503, st
    extra.close()
    for x in held:
        x.close()
    assert wait_for(lambda: stats(s.port)["connections"] == 1)


def t_graceful_shutdown(s):
    sock = connect(s.port)
    sock.sendall(b"GET /slow?ms=800 HTTP/1.1\r\nHost: x\r\n\r\n")
    idle = connect(s.port)
    time.sleep(0.2)
    s.proc.send_signal(signal.SIGTERM)
    time.sleep(0.2)
    assert closed(idle, 3), "an idle connection stayed open during shutdown"
    refused = False
    try:
        c = connect(s.port, 2)
        c.sendall(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        refused = closed(c, 2)
        c.close()
    except OSError:
        refused = True
    assert refused, "new connection accepted after shutdown began"
    r = Reader(sock).response()
    assert r.status == 200 and r.body == b"slow\n" and r.complete \
        and r.field("connection") == "close"
    sock.close()
    assert s.proc.wait(timeout=10) == 0


def t_shutdown_grace_expires(s):
    # s runs with --grace 300: a request still running is aborted
    sock = connect(s.port)
    sock.sendall(b"GET /slow?ms=5000 HTTP/1.1\r\nHost: x\r\n\r\n")
    time.sleep(0.2)
    t0 = time.time()
    s.proc.send_signal(signal.SIGTERM)
    assert s.proc.wait(timeout=5) == 0
    assert time.time() - t0 < 3
    sock.close()


def t_workers(s):
    # s runs with --workers 2 (SO_REUSEPORT)
    for _ in range(20):
        c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=TIMEOUT)
        c.request("GET", "/hello")
        assert c.getresponse().read() == b"hello world\n"
        c.close()


def t_many_requests(s):
    # many short connections and keep-alive requests: no leak of conns
    for _ in range(50):
        sock = connect(s.port)
        sock.sendall(b"GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert Reader(sock).response().status == 200
        assert closed(sock, 3)
        sock.close()
    assert wait_for(lambda: stats(s.port)["connections"] == 1)


TESTS = [
    (t_hello_keepalive, []),
    (t_pipelining, []),
    (t_pipelining_slow_first, []),
    (t_chunked_upload_download, []),
    (t_trailers, []),
    (t_expect_continue, []),
    (t_head, []),
    (t_status_204, []),
    (t_http10, []),
    (t_abort_incomplete, []),
    (t_big_content, []),
    (t_stream_10mb_download, ["--write-buffer", "65536"]),
    (t_stream_10mb_echo, ["--write-buffer", "65536"]),
    (t_limits, ["--max-header-bytes", 4096, "--max-headers", 20, "--max-body", 100000]),
    (t_header_timeout, ["--header-timeout", 400]),
    (t_body_timeout, ["--body-timeout", 400]),
    (t_idle_timeout, ["--idle-timeout", 300]),
    (t_write_timeout, ["--write-timeout", 400]),
    (t_disconnect_mid_body, []),
    (t_max_connections, ["--max-conns", 3]),
    (t_many_requests, []),
    (t_workers, ["--workers", 2]),
    (t_graceful_shutdown, ["--grace", 5000]),
    (t_shutdown_grace_expires, ["--grace", 300]),
]


def main():
    global SERVER
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("filter", nargs="?", default="")
    a = ap.parse_args()
    SERVER = a.server
    failed = 0
    ran = 0
    for fn, flags in TESTS:
        name = fn.__name__[2:]
        if a.filter not in name:
            continue
        ran += 1
        t0 = time.time()
        try:
            with Server(*flags) as s:
                fn(s)
            print("ok   %-28s %.2fs" % (name, time.time() - t0))
        except Exception:
            failed += 1
            print("FAIL %-28s" % name)
            traceback.print_exc(file=sys.stdout)
        sys.stdout.flush()
    print("%d passed, %d failed" % (ran - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
