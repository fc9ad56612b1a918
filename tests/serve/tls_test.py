#!/usr/bin/env python3
"""HTTPS: `wasmhttpd serve --tls-cert FILE --tls-key FILE` over loopback,
with certificates the test makes with `openssl req` (self-signed, for
127.0.0.1) and clients that trust them (curl --cacert, Python's ssl).

    tls_test.py [--sanitized] WASMHTTPD COUNTER-STATEFUL.wasm HW_GUEST.wasm

Cases: curl over TLS 1.2 and 1.3, ALPN (h2 before http/1.1), keep-alive
and pipelining, 10 MB each way through the wasi:http guest (which sees the
scheme https), a plain HTTP request on the TLS port (a plain 400 that says
why), SIGHUP reloading the certificate (new connections get the new one,
an open connection goes on with the old one; a broken file keeps the one
in use), and start-up errors (no such key, a key that does not match, a
certificate without its key). Ends with "N passed, N failed".
"""
import os
import select
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from whtest import (Results, HOST, Reader, Serve, check, free_port, pattern, sanitizer_reports,  # noqa: E402
                    take_flag, wait_for)

args = sys.argv[1:]
SANITIZED = take_flag(args, "--sanitized")
if len(args) != 3:
    sys.exit(__doc__)
BIN, COUNTER, GUEST = args
TIMEOUT = 60 if SANITIZED else 20
results = Results()
tmp = tempfile.mkdtemp(prefix="wh-tls-")


case = results.run


def make_cert(name):
    """A self-signed certificate for 127.0.0.1 and its key: (cert, key)."""
    cert, key = os.path.join(tmp, f"{name}.pem"), os.path.join(tmp, f"{name}.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-keyout", key, "-out", cert, "-subj", f"/CN={name}",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    return cert, key


def der(cert):
    with open(cert) as f:
        return ssl.PEM_cert_to_DER_cert(f.read())


def client_ctx(cafile, alpn=None, version=None):
    ctx = ssl.create_default_context(cafile=cafile)
    if alpn:
        ctx.set_alpn_protocols(alpn)
    if version:
        ctx.minimum_version = ctx.maximum_version = version
    return ctx


def tls_connect(port, cafile, **kw):
    raw = socket.create_connection((HOST, port), timeout=TIMEOUT)
    return client_ctx(cafile, **kw).wrap_socket(raw, server_hostname="127.0.0.1")


def curl(*a):
    p = subprocess.run(["curl", "-sS", "--max-time", str(TIMEOUT), *a], capture_output=True)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


def get(sock, path="/"):
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    return Reader(sock).response()


def serve(cert, key, *extra, component=None):
    return Serve(BIN, ["--workers", "1", "--tls-cert", cert, "--tls-key", key, *extra,
                       component or COUNTER], timeout=TIMEOUT)


class SendingReader:
    """An SSL socket whose recv() also sends what is left of `data` (without
    blocking) while it waits: a body sent as the response is read, in one
    thread."""

    def __init__(self, sock, data):
        self.sock = sock
        self.left = memoryview(data)
        sock.setblocking(False)

    def recv(self, n):
        end = time.monotonic() + TIMEOUT
        while time.monotonic() < end:
            if self.left:
                try:
                    k = self.sock.send(self.left[:1 << 16])
                    self.left = self.left[k:]
                except (ssl.SSLWantWriteError, ssl.SSLWantReadError, BlockingIOError):
                    pass
            try:
                return self.sock.recv(n)
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError):
                pass
            if self.sock.pending():
                continue
            select.select([self.sock], [self.sock] if self.left else [], [], 1.0)
        raise TimeoutError(f"no answer within {TIMEOUT} s")


