#!/usr/bin/env python3
"""`wasmhttpd run --allow-connect ... sockets_cmd.wasm HOST PORT MESSAGE`
against an echo server this script runs on 127.0.0.1: the allow-list as
the command line gives it, name lookup, connect, echo, and the error codes
the guest prints ("error N", see sockets_cmd.wat).

    sockets_cli_test.py WASMHTTPD SOCKETS_CMD_WASM
"""
import os
import socket
import subprocess
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from whtest import free_port


def echo_server():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)

    def echo(conn):
        with conn:
            while True:
                data = conn.recv(65536)
                if not data:
                    return
                conn.sendall(data)

    def serve():
        while True:
            conn, _ = srv.accept()
            threading.Thread(target=echo, args=(conn,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return srv.getsockname()[1]


def main():
    wasmhttpd, guest = sys.argv[1:3]
    port = echo_server()
    refused = free_port()  # nothing listens there
    msg = "hello over wasi:sockets\n"
    cases = [
        # allow-list, host, port, expected exit status, expected stdout
        ([f"localhost:{port}"], "localhost", port, 0, msg),
        ([f"127.0.0.1:{port}"], "127.0.0.1", port, 0, msg),
        ([f"*:{port}"], "localhost", port, 0, msg),
        ([], "localhost", port, 1, "error 101\n"),  # no list: no lookup
        ([], "127.0.0.1", port, 1, "error 301\n"),  # ... and no socket
        ([f"127.0.0.1:{refused}"], "127.0.0.1", port, 1, "error 401\n"),  # not on the list
        (["127.0.0.1:*"], "127.0.0.1", refused, 1, "error 514\n"),  # connection-refused
    ]
    failed = 0
    for allow, host, p, want_rc, want_out in cases:
        cmd = [wasmhttpd, "run"]
        for a in allow:
            cmd += ["--allow-connect", a]
        cmd += [guest, host, str(p), msg]
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
            got = (r.returncode, r.stdout)
        except subprocess.TimeoutExpired:
            got = ("timeout", "")
            r = None
        ok = got == (want_rc, want_out)
        failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'} allow={allow} {host}:{p} -> {got!r}")
        if not ok:
            print(f"     want {(want_rc, want_out)!r}; stderr: {r.stderr if r else ''!r}")
    print(f"{len(cases) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
