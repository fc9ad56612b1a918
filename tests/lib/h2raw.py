"""HTTP/2 frames by hand (RFC 9113), for the tests that must send what no
well-behaved client sends: floods of RST_STREAM or CONTINUATION frames,
resets in the middle of a body. Standard library only.

Requests are encoded with HPACK literals only (RFC 7541 6.2.2, "without
indexing", no Huffman coding), which every decoder takes; responses are
read as frames, their header blocks are not decoded (the status of a
response is known here only when the server sent an indexed static entry,
e.g. 0x88 for 200).
"""
import socket
import struct
import time

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY, \
    WINDOW_UPDATE, CONTINUATION = range(10)
END_STREAM, ACK, END_HEADERS, PADDED, PRIORITY_FLAG = 0x1, 0x1, 0x4, 0x8, 0x20

NO_ERROR, PROTOCOL_ERROR, INTERNAL_ERROR, FLOW_CONTROL_ERROR, SETTINGS_TIMEOUT, \
    STREAM_CLOSED, FRAME_SIZE_ERROR, REFUSED_STREAM, CANCEL, COMPRESSION_ERROR, \
    CONNECT_ERROR, ENHANCE_YOUR_CALM = range(12)

# RFC 7541 Appendix A: the static table entries :status may use
STATIC_STATUS = {0x88: 200, 0x89: 204, 0x8a: 206, 0x8b: 304, 0x8c: 400, 0x8d: 404, 0x8e: 500}


def frame(ftype, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + struct.pack(">BBI", ftype, flags, stream) + payload


def _int(value, prefix_bits, first=0):
    """An HPACK integer (RFC 7541 5.1)."""
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([first | value])
    out = bytearray([first | limit])
    value -= limit
    while value >= 128:
        out.append(value % 128 + 128)
        value //= 128
    out.append(value)
    return bytes(out)


def _str(s):
    if isinstance(s, str):
        s = s.encode()
    return _int(len(s), 7) + s


def hpack(fields):
    """A header block of literal fields without indexing, new names."""
    return b"".join(b"\x00" + _str(k) + _str(v) for k, v in fields)


def request_fields(method, path, authority="127.0.0.1", scheme="http", extra=()):
    return [(":method", method), (":scheme", scheme), (":path", path),
            (":authority", authority), *extra]


class Frame:
    def __init__(self, ftype, flags, stream, payload):
        self.type, self.flags, self.stream, self.payload = ftype, flags, stream, payload

    def error_code(self):
        """For RST_STREAM and GOAWAY."""
        if self.type == RST_STREAM:
            return struct.unpack(">I", self.payload[:4])[0]
        if self.type == GOAWAY:
            return struct.unpack(">I", self.payload[4:8])[0]
        return None

    def status(self):
        """The :status of a HEADERS frame when it is an indexed static entry."""
        if self.type == HEADERS and self.payload:
            off = 0
            if self.flags & PADDED:
                off += 1
            if self.flags & PRIORITY_FLAG:
                off += 5
            return STATIC_STATUS.get(self.payload[off])
        return None

    def __repr__(self):
        return f"Frame(type={self.type}, flags={self.flags:#x}, stream={self.stream}, " \
               f"len={len(self.payload)})"


class Conn:
    """A raw HTTP/2 connection over a socket (plain, or wrapped by ssl)."""

    def __init__(self, sock, settings=b""):
        self.sock = sock
        self.buf = bytearray()
        self.sock.sendall(PREFACE + frame(SETTINGS, 0, 0, settings))

    @classmethod
    def connect(cls, port, host="127.0.0.1", timeout=10, settings=b""):
        return cls(socket.create_connection((host, port), timeout=timeout), settings)

    def send(self, *frames):
        self.sock.sendall(b"".join(frames))

    def headers(self, stream, fields, end_stream=True):
        return frame(HEADERS, END_HEADERS | (END_STREAM if end_stream else 0), stream,
                     hpack(fields))

    def read_frame(self, deadline):
        """The next frame, or None at EOF; TimeoutError past deadline."""
        while True:
            if len(self.buf) >= 9:
                n = int.from_bytes(self.buf[:3], "big")
                if len(self.buf) >= 9 + n:
                    ftype, flags, stream = struct.unpack(">BBI", self.buf[3:9])
                    f = Frame(ftype, flags, stream & 0x7fffffff, bytes(self.buf[9:9 + n]))
                    del self.buf[:9 + n]
                    if f.type == SETTINGS and not f.flags & ACK:
                        self.sock.sendall(frame(SETTINGS, ACK, 0))
                    return f
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no frame in time")
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                raise TimeoutError("no frame in time") from None
            except ConnectionResetError:
                return None
            if not data:
                return None
            self.buf += data

    def frames_until(self, pred, within=10):
        """Frames read until pred(frame) holds (that one included) or EOF:
        (frames, True when pred held)."""
        deadline = time.monotonic() + within
        out = []
        while True:
            f = self.read_frame(deadline)
            if f is None:
                return out, False
            out.append(f)
            if pred(f):
                return out, True

    def response(self, stream, within=10):
        """(status or None, body bytes, frames) of stream, read up to its
        END_STREAM or RST_STREAM (or the connection's end)."""
        frames, _ = self.frames_until(
            lambda f: f.stream == stream and (f.flags & END_STREAM and f.type in (DATA, HEADERS)
                                               or f.type == RST_STREAM), within)
        status, body = None, b""
        for f in frames:
            if f.stream != stream:
                continue
            if f.type == HEADERS and status is None:
                status = f.status()
            elif f.type == DATA:
                body += f.payload
        return status, body, frames

    def close(self):
        self.sock.close()
