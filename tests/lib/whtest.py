"""What the end-to-end test drivers share (standard library only): their
options, a free port on loopback, a process whose output goes to a file, a
server that is ready once it accepts connections, stopping a process
(SIGTERM, then SIGKILL), requests with http.client, and a reader of raw
HTTP/1.1 from a socket.

ctest runs a driver by its absolute path from the build directory, so a
driver finds this module relative to its own file:

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
    import whtest
"""
import http.client
import os
import signal
import socket
import subprocess
import tempfile
import time

HOST = "127.0.0.1"
# What the sanitizers write when they find something (UBSan, ASan, LSan).
SANITIZER_REPORTS = ("runtime error", "AddressSanitizer", "LeakSanitizer")


# ---- options, checks ----

def take_flag(args, flag):
    """Removes flag from the list args; whether it was there."""
    found = flag in args
    args[:] = [a for a in args if a != flag]
    return found


def take_option(args, name):
    """Removes `name VALUE` from the list args; VALUE, or None without name."""
    if name not in args:
        return None
    i = args.index(name)
    value = args[i + 1]
    del args[i:i + 2]
    return value



class Results(dict):
    """The cases of a driver and their count ("passed", "failed"): run()
    runs one and prints "ok   NAME" or "FAIL NAME: why"; case(NAME) is the
    same as a decorator that runs the function at once. With a filter, a
    case whose name lacks it is not run."""

    def __init__(self, filter=""):
        super().__init__(passed=0, failed=0)
        self.filter = filter

    def run(self, name, fn):
        if self.filter and self.filter not in name:
            return
        try:
            fn()
            self["passed"] += 1
            print(f"ok   {name}", flush=True)
        except Exception as e:  # noqa: BLE001 - any failure is the case's
            self["failed"] += 1
            print(f"FAIL {name}: {e}", flush=True)

    def case(self, name):
        def wrap(fn):
            self.run(name, fn)
            return fn
        return wrap

def check(cond, what):
    if not cond:
        raise AssertionError(what)


def sanitizer_reports(text):
    """The SANITIZER_REPORTS found in a log."""
    return [bad for bad in SANITIZER_REPORTS if bad in text]


def wait_for(pred, within=5):
    """Polls pred until it is true or `within` seconds passed; its last value."""
    end = time.monotonic() + within
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


