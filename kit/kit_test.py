#!/usr/bin/env python3
"""Runs kit/check against hosts serving the kit's guests and compares its
verdicts with what each host is documented to give.

    kit_test.py wasmhttpd WASMHTTPD KIT_DIR COUNTER_WASM
    kit_test.py jco NODE JCO KIT_DIR
    kit_test.py careless

KIT_DIR holds kit-{c,js}-{serverless,stateful}.wasm (kit/CMakeLists.txt).
The expectations come from docs/semantics.md for wasmhttpd (section numbers
beside each) and, for `jco serve` 1.35.0, from what docs/semantics.md
section 10 and examples/counter/check.py record of it: one instance for the
process by default, a fresh one per request with --isolate-requests
instance, `init` never called, and a trap that ends the jco process in
both modes. `careless` runs kit/check against a stand-in host that breaks
every rule, so that the verdicts the real hosts never earn are seen to
be reached too. Every server is started here on a free loopback port and
stopped at the end of its case.
"""
import http.server
import json
import os
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "lib"))
import whtest  # noqa: E402

CHECK = os.path.join(HERE, "check")
check = whtest.check


def run_check(port, *extra):
    """kit/check's exit status, its verdicts (None unless --json gave
    them) and its stderr."""
    r = subprocess.run([sys.executable, CHECK, f"http://{whtest.HOST}:{port}", "--json", *extra],
                       capture_output=True, text=True, timeout=240)
    try:
        v = json.loads(r.stdout) if r.stdout.strip() else None
    except ValueError:
        v = None
    return r.returncode, v, r.stderr


def verdicts(srv):
    rc, v, err = run_check(srv.port)
    check(rc == 0 and v is not None, f"kit/check exited {rc}: {err.strip()} {v}")
    print(json.dumps(v, sort_keys=True), flush=True)
    return v


def expect(v, **want):
    """Each key of want equals v's field; a key a__b is v["a"]["b"]."""
    for key, value in want.items():
        got = v
        for part in key.split("__"):
            got = got[part]
        check(got == value, f"{key}: expected {value!r}, got {got!r}")


# ---- wasmhttpd ----

def fresh_per_request(v, init):
    """docs/semantics.md 4.1-4.4, 4.5 for init, 3.4 for the trap."""
    expect(v, reuse="fresh", max_requests_per_instance=1, init=init, isolation="isolated",
           concurrent__overlap=False, trap__status=500, trap__outcome="replaced", problems=[])
    check(v["instances"] == v["requests"], f"{v['instances']} instances for {v['requests']} "
          "requests, expected one each (4.1)")
    # 4.3: as many instances as requests in flight, 8 well under 256
    expect(v, concurrent__instances=v["concurrent"]["sent"], concurrent__one_at_a_time=False)
    check(v["trap"]["answered_after"] == v["trap"]["sent_after"],
          "a request after the trap went unanswered (4.4)")


