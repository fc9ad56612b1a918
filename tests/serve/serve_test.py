#!/usr/bin/env python3
"""`wasmhttpd serve` end to end: the instance models, observed from outside
with real HTTP clients over loopback, on examples/counter.

    serve_test.py WASMHTTPD COUNTER_SERVERLESS.wasm COUNTER_STATEFUL.wasm [FILTER]

The counter answers "Hello from WASM! (N)" where N counts the requests its
instance has handled; /trap traps, /loop never returns, /grow?mb=N grows its
memory, /echo streams the request body back, /init answers
"init=K count=N" (K: how often init ran in this instance). Every expectation
below comes from docs/semantics.md and examples/counter/README.md, not from
the server's output.

Prints one line per case and ends with "N passed, N failed".
"""
import hashlib
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from whtest import Results, Serve, check, connect, free_port, wait_for

BIN, SERVERLESS, STATEFUL = sys.argv[1:4]
FILTER = sys.argv[4] if len(sys.argv) > 4 else ""
HELLO = re.compile(rb"^Hello from WASM! \((\d+)\)\n$")
results = Results(FILTER)


def wasm(name):
    """A test component of tests/serve, built into WH_TEST_WASM_DIR."""
    return os.path.join(os.environ["WH_TEST_WASM_DIR"], name + ".wasm")


def start(component, *args, **kw):
    """`wasmhttpd serve ARGS COMPONENT`, once it accepts connections. One
    worker unless ARGS say otherwise (the default is one per CPU), so that
    counts follow one pool. kw goes to Serve (popen: a wrapper)."""
    workers = [] if "--workers" in args else ["--workers", "1"]
    return Serve(BIN, [*workers, *args, component], **kw)


def count_of(body):
    m = HELLO.match(body)
    if not m:
        raise AssertionError(f"not a counter answer: {body!r}")
    return int(m.group(1))


case = results.case


# ---- the models ----

@case("serverless: 100 requests in a row all see a fresh instance (count 1)")
def _():
    s = start(SERVERLESS, "--debug-headers")
    try:
        c = s.conn()
        ids = set()
        for i in range(100):
            st, h, body = s.get("/", conn=c)
            check(st == 200, f"status {st}")
            check(count_of(body) == 1, f"request {i + 1}: {body!r}")
            check(h.get("wasmhttpd-model") == "serverless", f"model header {h}")
            check(h.get("wasmhttpd-request-seq") == "1", f"seq {h}")
            ids.add(h.get("wasmhttpd-instance"))
        check(len(ids) == 100, f"{len(ids)} distinct instance ids for 100 requests")
    finally:
        check(s.stop() == 0, "exit status after SIGTERM")


@case("serverless: a reset instance has its first size again (grows past --max-memory otherwise)")
def _():
    s = start(SERVERLESS, "--max-memory", "8m", "--debug-headers")
    try:
        c = s.conn()
        for i in range(6):  # 6 x 5 MiB: only fine if every request starts small
            st, h, body = s.get("/grow?mb=5", conn=c)
            check(st == 200 and count_of(body) == 1, f"request {i + 1}: {st} {body!r}")
        # a trap: that instance is freed, not reset; the next is fresh too
        st, h, body = s.get("/trap", conn=s.conn())
        check(st == 500, f"trap: {st}")
        st, h, body = s.get("/", conn=s.conn())
        check(st == 200 and count_of(body) == 1, f"after the trap: {st} {body!r}")
        check("made anew" not in s.output(), s.output()[-2000:])
    finally:
        check(s.stop() == 0, "exit status after SIGTERM")


