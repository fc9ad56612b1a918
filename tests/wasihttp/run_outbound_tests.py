#!/usr/bin/env python3
"""Outbound HTTP (wasi:http/outgoing-handler) end to end: `wasmhttpd serve`
running tests/wasihttp/guests/out_guest.c (and the componentize-js guest
guests/js_fetch.js), and `wasmhttpd run` running the command
guests/out_cmd.c, against tests/wasihttp/backend.py, plain and TLS.

    run_outbound_tests.py [--sanitized] [--js JS_FETCH.wasm] [--cmd OUT_CMD.wasm]
                          WASMHTTPD OUT_GUEST.wasm [FILTER]

Test traffic must stay on this machine, and a name lookup would ask an
outside name server. So the driver runs itself again in a fresh network
namespace (`unshare -n`, then `ip link set lo up`): only loopback exists
there, and a lookup of an unknown name fails at once. It fails when it
cannot make one (it needs root, or user namespaces).

Every wasmhttpd configuration is one server, started for its cases and
stopped (SIGTERM must give exit status 0, and its log must be free of
sanitizer reports); a case that kills it fails, saying so, and the next
case gets a fresh one. The "[run]" cases (with --cmd) have no server: they
start `wasmhttpd run OUT_CMD.wasm URL` themselves, and its stderr must be
free of sanitizer reports too. FILTER keeps the cases whose "[config] name"
contains it. --sanitized (an ASan build): time limits are longer and memory is not
checked. Prints one line per case, "ok NAME" or "FAIL NAME: why", and ends
with "N passed, N failed"; the exit status is 1 when a case failed.
"""
import ctypes
import hashlib
import http.client
import json
import os
import select
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from whtest import Reader, Serve, check, connect, free_port, pattern, sanitizer_reports, \
    take_flag, take_option, terminate, wait_port

BACKEND = os.path.join(HERE, "backend.py")
NETNS_MARK = "WASMHTTPD_OUTBOUND_NETNS"

args = sys.argv[1:]
SANITIZED = take_flag(args, "--sanitized")
JS_GUEST = take_option(args, "--js")
CMD_GUEST = take_option(args, "--cmd")
if len(args) < 2:
    print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
    sys.exit(2)
BIN, GUEST = os.path.abspath(args[0]), os.path.abspath(args[1])
if JS_GUEST:
    JS_GUEST = os.path.abspath(JS_GUEST)
if CMD_GUEST:
    CMD_GUEST = os.path.abspath(CMD_GUEST)
FILTER = args[2] if len(args) > 2 else ""

TF = 5 if SANITIZED else 1  # time limits are multiplied by this
TIMEOUT = 30 * TF           # any single client operation
MB10 = 10 * 1024 * 1024
MAX_RSS_KB = 200 * 1024     # peak resident memory of the server


# ---------------------------------------------------------------------------
# The network namespace

def reexec_in_netns():
    """Runs this script again in a fresh network namespace; returns its exit
    status."""
    unshare = shutil.which("unshare")
    if not unshare or not shutil.which("ip"):
        print("FAIL netns: `unshare` and `ip` are needed to run the outbound tests in a "
              "network namespace of their own (util-linux, iproute2)")
        return 1
    why = ""
    for flags in (["-n"], ["-r", "-n"]):  # root, else a user namespace
        probe = subprocess.run([unshare, *flags, "true"], capture_output=True, text=True)
        if probe.returncode == 0:
            break
        why = probe.stderr.strip()
    else:
        print(f"FAIL netns: cannot make a network namespace (unshare -n: {why}); the "
              "outbound tests need root or unprivileged user namespaces, so that test "
              "traffic and name lookups cannot leave the machine")
        return 1
    env = dict(os.environ, **{NETNS_MARK: "1"})
    child = subprocess.Popen([unshare, *flags, "--", sys.executable, os.path.abspath(__file__),
                              *sys.argv[1:]], env=env)

    def forward(signum, frame):
        child.send_signal(signum)
    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    return child.wait()


def enter_netns():
    """Inside the namespace: loopback up, and nothing else there."""
    up = subprocess.run(["ip", "link", "set", "lo", "up"], capture_output=True, text=True)
    if up.returncode != 0:
        sys.exit(f"FAIL netns: ip link set lo up: {up.stderr.strip()}")
    links = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True).stdout
    names = [l.split(":")[1].strip().split("@")[0] for l in links.splitlines() if ":" in l]
    if names != ["lo"]:
        sys.exit(f"FAIL netns: not a fresh network namespace (interfaces: {names})")


_libc = ctypes.CDLL(None, use_errno=True)


def die_with_parent():
    """preexec_fn: the child is killed when this driver dies (PR_SET_PDEATHSIG),
    so that nothing outlives a killed test run."""
    _libc.prctl(1, signal.SIGKILL)


PROCS = []  # everything started, stopped at the end


def spawn(cmd, **kw):
    p = subprocess.Popen(cmd, preexec_fn=die_with_parent, **kw)
    PROCS.append(p)
    return p


# ---------------------------------------------------------------------------
# Back ends and servers

