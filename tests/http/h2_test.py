#!/usr/bin/env python3
"""HTTP/2 on the server (src/http/hx_h2.c), over loopback against
hx_test_server, with real clients (curl, nghttp, h2load from Debian's curl
and nghttp2-client) and raw frames (tests/lib/h2raw.py) for what no client
sends: resets mid-body, floods of RST_STREAM and CONTINUATION frames.

    h2_test.py --server PATH [--sanitized] [name-filter]

The server runs twice: cleartext (prior knowledge: the client preface on a
plain connection; Upgrade: h2c) and TLS with a self-signed certificate the test makes
(ALPN h2). A missing tool fails the test, naming it. Ends with
"N passed, N failed".
"""
import argparse
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import h2raw  # noqa: E402
from h2raw import (CONTINUATION, DATA, END_HEADERS, END_STREAM, ENHANCE_YOUR_CALM, GOAWAY,  # noqa: E402
                   HEADERS, REFUSED_STREAM, RST_STREAM, SETTINGS, WINDOW_UPDATE, frame, hpack,
                   request_fields)
from whtest import HOST, Server, check, free_port, pattern, sanitizer_reports  # noqa: E402

MAX_HEADER_BYTES, MAX_HEADERS, MAX_BODY, MAX_STREAMS = 4096, 20, 2000000, 8
TIMEOUT = 20
tmp = tempfile.mkdtemp(prefix="wh-h2-")


def run(*cmd, input=None):
    p = subprocess.run(list(cmd), capture_output=True, input=input, timeout=TIMEOUT * 3)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


def curl(*a, input=None):
    return run("curl", "-sS", "--max-time", str(TIMEOUT), *a, input=input)


def make_cert():
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-keyout", key, "-out", cert, "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


class Env:
    def __init__(self, server, cert, key):
        self.server, self.cert, self.key = server, cert, key
        self.plain = self.start()
        self.tls = self.start("--tls-cert", cert, "--tls-key", key)

    def start(self, *extra, flags=None):
        port = free_port()
        f = flags if flags is not None else [
            "--max-header-bytes", MAX_HEADER_BYTES, "--max-headers", MAX_HEADERS,
            "--max-body", MAX_BODY, "--h2-max-streams", MAX_STREAMS]
        return Server([self.server, "--port", str(port), *map(str, f), *extra], port,
                      what="hx_test_server")

    def url(self, path, tls=False):
        s = self.tls if tls else self.plain
        return f"{'https' if tls else 'http'}://127.0.0.1:{s.port}{path}"

    def stats(self, srv=None):
        rc, out, err = curl(f"http://127.0.0.1:{(srv or self.plain).port}/stats")
        check(rc == 0, f"/stats: {err}")
        return dict((k, int(v)) for k, v in (line.split() for line in out.decode().splitlines()))


def raw(env, settings=b"", srv=None):
    return h2raw.Conn.connect((srv or env.plain).port, timeout=TIMEOUT, settings=settings)


def goaway_of(frames):
    gs = [f for f in frames if f.type == GOAWAY]
    return gs[0].error_code() if gs else None


# ---- real clients ----

def t_curl_tls(env):
    rc, out, err = curl("--cacert", env.cert, "--http2", "-w", "%{http_version}",
                        env.url("/proto", tls=True))
    check(rc == 0 and out == b"HTTP/2.0 https\n2", f"curl --http2 over TLS: {rc} {out!r} {err}")
    # two requests on one connection (h2 multiplexes them on it)
    rc, out, err = curl("--cacert", env.cert, "--http2", env.url("/hello", tls=True),
                        env.url("/hello", tls=True), "-w", "[%{num_connects}]")
    check(rc == 0 and out == b"hello world\n[1]hello world\n[0]", f"reuse: {out!r} {err}")
    # a client that asks for HTTP/1.1 still gets it
    rc, out, err = curl("--cacert", env.cert, "--http1.1", env.url("/proto", tls=True))
    check(rc == 0 and out == b"HTTP/1.1 https\n", f"curl --http1.1 over TLS: {out!r} {err}")


