/*
 * redis_guest.c — a wasi:http@0.2.0 guest that answers each request with
 * one Redis command's result, spoken in RESP over wasi:sockets TCP, for the
 * outbound benchmark (bench/outbound/run.sh):
 *
 *   GET /get    GET hits        answers the value ("" when there is none)
 *   anything    INCR hits       answers the new value
 *
 * as `200 text/plain`, "VALUE\n", with `x-redis-connects: N`, how many
 * connections this instance has opened. A Redis error reply is a 502 with
 * its text; a connection that cannot be made or breaks is a 502 naming the
 * wasi:sockets error-code (for a broken stream, the error's debug string).
 *
 * The server is 127.0.0.1:REDIS_PORT (wasi:cli/environment; REDIS_PORT
 * defaults to 6379, REDIS_HOST, a dotted IPv4 address, to 127.0.0.1); serve
 * it with `--env REDIS_PORT=N --allow-connect 127.0.0.1:N`.
 *
 * Two builds, the two ways a component can hold a connection:
 *   serverless (world wasmhttpd:bench/redis-serverless): every request
 *     connects, sends its command, reads the reply and drops the socket;
 *   stateful (-DSTATEFUL=1, world redis-stateful, exporting
 *     wasmhttpd:http/lifecycle@0.1.0#init): init connects, and every
 *     request of the instance reuses that connection. When it has broken
 *     (Redis restarted, say), the request reconnects once and sends its
 *     command again; an INCR whose reply was lost may then count twice,
 *     which this benchmark accepts. Without init (a host that never calls
 *     it), the first request connects.
 *
 * The connect is start-connect, then finish-connect until it stops saying
 * would-block, waiting on the socket's pollable in between (docs/wasi.md,
 * Sockets). Canonical ABI glue by hand, as in examples/counter/counter.c;
 * the layouts are next to each import.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifndef STATEFUL
#define STATEFUL 0
#endif

#define IMPORT(mod, name) __attribute__((import_module(mod), import_name(name)))
#define EXPORT(name)      __attribute__((export_name(name)))

#define HTTP_TYPES  "wasi:http/types@0.2.0"
#define IO_STREAMS  "wasi:io/streams@0.2.0"
#define IO_POLL     "wasi:io/poll@0.2.0"
#define IO_ERROR    "wasi:io/error@0.2.0"
#define CLI_ENV     "wasi:cli/environment@0.2.0"
#define SOCK_NET    "wasi:sockets/network@0.2.0"
#define SOCK_INET   "wasi:sockets/instance-network@0.2.0"
#define SOCK_TCP    "wasi:sockets/tcp@0.2.0"
#define SOCK_CREATE "wasi:sockets/tcp-create-socket@0.2.0"

typedef int32_t handle;

/* ---- wasi:http/types@0.2.0 (as in counter.c) ---- */

IMPORT(HTTP_TYPES, "[constructor]fields") handle fields_new(void);
IMPORT(HTTP_TYPES, "[method]fields.append")
void fields_append(handle self, const char *name, size_t name_len, const void *value,
                   size_t value_len, void *ret);
/* path-with-query() -> option<string>: ret = {u8 is_some; ptr @4; len @8} */
IMPORT(HTTP_TYPES, "[method]incoming-request.path-with-query")
void incoming_request_path_with_query(handle self, void *ret);
IMPORT(HTTP_TYPES, "[resource-drop]incoming-request") void incoming_request_drop(handle h);
IMPORT(HTTP_TYPES, "[constructor]outgoing-response") handle outgoing_response_new(handle headers);
IMPORT(HTTP_TYPES, "[method]outgoing-response.set-status-code")
int32_t outgoing_response_set_status_code(handle self, int32_t status);
IMPORT(HTTP_TYPES, "[method]outgoing-response.body")
void outgoing_response_body(handle self, void *ret);
IMPORT(HTTP_TYPES, "[method]outgoing-body.write") void outgoing_body_write(handle self, void *ret);
IMPORT(HTTP_TYPES, "[static]outgoing-body.finish")
void outgoing_body_finish(handle self, int32_t has_trailers, handle trailers, void *ret);
IMPORT(HTTP_TYPES, "[resource-drop]outgoing-body") void outgoing_body_drop(handle h);
IMPORT(HTTP_TYPES, "[static]response-outparam.set")
void response_outparam_set(handle param, int32_t is_err, int32_t v0, int32_t v1, int64_t v2,
                           int32_t v3, int32_t v4, int32_t v5, int32_t v6);

