#!/usr/bin/env python3
"""The Hono guest (app.js: the Hono web framework in the fetch-event style,
built by componentize-js) served by `wasmhttpd serve`:

- serverless, and with `--instance-model auto` (the default), which picks
  serverless for a component without wasmhttpd:http/lifecycle: every route
  answered, every time (a path parameter, a JSON body read and answered,
  bad JSON 400, Hono's own 404);
- stateful on one instance: componentize-js 0.23's fetch-event handlers
  answer only the first request of a reused instance (docs/compat.md). The
  second request on an instance returns without a response (500), and the
  instance is replaced, not kept: every request is answered, 200 and 500 by
  turns, each pair by a new instance, and the admin metrics count each
  replacement as `wasmhttpd_instances_recycled_total{reason="no_response"}`;
- `jco serve --isolate-requests instance` (the reference host, a fresh
  instance per request): the same answers to every route; and `jco serve`
  on its one instance answers the first request and leaves the second
  unanswered (the same engine limit; checked so that a jco or
  componentize-js that changes it shows).

    hono_test.py WASMHTTPD HONO.wasm NODE JCO

Ends with "N passed, N failed".
"""
import http.client
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib"))
from whtest import HOST, Results, Serve, Server, check, free_port, sanitizer_reports  # noqa: E402

if len(sys.argv) != 5:
    sys.exit(__doc__)
BIN, GUEST, NODE, JCO = sys.argv[1:5]
results = Results()
case = results.case
# c.text(s): a Response made from a string, whose type the Fetch standard
# sets; c.text(s, status): Hono sets it, with a space
FETCH_TEXT = "text/plain;charset=UTF-8"
TEXT = "text/plain; charset=UTF-8"
JSON = "application/json"
NO_RESPONSE = 'wasmhttpd_instances_recycled_total{reason="no_response"}'


def serve(*args):
    return Serve(BIN, ["--workers", "1", *args, GUEST], within=60, timeout=30)


def stopped(s):
    check(s.stop() == 0, f"exit status after SIGTERM: {s.output()[-2000:]}")
    check(not sanitizer_reports(s.output()), s.output()[-3000:])


def json_is(want):
    return lambda data: json.loads(data) == want


# (method, path, body, status, content-type, body wanted or a check of it)
ROUTES = (
    ("GET", "/", None, 200, FETCH_TEXT, b"Hello from Hono!\n"),
    ("GET", "/hello/wasm", None, 200, JSON, json_is({"hello": "wasm", "method": "GET"})),
    # Hono decodes the parameter
    ("GET", "/hello/caf%C3%A9", None, 200, JSON, json_is({"hello": "caf\u00e9", "method": "GET"})),
    ("POST", "/sum", json.dumps({"numbers": [1, 2, 3.5]}).encode(), 200, JSON,
     json_is({"sum": 6.5, "count": 3})),
    ("POST", "/sum", json.dumps({"numbers": list(range(20000))}).encode(), 200, JSON,
     json_is({"sum": sum(range(20000)), "count": 20000})),
    ("POST", "/sum", b"{not json", 400, TEXT, lambda d: d.startswith(b"bad JSON: ")),
    ("POST", "/sum", b'{"numbers": "no"}', 400, TEXT,
     b'bad JSON: "numbers" is not a list of numbers\n'),
    ("GET", "/nowhere", None, 404, TEXT, b"404 Not Found"),
    # only GET is routed for /hello/:name
    ("DELETE", "/hello/wasm", None, 404, TEXT, b"404 Not Found"),
)


def routes(s):
    """Every route twice over, on one connection: each answer checked; the
    answers as [(status, content-type, body)]."""
    c = s.conn()
    got = []
    for method, path, body, status, ctype, want in ROUTES * 2:
        headers = {"content-type": "application/json"} if body is not None else {}
        st, h, data = s.request(method, path, body, headers, conn=c)
        check(st == status, f"{method} {path}: status {st}, want {status}: {data[:300]!r}")
        check(h.get("content-type") == ctype, f"{method} {path}: content-type {h}")
        check(want(data) if callable(want) else data == want,
              f"{method} {path}: body {data[:300]!r}")
        got.append((st, h.get("content-type"), data))
    return got