def pattern(n, start=0):
    """n bytes 'a' + i % 26 from offset start, what the test servers' /gen
    and /big send."""
    k = start % 26
    return (b"abcdefghijklmnopqrstuvwxyz" * ((k + n) // 26 + 1))[k:k + n]


# ---- ports and processes ----

def free_port():
    """A port of 127.0.0.1 that nothing listens on now (a connect is refused)."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def connect(port, timeout=10):
    return socket.create_connection((HOST, port), timeout=timeout)


def wait_port(port, within, proc=None):
    """Waits until something accepts connections on the port: True; False
    when proc (a Popen) ended first or `within` seconds passed."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            socket.create_connection((HOST, port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def terminate(proc, wait=20):
    """SIGTERM to proc (a Popen), SIGKILL when it is still there after wait
    seconds; its exit status."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(wait)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


class Proc:
    """A process whose stdout and stderr go to one temporary file; popen
    starts it (subprocess.Popen or a wrapper) with kw. With group it leads a
    process group of its own, which stop() kills at once: for a program
    that starts others, as `jco serve` does."""

    def __init__(self, cmd, group=False, popen=subprocess.Popen, **kw):
        self.group = group
        self.log = tempfile.TemporaryFile()
        self.proc = popen(cmd, stdout=self.log, stderr=subprocess.STDOUT,
                          start_new_session=group, **kw)

    def output(self):
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self, wait=20):
        """terminate() (the group: SIGKILL); the exit status."""
        if not self.group:
            return terminate(self.proc, wait)
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        return self.proc.wait()


class Server(Proc):
    """An HTTP server that cmd starts on 127.0.0.1:port, returned once it
    accepts connections. RuntimeError with its output when it does not
    within `within` seconds (it is stopped) or exits first (unless may_exit:
    then the caller looks at why). timeout: of each client operation."""

    def __init__(self, cmd, port, what="server", within=20, may_exit=False, timeout=10, **kw):
        self.port = port
        self.timeout = timeout
        super().__init__(cmd, **kw)
        if wait_port(port, within, self.proc):
            return
        if self.proc.poll() is None:
            self.stop()
            raise RuntimeError(f"{what} did not start: {self.output()}")
        if not may_exit:
            raise RuntimeError(f"{what} exited {self.proc.returncode}: {self.output()}")

    def conn(self, timeout=None):
        return http.client.HTTPConnection(HOST, self.port, timeout=timeout or self.timeout)

    def send(self, method, path, body=None, headers=None, conn=None, timeout=None):
        """(http.client's response, its body), on conn or on a connection of
        its own; http.client's IncompleteRead when the body is cut."""
        c = conn or self.conn(timeout)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r, r.read()
        finally:
            if conn is None:
                c.close()

    def request(self, method, path, body=None, headers=None, conn=None, timeout=None):
        """send() as (status, fields as a dict of lower-case names, body)."""
        r, data = self.send(method, path, body, headers, conn, timeout)
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data

    def try_request(self, method, path, body=None, headers=None, timeout=None):
        """request(), or (None, {}, the exception's name) when no response came."""
        try:
            return self.request(method, path, body, headers, timeout=timeout)
        except (OSError, http.client.HTTPException) as e:
            return None, {}, type(e).__name__

    def get(self, path="/", conn=None):
        return self.request("GET", path, conn=conn)

    def peak_rss_kb(self):
        """The peak resident memory of the process (VmHWM), in KiB."""
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        return 0


class Serve(Server):
    """`WASMHTTPD serve --addr 127.0.0.1:PORT ARGS…` on a free port; kw as
    Server's."""

    def __init__(self, wasmhttpd, args, **kw):
        port = free_port()
        super().__init__([wasmhttpd, "serve", "--addr", f"{HOST}:{port}", *args], port, **kw)


# ---- raw HTTP/1.1 ----

def values(fields, name):
    """The values of the field name (any case) in [(name, value)]."""
    return [v for k, v in fields if k.lower() == name.lower()]


class Response:
    """A response as Reader read it: fields and trailers as [(name, value)]
    in the order they came; complete is false when the connection ended
    before the body did (body: what came of it)."""

    def __init__(self, status, fields):
        self.status = status
        self.fields = fields
        self.body = b""
        self.trailers = []
        self.complete = False

    def values(self, name):
        return values(self.fields, name)

    def field(self, name):
        vs = values(self.fields, name)
        return vs[0] if vs else None

    def trailer(self, name):
        vs = values(self.trailers, name)
        return vs[0] if vs else None


class Reader:
    """Reads HTTP/1.1 from a socket, recv_size bytes at most at a time:
    lines, bytes, heads, whole responses. buf holds what came and is not
    read yet. EOFError when the peer closes too early; ValueError for a
    line longer than max_line."""

    def __init__(self, sock, recv_size=65536, max_line=1 << 20):
        self.sock = sock
        self.recv_size = recv_size
        self.max_line = max_line
        self.buf = bytearray()

    def fill(self):
        data = self.sock.recv(self.recv_size)
        if not data:
            raise EOFError("connection closed")
        self.buf += data

    def line(self):
        """The next line, without its CRLF."""
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line = bytes(self.buf[:i])
                del self.buf[:i + 2]
                return line
            if len(self.buf) > self.max_line:
                raise ValueError("line too long")
            self.fill()

    def exact(self, n):
        while len(self.buf) < n:
            self.fill()
        return self.take(n)

    def take(self, n):
        """Up to n bytes, at least one."""
        if not self.buf:
            self.fill()
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data

    def fields(self):
        """Field lines up to an empty one, as [(name, value)]."""
        out = []
        while True:
            line = self.line()
            if not line:
                return out
            k, v = line.decode("latin-1").split(":", 1)
            out.append((k.strip(), v.strip()))

    def head(self):
        """A status line and its fields, as a Response without a body."""
        status = int(self.line().split()[1])
        return Response(status, self.fields())

    def response(self, head=False):
        """The next final response (1xx ones are passed over) with its body:
        chunked with trailers, by Content-Length, or up to the end of the
        connection; none when head (the answer to HEAD), for 204 and 304."""
        r = Response(0, [])
        body = bytearray()
        chunked = None  # known once the head is read
        try:
            r = self.head()
            while r.status < 200:
                r = self.head()
            chunked = "chunked" in (r.field("transfer-encoding") or "").lower()
            length = r.field("content-length")
            if head or r.status in (204, 304):
                pass
            elif chunked:
                while True:
                    size = int(self.line().split(b";")[0], 16)
                    if size == 0:
                        break
                    body += self.exact(size)
                    if self.exact(2) != b"\r\n":
                        raise ValueError("a chunk without its CRLF")
                r.trailers = self.fields()
            elif length is not None:
                body += self.exact(int(length))
            else:
                try:
                    while True:
                        self.fill()
                except EOFError:
                    pass
                body += self.buf
                self.buf.clear()
            r.complete = True
        except (EOFError, ConnectionError):
            if chunked is False:
                body += self.buf  # what came of a Content-Length body
                self.buf.clear()
        r.body = bytes(body)
        return r