class Backend:
    def __init__(self, tls=None):
        self.tls = tls
        cmd = [sys.executable, BACKEND, "--port", "0"]
        if tls:
            cmd += ["--tls", *tls]
        self.log = tempfile.TemporaryFile()
        self.p = spawn(cmd, stdout=subprocess.PIPE, stderr=self.log)
        r, _, _ = select.select([self.p.stdout], [], [], 20)
        line = self.p.stdout.readline() if r else b""
        if not line.strip().isdigit():
            self.log.seek(0)
            raise RuntimeError(f"backend.py did not start: {self.log.read().decode()[-2000:]}")
        self.port = int(line)

    def url(self, path, scheme=None, host="127.0.0.1"):
        scheme = scheme or ("https" if self.tls else "http")
        return f"{scheme}://{host}:{self.port}{path}"

    def stats(self, reset=False):
        if self.tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            c = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=TIMEOUT, context=ctx)
        else:
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        c.request("GET", "/stats?reset=1" if reset else "/stats")
        data = json.loads(c.getresponse().read())
        c.close()
        return data

    def wait_stats(self, key, want, within):
        """Polls /stats until stats[key] == want; returns the last value."""
        deadline = time.monotonic() + within
        while True:
            v = self.stats()[key]
            if v == want or time.monotonic() > deadline:
                return v
            time.sleep(0.05)


class Server(Serve):
    """wasmhttpd serve GUEST with flags, on a port of its own."""

    def __init__(self, flags, guest):
        super().__init__(BIN, ["--drain-timeout", "5s", *flags, guest], what="wasmhttpd",
                         within=30 * TF, timeout=TIMEOUT, popen=spawn)

    def proxy(self, target, method="GET", body=None, headers=None, path="/proxy", conn=None,
              timeout=None):
        h = {"x-target": target}
        h.update(headers or {})
        return self.request(method, path, body, h, conn, timeout)

    def stop(self):
        return super().stop(30 * TF)


# ---------------------------------------------------------------------------
# A raw client: a body sent (Content-Length or chunked with trailers) while
# the response is read, so both go at once; trailers of the response kept.

def exchange(port, method, path, headers, body=None, chunks=None, trailers=(), timeout=TIMEOUT):
    """The response (a whtest.Response)."""
    sock = connect(port, timeout)
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    elif chunks is not None:
        lines.append("Transfer-Encoding: chunked")
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    send_error = []

    def send():
        try:
            if body:
                view = memoryview(body)
                for i in range(0, len(body), 1 << 20):
                    sock.sendall(view[i:i + (1 << 20)])
            elif chunks is not None:
                for c in chunks:
                    sock.sendall(b"%x\r\n" % len(c) + c + b"\r\n")
                tr = "".join(f"{k}: {v}\r\n" for k, v in trailers)
                sock.sendall(b"0\r\n" + tr.encode("latin-1") + b"\r\n")
        except OSError as e:
            send_error.append(e)
    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    try:
        return Reader(sock, 1 << 20).response(head=method == "HEAD")
    finally:
        sock.close()
        sender.join(timeout)


# ---------------------------------------------------------------------------
# Checks

def sha(b):
    return hashlib.sha256(b).hexdigest()


def expect_error(res, code, what=""):
    status, fields, data = res
    check(status == 502 and fields.get("x-error") == code
          and data == f"error={code}\n".encode(),
          f"{what}want 502 x-error: {code}, got {status} {fields.get('x-error')!r} {data[:200]!r}")


def expect_ok(res, body=None, what=""):
    status, fields, data = res
    check(status == 200 and (body is None or data == body),
          f"{what}want 200 {body!r}, got {status} {fields.get('x-error')!r} {data[:200]!r}")


def expect_body_error(res, code, what=""):
    """The guest buffered the body (x-buffer: 1), which failed with code."""
    status, fields, data = res
    check(status == 502 and data == f"body-error={code}".encode(),
          f"{what}want 502 body-error={code}, got {status} {data[:200]!r}")


def timed(fn, *a, **kw):
    t = time.monotonic()
    r = fn(*a, **kw)
    return r, time.monotonic() - t


def expect_timeout(s, target, code, headers=None, expect=expect_error):
    """Through s to target, a 500 ms timeout ends the request with code
    (expect_body_error: its body), in about that time."""
    res, dt = timed(s.proxy, target, headers=headers)
    expect(res, code)
    check(0.4 <= dt <= 5 * TF, f"took {dt:.2f} s for a 500 ms timeout")


def check_memory(s, what):
    peak = s.peak_rss_kb()
    check(SANITIZED or peak < MAX_RSS_KB, f"{what}: the server's peak RSS is {peak // 1024} MB")


# ---------------------------------------------------------------------------
# The environment: back ends, a port that hangs connects, a closed port

class Env:
    pass


E = Env()


def hanging_port():
    """A listener with backlog 0 that never accepts, its queue filled: a
    further connect gets no answer (the SYN is dropped) and hangs."""
    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen(0)
    port = lst.getsockname()[1]
    fillers = []
    for _ in range(16):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        fillers.append(s)
        _, w, _ = select.select([], [s], [], 0.3)
        if not w:
            return lst, port, fillers
    raise RuntimeError("could not fill the accept queue of a listener")


def make_env(tmp):
    E.cert, E.key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    out = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", E.key, "-out", E.cert, "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"openssl req: {out.stderr}")
    E.b = Backend()                       # the usual back end
    E.t = Backend(tls=(E.cert, E.key))    # TLS, self-signed
    E.other = Backend()                   # never allowed
    E.pool = Backend()                    # connection reuse (fresh counters)
    E.nopool = Backend()
    E.lim = Backend()
    E.maxc = Backend()
    E.hang_sock, E.hang, E.hang_fillers = hanging_port()
    E.closed = free_port()                # connects are refused
    E.h2 = start_nginx_h2(tmp)


