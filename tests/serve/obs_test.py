#!/usr/bin/env python3
"""What an operator sees of `wasmhttpd serve` (docs/observability.md): the
admin listener (/metrics, /healthz, /readyz, /instances), counters that
move by exactly what the test sent, the metrics checked by Prometheus's own
tools (promtool, and a real Prometheus server scraping once), the access
log and its reopening on SIGUSR1, guests' output in the log under its rate
limit, and --log-format json.

    obs_test.py WASMHTTPD COUNTER_SERVERLESS.wasm COUNTER_STATEFUL.wasm \
                PROMTOOL PROMETHEUS [FILTER]

The init_hangs component comes from WH_TEST_WASM_DIR. Prints one line per
case and ends with "N passed, N failed".
"""
import http.server
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from whtest import Results, HOST, Proc, Serve, check, free_port, sanitizer_reports, wait_for, wait_port

BIN, SERVERLESS, STATEFUL, PROMTOOL, PROMETHEUS = sys.argv[1:6]
FILTER = sys.argv[6] if len(sys.argv) > 6 else ""
# the stateful build of examples/proxy-cache, whose init can be made to fail
# (INIT_CHECK); set by CMake
PROXY_STATEFUL = os.environ.get("WH_PROXY_CACHE_STATEFUL", "")
results = Results(FILTER)


case = results.case


class Obs(Serve):
    """A server with an admin listener on a port of its own."""

    def __init__(self, component, *args, workers=1, **kw):
        self.admin = free_port()
        super().__init__(BIN, ["--workers", str(workers), "--admin", f"{HOST}:{self.admin}",
                               *args, component], **kw)
        check(wait_port(self.admin, 10, self.proc), "the admin port does not accept")

    def finish(self):
        """Stops the server: it must drain and exit 0, and no sanitizer may
        have reported anything."""
        rc = self.stop()
        bad = sanitizer_reports(self.output())
        check(rc == 0 and not bad, f"exit {rc}, sanitizers: {bad}: {self.output()[-3000:]}")

    def admin_get(self, path):
        """(status, body as text) of GET path on the admin port."""
        try:
            with urllib.request.urlopen(f"http://{HOST}:{self.admin}{path}", timeout=10) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def scrape(self):
        st, text = self.admin_get("/metrics")
        check(st == 200, f"/metrics answered {st}")
        return text

    def metrics(self):
        """{'name{labels}': value} of a scrape."""
        out = {}
        for line in self.scrape().splitlines():
            if line and not line.startswith("#"):
                key, value = line.rsplit(" ", 1)
                out[key] = float(value)
        return out


def delta(before, after, key):
    return after.get(key, 0) - before.get(key, 0)


REQ_2XX = 'wasmhttpd_requests_total{model="%s",code="2xx"}'
REQ_5XX = 'wasmhttpd_requests_total{model="%s",code="5xx"}'


# ---- the admin listener ----

@case("/metrics passes promtool check metrics, after requests of every kind")
def _():
    s = Obs(STATEFUL, "--max-requests", "2")
    try:
        for path in ["/", "/", "/trap", "/print?n=2", "/"]:
            s.try_request("GET", path)
        text = s.scrape()
        r = subprocess.run([PROMTOOL, "check", "metrics"], input=text.encode(),
                           capture_output=True, timeout=60)
        out = (r.stdout + r.stderr).decode()
        check(r.returncode == 0 and not out.strip(), f"promtool: exit {r.returncode}: {out}")
        for name in ["wasmhttpd_requests_total", "wasmhttpd_request_duration_seconds_bucket",
                     "wasmhttpd_queue_depth", "wasmhttpd_queue_wait_seconds_bucket",
                     "wasmhttpd_instantiation_duration_seconds_bucket",
                     "wasmhttpd_instances_created_total", "wasmhttpd_instances{",
                     "wasmhttpd_instances_recycled_total", "wasmhttpd_guest_traps_total",
                     "wasmhttpd_guest_fuel_consumed_total", "wasmhttpd_outbound_requests_total",
                     "wasmhttpd_outbound_connections_total", "wasmhttpd_open_connections"]:
            check(name in text, f"{name} missing from the scrape")
    finally:
        s.finish()


