/*
 * http_glue.h — hand-written canonical ABI glue for C guests of
 * wasi:http@0.2.12 (the proxy world): the core imports with their flat
 * signatures, the layouts of their return areas, and small helpers built
 * on them (write all, read some, respond). The outbound half
 * (wasi:http/outgoing-handler) is declared here too; a guest that does not
 * call it imports nothing of it.
 *
 * Layouts (CanonicalABI.md): a result or option is a discriminant byte,
 * then its payload at the payload's alignment. error-code is 32 bytes,
 * aligned to 8 (its option<u64> payloads), with the payload at 8.
 */
#ifndef HTTP_GLUE_H
#define HTTP_GLUE_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define IMPORT(mod, name) __attribute__((import_module(mod), import_name(name)))
#define EXPORT(name)      __attribute__((export_name(name)))

#define HTTP    "wasi:http/types@0.2.12"
#define STREAMS "wasi:io/streams@0.2.12"
#define POLL    "wasi:io/poll@0.2.12"
#define IOERR   "wasi:io/error@0.2.12"
#define CLOCK   "wasi:clocks/monotonic-clock@0.2.12"
#define OUTGOING "wasi:http/outgoing-handler@0.2.12"

typedef int32_t h_t; /* a resource handle */

typedef struct {
    const char *ptr;
    size_t len;
} str_t;

typedef struct {
    uint8_t *ptr;
    size_t len;
} bytes_t;

/* ---- wasi:http/types ---- */
IMPORT(HTTP, "[constructor]fields") h_t fields_new(void);
IMPORT(HTTP, "[static]fields.from-list")
void fields_from_list(const void *entries, size_t n, void *ret);
IMPORT(HTTP, "[method]fields.get") void fields_get(h_t self, const char *n, size_t nl, void *ret);
IMPORT(HTTP, "[method]fields.has") int32_t fields_has(h_t self, const char *n, size_t nl);
IMPORT(HTTP, "[method]fields.set")
void fields_set(h_t self, const char *n, size_t nl, const bytes_t *vals, size_t nv, void *ret);
IMPORT(HTTP, "[method]fields.delete")
void fields_delete(h_t self, const char *n, size_t nl, void *ret);
IMPORT(HTTP, "[method]fields.append")
void fields_append(h_t self, const char *n, size_t nl, const void *v, size_t vl, void *ret);
IMPORT(HTTP, "[method]fields.entries") void fields_entries(h_t self, void *ret);
IMPORT(HTTP, "[method]fields.clone") h_t fields_clone(h_t self);
IMPORT(HTTP, "[resource-drop]fields") void fields_drop(h_t h);

IMPORT(HTTP, "[method]incoming-request.method") void inreq_method(h_t self, void *ret);
IMPORT(HTTP, "[method]incoming-request.path-with-query") void inreq_path(h_t self, void *ret);
IMPORT(HTTP, "[method]incoming-request.scheme") void inreq_scheme(h_t self, void *ret);
IMPORT(HTTP, "[method]incoming-request.authority") void inreq_authority(h_t self, void *ret);
IMPORT(HTTP, "[method]incoming-request.headers") h_t inreq_headers(h_t self);
IMPORT(HTTP, "[method]incoming-request.consume") void inreq_consume(h_t self, void *ret);
IMPORT(HTTP, "[resource-drop]incoming-request") void inreq_drop(h_t h);

IMPORT(HTTP, "[method]incoming-body.stream") void inbody_stream(h_t self, void *ret);
IMPORT(HTTP, "[static]incoming-body.finish") h_t inbody_finish(h_t self);
IMPORT(HTTP, "[resource-drop]incoming-body") void inbody_drop(h_t h);
IMPORT(HTTP, "[method]future-trailers.subscribe") h_t ftrailers_subscribe(h_t self);
IMPORT(HTTP, "[method]future-trailers.get") void ftrailers_get(h_t self, void *ret);
IMPORT(HTTP, "[resource-drop]future-trailers") void ftrailers_drop(h_t h);

