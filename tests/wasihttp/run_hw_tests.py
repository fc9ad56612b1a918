#!/usr/bin/env python3
"""The wasi:http host end to end: `wasmhttpd serve` running the test guest
tests/wasihttp/guests/hw_guest.c, driven over loopback with http.client, raw
sockets and curl. Header and body semantics: fields rules seen from the
guest and on the wire, trailers both ways, chunked streaming, 10 MB bodies
both ways with bounded server memory, Content-Length mismatches, failures
before and after the response started, error-code statuses.

    run_hw_tests.py [--sanitized] [--js JS_FETCH.wasm] WASMHTTPD HW_GUEST.wasm [FILTER]

Standard library only (and curl when present). Every socket has a timeout.
Prints one line per case and ends with "N passed, N failed".
"""
import http.client
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from whtest import Reader, Serve, check, connect, pattern, sanitizer_reports, take_flag, \
    take_option, values

args = sys.argv[1:]
# --sanitized: the server runs under ASan, whose memory and speed are not the
# release build's: the memory and timing bounds are not checked.
SANITIZED = take_flag(args, "--sanitized")
# --js JS.wasm: also the componentize-js guest guests/js_fetch.js
JS_GUEST = take_option(args, "--js")
BIN, GUEST = args[:2]
FILTER = args[2] if len(args) > 2 else ""
TIMEOUT = 20
MB10 = 10 * 1024 * 1024
results = {"passed": 0, "failed": 0}


def start(*flags, guest=None):
    """`wasmhttpd serve FLAGS GUEST`; s.send() answers (response, body)."""
    return Serve(BIN, [*flags, guest or GUEST], timeout=TIMEOUT)


CASES = []
JS_CASES = []


def case(name, js=False):
    def wrap(fn):
        if not FILTER or FILTER in name:
            (JS_CASES if js else CASES).append((name, fn))
        return fn
    return wrap


def run(server, model, cases):
    for name, fn in cases:
        try:
            fn(server)
            if server.proc.poll() is not None:
                raise AssertionError(f"the server died: {server.output()[-2000:]}")
            print(f"ok   [{model}] {name}", flush=True)
            results["passed"] += 1
        except Exception as e:  # a failed check or a broken server
            print(f"FAIL [{model}] {name}: {type(e).__name__}: {e}", flush=True)
            results["failed"] += 1


def fnv(data):
    h = 2166136261
    for b in data:
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


# ---- the request as the guest sees it ----

@case("request: method, path-with-query, authority, scheme and header entries in order")
def _(s):
    r, data = s.send("GET", "/info?a=1&b=%20x", headers={"X-First": "one", "x-second": "two"})
    text = data.decode()
    check(r.status == 200, r.status)
    check("method=GET\n" in text, text)
    check("path=/info?a=1&b=%20x\n" in text, text)
    check(f"authority=127.0.0.1:{s.port}\n" in text, text)
    check("scheme=http\n" in text, text)
    i, j = text.find("h:X-First=one"), text.find("h:x-second=two")
    check(0 <= i < j, f"entries keep order and casing: {text}")
    for m in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS", "PROPFIND"):
        r, data = s.send(m, "/info", body=b"" if m in ("POST", "PUT") else None)
        check(f"method={m}\n" in data.decode(), (m, data))
    # whitespace between a field name and its colon is refused before the
    # guest sees anything (RFC 9112 5.1)
    r, data = s.send("GET", "/info", headers={"X-First ": "refused"})
    check(r.status == 400, (r.status, data))


# ---- fields ----