@case("a real Prometheus scrapes the admin port: up == 1 and the request counter it saw")
def _():
    s = Obs(STATEFUL)
    prom = None
    data = tempfile.mkdtemp()
    try:
        for _ in range(7):
            s.request("GET", "/")
        cfg = os.path.join(data, "prometheus.yml")
        with open(cfg, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n"
                    "scrape_configs:\n  - job_name: wasmhttpd\n"
                    f"    static_configs:\n      - targets: ['{HOST}:{s.admin}']\n")
        port = free_port()
        prom = Proc([PROMETHEUS, f"--config.file={cfg}", f"--storage.tsdb.path={data}/tsdb",
                     f"--web.listen-address={HOST}:{port}"])
        check(wait_port(port, 30, prom.proc), f"prometheus did not start: {prom.output()}")

        def query(q):
            """The value of q now; None without one, or while Prometheus
            starts (it listens before it answers: 503)."""
            url = f"http://{HOST}:{port}/api/v1/query?query={urllib.parse.quote(q)}"
            try:
                with urllib.request.urlopen(url, timeout=10) as r:
                    res = json.load(r)["data"]["result"]
            except (urllib.error.URLError, OSError):
                return None
            return float(res[0]["value"][1]) if res else None

        check(wait_for(lambda: query('up{job="wasmhttpd"}') == 1, 30),
              f"up is {query('up')}: {prom.output()[-2000:]}")
        got = query('sum(wasmhttpd_requests_total{code="2xx"})')
        check(got == 7, f"Prometheus saw {got} requests, 7 were sent")
    finally:
        if prom:
            prom.stop()
        s.finish()
        shutil.rmtree(data, ignore_errors=True)


@case("/healthz and /readyz; the admin paths are not served on the main port")
def _():
    s = Obs(STATEFUL)
    try:
        check(s.admin_get("/healthz") == (200, "ok\n"), f"healthz: {s.admin_get('/healthz')}")
        check(s.admin_get("/readyz") == (200, "ready\n"), f"readyz: {s.admin_get('/readyz')}")
        check(s.admin_get("/nope")[0] == 404, "an unknown admin path is not 404")
        for path in ["/metrics", "/healthz", "/readyz", "/instances"]:
            st, h, body = s.request("GET", path)
            check(st == 200 and body.startswith(b"Hello from WASM!"),
                  f"{path} on the main port: {st} {body[:80]!r}")
    finally:
        s.finish()


@case("/readyz is 503 'starting' while the stateful pool runs init")
def _():
    # its init waits an hour: the main port never opens, and at the
    # deadline (--timeout) the server gives up, exit 1
    hangs = os.path.join(os.environ["WH_TEST_WASM_DIR"], "init_hangs.wasm")
    admin = free_port()
    p = Proc([BIN, "serve", "--workers", "1", "--addr", f"{HOST}:{free_port()}", "--admin",
              f"{HOST}:{admin}", "--timeout", "3s", hangs])
    try:
        check(wait_port(admin, 10, p.proc), f"no admin port: {p.output()}")
        with urllib.request.urlopen(f"http://{HOST}:{admin}/healthz", timeout=5) as r:
            check(r.status == 200, "healthz during init")
        try:
            urllib.request.urlopen(f"http://{HOST}:{admin}/readyz", timeout=5)
            check(False, "readyz said ready during init")
        except urllib.error.HTTPError as e:
            body = e.read().decode()
            check((e.code, body) == (503, "starting\n"), f"readyz during init: {e.code} {body!r}")
        check(p.proc.wait(20) == 1, f"exit status {p.proc.returncode}: {p.output()}")
        check(not sanitizer_reports(p.output()), f"sanitizers: {p.output()[-3000:]}")
    finally:
        p.stop()


@case("/readyz is 503 'draining' after SIGTERM while a request still runs")
def _():
    s = Obs(STATEFUL, "--timeout", "4s", "--time-slice", "5ms")
    try:
        t = threading.Thread(target=lambda: s.try_request("GET", "/loop", timeout=10))
        t.start()
        check(wait_for(lambda: s.metrics().get('wasmhttpd_instances{state="busy"}') == 1, 5),
              "the /loop request is not running")
        s.proc.send_signal(signal.SIGTERM)
        check(wait_for(lambda: s.admin_get("/readyz") == (503, "draining\n"), 3),
              f"readyz while draining: {s.admin_get('/readyz')}")
        t.join()
        s.proc.wait(20)  # a second SIGTERM (from finish) would kill it
    finally:
        s.finish()