/* ---- wasi:io@0.2.0 ---- */

/* blocking-read(len: u64) -> result<list<u8>, stream-error>:
 * ret = {u8 is_err; ok: ptr @4, len @8; err: u8 case @4 (0
 * last-operation-failed, 1 closed), own<error> @8} */
IMPORT(IO_STREAMS, "[method]input-stream.blocking-read")
void input_stream_blocking_read(handle self, int64_t len, void *ret);
IMPORT(IO_STREAMS, "[resource-drop]input-stream") void input_stream_drop(handle h);
/* blocking-write-and-flush(list<u8>) -> result<_, stream-error>:
 * ret = {u8 is_err; u8 case @4; own<error> @8}; at most 4096 bytes */
IMPORT(IO_STREAMS, "[method]output-stream.blocking-write-and-flush")
void output_stream_blocking_write_and_flush(handle self, const void *buf, size_t len, void *ret);
IMPORT(IO_STREAMS, "[resource-drop]output-stream") void output_stream_drop(handle h);
IMPORT(IO_POLL, "[method]pollable.block") void pollable_block(handle self);
IMPORT(IO_POLL, "[resource-drop]pollable") void pollable_drop(handle h);
/* to-debug-string() -> string: ret = {ptr; len}, ours to free */
IMPORT(IO_ERROR, "[method]error.to-debug-string")
void io_error_to_debug_string(handle self, void *ret);
IMPORT(IO_ERROR, "[resource-drop]error") void io_error_drop(handle h);

/* ---- wasi:sockets@0.2.0 ---- */

IMPORT(SOCK_INET, "instance-network") handle instance_network(void);
IMPORT(SOCK_NET, "[resource-drop]network") void network_drop(handle h);
/* create-tcp-socket(ip-address-family) -> result<own<tcp-socket>, error-code>:
 * ret = {u8 is_err; handle or u8 code @4} */
IMPORT(SOCK_CREATE, "create-tcp-socket") void create_tcp_socket(int32_t family, void *ret);
/* start-connect(network, ip-socket-address) -> result<_, error-code>: the
 * address flat as its case and the join of ipv4-socket-address (port,
 * four octets) with ipv6-socket-address (port, flow-info, eight words,
 * scope-id): 11 i32; ret = {u8 is_err; u8 code @1} */
IMPORT(SOCK_TCP, "[method]tcp-socket.start-connect")
void tcp_start_connect(handle self, handle network, int32_t family, int32_t port, int32_t a0,
                       int32_t a1, int32_t a2, int32_t a3, int32_t p6, int32_t p7, int32_t p8,
                       int32_t p9, int32_t p10, int32_t p11, void *ret);
/* finish-connect() -> result<tuple<own<input-stream>, own<output-stream>>,
 * error-code>: ret = {u8 is_err; input @4, output @8 | u8 code @4} */
IMPORT(SOCK_TCP, "[method]tcp-socket.finish-connect")
void tcp_finish_connect(handle self, void *ret);
IMPORT(SOCK_TCP, "[method]tcp-socket.subscribe") handle tcp_subscribe(handle self);
IMPORT(SOCK_TCP, "[resource-drop]tcp-socket") void tcp_socket_drop(handle h);

/* ---- wasi:cli/environment@0.2.0 ----
 * get-environment() -> list<tuple<string, string>>: ret = {ptr; len},
 * elements {key ptr, key len, value ptr, value len}, all ours to free */
IMPORT(CLI_ENV, "get-environment") void get_environment(void *ret);

/* ---- what the host calls ---- */

void *cabi_realloc(void *ptr, size_t old_size, size_t align, size_t new_size);
void handle_request(handle request, handle response_out);
#if STATEFUL
void *lifecycle_init(void);
#endif

/* As in counter.c: a zero-byte request gets an aligned address, no block. */
EXPORT("cabi_realloc")
void *cabi_realloc(void *ptr, size_t old_size, size_t align, size_t new_size)
{
    (void)old_size;
    if (new_size == 0)
        return (void *)align;
    void *p = realloc(ptr, new_size);
    if (!p)
        __builtin_trap();
    return p;
}

static _Alignas(8) uint8_t ret[64];

static uint8_t ret_u8(size_t off)
{
    return ret[off];
}

static uint32_t ret_u32(size_t off)
{
    uint32_t v;
    memcpy(&v, ret + off, sizeof v);
    return v;
}

static void free_list(uint32_t ptr, uint32_t len)
{
    if (len > 0)
        free((void *)(uintptr_t)ptr);
}

