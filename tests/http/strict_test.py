#!/usr/bin/env python3
"""The strict HTTP/1.1 request rules of the server (docs/http.md, "What the
server refuses"), over loopback against hx_test_server.

Every refusal is sent three ways: whole, one byte per write (with a short
pause, so that the server meets the request in as many reads), and
pipelined after a good request (which must get its own 200 first). Each
time the status must be exactly the table's, the answer must carry
`Connection: close`, and the server must close the connection after it.
A few requests near the rules must still be served, also byte by byte,
and leave the connection open.

Standard library only; traffic goes to 127.0.0.1 only. Usage:
    strict_test.py --server PATH [name-filter]
"""
import argparse
import os
import socket
import sys
import time
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from whtest import Reader, Server, connect, free_port, sanitizer_reports  # noqa: E402

TIMEOUT = 10
# The limits the server runs with, so that the limit cases stay small.
MAX_HEADER_BYTES, MAX_HEADERS, MAX_BODY = 4096, 20, 100000
FLAGS = ["--max-header-bytes", MAX_HEADER_BYTES, "--max-headers", MAX_HEADERS,
         "--max-body", MAX_BODY, "--header-timeout", 5000]

GOOD = b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"


def head(*lines, start=b"POST /trailers HTTP/1.1"):
    """A request head: the request line, the field lines, the empty line."""
    return b"".join(ln + b"\r\n" for ln in (start, *lines)) + b"\r\n"


def chunked(body, *lines):
    """A POST /trailers with a chunked body given raw."""
    return head(b"Host: x", b"Transfer-Encoding: chunked", *lines) + body


def get(*lines, start=b"GET /hello HTTP/1.1"):
    return head(*lines, start=start)