class JcoServe(Server):
    """`jco serve` in its own process group (it starts a second node process
    for the component)."""

    def __init__(self, *mode_args):
        port = free_port()
        cmd = [NODE, JCO, "serve", "--host", HOST, "--port", str(port), *mode_args, GUEST]
        super().__init__(cmd, port, what=f"jco serve {' '.join(mode_args)}", within=90,
                         timeout=30, group=True)


answers = {}


@case("serverless: every route answered, every time (path parameter, JSON body, 400, 404)")
def _():
    s = serve("--instance-model", "serverless")
    try:
        answers["serverless"] = routes(s)
    finally:
        stopped(s)


@case("auto picks serverless for it (no lifecycle export): every route answered, every time")
def _():
    s = serve("--debug-headers")
    try:
        st, h, _ = s.request("GET", "/")
        check(st == 200 and h.get("wasmhttpd-model") == "serverless", f"{st} {h}")
        routes(s)
    finally:
        stopped(s)


@case("jco serve --isolate-requests instance: the same answers to every route")
def _():
    j = JcoServe("--isolate-requests", "instance")
    try:
        got = routes(j)
    finally:
        j.stop()
    check(got == answers.get("serverless"), f"jco {got!r}, serverless {answers.get('serverless')!r}")


@case("jco serve on its one instance: the first request answered, the second not (within 5 s)")
def _():
    j = JcoServe()
    try:
        st, h, data = j.request("GET", "/hello/one")
        check(st == 200 and json.loads(data) == {"hello": "one", "method": "GET"}, (st, data))
        st, h, data = j.try_request("GET", "/hello/two", timeout=5)
        check(st is None, f"answered {st} {data!r}: has the fetch-event limit gone?")
        check("FetchEvent#respondWith can't be called twice" in j.output(), j.output()[-2000:])
    finally:
        j.stop()


def scrape(port):
    c = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        c.request("GET", "/metrics")
        r = c.getresponse()
        text = r.read().decode()
        check(r.status == 200, f"/metrics answered {r.status}")
    finally:
        c.close()
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            out[key] = float(value)
    return out


@case("stateful: every request answered, 200 and 500 by turns, the instance that returned "
      "without a response replaced each time (no_response in the metrics)")
def _():
    admin = free_port()
    s = serve("--instance-model", "stateful", "--instances", "1", "--debug-headers", "--admin",
              f"{HOST}:{admin}")
    try:
        before = scrape(admin).get(NO_RESPONSE, 0)
        got = []
        for i in range(6):
            # a fresh connection each time: a 500 must not cost the next one
            st, h, data = s.request("GET", f"/hello/n{i}")
            got.append((st, h.get("wasmhttpd-instance"), data))
        statuses = [st for st, _, _ in got]
        check(statuses == [200, 500] * 3, f"statuses {statuses}: {got}")
        for i in (0, 2, 4):
            check(json.loads(got[i][2]) == {"hello": f"n{i}", "method": "GET"}, got[i])
        ids = [inst for _, inst, _ in got]
        check(None not in ids and ids[0] == ids[1] and ids[2] == ids[3] and ids[4] == ids[5]
              and len({ids[0], ids[2], ids[4]}) == 3, f"instances {ids}")
        after = scrape(admin).get(NO_RESPONSE, 0)
        check(after - before == 3, f"{NO_RESPONSE}: {before} -> {after}")
        check("the handler returned without a response" in s.output(), s.output()[-2000:])
    finally:
        stopped(s)


print(f"{results['passed']} passed, {results['failed']} failed")
sys.exit(1 if results["failed"] else 0)