/* ---- text ---- */

static size_t put_u32(char *out, uint32_t v)
{
    char tmp[10];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

static size_t put_str(char *out, const char *s)
{
    size_t n = strlen(s);
    memcpy(out, s, n);
    return n;
}

/* wasi:sockets error-code cases, in the WIT's order */
/* clang-format off */
static const char *const sock_errors[] = {
    "unknown", "access-denied", "not-supported", "invalid-argument", "out-of-memory",
    "timeout", "concurrency-conflict", "not-in-progress", "would-block", "invalid-state",
    "new-socket-limit", "address-not-bindable", "address-in-use", "remote-unreachable",
    "connection-refused", "connection-reset", "connection-aborted", "datagram-too-large",
    "name-unresolvable", "temporary-resolver-failure", "permanent-resolver-failure"};
/* clang-format on */

static const char *sock_error_name(uint8_t code)
{
    return code < sizeof sock_errors / sizeof *sock_errors ? sock_errors[code] : "?";
}

/* ---- configuration ---- */

static struct {
    bool loaded;
    uint8_t addr[4];
    uint16_t port;
} cfg;

static bool parse_u16(const char *s, size_t n, uint32_t max, uint32_t *out)
{
    uint32_t v = 0;
    if (n == 0 || n > 5)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (uint32_t)(s[i] - '0');
    }
    if (v > max)
        return false;
    *out = v;
    return true;
}

/* a.b.c.d into addr; false when it is not one */
static bool parse_ipv4(const char *s, size_t n, uint8_t addr[4])
{
    size_t start = 0;
    for (int part = 0; part < 4; part++) {
        size_t end = start;
        while (end < n && s[end] != '.')
            end++;
        uint32_t v;
        if (!parse_u16(s + start, end - start, 255, &v) || (part < 3) != (end < n))
            return false;
        addr[part] = (uint8_t)v;
        start = end + 1;
    }
    return true;
}

static void load_config(void)
{
    if (cfg.loaded)
        return;
    cfg.loaded = true;
    memcpy(cfg.addr, (const uint8_t[]){127, 0, 0, 1}, 4);
    cfg.port = 6379;
    get_environment(ret);
    uint32_t list = ret_u32(0), n = ret_u32(4);
    for (uint32_t i = 0; i < n; i++) {
        const uint32_t *e = (const uint32_t *)(uintptr_t)(list + 16 * i);
        const char *key = (const char *)(uintptr_t)e[0];
        const char *val = (const char *)(uintptr_t)e[2];
        uint32_t port;
        uint8_t addr[4];
        if (e[1] == 10 && memcmp(key, "REDIS_PORT", 10) == 0 && parse_u16(val, e[3], 65535, &port))
            cfg.port = (uint16_t)port;
        else if (e[1] == 10 && memcmp(key, "REDIS_HOST", 10) == 0 && parse_ipv4(val, e[3], addr))
            memcpy(cfg.addr, addr, 4);
        free_list(e[0], e[1]);
        free_list(e[2], e[3]);
    }
    free_list(list, n);
}

/* ---- the connection ---- */

typedef struct {
    handle net, sock, in, out; /* 0: none (handles start at 1) */
} conn_t;

static conn_t conn;          /* the stateful build keeps it between requests */
static uint32_t connects;    /* connections this instance opened */
static char error_text[128]; /* what went wrong, for the 502 or init's error */

static void conn_close(conn_t *c)
{
    /* children before parents: the streams, then the socket */
    if (c->in)
        input_stream_drop(c->in);
    if (c->out)
        output_stream_drop(c->out);
    if (c->sock)
        tcp_socket_drop(c->sock);
    if (c->net)
        network_drop(c->net);
    memset(c, 0, sizeof *c);
}

/* error_text = "redis WHAT: WHY" (WHY why_len bytes, cut to fit) */
static bool fail_n(const char *what, const char *why, size_t why_len)
{
    size_t n = put_str(error_text, "redis ");
    n += put_str(error_text + n, what);
    n += put_str(error_text + n, ": ");
    if (why_len > sizeof error_text - 2 - n)
        why_len = sizeof error_text - 2 - n;
    memcpy(error_text + n, why, why_len);
    error_text[n + why_len] = '\0';
    return false;
}

static bool fail(const char *what, const char *why)
{
    return fail_n(what, why, strlen(why));
}

