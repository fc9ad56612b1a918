#!/usr/bin/env python3
"""Which instance semantics does a host give? Point this at the counter
example (examples/counter) served by any wasi:http host and it tells.

    kit/probe.py http://127.0.0.1:8080 [-n 24]

It sends n sequential requests to / and reads the counts ("Hello from
WASM! (N)"), then asks /init once, and prints what the answers show:

  serverless   every request sees count 1: a fresh instance each time
  stateful     counts keep growing: instances are reused; the number of
               distinct sequences tells how many instances answered
  init         whether the host called wasmhttpd:http/lifecycle.init on the
               instance that answered /init (only the stateful build exports it)

No header of wasmhttpd's is needed, so the verdict is the same for any host
(wasmtime serve, jco serve, wasmhttpd). Exit status 0 when the answers fit
one model, 1 when they fit none (for example gaps in a sequence), 2 when the
URL does not answer like the counter.
"""
import argparse
import re
import sys
import urllib.request

HELLO = re.compile(r"^Hello from WASM! \((\d+)\)\n?$")
INIT = re.compile(r"^init=(\d+) count=(\d+)\n?$")


def get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read().decode()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("url")
    ap.add_argument("-n", type=int, default=24, help="sequential requests (default 24)")
    a = ap.parse_args()
    base = a.url.rstrip("/")
    counts = []
    for _ in range(a.n):
        m = HELLO.match(get(base + "/"))
        if not m:
            print("not the counter example: / did not answer 'Hello from WASM! (N)'")
            return 2
        counts.append(int(m.group(1)))
    print("counts:", " ".join(map(str, counts)))
    m = INIT.match(get(base + "/init"))
    init = int(m.group(1)) if m else None

    if all(c == 1 for c in counts):
        print("model: serverless (a fresh instance for every request)")
        verdict = 0
    else:
        # Split the counts into per-instance sequences: each instance's
        # answers go 1, 2, 3, ... (a count k+1 continues the sequence at k).
        open_seqs = []  # last count of each sequence seen
        ok = True
        for c in counts:
            if c == 1:
                open_seqs.append(1)
            elif c - 1 in open_seqs:
                open_seqs[open_seqs.index(c - 1)] = c
            else:
                ok = False  # a count that continues nothing: the instance was
                break       # already in use before, or requests were lost
        if ok:
            print(f"model: stateful ({len(open_seqs)} instance"
                  f"{'s' if len(open_seqs) != 1 else ''} answered; state persists per instance)")
            verdict = 0
        else:
            print("model: unclear (counts do not form per-instance sequences 1, 2, 3, ...;"
                  " was the server fresh?)")
            verdict = 1
    if init is None:
        print("init: unknown (/init did not answer 'init=K count=N')")
    elif init == 0:
        print("init: not called (a serverless build, or a host that ignores lifecycle)")
    else:
        print(f"init: called {init} time{'s' if init != 1 else ''} on the instance that answered")
    return verdict


if __name__ == "__main__":
    sys.exit(main())