NGINX_H2 = """
daemon off;
master_process off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 64; }}
http {{
    log_format proto '$server_protocol $connection $request_uri';
    access_log {tmp}/nginx-access.log proto;
    client_body_temp_path {tmp}/nginx-body;
    proxy_temp_path {tmp}/nginx-proxy;
    fastcgi_temp_path {tmp}/nginx-fastcgi;
    uwsgi_temp_path {tmp}/nginx-uwsgi;
    scgi_temp_path {tmp}/nginx-scgi;
    server {{
        listen 127.0.0.1:{port} ssl http2;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        location / {{ return 200 "hello over $server_protocol\\n"; }}
    }}
}}
"""


def start_nginx_h2(tmp):
    """nginx with TLS and HTTP/2 (offered by ALPN), logging each request's
    protocol and connection number; its port."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    port = free_port()
    conf = os.path.join(tmp, "nginx-h2.conf")
    with open(conf, "w") as f:
        f.write(NGINX_H2.format(tmp=tmp, port=port, cert=E.cert, key=E.key))
    PROCS.append(spawn([nginx, "-p", tmp, "-c", conf]))
    E.h2_log = os.path.join(tmp, "nginx-access.log")
    if wait_port(port, 10 * TF):
        return port
    raise RuntimeError(f"nginx (HTTP/2 back end) did not start on port {port}")


def allow(*urls):
    out = []
    for u in urls:
        out += ["--allow-http", u]
    return out


def main_allow():
    return allow(f"http://127.0.0.1:{E.b.port}", f"https://127.0.0.1:{E.t.port}",
                 f"http://127.0.0.1:{E.hang}", f"http://127.0.0.1:{E.closed}")


# config name -> (flags, guest), evaluated once the environment exists;
# flags None: no server, the cases run `wasmhttpd run` themselves
CONFIGS = {
    "serverless": lambda: (["--instance-model", "serverless", "--workers", "1",
                            *main_allow()], GUEST),
    "stateful": lambda: (["--instance-model", "stateful", "--instances", "1", "--workers", "1",
                          *main_allow(), *allow(f"http://127.0.0.1:{E.pool.port}")], GUEST),
    "no-pooling": lambda: (["--instance-model", "stateful", "--instances", "1",
                            "--outbound-idle-timeout", "0",
                            *allow(f"http://127.0.0.1:{E.nopool.port}")], GUEST),
    "limits": lambda: (["--workers", "1", "--outbound-max-requests", "4",
                        "--outbound-max-host-connections", "2",
                        *allow(f"http://127.0.0.1:{E.lim.port}")], GUEST),
    "max-connections": lambda: (["--workers", "1", "--outbound-max-connections", "1",
                                 *allow(f"http://127.0.0.1:{E.maxc.port}")], GUEST),
    "default-timeouts": lambda: (["--outbound-connect-timeout", "500ms",
                                  "--outbound-first-byte-timeout", "500ms",
                                  "--outbound-between-bytes-timeout", "500ms",
                                  *allow(f"http://127.0.0.1:{E.b.port}",
                                         f"http://127.0.0.1:{E.hang}")], GUEST),
    "deadline-serverless": lambda: (["--instance-model", "serverless", "--timeout", "1s",
                                     *allow(f"http://127.0.0.1:{E.b.port}")], GUEST),
    "deadline-stateful": lambda: (["--instance-model", "stateful", "--instances", "1",
                                   "--timeout", "1s",
                                   *allow(f"http://127.0.0.1:{E.b.port}")], GUEST),
    "tls-ca": lambda: (["--outbound-ca", E.cert,
                        *allow(f"https://127.0.0.1:{E.t.port}",
                               f"http://127.0.0.1:{E.b.port}")], GUEST),
    "h2": lambda: (["--outbound-ca", E.cert, "--workers", "1",
                    *allow(f"https://127.0.0.1:{E.h2}")], GUEST),
    "deny-private": lambda: (["--deny-private-addresses",
                              *allow(f"http://127.0.0.1:{E.b.port}", "http://localhost:*")],
                             GUEST),
    "patterns": lambda: (allow("http://*.invalid:*", "http://localhost", "http://127.0.0.1:*"),
                         GUEST),
    "any": lambda: (["--allow-http", "*"], GUEST),
    "js": lambda: (["--instance-model", "serverless",
                    *allow(f"http://127.0.0.1:{E.b.port}")], JS_GUEST),
    "run": lambda: (None, CMD_GUEST),
}

CASES = []  # (config, name, fn)


def case(configs, name):
    if isinstance(configs, str):
        configs = [configs]

    def wrap(fn):
        for c in configs:
            if not FILTER or FILTER in f"[{c}] {name}":
                CASES.append((c, name, fn))
        return fn
    return wrap


BOTH = ["serverless", "stateful"]


# ---------------------------------------------------------------------------
# Requests and responses

@case(BOTH, "GET: the back end's status, fields and body come back")
def _(s):
    status, f, data = s.proxy(E.b.url("/hello"))
    check(status == 200 and data == b"hello\n", (status, data))
    check(f.get("x-backend-status") == "200", f)
    check(f.get("x-b-content-type") == "text/plain", f"the back end's fields as x-b-*: {f}")


@case(BOTH, "a GET whose body the guest took and finished empty goes without one "
      "(no Transfer-Encoding), also when finished only after the response")
def _(s):
    for how in ("1", "late"):
        status, f, data = s.proxy(E.b.url("/headers"), headers={"x-take-body": how})
        lines = data.decode("latin-1").lower().split("\n")
        check(status == 200 and lines[0] == "get", (how, status, data[:300]))
        check(not any(l.startswith("transfer-encoding") for l in lines) and
              "@body-bytes: 0" in lines, (how, data[:300]))
        # the connection it used serves the next request well
        expect_ok(s.proxy(E.b.url("/hello")), b"hello\n", f"after {how}: ")


@case(BOTH, "the back end's status passes through (404, 503)")
def _(s):
    for code in (404, 503):
        status, f, data = s.proxy(E.b.url(f"/status?code={code}"))
        check(status == code and f.get("x-backend-status") == str(code), (code, status, f))


@case(BOTH, "method, forwarded fields, query and body reach the back end")
def _(s):
    status, f, data = s.proxy(E.b.url("/headers?q=1&r=%20x"), method="PUT", body=b"abc",
                              headers={"x-fwd-X-Custom": "yes", "x-fwd-accept": "text/x"})
    text = data.decode("latin-1")
    lines = text.lower().split("\n")
    check(status == 200 and lines[0] == "put", text)
    check("x-custom: yes" in lines and "accept: text/x" in lines, text)
    check("content-length: 3" in lines, f"Content-Length passed on: {text}")
    check("@target: /headers?q=1&r=%20x" in lines and "@body-bytes: 3" in lines, text)
    for m in ("DELETE", "PATCH", "OPTIONS", "PROPFIND"):
        status, f, data = s.proxy(E.b.url("/headers"), method=m)
        check(status == 200 and data.split(b"\n")[0] == m.encode(), (m, status, data[:200]))


@case(BOTH, "HEAD: the back end's head without a body; its connection serves the next request")
def _(s):
    before = E.b.stats()["requests"]
    for _ in range(2):
        r = exchange(s.port, "HEAD", "/proxy", {"x-target": E.b.url(f"/gen?n=100")})
        check(r.status == 200 and r.field("x-backend-status") == "200" and r.body == b"",
              (r.status, r.fields, r.body))
        res, dt = timed(s.proxy, E.b.url("/hello"))
        expect_ok(res, b"hello\n", "after: ")
        check(dt < 2 * TF, f"the request after a HEAD took {dt:.2f} s")
    check(E.b.stats()["requests"] - before == 4, "not four requests at the back end")


def transfer_10mb(s, what, target, want, payload=None):
    """GET target through s, or POST payload to it: the whole of want comes
    back, and the server's memory stays bounded."""
    r = exchange(s.port, "GET" if payload is None else "POST", "/proxy", {"x-target": target},
                 body=payload, timeout=60 * TF)
    check(r.status == 200 and r.complete, (r.status, r.complete, len(r.body)))
    check(r.body == want, f"{len(r.body)} bytes back, not the ones expected: {r.body[:200]!r}")
    check_memory(s, f"10 MB {what}")


