/*
 * out_guest.c — the outbound wasi:http test guest of
 * tests/http/run_outbound_tests.py: wasi:http/outgoing-handler driven by
 * the inbound request.
 *
 *   /proxy    ONE outbound request, described by the inbound one:
 *               x-target: SCHEME://AUTHORITY/PATH?QUERY   where to (an empty
 *                         authority is left unset)
 *               x-no-scheme: 1            leave the scheme unset
 *               the inbound method; the inbound body streamed into the
 *               outbound one when the inbound request has a body
 *               (Content-Length > 0, or Transfer-Encoding); Content-Length
 *               passed on when present
 *               x-fwd-NAME: V             sent as NAME: V
 *               x-connect-timeout-ms, x-first-byte-timeout-ms,
 *               x-between-bytes-timeout-ms: request-options
 *               x-req-trailer: NAME=VALUE a trailer of the outbound body
 *             The answer: the back end's status, x-backend-status, its
 *             headers as x-b-NAME, its body streamed through (while the
 *             request body still goes up: both ways at once) and its
 *             trailers as the response's. Modes:
 *               x-buffer: 1        the whole body read first, then 200 with
 *                                  it; 502 "body-error=CASE" when it fails
 *               x-drop-after: N    N bytes read, then the stream, body and
 *                                  response dropped: 200 "dropped after N"
 *               x-drop-future: 1   the future dropped at once after handle:
 *                                  200 "dropped future"
 *   /seq?n=N  N outbound GETs to x-target one after another, each body read
 *             whole: "ok n=N bytes=TOTAL"
 *   /par?n=N  N outbound GETs started at once, then awaited together
 *             (wasi:io/poll): "ok n=N"
 *
 * An error from handle() or a future: 502, x-error: CASE, body
 * "error=CASE\n" (CASE: the WIT's name of the error-code case).
 */
#include "http_glue.h"

#define CHUNK 65536
#define MAX_PAR 1024

/* ---- small things ---- */

/* Frees what the host allocated with cabi_realloc (an empty string or list
 * was never allocated). */
static void host_free(void *p, size_t n)
{
    if (n)
        free(p);
}