IMPORT(HTTP, "[constructor]outgoing-response") h_t outresp_new(h_t headers);
IMPORT(HTTP, "[method]outgoing-response.set-status-code")
int32_t outresp_set_status(h_t self, int32_t s);
IMPORT(HTTP, "[method]outgoing-response.headers") h_t outresp_headers(h_t self);
IMPORT(HTTP, "[method]outgoing-response.body") void outresp_body(h_t self, void *ret);
IMPORT(HTTP, "[method]outgoing-body.write") void outbody_write(h_t self, void *ret);
IMPORT(HTTP, "[static]outgoing-body.finish")
void outbody_finish(h_t self, int32_t has_trailers, h_t trailers, void *ret);
IMPORT(HTTP, "[resource-drop]outgoing-body") void outbody_drop(h_t h);
/* set(param, result<outgoing-response, error-code>), flattened: the
 * result's discriminant, then the join of own (i32) and error-code (its
 * case, then the joined payload: i32, i64, i32, i32, i32, i32). */
IMPORT(HTTP, "[static]response-outparam.set")
void outparam_set(h_t param, int32_t is_err, int32_t v0, int32_t v1, int64_t v2, int32_t v3,
                  int32_t v4, int32_t v5, int32_t v6);
IMPORT(HTTP, "http-error-code") void http_error_code(h_t err, void *ret);

/* ---- outbound: wasi:http/types ----
 *
 * method is (case, string ptr, string len) flat, case 9 being other(string);
 * option<scheme> is (is-some, case, ptr, len), case 2 being other(string);
 * option<string> is (is-some, ptr, len); option<duration> is (is-some, u64).
 * The setters return result (one i32: 0 ok, 1 refused). */
IMPORT(HTTP, "[constructor]outgoing-request") h_t outreq_new(h_t headers);
IMPORT(HTTP, "[method]outgoing-request.body") void outreq_body(h_t self, void *ret);
IMPORT(HTTP, "[method]outgoing-request.headers") h_t outreq_headers(h_t self);
IMPORT(HTTP, "[method]outgoing-request.set-method")
int32_t outreq_set_method(h_t self, int32_t method, const char *other, size_t other_len);
IMPORT(HTTP, "[method]outgoing-request.set-scheme")
int32_t outreq_set_scheme(h_t self, int32_t is_some, int32_t scheme, const char *other,
                          size_t other_len);
IMPORT(HTTP, "[method]outgoing-request.set-authority")
int32_t outreq_set_authority(h_t self, int32_t is_some, const char *p, size_t n);
IMPORT(HTTP, "[method]outgoing-request.set-path-with-query")
int32_t outreq_set_path(h_t self, int32_t is_some, const char *p, size_t n);
IMPORT(HTTP, "[resource-drop]outgoing-request") void outreq_drop(h_t h);

IMPORT(HTTP, "[constructor]request-options") h_t reqopts_new(void);
IMPORT(HTTP, "[method]request-options.set-connect-timeout")
int32_t reqopts_set_connect_timeout(h_t self, int32_t is_some, int64_t ns);
IMPORT(HTTP, "[method]request-options.set-first-byte-timeout")
int32_t reqopts_set_first_byte_timeout(h_t self, int32_t is_some, int64_t ns);
IMPORT(HTTP, "[method]request-options.set-between-bytes-timeout")
int32_t reqopts_set_between_bytes_timeout(h_t self, int32_t is_some, int64_t ns);
IMPORT(HTTP, "[resource-drop]request-options") void reqopts_drop(h_t h);

/* get: option<result<result<incoming-response, error-code>>>: is-some at 0,
 * the outer result's discriminant at 8 (1: already taken), the inner one's
 * at 16, then the response handle (i32) or the error-code at 24. */
IMPORT(HTTP, "[method]future-incoming-response.subscribe") h_t fresp_subscribe(h_t self);
IMPORT(HTTP, "[method]future-incoming-response.get") void fresp_get(h_t self, void *ret);
IMPORT(HTTP, "[resource-drop]future-incoming-response") void fresp_drop(h_t h);

IMPORT(HTTP, "[method]incoming-response.status") int32_t inresp_status(h_t self);
IMPORT(HTTP, "[method]incoming-response.headers") h_t inresp_headers(h_t self);
IMPORT(HTTP, "[method]incoming-response.consume") void inresp_consume(h_t self, void *ret);
IMPORT(HTTP, "[resource-drop]incoming-response") void inresp_drop(h_t h);

