#!/usr/bin/env python3
"""The serverless contract, tested from outside: no request sees what an
earlier one wrote. tests/wasihttp/guests/isolation.c writes a secret over 32
pages of its initialised data (mapped from the data image, or, without
one, in an ordinary memory) and its heap, after checking that none of an
earlier request's secret is there. The workers reset each instance to its
snapshot after its request and give it to a later one: what is tested is
that reset.

    isolation_test.py [--sanitized] WASMHTTPD ISOLATION.wasm

Serverless on two workers, many requests from several clients at once:
every answer is "clean". Stateful, one instance: the second request finds
the first one's secret ("dirty"), which shows that the check sees it.
Ends with "N passed, N failed".
"""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from whtest import Results, Serve, check, sanitizer_reports, take_flag  # noqa: E402

args = sys.argv[1:]
SANITIZED = take_flag(args, "--sanitized")
if len(args) != 2:
    sys.exit(__doc__)
BIN, GUEST = args
REQUESTS = 600 if SANITIZED else 3000
FAR_REQUESTS = 100 if SANITIZED else 400  # 2 pages each, within FAR_PAGES (1024)
CLIENTS = 8
results = Results()


case = results.run


def serverless(image=True):
    # Without the data image the guest's memory is an ordinary one, which
    # the worker's pool reuses after zeroing it: the other path to test.
    env = dict(os.environ)
    if not image:
        env["WH_DATA_IMAGE_MIN"] = str(2**64 - 1)
    s = Serve(BIN, ["--instance-model", "serverless", "--workers", "2", GUEST], env=env)
    answers = {}
    lock = threading.Lock()

    def client(n):
        c = s.conn()
        for _ in range(n):
            st, _, body = s.request("GET", "/", conn=c)
            with lock:
                answers[(st, body)] = answers.get((st, body), 0) + 1
        c.close()

    def resources():  # the server's open descriptors and mappings
        pid = s.proc.pid
        return len(os.listdir(f"/proc/{pid}/fd")), len(open(f"/proc/{pid}/maps").readlines())

    try:
        client(CLIENTS * 4)  # every worker has made its instances
        before = resources()
        threads = [threading.Thread(target=client, args=(REQUESTS // CLIENTS,))
                   for _ in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        # the clients have closed their connections; the server closes its
        # ends when its loop sees that (a loaded machine may take a while)
        deadline = time.monotonic() + 10
        after = resources()
        while after[0] > before[0] + 2 and time.monotonic() < deadline:
            time.sleep(0.1)
            after = resources()
    finally:
        s.stop()
    want = (200, b"clean\n")
    total = sum(answers.values())
    check(total == REQUESTS // CLIENTS * CLIENTS + CLIENTS * 4,
          f"{total} answers of {REQUESTS + CLIENTS * 4}")
    # a leak per request would show thousands; the allocator may map a few
    check(after[0] <= before[0] + 2, f"descriptors {before[0]} -> {after[0]}")
    check(after[1] <= before[1] + 16, f"mappings {before[1]} -> {after[1]}")
    check(set(answers) == {want}, f"answers other than clean: {answers}")
    # the instances were reset to their snapshot, not made anew: the path
    # this test is about
    check("made anew" not in s.output(), s.output()[-3000:])
    check(not sanitizer_reports(s.output()), s.output()[-3000:])


def far(image=True):
    # One instance, reset after each request. Each request names a page
    # past every page touched before, for the guest to write a secret into,
    # or the host (lowering a string where the guest's realloc says), and
    # the next requests check that it is zero again. A reset that cleared
    # only what it believed touched would leave some.
    env = dict(os.environ)
    if not image:
        env["WH_DATA_IMAGE_MIN"] = str(2**64 - 1)
    s = Serve(BIN, ["--instance-model", "serverless", "--workers", "1", GUEST], env=env)
    bad = []
    try:
        written = []
        c = s.conn()
        for k in range(FAR_REQUESTS):
            # one page a request, past all earlier ones (and a page between
            # that stays untouched), written by the guest or by the host in
            # turns: the highest write of its request, so that nothing else
            # moves the reach over it
            page = 1 + 2 * k
            writer = "g" if k % 2 == 0 else "h"
            # every earlier page, in order: the first read moves the reach
            # a little, each later one further
            check_pages = ",".join(str(p) for p in written) or "0"
            st, _, body = s.request("GET", f"/far?c={check_pages}&{writer}={page}", conn=c)
            if (st, body) != (200, b"clean\n"):
                bad.append((k, st, body))
            written.append(page)
        c.close()
    finally:
        s.stop()
    check(not bad, f"{len(bad)} of {FAR_REQUESTS} answers not clean, first: {bad[:3]}")
    check(not sanitizer_reports(s.output()), s.output()[-3000:])


def far_stateful():
    # The check can fail: a kept instance grows again on its second
    # request, so the first one's pages lie FAR_PAGES below the new base.
    s = Serve(BIN, ["--instance-model", "stateful", "--workers", "1", "--instances", "1", GUEST])
    try:
        first = s.get("/far?g=1&h=2")
        host = s.get("/far?c=-1022")  # the page the host wrote
        guest = s.get("/far?c=-2047")  # after a third grow: the guest's
    finally:
        s.stop()
    check(first[0] == 200 and first[2] == b"clean\n", f"first: {first}")
    check(host[0] == 200 and host[2] == b"dirty far -1022\n", f"host's page: {host}")
    check(guest[0] == 200 and guest[2] == b"dirty far -2047\n", f"guest's page: {guest}")


def stateful():
    s = Serve(BIN, ["--instance-model", "stateful", "--workers", "1", "--instances", "1", GUEST])
    try:
        first = s.get("/")
        second = s.get("/")
    finally:
        s.stop()
    check(first[:1] == (200,) and first[2] == b"clean\n", f"first: {first}")
    check(second[0] == 200 and second[2].startswith(b"dirty page 0"), f"second: {second}")


case(f"serverless, 2 workers, {REQUESTS} requests from {CLIENTS} clients: all clean", serverless)
case("the same without a data image (an ordinary memory, reset in place): all clean",
     lambda: serverless(image=False))
case("stateful, one instance: the second request sees the first one's secret", stateful)
case(f"serverless, {FAR_REQUESTS} requests each writing past all that was touched before, "
     "by the guest and by the host: all clean", far)
case("the same without a data image", lambda: far(image=False))
case("stateful: the far pages written by the guest and by the host are seen later", far_stateful)
print(f"{results['passed']} passed, {results['failed']} failed")
sys.exit(1 if results["failed"] else 0)
