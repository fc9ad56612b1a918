#!/usr/bin/env python3
"""The componentize-py guest (app.py, built into counter-py.wasm) served by
`wasmhttpd serve` in both models over loopback: module state fresh in every
serverless request and kept in a stateful instance, a JSON body read and
answered, a back end called through wasi:http's outgoing-handler (a server
this test runs on 127.0.0.1, allowed with --allow-http; without it the
guest gets the error code http-request-denied), and an exception in the
guest (a trap: 500, the server goes on).

    py_test.py WASMHTTPD COUNTER-PY.wasm

Ends with "N passed, N failed".
"""
import http.server
import json
import os
import re
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib"))
from whtest import Results, Serve, check, sanitizer_reports  # noqa: E402

if len(sys.argv) != 3:
    sys.exit(__doc__)
BIN, GUEST = sys.argv[1:]
HELLO = re.compile(rb"^Hello from Python! \((\d+)\)\n$")
results = Results()


case = results.case


def serve(*args):
    # the instance holds a whole Python: give a sanitizer build its time
    return Serve(BIN, ["--workers", "1", *args, GUEST], within=120, timeout=120)


def stopped(s):
    check(s.stop() == 0, f"exit status after SIGTERM: {s.output()[-2000:]}")
    check(not sanitizer_reports(s.output()), s.output()[-3000:])


def counts(s, n):
    got = []
    c = s.conn()
    for _ in range(n):
        st, h, body = s.request("GET", "/", conn=c)
        m = HELLO.match(body)
        check(st == 200 and m, f"{st} {body!r}")
        got.append(int(m.group(1)))
    return got


@case("serverless: every request sees fresh module state (1, 1, 1)")
def _():
    s = serve("--instance-model", "serverless")
    try:
        check(counts(s, 3) == [1, 1, 1], "counts")
    finally:
        stopped(s)


@case("stateful, one instance: module state kept (1, 2, 3)")
def _():
    s = serve("--instance-model", "stateful", "--instances", "1")
    try:
        got = counts(s, 3)
        check(got == [1, 2, 3], f"counts {got}")
    finally:
        stopped(s)


@case("a JSON body read and answered as JSON, in both models; bad JSON: 400")
def _():
    for model in ("serverless", "stateful"):
        s = serve("--instance-model", model)
        try:
            numbers = list(range(1000)) + [0.5]
            st, h, body = s.request("POST", "/sum", json.dumps({"numbers": numbers}).encode(),
                                    {"content-type": "application/json"})
            check(st == 200 and h.get("content-type") == "application/json", f"{st} {h}")
            check(json.loads(body) == {"sum": sum(numbers), "count": len(numbers)}, body[:200])
            st, h, body = s.request("POST", "/sum", b"{not json")
            check(st == 400 and body.startswith(b"bad JSON"), f"{st} {body!r}")
        finally:
            stopped(s)


class Backend(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the library's name
        data = b"from the back end\n"
        self.send_response(200)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@case("a back end called through outgoing-handler; http-request-denied without --allow-http")
def _():
    backend = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Backend)
    port = backend.server_address[1]
    threading.Thread(target=backend.serve_forever, daemon=True).start()
    try:
        for model in ("serverless", "stateful"):
            s = serve("--instance-model", model, "--allow-http", f"http://127.0.0.1:{port}")
            try:
                st, h, body = s.request("GET", f"/fetch?{port}")
                check((st, body) == (200, b"back end 200: from the back end\n"), f"{st} {body!r}")
            finally:
                stopped(s)
        s = serve("--instance-model", "serverless")
        try:
            # the guest gets the denial as wasi:http's error code
            st, h, body = s.request("GET", f"/fetch?{port}")
            check(st == 200 and b"HttpRequestDenied" in body, f"denied: {st} {body!r}")
        finally:
            stopped(s)
    finally:
        backend.shutdown()


@case("an exception in the guest: 500, and the next request is served")
def _():
    for model in ("serverless", "stateful"):
        s = serve("--instance-model", model, "--instances", "1")
        try:
            st, h, body = s.request("GET", "/raise")
            check(st == 500, f"{model}: {st} {body!r}")
            check(counts(s, 1) == [1], f"{model}: after the trap")
        finally:
            stopped(s)


print(f"{results['passed']} passed, {results['failed']} failed")
sys.exit(1 if results["failed"] else 0)