@case(BOTH, "download: 10 MB streamed through, server memory bounded")
def _(s):
    transfer_10mb(s, "download", E.b.url(f"/gen?n={MB10}"), pattern(MB10))


@case(BOTH, "upload: 10 MB streamed to the back end (Content-Length), server memory bounded")
def _(s):
    payload = os.urandom(MB10)
    transfer_10mb(s, "upload", E.b.url("/sha256"),
                  f"bytes={MB10} sha256={sha(payload)}\n".encode(), payload)


@case(BOTH, "echo: 10 MB up and back at once, server memory bounded")
def _(s):
    payload = os.urandom(MB10)
    transfer_10mb(s, "echo", E.b.url("/echo"), payload, payload)


@case(BOTH, "upload: a chunked request body goes on without Content-Length")
def _(s):
    payload = os.urandom(1 << 20)
    chunks = [payload[i:i + 65536] for i in range(0, len(payload), 65536)]
    r = exchange(s.port, "POST", "/proxy", {"x-target": E.b.url("/sha256")}, chunks=chunks)
    check(r.status == 200 and r.body == f"bytes={len(payload)} sha256={sha(payload)}\n".encode(),
          (r.status, r.body[:200]))
    r = exchange(s.port, "POST", "/proxy", {"x-target": E.b.url("/headers")}, chunks=[b"xyz"])
    lines = r.body.decode().lower().split("\n")
    check(r.status == 200 and "@body-bytes: 3" in lines
          and not any(l.startswith("content-length:") for l in lines), r.body)


@case(BOTH, "trailers: the back end's response trailers reach the client")
def _(s):
    r = exchange(s.port, "GET", "/proxy", {"x-target": E.b.url("/trailers")})
    check(r.status == 200 and r.complete and r.body == b"abc", (r.status, r.body))
    check(r.trailer("x-t") == "1", f"trailers: {r.trailers}")


@case(BOTH, "trailers: a request trailer reaches the back end")
def _(s):
    r = exchange(s.port, "POST", "/proxy",
                 {"x-target": E.b.url("/req-trailers"), "x-req-trailer": "x-rt=42"},
                 chunks=[b"hello", b" world"])
    check(r.status == 200, (r.status, r.body))
    lines = r.body.decode().split("\n")
    check("bytes=11" in lines and "trailer x-rt: 42" in lines, r.body)


@case(BOTH, "a back end that closes mid-body: HTTP-response-incomplete, or a cut response")
def _(s):
    expect_body_error(s.proxy(E.b.url("/close-mid?n=50000"), headers={"x-buffer": "1"}),
                      "HTTP-response-incomplete")
    r = exchange(s.port, "GET", "/proxy", {"x-target": E.b.url("/close-mid?n=50000")})
    check(r.status == 200 and not r.complete, f"a cut body must not look complete: "
          f"{r.status} complete={r.complete} {len(r.body)} bytes")
    check(r.body == pattern(len(r.body)) and len(r.body) <= 50000, len(r.body))
    expect_ok(s.proxy(E.b.url("/hello")), b"hello\n", "after: ")


