#!/usr/bin/env python3
"""Past one machine: three `wasmhttpd serve` nodes behind Debian's HAProxy
(docs/deploy.md), each node in a network namespace of its own with its own
address on a veth pair, all made and removed by this test.

    deploy_test.py WASMHTTPD HAPROXY COUNTER_SERVERLESS.wasm COUNTER_STATEFUL.wasm [FILTER]

Every node runs two servers: the serverless counter (port 8080, admin 9090)
and the stateful one (port 8081, admin 9091, one instance). HAProxy listens
on loopback with the configuration of docs/deploy.md, one frontend per
model; it names the node that answered in `x-node`, and each node's access
log says what it served. The counter answers "Hello from WASM! (N)", N the
requests its instance handled (examples/counter/README.md).

Needs root (network namespaces), as CI runs it. Prints one line per case
and ends with "N passed, N failed"; exits 1 when a case failed.
"""
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from whtest import HOST, Results, check, free_port, sanitizer_reports, wait_for

BIN, HAPROXY, SERVERLESS, STATEFUL = sys.argv[1:5]
FILTER = sys.argv[5] if len(sys.argv) > 5 else ""
HELLO = re.compile(rb"^Hello from WASM! \((\d+)\)\n$")
NODES = 3
# (component, port, admin port, extra options) per model.
MODELS = {
    "serverless": (SERVERLESS, 8080, 9090, []),
    # One instance per node, so that the count a sticky client sees is the
    # node's; with a pool of several, the node spreads requests over them.
    "stateful": (STATEFUL, 8081, 9091, ["--instances", "1"]),
}
TAG = f"wd{os.getpid() % 100000}"  # names unique per run (veth: 15 chars at most)
results = Results(FILTER)


def run(*cmd, check_rc=True):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
    if check_rc and p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {p.returncode}: {(p.stderr + p.stdout).strip()}")
    return p


def count_of(body):
    m = HELLO.match(body)
    if not m:
        raise AssertionError(f"not a counter answer: {body!r}")
    return int(m.group(1))


def free_subnet():
    """A 10.213.Y.0/24 no route of this machine covers, Y from the pid (the
    three nodes take /30s of it)."""
    routes = run("ip", "-4", "route", "show", "table", "all").stdout
    for k in range(250):
        y = (os.getpid() + k) % 250
        if f"10.213.{y}." not in routes:
            return f"10.213.{y}"
    raise RuntimeError("no free 10.213.Y.0/24 for the nodes")


# ---- the nodes ----

class Node:
    """Node i: the namespace TAG-i, a veth pair (host side TAGhI with
    .4i+1, namespace side TAGnI with .4i+2), and its servers by model."""

    def __init__(self, i, net, tmp):
        self.i, self.name, self.tmp = i, f"n{i}", tmp
        self.ns, self.host_if, self.ns_if = f"{TAG}-{i}", f"{TAG}h{i}", f"{TAG}n{i}"
        self.addr = f"{net}.{4 * i + 2}"
        self.procs, self.logs, self.gen = {}, {}, {}
        self.net = net

    def setup(self):
        net = self.net
        run("ip", "netns", "add", self.ns)
        run("ip", "link", "add", self.host_if, "type", "veth", "peer", "name", self.ns_if,
            "netns", self.ns)
        run("ip", "addr", "add", f"{net}.{4 * self.i + 1}/30", "dev", self.host_if)
        run("ip", "link", "set", self.host_if, "up")
        run("ip", "-n", self.ns, "addr", "add", f"{self.addr}/30", "dev", self.ns_if)
        run("ip", "-n", self.ns, "link", "set", self.ns_if, "up")
        run("ip", "-n", self.ns, "link", "set", "lo", "up")

    def start(self, model):
        """Starts (again) the node's server of model; a new access log per
        start (self.logs[model])."""
        component, port, admin, extra = MODELS[model]
        gen = self.gen[model] = self.gen.get(model, 0) + 1
        log = os.path.join(self.tmp, f"{self.name}-{model}-{gen}.access.log")
        out = open(os.path.join(self.tmp, f"{self.name}-{model}-{gen}.log"), "wb")
        # `ip netns exec` execs the server: the pid is the server's own.
        self.procs[model] = subprocess.Popen(
            ["ip", "netns", "exec", self.ns, BIN, "serve", "--workers", "1",
             "--addr", f"{self.addr}:{port}", "--admin", f"{self.addr}:{admin}",
             "--access-log", log, *extra, component],
            stdout=out, stderr=subprocess.STDOUT)
        out.close()
        self.logs[model] = log

    def wait_ready(self, model, within=20):
        """Until the admin listener's /readyz says 200 (bounded)."""
        admin = MODELS[model][2]

        def ready():
            if self.procs[model].poll() is not None:
                raise RuntimeError(f"{self.name} {model} exited {self.procs[model].returncode}: "
                                   f"{self.output(model)}")
            try:
                c = http.client.HTTPConnection(self.addr, admin, timeout=1)
                c.request("GET", "/readyz")
                return c.getresponse().status == 200
            except OSError:
                return False
        check(wait_for(ready, within), f"{self.name} {model}: /readyz not 200 within {within} s")

    def output(self, model):
        with open(os.path.join(self.tmp, f"{self.name}-{model}-{self.gen[model]}.log"), "rb") as f:
            return f.read().decode(errors="replace")[-2000:]

    def served(self, model):
        """Lines of the current access log of model (requests served)."""
        try:
            with open(self.logs[model], "rb") as f:
                return f.read().count(b"\n")
        except FileNotFoundError:
            return 0

    def stop(self, model, sig=signal.SIGTERM, within=15):
        """Sends sig; the exit status (bounded wait, then SIGKILL)."""
        p = self.procs[model]
        if p.poll() is None:
            p.send_signal(sig)
            try:
                p.wait(within)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        return p.returncode

    def remove(self):
        for model in self.procs:
            self.stop(model, signal.SIGKILL)
        # The namespace's end removes its veth end, and with it the peer.
        run("ip", "netns", "del", self.ns, check_rc=False)
        run("ip", "link", "del", self.host_if, check_rc=False)


