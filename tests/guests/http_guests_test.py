#!/usr/bin/env python3
"""The HTTP handlers built from one toolchain, to one contract, served by
`wasmhttpd serve` in both models over loopback, and by `jco serve` (the
reference host) beside it. LANG names the set: `rust` (rust/, cargo for
wasm32-wasip2) or `c` (c-bindgen/, wit-bindgen c and wasm-tools component
new), NAME-SUFFIX.wasm in DIR:

    hello                "Hello from LANG!"
    counter              the counter (kit/README.md), serverless-proxy
    counter-stateful     the same, stateful-proxy (exports lifecycle.init)
    json                 a JSON body read and answered
    fetch                a back end called through outgoing-handler (a
                         server this test runs on 127.0.0.1, allowed with
                         --allow-http; without it the guest gets the error
                         code http-request-denied)

Module state is fresh in every serverless request and kept on a stateful
instance; a trap (a Rust panic, a C __builtin_trap) answers 500 and the
server goes on. Every exchange that does not depend on the model is also
sent to `jco serve`, and to `wasmtime serve` when one is given
(scripts/install-bench-peers.sh builds it), which must answer the same
status and body.

    http_guests_test.py LANG WASMHTTPD DIR-WITH-THE-WASM NODE JCO [WASMTIME]

Ends with "N passed, N failed".
"""
import http.server
import json
import os
import re
import subprocess
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from whtest import Results, Serve, Server, check, free_port, sanitizer_reports  # noqa: E402

# What differs between the sets: the file suffix, the hello text, and how
# the fetch guest words the error code of a refused destination (Rust's
# Debug of the binding's enum; C: the WIT case name).
LANGS = {
    "rust": {"suffix": "rs", "hello": b"Hello from Rust!\n",
             "denied": b"back end failed: ErrorCode::HttpRequestDenied\n"},
    "c": {"suffix": "c", "hello": b"Hello from C!\n",
          "denied": b"back end failed: HTTP-request-denied\n"},
}
if len(sys.argv) not in (6, 7) or sys.argv[1] not in LANGS:
    sys.exit(__doc__)
LANG = LANGS[sys.argv[1]]
BIN, DIR, NODE, JCO = sys.argv[2:6]
WASMTIME = sys.argv[6] if len(sys.argv) == 7 else None
HELLO = re.compile(rb"^Hello from WASM! \((\d+)\)\n$")
results = Results()


def wasm(name):
    return os.path.join(DIR, f"{name}-{LANG['suffix']}.wasm")


case = results.case


def serve(guest, *args):
    return Serve(BIN, ["--workers", "1", *args, wasm(guest)], within=60, timeout=30)


class JcoServe(Server):
    """`jco serve` in its own process group (it starts a second node process
    for the component); mode_args: [] for one instance for the process,
    ["--isolate-requests", "instance"] for a fresh one per request."""

    def __init__(self, guest, *mode_args):
        port = free_port()
        cmd = [NODE, JCO, "serve", "--host", "127.0.0.1", "--port", str(port), *mode_args,
               wasm(guest)]
        super().__init__(cmd, port, what=f"jco serve {' '.join(mode_args)} {guest}", within=90,
                         timeout=30, group=True)


class WasmtimeServe(Server):
    """`wasmtime serve` (a fresh instance per request); -S cli: the Rust
    guests import wasi:cli, as Rust's std links it."""

    def __init__(self, guest):
        port = free_port()
        super().__init__([WASMTIME, "serve", "--addr", f"127.0.0.1:{port}", "-S", "cli",
                          wasm(guest)], port, what=f"wasmtime serve {guest}", within=60,
                         timeout=30)


def peers(guest):
    """The reference hosts: (name, a started server) for each."""
    yield "jco serve", lambda: JcoServe(guest)
    if WASMTIME:
        yield "wasmtime serve", lambda: WasmtimeServe(guest)


def stopped(s):
    check(s.stop() == 0, f"exit status after SIGTERM: {s.output()[-2000:]}")
    check(not sanitizer_reports(s.output()), s.output()[-3000:])


def counts(s, n, path="/"):
    got = []
    c = s.conn()
    for _ in range(n):
        st, h, body = s.request("GET", path, conn=c)
        m = HELLO.match(body)
        check(st == 200 and m, f"{st} {body!r}")
        got.append(int(m.group(1)))
    return got


MODELS = (("serverless", ["--instance-model", "serverless"]),
          ("stateful", ["--instance-model", "stateful", "--instances", "1"]))