# ---- counters that move by what was sent ----

@case("stateful: N requests, a trap, max-requests: counters move by exactly that")
def _():
    s = Obs(STATEFUL, "--instances", "2", "--max-requests", "5")
    try:
        m0 = s.metrics()
        for _ in range(13):
            s.request("GET", "/")
        st, _, _ = s.request("GET", "/trap")
        check(st == 500, f"/trap answered {st}")
        m1 = s.metrics()
        check(delta(m0, m1, REQ_2XX % "stateful") == 13, "2xx did not move by 13")
        check(delta(m0, m1, REQ_5XX % "stateful") == 1, "5xx did not move by 1")
        check(delta(m0, m1, 'wasmhttpd_request_duration_seconds_count{model="stateful"}') == 14,
              "the duration histogram did not count 14")
        check(delta(m0, m1, 'wasmhttpd_guest_traps_total{kind="unreachable"}') == 1,
              "trap counter did not move by 1")
        check(delta(m0, m1, 'wasmhttpd_instances_recycled_total{reason="trap"}') == 1,
              "recycled by trap did not move by 1")
        # least recently used first: the two instances take turns, so
        # requests 9 and 10 are the 5th of each; 11 to 13 go to replacements
        rec = delta(m0, m1, 'wasmhttpd_instances_recycled_total{reason="max_requests"}')
        check(rec == 2, f"recycled by max-requests moved by {rec}, expected 2")
        created = delta(m0, m1, "wasmhttpd_instances_created_total")
        check(created == 3, f"instances created moved by {created}: 2 recycled + 1 trapped")
    finally:
        s.finish()


@case("serverless: N requests are N resets, no instance recycled; queue full is counted")
def _():
    s = Obs(SERVERLESS, "--instances", "1", "--queue", "0", "--timeout", "2s")
    try:
        m0 = s.metrics()
        for _ in range(9):
            s.request("GET", "/")
        m1 = s.metrics()
        check(delta(m0, m1, REQ_2XX % "serverless") == 9, "2xx did not move by 9")
        resets = delta(m0, m1, "wasmhttpd_instance_resets_total")
        check(resets == 9, f"resets moved by {resets}")
        # one instance busy looping, the queue holds none: the next is refused
        t = threading.Thread(target=lambda: s.try_request("GET", "/loop", timeout=10))
        t.start()
        check(wait_for(lambda: s.metrics().get('wasmhttpd_instances{state="busy"}') == 1, 5),
              "the /loop request is not running")
        st, _, _ = s.request("GET", "/")
        check(st == 503, f"a request beyond the queue got {st}")
        t.join()
        m2 = s.metrics()
        check(delta(m1, m2, 'wasmhttpd_queue_rejected_total{reason="full"}') == 1,
              "queue full not counted once")
        check(delta(m1, m2, 'wasmhttpd_instances_recycled_total{reason="deadline"}') == 1,
              "the deadline of /loop not counted once")
    finally:
        s.finish()


@case("--fuel: the fuel a request used is counted, and running out is a fuel trap")
def _():
    s = Obs(STATEFUL, "--fuel", "200000")
    try:
        m0 = s.metrics()
        s.request("GET", "/")
        m1 = s.metrics()
        used = delta(m0, m1, "wasmhttpd_guest_fuel_consumed_total")
        check(0 < used < 200000, f"fuel used by one request: {used}")
        st, _, _ = s.request("GET", "/loop")
        check(st == 500, f"/loop out of fuel answered {st}")
        m2 = s.metrics()
        check(delta(m1, m2, 'wasmhttpd_guest_traps_total{kind="fuel_exhausted"}') == 1,
              "fuel trap not counted")
        check(delta(m1, m2, "wasmhttpd_guest_fuel_consumed_total") == 200000,
              "a request that ran out did not count all its fuel")
    finally:
        s.finish()


# ---- /instances ----