# (name, rule as docs/http.md states it, request, status)
REFUSALS = [
    # RFC 9112 6.1: chunked is the one transfer coding, last and once
    ("te_identity", "unknown transfer coding", get(b"Host: x", b"Transfer-Encoding: identity"), 501),
    ("te_xchunked", "unknown transfer coding", get(b"Host: x", b"Transfer-Encoding: xchunked"), 501),
    ("te_gzip_chunked_identity", "chunked not last",
     get(b"Host: x", b"Transfer-Encoding: gzip, chunked, identity"), 501),
    ("te_gzip_chunked", "a coding before chunked", get(b"Host: x", b"Transfer-Encoding: gzip, chunked"), 501),
    ("te_chunked_twice_list", "chunked twice", get(b"Host: x", b"Transfer-Encoding: chunked, chunked"), 501),
    ("te_chunked_twice_fields", "chunked twice",
     get(b"Host: x", b"Transfer-Encoding: chunked", b"Transfer-Encoding: chunked"), 501),
    ("te_empty", "empty Transfer-Encoding", get(b"Host: x", b"Transfer-Encoding: "), 501),
    ("te_quoted", "quoted coding", get(b"Host: x", b'Transfer-Encoding: "chunked"'), 501),
    ("te_parameter", "coding with a parameter", get(b"Host: x", b"Transfer-Encoding: chunked;q=1"), 501),
    # llhttp 8.1 does not read chunked followed by a tab as chunked
    ("te_chunked_tab", "chunked followed by a tab", get(b"Host: x", b"Transfer-Encoding: chunked\t"), 501),
    ("te_http10", "Transfer-Encoding in HTTP/1.0",
     get(b"Transfer-Encoding: chunked", start=b"POST /trailers HTTP/1.0") + b"0\r\n\r\n", 400),
    # RFC 9112 6.3: Transfer-Encoding with Content-Length
    ("te_and_cl", "Transfer-Encoding and Content-Length",
     chunked(b"0\r\n\r\n", b"Content-Length: 5"), 400),
    ("cl_and_te", "Content-Length and Transfer-Encoding",
     head(b"Host: x", b"Content-Length: 5", b"Transfer-Encoding: chunked") + b"0\r\n\r\n", 400),
    # RFC 9112 6.3, RFC 9110 8.6: Content-Length
    ("cl_differ", "two Content-Lengths", head(b"Host: x", b"Content-Length: 3", b"Content-Length: 4") + b"abcd", 400),
    ("cl_repeat_same", "repeated Content-Length", head(b"Host: x", b"Content-Length: 3", b"Content-Length: 3") + b"abc", 400),
    ("cl_list", "Content-Length as a list", head(b"Host: x", b"Content-Length: 3, 3") + b"abc", 400),
    ("cl_plus", "Content-Length with a sign", head(b"Host: x", b"Content-Length: +3") + b"abc", 400),
    ("cl_negative", "Content-Length with a sign", head(b"Host: x", b"Content-Length: -1"), 400),
    ("cl_empty", "empty Content-Length", head(b"Host: x", b"Content-Length: "), 400),
    ("cl_overflow", "Content-Length past 64 bits", head(b"Host: x", b"Content-Length: 99999999999999999999999"), 400),
    # fits in 64 bits but not in the signed length the embedder reads: too large
    ("cl_past_int64", "Content-Length past max_body", head(b"Host: x", b"Content-Length: 12297829382473034498"), 413),
    # RFC 9112 7.1: chunk-size = 1*HEXDIG
    ("chunk_size_zz", "chunk size not hex", chunked(b"zz\r\nabc\r\n0\r\n\r\n"), 400),
    ("chunk_size_minus", "chunk size with a sign", chunked(b"-1\r\nabc\r\n0\r\n\r\n"), 400),
    ("chunk_size_plus", "chunk size with a sign", chunked(b"+5\r\nabcde\r\n0\r\n\r\n"), 400),
    ("chunk_size_0x", "chunk size with 0x", chunked(b"0x5\r\nabcde\r\n0\r\n\r\n"), 400),
    ("chunk_size_empty", "empty chunk size", chunked(b"\r\nabc\r\n0\r\n\r\n"), 400),
    ("chunk_size_space_before", "whitespace around the chunk size", chunked(b" 5\r\nabcde\r\n0\r\n\r\n"), 400),
    ("chunk_size_space_after", "whitespace around the chunk size", chunked(b"5 \r\nabcde\r\n0\r\n\r\n"), 400),
    ("chunk_size_tab_after", "whitespace around the chunk size", chunked(b"5\t\r\nabcde\r\n0\r\n\r\n"), 400),
    ("chunk_size_overflow", "chunk size past 64 bits", chunked(b"10000000000000000\r\nabc\r\n0\r\n\r\n"), 400),
    ("chunk_data_no_crlf", "chunk data without its CRLF", chunked(b"5\r\nabcdeXX0\r\n\r\n"), 400),
    ("chunk_line_bare_lf", "bare LF after a chunk size", chunked(b"5\nabcde\r\n0\r\n\r\n"), 400),
    # RFC 9112 7.1.1: chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] )
    ("chunk_ext_bare_semicolon", "bare ;", chunked(b"5;\r\nabcde\r\n0\r\n\r\n"), 400),
    ("chunk_ext_control", "control character in an extension", chunked(b"5;a\x01b\r\nabcde\r\n0\r\n\r\n"), 400),
    ("chunk_ext_bare_lf", "bare LF in an extension", chunked(b"5;a\nb\r\nabcde\r\n0\r\n\r\n"), 400),
    ("chunk_ext_no_name", "extension without a name", chunked(b"5;=b\r\nabcde\r\n0\r\n\r\n"), 400),
    ("chunk_ext_empty_value", "extension with = and no value", chunked(b"5;a=\r\nabcde\r\n0\r\n\r\n"), 400),
    ("chunk_ext_quoted_control", "control character in a quoted value",
     chunked(b'5;a="\x01"\r\nabcde\r\n0\r\n\r\n'), 400),
    # RFC 9112 5.1, 5.2; RFC 9110 5.1, 5.5: field lines
    ("field_space_before_colon", "whitespace between name and colon", get(b"Host : x"), 400),
    ("field_tab_before_colon", "whitespace between name and colon", get(b"Host: x", b"X-A\t: 1"), 400),
    ("field_empty_name", "empty field name", get(b"Host: x", b": v"), 400),
    ("field_obs_fold_space", "obs-fold", get(b"Host: x", b"X-A: 1", b" 2"), 400),
    ("field_obs_fold_tab", "obs-fold", get(b"Host: x", b"X-A: 1", b"\t2"), 400),
    ("field_first_line_space", "field line starting with whitespace", get(b" Host: x"), 400),
    ("field_value_control", "control character in a value", get(b"Host: x", b"X-A: a\x01b"), 400),
    ("field_value_del", "DEL in a value", get(b"Host: x", b"X-A: a\x7fb"), 400),
    ("field_name_non_ascii", "non-token name", get(b"Host: x", b"X\xc3\xa9: 1"), 400),
    # RFC 9112 3.2: Host
    ("host_missing", "no Host in HTTP/1.1", get(b"X-A: 1"), 400),
    ("host_twice", "two Host fields", get(b"Host: x", b"Host: x"), 400),
    ("host_twice_differ", "two Host fields", get(b"Host: a", b"Host: b"), 400),
    ("host_empty", "empty Host", get(b"Host: "), 400),
    ("host_userinfo", "Host with userinfo", get(b"Host: user@x"), 400),
    ("host_path", "Host with a path", get(b"Host: x/a"), 400),
    ("host_query", "Host with a query", get(b"Host: x?a"), 400),
    ("host_space", "Host with a space", get(b"Host: a b"), 400),
    ("host_bad_port", "Host with a bad port", get(b"Host: x:8o"), 400),
    ("host_bad_ipv6", "Host with an open bracket", get(b"Host: [::1"), 400),
    # RFC 9112 3.2, RFC 3986: the request target
    ("target_non_ascii", "raw non-ASCII byte in the target", get(b"Host: x", start=b"GET /\xc3\xa9 HTTP/1.1"), 400),
    ("target_high_byte_query", "raw non-ASCII byte in the target", get(b"Host: x", start=b"GET /a?\xff HTTP/1.1"), 400),
    ("target_control", "control character in the target", get(b"Host: x", start=b"GET /\x01 HTTP/1.1"), 400),
    ("target_del", "DEL in the target", get(b"Host: x", start=b"GET /\x7f HTTP/1.1"), 400),
    ("target_tab", "tab in the target", get(b"Host: x", start=b"GET /a\tb HTTP/1.1"), 400),
    ("target_fragment", "fragment in the target", get(b"Host: x", start=b"GET /a#b HTTP/1.1"), 400),
    ("target_asterisk_get", "* for a method other than OPTIONS", get(b"Host: x", start=b"GET * HTTP/1.1"), 400),
    ("target_relative", "relative target", get(b"Host: x", start=b"GET a/b HTTP/1.1"), 400),
    ("target_absolute_userinfo", "absolute-form with userinfo",
     get(b"Host: x", start=b"GET http://u@x/hello HTTP/1.1"), 400),
    ("target_absolute_no_host", "absolute-form without a host",
     get(b"Host: x", start=b"GET http:///hello HTTP/1.1"), 400),
    # RFC 9112 3: request-line = method SP request-target SP HTTP-version
    ("line_double_space", "two spaces in the request line", get(b"Host: x", start=b"GET  /hello HTTP/1.1"), 400),
    ("line_trailing_space", "space after the version", get(b"Host: x", start=b"GET /hello HTTP/1.1 "), 400),
    ("line_no_version", "no version (HTTP/0.9)", b"GET /hello\r\n\r\n", 400),
    ("line_lowercase_method", "unknown method", get(b"Host: x", start=b"get /hello HTTP/1.1"), 400),
    ("line_unknown_method", "unknown method", get(b"Host: x", start=b"BREW /hello HTTP/1.1"), 400),
    ("line_garbage", "not HTTP", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 400),
    # RFC 9112 2.3, RFC 9110 15.6.6: the version
    ("version_9_9", "unsupported version", get(b"Host: x", start=b"GET /hello HTTP/9.9"), 505),
    ("version_3_0", "unsupported version", get(b"Host: x", start=b"GET /hello HTTP/3.0"), 505),
    ("version_2_0", "unsupported version", get(b"Host: x", start=b"GET /hello HTTP/2.0"), 505),
    ("version_1_2", "unsupported version", get(b"Host: x", start=b"GET /hello HTTP/1.2"), 505),
    ("version_0_9", "unsupported version", get(b"Host: x", start=b"GET /hello HTTP/0.9"), 505),
    # the HTTP/2 client preface, whole at the start of a connection, makes it
    # an HTTP/2 one (h2_test.py); a request line like its first line, with a
    # field after it, is HTTP/1.1, and meets the target rule (* is for
    # OPTIONS) before the version
    ("version_h2_like", "* for a method other than OPTIONS", get(b"Host: x", start=b"PRI * HTTP/2.0"), 400),
    ("version_1_10", "malformed version", get(b"Host: x", start=b"GET /hello HTTP/1.10"), 400),
    ("version_no_dot", "malformed version", get(b"Host: x", start=b"GET /hello HTTP/11"), 400),
    ("version_lowercase", "malformed version", get(b"Host: x", start=b"GET /hello http/1.1"), 400),
    # RFC 9112 2.2: CRLF ends a line; a bare CR is refused, so is a bare LF
    ("bare_cr_request_line", "bare CR", b"GET /hello HTTP/1.1\rHost: x\r\n\r\n", 400),
    ("bare_cr_field", "bare CR", b"GET /hello HTTP/1.1\r\nHost: x\rX-A: 1\r\n\r\n", 400),
    ("bare_cr_end", "bare CR", b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\r\n", 400),
    ("bare_lf_request_line", "bare LF", b"GET /hello HTTP/1.1\nHost: x\r\n\r\n", 400),
    ("bare_lf_field", "bare LF", b"GET /hello HTTP/1.1\r\nHost: x\nX-A: 1\r\n\r\n", 400),
    ("bare_lf_end", "bare LF", b"GET /hello HTTP/1.1\r\nHost: x\r\n\n", 400),
    ("bare_lf_trailers_end", "bare LF", chunked(b"0\r\n\n"), 400),
    ("bare_lf_trailer", "bare LF", chunked(b"0\r\nX-T: 1\nX-U: 2\r\n\r\n"), 400),
    # RFC 9110 5.5: NUL
    ("nul_before", "NUL in the head", b"\x00" + GOOD, 400),
    ("nul_method", "NUL in the head", b"G\x00T /hello HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    ("nul_target", "NUL in the head", b"GET /he\x00llo HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    ("nul_version", "NUL in the head", b"GET /hello HTTP/1.1\x00\r\nHost: x\r\n\r\n", 400),
    ("nul_field_name", "NUL in the head", b"GET /hello HTTP/1.1\r\nHo\x00st: x\r\n\r\n", 400),
    ("nul_field_value", "NUL in the head", b"GET /hello HTTP/1.1\r\nHost: x\x00\r\n\r\n", 400),
    ("nul_trailer", "NUL in the head", chunked(b"0\r\nX-T: a\x00b\r\n\r\n"), 400),
    # RFC 9110 6.5.1: trailers do not frame the message
    ("trailer_content_length", "Content-Length in the trailers", chunked(b"0\r\nContent-Length: 5\r\n\r\n"), 400),
    ("trailer_transfer_encoding", "Transfer-Encoding in the trailers",
     chunked(b"0\r\nTransfer-Encoding: chunked\r\n\r\n"), 400),
    ("trailer_obs_fold", "obs-fold", chunked(b"0\r\nX-T: 1\r\n 2\r\n\r\n"), 400),
    # methods the server does not implement
    ("connect", "CONNECT", get(b"Host: x:443", start=b"CONNECT x:443 HTTP/1.1"), 501),
    # limits (the server runs with FLAGS)
    ("limit_body_length", "body larger than max_body_bytes",
     head(b"Host: x", b"Content-Length: %d" % (MAX_BODY + 1)), 413),
    ("limit_body_chunk", "chunk past max_body_bytes", chunked(b"%x\r\n" % (MAX_BODY + 1)), 413),
    ("limit_target", "target longer than max_header_bytes",
     get(b"Host: x", start=b"GET /" + b"a" * MAX_HEADER_BYTES + b" HTTP/1.1"), 414),
    ("limit_field_bytes", "fields larger than max_header_bytes",
     get(b"Host: x", b"X-A: " + b"a" * MAX_HEADER_BYTES), 431),
    ("limit_field_count", "more than max_headers fields",
     get(b"Host: x", *(b"X-%d: 1" % i for i in range(MAX_HEADERS))), 431),
    ("limit_raw_head", "raw head past its cap",
     get(b"Host: x", b"X-A:" + b" " * (3 * MAX_HEADER_BYTES) + b"v"), 431),
    ("limit_empty_lines", "raw head past its cap", b"\r\n" * (2 * MAX_HEADER_BYTES) + GOOD, 431),
    ("limit_trailer_bytes", "trailers larger than max_header_bytes",
     chunked(b"0\r\nX-T: " + b"a" * MAX_HEADER_BYTES + b"\r\n\r\n"), 431),
]

# (name, request, status, what the body holds, whether the connection stays open)
ACCEPTED = [
    ("hello", GOOD, 200, b"hello world\n", True),
    ("chunk_extension", chunked(b"5;name=value\r\nabcde\r\n0\r\n\r\n"), 200, b"body-bytes: 5\n", True),
    # (llhttp 8.1 refuses a token value followed by another extension,
    # ";a=b;c": docs/http.md)
    ("chunk_extensions", chunked(b'3;a="b";c="d e"\r\nabc\r\n2;n;m=1\r\nde\r\n0;z=1\r\n\r\n'), 200,
     b"body-bytes: 5\n", True),
    ("chunk_size_hex_upper", chunked(b"A\r\n0123456789\r\n0\r\n\r\n"), 200, b"body-bytes: 10\n", True),
    ("chunk_size_leading_zeros", chunked(b"0005\r\nabcde\r\n0000\r\n\r\n"), 200, b"body-bytes: 5\n", True),
    ("trailers", chunked(b"2\r\nab\r\n0\r\nX-Sum: 42  \r\nX-Other:yes\r\n\r\n"), 200,
     b"trailer X-Sum: 42\ntrailer X-Other: yes\n", True),
    ("te_case", head(b"Host: x", b"Transfer-Encoding: Chunked") + b"1\r\na\r\n0\r\n\r\n", 200,
     b"body-bytes: 1\n", True),
    ("cl_whitespace", head(b"Host: x", b"Content-Length:  3 ") + b"abc", 200, b"body-bytes: 3\n", True),
    ("http10_no_host", b"GET /hello HTTP/1.0\r\n\r\n", 200, b"hello world\n", False),
    ("http10_keep_alive", b"GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 200,
     b"hello world\n", True),
    ("absolute_form", get(b"Host: x", start=b"GET http://x/hello HTTP/1.1"), 200, b"hello world\n", True),
    ("absolute_form_port", get(b"Host: x", start=b"GET http://127.0.0.1:80/hello?a=b HTTP/1.1"), 200,
     b"hello world\n", True),
    ("absolute_form_ipv6", get(b"Host: [::1]:8080", start=b"GET http://[::1]:8080/hello HTTP/1.1"), 200,
     b"hello world\n", True),
    ("host_port", get(b"Host: example.com:8080"), 200, b"hello world\n", True),
    ("host_ipv6", get(b"Host: [::1]"), 200, b"hello world\n", True),
    ("host_pct", get(b"Host: ex%41mple.com"), 200, b"hello world\n", True),
    ("options_asterisk", get(b"Host: x", start=b"OPTIONS * HTTP/1.1"), 404, b"not found\n", True),
    ("empty_line_first", b"\r\n" + GOOD, 200, b"hello world\n", True),
    ("value_obs_text", get(b"Host: x", b"X-A: caf\xe9 \x80\xff"), 200, b"hello world\n", True),
    ("value_tab_inside", get(b"Host: x", b"X-A: a\tb"), 200, b"hello world\n", True),
    ("target_query_chars", get(b"Host: x", start=b"GET /hello?a=b?c&d=%20/e HTTP/1.1"), 200,
     b"hello world\n", True),
    ("connection_close_tab", get(b"Host: x", b"Connection: close\t"), 200, b"hello world\n", False),
    ("connection_close_list", get(b"Host: x", b"Connection: foo, close"), 200, b"hello world\n", False),
    ("upgrade_ignored", get(b"Host: x", b"Connection: upgrade", b"Upgrade: websocket"), 200,
     b"hello world\n", True),
    ("expect_continue", head(b"Host: x", b"Content-Length: 2", b"Expect: 100-continue") + b"hi", 200,
     b"body-bytes: 2\n", True),
]


def parts_whole(data):
    return [data]


def parts_bytes(data):
    """One byte per write; long requests in 64 pieces instead (the limit cases)."""
    if len(data) <= 400:
        return [data[i:i + 1] for i in range(len(data))]
    step = len(data) // 64 + 1
    return [data[i:i + step] for i in range(0, len(data), step)]


def send(port, parts, pause):
    sock = connect(port, TIMEOUT)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        for i, p in enumerate(parts):
            if i and pause:
                time.sleep(pause)
            sock.sendall(p)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered and closed before the rest
    return sock


def closed(sock, wait=5):
    """True if the server closes the connection within `wait` seconds."""
    sock.settimeout(wait)
    end = time.monotonic() + wait
    try:
        while time.monotonic() < end:
            if not sock.recv(65536):
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False
    return False


def check_refusal(r, status, what):
    assert r.status == status, "%s: wanted %d, got %d %r" % (what, status, r.status, r.fields)
    assert r.field("connection") == "close", "%s: no Connection: close in %r" % (what, r.fields)


def refusal(port, data, status):
    for how, parts, pause in (("whole", parts_whole(data), 0),
                              ("byte by byte", parts_bytes(data), 0.0005)):
        sock = send(port, parts, pause)
        reader = Reader(sock)
        check_refusal(reader.response(), status, how)
        assert not reader.buf and closed(sock), "%s: the connection stayed open after %d" % (how, status)
        sock.close()
    # pipelined: the good request is answered first, then the refusal
    sock = send(port, [GOOD + data], 0)
    reader = Reader(sock)
    first = reader.response()
    assert (first.status, first.body) == (200, b"hello world\n"), \
        "pipelined: the good request got %d %r" % (first.status, first.body)
    check_refusal(reader.response(), status, "pipelined")
    assert not reader.buf and closed(sock), "pipelined: the connection stayed open after %d" % status
    sock.close()


def accepted(port, data, status, body, stays_open):
    for how, parts, pause in (("whole", parts_whole(data), 0),
                              ("byte by byte", parts_bytes(data), 0.0005)):
        sock = send(port, parts, pause)
        reader = Reader(sock)
        r = reader.response()
        assert r.status == status, "%s: wanted %d, got %d %r" % (how, status, r.status, r.body)
        assert body in r.body, "%s: %r not in %r" % (how, body, r.body)
        if stays_open:
            sock.sendall(GOOD)
            again = reader.response()
            assert again.status == 200, "%s: the next request got %d" % (how, again.status)
        else:
            assert closed(sock), "%s: the connection stayed open" % how
        sock.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("filter", nargs="?", default="")
    a = ap.parse_args()
    port = free_port()
    srv = Server([a.server, "--port", str(port), *map(str, FLAGS)], port, what="hx_test_server")
    failed = ran = 0
    tests = [("refuse_" + n, refusal, (d, st)) for n, _, d, st in REFUSALS]
    tests += [("accept_" + n, accepted, (d, st, b, o)) for n, d, st, b, o in ACCEPTED]
    try:
        for name, fn, args in tests:
            if a.filter not in name:
                continue
            ran += 1
            t0 = time.time()
            try:
                fn(port, *args)
                print("ok   %-36s %.2fs" % (name, time.time() - t0))
            except Exception:
                failed += 1
                print("FAIL %-36s" % name)
                traceback.print_exc(file=sys.stdout)
            sys.stdout.flush()
            if srv.proc.poll() is not None:
                print("the server died:\n" + srv.output())
                return 1
    finally:
        rc = srv.stop()
    out = srv.output()
    if rc != 0 or sanitizer_reports(out):
        print("server exited %d:\n%s" % (rc, out[-3000:]))
        failed += 1
    print("%d passed, %d failed" % (ran - failed, failed))
    return 1 if failed or not ran else 0


if __name__ == "__main__":
    sys.exit(main())