@case(BOTH, "connection refused")
def _(s):
    expect_error(s.proxy(f"http://127.0.0.1:{E.closed}/"), "connection-refused")


@case(BOTH, "destinations outside the allow-list are denied, with no connection made")
def _(s):
    before_b, before_o = E.b.stats()["connections"], E.other.stats()["connections"]
    expect_error(s.proxy(E.other.url("/hello")), "HTTP-request-denied", "another port: ")
    expect_error(s.proxy(E.b.url("/hello", scheme="https")), "HTTP-request-denied",
                 "another scheme: ")
    expect_error(s.proxy(E.b.url("/hello", host="localhost")), "HTTP-request-denied",
                 "another name for the same address: ")
    check(E.other.stats()["connections"] == before_o, "the denied back end got a connection")
    check(E.b.stats()["connections"] == before_b, "a denied request made a connection")


@case(BOTH, "a request without authority is HTTP-request-URI-invalid")
def _(s):
    expect_error(s.proxy("http:///hello"), "HTTP-request-URI-invalid")


@case(BOTH, "dropping the body stream after some bytes cancels cleanly")
def _(s):
    for _ in range(3):
        expect_ok(s.proxy(E.b.url(f"/gen?n={MB10}"), headers={"x-drop-after": "100000"}),
                  b"dropped after 100000")
    expect_ok(s.proxy(E.b.url("/hello")), b"hello\n", "after: ")


@case(BOTH, "dropping the future cancels the request: the back end's connection closes")
def _(s):
    for _ in range(3):
        expect_ok(s.proxy(E.b.url("/never"), headers={"x-drop-future": "1"}), b"dropped future")
    expect_ok(s.proxy(E.b.url("/hello")), b"hello\n", "after: ")
    left = E.b.wait_stats("waiting", 0, 5 * TF)
    check(left == 0, f"{left} requests to /never still open at the back end")


@case(BOTH, "connect timeout (request-options): connection-timeout")
def _(s):
    expect_timeout(s, f"http://127.0.0.1:{E.hang}/", "connection-timeout",
                   {"x-connect-timeout-ms": "500"})


@case(BOTH, "first-byte timeout (request-options): HTTP-response-timeout; a longer one waits")
def _(s):
    expect_timeout(s, E.b.url("/slow-head?ms=10000"), "HTTP-response-timeout",
                   {"x-first-byte-timeout-ms": "500"})
    expect_ok(s.proxy(E.b.url("/slow-head?ms=300"), headers={"x-first-byte-timeout-ms": "5000"}),
              b"slow\n")


@case(BOTH, "between-bytes timeout (request-options): the body fails with connection-read-timeout")
def _(s):
    expect_timeout(s, E.b.url("/stall?n=1000"), "connection-read-timeout",
                   {"x-between-bytes-timeout-ms": "500", "x-buffer": "1"}, expect_body_error)


@case(BOTH, "sequential requests in one handler (/seq)")
def _(s):
    expect_ok(s.proxy(E.b.url("/hello"), path="/seq?n=20"), b"ok n=20 bytes=120")


@case(BOTH, "concurrent requests in one handler run at once (/par)")
def _(s):
    res, dt = timed(s.proxy, E.b.url("/slow-head?ms=500"), path="/par?n=16")
    expect_ok(res, b"ok n=16")
    check(dt < 2.5 * TF, f"16 requests of 0.5 s took {dt:.2f} s: not concurrent")


@case(BOTH, "TLS: a self-signed back end is refused without --outbound-ca")
def _(s):
    before = E.t.stats()["requests"]
    expect_error(s.proxy(E.t.url("/hello")), "TLS-certificate-error")
    check(E.t.stats()["requests"] == before, "a request reached the untrusted back end")


@case("serverless", "outbound requests waiting do not hold up other requests of the worker")
def _(s):
    out = {}

    def one(key, target, headers=None):
        try:
            out[key] = s.proxy(target, headers=headers)
        except Exception as e:  # reported below
            out[key] = e
    ts = [threading.Thread(target=one, args=("slow", E.b.url("/slow-head?ms=2500"))),
          threading.Thread(target=one, args=("never", E.b.url("/never"),
                                             {"x-first-byte-timeout-ms": "2500"}))]
    for t in ts:
        t.start()
    time.sleep(0.5)
    for _ in range(3):
        res, dt = timed(s.proxy, E.b.url("/hello"))
        expect_ok(res, b"hello\n")
        check(dt < 1.0 * TF, f"a quick request took {dt:.2f} s while two others waited")
    for t in ts:
        t.join(TIMEOUT)
    check(not isinstance(out.get("slow"), Exception), out.get("slow"))
    expect_ok(out["slow"], b"slow\n", "the slow one: ")
    expect_error(out["never"], "HTTP-response-timeout", "the one never answered: ")


@case("stateful", "1,000 sequential requests through one instance use ONE back-end connection")
def _(s):
    before = E.pool.stats()
    c = s.conn()
    for i in range(1000):
        status, f, data = s.proxy(E.pool.url("/hello"), conn=c)
        if status != 200 or data != b"hello\n":
            raise AssertionError(f"request {i}: {status} {f.get('x-error')} {data[:100]!r}")
    c.close()
    expect_ok(s.proxy(E.pool.url("/hello"), path="/seq?n=1000"), b"ok n=1000 bytes=6000")
    after = E.pool.stats()
    check(after["requests"] - before["requests"] == 2000, (before, after))
    check(after["connections"] - before["connections"] == 1,
          f"{after['connections'] - before['connections']} connections for 2,000 requests")