@case("fields: syntax, forbidden names, case, multiple values, immutability (seen by the guest)")
def _(s):
    r, data = s.send("GET", "/fields", headers={"User-Agent": "t"})
    check(r.status == 200, r.status)
    got = dict(l.split(": ", 1) for l in data.decode().strip().split("\n"))
    want = {
        "append-ok": "ok", "append-bad-name": "invalid-syntax",
        "append-bad-value": "invalid-syntax", "append-forbidden-connection": "forbidden",
        "append-forbidden-host": "forbidden", "append-forbidden-te": "forbidden",
        "delete-forbidden": "forbidden", "append-multi": "ok", "get-case": "1",
        "get-multi": "a,b", "has-missing": "false", "set": "ok", "set-get": "1,2",
        "from-list-forbidden": "forbidden", "from-list-bad": "invalid-syntax",
        "from-list-ok": "ok", "request-headers-append": "immutable",
        "request-headers-delete": "immutable", "clone-append": "ok",
        "response-headers-append": "immutable",
    }
    for k, v in want.items():
        check(got.get(k) == v, f"{k}: got {got.get(k)!r}, want {v!r}")


@case("fields: on the wire as built (set replaces in place, several values stay apart)")
def _(s):
    sock = connect(s.port, TIMEOUT)
    sock.sendall(b"GET /fields HTTP/1.1\r\nHost: x\r\n\r\n")
    h = Reader(sock).head()
    sock.close()
    names = [k for k, _ in h.fields]
    check(h.values("x-a") == ["1"], h.fields)
    check(h.values("x-multi") == ["1", "2"], h.fields)
    check(names.index("x-a") < names.index("x-multi"), names)
    check(not h.values("connection") and not h.values("host"), h.fields)


@case("a short response written and finished at once goes in one piece, with its length")
def _(s):
    sock = connect(s.port, TIMEOUT)
    sock.sendall(b"GET /gen?n=10 HTTP/1.1\r\nHost: x\r\n\r\n")
    time.sleep(0.2)
    data = sock.recv(65536)
    sock.close()
    check(b"\r\nContent-Length: 10\r\n" in data and data.endswith(b"\r\n\r\nabcdefghij"), data)
    check(b"chunked" not in data, data)


@case("fields: a handle moved into outgoing-response is gone (the guest traps: 500)")
def _(s):
    r, data = s.send("GET", "/use-after-move")
    check(r.status == 500, r.status)


# ---- bodies ----

@case("echo: a chunked request body streams back chunked")
def _(s):
    # more than the host holds back (16 KiB), so the response cannot be
    # sent whole with a Content-Length however the chunks arrive
    def parts():
        for i in range(100):
            yield (b"part%02d-" % i) * 100
    c = s.conn()
    c.request("POST", "/echo", body=parts(), encode_chunked=True)
    r = c.getresponse()
    data = r.read()
    c.close()
    check(r.status == 200 and r.getheader("x-echo") == "1", r.status)
    check(r.getheader("transfer-encoding") == "chunked", r.getheaders())
    check(data == b"".join(parts()), len(data))


@case("echo: 10 MB both ways at once, server memory bounded")
def _(s):
    before = s.peak_rss_kb()
    payload = os.urandom(MB10)
    sock = connect(s.port, TIMEOUT)
    sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % MB10)
    errors = []

    def send():
        try:
            sock.sendall(payload)
        except OSError as e:
            errors.append(e)
    t = threading.Thread(target=send)
    t.start()
    r = Reader(sock).response()
    t.join(TIMEOUT)
    sock.close()
    check(not errors, errors)
    check(r.status == 200 and r.complete, (r.status, r.complete))
    check(r.body == payload, f"{len(r.body)} bytes back")
    grown = s.peak_rss_kb() - before
    check(SANITIZED or grown < 32 * 1024, f"peak RSS grew by {grown} KiB for a 10 MB echo")


@case("upload: 10 MB read by the guest as it comes (Content-Length and chunked)")
def _(s):
    payload = os.urandom(MB10)
    want = b"bytes=%d fnv=%d\n" % (MB10, fnv(payload))
    r, data = s.send("POST", "/sum", body=payload)
    check(r.status == 200 and data == want, data)

    def parts():
        for i in range(0, MB10, 1 << 20):
            yield payload[i:i + (1 << 20)]
    c = s.conn()
    c.request("POST", "/sum", body=parts(), encode_chunked=True)
    r = c.getresponse()
    data = r.read()
    c.close()
    check(r.status == 200 and data == want, data)