static char *dup_n(const char *p, size_t n)
{
    char *s = malloc(n + 1);
    if (!s)
        __builtin_trap();
    memcpy(s, p, n);
    s[n] = 0;
    return s;
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int prefix_ci(const char *s, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    if (n < k)
        return 0;
    for (size_t i = 0; i < k; i++)
        if (lower((unsigned char)s[i]) != lower((unsigned char)prefix[i]))
            return 0;
    return 1;
}

static int eq_ci(const char *a, const char *b)
{
    return strlen(a) == strlen(b) && prefix_ci(a, strlen(a), b);
}

static uint64_t num(const char *s)
{
    uint64_t v = 0;
    while (s && *s >= '0' && *s <= '9')
        v = v * 10 + (uint64_t)(*s++ - '0');
    return v;
}

/* The first value of a field as a C string (malloc'd), or NULL. */
static char *field_get(h_t f, const char *name)
{
    fields_get(f, name, strlen(name), ret);
    bytes_t *v = *(bytes_t **)(ret + 0);
    size_t n = *(size_t *)(ret + 4);
    char *out = n ? dup_n((const char *)v[0].ptr, v[0].len) : NULL;
    for (size_t i = 0; i < n; i++)
        host_free(v[i].ptr, v[i].len);
    host_free(v, n);
    return out;
}

/* fields.entries, to be walked as name/value pairs, then entries_free. */
typedef struct {
    str_t *e; /* 2 * n: name, value */
    size_t n;
} entries_t;

static entries_t entries_of(h_t f)
{
    fields_entries(f, ret);
    return (entries_t){*(str_t **)(ret + 0), *(size_t *)(ret + 4)};
}

static void entries_free(entries_t *es)
{
    for (size_t i = 0; i < 2 * es->n; i++)
        host_free((void *)es->e[i].ptr, es->e[i].len);
    host_free(es->e, es->n);
}

static void text_response(h_t out, h_t headers, int status, const buf_t *b)
{
    respond(out, headers ? headers : fields_new(), status, b->p ? b->p : "", b->len);
}

static void answer_text(h_t out, int status, const char *text)
{
    respond(out, fields_new(), status, text, strlen(text));
}

/* 502, x-error: CASE, "error=CASE\n" */
static void answer_error(h_t out, int code)
{
    h_t h = fields_new();
    append(h, "x-error", ec_name(code));
    buf_t b = {0};
    puts_(&b, "error=");
    puts_(&b, ec_name(code));
    puts_(&b, "\n");
    text_response(out, h, 502, &b);
    free(b.p);
}

/* The error-code case of a failed read_some (-1 when the host gave none). */
static int read_error_code(long r)
{
    return r <= -1000 ? (int)(-r - 1000) : -1;
}

/* ---- building a request ---- */

typedef struct {
    h_t req;      /* incoming-request */
    h_t headers;  /* its headers */
    char *target; /* x-target */
} in_t;

/* The outgoing-request for x-target: method (a method case, other_* for
 * case 9), the x-fwd-* fields, Content-Length when cl. 0 and *why set when
 * the target is malformed or a setter refuses. */
static h_t make_request(const in_t *in, int method, const char *other, size_t other_len,
                        int cl, const char **why)
{
    const char *t = in->target;
    const char *sep = t ? strstr(t, "://") : NULL;
    if (!sep) {
        *why = "x-target must be SCHEME://AUTHORITY/PATH";
        return 0;
    }
    const char *auth = sep + 3;
    size_t alen = strcspn(auth, "/?");
    const char *path = auth + alen;

    h_t f = fields_new();
    entries_t es = entries_of(in->headers);
    for (size_t i = 0; i < es.n; i++) {
        const str_t *name = &es.e[2 * i], *value = &es.e[2 * i + 1];
        if (prefix_ci(name->ptr, name->len, "x-fwd-") && name->len > 6)
            fields_append(f, name->ptr + 6, name->len - 6, value->ptr, value->len, ret);
    }
    entries_free(&es);
    if (cl) {
        char *v = field_get(in->headers, "content-length");
        if (v) {
            append(f, "content-length", v);
            free(v);
        }
    }

    h_t rq = outreq_new(f);
    if (outreq_set_method(rq, method, other, other_len)) {
        *why = "set-method refused";
        goto bad;
    }
    char *nsch = field_get(in->headers, "x-no-scheme");
    int no_scheme = nsch != NULL;
    free(nsch);
    if (!no_scheme) {
        size_t sl = (size_t)(sep - t);
        char *scheme = dup_n(t, sl);
        int r = eq_ci(scheme, "http")    ? outreq_set_scheme(rq, 1, 0, NULL, 0)
                : eq_ci(scheme, "https") ? outreq_set_scheme(rq, 1, 1, NULL, 0)
                                         : outreq_set_scheme(rq, 1, 2, scheme, sl);
        free(scheme);
        if (r) {
            *why = "set-scheme refused";
            goto bad;
        }
    }
    if (alen && outreq_set_authority(rq, 1, auth, alen)) {
        *why = "set-authority refused";
        goto bad;
    }
    int r;
    if (*path == '/') {
        r = outreq_set_path(rq, 1, path, strlen(path));
    } else {
        char *p = malloc(strlen(path) + 2);
        if (!p)
            __builtin_trap();
        p[0] = '/';
        strcpy(p + 1, path);
        r = outreq_set_path(rq, 1, p, strlen(p));
        free(p);
    }
    if (r) {
        *why = "set-path-with-query refused";
        goto bad;
    }
    return rq;
bad:
    outreq_drop(rq);
    return 0;
}

/* request-options from the x-*-timeout-ms fields: 1 and *opts when there
 * are any, 0 when none, -1 and *why when a setter refuses. */
static int make_options(const in_t *in, h_t *opts, const char **why)
{
    static const char *const names[3] = {"x-connect-timeout-ms", "x-first-byte-timeout-ms",
                                         "x-between-bytes-timeout-ms"};
    h_t o = 0;
    for (int i = 0; i < 3; i++) {
        char *v = field_get(in->headers, names[i]);
        if (!v)
            continue;
        int64_t ns = (int64_t)num(v) * 1000000;
        free(v);
        if (!o)
            o = reqopts_new();
        int r = i == 0   ? reqopts_set_connect_timeout(o, 1, ns)
                : i == 1 ? reqopts_set_first_byte_timeout(o, 1, ns)
                         : reqopts_set_between_bytes_timeout(o, 1, ns);
        if (r) {
            *why = "a request-options setter refused";
            reqopts_drop(o);
            return -1;
        }
    }
    *opts = o;
    return o != 0;
}

/* handle(): the future, or -1 - error-code case. */
static h_t send_request(h_t rq, int has_opts, h_t opts)
{
    og_handle(rq, has_opts, opts, ret);
    if (RET_U8(0))
        return -1 - RET_U8(8);
    return RET_I32(8);
}

/* A resolved future's result: 1 and *resp, or 0 and *code; -1 while it is
 * not resolved. */
static int future_result(h_t fut, h_t *resp, int *code)
{
    fresp_get(fut, ret);
    if (!RET_U8(0))
        return -1;
    if (RET_U8(8))
        __builtin_trap(); /* taken twice: a guest bug */
    if (RET_U8(16)) {
        *code = RET_U8(24);
        return 0;
    }
    *resp = RET_I32(24);
    return 1;
}

/* Waits on the pollables (then drops them). */
static void wait_any(h_t *ps, size_t n)
{
    poll_list(ps, n, ret);
    host_free(*(void **)(ret + 0), *(size_t *)(ret + 4) * 4);
    for (size_t i = 0; i < n; i++)
        pollable_drop(ps[i]);
}

/* A response's body read whole: the byte count, or -1 and *code. */
static int64_t drain_response(h_t resp, int *code)
{
    static uint8_t buf[CHUNK];
    inresp_consume(resp, ret);
    if (RET_U8(0))
        __builtin_trap();
    h_t body = RET_I32(4);
    inbody_stream(body, ret);
    if (RET_U8(0))
        __builtin_trap();
    h_t s = RET_I32(4);
    int64_t total = 0;
    long n;
    while ((n = read_some(s, buf, sizeof buf)) > 0)
        total += n;
    is_drop(s);
    inbody_drop(body);
    if (n < 0) {
        *code = read_error_code(n);
        return -1;
    }
    return total;
}

/* ---- /proxy ---- */

enum { MODE_STREAM, MODE_BUFFER, MODE_DROP_AFTER };

typedef struct {
    /* up: the inbound body into the outbound one */
    int up;                /* still going */
    h_t up_in_body, up_in; /* incoming-body and its stream */
    h_t up_body, up_out;   /* outgoing-body and its stream */
    uint8_t *up_buf;       /* read, not all written yet (host-allocated) */
    size_t up_len, up_off;
    char *trailer; /* x-req-trailer */

    h_t fut; /* 0 once resolved */
    int fut_code;

    /* down: the back end's body to the client (or to memory) */
    int mode;
    uint64_t drop_after;
    int down; /* still going */
    h_t resp, dn_body, dn_in;
    h_t cl_body, cl_out; /* the client's response body (MODE_STREAM) */
    uint8_t *dn_buf;
    size_t dn_len, dn_off;
    uint64_t dn_total;
    int dn_code; /* -2: fine; else the failure (-1: unknown) */
    buf_t whole; /* MODE_BUFFER */
    h_t status_headers; /* MODE_BUFFER: the fields of the answer */
    int status;
} pump_t;

/* Stops the upload: with finish (and the trailer) when ok, else by dropping
 * the outgoing-body (the request is then incomplete). */
static void up_stop(pump_t *p, int ok)
{
    if (!p->up)
        return;
    p->up = 0;
    if (p->up_in) {
        is_drop(p->up_in);
        p->up_in = 0;
    }
    if (p->up_in_body) {
        inbody_drop(p->up_in_body);
        p->up_in_body = 0;
    }
    host_free(p->up_buf, p->up_len);
    p->up_buf = NULL;
    p->up_len = p->up_off = 0;
    os_drop(p->up_out);
    if (ok) {
        h_t t = 0;
        if (p->trailer) {
            char *eq = strchr(p->trailer, '=');
            t = fields_new();
            if (eq) {
                *eq = 0;
                append(t, p->trailer, eq + 1);
            }
        }
        finish(p->up_body, t);
    } else {
        outbody_drop(p->up_body);
    }
}

/* One non-blocking step of the upload; 1 when something moved. */
static int up_step(pump_t *p)
{
    if (!p->up)
        return 0;
    if (p->up_off == p->up_len) {
        host_free(p->up_buf, p->up_len);
        p->up_buf = NULL;
        p->up_len = p->up_off = 0;
        is_read(p->up_in, CHUNK, ret);
        if (RET_U8(0)) {
            int closed = RET_U8(4) == 1;
            if (!closed)
                error_drop(RET_I32(8));
            up_stop(p, closed);
            return 1;
        }
        p->up_buf = *(uint8_t **)(ret + 4);
        p->up_len = *(size_t *)(ret + 8);
        if (!p->up_len)
            return 0;
    }
    os_check_write(p->up_out, ret);
    if (RET_U8(0)) {
        if (RET_U8(8) == 0)
            error_drop(RET_I32(12));
        up_stop(p, 0); /* the request failed: the future says why */
        return 1;
    }
    uint64_t room = RET_U64(8);
    if (!room)
        return 0;
    size_t k = p->up_len - p->up_off;
    if (k > room)
        k = (size_t)room;
    os_write(p->up_out, p->up_buf + p->up_off, k, ret);
    if (RET_U8(0)) {
        if (RET_U8(4) == 0)
            error_drop(RET_I32(8));
        up_stop(p, 0);
        return 1;
    }
    p->up_off += k;
    return 1;
}

/* The back end's response arrived: the client's answer starts (streaming)
 * or its fields are kept (buffer), and its body is opened. */
static void down_start(pump_t *p, h_t out)
{
    h_t resp = p->resp;
    p->status = inresp_status(resp);
    h_t rh = fields_new();
    buf_t v = {0};
    putu(&v, (uint64_t)p->status);
    append(rh, "x-backend-status", v.p);
    free(v.p);
    h_t bh = inresp_headers(resp);
    entries_t es = entries_of(bh);
    for (size_t i = 0; i < es.n; i++) {
        buf_t name = {0};
        puts_(&name, "x-b-");
        put(&name, es.e[2 * i].ptr, es.e[2 * i].len);
        /* a field the host refuses is left out */
        fields_append(rh, name.p, name.len, es.e[2 * i + 1].ptr, es.e[2 * i + 1].len, ret);
        free(name.p);
    }
    entries_free(&es);
    fields_drop(bh);

    inresp_consume(resp, ret);
    if (RET_U8(0))
        __builtin_trap();
    p->dn_body = RET_I32(4);
    inbody_stream(p->dn_body, ret);
    if (RET_U8(0))
        __builtin_trap();
    p->dn_in = RET_I32(4);
    p->down = 1;
    p->dn_code = -2;

    if (p->mode == MODE_STREAM) {
        int st = p->status >= 200 && p->status <= 599 ? p->status : 502;
        start_response(out, rh, st, &p->cl_body, &p->cl_out);
    } else if (p->mode == MODE_BUFFER) {
        p->status_headers = rh;
    } else {
        fields_drop(rh);
    }
}

/* Ends the download: closes the back end's side; the client's response is
 * finished (with the back end's trailers) or cut. */
static void down_stop(pump_t *p)
{
    p->down = 0;
    host_free(p->dn_buf, p->dn_len);
    p->dn_buf = NULL;
    p->dn_len = p->dn_off = 0;
    is_drop(p->dn_in);
    h_t trailers = 0;
    if (p->dn_code == -2 && p->mode != MODE_DROP_AFTER) {
        h_t ft = inbody_finish(p->dn_body);
        block_on(ftrailers_subscribe(ft));
        ftrailers_get(ft, ret);
        if (RET_U8(0) && !RET_U8(8)) {
            if (RET_U8(16)) {
                p->dn_code = RET_U8(24);
            } else if (RET_U8(24)) {
                h_t theirs = RET_I32(28);
                trailers = fields_clone(theirs);
                fields_drop(theirs);
            }
        }
        ftrailers_drop(ft);
    } else {
        inbody_drop(p->dn_body);
    }
    inresp_drop(p->resp);
    p->resp = 0;
    if (p->mode == MODE_STREAM) {
        os_drop(p->cl_out);
        if (p->dn_code == -2) {
            finish(p->cl_body, trailers);
        } else {
            if (trailers)
                fields_drop(trailers);
            outbody_drop(p->cl_body); /* the client sees a cut body */
        }
    } else if (trailers) {
        fields_drop(trailers);
    }
}

/* One non-blocking step of the download; 1 when something moved. */
static int down_step(pump_t *p)
{
    if (!p->down)
        return 0;
    if (p->dn_off == p->dn_len) {
        host_free(p->dn_buf, p->dn_len);
        p->dn_buf = NULL;
        p->dn_len = p->dn_off = 0;
        uint64_t want = CHUNK;
        if (p->mode == MODE_DROP_AFTER) {
            if (p->dn_total >= p->drop_after) {
                down_stop(p);
                return 1;
            }
            if (p->drop_after - p->dn_total < want)
                want = p->drop_after - p->dn_total;
        }
        is_read(p->dn_in, (int64_t)want, ret);
        if (RET_U8(0)) {
            if (RET_U8(4) == 0) {
                h_t err = RET_I32(8);
                http_error_code(err, ret);
                p->dn_code = RET_U8(0) ? RET_U8(8) : -1;
                error_drop(err);
            }
            down_stop(p);
            return 1;
        }
        p->dn_buf = *(uint8_t **)(ret + 4);
        p->dn_len = *(size_t *)(ret + 8);
        if (!p->dn_len)
            return 0;
        p->dn_total += p->dn_len;
    }
    if (p->mode != MODE_STREAM) {
        if (p->mode == MODE_BUFFER)
            put(&p->whole, (const char *)p->dn_buf + p->dn_off, p->dn_len - p->dn_off);
        p->dn_off = p->dn_len;
        return 1;
    }
    os_check_write(p->cl_out, ret);
    if (RET_U8(0)) {
        if (RET_U8(8) == 0)
            error_drop(RET_I32(12));
        p->dn_code = 7; /* the client left: connection-terminated */
        down_stop(p);
        return 1;
    }
    uint64_t room = RET_U64(8);
    if (!room)
        return 0;
    size_t k = p->dn_len - p->dn_off;
    if (k > room)
        k = (size_t)room;
    os_write(p->cl_out, p->dn_buf + p->dn_off, k, ret);
    if (RET_U8(0)) {
        if (RET_U8(4) == 0)
            error_drop(RET_I32(8));
        p->dn_code = 7;
        down_stop(p);
        return 1;
    }
    p->dn_off += k;
    return 1;
}

/* What the pump waits for next (each pollable is dropped after the wait). */
static void pump_wait(pump_t *p)
{
    h_t ps[3];
    size_t n = 0;
    if (p->up)
        ps[n++] = p->up_off == p->up_len ? is_subscribe(p->up_in) : os_subscribe(p->up_out);
    if (p->fut)
        ps[n++] = fresp_subscribe(p->fut);
    if (p->down)
        ps[n++] = p->dn_off == p->dn_len ? is_subscribe(p->dn_in) : os_subscribe(p->cl_out);
    if (n)
        wait_any(ps, n);
}

static void handle_proxy(const in_t *in, h_t out)
{
    pump_t p;
    memset(&p, 0, sizeof p);
    const char *why = NULL;

    /* the body, if the inbound request has one */
    char *cl = field_get(in->headers, "content-length");
    int has_body = (cl && num(cl) > 0) || fields_has(in->headers, "transfer-encoding", 17);
    free(cl);
    p.trailer = field_get(in->headers, "x-req-trailer");

    inreq_method(in->req, ret);
    int method = RET_U8(0);
    const char *other = method == 9 ? *(const char **)(ret + 4) : NULL;
    size_t other_len = method == 9 ? *(size_t *)(ret + 8) : 0;
    h_t rq = make_request(in, method, other, other_len, 1, &why);
    if (!rq) {
        answer_text(out, 400, why);
        return;
    }
    h_t opts = 0;
    int has_opts = make_options(in, &opts, &why);
    if (has_opts < 0) {
        outreq_drop(rq);
        answer_text(out, 400, why);
        return;
    }
    if (has_body || p.trailer) {
        outreq_body(rq, ret);
        if (RET_U8(0))
            __builtin_trap();
        p.up_body = RET_I32(4);
        outbody_write(p.up_body, ret);
        if (RET_U8(0))
            __builtin_trap();
        p.up_out = RET_I32(4);
        p.up = 1;
        if (has_body) {
            inreq_consume(in->req, ret);
            if (RET_U8(0))
                __builtin_trap();
            p.up_in_body = RET_I32(4);
            inbody_stream(p.up_in_body, ret);
            if (RET_U8(0))
                __builtin_trap();
            p.up_in = RET_I32(4);
        }
    }

    h_t fut = send_request(rq, has_opts, opts);
    if (fut < 0) {
        up_stop(&p, 0);
        answer_error(out, -1 - fut);
        return;
    }
    char *v = field_get(in->headers, "x-drop-future");
    if (v) {
        free(v);
        fresp_drop(fut);
        up_stop(&p, 0);
        answer_text(out, 200, "dropped future");
        return;
    }
    if (!p.up_in && p.up)
        up_stop(&p, 1); /* no body to send, only the trailer */
    p.fut = fut;
    p.mode = MODE_STREAM;
    if ((v = field_get(in->headers, "x-buffer"))) {
        p.mode = MODE_BUFFER;
        free(v);
    }
    if ((v = field_get(in->headers, "x-drop-after"))) {
        p.mode = MODE_DROP_AFTER;
        p.drop_after = num(v);
        free(v);
    }

    int answered = 0;
    for (;;) {
        int moved = up_step(&p);
        if (p.fut) {
            int r = future_result(p.fut, &p.resp, &p.fut_code);
            if (r >= 0) {
                fresp_drop(p.fut);
                p.fut = 0;
                moved = 1;
                if (r == 0) {
                    up_stop(&p, 0);
                    answer_error(out, p.fut_code);
                    answered = 1;
                    break;
                }
                down_start(&p, out);
            }
        }
        moved |= down_step(&p);
        if (!p.up && !p.fut && !p.down)
            break;
        if (!moved)
            pump_wait(&p);
    }
    free(p.trailer);
    if (answered || p.mode == MODE_STREAM)
        return;
    buf_t b = {0};
    if (p.mode == MODE_DROP_AFTER) {
        puts_(&b, p.dn_total >= p.drop_after ? "dropped after " : "ended after ");
        putu(&b, p.dn_total);
        text_response(out, 0, 200, &b);
    } else if (p.dn_code != -2) {
        fields_drop(p.status_headers);
        h_t h = fields_new();
        append(h, "x-body-error", ec_name(p.dn_code));
        puts_(&b, "body-error=");
        puts_(&b, ec_name(p.dn_code));
        text_response(out, h, 502, &b);
    } else {
        text_response(out, p.status_headers, 200, &p.whole);
    }
    free(b.p);
    free(p.whole.p);
}

/* ---- /seq and /par ---- */

/* A GET to x-target with the x-fwd-* fields and the options asked for; the
 * future, or -1 - case, or 0 with *why. */
static h_t start_get(const in_t *in, const char **why)
{
    h_t rq = make_request(in, 0, NULL, 0, 0, why);
    if (!rq)
        return 0;
    h_t opts = 0;
    int has_opts = make_options(in, &opts, why);
    if (has_opts < 0) {
        outreq_drop(rq);
        return 0;
    }
    return send_request(rq, has_opts, opts);
}

static void handle_seq(const in_t *in, h_t out, const char *path)
{
    uint64_t n = qnum(path, "n", 1), total = 0;
    const char *why = NULL;
    for (uint64_t i = 0; i < n; i++) {
        h_t fut = start_get(in, &why);
        if (!fut) {
            answer_text(out, 400, why);
            return;
        }
        if (fut < 0) {
            answer_error(out, -1 - fut);
            return;
        }
        h_t resp = 0;
        int code = -1, r;
        while ((r = future_result(fut, &resp, &code)) < 0)
            block_on(fresp_subscribe(fut));
        fresp_drop(fut);
        if (!r) {
            answer_error(out, code);
            return;
        }
        int64_t got = drain_response(resp, &code);
        inresp_drop(resp);
        if (got < 0) {
            answer_error(out, code);
            return;
        }
        total += (uint64_t)got;
    }
    buf_t b = {0};
    puts_(&b, "ok n=");
    putu(&b, n);
    puts_(&b, " bytes=");
    putu(&b, total);
    text_response(out, 0, 200, &b);
    free(b.p);
}

static void handle_par(const in_t *in, h_t out, const char *path)
{
    static h_t futs[MAX_PAR];
    static h_t ps[MAX_PAR];
    uint64_t n = qnum(path, "n", 1);
    if (n > MAX_PAR) {
        answer_text(out, 400, "n too large");
        return;
    }
    const char *why = NULL;
    int failed = 0, first = -1; /* the first failure's error-code case */
    size_t started = 0;
    while (started < n) {
        h_t fut = start_get(in, &why);
        if (!fut) {
            answer_text(out, 400, why);
            for (size_t i = 0; i < started; i++)
                fresp_drop(futs[i]);
            return;
        }
        if (fut < 0) {
            failed = 1;
            first = -1 - fut;
            break;
        }
        futs[started++] = fut;
    }
    size_t pending = started;
    while (pending) {
        size_t k = 0;
        for (size_t i = 0; i < started; i++)
            if (futs[i])
                ps[k++] = fresp_subscribe(futs[i]);
        wait_any(ps, k);
        for (size_t i = 0; i < started; i++) {
            if (!futs[i])
                continue;
            h_t resp = 0;
            int code = -1;
            int r = future_result(futs[i], &resp, &code);
            if (r < 0)
                continue;
            fresp_drop(futs[i]);
            futs[i] = 0;
            pending--;
            if (r && drain_response(resp, &code) >= 0)
                code = -2;
            if (r)
                inresp_drop(resp);
            if (code != -2 && !failed) {
                failed = 1;
                first = code;
            }
        }
    }
    if (failed) {
        answer_error(out, first);
        return;
    }
    buf_t b = {0};
    puts_(&b, "ok n=");
    putu(&b, n);
    text_response(out, 0, 200, &b);
    free(b.p);
}

EXPORT("wasi:http/incoming-handler@0.2.12#handle")
void handle(h_t req, h_t out)
{
    char path[2048] = "";
    inreq_path(req, ret);
    if (RET_U8(0)) {
        const char *p = *(const char **)(ret + 4);
        size_t n = *(size_t *)(ret + 8);
        size_t k = n < sizeof path ? n : sizeof path - 1;
        memcpy(path, p, k);
        path[k] = 0;
        host_free((void *)p, n);
    }
    in_t in = {req, inreq_headers(req), NULL};
    in.target = field_get(in.headers, "x-target");
#define ROUTE(p) (!strncmp(path, p, strlen(p)) && (path[strlen(p)] == 0 || path[strlen(p)] == '?'))
    if (!in.target && (ROUTE("/proxy") || ROUTE("/seq") || ROUTE("/par")))
        answer_text(out, 400, "x-target missing");
    else if (ROUTE("/proxy"))
        handle_proxy(&in, out);
    else if (ROUTE("/seq"))
        handle_seq(&in, out, path);
    else if (ROUTE("/par"))
        handle_par(&in, out, path);
    else if (ROUTE("/"))
        answer_text(out, 200, "out guest\n");
    else
        answer_text(out, 404, "not found\n");
    free(in.target);
    fields_drop(in.headers);
    inreq_drop(req);
}