def wasmhttpd(args):
    exe, kit_dir, counter = args
    results = whtest.Results()

    def serve(*a):
        return whtest.Serve(exe, ["--workers", "1", *a], what="wasmhttpd serve", within=60)

    for guest in ("c", "js"):
        serverless = os.path.join(kit_dir, f"kit-{guest}-serverless.wasm")
        stateful = os.path.join(kit_dir, f"kit-{guest}-stateful.wasm")

        @results.case(f"{guest}: serverless-proxy build, model auto (serverless)")
        def _():
            srv = serve(serverless)
            try:
                v = verdicts(srv)
                expect(v, guest=guest, world="serverless-proxy")
                fresh_per_request(v, "not-exported")
            finally:
                srv.stop()

        @results.case(f"{guest}: stateful-proxy build, --instance-model serverless")
        def _():
            srv = serve("--instance-model", "serverless", stateful)
            try:
                v = verdicts(srv)
                expect(v, world="stateful-proxy")
                fresh_per_request(v, "once-per-instance")  # 4.5: init on every fresh instance
            finally:
                srv.stop()

        @results.case(f"{guest}: stateful-proxy build, model auto (stateful), 4 instances")
        def _():
            srv = serve("--instances", "4", stateful)
            try:
                v = verdicts(srv)
                # 5.1 four instances, 5.5 least recently used: all four
                # answer the sequential requests; 5.2 init once each; 5.3
                # state kept within an instance, never shared between two
                # (section 2); 5.4 one request at a time per instance, so
                # 8 at once take 4 instances and two rounds; 3.4 and 5.6: a
                # trap answers 500 and the instance is not used again.
                expect(v, world="stateful-proxy", reuse="reused", instances=4,
                       init="once-per-instance", isolation="same-instance-only",
                       concurrent__instances=4, concurrent__overlap=False,
                       trap__status=500, trap__outcome="replaced", problems=[])
                check(v["concurrent"]["seconds"] >= 2 * 0.4 * 0.9,
                      f"8 requests of 0.4 s on 4 instances took {v['concurrent']['seconds']} s, "
                      "less than two rounds (5.4)")
                check(v["trap"]["answered_after"] == v["trap"]["sent_after"],
                      "a request after the trap went unanswered (5.6: the pool serves on)")
            finally:
                srv.stop()

    c_serverless = os.path.join(kit_dir, "kit-c-serverless.wasm")
    c_stateful = os.path.join(kit_dir, "kit-c-stateful.wasm")

    @results.case("c: stateful-proxy build, serverless with --snapshot-after-init")
    def _():
        srv = serve("--instance-model", "serverless", "--snapshot-after-init", c_stateful)
        try:
            v = verdicts(srv)
            # 4.7: every request starts from the state init left (init ran,
            # once, in what the request sees), and 4.2 still holds
            fresh_per_request(v, "once-per-instance")
        finally:
            srv.stop()

    @results.case("c: serverless-proxy build, --instance-model stateful (reuse forced)")
    def _():
        srv = serve("--instance-model", "stateful", "--instances", "4", c_serverless)
        try:
            v = verdicts(srv)
            # 6.2: reused as in section 5, without init
            expect(v, world="serverless-proxy", reuse="reused", instances=4, init="not-exported",
                   isolation="same-instance-only", concurrent__overlap=False,
                   trap__status=500, trap__outcome="replaced", problems=[])
        finally:
            srv.stop()

    @results.case("kit/check on a port nothing listens on: exit 2, says so")
    def _():
        rc, v, err = run_check(whtest.free_port())
        check(rc == 2 and v is None and "no answer" in err, f"exit {rc}, stderr {err!r}")

    @results.case("kit/check on a guest that is not the kit's: exit 2, says so")
    def _():
        srv = serve(counter)
        try:
            rc, v, err = run_check(srv.port)
            check(rc == 2 and v is None and "not serving a kit guest" in err,
                  f"exit {rc}, stderr {err!r}")
        finally:
            srv.stop()
    return results


# ---- jco serve ----

class Jco(whtest.Server):
    """`jco serve` in its own process group (it starts a second node
    process for the component)."""

    def __init__(self, node, jco, wasm, mode):
        port = whtest.free_port()
        cmd = [node, jco, "serve", "--host", whtest.HOST, "--port", str(port), *mode, wasm]
        super().__init__(cmd, port, what=f"jco serve {' '.join(mode)}", within=90, group=True)


