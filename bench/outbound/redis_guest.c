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
 * Sockets). The canonical ABI glue is shared with the other C guests
 * (examples/glue/).
 */
#define WASI_GLUE_VERSION "0.2.0"

#include "lifecycle.h"
#include "text.h"
#include "wasi_cli.h"
#include "wasi_http.h"
#include "wasi_sockets.h"

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
    size_t n;
    env_var_t *env = environment(&n);
    for (size_t i = 0; i < n; i++) {
        str_t val = env[i].value;
        uint32_t port;
        uint8_t addr[4];
        if (str_eq(env[i].key, "REDIS_PORT") && parse_u16(val.ptr, val.len, 65535, &port))
            cfg.port = (uint16_t)port;
        else if (str_eq(env[i].key, "REDIS_HOST") && parse_ipv4(val.ptr, val.len, addr))
            memcpy(cfg.addr, addr, 4);
    }
    cabi_free_pairs(env, n);
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
        return fail("create-tcp-socket", sockets_error_name(ret_u8(4)));
    }
    c->sock = ret_handle(4);
    tcp_socket_start_connect(c->sock, c->net, 0, cfg.port, cfg.addr[0], cfg.addr[1], cfg.addr[2],
                             cfg.addr[3], 0, 0, 0, 0, 0, 0, ret);
    if (ret_u8(0)) {
        conn_close(c);
        return fail("start-connect", sockets_error_name(ret_u8(1)));
    }
    handle ready = tcp_socket_subscribe(c->sock);
    for (;;) {
        tcp_socket_finish_connect(c->sock, ret);
        if (!ret_u8(0) || ret_u8(4) != SOCKETS_WOULD_BLOCK)
            break;
        pollable_block(ready);
    }
    pollable_drop(ready);
    if (ret_u8(0)) {
        uint8_t code = ret_u8(4);
        conn_close(c);
        return fail("connect", sockets_error_name(code));
    }
    c->in = ret_handle(4);
    c->out = ret_handle(8);
    connects++;
    return true;
}

/* A stream that failed (st, err as stream_error_at says), as text in
 * error_text. */
static bool stream_fail(const char *what, stream_status_t st, handle err)
{
    if (st == STREAM_CLOSED)
        return fail(what, "closed by the server");
    error_to_debug_string(err, ret);
    const char *p = ret_ptr(0);
    size_t n = ret_u32(4);
    error_drop(err);
    fail_n(what, p, n);
    cabi_free(p, n);
    return false;
}

/* ---- RESP ----
 * One command, one reply. The reply is read until it is complete: a line
 * (+simple, -error, :integer) or a bulk string ($len, then len bytes and
 * CRLF; $-1 is nil). Arrays are not needed here. */

/* Parses a reply in b: 0 while incomplete, -1 when malformed, 1 when
 * complete, with *type the first byte and the value at *val, *val_len
 * (the text of a line, the bulk's bytes; NULL for nil). */
static int resp_parse(const text_t *b, char *type, const char **val, size_t *val_len)
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
static bool command(conn_t *c, const char *cmd, text_t *reply, char *type, const char **val,
                    size_t *val_len)
{
    handle err = 0;
    stream_status_t st = blocking_write_all(c->out, cmd, strlen(cmd), &err);
    if (st != STREAM_OK)
        return stream_fail("write", st, err);
    reply->len = 0;
    for (;;) {
        bytes_t chunk;
        st = blocking_read_chunk(c->in, 4096, &chunk, &err);
        if (st != STREAM_OK)
            return stream_fail("read", st, err);
        text_add(reply, chunk.ptr, chunk.len);
        cabi_free(chunk.ptr, chunk.len);
        int r = resp_parse(reply, type, val, val_len);
        if (r < 0)
            return fail("read", "a reply that is not RESP");
        if (r > 0)
            return true;
    }
}

/* ---- responding ---- */

/* text/plain with x-redis-connects */
static void respond_text(handle response_out, int32_t status, const char *text, size_t len)
{
    static const char xc[] = "x-redis-connects";
    handle headers = fields_new();
    append_field(headers, "content-type", "text/plain");
    char num[10];
    size_t nl = put_u64(num, connects);
    fields_append(headers, xc, sizeof xc - 1, num, nl, ret);
    respond_blocking(response_out, headers, status, text, len);
}

static void respond_error(handle response_out)
{
    size_t n = strlen(error_text);
    error_text[n] = '\n';
    respond_text(response_out, 502, error_text, n + 1);
}

static const char INCR[] = "*2\r\n$4\r\nINCR\r\n$4\r\nhits\r\n";
static const char GET[] = "*2\r\n$3\r\nGET\r\n$4\r\nhits\r\n";

EXPORT(WASI("http/incoming-handler") "#handle")
void handle_request(handle request, handle response_out)
{
    char *target = request_target(request);
    bool get = target && (strcmp(target, "/get") == 0 || strncmp(target, "/get?", 5) == 0);
    free(target);
    incoming_request_drop(request);
    const char *cmd = get ? GET : INCR;

    text_t reply = {0};
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
        text_t t = {0};
        text_add(&t, val, val_len);
        text_str(&t, "\n");
        respond_text(response_out, 502, t.p, t.len);
        free(t.p);
    } else {
        text_t t = {0};
        if (val)
            text_add(&t, val, val_len);
        text_str(&t, "\n");
        respond_text(response_out, 200, t.p, t.len);
        free(t.p);
    }
    free(reply.p);
}

#if STATEFUL
/* init (lifecycle.h): connects, or fails with why (the host logs it and
 * retries with a new instance); the message lives in error_text. */
EXPORT("wasmhttpd:http/lifecycle@0.1.0#init")
void *lifecycle_init(void)
{
    return ret_result_string(conn_open(&conn) ? NULL : error_text);
}
#endif