@case("/instances: every live instance with its fields; requests served add up; last trap")
def _():
    s = Obs(STATEFUL, "--instances", "3", "--debug-headers", workers=2)
    try:
        s.request("GET", "/trap")  # first: its instance, replaced, is not listed
        for _ in range(10):
            s.request("GET", "/")
        st, body = s.admin_get("/instances")
        check(st == 200, f"/instances answered {st}")
        doc = json.loads(body)
        insts = doc["instances"]
        check(doc["workers_not_answering"] == [], f"workers not answering: {doc}")
        check(len(insts) == 6, f"{len(insts)} instances listed, 2 workers x 3 expected")
        for i in insts:
            for k, t in [("id", int), ("worker", int), ("model", str), ("age_seconds", float),
                         ("requests", int), ("state", str), ("memory_bytes", int)]:
                check(isinstance(i.get(k), t), f"field {k} of {i}")
            check("last_trap" in i, f"no last_trap in {i}")
            check(i["model"] == "stateful" and i["state"] == "idle", f"{i}")
            check(i["memory_bytes"] >= 65536, f"memory {i}")
        check({i["worker"] for i in insts} == {0, 1}, "not both workers")
        check(sum(i["requests"] for i in insts) == 10,
              f"requests add up to {sum(i['requests'] for i in insts)}, 10 went to live ones")
        traps = [i["last_trap"] for i in insts if i["last_trap"]]
        check(len(traps) == 1 and "unreachable" in traps[0], f"last traps: {traps}")
    finally:
        s.finish()


@case("/instances: every ended instance's news reaches a replacement that serves, "
      "also past a replacement whose init failed")
def _():
    check(os.path.exists(PROXY_STATEFUL),
          f"the proxy-cache example's stateful build is missing: {PROXY_STATEFUL!r}")
    class Backend(http.server.BaseHTTPRequestHandler):
        up = True

        def log_message(self, *a):
            pass

        def do_GET(self):
            if self.path == "/slow":
                time.sleep(3)
            st = 503 if self.path == "/health" and not Backend.up else 200
            self.send_response(st)
            self.send_header("content-length", "0")
            self.end_headers()

    be = http.server.ThreadingHTTPServer((HOST, 0), Backend)
    be.daemon_threads = True
    threading.Thread(target=be.serve_forever, daemon=True).start()
    url = f"http://{HOST}:{be.server_address[1]}"
    s = Obs(PROXY_STATEFUL, "--instances", "2", "--timeout", "1s", "--debug-headers",
            "--env", f"BACKEND={url}", "--env", "INIT_CHECK=/health", "--allow-http", url)
    try:
        Backend.up = False
        # the first instance runs out of time; its replacement's init fails
        st, h, _ = s.request("GET", "/nocache/slow")
        check(st == 504, f"the slow request answered {st}")
        first = h["wasmhttpd-instance"]
        check(wait_for(lambda: "INIT_CHECK: the back end answered 503" in s.output(), 10),
              f"no failed init logged: {s.output()[-2000:]}")
        # the second while no replacement could start
        st, h, _ = s.request("GET", "/nocache/slow")
        check(st == 504, f"the second slow request answered {st}")
        second = h["wasmhttpd-instance"]
        check(second != first, "both slow requests went to one instance")
        Backend.up = True

        def listed():
            st, body = s.admin_get("/instances")
            insts = json.loads(body)["instances"] if st == 200 else []
            return insts if len(insts) == 2 and all(i["state"] == "idle" for i in insts) else None
        check(wait_for(listed, 15), "the pool did not fill again")
        news = sorted(i["last_trap"] or "" for i in listed())
        check(len(news) == 2 and news[0].startswith(f"instance {min(first, second, key=int)}: ")
              and news[1].startswith(f"instance {max(first, second, key=int)}: ")
              and all("deadline" in n for n in news),
              f"last_trap of the replacements: {news}, ended: {first}, {second}")
    finally:
        s.finish()
        be.shutdown()


# ---- the access log ----

LINE = re.compile(r'^127\.0\.0\.1 - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d \+0000\] '
                  r'"(\w+) (\S+) HTTP/1\.1" (\d{3}|-) (\d+|-) "([^"]*)" "([^"]*)" '
                  r'(\d+|-) (\d+|-) (stateful|serverless) (\d+\.\d{6})$')