# ---- HAProxy ----

def haproxy_cfg(nodes, ports, sock):
    """The configuration of docs/deploy.md, with this run's addresses."""
    def servers(model, cookie):
        _, port, admin, _ = MODELS[model]
        return "".join(
            f"    server {n.name} {n.addr}:{port} check port {admin}"
            + (f" cookie {n.name}" if cookie else "") + "\n" for n in nodes)
    return f"""global
    stats socket {sock} mode 600 level admin
    maxconn 2000

defaults
    mode http
    timeout connect 1s
    timeout client 10s
    timeout server 10s
    timeout http-keep-alive 10s
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter 200ms fall 2 rise 2

frontend serverless
    bind {HOST}:{ports['serverless']}
    default_backend serverless

backend serverless
    balance roundrobin
    http-request disable-l7-retry unless METH_GET
    http-response set-header x-node %s
{servers('serverless', False)}
frontend stateful
    bind {HOST}:{ports['stateful']}
    default_backend stateful

backend stateful
    balance roundrobin
    cookie SRV insert indirect nocache
    http-request disable-l7-retry unless METH_GET
    http-response set-header x-node %s
{servers('stateful', True)}"""


class HAProxy:
    def __init__(self, nodes, tmp):
        self.sock = os.path.join(tmp, "haproxy.sock")
        self.ports = {m: free_port() for m in MODELS}
        self.cfg = os.path.join(tmp, "haproxy.cfg")
        with open(self.cfg, "w") as f:
            f.write(haproxy_cfg(nodes, self.ports, self.sock))
        run(HAPROXY, "-c", "-f", self.cfg)
        self.out = open(os.path.join(tmp, "haproxy.log"), "wb")
        self.proc = subprocess.Popen([HAPROXY, "-db", "-f", self.cfg],
                                     stdout=self.out, stderr=subprocess.STDOUT)
        check(wait_for(lambda: os.path.exists(self.sock) or self.proc.poll() is not None, 10)
              and self.proc.poll() is None, f"HAProxy did not start: {self.output()}")

    def output(self):
        with open(self.out.name, "rb") as f:
            return f.read().decode(errors="replace")[-2000:]

    def cmd(self, line):
        """A command on the runtime API (the stats socket); its answer."""
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(5)
            s.connect(self.sock)
            s.sendall(line.encode() + b"\n")
            out = b""
            while chunk := s.recv(65536):
                out += chunk
        return out.decode()

    def stat(self, backend, server):
        """The `show stat` row of backend/server as a dict."""
        lines = self.cmd("show stat").splitlines()
        head = lines[0].lstrip("# ").split(",")
        for line in lines[1:]:
            row = dict(zip(head, line.split(",")))
            if row.get("pxname") == backend and row.get("svname") == server:
                return row
        raise RuntimeError(f"no server {backend}/{server} in show stat")

    def wait_status(self, backend, server, prefix, within=10):
        check(wait_for(lambda: self.stat(backend, server)["status"].startswith(prefix), within),
              f"{backend}/{server} not {prefix} within {within} s: "
              f"{self.stat(backend, server)['status']}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.out.close()


def get(port, path="/", headers=None, conn=None):
    """(status, x-node, body, set-cookie) of a GET through HAProxy."""
    c = conn or http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        c.request("GET", path, headers=headers or {})
        r = c.getresponse()
        body = r.read()
        return r.status, r.getheader("x-node"), body, r.getheader("set-cookie")
    finally:
        if conn is None:
            c.close()


class Load:
    """Client threads sending GET / to the serverless frontend, each on a
    keep-alive connection (a new one after an error), until stop(); counts
    answers that are 200 and a fresh counter, and everything else."""

    def __init__(self, port, threads=4):
        self.port, self.ok, self.failed, self.errors = port, 0, 0, []
        self.by_node = {}
        self.lock, self.done = threading.Lock(), threading.Event()
        self.threads = [threading.Thread(target=self.loop, daemon=True) for _ in range(threads)]
        for t in self.threads:
            t.start()

    def loop(self):
        c = None
        while not self.done.is_set():
            try:
                c = c or http.client.HTTPConnection(HOST, self.port, timeout=10)
                st, node, body, _ = get(self.port, conn=c)
                good = st == 200 and count_of(body) == 1
                why = None if good else f"{st} {body[:80]!r}"
            except Exception as e:  # noqa: BLE001 - any failure counts
                good, why, node = False, repr(e), None
                c.close()
                c = None
            with self.lock:
                if good:
                    self.ok += 1
                    self.by_node[node] = self.by_node.get(node, 0) + 1
                else:
                    self.failed += 1
                    self.errors.append(why)

    def stop(self):
        self.done.set()
        for t in self.threads:
            t.join(15)
        check(not any(t.is_alive() for t in self.threads), "a client thread did not end")
        return self.ok, self.failed


# ---- the cases ----

def cases(nodes, hap):
    sl, sf = hap.ports["serverless"], hap.ports["stateful"]
    case = results.case

    @case("docs/deploy.md shows the configuration this test runs")
    def _():
        doc = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs",
                           "deploy.md")
        with open(doc) as f:
            m = re.search(r"```haproxy\n(.*?)```", f.read(), re.S)
        check(m, "no ```haproxy block in docs/deploy.md")
        with open(hap.cfg) as f:
            ours = f.read()

        def norm(text):
            """Its lines without addresses, bind lines and the socket's path."""
            out = []
            for line in text.splitlines():
                line = re.sub(r"\d+\.\d+\.\d+\.\d+", "ADDR", line.strip())
                line = re.sub(r"^(bind|stats socket) \S+", r"\1 _", line)
                if line:
                    out.append(line)
            return out
        a, b = norm(m.group(1)), norm(ours)
        diff = [x for x in a if x not in b] + [x for x in b if x not in a]
        check(a == b, f"they differ: {diff or 'in order'}")

    @case("serverless: requests spread over every node, each a fresh instance (count 1)")
    def _():
        before = [n.served("serverless") for n in nodes]
        seen = {}
        c = http.client.HTTPConnection(HOST, sl, timeout=10)
        for i in range(30):
            st, node, body, _ = get(sl, conn=c)
            check(st == 200 and count_of(body) == 1, f"request {i + 1}: {st} {body!r}")
            seen[node] = seen.get(node, 0) + 1
        c.close()
        print(f"     x-node over 30 requests on one connection: {seen}")
        check(set(seen) == {n.name for n in nodes}, f"nodes that answered: {seen}")
        # Each node's own access log agrees with the balancer's header.
        for n, b in zip(nodes, before):
            check(wait_for(lambda: n.served("serverless") - b == seen[n.name], 5),
                  f"{n.name}: access log has {n.served('serverless') - b} new lines, "
                  f"x-node said {seen[n.name]}")

    @case("stateful: a client that keeps its cookie sees 1, 2, 3, ... on one node")
    def _():
        st, node, body, cookie = get(sf)
        check(st == 200 and cookie and cookie.startswith("SRV="),
              f"first answer: {st}, set-cookie {cookie!r}")
        jar = cookie.split(";")[0]
        check(jar == f"SRV={node}", f"cookie {jar!r} for node {node}")
        counts, where = [count_of(body)], {node}
        c = http.client.HTTPConnection(HOST, sf, timeout=10)
        for _ in range(9):
            st, node, body, _ = get(sf, headers={"Cookie": jar}, conn=c)
            check(st == 200, f"status {st}")
            counts.append(count_of(body))
            where.add(node)
        c.close()
        print(f"     {jar}: counts {counts} on {where}")
        check(where == {jar[4:]}, f"a sticky client was served by {where}")
        check(counts == list(range(1, 11)), f"counts {counts}, expected 1..10")

    @case("stateful: a client without cookies is spread, its counts are not 1, 2, 3, ...")
    def _():
        counts, where = [], set()
        for _ in range(9):
            st, node, body, _ = get(sf)
            check(st == 200, f"status {st}")
            counts.append(count_of(body))
            where.add(node)
        print(f"     no cookie: counts {counts} on {sorted(where)}")
        check(len(where) == NODES, f"served by {where}")
        check(counts != list(range(counts[0], counts[0] + 9)), f"counts {counts} look sticky")

    @case("stateful: a node's restart loses its instances' state (the sticky count starts over)")
    def _():
        st, node, body, cookie = get(sf)
        jar = cookie.split(";")[0]
        n = next(x for x in nodes if x.name == node)
        for _ in range(3):
            get(sf, headers={"Cookie": jar})
        st, _, body, _ = get(sf, headers={"Cookie": jar})
        check(count_of(body) >= 5, f"{node} before restart: {body!r}")
        check(n.stop("stateful") == 0, f"{node}: exit status after SIGTERM")
        n.start("stateful")
        n.wait_ready("stateful")
        hap.wait_status("stateful", node, "UP")
        st, again, body, _ = get(sf, headers={"Cookie": jar})
        print(f"     {jar} after {node}'s restart: {body!r} from {again}")
        check(again == node and count_of(body) == 1, f"after restart: {again} {body!r}")

    @case("rolling restart under load: drain, SIGTERM, restart, re-enable each node; no request lost")
    def _():
        load = Load(sl)
        try:
            time.sleep(0.5)
            for n in nodes:
                srv = f"serverless/{n.name}"
                check(hap.cmd(f"set server {srv} state drain").strip() == "", "drain refused")
                time.sleep(0.3)
                check(hap.cmd(f"set server {srv} state maint").strip() == "", "maint refused")
                check(wait_for(lambda: hap.stat("serverless", n.name)["scur"] == "0", 5),
                      f"{n.name} still has sessions in maintenance")
                check(n.stop("serverless") == 0, f"{n.name}: exit status after SIGTERM")
                n.start("serverless")
                n.wait_ready("serverless")
                check(hap.cmd(f"set server {srv} state ready").strip() == "", "ready refused")
                hap.wait_status("serverless", n.name, "UP")
                time.sleep(0.5)
            # Every restarted node serves again.
            check(wait_for(lambda: all(n.served("serverless") > 0 for n in nodes), 5),
                  f"restarted nodes served {[n.served('serverless') for n in nodes]}")
        finally:
            ok, failed = load.stop()
        print(f"     client: {ok} answered, {failed} failed, by node {load.by_node}")
        check(failed == 0, f"{failed} failed: {load.errors[:5]}")
        check(ok >= 100, f"only {ok} requests answered")

    @case("a node killed (SIGKILL) under load: retries and redispatch cover every GET")
    def _():
        victim = nodes[1]
        before = hap.stat("serverless", victim.name)
        load = Load(sl)
        try:
            time.sleep(1)
            victim.stop("serverless", signal.SIGKILL)
            killed_at = (load.ok, load.failed)
            hap.wait_status("serverless", victim.name, "DOWN", 5)
            time.sleep(1)
        finally:
            ok, failed = load.stop()
        after = hap.stat("serverless", victim.name)
        retr = int(after["wretr"]) - int(before["wretr"])
        redis = int(after["wredis"]) - int(before["wredis"])
        print(f"     client: {ok} answered ({ok - killed_at[0]} after the kill), {failed} failed; "
              f"HAProxy on {victim.name}: {retr} retries, {redis} redispatches")
        check(failed == 0, f"{failed} failed: {load.errors[:5]}")
        check(ok - killed_at[0] >= 20, "few requests after the kill")
        victim.start("serverless")
        victim.wait_ready("serverless")
        hap.wait_status("serverless", victim.name, "UP")

    def post_killed(n, path, body, first):
        """POST path with body to node n (its cookie) on a raw connection:
        sends the headers and `first` bytes of the body, SIGKILLs n's
        stateful server, sends the rest; all that came back until the
        connection closed."""
        s = socket.create_connection((HOST, sf), timeout=10)
        got = b""
        try:
            s.sendall(b"POST %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\nCookie: SRV=%s\r\n"
                      b"Content-Length: %d\r\n\r\n" % (path.encode(), n.name.encode(), len(body))
                      + body[:first])
            time.sleep(0.5)
            n.stop("stateful", signal.SIGKILL)
            try:
                s.sendall(body[first:])
                while len(got) < 4 * len(body) + 4096:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    got += chunk
            except OSError:
                pass
        finally:
            s.close()
        status = got.split(b"\r\n", 1)[0].decode(errors="replace") or "nothing"
        print(f"     POST {path} in flight on {n.name} when killed: {status}, "
              f"{len(got)} bytes in all")
        return got

    @case("a POST in flight on a killed node fails (not retried); a new POST is redispatched")
    def _():
        # No answer yet (the guest loops): HAProxy answers 502 and does not
        # send the POST again (disable-l7-retry unless METH_GET).
        got = post_killed(nodes[2], "/loop", b"hello", 5)
        check(got.startswith(b"HTTP/1.1 502"), f"POST /loop: {got[:200]!r}")
        # The answer had started (the echo streams back what it read): the
        # client sees it cut short, whatever the method.
        body = b"x" * 100000
        got = post_killed(nodes[0], "/echo", body, 1000)
        check(got.startswith(b"HTTP/1.1 200") or got.startswith(b"HTTP/1.1 502"),
              f"POST /echo: {got[:200]!r}")
        check(len(got) < len(body), f"POST /echo: {len(got)} bytes, the whole echo came back")
        # Nothing sent yet: a refused connection is retried for any method,
        # and the cookie's node being down, the request is redispatched.
        c = http.client.HTTPConnection(HOST, sf, timeout=10)
        c.request("POST", "/echo", body=b"hello", headers={"Cookie": "SRV=n2"})
        r = c.getresponse()
        got = r.read()
        where = r.getheader("x-node")
        c.close()
        print(f"     a new POST with SRV=n2: {r.status} from {where}")
        check(r.status == 200 and got == b"hello" and where == "n1",
              f"new POST: {r.status} {got[:80]!r} from {where}")