def jco(args):
    node, jco_bin, kit_dir = args
    results = whtest.Results()

    for guest in ("c", "js"):
        @results.case(f"{guest}: jco serve (one shared instance), stateful-proxy build")
        def _():
            srv = Jco(node, jco_bin, os.path.join(kit_dir, f"kit-{guest}-stateful.wasm"), [])
            try:
                v = verdicts(srv)
                # one instance for the process, so requests at once wait
                # their turn; jco knows nothing of lifecycle; a trap ends jco
                expect(v, guest=guest, reuse="reused", instances=1, init="not-called",
                       isolation="same-instance-only", concurrent__instances=1,
                       concurrent__overlap=False, concurrent__one_at_a_time=True,
                       trap__outcome="host-broken", problems=[])
            finally:
                srv.stop()

        @results.case(f"{guest}: jco serve --isolate-requests instance, serverless-proxy build")
        def _():
            srv = Jco(node, jco_bin, os.path.join(kit_dir, f"kit-{guest}-serverless.wasm"),
                      ["--isolate-requests", "instance"])
            try:
                v = verdicts(srv)
                expect(v, guest=guest, reuse="fresh", max_requests_per_instance=1,
                       init="not-exported", isolation="isolated", concurrent__overlap=False,
                       concurrent__instances=v["concurrent"]["sent"],
                       trap__outcome="host-broken", problems=[])
                check(v["instances"] == v["requests"],
                      f"{v['instances']} instances for {v['requests']} requests")
            finally:
                srv.stop()
    return results


# ---- a careless host, to show kit/check sees what the real ones never do ----

class Careless:
    """A stand-in for a host that gets everything wrong, in Python: two
    "instances" taken in turn, each entered by any number of requests at
    once (a thread each), one secret store shared by both, and an instance
    kept after its request "trapped" (answered 500)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.inst = [{"instance": f"{i + 1:016x}", "count": 0, "in": 0, "trapped": False}
                     for i in range(2)]
        self.turn = 0
        self.secret = None
        host = self

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                host.answer(self)

        self.srv = http.server.ThreadingHTTPServer((whtest.HOST, 0), H)
        self.port = self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def answer(self, h):
        path, _, query = h.path.partition("?")
        with self.lock:
            st = self.inst[self.turn]
            self.turn = 1 - self.turn
            st["count"] += 1
            st["in"] += 1
            seq, at_entry = st["count"], st["in"]
        if path == "/trap":
            with self.lock:
                st["trapped"], st["in"] = True, st["in"] - 1
            h.send_response(500)
            h.send_header("content-length", "0")
            h.end_headers()
            return
        if path == "/slow":
            time.sleep(int(query.split("=")[1]) / 1000)
        if path == "/secret/write":
            self.secret = query.split("=")[1]
        with self.lock:
            overlap = at_entry > 1 or st["count"] != seq
            st["in"] -= 1
        body = json.dumps({
            "kit": 1, "guest": "py", "world": "serverless-proxy", "path": path,
            "instance": st["instance"], "count": seq, "init": 0, "in_flight": at_entry,
            "overlap": overlap, "after_trap": st["trapped"], "secret_memory": self.secret,
            "secret_global": int(self.secret) if self.secret else None}).encode()
        h.send_response(200)
        h.send_header("content-length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)


def careless(args):
    results = whtest.Results()

    @results.case("kit/check on a careless host: overlap, a leak, a kept trapped instance")
    def _():
        host = Careless()
        try:
            v = verdicts(host)
            expect(v, reuse="reused", instances=2, concurrent__overlap=True,
                   isolation="leaks-across-instances", trap__status=500, trap__outcome="kept",
                   problems=[])
        finally:
            host.srv.shutdown()
    return results


def main():
    drivers = {"wasmhttpd": (wasmhttpd, 3), "jco": (jco, 3), "careless": (careless, 0)}
    if len(sys.argv) < 2 or sys.argv[1] not in drivers \
            or len(sys.argv) != 2 + drivers[sys.argv[1]][1]:
        print(__doc__, file=sys.stderr)
        return 2
    results = drivers[sys.argv[1]][0](sys.argv[2:])
    print(f"{results['passed']} passed, {results['failed']} failed")
    return 1 if results["failed"] or not results["passed"] else 0


if __name__ == "__main__":
    sys.exit(main())