def t_alpn(env):
    for offer, want in ((["h2", "http/1.1"], "h2"), (["http/1.1", "h2"], "h2"),
                        (["http/1.1"], "http/1.1"), (["h2"], "h2")):
        ctx = ssl.create_default_context(cafile=env.cert)
        ctx.set_alpn_protocols(offer)
        with ctx.wrap_socket(socket.create_connection((HOST, env.tls.port), timeout=TIMEOUT),
                             server_hostname="127.0.0.1") as s:
            check(s.selected_alpn_protocol() == want,
                  f"ALPN {offer}: {s.selected_alpn_protocol()}, wanted {want}")
            if want == "h2":
                c = h2raw.Conn(s)
                c.send(c.headers(1, request_fields("GET", "/hello", scheme="https")))
                status, body, _ = c.response(1, TIMEOUT)
                check((status, body) == (200, b"hello world\n"), f"h2 over TLS: {status} {body!r}")


def t_prior_knowledge(env):
    rc, out, err = curl("--http2-prior-knowledge", "-w", "%{http_version}", env.url("/proto"))
    check(rc == 0 and out == b"HTTP/2.0 http\n2", f"prior knowledge: {rc} {out!r} {err}")
    # the same port still speaks HTTP/1.1 to whoever starts with it
    rc, out, err = curl(env.url("/proto"))
    check(rc == 0 and out == b"HTTP/1.1 http\n", f"HTTP/1.1 beside: {out!r} {err}")
    # the preface byte by byte
    s = socket.create_connection((HOST, env.plain.port), timeout=TIMEOUT)
    for b in h2raw.PREFACE:
        s.sendall(bytes([b]))
        time.sleep(0.002)
    c = h2raw.Conn.__new__(h2raw.Conn)
    c.sock, c.buf = s, bytearray()
    c.send(frame(SETTINGS, 0, 0), c.headers(1, request_fields("GET", "/hello")))
    status, body, _ = c.response(1, TIMEOUT)
    check((status, body) == (200, b"hello world\n"), f"preface byte by byte: {status} {body!r}")
    c.close()