/* Connects to cfg's address; false with error_text set. */
static bool conn_open(conn_t *c)
{
    load_config();
    c->net = instance_network();
    create_tcp_socket(0 /* ipv4 */, ret);
    if (ret_u8(0)) {
        conn_close(c);
        return fail("create-tcp-socket", sock_error_name(ret_u8(4)));
    }
    c->sock = (handle)ret_u32(4);
    tcp_start_connect(c->sock, c->net, 0, cfg.port, cfg.addr[0], cfg.addr[1], cfg.addr[2],
                      cfg.addr[3], 0, 0, 0, 0, 0, 0, ret);
    if (ret_u8(0)) {
        conn_close(c);
        return fail("start-connect", sock_error_name(ret_u8(1)));
    }
    handle ready = tcp_subscribe(c->sock);
    for (;;) {
        tcp_finish_connect(c->sock, ret);
        if (!ret_u8(0) || ret_u8(4) != 8 /* would-block */)
            break;
        pollable_block(ready);
    }
    pollable_drop(ready);
    if (ret_u8(0)) {
        uint8_t code = ret_u8(4);
        conn_close(c);
        return fail("connect", sock_error_name(code));
    }
    c->in = (handle)ret_u32(4);
    c->out = (handle)ret_u32(8);
    connects++;
    return true;
}

/* The stream-error at ret + off, as text in error_text. */
static bool stream_fail(const char *what, size_t off)
{
    if (ret_u8(off) == 1)
        return fail(what, "closed by the server");
    handle err = (handle)ret_u32(off + 4);
    io_error_to_debug_string(err, ret);
    uint32_t p = ret_u32(0), n = ret_u32(4);
    io_error_drop(err);
    fail_n(what, (const char *)(uintptr_t)p, n);
    free_list(p, n);
    return false;
}

/* ---- RESP ----
 * One command, one reply. The reply is read until it is complete: a line
 * (+simple, -error, :integer) or a bulk string ($len, then len bytes and
 * CRLF; $-1 is nil). Arrays are not needed here. */

typedef struct {
    char *p;
    size_t len, cap;
} buf_t;

static void buf_add(buf_t *b, const void *s, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap < b->len + n)
            cap *= 2;
        b->p = cabi_realloc(b->p, b->cap, 1, cap);
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

/* Parses a reply in b: 0 while incomplete, -1 when malformed, 1 when
 * complete, with *type the first byte and the value at *val, *val_len
 * (the text of a line, the bulk's bytes; NULL for nil). */
static int resp_parse(const buf_t *b, char *type, const char **val, size_t *val_len)
{
    const char *crlf = NULL;
    for (size_t i = 1; i + 1 < b->len; i++)
        if (b->p[i] == '\r' && b->p[i + 1] == '\n') {
            crlf = b->p + i;
            break;
        }
    if (!crlf)
        return 0;
    *type = b->p[0];
    size_t line = (size_t)(crlf - (b->p + 1));
    if (*type == '+' || *type == '-' || *type == ':') {
        *val = b->p + 1;
        *val_len = line;
        return 1;
    }
    if (*type != '$')
        return -1;
    if (line == 2 && b->p[1] == '-' && b->p[2] == '1') {
        *val = NULL;
        *val_len = 0;
        return 1;
    }
    size_t n = 0;
    for (size_t i = 0; i < line; i++) {
        if (b->p[1 + i] < '0' || b->p[1 + i] > '9' || n > 512u * 1024 * 1024)
            return -1;
        n = n * 10 + (size_t)(b->p[1 + i] - '0');
    }
    size_t start = 1 + line + 2;
    if (b->len < start + n + 2)
        return 0;
    *val = b->p + start;
    *val_len = n;
    return 1;
}

/* Sends cmd on c and reads its reply into reply; false with error_text
 * set when the connection failed (the caller closes it). */
static bool command(conn_t *c, const char *cmd, buf_t *reply, char *type, const char **val,
                    size_t *val_len)
{
    output_stream_blocking_write_and_flush(c->out, cmd, strlen(cmd), ret);
    if (ret_u8(0))
        return stream_fail("write", 4);
    reply->len = 0;
    for (;;) {
        input_stream_blocking_read(c->in, 4096, ret);
        if (ret_u8(0))
            return stream_fail("read", 4);
        uint8_t *chunk = (uint8_t *)(uintptr_t)ret_u32(4);
        size_t n = ret_u32(8);
        buf_add(reply, chunk, n);
        if (n > 0)
            free(chunk);
        int r = resp_parse(reply, type, val, val_len);
        if (r < 0)
            return fail("read", "a reply that is not RESP");
        if (r > 0)
            return true;
    }
}