@case("serverless --serverless-fresh instantiate: every instance made anew, count 1")
def _():
    s = start(SERVERLESS, "--serverless-fresh", "instantiate", "--debug-headers")
    try:
        c = s.conn()
        ids = set()
        for i in range(20):
            st, h, body = s.get("/", conn=c)
            check(st == 200 and count_of(body) == 1, f"request {i + 1}: {body!r}")
            ids.add(h.get("wasmhttpd-instance"))
        check(len(ids) == 20, f"{len(ids)} distinct instance ids for 20 requests")
        st = subprocess.run([BIN, "serve", "--serverless-fresh", "sometimes", SERVERLESS],
                            capture_output=True, text=True)
        check(st.returncode == 2 and "--serverless-fresh" in st.stderr, f"{st.returncode} {st.stderr}")
    finally:
        check(s.stop() == 0, "exit status after SIGTERM")


@case("stateful, 1 worker, 1 instance: counts 1..100")
def _():
    s = start(STATEFUL, "--workers", "1", "--instances", "1")
    try:
        c = s.conn()
        got = [count_of(s.get("/", conn=c)[2]) for _ in range(100)]
        check(got == list(range(1, 101)), f"counts {got[:5]}...{got[-5:]}")
    finally:
        check(s.stop() == 0, "exit status after SIGTERM")


@case("auto picks stateful for the lifecycle export, serverless without")
def _():
    for comp, model in ((STATEFUL, "stateful"), (SERVERLESS, "serverless")):
        s = start(comp, "--debug-headers")
        try:
            st, h, _ = s.get("/")
            check(h.get("wasmhttpd-model") == model, f"{comp}: {h.get('wasmhttpd-model')}")
            # (the line is written once every worker is up, which may be
            # after the first answer)
            check(wait_for(lambda: f"model {model}" in s.output()), f"startup log: {s.output()!r}")
        finally:
            s.stop()


@case("stateful, 4 instances: each instance counts 1,2,3... without gaps; ids distinct")
def _():
    s = start(STATEFUL, "--instances", "4", "--debug-headers")
    try:
        seqs = {}
        lock = threading.Lock()
        errors = []

        def client():
            try:
                c = s.conn()
                for _ in range(25):
                    st, h, body = s.get("/", conn=c)
                    n = count_of(body)
                    with lock:
                        seqs.setdefault(h["wasmhttpd-instance"], []).append(
                            (int(h["wasmhttpd-request-seq"]), n))
            except Exception as e:
                errors.append(e)

        ts = [threading.Thread(target=client) for _ in range(8)]
        [t.start() for t in ts]
        [t.join() for t in ts]
        check(not errors, f"client errors: {errors[:2]}")
        check(1 <= len(seqs) <= 4, f"{len(seqs)} instances")
        total = 0
        for iid, pairs in seqs.items():
            pairs.sort()
            check([p[0] for p in pairs] == list(range(1, len(pairs) + 1)),
                  f"instance {iid}: seqs {[p[0] for p in pairs][:10]}")
            check(all(seq == n for seq, n in pairs), f"instance {iid}: count != seq")
            total += len(pairs)
        check(total == 200, f"{total} answers")
    finally:
        s.stop()


@case("a trap in request 5 gives 500; request 6 runs on a new instance whose count restarts")
def _():
    s = start(STATEFUL, "--instances", "1", "--debug-headers")
    try:
        c = s.conn()
        ids = []
        for i in range(4):
            st, h, body = s.get("/", conn=c)
            check(count_of(body) == i + 1, f"request {i + 1}: {body!r}")
            ids.append(h["wasmhttpd-instance"])
        st, h, body = s.get("/trap")
        check(st == 500, f"trap answered {st}")
        st, h, body = s.get("/")
        check(st == 200 and count_of(body) == 1, f"after the trap: {st} {body!r}")
        check(h["wasmhttpd-instance"] != ids[0], "same instance id after a trap")
        check(h["wasmhttpd-request-seq"] == "1", f"seq {h['wasmhttpd-request-seq']}")
    finally:
        s.stop()