/* ---- outbound: wasi:http/outgoing-handler ----
 * handle(own<outgoing-request>, option<own<request-options>>) ->
 * result<own<future-incoming-response>, error-code>: the result's
 * discriminant at 0, the future's handle or the error-code at 8. */
IMPORT(OUTGOING, "handle") void og_handle(h_t req, int32_t has_options, h_t options, void *ret);

/* ---- wasi:io ---- */
IMPORT(STREAMS, "[method]input-stream.read") void is_read(h_t self, int64_t len, void *ret);
IMPORT(STREAMS, "[method]input-stream.subscribe") h_t is_subscribe(h_t self);
IMPORT(STREAMS, "[resource-drop]input-stream") void is_drop(h_t h);
IMPORT(STREAMS, "[method]output-stream.check-write") void os_check_write(h_t self, void *ret);
IMPORT(STREAMS, "[method]output-stream.write")
void os_write(h_t self, const void *p, size_t n, void *ret);
IMPORT(STREAMS, "[method]output-stream.subscribe") h_t os_subscribe(h_t self);
IMPORT(STREAMS, "[resource-drop]output-stream") void os_drop(h_t h);
IMPORT(POLL, "[method]pollable.block") void pollable_block(h_t self);
/* poll(list<borrow<pollable>>) -> list<u32>: the list (ptr, len) at ret */
IMPORT(POLL, "poll") void poll_list(const h_t *pollables, size_t n, void *ret);
IMPORT(POLL, "[resource-drop]pollable") void pollable_drop(h_t h);
IMPORT(IOERR, "[resource-drop]error") void error_drop(h_t h);
IMPORT(CLOCK, "subscribe-duration") h_t clock_after(int64_t ns);

/* The allocator the host lowers strings and lists with. */
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

/* Return areas: generous, 8-aligned. */
static _Alignas(8) uint8_t ret[64];

#define RET_U8(off)  (*(uint8_t *)(ret + (off)))
#define RET_I32(off) (*(int32_t *)(ret + (off)))
#define RET_U64(off) (*(uint64_t *)(ret + (off)))

/* header-error cases and names */
static const char *const header_errors[] = {"invalid-syntax", "forbidden", "immutable"};

/* ---- helpers ---- */

static void block_on(h_t pollable)
{
    pollable_block(pollable);
    pollable_drop(pollable);
}

/* Writes all of p to s, waiting for room as check-write says. 0 on
 * success; else -1 (closed) or the http-error-code case + 1000 of a
 * failure (or 999 when it has none). */
static int stream_error_code(int32_t disc_off)
{
    if (RET_U8(disc_off) == 1)
        return -1; /* closed */
    h_t err = RET_I32(disc_off + 4);
    http_error_code(err, ret);
    int code = RET_U8(0) ? 1000 + RET_U8(8) : 999;
    error_drop(err);
    return code;
}

static int write_all(h_t s, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n) {
        os_check_write(s, ret);
        if (RET_U8(0))
            return stream_error_code(8);
        uint64_t room = RET_U64(8);
        if (room == 0) {
            block_on(os_subscribe(s));
            continue;
        }
        size_t k = n < room ? n : (size_t)room;
        os_write(s, b, k, ret);
        if (RET_U8(0))
            return stream_error_code(4);
        b += k;
        n -= k;
    }
    return 0;
}

/* Reads up to max bytes, waiting while none are there: the count, 0 at the
 * end, or -(1000 + error-code case) on failure (-999 without one). */
static long read_some(h_t s, uint8_t *buf, size_t max)
{
    for (;;) {
        is_read(s, (int64_t)max, ret);
        if (RET_U8(0)) {
            int e = stream_error_code(4);
            return e < 0 ? 0 : -e;
        }
        uint8_t *p = *(uint8_t **)(ret + 4);
        size_t n = *(size_t *)(ret + 8);
        if (n) {
            memcpy(buf, p, n);
            free(p);
            return (long)n;
        }
        /* an empty list: nothing was allocated for it */
        block_on(is_subscribe(s));
    }
}