def exchanges(s, table):
    """Sends each (method, path, body, want_status, want_type, want_body) of
    table to s and checks the answer; the answers as [(status, body)]."""
    got = []
    for method, path, body, status, ctype, want in table:
        headers = {"content-type": "application/json"} if body is not None else {}
        st, h, data = s.request(method, path, body, headers)
        check(st == status, f"{method} {path}: status {st}, want {status}: {data[:300]!r}")
        check(h.get("content-type") == ctype, f"{method} {path}: content-type {h}")
        check(want(data) if callable(want) else data == want,
              f"{method} {path}: body {data[:300]!r}")
        got.append((st, data))
    return got


def same_on_peers(guest, table, *serve_args):
    """The table on wasmhttpd (each model) and on the reference hosts: the
    same status and body everywhere."""
    answers = {}
    for model, args in MODELS:
        s = serve(guest, *args, *serve_args)
        try:
            answers[model] = exchanges(s, table)
        finally:
            stopped(s)
    for name, start in peers(guest):
        p = start()
        try:
            answers[name] = exchanges(p, table)
        finally:
            p.stop()
    first = answers["serverless"]
    for who, got in answers.items():
        check(got == first, f"{who} answered {got!r}, serverless {first!r}")


@case("hello: the same answer in both models and from jco serve")
def _():
    hello = (("GET", "/", None, 200, "text/plain", LANG["hello"]),
             ("POST", "/x?y", b"{}", 200, "text/plain", LANG["hello"]))
    same_on_peers("hello", hello * 2)


@case("counter: fresh module state serverless (1, 1, 1), kept stateful (1, 2, 3); "
      "auto picks serverless")
def _():
    for args, want, init in (([], [1, 1, 1], "init=0 count=1\n"),
                             (["--instance-model", "serverless"], [1, 1, 1], "init=0 count=1\n"),
                             (["--instance-model", "stateful", "--instances", "1"], [1, 2, 3],
                              "init=0 count=4\n")):
        s = serve("counter", *args)
        try:
            got = counts(s, 3)
            check(got == want, f"{args}: counts {got}")
            st, h, body = s.request("GET", "/init")
            check((st, body) == (200, init.encode()), f"{args}: /init {st} {body!r}")
        finally:
            stopped(s)


@case("counter-stateful: auto picks stateful, init runs once per instance (init=1); "
      "serverless runs init on every fresh instance")
def _():
    for args, want, init in (([], [1, 2, 3], "init=1 count=4\n"),
                             (["--instance-model", "serverless"], [1, 1, 1],
                              "init=1 count=1\n"),
                             (["--instance-model", "serverless", "--snapshot-after-init"],
                              [1, 1, 1], "init=1 count=1\n")):
        s = serve("counter-stateful", "--instances", "1", *args)
        try:
            got = counts(s, 3)
            check(got == want, f"{args}: counts {got}")
            st, h, body = s.request("GET", "/init")
            check((st, body) == (200, init.encode()), f"{args}: /init {st} {body!r}")
        finally:
            stopped(s)


@case("the semantics kit (kit/probe.py) tells the models apart on the counter")
def _():
    probe = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "kit",
                         "probe.py")
    for guest, args, want in (("counter", [], ["model: serverless", "init: not called"]),
                              ("counter-stateful", ["--instances", "4"],
                               ["model: stateful (4 instances", "init: called 1 time"])):
        s = serve(guest, *args)
        try:
            p = subprocess.run([sys.executable, probe, f"http://127.0.0.1:{s.port}"],
                               capture_output=True, text=True, timeout=120)
            check(p.returncode == 0, f"probe exit {p.returncode}: {p.stdout}{p.stderr}")
            for w in want:
                check(w in p.stdout, f"{guest}: probe said {p.stdout!r}")
        finally:
            stopped(s)


@case("counter under jco serve: 1, 2, 3 on its one instance (init never called), "
      "1, 1, 1 with --isolate-requests instance")
def _():
    for guest, mode, want, init in (("counter-stateful", [], [1, 2, 3], "init=0 count=4\n"),
                                    ("counter", ["--isolate-requests", "instance"], [1, 1, 1],
                                     "init=0 count=1\n")):
        j = JcoServe(guest, *mode)
        try:
            got = counts(j, 3)
            check(got == want, f"{guest} {mode}: counts {got}")
            st, h, body = j.request("GET", "/init")
            check((st, body) == (200, init.encode()), f"{guest} {mode}: /init {st} {body!r}")
        finally:
            j.stop()