@case("--max-requests 10 recycles after 10 requests")
def _():
    s = start(STATEFUL, "--instances", "1", "--max-requests", "10", "--debug-headers")
    try:
        c = s.conn()
        got, ids = [], []
        for _ in range(25):
            st, h, body = s.get("/", conn=c)
            got.append(count_of(body))
            ids.append(h["wasmhttpd-instance"])
        check(got == list(range(1, 11)) * 2 + list(range(1, 6)), f"counts {got}")
        check(len(set(ids)) == 3, f"{len(set(ids))} instance ids")
    finally:
        s.stop()


@case("--idle-timeout recycles an idle instance; a busy one stays")
def _():
    s = start(STATEFUL, "--instances", "1", "--idle-timeout", "400ms", "--debug-headers")
    try:
        ids = []
        for _ in range(5):  # 100 ms apart: never idle for 400 ms
            st, h, body = s.get("/")
            ids.append(h["wasmhttpd-instance"])
            time.sleep(0.1)
        check(len(set(ids)) == 1, f"recycled while in use: {ids}")
        time.sleep(1.0)
        st, h, body = s.get("/")
        check(h["wasmhttpd-instance"] != ids[0], "not recycled after idling")
        check(count_of(body) == 1, f"count after recycling: {body!r}")
    finally:
        s.stop()


@case("init runs exactly once per instance")
def _():
    s = start(STATEFUL, "--instances", "3", "--debug-headers")
    try:
        for _ in range(30):
            st, h, body = s.get("/init")
            check(st == 200, f"status {st}")
            check(body.startswith(b"init=1 "), f"body {body!r}")
    finally:
        s.stop()


@case("serverless with a lifecycle component: init runs on every fresh instance")
def _():
    s = start(STATEFUL, "--instance-model", "serverless")
    try:
        for _ in range(5):
            st, h, body = s.get("/init")
            check(body == b"init=1 count=1\n", f"body {body!r}")
    finally:
        s.stop()


@case("serverless --snapshot-after-init: requests start from the state after one init")
def _():
    def init_ats(*opts):
        s = start(STATEFUL, "--instance-model", "serverless", "--workers", "1", *opts)
        try:
            c = s.conn()
            got = []
            for _ in range(5):
                st, h, body = s.get("/init", conn=c)
                check(body == b"init=1 count=1\n", f"body {body!r}")
                st, h, body = s.get("/init-at", conn=c)
                m = re.fullmatch(rb"init-at=(\d+)\n", body)
                check(st == 200 and m and int(m.group(1)) > 0, f"init-at: {st} {body!r}")
                got.append(int(m.group(1)))
            return got, s.output()
        finally:
            check(s.stop() == 0, "exit status after SIGTERM")

    # without: init runs for every request; with: once, for the one
    # instance that serves these requests one after another
    each, _ = init_ats()
    check(len(set(each)) == len(each), f"init times without the option: {each}")
    once, log = init_ats("--snapshot-after-init")
    check(len(set(once)) == 1, f"init times with --snapshot-after-init: {once}")
    check("start from the state after init" in log, log[-2000:])


@case("a looping guest gets 504 at --timeout, and the pool recovers")
def _():
    s = start(STATEFUL, "--instances", "1", "--timeout", "300ms", "--debug-headers")
    try:
        t0 = time.time()
        st, h, body = s.get("/loop")
        check(st == 504, f"status {st}")
        check(time.time() - t0 < 5, "took too long")
        st, h, body = s.get("/")
        check(st == 200 and count_of(body) == 1, f"after: {st} {body!r}")
    finally:
        s.stop()


@case("a looping guest runs out of --fuel: 500, serverless")
def _():
    s = start(SERVERLESS, "--fuel", "1000000")
    try:
        st, h, body = s.get("/loop")
        check(st == 500, f"status {st}")
        st, h, body = s.get("/")
        check(st == 200 and count_of(body) == 1, f"after: {st} {body!r}")
    finally:
        s.stop()