def main():
    if not shutil.which("openssl") or not shutil.which("curl"):
        print("FAIL this test needs openssl and curl (scripts/install-deps.sh)")
        print("0 passed, 1 failed")
        sys.exit(1)
    a_cert, a_key = make_cert("a")
    b_cert, b_key = make_cert("b")
    # the files the server reads, replaced for the reload
    cert, key = os.path.join(tmp, "served.pem"), os.path.join(tmp, "served.key")
    shutil.copy(a_cert, cert)
    shutil.copy(a_key, key)
    logs = []

    s = serve(cert, key, "--instance-model", "stateful", "--instances", "1")
    url = f"https://127.0.0.1:{s.port}/"
    try:
        def with_curl():
            for flags, want in ((["--tlsv1.3"], "TLSv1.3"), (["--tlsv1.2", "--tls-max", "1.2"],
                                                            "TLSv1.2")):
                rc, out, err = curl("-v", "--cacert", a_cert, *flags, url)
                check(rc == 0 and out.startswith(b"Hello from WASM!"), f"curl {flags}: {rc} {err}")
                check(want in err, f"curl {flags} did not use {want}: {err}")
            # two requests on one connection: keep-alive
            rc, out, err = curl("--cacert", a_cert, url, url, "-w", "[%{num_connects}]")
            check(rc == 0 and out.count(b"Hello from WASM!") == 2 and out.endswith(b"[0]"),
                  f"keep-alive: {out!r} {err}")
            # without the certificate trusted, curl refuses
            rc, _, err = curl(url)
            check(rc == 60, f"curl without --cacert: {rc} {err}")

        def alpn_and_versions():
            for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
                # h2 is preferred when offered (h2_serve_test.py speaks it)
                with tls_connect(s.port, a_cert, alpn=["http/1.1", "h2"], version=version) as t:
                    check(t.selected_alpn_protocol() == "h2",
                          f"ALPN chose {t.selected_alpn_protocol()}")
                with tls_connect(s.port, a_cert, alpn=["http/1.1"], version=version) as t:
                    check(t.selected_alpn_protocol() == "http/1.1",
                          f"ALPN chose {t.selected_alpn_protocol()}")
                    check(t.version() == version.name.replace("v1_", "v1."), t.version())
                    check(get(t).status == 200, "no answer")
            # a client that offers no protocol the server speaks still gets HTTP/1.1
            with tls_connect(s.port, a_cert, alpn=["spdy/3"]) as t:
                check(t.selected_alpn_protocol() is None, t.selected_alpn_protocol())
                check(get(t).status == 200, "no answer")

        def keepalive_and_pipelining():
            with tls_connect(s.port, a_cert) as t:
                counts = []
                for _ in range(3):
                    r = get(t)
                    check(r.status == 200, r.status)
                    counts.append(int(r.body.split(b"(")[1].split(b")")[0]))
                check(counts == sorted(counts) and len(set(counts)) == 3, counts)
                t.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" * 5)
                rd = Reader(t)
                for _ in range(5):
                    check(rd.response().status == 200, "a pipelined request unanswered")

        def plain_http_on_tls_port():
            with socket.create_connection((HOST, s.port), timeout=TIMEOUT) as c:
                c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                r = Reader(c).response()
                check(r.status == 400 and b"HTTPS" in r.body, (r.status, r.body))
                check(r.field("connection") == "close", r.fields)
            rc, out, err = curl(f"http://127.0.0.1:{s.port}/")
            check(rc == 0 and b"this port speaks HTTPS" in out, (rc, out, err))

        def reload_on_sighup():
            old = tls_connect(s.port, a_cert)
            check(old.getpeercert(binary_form=True) == der(a_cert), "not certificate a")
            check(get(old).status == 200, "no answer")
            shutil.copy(b_cert, cert)
            shutil.copy(b_key, key)
            s.proc.send_signal(signal.SIGHUP)
            check(wait_for(lambda: "certificate and key reloaded" in s.output(), TIMEOUT),
                  f"no reload in the log: {s.output()[-500:]}")
            with tls_connect(s.port, b_cert) as t:
                check(t.getpeercert(binary_form=True) == der(b_cert), "new: not certificate b")
                check(get(t).status == 200, "no answer on a new connection")
            # the connection made before goes on, with certificate a
            check(get(old).status == 200, "the old connection stopped")
            check(old.getpeercert(binary_form=True) == der(a_cert), "old: not certificate a")
            old.close()
            rc, out, err = curl("--cacert", b_cert, url)
            check(rc == 0 and out.startswith(b"Hello"), f"curl with b: {rc} {err}")
            # a broken file: the reload fails, certificate b stays
            with open(cert, "w") as f:
                f.write("not a certificate\n")
            s.proc.send_signal(signal.SIGHUP)
            check(wait_for(lambda: "was not reloaded" in s.output(), TIMEOUT),
                  f"no failed reload in the log: {s.output()[-500:]}")
            with tls_connect(s.port, b_cert) as t:
                check(t.getpeercert(binary_form=True) == der(b_cert), "b was not kept")
            shutil.copy(b_cert, cert)

        case("curl --cacert over TLS 1.3 and 1.2, keep-alive; untrusted refused", with_curl)
        case("ALPN: h2 chosen when offered, else http/1.1; none for neither", alpn_and_versions)
        case("keep-alive and pipelining over TLS", keepalive_and_pipelining)
        case("a plain HTTP request on the TLS port: a plain 400 that says why",
             plain_http_on_tls_port)
        case("SIGHUP: new connections get the new certificate, an open one keeps going; "
             "a broken file keeps the one in use", reload_on_sighup)
    finally:
        rc = s.stop()
        logs.append(s.output())
        check_exit = rc == 0
    if not check_exit:
        print(f"FAIL the server exited with {rc} on SIGTERM")
        results["failed"] += 1

    g = serve(b_cert, b_key, "--max-body-size", "64m", component=GUEST)
    try:
        def big_bodies_and_scheme():
            with tls_connect(g.port, b_cert) as t:
                r = get(t, "/info")
                check(r.status == 200 and b"\nscheme=https\n" in r.body, r.body)
                n = 10_000_000
                r = get(t, f"/gen?n={n}")
                check(r.status == 200 and len(r.body) == n and r.body == pattern(n),
                      f"download: {r.status} {len(r.body)}")
                body = pattern(n, 7)
                t.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % n)
                # the guest echoes as it reads: send while reading, from
                # one thread (an SSL socket is not for two at once)
                r = Reader(SendingReader(t, body)).response()
                check(r.status == 200 and r.body == body, f"echo: {r.status} {len(r.body)}")

        case("10 MB down and 10 MB echoed over TLS; the guest sees scheme https",
             big_bodies_and_scheme)
    finally:
        g.stop()
        logs.append(g.output())

    def startup_errors():
        port = free_port()
        for flags, want, status in (
                (["--tls-cert", a_cert, "--tls-key", os.path.join(tmp, "nope.key")],
                 "cannot read the TLS key", 3),
                (["--tls-cert", a_cert, "--tls-key", b_key], "does not match", 3),
                (["--tls-cert", os.path.join(tmp, "a.key"), "--tls-key", a_key],
                 "holds no usable PEM certificate", 3),
                (["--tls-cert", a_cert], "--tls-key", 2)):
            p = subprocess.run([BIN, "serve", "--addr", f"127.0.0.1:{port}", *flags, COUNTER],
                               capture_output=True, text=True, timeout=TIMEOUT)
            check(p.returncode == status and want in p.stderr,
                  f"{flags}: exit {p.returncode}, {p.stderr!r}")

    case("start-up errors: no such key, a mismatched key, no certificate in the file, "
         "a certificate without its key", startup_errors)

    for log in logs:
        for bad in sanitizer_reports(log):
            print(f"FAIL the server's log has {bad!r}:\n{log[-4000:]}")
            results["failed"] += 1
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"{results['passed']} passed, {results['failed']} failed")
    sys.exit(1 if results["failed"] else 0)


if __name__ == "__main__":
    main()