@case("no-pooling", "--outbound-idle-timeout 0: a new connection for every request")
def _(s):
    before = E.nopool.stats()["connections"]
    for _ in range(30):
        expect_ok(s.proxy(E.nopool.url("/hello")), b"hello\n")
    expect_ok(s.proxy(E.nopool.url("/hello"), path="/seq?n=20"), b"ok n=20 bytes=120")
    made = E.nopool.stats()["connections"] - before
    check(made == 50, f"{made} connections for 50 requests")


def capped(s, backend, n, ms, most):
    """n requests at once (/par) through s to backend, each answered after
    ms, on at most `most` connections at a time; the seconds they took."""
    backend.stats(reset=True)
    res, dt = timed(s.proxy, backend.url(f"/slow-head?ms={ms}"), path=f"/par?n={n}")
    expect_ok(res, f"ok n={n}".encode())
    peak = backend.stats()["max_open"]
    check(peak <= most, f"{peak} connections open at once")
    return dt


@case("limits", "--outbound-max-host-connections 2: 4 requests at once share 2 connections")
def _(s):
    dt = capped(s, E.lim, 4, 400, 2)
    check(0.75 <= dt <= 5 * TF, f"4 requests of 0.4 s on 2 connections took {dt:.2f} s")


@case("limits", "--outbound-max-requests 4: a fifth request at once is connection-limit-reached")
def _(s):
    expect_error(s.proxy(E.lim.url("/slow-head?ms=300"), path="/par?n=5"),
                 "connection-limit-reached")
    expect_ok(s.proxy(E.lim.url("/hello"), path="/par?n=4"), b"ok n=4", "after: ")


@case("max-connections", "--outbound-max-connections 1: 3 requests at once, one connection")
def _(s):
    dt = capped(s, E.maxc, 3, 300, 1)
    check(dt >= 0.85, f"3 requests of 0.3 s on 1 connection took {dt:.2f} s")


@case("default-timeouts", "--outbound-connect-timeout when the guest sets none")
def _(s):
    expect_timeout(s, f"http://127.0.0.1:{E.hang}/", "connection-timeout")


@case("default-timeouts", "--outbound-first-byte-timeout when the guest sets none")
def _(s):
    expect_timeout(s, E.b.url("/slow-head?ms=10000"), "HTTP-response-timeout")


@case("default-timeouts", "--outbound-between-bytes-timeout when the guest sets none")
def _(s):
    expect_timeout(s, E.b.url("/stall?n=1000"), "connection-read-timeout", {"x-buffer": "1"},
                   expect_body_error)


@case("default-timeouts", "the guest's request-options override the server's defaults")
def _(s):
    expect_ok(s.proxy(E.b.url("/slow-head?ms=1000"),
                      headers={"x-first-byte-timeout-ms": "5000"}), b"slow\n")


@case(["deadline-serverless", "deadline-stateful"],
      "a back end that never answers: --timeout gives 504, the next request works, the "
      "outbound request is closed")
def _(s):
    res, dt = timed(s.proxy, E.b.url("/never"))
    check(res[0] == 504, f"{res[0]} {res[2][:200]!r}")
    check(0.9 <= dt <= 5 * TF, f"504 after {dt:.2f} s with --timeout 1s")
    # the log says what the guest was waiting for
    log = s.output()
    check(re.search(r"waited past its deadline \(--timeout 1000 ms\) in poll\([^)]*"
                    r"future-incoming-response", log), log[-1500:])
    expect_ok(s.proxy(E.b.url("/hello")), b"hello\n", "after: ")
    left = E.b.wait_stats("waiting", 0, 5 * TF)
    check(left == 0, f"{left} requests to /never still open at the back end")


@case("tls-ca", "TLS: trusted with --outbound-ca (GET and a 1 MB echo)")
def _(s):
    expect_ok(s.proxy(E.t.url("/hello")), b"hello\n")
    payload = os.urandom(1 << 20)
    r = exchange(s.port, "POST", "/proxy", {"x-target": E.t.url("/echo")}, body=payload)
    check(r.status == 200 and r.complete and r.body == payload,
          (r.status, r.complete, len(r.body)))


@case("h2", "HTTP/2 by ALPN: requests to nginx go over HTTP/2, concurrent ones on one connection")
def _(s):
    url = f"https://127.0.0.1:{E.h2}/one"
    expect_ok(s.proxy(url), b"hello over HTTP/2.0\n")
    res = s.proxy(f"https://127.0.0.1:{E.h2}/many", path="/par?n=8")
    check(res[0] == 200 and res[2].startswith(b"ok"), (res[0], res[2][:200]))
    time.sleep(0.2 * TF)  # nginx writes its log after the response
    with open(E.h2_log) as f:
        lines = [l.split() for l in f if l.strip()]
    one = [l for l in lines if l[2] == "/one"]
    many = [l for l in lines if l[2] == "/many"]
    check(len(one) == 1 and one[0][0] == "HTTP/2.0", f"/one: {one}")
    check(len(many) == 8 and all(l[0] == "HTTP/2.0" for l in many), f"/many: {many}")
    conns = {l[1] for l in many}
    check(len(conns) == 1, f"8 concurrent requests used {len(conns)} connections: {sorted(conns)}")


@case("tls-ca", "no scheme: the host's default is used (exactly one of http and https works)")
def _(s):
    plain = s.proxy(E.b.url("/hello"), headers={"x-no-scheme": "1"})
    tls = s.proxy(E.t.url("/hello"), headers={"x-no-scheme": "1"})
    ok = [r[0] == 200 and r[2] == b"hello\n" for r in (plain, tls)]
    check(ok.count(True) == 1,
          f"http back end: {plain[0]} {plain[2][:80]!r}; https back end: {tls[0]} {tls[2][:80]!r}")
    expect_ok(s.proxy(E.b.url("/hello")), b"hello\n", "after: ")