if WASMTIME:
    @case("counter under wasmtime serve: 1, 1, 1 (a fresh instance per request, init never "
          "called), a trap 500 and the next request served")
    def _():
        for guest in ("counter", "counter-stateful"):
            w = WasmtimeServe(guest)
            try:
                got = counts(w, 3)
                check(got == [1, 1, 1], f"{guest}: counts {got}")
                st, h, body = w.request("GET", "/init")
                check((st, body) == (200, b"init=0 count=1\n"), f"{guest}: /init {st} {body!r}")
                st, h, body = w.request("GET", "/trap")
                check(st == 500, f"{guest}: /trap {st} {body!r}")
                check(counts(w, 1) == [1], f"{guest}: after the trap")
            finally:
                w.stop()


@case("a trap: 500, and the next request is served, in both models")
def _():
    for guest in ("counter", "counter-stateful"):
        for model, args in MODELS:
            s = serve(guest, *args)
            try:
                st, h, body = s.request("GET", "/trap")
                check(st == 500, f"{guest} {model}: {st} {body!r}")
                # a stateful instance that trapped is replaced: it starts over
                check(counts(s, 1) == [1], f"{guest} {model}: after the trap")
            finally:
                stopped(s)


def json_is(want):
    return lambda data: json.loads(data) == want


@case("json: a JSON body read and answered as JSON, bad JSON 400, "
      "the same from jco serve")
def _():
    numbers = list(range(1000)) + [0.5]
    big = list(range(20000))  # about 110 KB: a body read in several chunks
    table = (
        ("POST", "/sum", json.dumps({"numbers": numbers}).encode(), 200, "application/json",
         json_is({"sum": sum(numbers), "count": len(numbers)})),
        ("POST", "/sum", json.dumps({"numbers": [1, 2, 3]}).encode(), 200, "application/json",
         b'{"sum":6,"count":3}'),
        # a float sum printed to the last bit (0.30000000000000004)
        ("POST", "/sum", b'{"numbers": [0.1, 0.2], "other": {"numbers": null}}', 200,
         "application/json", json_is({"sum": 0.1 + 0.2, "count": 2})),
        ("POST", "/sum", json.dumps({"numbers": big}).encode(), 200, "application/json",
         json_is({"sum": sum(big), "count": len(big)})),
        ("POST", "/sum", b"{not json", 400, "text/plain", lambda d: d.startswith(b"bad JSON")),
        ("POST", "/sum", b'{"numbers": "no"}', 400, "text/plain",
         lambda d: d.startswith(b"bad JSON")),
        ("GET", "/sum", None, 400, "text/plain", lambda d: d.startswith(b"bad JSON")),
    )
    same_on_peers("json", table)


class Backend(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, data):
        self.send_response(200)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802 - the library's name
        self.answer(b"from the back end\n")

    def do_POST(self):  # noqa: N802
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            # the guest writes its body after handle(): no length is known
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    break
                data += self.rfile.read(size)
                self.rfile.readline()
        else:
            data = self.rfile.read(int(self.headers.get("content-length") or 0))
        self.answer(b"echo " + data)

    def log_message(self, *args):
        pass


@case("fetch: a back end called through outgoing-handler (GET, and POST with a body) "
      "in both models and from jco serve; http-request-denied without --allow-http")
def _():
    backend = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Backend)
    port = backend.server_address[1]
    threading.Thread(target=backend.serve_forever, daemon=True).start()
    try:
        payload = json.dumps({"numbers": list(range(5000))}).encode()
        table = (
            ("GET", f"/fetch?{port}", None, 200, "text/plain",
             b"back end 200: from the back end\n"),
            ("POST", f"/fetch?{port}", payload, 200, "text/plain",
             b"back end 200: echo " + payload),
            ("GET", "/fetch?x", None, 400, "text/plain", b"usage: /fetch?PORT\n"),
        )
        # jco serve and wasmtime serve allow every destination
        same_on_peers("fetch", table, "--allow-http", f"http://127.0.0.1:{port}")
        for model, args in MODELS:
            s = serve("fetch", *args)
            try:
                # the guest gets the denial as wasi:http's error code
                st, h, body = s.request("GET", f"/fetch?{port}")
                check((st, body) == (502, LANG["denied"]), f"denied, {model}: {st} {body!r}")
            finally:
                stopped(s)
    finally:
        backend.shutdown()


if not WASMTIME:
    print("note: no wasmtime given: jco serve was the only reference")
print(f"{results['passed']} passed, {results['failed']} failed")
sys.exit(1 if results["failed"] else 0)