/* fields.append: -1 for ok, else the header-error case */
static int append(h_t f, const char *name, const char *value)
{
    fields_append(f, name, strlen(name), value, strlen(value), ret);
    return RET_U8(0) ? RET_U8(1) : -1;
}

__attribute__((unused)) static const char *he_name(int e)
{
    return e < 0 ? "ok" : e < 3 ? header_errors[e] : "?";
}

/* error-code case names, in the WIT's order */
__attribute__((unused)) static const char *const error_codes[] = {
    "DNS-timeout",
    "DNS-error",
    "destination-not-found",
    "destination-unavailable",
    "destination-IP-prohibited",
    "destination-IP-unroutable",
    "connection-refused",
    "connection-terminated",
    "connection-timeout",
    "connection-read-timeout",
    "connection-write-timeout",
    "connection-limit-reached",
    "TLS-protocol-error",
    "TLS-certificate-error",
    "TLS-alert-received",
    "HTTP-request-denied",
    "HTTP-request-length-required",
    "HTTP-request-body-size",
    "HTTP-request-method-invalid",
    "HTTP-request-URI-invalid",
    "HTTP-request-URI-too-long",
    "HTTP-request-header-section-size",
    "HTTP-request-header-size",
    "HTTP-request-trailer-section-size",
    "HTTP-request-trailer-size",
    "HTTP-response-incomplete",
    "HTTP-response-header-section-size",
    "HTTP-response-header-size",
    "HTTP-response-body-size",
    "HTTP-response-trailer-section-size",
    "HTTP-response-trailer-size",
    "HTTP-response-transfer-coding",
    "HTTP-response-content-coding",
    "HTTP-response-timeout",
    "HTTP-upgrade-failed",
    "HTTP-protocol-error",
    "loop-detected",
    "configuration-error",
    "internal-error",
};

/* The name of error-code case c ("unknown" past the last one). */
static inline const char *ec_name(int c)
{
    return c >= 0 && c < (int)(sizeof error_codes / sizeof error_codes[0]) ? error_codes[c]
                                                                          : "unknown";
}

/* outgoing-response with headers and status; its body and stream, set at
 * once. */
static void start_response(h_t out, h_t headers, int status, h_t *body, h_t *stream)
{
    h_t resp = outresp_new(headers);
    if (status != 200)
        outresp_set_status(resp, status);
    outresp_body(resp, ret);
    if (RET_U8(0))
        __builtin_trap();
    *body = RET_I32(4);
    outparam_set(out, 0, resp, 0, 0, 0, 0, 0, 0);
    outbody_write(*body, ret);
    if (RET_U8(0))
        __builtin_trap();
    *stream = RET_I32(4);
}

/* finish: -1 ok, else the error-code case */
static int finish(h_t body, h_t trailers)
{
    outbody_finish(body, trailers ? 1 : 0, trailers, ret);
    return RET_U8(0) ? RET_U8(8) : -1;
}

/* A whole response. */
static void respond(h_t out, h_t headers, int status, const void *p, size_t n)
{
    h_t body, s;
    start_response(out, headers, status, &body, &s);
    write_all(s, p, n);
    os_drop(s);
    finish(body, 0);
}

/* ---- text ---- */

typedef struct {
    char *p;
    size_t len, cap;
} buf_t;

static void put(buf_t *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p)
            __builtin_trap();
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void puts_(buf_t *b, const char *s)
{
    put(b, s, strlen(s));
}

static void putu(buf_t *b, uint64_t v)
{
    char t[24];
    int n = 0;
    do
        t[n++] = (char)('0' + v % 10);
    while (v /= 10);
    while (n)
        put(b, &t[--n], 1);
}

/* The number after "key=" in a query, or dflt. */
static uint64_t qnum(const char *path, const char *key, uint64_t dflt)
{
    const char *q = strchr(path, '?');
    size_t kl = strlen(key);
    while (q) {
        q++;
        if (!strncmp(q, key, kl) && q[kl] == '=') {
            uint64_t v = 0;
            for (q += kl + 1; *q >= '0' && *q <= '9'; q++)
                v = v * 10 + (uint64_t)(*q - '0');
            return v;
        }
        q = strchr(q, '&');
    }
    return dflt;
}

#endif