@case("deny-private", "--deny-private-addresses: loopback is destination-IP-prohibited, "
      "no connection made")
def _(s):
    before = E.b.stats()["connections"]
    expect_error(s.proxy(E.b.url("/hello")), "destination-IP-prohibited", "by address: ")
    expect_error(s.proxy(E.b.url("/hello", host="localhost")), "destination-IP-prohibited",
                 "by name: ")
    check(E.b.stats()["connections"] == before, "a connection was made")


@case("patterns", "allow-list patterns: *.NAME is one label, no port is the scheme's, :* any")
def _(s):
    before = E.b.stats()["connections"]
    res, dt = timed(s.proxy, "http://nonexistent.invalid/")
    expect_error(res, "DNS-error", "one label under *.invalid: ")
    check(dt < 10 * TF, f"the failed lookup took {dt:.2f} s")
    expect_error(s.proxy("http://a.nonexistent.invalid/"), "HTTP-request-denied",
                 "two labels under *.invalid: ")
    expect_error(s.proxy("https://nonexistent.invalid/"), "HTTP-request-denied",
                 "https where http is allowed: ")
    expect_error(s.proxy(E.b.url("/hello", host="localhost")), "HTTP-request-denied",
                 "http://localhost allows port 80 only: ")
    check(E.b.stats()["connections"] == before, "a denied request made a connection")
    expect_error(s.proxy("http://localhost/"), "connection-refused",
                 "http://localhost on port 80 (nothing listens): ")
    expect_ok(s.proxy(E.b.url("/hello")), b"hello\n", "127.0.0.1:* allows any port: ")
    expect_error(s.proxy(E.t.url("/hello")), "HTTP-request-denied", "https to 127.0.0.1: ")


@case("any", "--allow-http '*': anything allowed; an unknown name is DNS-error")
def _(s):
    res, dt = timed(s.proxy, f"http://nonexistent.invalid:{E.b.port}/hello")
    expect_error(res, "DNS-error")
    check(dt < 10 * TF, f"the failed lookup took {dt:.2f} s")
    expect_ok(s.proxy(E.b.url("/hello")), b"hello\n", "by address: ")
    expect_ok(s.proxy(E.b.url("/hello", host="localhost")), b"hello\n", "by name: ")


@case("js", "js: fetch() GET of a back end")
def _(s):
    status, f, data = s.request("GET", "/fetch", headers={"x-target": E.b.url("/hello")})
    check(status == 200 and data == b"hello\n" and f.get("x-backend-status") == "200",
          (status, f, data[:200]))
    status, f, data = s.request("GET", "/fetch", headers={"x-target": E.b.url("/status?code=404")})
    check(status == 404, (status, data[:200]))


@case("js", "js: fetch() POST of 1 MB to an echoing back end")
def _(s):
    payload = os.urandom(1 << 20)
    status, f, data = s.request("POST", "/fetch-post", body=payload,
                                headers={"x-target": E.b.url("/echo")})
    check(status == 200 and data == payload, (status, len(data), data[:200]))
    status, f, data = s.request("POST", "/fetch-post", body=payload,
                                headers={"x-target": E.b.url("/sha256")})
    check(status == 200 and data == f"bytes={len(payload)} sha256={sha(payload)}\n".encode(),
          (status, data[:200]))


@case("js", "js: a destination not allowed is still refused")
def _(s):
    status, f, data = s.request("GET", "/fetch")
    check(status == 502 and data.startswith(b"fetch failed"), (status, data[:200]))
    status, f, data = s.request("GET", "/fetch", headers={"x-target": E.other.url("/hello")})
    check(status == 502 and data.startswith(b"fetch failed"), (status, data[:200]))
    # with a body: the engine writes it after handle(), so the refusal must
    # come through the future for fetch() to reject (not trap)
    status, f, data = s.request("POST", "/fetch-post", body=b"x" * 100000,
                                headers={"x-target": E.other.url("/echo")})
    check(status == 502 and data.startswith(b"fetch failed"), (status, data[:200]))
    expect_ok(s.request("GET", "/"), None, "the next request: ")


# ---------------------------------------------------------------------------
# `wasmhttpd run` of out_cmd.wasm: one GET, "status=N\n" and the body on
# stdout, exit 0; "error=CASE\n" and exit 1 when it fails