@case("stateful --max-memory: an instance past it is recycled; twice it is a hard limit")
def _():
    s = start(STATEFUL, "--instances", "1", "--max-memory", "16m", "--debug-headers")
    try:
        st, h1, body = s.get("/")
        st, h2, body = s.get("/grow?mb=20")
        check(st == 200, f"grow status {st}")
        st, h3, body = s.get("/")
        check(count_of(body) == 1, f"after growing: {body!r}")
        check(h3["wasmhttpd-instance"] != h1["wasmhttpd-instance"], "not recycled")
        st, h4, body = s.get("/grow?mb=40")
        check(st == 500 and b"memory.grow failed" in body, f"past the hard limit: {st} {body!r}")
    finally:
        s.stop()


@case("serverless --max-memory is a hard limit: growing past it fails, the server lives")
def _():
    s = start(SERVERLESS, "--max-memory", "8m")
    try:
        st, h, body = s.get("/grow?mb=64")
        check(st == 500, f"status {st} {body!r}")
        st, h, body = s.get("/")
        check(st == 200, f"after: {st}")
    finally:
        s.stop()


@case("--workers defaults to the CPUs the process may run on, and the log says so")
def _():
    cpus = len(os.sched_getaffinity(0))
    s = Serve(BIN, [SERVERLESS])  # no --workers
    try:
        want = f"{cpus} worker{'' if cpus == 1 else 's'}: one per CPU"
        check(wait_for(lambda: want in s.output()), f"want {want!r} in {s.output()!r}")
    finally:
        s.stop()
    if cpus > 1:  # an affinity of one CPU: one worker
        port = free_port()
        p = subprocess.Popen(["taskset", "-c", "0", BIN, "serve", "--addr", f"127.0.0.1:{port}",
                              SERVERLESS], stderr=subprocess.PIPE, text=True)
        try:
            line = ""
            end = time.monotonic() + 10
            while "one per CPU" not in line and time.monotonic() < end:
                line = p.stderr.readline()
            check("1 worker: one per CPU" in line, f"with taskset -c 0: {line!r}")
        finally:
            p.terminate()
            p.wait(10)


@case("a guest that loops does not hold its worker: another request is answered within slices")
def _():
    # One worker; /loop runs until its 3 s deadline. With time slices (5 ms
    # by default) "/" is answered at once (milliseconds; the bound leaves
    # room for a loaded machine and stays far below the 2.7 s that waiting
    # for the loop's deadline would take); with --time-slice 0 it waits.
    for slice_args, limit, what in ((["--time-slice", "5ms"], 1.2, "sliced"), ([], 1.2, "default")):
        s = start(SERVERLESS, "--timeout", "3s", *slice_args)
        try:
            looping = threading.Thread(target=lambda: s.get("/loop"))
            looping.start()
            time.sleep(0.3)  # the loop runs
            t0 = time.monotonic()
            st, _, body = s.get("/")
            dt = time.monotonic() - t0
            check(st == 200 and HELLO.match(body), f"{what}: {st} {body!r}")
            check(dt < limit, f"{what}: answered after {dt:.2f} s while the loop ran")
            looping.join(10)
        finally:
            s.stop()
    s = start(SERVERLESS, "--timeout", "2s", "--time-slice", "0")
    try:
        looping = threading.Thread(target=lambda: s.get("/loop"))
        looping.start()
        time.sleep(0.3)
        t0 = time.monotonic()
        st, _, _ = s.get("/")
        dt = time.monotonic() - t0
        check(st == 200 and dt > 1.0, f"--time-slice 0: answered after {dt:.2f} s (want the "
              "loop's deadline first)")
        looping.join(10)
    finally:
        s.stop()


