#!/usr/bin/env python3
"""The back end of tests/wasihttp/run_outbound_tests.py: a small threaded
HTTP/1.1 server (keep-alive, chunked request bodies with their trailers,
optional TLS) whose routes misbehave on purpose.

    backend.py [--host 127.0.0.1] [--port 0] [--tls CERT KEY]

Prints the port it listens on (one line) once it accepts connections. Stops
at once on SIGTERM or SIGINT. HEAD gets the head GET would (/hello, /gen).

Routes:
    /hello              "hello\\n"
    /echo               the request body streamed back as it arrives
                        (chunked response)
    /gen?n=N            N bytes 'a' + i % 26, with Content-Length
    /headers            the method on the first line, then the request's
                        fields, "name: value" lines as received, then
                        "@target: TARGET" and "@body-bytes: N"
    /sha256             reads the body: "bytes=N sha256=HEX\\n"
    /req-trailers       reads the body: "bytes=N\\n", then a line
                        "trailer name: value" per trailer received
    /status?code=N      an empty response with status N
    /close-mid?n=N      Content-Length 2N, N bytes, then the connection closes
    /never              reads the request and never answers; the connection
                        stays open until the peer closes it or the server
                        stops
    /slow-head?ms=M     waits M ms, then "slow\\n"
    /stall?n=N          a head with Content-Length 2N and N bytes, then
                        nothing (until the peer closes or the server stops)
    /trailers           a chunked body "abc" with the trailer x-t: 1
    /stats[?reset=1]    JSON counters (see Stats); reset=1 sets max_open to
                        open. Connections whose first request is /stats are
                        counted apart, so a test may ask as often as it likes.
"""
import argparse
import hashlib
import json
import os
import select
import signal
import socket
import ssl
import sys
import threading
import time
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from whtest import Reader, pattern

STOP = threading.Event()
MAX_HEAD = 64 * 1024
REASONS = {100: "Continue", 200: "OK", 204: "No Content", 400: "Bad Request",
           404: "Not Found", 500: "Internal Server Error"}


class Stats:
    """connections: accepted, less the ones that began with /stats;
    requests: requests served (not /stats); open: connections open now that
    carried a request other than /stats (max_open: the most at once);
    waiting: requests held by /never and /stall now."""

    def __init__(self):
        self.lock = threading.Lock()
        self.accepted = 0
        self.stats_connections = 0
        self.requests = 0
        self.open = 0
        self.max_open = 0
        self.waiting = 0

    def add(self, name, k=1):
        with self.lock:
            setattr(self, name, getattr(self, name) + k)
            if name == "open" and self.open > self.max_open:
                self.max_open = self.open

    def snapshot(self, reset):
        with self.lock:
            if reset:
                self.max_open = self.open
            return {"connections": self.accepted - self.stats_connections,
                    "accepted": self.accepted, "requests": self.requests,
                    "open": self.open, "max_open": self.max_open, "waiting": self.waiting}


STATS = Stats()


class BadRequest(Exception):
    pass


class Conn(Reader):
    """A client connection: buffered reads of lines and body bytes (a line
    longer than MAX_HEAD is a ValueError)."""

    def __init__(self, sock):
        super().__init__(sock, max_line=MAX_HEAD)

    def send(self, data):
        self.sock.sendall(data)


class Request:
    def __init__(self, conn):
        self.conn = conn
        line = conn.line()
        while not line:  # tolerate empty lines between requests
            line = conn.line()
        parts = line.decode("latin-1").split(" ")
        if len(parts) != 3:
            raise BadRequest(f"request line {line!r}")
        self.method, self.target, self.version = parts
        self.fields = []
        size = 0
        while True:
            l = conn.line()
            if not l:
                break
            size += len(l)
            if size > MAX_HEAD:
                raise BadRequest("head too large")
            if b":" not in l:
                raise BadRequest(f"field {l!r}")
            k, v = l.split(b":", 1)
            self.fields.append((k.decode("latin-1"), v.strip().decode("latin-1")))
        u = urlsplit(self.target)
        self.path = u.path
        self.query = {k: v[0] for k, v in parse_qs(u.query).items()}
        te = self.get("transfer-encoding")
        self.chunked = te is not None and "chunked" in te.lower()
        self.left = 0 if self.chunked else int(self.get("content-length") or 0)
        self.chunk_left = 0
        self.body_done = not self.chunked and self.left == 0
        self.trailers = []
        self.expect = (self.get("expect") or "").lower() == "100-continue"
        conn_f = (self.get("connection") or "").lower()
        self.keep_alive = ("close" not in conn_f if self.version == "HTTP/1.1"
                           else "keep-alive" in conn_f)

    def get(self, name):
        for k, v in self.fields:
            if k.lower() == name:
                return v
        return None

    def qint(self, name, dflt=0):
        return int(self.query.get(name, dflt))

    def pieces(self):
        """The body as it arrives (trailers of a chunked body in
        self.trailers once it ends)."""
        if self.expect and not self.body_done:
            self.expect = False
            self.conn.send(b"HTTP/1.1 100 Continue\r\n\r\n")
        c = self.conn
        while not self.body_done:
            if not self.chunked:
                piece = c.take(min(self.left, 65536))
                self.left -= len(piece)
                self.body_done = self.left == 0
                yield piece
                continue
            if self.chunk_left == 0:
                size = int(c.line().split(b";")[0].strip() or b"x", 16)
                if size == 0:
                    self.trailers = c.fields()
                    self.body_done = True
                    break
                self.chunk_left = size
            piece = c.take(min(self.chunk_left, 65536))
            self.chunk_left -= len(piece)
            if self.chunk_left == 0 and c.line() != b"":
                raise BadRequest("chunk without CRLF")
            yield piece

    def body(self):
        return b"".join(self.pieces())


