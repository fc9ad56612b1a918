#!/usr/bin/env python3
"""`wasmhttpd serve` over HTTP/2: the counter example (examples/counter)
gives the same semantics over h2 as over HTTP/1.1, each stream a request
dispatched to the instance models exactly as an HTTP/1.1 request is.

    h2_serve_test.py [--sanitized] WASMHTTPD COUNTER_SERVERLESS.wasm COUNTER_STATEFUL.wasm

Clients: curl (--http2 over TLS with a certificate the test makes,
--http2-prior-knowledge in cleartext), nghttp (several streams on one
connection), h2load, and raw frames (tests/lib/h2raw.py) for resets. Ends
with "N passed, N failed".
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import h2raw  # noqa: E402
from h2raw import DATA, END_STREAM, ENHANCE_YOUR_CALM, GOAWAY, RST_STREAM, frame, request_fields  # noqa: E402
from whtest import Results, Serve, check, pattern, sanitizer_reports, take_flag  # noqa: E402

args = sys.argv[1:]
SANITIZED = take_flag(args, "--sanitized")
if len(args) != 3:
    sys.exit(__doc__)
BIN, SERVERLESS, STATEFUL = args
TIMEOUT = 60 if SANITIZED else 20
HELLO = re.compile(rb"Hello from WASM! \((\d+)\)\n")
tmp = tempfile.mkdtemp(prefix="wh-h2serve-")
results = Results()
servers = []


case = results.run


def run(*cmd, input=None):
    p = subprocess.run(list(cmd), capture_output=True, input=input, timeout=TIMEOUT * 3)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


def curl(*a, input=None):
    return run("curl", "-sS", "--max-time", str(TIMEOUT), *a, input=input)


def counts(out):
    return [int(m) for m in HELLO.findall(out)]


def start(component, *extra, tls=None):
    t = ["--tls-cert", tls[0], "--tls-key", tls[1]] if tls else []
    s = Serve(BIN, ["--workers", "1", *t, *extra, component], timeout=TIMEOUT)
    servers.append(s)
    return s


def make_cert():
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-keyout", key, "-out", cert, "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


def main():
    missing = [t for t in ("curl", "nghttp", "h2load", "openssl") if not shutil.which(t)]
    if missing:
        print(f"FAIL the HTTP/2 serve tests need {', '.join(missing)} (Debian curl, "
              "nghttp2-client, openssl: scripts/install-deps.sh)")
        print("0 passed, 1 failed")
        return 1
    cert, key = make_cert()
    stateful = start(STATEFUL, "--instances", "1", "--debug-headers")
    stateful_tls = start(STATEFUL, "--instances", "1", tls=(cert, key))
    serverless = start(SERVERLESS, "--debug-headers")
    plain = f"http://127.0.0.1:{stateful.port}"
    secure = f"https://127.0.0.1:{stateful_tls.port}"

    def stateful_counts():
        # one instance: each request, whatever its protocol, is the next
        got = []
        for i in range(9):
            if i % 3 == 0:
                rc, out, err = curl(plain + "/")                          # HTTP/1.1
            elif i % 3 == 1:
                rc, out, err = curl("--http2-prior-knowledge", plain + "/")  # h2c
            else:
                rc, out, err = curl("-D", "-", "--http2-prior-knowledge", plain + "/")
                check(b"wasmhttpd-request-seq: " + str(i + 1).encode() in out,
                      f"the debug header over h2: {out!r}")
                check(b"wasmhttpd-model: stateful" in out, f"model over h2: {out!r}")
            check(rc == 0, f"curl: {err}")
            got += counts(out)
        check(got == list(range(1, 10)), f"stateful counts over HTTP/1.1 and h2: {got}")
    case("stateful: one instance counts 1, 2, 3 ... across HTTP/1.1 and h2 requests",
         stateful_counts)

    def stateful_tls_counts():
        # five requests as five streams of one TLS connection (ALPN h2)
        url = secure + "/"
        rc, out, err = curl("--cacert", cert, "--http2", *[url] * 5,
                            "-w", "[%{http_version} %{num_connects}]")
        check(rc == 0, f"curl --http2: {err}")
        check(counts(out) == [1, 2, 3, 4, 5], f"counts over h2/TLS: {out!r}")
        check(out.count(b"[2 1]") == 1 and out.count(b"[2 0]") == 4,
              f"not h2 on one connection: {out!r}")
    case("stateful over TLS: five streams of one connection count 1 to 5", stateful_tls_counts)

    def concurrent_streams():
        # ten concurrent streams on one connection, one instance: each gets
        # its own count (queued for the instance), none is lost
        before = counts(curl(plain + "/")[1])[0]
        rc, out, err = run("nghttp", *[plain + f"/?i={i}" for i in range(10)])
        check(rc == 0, f"nghttp: {err}")
        got = sorted(counts(out))
        check(got == list(range(before + 1, before + 11)), f"counts {got} after {before}")
    case("stateful: ten concurrent streams of one connection, one instance, ten counts",
         concurrent_streams)

    def serverless_counts():
        url = f"http://127.0.0.1:{serverless.port}/"
        rc, out, err = run("nghttp", *[url + f"?i={i}" for i in range(10)])
        check(rc == 0 and counts(out) == [1] * 10, f"serverless over h2: {out!r} {err}")
        rc, out, err = curl("-D", "-", "--http2-prior-knowledge", url)
        check(counts(out) == [1] and b"wasmhttpd-model: serverless" in out, f"{out!r}")
        rc, out, err = curl(url)
        check(counts(out) == [1], f"serverless over HTTP/1.1: {out!r}")
    case("serverless: always a fresh instance (count 1) over h2, as over HTTP/1.1",
         serverless_counts)

    def echo():
        body = pattern(1_000_000)
        path = os.path.join(tmp, "body")
        with open(path, "wb") as f:
            f.write(body)
        rc, out, err = curl("--cacert", cert, "--http2", "--data-binary", "@" + path,
                            secure + "/echo")
        check(rc == 0 and out == body, f"echo over h2/TLS: {rc} {len(out)} {err}")
        rc, out, err = run("nghttp", "-d", path, plain + "/echo")
        check(rc == 0 and out == body, f"echo over h2c: {rc} {len(out)} {err}")
    case("a 1 MB body through the guest and back over h2 (flow control both ways)", echo)

    def reset():
        # a reset mid-body: the guest's request ends as when a client
        # leaves; the instance serves the next request at once
        c = h2raw.Conn.connect(stateful.port, timeout=TIMEOUT)
        c.send(c.headers(1, request_fields("POST", "/echo"), end_stream=False),
               frame(DATA, 0, 1, b"x" * 5000))
        c.frames_until(lambda f: f.stream == 1 and f.type == DATA, TIMEOUT)
        c.send(frame(RST_STREAM, 0, 1, h2raw.CANCEL.to_bytes(4, "big")))
        c.send(c.headers(3, request_fields("GET", "/")))
        status, body, _ = c.response(3, TIMEOUT)
        check(status == 200 and HELLO.fullmatch(body), f"after a reset: {status} {body!r}")
        c.close()
        rc, out, err = curl("--max-time", "5", "--http2-prior-knowledge", plain + "/")
        check(rc == 0 and counts(out), f"the instance is free again: {out!r} {err}")
    case("RST_STREAM mid-body cancels the guest's request; the instance goes on", reset)

    def rapid_reset():
        c = h2raw.Conn.connect(serverless.port, timeout=TIMEOUT)
        fl = []
        for i in range(1000):
            fl += [c.headers(1 + 2 * i, request_fields("GET", "/")),
                   frame(RST_STREAM, 0, 1 + 2 * i, h2raw.CANCEL.to_bytes(4, "big"))]
        try:
            c.send(*fl)
        except OSError:
            pass
        frames, _ = c.frames_until(lambda f: f.type == GOAWAY, TIMEOUT)
        gw = [f.error_code() for f in frames if f.type == GOAWAY]
        check(gw == [ENHANCE_YOUR_CALM], f"GOAWAY {gw}")
        c.close()
        rc, out, err = curl("--http2-prior-knowledge", f"http://127.0.0.1:{serverless.port}/")
        check(counts(out) == [1], f"served after: {out!r} {err}")
    case("rapid reset against the serverless model: GOAWAY(ENHANCE_YOUR_CALM)", rapid_reset)

    def max_streams():
        # --h2-max-streams 2: three requests sent at once, one is refused
        s = start(SERVERLESS, "--h2-max-streams", "2")
        c = h2raw.Conn.connect(s.port, timeout=TIMEOUT)
        c.send(*[c.headers(i, request_fields("GET", "/")) for i in (1, 3, 5)])
        done, refused = set(), set()
        deadline = time.monotonic() + TIMEOUT
        while len(done) + len(refused) < 3:
            f = c.read_frame(deadline)
            check(f is not None, "the connection closed")
            if f.type == RST_STREAM:
                check(f.error_code() == h2raw.REFUSED_STREAM, f"RST_STREAM {f.error_code()}")
                refused.add(f.stream)
            elif f.type == DATA and f.flags & END_STREAM:
                done.add(f.stream)
        check(done == {1, 3} and refused == {5}, f"answered {done}, refused {refused}")
        c.close()
    case("serve --h2-max-streams 2: a third stream at once is refused (REFUSED_STREAM)",
         max_streams)

    def load():
        rc, out, err = run("h2load", "-n", "1000", "-c", "4", "-m", "10",
                           f"http://127.0.0.1:{serverless.port}/")
        text = out.decode()
        check(rc == 0 and "1000 succeeded, 0 failed" in text, f"h2load: {text[-600:]} {err}")
    case("h2load: 1,000 requests, 4 connections of 10 streams, all answered", load)

    for s in servers:
        rc = s.stop()
        bad = sanitizer_reports(s.output())
        if bad or rc not in (0, None):
            results["failed"] += 1
            print(f"FAIL a server exited {rc} ({', '.join(bad)}):\n{s.output()[-3000:]}")
    print(f"{results['passed']} passed, {results['failed']} failed")
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