@case("all instances busy: the request waits, then 503 at --queue-timeout")
def _():
    s = start(STATEFUL, "--instances", "1", "--queue-timeout", "300ms", "--timeout", "10s")
    try:
        # Occupy the one instance with /echo whose body never finishes.
        busy = connect(s.port, None)
        busy.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
        time.sleep(0.5)  # until the instance has taken it
        t0 = time.time()
        st, h, body = s.get("/")
        check(st == 503, f"status {st}")
        check(time.time() - t0 < 5, "took too long")
        busy.sendall(b"x" * 97)
        data = b""
        busy.settimeout(5)
        while b"\r\n\r\n" not in data:
            data += busy.recv(4096)
        check(data.startswith(b"HTTP/1.1 200"), f"the busy request: {data[:40]!r}")
        busy.close()
    finally:
        s.stop()


@case("SIGTERM during 100 in-flight requests loses none, then exit 0")
def _():
    s = start(STATEFUL, "--instances", "4", "--queue", "1000")
    try:
        socks = []
        for _ in range(100):
            k = connect(s.port, None)
            k.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab")
            socks.append(k)
        # Let the server read every request head (in flight = received),
        # generously so on a loaded machine.
        time.sleep(1.0)
        s.proc.send_signal(signal.SIGTERM)
        time.sleep(0.2)
        for k in socks:
            k.sendall(b"cde")
        ok = 0
        for k in socks:
            k.settimeout(10)
            try:
                r = http.client.HTTPResponse(k)
                r.begin()
                ok += r.status == 200 and r.read() == b"abcde"
            except (OSError, http.client.HTTPException):
                pass
            k.close()
        check(ok == 100, f"{ok} of 100 answered")
        check(s.proc.wait(20) == 0, f"exit status {s.proc.returncode}")
        # a new connection is refused once it drained
        try:
            connect(s.port, 1).close()
            check(False, "still accepting after the drain")
        except OSError:
            pass
    finally:
        s.stop()


@case("init failing on every first instance: the server exits 1 and says why")
def _():
    comp = wasm("init_fails")
    p = subprocess.run([BIN, "serve", "--addr", f"127.0.0.1:{free_port()}", comp],
                       capture_output=True, text=True, timeout=30)
    check(p.returncode == 1, f"exit {p.returncode}")
    check("no instance could start" in p.stderr and "init refused by the test" in p.stderr,
          f"stderr {p.stderr!r}")
    check(p.stderr.count("init refused by the test") >= 4, "not every instance was tried")


@case("an init that waits forever is held to --timeout: the server exits 1 and says so")
def _():
    t0 = time.time()
    p = subprocess.run([BIN, "serve", "--addr", f"127.0.0.1:{free_port()}", "--timeout", "300ms",
                        wasm("init_hangs")], capture_output=True, text=True, timeout=30)
    check(p.returncode == 1, f"exit {p.returncode}")
    check("no instance could start" in p.stderr and "deadline" in p.stderr,
          f"stderr {p.stderr!r}")
    check(time.time() - t0 < 10, "took too long")


@case("serverless with an init that fails: 500 for the request, the server lives")
def _():
    s = start(wasm("init_fails"), "--instance-model", "serverless")
    try:
        for _ in range(3):
            st, h, body = s.get("/")
            check(st == 500, f"status {st}")
        check("init refused by the test" in s.output(), "not logged")
    finally:
        check(s.stop() == 0, "exit status after SIGTERM")


@case("--workers 2: two pools, every instance's sequence without gaps")
def _():
    s = start(STATEFUL, "--workers", "2", "--instances", "2", "--debug-headers")
    try:
        seqs = {}
        lock = threading.Lock()

        def client():
            for _ in range(20):
                st, h, body = s.get("/")  # a new connection each time
                with lock:
                    seqs.setdefault(h["wasmhttpd-instance"], []).append(count_of(body))

        ts = [threading.Thread(target=client) for _ in range(6)]
        [t.start() for t in ts]
        [t.join() for t in ts]
        check(len(seqs) <= 4, f"{len(seqs)} instances for 2 workers x 2")
        for iid, counts in seqs.items():
            check(sorted(counts) == list(range(1, len(counts) + 1)), f"instance {iid}: {counts}")
        check(sum(map(len, seqs.values())) == 120, "answers lost")
        check("2 workers" in s.output(), f"log: {s.output()!r}")
    finally:
        check(s.stop() == 0, "exit status after SIGTERM")