def head(status, fields, close):
    lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}"]
    lines += [f"{k}: {v}" for k, v in fields]
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def send_whole(req, status, body, fields=(), ctype="text/plain"):
    fields = [("Content-Type", ctype), ("Content-Length", str(len(body))), *fields]
    req.conn.send(head(status, fields, not req.keep_alive)
                  + (b"" if req.method == "HEAD" else body))


def chunk(data):
    return b"%x\r\n%s\r\n" % (len(data), data)


def hold(req):
    """Keeps the request's connection until the peer closes it or the
    server stops; what the peer sends is dropped."""
    STATS.add("waiting")
    try:
        sock = req.conn.sock
        while not STOP.is_set():
            r, _, _ = select.select([sock], [], [], 0.2)
            if r:
                try:
                    if not sock.recv(65536):
                        return
                except (OSError, ssl.SSLError):
                    return
    finally:
        STATS.add("waiting", -1)


class Close(Exception):
    """The route wants the connection closed (after what it sent)."""


def route(req):
    p = req.path
    if p == "/hello":
        send_whole(req, 200, b"hello\n")
    elif p == "/echo":
        req.conn.send(head(200, [("Content-Type", "application/octet-stream"),
                                 ("Transfer-Encoding", "chunked")], not req.keep_alive))
        for piece in req.pieces():
            if piece:
                req.conn.send(chunk(piece))
        req.conn.send(b"0\r\n\r\n")
    elif p == "/gen":
        n = req.qint("n")
        req.conn.send(head(200, [("Content-Type", "application/octet-stream"),
                                 ("Content-Length", str(n))], not req.keep_alive))
        i = n if req.method == "HEAD" else 0
        while i < n:
            k = min(n - i, 1 << 20)
            req.conn.send(pattern(k, i))
            i += k
    elif p == "/headers":
        out = req.method + "\n" + "".join(f"{k}: {v}\n" for k, v in req.fields)
        body = req.body()
        out += f"@target: {req.target}\n@body-bytes: {len(body)}\n"
        send_whole(req, 200, out.encode("latin-1"))
    elif p == "/sha256":
        h = hashlib.sha256()
        n = 0
        for piece in req.pieces():
            h.update(piece)
            n += len(piece)
        send_whole(req, 200, f"bytes={n} sha256={h.hexdigest()}\n".encode())
    elif p == "/req-trailers":
        n = sum(len(piece) for piece in req.pieces())
        out = f"bytes={n}\n" + "".join(f"trailer {k.lower()}: {v}\n" for k, v in req.trailers)
        send_whole(req, 200, out.encode("latin-1"))
    elif p == "/status":
        code = req.qint("code", 204)
        req.body()
        fields = [] if code in (204, 304) or code < 200 else [("Content-Length", "0")]
        req.conn.send(head(code, fields, not req.keep_alive))
    elif p == "/close-mid":
        n = req.qint("n")
        req.conn.send(head(200, [("Content-Length", str(2 * n))], False) + pattern(n))
        raise Close()
    elif p == "/never":
        hold(req)
        raise Close()
    elif p == "/slow-head":
        if STOP.wait(req.qint("ms") / 1000):
            raise Close()
        send_whole(req, 200, b"slow\n")
    elif p == "/stall":
        n = req.qint("n")
        req.conn.send(head(200, [("Content-Length", str(2 * n))], False) + pattern(n))
        hold(req)
        raise Close()
    elif p == "/trailers":
        req.conn.send(head(200, [("Transfer-Encoding", "chunked"), ("Trailer", "x-t")],
                           not req.keep_alive) + chunk(b"abc") + b"0\r\nx-t: 1\r\n\r\n")
    else:
        send_whole(req, 404, b"not found\n")


def serve_conn(sock, tls_ctx):
    counted = False  # in STATS.open
    try:
        if tls_ctx:
            sock.settimeout(10)
            sock = tls_ctx.wrap_socket(sock, server_side=True)
            sock.settimeout(None)
        conn = Conn(sock)
        first = True
        while not STOP.is_set():
            try:
                req = Request(conn)
            except EOFError:
                return
            if req.path == "/stats":
                if first:
                    STATS.add("stats_connections")
                first = False
                req.body()
                send_whole(req, 200, json.dumps(STATS.snapshot(req.query.get("reset") == "1"))
                           .encode(), ctype="application/json")
            else:
                first = False
                if not counted:
                    counted = True
                    STATS.add("open")
                STATS.add("requests")
                route(req)
                for _ in req.pieces():  # what the route did not read
                    pass
            if not req.keep_alive:
                return
    except (Close, EOFError, ConnectionError, BadRequest, ssl.SSLError, OSError, ValueError):
        return
    finally:
        if counted:
            STATS.add("open", -1)
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    a = ap.parse_args()
    tls_ctx = None
    if a.tls:
        tls_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls_ctx.load_cert_chain(a.tls[0], a.tls[1])
    lst = socket.socket(socket.AF_INET6 if ":" in a.host else socket.AF_INET)
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind((a.host, a.port))
    lst.listen(128)

    def stop(signum, frame):
        STOP.set()
        sys.stdout.flush()
        os._exit(0)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(lst.getsockname()[1], flush=True)
    while True:
        try:
            s, _ = lst.accept()
        except InterruptedError:
            continue
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        STATS.add("accepted")
        threading.Thread(target=serve_conn, args=(s, tls_ctx), daemon=True).start()


if __name__ == "__main__":
    main()