def log_lines(path):
    """The lines of the access log at path so far (none before it exists)."""
    try:
        with open(path) as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def logged(path, n):
    """The n lines the access log at path gets within 5 s, each matched by
    LINE."""
    check(wait_for(lambda: len(log_lines(path)) == n, 5), f"access log: {log_lines(path)}")
    got = [LINE.match(l) for l in log_lines(path)]
    check(all(got), f"lines not in the format: {log_lines(path)}")
    return got


@case("--access-log: a line per request with instance, sequence and body bytes; SIGUSR1 reopens")
def _():
    d = tempfile.mkdtemp()
    path = os.path.join(d, "access.log")
    s = Obs(STATEFUL, "--instances", "1", "--debug-headers", "--access-log", path)
    try:
        seen, sizes = [], []
        for i in range(5):
            st, h, body = s.request("GET", f"/?n={i}", headers={"User-Agent": 'ua "quoted"',
                                                                "Referer": "http://r/"})
            seen.append((h["wasmhttpd-instance"], h["wasmhttpd-request-seq"]))
            sizes.append(len(body))
        _, _, trap_body = s.request("GET", "/trap")
        got = logged(path, 6)
        for i, m in enumerate(got[:5]):
            check(m.group(2) == f"/?n={i}" and m.group(3) == "200", f"line {i}: {m.group(0)}")
            check(m.group(4) == str(sizes[i]), f"bytes {m.group(0)}, the client got {sizes[i]}")
            check(m.group(5) == "http://r/" and m.group(6) == r'ua \x22quoted\x22',
                  f"referer/user-agent: {m.group(0)}")
            check((m.group(7), m.group(8)) == seen[i], f"instance/seq {m.group(0)} vs {seen[i]}")
        check(got[5].group(3) == "500" and got[5].group(4) == str(len(trap_body)),
              f"the trap's line: {got[5].group(0)}, the client got {len(trap_body)} bytes")
        os.rename(path, path + ".1")
        s.proc.send_signal(signal.SIGUSR1)
        check(wait_for(lambda: "access log" in s.output() and "reopened" in s.output(), 5),
              "no reopen logged")
        s.request("GET", "/after")
        after = logged(path, 1)
        check('"GET /after HTTP/1.1" 200' in after[0].group(0), f"new file: {log_lines(path)}")
        check(len(log_lines(path + ".1")) == 6, "the rotated file changed")
    finally:
        s.finish()
        shutil.rmtree(d, ignore_errors=True)


@case("--access-log bytes: what the client got of the body; none for HEAD; a streamed echo")
def _():
    d = tempfile.mkdtemp()
    path = os.path.join(d, "access.log")
    s = Obs(STATEFUL, "--instances", "1", "--access-log", path)
    try:
        st, h, body = s.request("HEAD", "/")
        check(st == 200 and body == b"", f"HEAD answered {st} {body!r}")
        data = os.urandom(200000)
        st, h, echoed = s.request("POST", "/echo", body=data)
        check(st == 200 and echoed == data, f"/echo answered {st}, {len(echoed)} bytes")
        check("content-length" not in h, "the echo was expected chunked (streamed)")
        st, _, usage = s.request("GET", "/grow?mb=lots")
        check(st == 400 and usage, f"/grow?mb=lots answered {st} {usage!r}")
        got = logged(path, 3)
        check(got[0].group(1) == "HEAD" and got[0].group(4) == "-", f"HEAD: {got[0].group(0)}")
        check(got[1].group(4) == str(len(data)), f"echo: {got[1].group(0)}")
        check(got[2].group(3) == "400" and got[2].group(4) == str(len(usage)),
              f"400: {got[2].group(0)}, the client got {len(usage)} bytes")
    finally:
        s.finish()
        shutil.rmtree(d, ignore_errors=True)


# ---- guests' output ----