# ---- the address ----

def refused_start(port, *args):
    """`serve --addr 127.0.0.1:PORT ARGS SERVERLESS`, which must exit at once
    (a server that starts instead is killed at the timeout: the case fails)."""
    return subprocess.run([BIN, "serve", "--addr", f"127.0.0.1:{port}", *args, SERVERLESS],
                          capture_output=True, text=True, timeout=30)


def taken(p, port):
    return (p.returncode == 1 and f"cannot listen on 127.0.0.1 port {port}" in p.stderr
            and "Address already in use" in p.stderr)


@case("a second serve on the same address exits 1 and says so; the first keeps serving")
def _():
    # two workers each: the first server's sockets share the port by
    # SO_REUSEPORT, which must not let the second one in
    s = start(SERVERLESS, "--workers", "2")
    try:
        for args in (["--workers", "2"], ["--workers", "1"]):
            p = refused_start(s.port, *args)
            check(taken(p, s.port), f"second server {args}: exit {p.returncode}: {p.stderr!r}")
        # new connections all reach the first server (none lost to a
        # second one that came and went)
        for _ in range(20):
            st, _h, body = s.get("/")
            check(st == 200 and count_of(body) == 1, f"first server: {st} {body!r}")
    finally:
        check(s.stop() == 0, "the first server's exit status after SIGTERM")


@case("a port that a SO_REUSEPORT socket of another program holds is refused, too")
def _():
    with socket.socket() as other:
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        other.bind(("127.0.0.1", 0))
        other.listen(8)
        port = other.getsockname()[1]
        p = refused_start(port, "--workers", "2")
        check(taken(p, port), f"exit {p.returncode}: {p.stderr!r}")


@case("--addr HOST:0 with 2 workers: one port picked, named in the log, both workers on it")
def _():
    p = subprocess.Popen([BIN, "serve", "--addr", "127.0.0.1:0", "--workers", "2",
                          "--instances", "1", "--debug-headers", STATEFUL], stderr=subprocess.PIPE, text=True)
    try:
        line = ""
        end = time.monotonic() + 20
        while "serving" not in line and time.monotonic() < end and p.poll() is None:
            line = p.stderr.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        check(m and int(m.group(1)) != 0, f"the serving line: {line!r}")
        port = int(m.group(1))
        # the stateful counter, one instance per worker: connections spread
        # over both workers show two instance ids
        ids = set()
        for _ in range(60):
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            c.request("GET", "/")
            r = c.getresponse()
            r.read()
            check(r.status == 200, f"status {r.status}")
            ids.add(r.getheader("wasmhttpd-instance"))
            c.close()
        check(len(ids) == 2, f"instances seen on port {port}: {ids}")
        q = refused_start(port)
        check(taken(q, port), f"second server: exit {q.returncode}: {q.stderr!r}")
    finally:
        p.terminate()
        check(p.wait(20) == 0, f"exit status after SIGTERM: {p.returncode}")


@case("a componentize-js guest (wasi:http 0.2.10): fresh state serverless, kept stateful")
def _():
    js = wasm("counter-js")
    for args, want in (([], [1, 1, 1]), (["--instance-model", "stateful", "--instances", "1"],
                                         [1, 2, 3])):
        s = start(js, *args)
        try:
            got = []
            for _ in range(3):
                st, h, body = s.get("/")
                m = re.match(rb"^Hello from JS! \((\d+)\)\n$", body)
                check(st == 200 and m, f"{st} {body!r}")
                got.append(int(m.group(1)))
            check(got == want, f"{args}: counts {got}")
        finally:
            check(s.stop() == 0, "exit status after SIGTERM")


