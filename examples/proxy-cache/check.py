#!/usr/bin/env python3
"""Serves the proxy-cache example components in front of a small back end
(in this process) and checks what they answer: hits and misses, the
/nocache/ bypass, what is not cached, bodies passed through intact, and
the errors.

    check.py --dir DIR_WITH_THE_WASM [--wasmhttpd build/wasmhttpd] [--jco node_modules/.bin/jco]

With --wasmhttpd: `wasmhttpd serve`, stateful with one instance (so every
request meets the same cache) and serverless. A wasmhttpd without outbound
HTTP (no --allow-http in `serve --help`) answers every outbound request
HTTP-request-denied; then only that and what needs no back end is checked,
and a note says so. With --jco: `jco serve` (the reference host; its
outbound HTTP is node's), default mode for the stateful build and
`--isolate-requests instance` for the serverless one; jco never calls
`init`, so the stateful build reads its environment on the first request.
"""
import argparse
import http.server
import os
import subprocess
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests",
                                "lib"))
from whtest import Server, free_port

failures = []


def check(what, ok, detail=""):
    print(("ok    " if ok else "FAIL  ") + what + (f"  ({detail})" if detail else ""))
    if not ok:
        failures.append(what)


HELLO = b"hello from the back end\n"
BIG = bytes((i * 7 + i // 251) & 0xFF for i in range(1536 * 1024))  # over the 1 MiB entry limit


class Backend(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), BackendHandler)
        self.counts = {}
        self.lock = threading.Lock()
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def count(self, path):
        with self.lock:
            return self.counts.get(path, 0)


class BackendHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        path = self.path.split("?")[0]
        with self.server.lock:
            self.server.counts[path] = self.server.counts.get(path, 0) + 1
        headers = {"content-type": "text/plain"}
        status, body = 200, HELLO
        if path == "/private":
            headers["cache-control"] = "private, max-age=60"
        elif path == "/big":
            headers["content-type"] = "application/octet-stream"
            body = BIG
        elif path != "/hello":
            status, body = 404, b"not here\n"
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def host(cmd, port, what, env=None):
    """A host serving one component, in its own process group (jco serve
    starts a second node process); one that exits at once is the caller's
    to look at."""
    return Server(cmd, port, what=what, within=90, may_exit=True, timeout=30, group=True, env=env)


def wasmhttpd_server(args, wasm, backend_url, extra=()):
    port = free_port()
    cmd = [args.wasmhttpd, "serve", "--addr", f"127.0.0.1:{port}", "--workers", "1"]
    if backend_url is not None:
        cmd += ["--env", f"BACKEND={backend_url}"]
    if args.outbound and backend_url and backend_url.startswith("http"):
        cmd += ["--allow-http", backend_url]
    cmd += list(extra) + [os.path.join(args.dir, wasm)]
    return host(cmd, port, f"wasmhttpd serve {wasm}")


def jco_server(args, wasm, backend_url, extra=()):
    port = free_port()
    env = dict(os.environ)
    env.pop("BACKEND", None)
    if backend_url is not None:
        env["BACKEND"] = backend_url
    cmd = [args.node, args.jco, "serve", "--host", "127.0.0.1", "--port", str(port)]
    cmd += list(extra) + [os.path.join(args.dir, wasm)]
    return host(cmd, port, f"jco serve {wasm}", env=env)


def show(r):
    status, headers, body = r
    return f"status {status}, x-cache {headers.get('x-cache')}, body {body[:60]!r}"


def cache_checks(label, srv, be):
    """The stateful build on one instance."""
    base = be.count("/hello")
    r = srv.try_request("GET", "/hello")
    check(f"{label}: first GET /hello is a miss with the back end's body",
          r[0] == 200 and r[1].get("x-cache") == "miss" and r[2] == HELLO
          and be.count("/hello") == base + 1, show(r))
    check(f"{label}: the back end's headers come through",
          r[1].get("content-type") == "text/plain", repr(r[1]))
    r = srv.try_request("GET", "/hello")
    check(f"{label}: second GET /hello is a hit, the back end not asked",
          r[0] == 200 and r[1].get("x-cache") == "hit" and r[2] == HELLO
          and be.count("/hello") == base + 1 and "age" in r[1], show(r))
    r = srv.try_request("GET", "/nocache/hello")
    check(f"{label}: /nocache/hello is forwarded as /hello (bypass)",
          r[0] == 200 and r[1].get("x-cache") == "bypass" and r[2] == HELLO
          and be.count("/hello") == base + 2, show(r))
    r = srv.try_request("GET", "/hello")
    check(f"{label}: /hello is still a hit after the bypass",
          r[1].get("x-cache") == "hit" and be.count("/hello") == base + 2, show(r))
    r = srv.try_request("GET", "/hello?q=1")
    check(f"{label}: the query is part of the key", r[1].get("x-cache") == "miss", show(r))
    for path, status in (("/private", 200), ("/missing", 404)):
        before = be.count(path)
        got = [srv.try_request("GET", path) for _ in range(2)]
        check(f"{label}: {path} ({status}) is never stored",
              all(g[0] == status and g[1].get("x-cache") == "miss" for g in got)
              and be.count(path) == before + 2, "; ".join(show(g) for g in got))
    got = [srv.try_request("GET", "/big") for _ in range(2)]
    check(f"{label}: /big ({len(BIG)} bytes, over the entry limit) comes through intact, "
          "never stored",
          all(g[0] == 200 and g[2] == BIG and g[1].get("x-cache") == "miss" for g in got),
          "; ".join(f"status {g[0]}, {len(g[2])} bytes, x-cache {g[1].get('x-cache')}"
                    for g in got))
    r = srv.try_request("POST", "/hello")
    check(f"{label}: POST answers 405", r[0] == 405, show(r))


def serverless_checks(label, srv, be):
    base = be.count("/hello")
    got = [srv.try_request("GET", "/hello") for _ in range(2)]
    check(f"{label}: GET /hello twice: both misses, both forwarded",
          all(g[0] == 200 and g[1].get("x-cache") == "miss" and g[2] == HELLO for g in got)
          and be.count("/hello") == base + 2, "; ".join(show(g) for g in got))


def refused_checks(label, srv):
    r = srv.try_request("GET", "/hello")
    check(f"{label}: a back end that refuses connections gives a 502 naming the error",
          r[0] == 502 and r[2].startswith(b"back end: "), show(r))


def run_wasmhttpd(args, be, url):
    if args.outbound:
        srv = wasmhttpd_server(args, "proxy-cache-stateful.wasm", url, ["--instances", "1"])
        try:
            cache_checks("wasmhttpd stateful", srv, be)
        finally:
            srv.stop()
        srv = wasmhttpd_server(args, "proxy-cache-serverless.wasm", url)
        try:
            serverless_checks("wasmhttpd serverless", srv, be)
        finally:
            srv.stop()
        closed = f"http://127.0.0.1:{free_port()}"
        srv = wasmhttpd_server(args, "proxy-cache-stateful.wasm", closed, ["--instances", "1"])
        try:
            refused_checks("wasmhttpd stateful", srv)
        finally:
            srv.stop()
    else:
        print("note  this wasmhttpd has no outbound HTTP (no --allow-http): checking only the "
              "denied path and what needs no back end")
        for wasm, label in (("proxy-cache-stateful.wasm", "wasmhttpd stateful"),
                            ("proxy-cache-serverless.wasm", "wasmhttpd serverless")):
            srv = wasmhttpd_server(args, wasm, url, ["--instances", "1"])
            try:
                r = srv.try_request("GET", "/hello")
                check(f"{label}: GET /hello answers 502 HTTP-request-denied, a miss",
                      r[0] == 502 and b"HTTP-request-denied" in r[2]
                      and r[1].get("x-cache") == "miss", show(r))
                r = srv.try_request("GET", "/nocache/hello")
                check(f"{label}: /nocache/hello is a bypass", r[1].get("x-cache") == "bypass",
                      show(r))
                r = srv.try_request("POST", "/hello")
                check(f"{label}: POST answers 405", r[0] == 405, show(r))
            finally:
                srv.stop()

    # BACKEND missing or malformed: init refuses the stateful instance, so
    # the server cannot start; the serverless build answers 500.
    for env in (None, "ftp://127.0.0.1/"):
        srv = wasmhttpd_server(args, "proxy-cache-stateful.wasm", env)
        try:
            srv.proc.wait(timeout=30)
            out = srv.output()
            check(f"wasmhttpd stateful: BACKEND={env}: init fails, the server exits 1 naming "
                  "BACKEND", srv.proc.returncode == 1 and "BACKEND" in out,
                  f"exit {srv.proc.returncode}: {out.strip().splitlines()[-1:]}")
        except subprocess.TimeoutExpired:
            check(f"wasmhttpd stateful: BACKEND={env}: init fails", False, "still running")
        finally:
            srv.stop()
    srv = wasmhttpd_server(args, "proxy-cache-serverless.wasm", None)
    try:
        r = srv.try_request("GET", "/hello")
        check("wasmhttpd serverless: no BACKEND: 500 naming it",
              r[0] == 500 and b"BACKEND is not set" in r[2], show(r))
    finally:
        srv.stop()


def run_jco(args, be, url):
    srv = jco_server(args, "proxy-cache-stateful.wasm", url)
    try:
        cache_checks("jco serve stateful (one instance)", srv, be)
    finally:
        srv.stop()
    srv = jco_server(args, "proxy-cache-serverless.wasm", url, ["--isolate-requests", "instance"])
    try:
        serverless_checks("jco serve --isolate-requests instance", srv, be)
    finally:
        srv.stop()
    srv = jco_server(args, "proxy-cache-stateful.wasm", f"http://127.0.0.1:{free_port()}")
    try:
        refused_checks("jco serve stateful", srv)
    finally:
        srv.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", required=True, help="where proxy-cache-*.wasm are")
    ap.add_argument("--wasmhttpd")
    ap.add_argument("--jco")
    ap.add_argument("--node", default="node")
    args = ap.parse_args()
    if not args.wasmhttpd and not args.jco:
        ap.error("give --wasmhttpd, --jco or both")
    be = Backend()
    url = f"http://127.0.0.1:{be.server_address[1]}"
    if args.wasmhttpd:
        helptext = subprocess.run([args.wasmhttpd, "serve", "--help"], capture_output=True,
                                  text=True)
        args.outbound = "--allow-http" in helptext.stdout + helptext.stderr
        run_wasmhttpd(args, be, url)
    if args.jco:
        run_jco(args, be, url)
    be.shutdown()
    print(f"{len(failures)} check(s) failed" if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