@case("guest output: a line at a time with the instance id, rate-limited, drops reported")
def _():
    s = Obs(STATEFUL, "--instances", "1", "--guest-log-rate", "10", "--debug-headers")
    try:
        m0 = s.metrics()
        st, h, _ = s.request("GET", "/print?n=50")
        inst = h["wasmhttpd-instance"]
        m1 = s.metrics()
        out = s.output()
        logged = re.findall(rf"instance {inst} stdout: line (\d+) of 50", out)
        err = re.findall(rf"instance {inst} stderr: stderr after 50 lines", out)
        dropped = re.findall(rf"instance {inst}: (\d+) lines? of guest output dropped", out)
        n_out = delta(m0, m1, 'wasmhttpd_guest_log_lines_total{stream="stdout"}')
        n_err = delta(m0, m1, 'wasmhttpd_guest_log_lines_total{stream="stderr"}')
        n_drop = delta(m0, m1, "wasmhttpd_guest_log_lines_dropped_total")
        check(10 <= len(logged) <= 11, f"{len(logged)} stdout lines logged at 10 lines/s")
        check(logged[:10] == [str(i) for i in range(1, 11)], f"lines in order: {logged}")
        check(len(logged) == n_out and len(err) == n_err, "metrics disagree with the log")
        check(n_out + n_err + n_drop == 51, f"{n_out} + {n_err} + {n_drop} lines, 51 written")
        check(dropped and sum(map(int, dropped)) == n_drop, f"drops reported: {dropped}")
        # the bucket refills: a second later a line gets through again
        time.sleep(1.1)
        s.request("GET", "/print?n=1")
        check(wait_for(lambda: "line 1 of 1" in s.output(), 3), "no line after the refill")
    finally:
        s.finish()


@case("guest in a loop of prints: the log stays bounded, the worker answers others meanwhile")
def _():
    s = Obs(SERVERLESS, "--guest-log-rate", "5", "--timeout", "60s")
    try:
        size0 = len(s.output())
        res = {}  # the printing request's status and time
        lines = 4000000  # long enough to be still printing when the other request comes

        def loud():
            t0 = time.monotonic()
            res["st"] = s.try_request("GET", f"/print?n={lines}", timeout=60)[0]
            res["took"] = time.monotonic() - t0
        t = threading.Thread(target=loud)
        t.start()
        time.sleep(0.2)
        t0 = time.monotonic()
        st, _, _ = s.request("GET", "/")
        other = time.monotonic() - t0
        printing = "took" not in res  # the printer was still at it
        t.join()
        check(res["st"] == 200, f"/print answered {res['st']}")
        check(printing, f"the printing request ended (after {res['took']:.2f} s) before the "
              "other request was answered: no overlap to test")
        check(st == 200 and other < 0.3,
              f"a request during the prints took {other:.2f} s (the printer took "
              f"{res['took']:.2f} s)")
        grown = s.output()[size0:]
        n = len(re.findall(r"stdout: line", grown))
        # a full bucket (5), then 5 a second
        check(n <= 5 + 5 * res["took"] + 1, f"{n} lines logged in {res['took']:.1f} s at 5/s")
        m1 = s.metrics()
        drops = sum(map(int, re.findall(r"(\d+) lines? of guest output dropped", grown)))
        logged = sum(m1[f'wasmhttpd_guest_log_lines_total{{stream="{x}"}}']
                     for x in ("stdout", "stderr"))
        check(drops == m1["wasmhttpd_guest_log_lines_dropped_total"] and
              drops + logged == lines + 1, f"{drops} dropped (reported) + {logged} logged")
    finally:
        s.finish()


@case("--log-format json: every server line is a JSON object; guest lines name instance")
def _():
    s = Obs(STATEFUL, "--log-format", "json", "--instances", "1")
    try:
        s.request("GET", "/print?n=1")
        s.request("GET", "/trap")
    finally:
        s.finish()
    objs = [json.loads(l) for l in s.output().splitlines() if l.strip()]
    check(all("time" in o and "msg" in o for o in objs), f"{objs}")
    guest = [o for o in objs if o.get("source") == "guest"]
    check(any(o["stream"] == "stdout" and o["msg"] == "line 1 of 1" and
              isinstance(o["instance"], int) for o in guest), f"guest lines: {guest}")
    check(any("unreachable" in o["msg"] for o in objs), "the trap's line")
    check(any(o["msg"] == "stopped" for o in objs), "the last line")


print(f"{results['passed']} passed, {results['failed']} failed")
sys.exit(1 if results["failed"] or not results["passed"] else 0)