def main():
    if os.geteuid() != 0:
        print("FAIL deploy: network namespaces need root (ip netns); CI runs the tests as root")
        return 1
    # Interrupted (ctest's timeout, ^C): still remove what was made.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("FAIL deploy: terminated"))
    nodes, hap = [], None
    tmp = tempfile.TemporaryDirectory(prefix="wh-deploy-")
    t0 = time.monotonic()
    try:
        net = free_subnet()
        for i in range(NODES):
            nodes.append(Node(i, net, tmp.name))
            nodes[-1].setup()
        for n in nodes:
            for model in MODELS:
                n.start(model)
        for n in nodes:
            for model in MODELS:
                n.wait_ready(model)
        hap = HAProxy(nodes, tmp.name)
        for n in nodes:
            for model in MODELS:
                hap.wait_status(model, n.name, "UP")
        print(f"     {NODES} nodes in namespaces {TAG}-0..{NODES - 1} on {net}.0/24, "
              f"HAProxy on {HOST}:{hap.ports}, up in {time.monotonic() - t0:.1f} s")
        cases(nodes, hap)
    except Exception as e:  # noqa: BLE001 - the setup failed
        results["failed"] += 1
        print(f"FAIL setup: {e!r}")
        traceback.print_exc()
    finally:
        if hap:
            hap.stop()
        for n in nodes:
            n.remove()
        # A sanitized build's findings fail the run, whichever case they came in.
        for name in sorted(os.listdir(tmp.name)):
            if name.endswith(".log") and not name.endswith(".access.log"):
                with open(os.path.join(tmp.name, name), "rb") as f:
                    found = sanitizer_reports(f.read().decode(errors="replace"))
                if found:
                    results["failed"] += 1
                    print(f"FAIL {name}: {', '.join(found)}")
        tmp.cleanup()
        left = run("ip", "netns", "list").stdout
        if TAG + "-" in left:
            results["failed"] += 1
            print(f"FAIL cleanup: namespaces left: {left}")
    print(f"{results['passed']} passed, {results['failed']} failed "
          f"in {time.monotonic() - t0:.1f} s")
    return 1 if results["failed"] or not results["passed"] else 0


if __name__ == "__main__":
    sys.exit(main())