def t_upgrade_h2c(env):
    """Upgrade: h2c (RFC 7540 3.2): curl --http2 and nghttp -u on http://;
    a request with a body, a bad HTTP2-Settings field or over TLS stays
    HTTP/1.1."""
    rc, out, err = curl("--http2", "-w", "%{http_version}", env.url("/proto"))
    check(rc == 0 and out == b"HTTP/2.0 http\n2", f"curl --http2 (upgrade): {rc} {out!r} {err}")
    # the upgraded request was stream 1; more streams follow on the connection
    rc, out, err = curl("--http2", env.url("/proto"), env.url("/hello"), "-w", "[%{num_connects}]")
    check(rc == 0 and out == b"HTTP/2.0 http\n[1]hello world\n[0]", f"after the upgrade: {out!r}")
    rc, out, err = run("nghttp", "-u", env.url("/proto"), env.url("/hello"))
    check(rc == 0 and out == b"HTTP/2.0 http\nhello world\n", f"nghttp -u: {rc} {out!r} {err}")
    rc, out, err = curl("--http2", "-d", "abc", env.url("/proto"))
    check(rc == 0 and out == b"HTTP/1.1 http\n", f"upgrade with a body: {out!r} {err}")
    for settings in (b"!!!!", b"AAMAAABkAAQCAAAAAAIAAAAA", b"A", b"AAMAAABkAAQ"):
        s = socket.create_connection((HOST, env.plain.port), timeout=TIMEOUT)
        s.sendall(b"GET /proto HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                  b"Upgrade: h2c\r\nHTTP2-Settings: " + settings + b"\r\n\r\n")
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        first = data.split(b"\r\n")[0]
        valid = settings == b"AAMAAABkAAQCAAAAAAIAAAAA"
        want = b"HTTP/1.1 101 Switching Protocols" if valid else b"HTTP/1.1 200 OK"
        check(first == want, f"HTTP2-Settings {settings!r}: {first!r}")
        s.close()
    rc, out, err = curl("--cacert", env.cert, "--http1.1", "-H", "Upgrade: h2c",
                        "-H", "HTTP2-Settings: AAMAAABk", "-H", "Connection: Upgrade, HTTP2-Settings",
                        env.url("/proto", tls=True))
    check(rc == 0 and out == b"HTTP/1.1 https\n", f"h2c over TLS: {out!r} {err}")


def t_nghttp_concurrent(env):
    """Several streams on one connection at once: 6 requests that each take
    600 ms end in well under 6 x 600 ms (one after the other: 3.6 s)."""
    for tls in (False, True):
        urls = [env.url(f"/slow?ms=600&i={i}", tls) for i in range(6)]
        t0 = time.monotonic()
        rc, out, err = run("nghttp", "-n", "--stat", *urls)
        took = time.monotonic() - t0
        check(rc == 0, f"nghttp: {rc} {err}")
        check(took < 2.4, f"6 streams of 600 ms took {took:.2f} s: not concurrent (tls={tls})")
        rc, out, err = run("nghttp", *urls[:3])
        check(rc == 0 and out == b"slow\n" * 3, f"nghttp bodies: {out!r} {err}")


def t_post_large(env):
    """A body much larger than the initial window (65,535 bytes), echoed."""
    body = pattern(3_000_000 // 2)
    path = os.path.join(tmp, "body")
    with open(path, "wb") as f:
        f.write(body)
    for tls in (False, True):
        flag = ["--cacert", env.cert, "--http2"] if tls else ["--http2-prior-knowledge"]
        rc, out, err = curl(*flag, "--data-binary", "@" + path, env.url("/echo", tls))
        check(rc == 0 and out == body, f"curl echo (tls={tls}): {rc} {len(out)} {err}")
        rc, out, err = run("nghttp", "-d", path, env.url("/echo", tls))
        check(rc == 0 and out == body, f"nghttp echo (tls={tls}): {rc} {len(out)} {err}")
    # a body the handler does not read (it answers at once): the complete
    # answer, then RST_STREAM(NO_ERROR) to stop the upload (RFC 9113 8.1;
    # nginx does the same; curl 7.88 reports it as error 92, nghttp does not)
    for tls in (False, True):
        rc, out, err = run("nghttp", "-v", "-d", path, env.url("/hello", tls))
        text = out.decode(errors="replace")
        check(rc == 0 and ":status: 200" in text and "hello world" in text,
              f"an unread body (tls={tls}): {rc} {text[-800:]} {err}")
        check("RST_STREAM" in text and "error_code=NO_ERROR" in text,
              f"no RST_STREAM(NO_ERROR) after the answer (tls={tls}): {text[-800:]}")
    # streamed from stdin without a length (no content-length over h2)
    rc, out, err = curl("--http2-prior-knowledge", "-T", "-", env.url("/echo"), input=body[:200000])
    check(rc == 0 and out == body[:200000], f"streamed upload: {rc} {len(out)} {err}")
    # a response much larger than the window, with and without a length
    for q in ("n=2000000", "n=2000000&chunked=1"):
        rc, out, err = curl("--http2-prior-knowledge", env.url(f"/big?{q}"))
        check(rc == 0 and out == pattern(2000000), f"/big?{q}: {rc} {len(out)} {err}")


def t_trailers(env):
    path = os.path.join(tmp, "small")
    with open(path, "wb") as f:
        f.write(b"0123456789" * 100)
    rc, out, err = run("nghttp", "-v", "-d", path, "--trailer", "x-client-trailer: yes",
                       env.url("/trailers"))
    check(rc == 0, f"nghttp trailers: {rc} {err}")
    text = out.decode(errors="replace")
    check("body-bytes: 1000" in text and "trailer x-client-trailer: yes" in text,
          f"the server did not see the request trailer: {text[-2000:]}")
    check("x-server-trailer: done" in text and "x-request-trailers: 1" in text,
          f"the response trailers did not come: {text[-2000:]}")


def t_h2load(env):
    for tls in (False, True):
        rc, out, err = run("h2load", "-n", "2000", "-c", "4", "-m", str(MAX_STREAMS),
                           env.url("/hello", tls))
        text = out.decode()
        check(rc == 0 and "2000 succeeded, 0 failed" in text and "2000 2xx" in text,
              f"h2load (tls={tls}): {rc} {text[-800:]} {err}")


# ---- limits ----

def t_header_limits(env):
    rc, out, err = curl("--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{http_code}",
                        "-H", "x-big: " + "a" * (MAX_HEADER_BYTES + 10), env.url("/hello"))
    check(out == b"431", f"a header block over max_header_bytes: {out!r} {err}")
    hs = [f"-Hx-h{i}: v" for i in range(MAX_HEADERS + 5)]
    rc, out, err = curl("--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{http_code}", *hs,
                        env.url("/hello"))
    check(out == b"431", f"more fields than max_headers: {out!r} {err}")
    # and the connection goes on: raw, a 431 then a 200 on the same one
    c = raw(env)
    c.send(c.headers(1, request_fields("GET", "/hello", extra=[("x-big", "a" * 5000)])))
    _, _, frames = c.response(1, TIMEOUT)
    check(any(f.type == HEADERS for f in frames), f"no answer to a big block: {frames}")
    c.send(c.headers(3, request_fields("GET", "/hello")))
    status, body, _ = c.response(3, TIMEOUT)
    check((status, body) == (200, b"hello world\n"), f"after a 431: {status} {body!r}")
    c.close()


def send_body(c, sid, data, end=True):
    """DATA frames of data on stream sid as the server's windows allow
    (reading its frames meanwhile): the frames read, and whether it all
    went before the stream was reset or closed."""
    win = {0: 65535, sid: 65535}
    sent, frames = 0, []
    deadline = time.monotonic() + TIMEOUT
    while sent < len(data):
        n = min(win[0], win[sid], 16384, len(data) - sent)
        if n > 0:
            last = end and sent + n == len(data)
            try:
                c.send(frame(DATA, END_STREAM if last else 0, sid, data[sent:sent + n]))
            except OSError:
                return frames, False
            sent += n
            win[0] -= n
            win[sid] -= n
            continue
        f = c.read_frame(deadline)
        if f is None:
            return frames, False
        frames.append(f)
        if f.type == WINDOW_UPDATE and f.stream in win:
            win[f.stream] += int.from_bytes(f.payload, "big")
        if f.stream == sid and (f.type == RST_STREAM or f.flags & END_STREAM):
            return frames, False
    return frames, True


def t_max_body(env):
    """413, for a declared length (before the handler hears of it) and for
    a body without one that grows past max_body (the handler's on_abort);
    then RST_STREAM(NO_ERROR): the rest of the body is not wanted."""
    big = os.path.join(tmp, "toobig")
    with open(big, "wb") as f:
        f.write(b"x" * (MAX_BODY + 1))
    # (curl 7.88 takes the RST_STREAM(NO_ERROR) after the answer for an
    # error, RFC 9113 8.1 notwithstanding: nghttp shows the answer)
    rc, out, err = run("nghttp", "-v", "-d", big, env.url("/trailers"))
    check(":status: 413" in out.decode(), f"content-length over max_body: {out[-1500:]!r} {err}")
    before = env.stats()
    c = raw(env)
    c.send(c.headers(1, request_fields("POST", "/trailers"), end_stream=False))
    frames, all_sent = send_body(c, 1, b"x" * (MAX_BODY + 100000))
    frames += c.frames_until(lambda f: f.stream == 1 and f.type == RST_STREAM, TIMEOUT)[0]
    check(not all_sent, "the whole body went")
    heads = [f for f in frames if f.stream == 1 and f.type == HEADERS]
    rsts = [f.error_code() for f in frames if f.stream == 1 and f.type == RST_STREAM]
    check(heads and rsts == [h2raw.NO_ERROR], f"no answer, or not RST_STREAM(NO_ERROR): {frames}")
    after = env.stats()
    check(after["aborts"] == before["aborts"] + 1 and after["requests"] == before["requests"] + 2,
          f"the handler did not hear of it: {before} {after}")
    c.close()


def t_max_streams(env):
    """h2_max_streams streams at once; one more is refused (REFUSED_STREAM),
    the others are answered."""
    c = raw(env)
    ids = [1 + 2 * i for i in range(MAX_STREAMS + 1)]
    c.send(*[c.headers(i, request_fields("GET", "/slow?ms=300")) for i in ids])
    done, refused = set(), set()
    deadline = time.monotonic() + TIMEOUT
    while len(done) + len(refused) < len(ids):
        f = c.read_frame(deadline)
        check(f is not None, "the connection closed")
        if f.type == RST_STREAM:
            check(f.error_code() == REFUSED_STREAM, f"RST_STREAM {f.error_code()}")
            refused.add(f.stream)
        elif f.type == DATA and f.flags & END_STREAM:
            done.add(f.stream)
    check(len(refused) == 1 and len(done) == MAX_STREAMS, f"done {done}, refused {refused}")
    c.close()


def t_rst_mid_body(env):
    """RST_STREAM while the request body comes: the embedder's on_abort, as
    when an HTTP/1.1 client leaves; the connection goes on."""
    before = env.stats()["aborts"]
    c = raw(env)
    c.send(c.headers(1, request_fields("POST", "/trailers"), end_stream=False),
           frame(DATA, 0, 1, b"x" * 1000))
    time.sleep(0.2)
    c.send(frame(RST_STREAM, 0, 1, (h2raw.CANCEL).to_bytes(4, "big")))
    time.sleep(0.2)
    check(env.stats()["aborts"] == before + 1, "no on_abort after RST_STREAM")
    c.send(c.headers(3, request_fields("GET", "/hello")))
    status, body, _ = c.response(3, TIMEOUT)
    check((status, body) == (200, b"hello world\n"), f"after the reset: {status} {body!r}")
    # mid-response too: a big response reset after its first bytes
    c.send(c.headers(5, request_fields("GET", "/big?n=5000000")))
    c.frames_until(lambda f: f.stream == 5 and f.type == DATA, TIMEOUT)
    c.send(frame(RST_STREAM, 0, 5, (h2raw.CANCEL).to_bytes(4, "big")))
    time.sleep(0.2)
    check(env.stats()["aborts"] == before + 2, "no on_abort after RST_STREAM mid-response")
    c.close()


def t_flow_control(env):
    """A paused body is not consumed: a client that does not read the echo
    of its body soon runs out of window, and gets more once it reads."""
    # our window for the server's DATA stays 65,535: we send no WINDOW_UPDATE
    c = raw(env)
    c.send(c.headers(1, request_fields("POST", "/echo"), end_stream=False))
    conn_win, stream_win, sent = 65535, 65535, 0
    total = 2_000_000
    body = pattern(total)
    got = bytearray()
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline and sent < total:
        n = min(conn_win, stream_win, 16384, total - sent)
        if n > 0:
            c.send(frame(DATA, 0, 1, body[sent:sent + n]))
            sent += n
            conn_win -= n
            stream_win -= n
            deadline = time.monotonic() + 1.0
            continue
        try:
            f = c.read_frame(time.monotonic() + 0.2)
        except TimeoutError:
            continue
        check(f is not None, "closed")
        if f.type == WINDOW_UPDATE:
            inc = int.from_bytes(f.payload, "big")
            if f.stream == 0:
                conn_win += inc
            else:
                stream_win += inc
        elif f.type == DATA:
            got += f.payload
    stalled_at = sent
    check(sent < 600_000, f"the server took {sent} bytes without the echo being read")
    # now read, and give the server window: the rest goes through
    c.send(frame(WINDOW_UPDATE, 0, 0, (1 << 30).to_bytes(4, "big")),
           frame(WINDOW_UPDATE, 0, 1, (1 << 30).to_bytes(4, "big")))
    deadline = time.monotonic() + TIMEOUT
    while len(got) < total:
        n = min(conn_win, stream_win, 16384, total - sent)
        if n > 0:
            c.send(frame(DATA, END_STREAM if sent + n == total else 0, 1, body[sent:sent + n]))
            sent += n
            conn_win -= n
            stream_win -= n
            continue
        f = c.read_frame(deadline)
        check(f is not None, f"closed after {len(got)} bytes")
        if f.type == WINDOW_UPDATE:
            inc = int.from_bytes(f.payload, "big")
            if f.stream == 0:
                conn_win += inc
            else:
                stream_win += inc
        elif f.type == DATA and f.stream == 1:
            got += f.payload
        check(f.type != RST_STREAM, f"reset: {f.error_code()}")
    check(bytes(got) == body, "the echo differs")
    print(f"     (stalled after {stalled_at} bytes until the echo was read)")
    c.close()


# ---- defences ----

def t_rapid_reset(env):
    """CVE-2023-44487: HEADERS and RST_STREAM, again and again: GOAWAY
    (ENHANCE_YOUR_CALM) long before a thousand, and none of the reset
    requests reached the handler."""
    before = env.stats()["requests"]
    c = raw(env)
    batch = []
    for i in range(1000):
        sid = 1 + 2 * i
        batch.append(c.headers(sid, request_fields("GET", "/slow?ms=5000")))
        batch.append(frame(RST_STREAM, 0, sid, (h2raw.CANCEL).to_bytes(4, "big")))
    try:
        c.send(*batch)
    except OSError:
        pass  # the server may close before it has read everything
    frames, _ = c.frames_until(lambda f: f.type == GOAWAY, TIMEOUT)
    check(goaway_of(frames) == ENHANCE_YOUR_CALM, f"GOAWAY {goaway_of(frames)}: {frames[-3:]}")
    c.close()
    # after it, the server is fine, and the handler saw few (or none) of them
    seen = env.stats()["requests"] - before - 1
    check(seen <= MAX_STREAMS, f"{seen} reset requests reached the handler")


def t_continuation_flood(env):
    """CVE-2024-27316: a header block that never ends, in many small
    CONTINUATION frames, or in a few big ones: GOAWAY(ENHANCE_YOUR_CALM)."""
    for name, n, each in (("many frames", 1000, 20), ("big frames", 6, 16000)):
        c = raw(env)
        block = hpack(request_fields("GET", "/hello"))
        fl = [frame(HEADERS, 0, 1, block)]
        for i in range(n):
            fl.append(frame(CONTINUATION, 0, 1, hpack([(f"x-{i}", "v" * each)])))
        try:
            c.send(*fl)
        except OSError:
            pass
        frames, _ = c.frames_until(lambda f: f.type == GOAWAY, TIMEOUT)
        check(goaway_of(frames) == ENHANCE_YOUR_CALM, f"{name}: GOAWAY {goaway_of(frames)}")
        frames, _ = c.frames_until(lambda f: False, TIMEOUT)  # then the connection ends
        c.close()


def t_timeouts(env):
    """The header timeout from the preface to the first HEADERS, the idle
    timeout between streams, the body timeout on a header block that never
    ends: GOAWAY and close."""
    srv = env.start(flags=["--header-timeout", 700, "--idle-timeout", 700,
                           "--body-timeout", 700])
    try:
        # a header block that never ends (HEADERS without END_HEADERS): the
        # body timeout ends the connection, HPACK being mid-block
        c = raw(env, srv=srv)
        c.send(c.headers(1, request_fields("GET", "/hello")))
        c.response(1, TIMEOUT)
        c.send(frame(HEADERS, 0, 3, hpack(request_fields("GET", "/hello"))))
        t0 = time.monotonic()
        frames, _ = c.frames_until(lambda f: False, 8)
        took = time.monotonic() - t0
        check(goaway_of(frames) is not None and 0.4 < took < 5,
              f"an unended header block: {frames} after {took:.2f}s")
        c.close()
        for first in (False, True):
            c = raw(env, srv=srv)
            t0 = time.monotonic()
            if first:
                c.send(c.headers(1, request_fields("GET", "/hello")))
                c.response(1, TIMEOUT)
            frames, _ = c.frames_until(lambda f: False, 8)
            took = time.monotonic() - t0
            check(goaway_of(frames) == h2raw.NO_ERROR and 0.5 < took < 5,
                  f"{'idle' if first else 'header'} timeout: {goaway_of(frames)} after {took:.2f}s")
            c.close()
    finally:
        srv.stop()


def t_shutdown(env):
    """SIGTERM: GOAWAY, the stream in flight is answered, then the close."""
    srv = env.start(flags=[])
    try:
        c = raw(env, srv=srv)
        c.send(c.headers(1, request_fields("GET", "/slow?ms=600")))
        time.sleep(0.2)
        srv.proc.send_signal(signal.SIGTERM)
        frames, _ = c.frames_until(lambda f: False, TIMEOUT)
        kinds = [f.type for f in frames]
        check(GOAWAY in kinds, f"no GOAWAY: {frames}")
        data = b"".join(f.payload for f in frames if f.type == DATA and f.stream == 1)
        check(data == b"slow\n", f"the stream in flight: {data!r}")
        srv.proc.wait(TIMEOUT)
        c.close()
    finally:
        srv.stop()


TESTS = [
    ("curl_tls", t_curl_tls), ("alpn", t_alpn), ("prior_knowledge", t_prior_knowledge),
    ("upgrade_h2c", t_upgrade_h2c),
    ("nghttp_concurrent", t_nghttp_concurrent), ("post_large", t_post_large),
    ("trailers", t_trailers), ("h2load", t_h2load), ("header_limits", t_header_limits),
    ("max_body", t_max_body), ("max_streams", t_max_streams), ("rst_mid_body", t_rst_mid_body),
    ("flow_control", t_flow_control), ("rapid_reset", t_rapid_reset),
    ("continuation_flood", t_continuation_flood), ("timeouts", t_timeouts),
    ("shutdown", t_shutdown),
]


def main():
    global TIMEOUT
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--sanitized", action="store_true")
    ap.add_argument("filter", nargs="?", default="")
    a = ap.parse_args()
    if a.sanitized:
        TIMEOUT = 60
    missing = [t for t in ("curl", "nghttp", "h2load", "openssl") if not shutil.which(t)]
    if missing:
        print(f"FAIL the HTTP/2 tests need {', '.join(missing)} (Debian curl, nghttp2-client, "
              "openssl: scripts/install-deps.sh)")
        print("0 passed, 1 failed")
        return 1
    cert, key = make_cert()
    env = Env(a.server, cert, key)
    passed = failed = 0
    try:
        for name, fn in TESTS:
            if a.filter not in name:
                continue
            t0 = time.time()
            try:
                fn(env)
                passed += 1
                print("ok   %-24s %.2fs" % (name, time.time() - t0), flush=True)
            except Exception:
                failed += 1
                print("FAIL %-24s" % name, flush=True)
                traceback.print_exc(file=sys.stdout)
            for s in (env.plain, env.tls):
                if s.proc.poll() is not None:
                    print("the server died:\n" + s.output())
                    failed += 1
                    return 1
    finally:
        for s in (env.plain, env.tls):
            rc = s.stop()
            out = s.output()
            bad = sanitizer_reports(out)
            if bad or rc not in (0, None):
                failed += 1
                print(f"FAIL the server exited {rc} ({', '.join(bad)}):\n{out[-4000:]}")
        print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