@case("the semantics kit (kit/probe.py) tells the two models apart")
def _():
    probe = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "kit", "probe.py")
    for comp, args, want in ((SERVERLESS, [], "model: serverless"),
                             (STATEFUL, ["--instances", "4"], "model: stateful (4 instances")):
        s = start(comp, *args)
        try:
            p = subprocess.run([sys.executable, probe, f"http://127.0.0.1:{s.port}"],
                               capture_output=True, text=True, timeout=60)
            check(p.returncode == 0, f"probe exit {p.returncode}: {p.stdout}{p.stderr}")
            check(want in p.stdout, f"probe said: {p.stdout!r}")
            if comp == STATEFUL:
                check("init: called 1 time" in p.stdout, f"probe said: {p.stdout!r}")
                check("counts: 1 1 1 1 2 2 2 2 3" in p.stdout, f"LRU rotation: {p.stdout!r}")
        finally:
            s.stop()


# ---- HTTP through a guest ----

@case("10 MB streamed up and back down (/echo), content intact, memory bounded")
def _():
    s = start(SERVERLESS, "--max-body-size", "64m")
    try:
        blob = os.urandom(10 * 1024 * 1024)
        # The guest echoes while it reads, so the client must read while it
        # sends (backpressure would otherwise stop both sides): a sender
        # thread writes the chunked request, this thread reads the answer.
        k = connect(s.port, None)

        def send():
            k.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
            for i in range(0, len(blob), 65536):
                part = blob[i:i + 65536]
                k.sendall(b"%x\r\n" % len(part) + part + b"\r\n")
            k.sendall(b"0\r\n\r\n")

        sender = threading.Thread(target=send)
        sender.start()
        k.settimeout(60)
        r = http.client.HTTPResponse(k)
        r.begin()
        data = r.read()
        sender.join()
        k.close()
        check(r.status == 200, f"status {r.status}")
        check(len(data) == len(blob), f"{len(data)} bytes back")
        check(hashlib.sha256(data).digest() == hashlib.sha256(blob).digest(), "content differs")
        rss = s.peak_rss_kb() * 1024
        # bounded: far below the 20 MB that went through (a sanitizer's
        # quarantine adds a fixed few hundred MiB)
        limit = (700 if os.environ.get("WH_SANITIZED") else 200) * 1024 * 1024
        check(rss < limit, f"peak RSS {rss >> 20} MiB")
        # and a small Content-Length upload (it fits the buffers both ways)
        st, h, data = s.request("POST", "/echo", body=blob[:100000])
        check(st == 200 and data == blob[:100000], f"content-length upload: {st}")
    finally:
        s.stop()


@case("keep-alive and pipelining through the guest")
def _():
    s = start(STATEFUL, "--instances", "1")
    try:
        k = connect(s.port, None)
        k.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" * 3)
        k.settimeout(5)
        data = b""
        while data.count(b"Hello from WASM!") < 3:
            chunk = k.recv(65536)
            if not chunk:
                break
            data += chunk
        counts = [int(x) for x in re.findall(rb"Hello from WASM! \((\d+)\)", data)]
        check(counts == [1, 2, 3], f"pipelined counts {counts}")
        k.close()
    finally:
        s.stop()


@case("Expect: 100-continue to a guest that never reads the body: no 100, just the answer")
def _():
    s = start(STATEFUL, "--instances", "1")
    try:
        k = connect(s.port, None)
        k.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                  b"Content-Length: 5\r\n\r\n")
        k.settimeout(5)
        data = k.recv(4096)
        check(data.startswith(b"HTTP/1.1 200"), f"first bytes: {data[:30]!r}")
        k.close()
    finally:
        s.stop()