@case("download: 10 MB streamed chunked, and with Content-Length")
def _(s):
    before = s.peak_rss_kb()
    r, data = s.send("GET", f"/gen?n={MB10}")
    check(r.status == 200 and r.getheader("transfer-encoding") == "chunked", r.getheaders())
    check(data == pattern(MB10), len(data))
    r, data = s.send("GET", f"/gen?n={MB10}&cl=1")
    check(r.getheader("content-length") == str(MB10), r.getheaders())
    check(r.getheader("transfer-encoding") is None, r.getheaders())
    check(data == pattern(MB10), len(data))
    grown = s.peak_rss_kb() - before
    check(SANITIZED or grown < 32 * 1024, f"peak RSS grew by {grown} KiB")


@case("download: a slow reader holds the guest back (backpressure), nothing is lost")
def _(s):
    n = 4 * 1024 * 1024
    sock = connect(s.port, TIMEOUT)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
    sock.sendall(b"GET /gen?n=%d&cl=1 HTTP/1.1\r\nHost: x\r\n\r\n" % n)
    time.sleep(1.0)  # the guest fills the socket and the write queue, then waits
    r = Reader(sock).response()
    sock.close()
    check(r.status == 200 and r.body == pattern(n), len(r.body))


@case("Expect: 100-continue: the 100 comes once the guest reads the body, before any byte")
def _(s):
    sock = connect(s.port, TIMEOUT)
    sock.sendall(b"POST /sum HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                 b"Content-Length: 5\r\n\r\n")
    reader = Reader(sock)
    h = reader.head()  # with nothing sent yet
    check(h.status == 100 and reader.buf == b"", (h.status, reader.buf))
    sock.sendall(b"hello")
    r = reader.response()
    sock.close()
    check(r.status == 200 and r.body == b"bytes=5 fnv=1335831723\n", (r.status, r.body))


@case("curl: upload with Expect: 100-continue and download, both 10 MB")
def _(s):
    curl = shutil.which("curl")
    if not curl:
        raise AssertionError("curl not found")
    with tempfile.NamedTemporaryFile() as f:
        payload = os.urandom(MB10)
        f.write(payload)
        f.flush()
        out = subprocess.run([curl, "-sS", "--data-binary", f"@{f.name}",
                              "-H", "Expect: 100-continue",
                              f"http://127.0.0.1:{s.port}/sum"],
                             capture_output=True, timeout=60)
        check(out.returncode == 0, out.stderr)
        check(out.stdout == b"bytes=%d fnv=%d\n" % (MB10, fnv(payload)), out.stdout)
        out = subprocess.run([curl, "-sS", "-T", f.name, f"http://127.0.0.1:{s.port}/echo"],
                             capture_output=True, timeout=60)
        check(out.returncode == 0 and out.stdout == payload, (out.returncode, len(out.stdout)))


# ---- trailers ----

@case("trailers: request trailers reach the guest, response trailers reach the client")
def _(s):
    sock = connect(s.port, TIMEOUT)
    sock.sendall(b"POST /trailers HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                 b"Trailer: X-Client-Sum\r\n\r\n"
                 b"5\r\nhello\r\n6\r\n world\r\n0\r\nX-Client-Sum: abc123\r\n\r\n")
    reader = Reader(sock)
    r = reader.response()
    check(r.status == 200 and r.values("transfer-encoding") == ["chunked"], r.fields)
    check(r.complete and r.body == b"bytes=11\n", r.body)
    check(values(r.trailers, "x-client-sum") == ["abc123"], r.trailers)
    check(values(r.trailers, "x-bytes") == ["11"], r.trailers)
    # the same connection goes on; a body without trailers
    sock.sendall(b"POST /trailers HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
    r = reader.response()
    sock.close()
    check(r.complete and r.values("transfer-encoding") == ["chunked"], r.fields)
    check(r.body == b"bytes=3\n" and r.trailers == [("x-bytes", "3")], (r.body, r.trailers))


# ---- Content-Length ----

def cut_response(s, path, partial=b"partial"):
    """GET path: a 200 whose body is cut after partial."""
    c = s.conn()
    c.request("GET", path)
    r = c.getresponse()
    check(r.status == 200, (path, r.status))
    try:
        data = r.read()
        raise AssertionError(f"{path}: a cut body read as complete: {data!r}")
    except http.client.IncompleteRead as e:
        check(e.partial == partial, (path, e.partial))
    c.close()


@case("content-length: as declared; short or long: a 500 if nothing went out, else cut")
def _(s):
    r, data = s.send("GET", "/length?declared=10&actual=10")
    check(r.status == 200 and data == b"x" * 10, (r.status, data))
    for q in ("declared=10&actual=5", "declared=5&actual=10"):
        r, data = s.send("GET", "/length?" + q)
        check(r.status == 500, (q, r.status))
    # once the head went out (the guest waited), a mismatch cuts the body
    for q, partial in (("declared=10&actual=5&wait=1", b"x" * 5),
                       ("declared=5&actual=10&wait=1", b"")):
        cut_response(s, "/length?" + q, partial)


@case("HEAD: the declared length is sent, no body")
def _(s):
    sock = connect(s.port, TIMEOUT)
    sock.sendall(b"HEAD /gen?n=100&cl=1 HTTP/1.1\r\nHost: x\r\n\r\n"
                 b"GET /gen?n=3 HTTP/1.1\r\nHost: x\r\n\r\n")
    reader = Reader(sock)
    r = reader.response(head=True)
    check(r.status == 200 and r.values("content-length") == ["100"], r.fields)
    r = reader.response()  # the next response follows at once
    sock.close()
    check(r.status == 200 and r.values("content-length") == ["3"] and r.body == b"abc",
          (r.fields, r.body))


# ---- failures ----

@case("failures: trap before set is a 500 and the connection goes on")
def _(s):
    c = s.conn()
    r, data = s.send("GET", "/trap-before", conn=c)
    check(r.status == 500, r.status)
    r, data = s.send("GET", "/gen?n=2", conn=c)
    check(r.status == 200 and data == b"ab", data)
    c.close()


@case("failures: trap, return or drop of the body after set, before anything went out: 500")
def _(s):
    for path in ("/trap-after", "/no-finish", "/drop-body"):
        r, data = s.send("GET", path)
        check(r.status == 500 and b"partial" not in data, (path, r.status, data))


@case("failures: the same once the response went out (the guest waited): the body is cut")
def _(s):
    for path in ("/trap-after?wait=1", "/no-finish?wait=1", "/drop-body?wait=1"):
        cut_response(s, path)


@case("failures: set(err(code)) answers with the code's status")
def _(s):
    for code, status in ((15, 403), (8, 504), (6, 502), (3, 503), (17, 413), (38, 500),
                         (1, 502), (22, 431)):
        r, data = s.send("GET", f"/err?code={code}")
        check(r.status == status, f"code {code}: {r.status}, want {status}")


@case("responses without a body: 204 has no length, others Content-Length: 0")
def _(s):
    r, data = s.send("GET", "/empty?status=204")
    check(r.status == 204 and data == b"" and r.getheader("content-length") is None,
          r.getheaders())
    r, data = s.send("GET", "/empty?status=302")
    check(r.status == 302 and r.getheader("content-length") == "0", r.getheaders())


@case("clients that leave mid-upload and mid-download do not disturb the server")
def _(s):
    for _ in range(3):
        sock = connect(s.port, TIMEOUT)
        sock.sendall(b"POST /sum HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n"
                     + b"x" * 100000)
        time.sleep(0.05)
        sock.close()
        sock = connect(s.port, TIMEOUT)
        sock.sendall(b"GET /gen?n=100000000 HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.recv(65536)
        time.sleep(0.05)
        sock.close()
        sock = connect(s.port, TIMEOUT)
        sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n"
                     + b"y" * 300000)
        sock.recv(1000)
        sock.close()
    time.sleep(0.3)
    r, data = s.send("GET", "/gen?n=5")
    check(r.status == 200 and data == b"abcde", data)


@case("concurrent echoes keep their bodies apart")
def _(s):
    out = {}

    def one(i):
        payload = bytes([i]) * (200000 + i)
        r, data = s.send("POST", "/echo", body=payload)
        out[i] = data == payload and r.status == 200
    ts = [threading.Thread(target=one, args=(i,)) for i in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(TIMEOUT)
    check(len(out) == 8 and all(out.values()), out)


# ---- a componentize-js guest (StarlingMonkey's own use of wasi:http) ----

@case("js: a fetch-event guest answers, with its headers", js=True)
def _(s):
    r, data = s.send("GET", "/")
    check(r.status == 200 and data == b"hello from js\n", (r.status, data))
    r, data = s.send("GET", "/headers", headers={"X-Foo": "bar"})
    check(b"x-foo=bar\n" in data and f"host=127.0.0.1:{s.port}\n".encode() in data, data)


@case("js: request bodies read whole and streamed back (3 MB)", js=True)
def _(s):
    r, data = s.send("POST", "/echo", body=b"hello body")
    check(r.status == 200 and data == b"hello body" and r.getheader("x-len") == "10"
          and r.getheader("x-method") == "POST", (r.getheaders(), data))
    payload = os.urandom(3 * 1024 * 1024)
    r, data = s.send("POST", "/stream", body=payload)
    check(r.status == 200 and data == payload, (r.status, len(data)))
    r, data = s.send("POST", "/echo", body=payload)
    check(r.status == 200 and data == payload, (r.status, len(data)))


@case("js: an outbound fetch is refused (HTTP-request-denied), the guest answers 502", js=True)
def _(s):
    r, data = s.send("GET", "/fetch")
    check(r.status == 502 and data.startswith(b"fetch failed"), (r.status, data))


if __name__ == "__main__":
    # Every case on both instance models: a fresh instance per request, and
    # one long-lived instance that serves them all (what one request leaves
    # behind in it must not disturb the next).
    for model, flags in (("serverless", ["--instance-model", "serverless"]),
                         ("stateful", ["--instance-model", "stateful", "--instances", "1"])):
        try:
            server = start(*flags)
        except Exception as e:
            print(f"FAIL [{model}] start: {e}")
            results["failed"] += 1
            continue
        try:
            run(server, model, CASES)
        finally:
            rc = server.stop()
            log = server.output()
        if rc != 0:
            print(f"FAIL [{model}] the server exited with {rc} on SIGTERM")
            results["failed"] += 1
        for bad in sanitizer_reports(log):
            print(f"FAIL [{model}] the server's log has {bad!r}:\n{log[-4000:]}")
            results["failed"] += 1
    if JS_GUEST and JS_CASES:
        try:
            server = start("--instance-model", "serverless", guest=JS_GUEST)
            try:
                run(server, "js", JS_CASES)
            finally:
                server.stop()
        except Exception as e:
            print(f"FAIL [js] start: {e}")
            results["failed"] += 1
    if JS_GUEST and not FILTER:
        # A componentize-js fetch-event handler on a kept (stateful)
        # instance answers its first request only (docs/compat.md): the
        # instance that returned without a response is replaced, so the
        # one after gets a fresh instance and an answer.
        try:
            server = start("--instance-model", "stateful", "--instances", "1", "--workers", "1",
                           "--debug-headers", guest=JS_GUEST)
            try:
                got = []
                for _ in range(4):
                    r, data = server.send("GET", "/")
                    got.append((r.status, r.getheader("wasmhttpd-instance")))
                check([st for st, _ in got] == [200, 500, 200, 500], got)
                check(got[0][1] == got[1][1] != got[2][1] == got[3][1], got)
                check("the handler returned without a response" in server.output(),
                      server.output()[-2000:])
                print("ok   [js stateful] an instance whose handler returned without a response "
                      "is replaced", flush=True)
                results["passed"] += 1
            finally:
                server.stop()
        except Exception as e:
            print(f"FAIL [js stateful] an instance whose handler returned without a response is "
                  f"replaced: {type(e).__name__}: {e}")
            results["failed"] += 1
    print(f"{results['passed']} passed, {results['failed']} failed")
    sys.exit(1 if results["failed"] else 0)