def run_cmd(flags, *cmd_args, timeout=TIMEOUT):
    """`wasmhttpd run FLAGS out_cmd.wasm ARGS`: (exit status, stdout, stderr)."""
    p = spawn([BIN, "run", *flags, CMD_GUEST, *cmd_args], stdin=subprocess.DEVNULL,
              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        raise AssertionError(f"wasmhttpd run took more than {timeout} s")
    err = err.decode(errors="replace")
    bad = sanitizer_reports(err)
    if bad:
        raise AssertionError(f"wasmhttpd run's stderr has {bad[0]!r}:\n{err[-4000:]}")
    return p.returncode, out, err


def expect_run(res, rc, stdout, what=""):
    got_rc, out, err = res
    check(got_rc == rc and out == stdout,
          f"{what}want exit {rc} and {stdout[:200]!r}, got exit {got_rc} and {out[:200]!r}; "
          f"stderr: {err[-1000:]!r}")


@case("run", "an allowed GET: status=200 and the body on stdout, exit 0")
def _(s):
    flags = allow(f"http://127.0.0.1:{E.b.port}")
    expect_run(run_cmd(flags, E.b.url("/hello")), 0, b"status=200\nhello\n")
    expect_run(run_cmd(flags, E.b.url("/status?code=404")), 0, b"status=404\n", "404: ")
    n = 1 << 20
    expect_run(run_cmd(flags, E.b.url(f"/gen?n={n}")), 0, b"status=200\n" + pattern(n), "1 MB: ")


@case("run", "a body cut by the back end: what came, then error=HTTP-response-incomplete, exit 1")
def _(s):
    rc, out, err = run_cmd(allow(f"http://127.0.0.1:{E.b.port}"), E.b.url("/close-mid?n=50000"))
    head, tail = b"status=200\n", b"\nerror=HTTP-response-incomplete\n"
    check(rc == 1 and out.startswith(head) and out.endswith(tail),
          (rc, out[:100], out[-100:], err[-1000:]))
    got = out[len(head):-len(tail)]
    check(len(got) <= 50000 and got == pattern(len(got)), f"{len(got)} bytes, not the back end's")


@case("run", "without --allow-http: error=HTTP-request-denied, exit 1, no connection made")
def _(s):
    before = E.b.stats()["connections"]
    expect_run(run_cmd([], E.b.url("/hello")), 1, b"error=HTTP-request-denied\n")
    expect_run(run_cmd(allow(f"http://127.0.0.1:{E.other.port}"), E.b.url("/hello")), 1,
               b"error=HTTP-request-denied\n", "another port allowed: ")
    check(E.b.stats()["connections"] == before, "a denied request made a connection")


@case("run", "connection refused: error=connection-refused, exit 1")
def _(s):
    expect_run(run_cmd(allow(f"http://127.0.0.1:{E.closed}"), f"http://127.0.0.1:{E.closed}/"),
               1, b"error=connection-refused\n")


@case("run", "a bad --allow-http value: exit 2 with a message, the guest not run")
def _(s):
    before = E.b.stats()["connections"]
    for bad in ("ftp://127.0.0.1", "127.0.0.1", f"http://127.0.0.1:{E.b.port}/hello",
                "http://127.0.0.1:99999", "http://127.0.0.1:port", ""):
        rc, out, err = run_cmd(["--allow-http", bad], E.b.url("/hello"))
        check(rc == 2 and out == b"" and "--allow-http" in err and f'"{bad}"' in err,
              f"--allow-http {bad!r}: exit {rc}, stdout {out[:200]!r}, stderr {err[-500:]!r}")
    check(E.b.stats()["connections"] == before, "a connection was made")


# ---------------------------------------------------------------------------

def failure(e):
    """Why a case failed: a check says it, anything else says what it is too."""
    return str(e) if isinstance(e, AssertionError) else f"{type(e).__name__}: {e}"


def run_all():
    results = {"passed": 0, "failed": 0}

    def report(ok, name, why=""):
        results["passed" if ok else "failed"] += 1
        print(f"ok {name}" if ok else f"FAIL {name}: {why}", flush=True)

    order = []
    for c, _, _ in CASES:
        if c not in order:
            order.append(c)
    for config in order:
        cases = [(n, fn) for c, n, fn in CASES if c == config]
        flags, guest = CONFIGS[config]()
        if guest is None:  # the js cases without --js, the run cases without --cmd
            continue
        if flags is None:  # no server
            for name, fn in cases:
                try:
                    fn(None)
                    report(True, f"[{config}] {name}")
                except Exception as e:
                    report(False, f"[{config}] {name}", failure(e))
            continue
        server = None
        for name, fn in cases:
            label = f"[{config}] {name}"
            if server is None:  # the first case, or the last one killed it
                try:
                    server = Server(flags, guest)
                except Exception as e:
                    report(False, label, f"the server did not start: {e}")
                    continue
            try:
                fn(server)
                if server.proc.poll() is not None:
                    raise AssertionError("the server died")
                report(True, label)
            except Exception as e:
                why = failure(e)
                try:  # a server on its way out
                    server.proc.wait(0.3)
                except subprocess.TimeoutExpired:
                    pass
                if server.proc.poll() is not None:
                    why += (f" (the server died with status {server.proc.returncode}; log:\n"
                            f"{server.output()[-1500:]})")
                    server = None  # a fresh one for the next case
                report(False, label, why)
        if server is None:
            continue
        rc = server.stop()
        log = server.output()
        if rc != 0:
            report(False, f"[{config}] stop", f"exit status {rc} on SIGTERM:\n{log[-2000:]}")
        for bad in sanitizer_reports(log):
            report(False, f"[{config}] log", f"the server's log has {bad!r}:\n{log[-4000:]}")
    return results


def main():
    if os.environ.get(NETNS_MARK) != "1":
        sys.exit(reexec_in_netns())
    enter_netns()
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
    for f, what in ((BIN, "wasmhttpd"), (GUEST, "the guest"), (JS_GUEST, "--js"),
                    (CMD_GUEST, "--cmd")):
        if f and not os.path.exists(f):
            sys.exit(f"FAIL setup: {what} {f} does not exist (build it first)")
    start = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="outbound-tests-")
    try:
        try:
            make_env(tmp)
        except Exception as e:
            print(f"FAIL setup: {e}")
            print("0 passed, 1 failed")
            return 1
        results = run_all()
    finally:
        for p in PROCS:
            terminate(p, 5)
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{results['passed']} passed, {results['failed']} failed "
          f"({time.monotonic() - start:.0f} s)")
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