/* ---- responding ---- */

static void respond(handle response_out, int32_t status, const char *text, size_t len)
{
    static const char ct[] = "content-type", xc[] = "x-redis-connects";
    handle headers = fields_new();
    fields_append(headers, ct, sizeof ct - 1, "text/plain", 10, ret);
    char num[10];
    size_t nl = put_u32(num, connects);
    fields_append(headers, xc, sizeof xc - 1, num, nl, ret);
    handle resp = outgoing_response_new(headers);
    outgoing_response_set_status_code(resp, status);
    outgoing_response_body(resp, ret);
    if (ret_u8(0))
        __builtin_trap();
    handle body = (handle)ret_u32(4);
    response_outparam_set(response_out, 0, resp, 0, 0, 0, 0, 0, 0);
    outgoing_body_write(body, ret);
    if (ret_u8(0))
        __builtin_trap();
    handle stream = (handle)ret_u32(4);
    bool ok = true;
    while (ok && len > 0) {
        size_t n = len < 4096 ? len : 4096;
        output_stream_blocking_write_and_flush(stream, text, n, ret);
        if (ret_u8(0)) {
            if (ret_u8(4) == 0)
                io_error_drop((handle)ret_u32(8));
            ok = false;
        }
        text += n;
        len -= n;
    }
    output_stream_drop(stream);
    if (ok)
        outgoing_body_finish(body, 0, 0, ret);
    else
        outgoing_body_drop(body);
}

static void respond_error(handle response_out)
{
    size_t n = strlen(error_text);
    error_text[n] = '\n';
    respond(response_out, 502, error_text, n + 1);
}

static const char INCR[] = "*2\r\n$4\r\nINCR\r\n$4\r\nhits\r\n";
static const char GET[] = "*2\r\n$3\r\nGET\r\n$4\r\nhits\r\n";

EXPORT("wasi:http/incoming-handler@0.2.0#handle")
void handle_request(handle request, handle response_out)
{
    incoming_request_path_with_query(request, ret);
    bool get = false;
    if (ret_u8(0)) {
        const char *p = (const char *)(uintptr_t)ret_u32(4);
        size_t n = ret_u32(8);
        get = (n == 4 && memcmp(p, "/get", 4) == 0) || (n > 4 && memcmp(p, "/get?", 5) == 0);
        free_list(ret_u32(4), ret_u32(8));
    }
    incoming_request_drop(request);
    const char *cmd = get ? GET : INCR;

    buf_t reply = {0};
    char type = 0;
    const char *val = NULL;
    size_t val_len = 0;
    bool ok;
    if (STATEFUL) {
        /* the instance's connection; one reconnect when it has broken */
        bool fresh = conn.sock == 0;
        ok = (conn.sock || conn_open(&conn)) && command(&conn, cmd, &reply, &type, &val, &val_len);
        if (!ok) {
            conn_close(&conn);
            if (!fresh)
                ok = conn_open(&conn) && command(&conn, cmd, &reply, &type, &val, &val_len);
            if (!ok)
                conn_close(&conn);
        }
    } else {
        conn_t c = {0};
        ok = conn_open(&c) && command(&c, cmd, &reply, &type, &val, &val_len);
        conn_close(&c);
    }

    if (!ok) {
        respond_error(response_out);
    } else if (type == '-') {
        buf_t t = {0};
        buf_add(&t, val, val_len);
        buf_add(&t, "\n", 1);
        respond(response_out, 502, t.p, t.len);
        free(t.p);
    } else {
        buf_t t = {0};
        if (val)
            buf_add(&t, val, val_len);
        buf_add(&t, "\n", 1);
        respond(response_out, 200, t.p, t.len);
        free(t.p);
    }
    free(reply.p);
}

#if STATEFUL
/* wasmhttpd:http/lifecycle@0.1.0#init: () -> result<_, string>, returned
 * as a pointer to {u8 is_err; string ptr @4, len @8}: connects, or fails
 * with why (the host logs it and retries with a new instance). The message
 * lives in error_text, so there is nothing for a post-return to free. */
EXPORT("wasmhttpd:http/lifecycle@0.1.0#init")
void *lifecycle_init(void)
{
    memset(ret, 0, 12);
    if (!conn_open(&conn)) {
        uint32_t p = (uint32_t)(uintptr_t)error_text, n = (uint32_t)strlen(error_text);
        ret[0] = 1;
        memcpy(ret + 4, &p, 4);
        memcpy(ret + 8, &n, 4);
    }
    return ret;
}
#endif