@case("malformed and oversized requests: 400, 431, 413; the server lives")
def _():
    s = start(SERVERLESS, "--max-body-size", "1k", "--max-header-size", "2k")
    try:
        def raw(req):
            k = connect(s.port, None)
            k.sendall(req)
            k.settimeout(5)
            data = b""
            try:
                while True:
                    chunk = k.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                    if b"\r\n\r\n" in data:
                        break
            except OSError:
                pass
            k.close()
            return data

        check(raw(b"GARBAGE\r\n\r\n").startswith(b"HTTP/1.1 400"), "malformed")
        check(raw(b"GET / HTTP/1.1\r\nHost: x\r\nX: " + b"a" * 4000 + b"\r\n\r\n")
              .startswith(b"HTTP/1.1 431"), "big header")
        check(raw(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n")
              .startswith(b"HTTP/1.1 413"), "big body")
        st, h, body = s.get("/")
        check(st == 200, "still serving")
    finally:
        s.stop()


@case("open files: the soft limit rises to the hard one; out of them, 503 and a log line")
def _():
    prlimit = shutil.which("prlimit")
    check(prlimit, "prlimit (Debian util-linux) was not found")

    def under(limits):
        return lambda cmd, **kw: subprocess.Popen([prlimit, f"--nofile={limits}", *cmd], **kw)

    s = start(SERVERLESS, popen=under("256:2048"))
    try:
        want = re.compile(r"open files: limit 2048 \(raised from 256\), \d+ in use: "
                          r"room for about \d+ connections")
        check(wait_for(lambda: want.search(s.output())), f"no such line in {s.output()!r}")
    finally:
        s.stop()
    s = start(SERVERLESS, popen=under("64:64"))
    try:
        check(wait_for(lambda: re.search(r"open files: limit 64, \d+ in use", s.output())),
              f"no line on open files in {s.output()!r}")
        first = s.conn()
        check(s.get("/", conn=first)[0] == 200, "before")
        idle = [connect(s.port) for _ in range(80)]
        check(wait_for(lambda: "out of file descriptors (EMFILE, the process's limit): "
                       in s.output()), f"no line on descriptors in {s.output()!r}")
        check(s.get("/", conn=first)[0] == 200, "an open connection, out of descriptors")
        for k in idle:
            k.close()
        time.sleep(0.5)
        check(s.get("/")[0] == 200, "a new connection after the idle ones left")
        first.close()
    finally:
        s.stop()


@case("a component that is not an HTTP handler, or is missing: clear error, exit status")
def _():
    p = subprocess.run([BIN, "serve", "/nonexistent.wasm"], capture_output=True, text=True)
    check(p.returncode == 3 and "nonexistent" in p.stderr, f"{p.returncode} {p.stderr!r}")
    p = subprocess.run([BIN, "serve", "--instance-model", "sometimes", SERVERLESS],
                       capture_output=True, text=True)
    check(p.returncode == 2 and "--instance-model" in p.stderr, f"{p.returncode} {p.stderr!r}")


@case("a component made for Spin's world: serve refuses it at once, naming every import it lacks")
def _():
    p = subprocess.run([BIN, "serve", "--addr", "127.0.0.1:0", wasm("spin_imports")],
                       capture_output=True, text=True, timeout=60)
    check(p.returncode == 5, f"exit status {p.returncode}: {p.stderr!r}")
    for iface in ("fermyon:spin/variables@2.0.0", "spin:sqlite/sqlite@3.0.0",
                  "wasi:config/store@0.2.0-draft-2024-09-27"):
        check(f"not provided by this host: {iface}" in p.stderr, f"{iface}: {p.stderr!r}")
    check("3 imports not provided" in p.stderr and "Spin's own" in p.stderr
          and "wasi:http/proxy" in p.stderr, p.stderr)
    # the provided ones are not named
    check("wasi:http/types" not in p.stderr, p.stderr)


print(f"{results['passed']} passed, {results['failed']} failed")
sys.exit(1 if results["failed"] or not results["passed"] else 0)
