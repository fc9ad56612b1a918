/*
 * out_guest.c — the outbound wasi:http test guest of
 * tests/wasihttp/run_outbound_tests.py: wasi:http/outgoing-handler driven by
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
 *               x-take-body: 1     the outbound body taken (though the
 *                                  inbound request has none) and finished
 *                                  empty right after handle, as many
 *                                  toolchains' bindings do
 *               x-take-body: late  the same, finished only once the
 *                                  response came
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
#define WASI_GLUE_VERSION "0.2.12"

#include "text.h"
#include "wasi_http.h"

#define CHUNK   65536
#define MAX_PAR 1024

/* ---- small things ---- */

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
static char *field_get(handle f, const char *name)
{
    fields_get(f, name, strlen(name), ret);
    const bytes_t *v = ret_ptr(0);
    size_t n = ret_u32(4);
    char *out = n ? dup_n((const char *)v[0].ptr, v[0].len) : NULL;
    for (size_t i = 0; i < n; i++)
        cabi_free(v[i].ptr, v[i].len);
    cabi_free(v, n);
    return out;
}

static void text_response(handle out, handle headers, int status, const text_t *b)
{
    respond(out, headers ? headers : fields_new(), status, b->p ? b->p : "", b->len);
}

static void answer_text(handle out, int status, const char *text)
{
    respond(out, fields_new(), status, text, strlen(text));
}

/* 502, x-error: CASE, "error=CASE\n" */
static void answer_error(handle out, int code)
{
    handle h = fields_new();
    append_field(h, "x-error", error_code_name(code));
    text_t b = {0};
    text_str(&b, "error=");
    text_str(&b, error_code_name(code));
    text_str(&b, "\n");
    text_response(out, h, 502, &b);
    free(b.p);
}

/* ---- building a request ---- */

typedef struct {
    handle req;     /* incoming-request */
    handle headers; /* its headers */
    char *target;   /* x-target */
} in_t;

/* The outgoing-request for x-target: method (a method case, other_* for
 * case 9), the x-fwd-* fields, Content-Length when cl. 0 and *why set when
 * the target is malformed or a setter refuses. */
static handle make_request(const in_t *in, int method, const char *other, size_t other_len, int cl,
                           const char **why)
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

    handle f = fields_new();
    size_t n;
    field_entry_t *es = field_entries(in->headers, &n);
    for (size_t i = 0; i < n; i++) {
        str_t name = es[i].name;
        bytes_t value = es[i].value;
        if (prefix_ci(name.ptr, name.len, "x-fwd-") && name.len > 6)
            fields_append(f, name.ptr + 6, name.len - 6, value.ptr, value.len, ret);
    }
    cabi_free_pairs(es, n);
    if (cl) {
        char *v = field_get(in->headers, "content-length");
        if (v) {
            append_field(f, "content-length", v);
            free(v);
        }
    }

    handle rq = outgoing_request_new(f);
    if (outgoing_request_set_method(rq, method, other, other_len)) {
        *why = "set-method refused";
        goto bad;
    }
    char *nsch = field_get(in->headers, "x-no-scheme");
    int no_scheme = nsch != NULL;
    free(nsch);
    if (!no_scheme) {
        size_t sl = (size_t)(sep - t);
        char *scheme = dup_n(t, sl);
        int r = eq_ci(scheme, "http")    ? outgoing_request_set_scheme(rq, 1, 0, NULL, 0)
                : eq_ci(scheme, "https") ? outgoing_request_set_scheme(rq, 1, 1, NULL, 0)
                                         : outgoing_request_set_scheme(rq, 1, 2, scheme, sl);
        free(scheme);
        if (r) {
            *why = "set-scheme refused";
            goto bad;
        }
    }
    if (alen && outgoing_request_set_authority(rq, 1, auth, alen)) {
        *why = "set-authority refused";
        goto bad;
    }
    int r;
    if (*path == '/') {
        r = outgoing_request_set_path_with_query(rq, 1, path, strlen(path));
    } else {
        char *p = malloc(strlen(path) + 2);
        if (!p)
            __builtin_trap();
        p[0] = '/';
        strcpy(p + 1, path);
        r = outgoing_request_set_path_with_query(rq, 1, p, strlen(p));
        free(p);
    }
    if (r) {
        *why = "set-path-with-query refused";
        goto bad;
    }
    return rq;
bad:
    outgoing_request_drop(rq);
    return 0;
}

/* request-options from the x-*-timeout-ms fields: 1 and *opts when there
 * are any, 0 when none, -1 and *why when a setter refuses. */
static int make_options(const in_t *in, handle *opts, const char **why)
{
    static const char *const names[3] = {"x-connect-timeout-ms", "x-first-byte-timeout-ms",
                                         "x-between-bytes-timeout-ms"};
    handle o = 0;
    for (int i = 0; i < 3; i++) {
        char *v = field_get(in->headers, names[i]);
        if (!v)
            continue;
        int64_t ns = (int64_t)num(v) * 1000000;
        free(v);
        if (!o)
            o = request_options_new();
        int r = i == 0   ? request_options_set_connect_timeout(o, 1, ns)
                : i == 1 ? request_options_set_first_byte_timeout(o, 1, ns)
                         : request_options_set_between_bytes_timeout(o, 1, ns);
        if (r) {
            *why = "a request-options setter refused";
            request_options_drop(o);
            return -1;
        }
    }
    *opts = o;
    return o != 0;
}

/* Waits on the pollables (then drops them). */
static void wait_any(handle *ps, size_t n)
{
    poll_list(ps, n, ret);
    cabi_free(ret_ptr(0), ret_u32(4));
    for (size_t i = 0; i < n; i++)
        pollable_drop(ps[i]);
}

/* A response's body read whole: the byte count, or -1 and *code. */
static int64_t drain_response(handle resp, int *code)
{
    static uint8_t buf[CHUNK];
    handle body = consume_response_body(resp);
    handle s = body_input_stream(body);
    int64_t total = 0;
    size_t n;
    handle err = 0;
    stream_status_t st;
    while ((st = read_some(s, buf, sizeof buf, &n, &err)) == STREAM_OK)
        total += (int64_t)n;
    if (st == STREAM_FAILED)
        *code = stream_error_code(err);
    input_stream_drop(s);
    incoming_body_drop(body);
    return st == STREAM_FAILED ? -1 : total;
}

/* ---- /proxy ---- */

enum { MODE_STREAM, MODE_BUFFER, MODE_DROP_AFTER };

typedef struct {
    /* up: the inbound body into the outbound one */
    int up;                   /* still going */
    handle up_in_body, up_in; /* incoming-body and its stream */
    handle up_body, up_out;   /* outgoing-body and its stream */
    const uint8_t *up_buf;    /* read, not all written yet (host-allocated) */
    size_t up_len, up_off;
    char *trailer; /* x-req-trailer */
    int late;      /* x-take-body: late (finish the empty body once the response came) */

    handle fut; /* 0 once resolved */
    int fut_code;

    /* down: the back end's body to the client (or to memory) */
    int mode;
    uint64_t drop_after;
    int down; /* still going */
    handle resp, dn_body, dn_in;
    handle cl_body, cl_out; /* the client's response body (MODE_STREAM) */
    const uint8_t *dn_buf;
    size_t dn_len, dn_off;
    uint64_t dn_total;
    int dn_code;           /* -2: fine; else the failure (-1: unknown) */
    text_t whole;          /* MODE_BUFFER */
    handle status_headers; /* MODE_BUFFER: the fields of the answer */
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
        input_stream_drop(p->up_in);
        p->up_in = 0;
    }
    if (p->up_in_body) {
        incoming_body_drop(p->up_in_body);
        p->up_in_body = 0;
    }
    cabi_free(p->up_buf, p->up_len);
    p->up_buf = NULL;
    p->up_len = p->up_off = 0;
    output_stream_drop(p->up_out);
    if (ok) {
        handle t = 0;
        if (p->trailer) {
            char *eq = strchr(p->trailer, '=');
            t = fields_new();
            if (eq) {
                *eq = 0;
                append_field(t, p->trailer, eq + 1);
            }
        }
        finish_body(p->up_body, t);
    } else {
        outgoing_body_drop(p->up_body);
    }
}

/* One non-blocking step of the upload; 1 when something moved. */
static int up_step(pump_t *p)
{
    if (!p->up || !p->up_in) /* no inbound body: finished elsewhere */
        return 0;
    if (p->up_off == p->up_len) {
        cabi_free(p->up_buf, p->up_len);
        p->up_buf = NULL;
        p->up_len = p->up_off = 0;
        bytes_t chunk;
        stream_status_t st = read_chunk(p->up_in, CHUNK, &chunk, NULL);
        if (st != STREAM_OK) {
            up_stop(p, st == STREAM_CLOSED);
            return 1;
        }
        p->up_buf = chunk.ptr;
        p->up_len = chunk.len;
        if (!p->up_len)
            return 0;
    }
    size_t k;
    if (write_some(p->up_out, p->up_buf + p->up_off, p->up_len - p->up_off, &k, NULL) !=
        STREAM_OK) {
        up_stop(p, 0); /* the request failed: the future says why */
        return 1;
    }
    p->up_off += k;
    return k > 0;
}

/* The back end's response arrived: the client's answer starts (streaming)
 * or its fields are kept (buffer), and its body is opened. */
static void down_start(pump_t *p, handle out)
{
    handle resp = p->resp;
    p->status = incoming_response_status(resp);
    handle rh = fields_new();
    text_t v = {0};
    text_u64(&v, (uint64_t)p->status);
    append_field(rh, "x-backend-status", v.p);
    free(v.p);
    handle bh = incoming_response_headers(resp);
    size_t n;
    field_entry_t *es = field_entries(bh, &n);
    for (size_t i = 0; i < n; i++) {
        text_t name = {0};
        text_str(&name, "x-b-");
        text_add(&name, es[i].name.ptr, es[i].name.len);
        /* a field the host refuses is left out */
        fields_append(rh, name.p, name.len, es[i].value.ptr, es[i].value.len, ret);
        free(name.p);
    }
    cabi_free_pairs(es, n);
    fields_drop(bh);

    p->dn_body = consume_response_body(resp);
    p->dn_in = body_input_stream(p->dn_body);
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
    cabi_free(p->dn_buf, p->dn_len);
    p->dn_buf = NULL;
    p->dn_len = p->dn_off = 0;
    input_stream_drop(p->dn_in);
    handle trailers = 0;
    if (p->dn_code == -2 && p->mode != MODE_DROP_AFTER) {
        handle ft = incoming_body_finish(p->dn_body);
        block_on(future_trailers_subscribe(ft));
        future_trailers_get(ft, ret);
        if (ret_u8(0) && !ret_u8(8)) {
            if (ret_u8(16)) {
                p->dn_code = ret_u8(24);
            } else if (ret_u8(24)) {
                handle theirs = ret_handle(28);
                trailers = fields_clone(theirs);
                fields_drop(theirs);
            }
        }
        future_trailers_drop(ft);
    } else {
        incoming_body_drop(p->dn_body);
    }
    incoming_response_drop(p->resp);
    p->resp = 0;
    if (p->mode == MODE_STREAM) {
        output_stream_drop(p->cl_out);
        if (p->dn_code == -2) {
            finish_body(p->cl_body, trailers);
        } else {
            if (trailers)
                fields_drop(trailers);
            outgoing_body_drop(p->cl_body); /* the client sees a cut body */
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
        cabi_free(p->dn_buf, p->dn_len);
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
        bytes_t chunk;
        handle err = 0;
        stream_status_t st = read_chunk(p->dn_in, want, &chunk, &err);
        if (st != STREAM_OK) {
            if (st == STREAM_FAILED)
                p->dn_code = stream_error_code(err);
            down_stop(p);
            return 1;
        }
        p->dn_buf = chunk.ptr;
        p->dn_len = chunk.len;
        if (!p->dn_len)
            return 0;
        p->dn_total += p->dn_len;
    }
    if (p->mode != MODE_STREAM) {
        if (p->mode == MODE_BUFFER)
            text_add(&p->whole, (const char *)p->dn_buf + p->dn_off, p->dn_len - p->dn_off);
        p->dn_off = p->dn_len;
        return 1;
    }
    size_t k;
    if (write_some(p->cl_out, p->dn_buf + p->dn_off, p->dn_len - p->dn_off, &k, NULL) !=
        STREAM_OK) {
        p->dn_code = 7; /* the client left: connection-terminated */
        down_stop(p);
        return 1;
    }
    p->dn_off += k;
    return k > 0;
}

/* What the pump waits for next (each pollable is dropped after the wait). */
static void pump_wait(pump_t *p)
{
    handle ps[3];
    size_t n = 0;
    if (p->up && p->up_in)
        ps[n++] = p->up_off == p->up_len ? input_stream_subscribe(p->up_in)
                                         : output_stream_subscribe(p->up_out);
    if (p->fut)
        ps[n++] = future_incoming_response_subscribe(p->fut);
    if (p->down)
        ps[n++] = p->dn_off == p->dn_len ? input_stream_subscribe(p->dn_in)
                                         : output_stream_subscribe(p->cl_out);
    if (n)
        wait_any(ps, n);
}

static void handle_proxy(const in_t *in, handle out)
{
    pump_t p;
    memset(&p, 0, sizeof p);
    const char *why = NULL;

    /* the body, if the inbound request has one */
    char *cl = field_get(in->headers, "content-length");
    int has_body = (cl && num(cl) > 0) || fields_has(in->headers, "transfer-encoding", 17);
    free(cl);
    p.trailer = field_get(in->headers, "x-req-trailer");
    char *take = field_get(in->headers, "x-take-body");
    int take_body = take != NULL;
    p.late = take && strcmp(take, "late") == 0;
    free(take);

    incoming_request_method(in->req, ret);
    int method = ret_u8(0);
    const char *other = method == 9 ? ret_ptr(4) : NULL;
    size_t other_len = method == 9 ? ret_u32(8) : 0;
    handle rq = make_request(in, method, other, other_len, 1, &why);
    if (!rq) {
        answer_text(out, 400, why);
        return;
    }
    handle opts = 0;
    int has_opts = make_options(in, &opts, &why);
    if (has_opts < 0) {
        outgoing_request_drop(rq);
        answer_text(out, 400, why);
        return;
    }
    if (has_body || p.trailer || take_body) {
        outgoing_request_body(rq, ret);
        if (ret_u8(0))
            __builtin_trap();
        p.up_body = ret_handle(4);
        p.up_out = body_output_stream(p.up_body);
        p.up = 1;
        if (has_body) {
            p.up_in_body = consume_request_body(in->req);
            if (!p.up_in_body)
                __builtin_trap();
            p.up_in = body_input_stream(p.up_in_body);
        }
    }

    handle fut;
    int code = send_request(rq, opts, &fut);
    if (code >= 0) {
        up_stop(&p, 0);
        answer_error(out, code);
        return;
    }
    char *v = field_get(in->headers, "x-drop-future");
    if (v) {
        free(v);
        future_incoming_response_drop(fut);
        up_stop(&p, 0);
        answer_text(out, 200, "dropped future");
        return;
    }
    if (!p.up_in && p.up && !p.late)
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
            if (future_response_ready(p.fut, &p.resp, &p.fut_code)) {
                future_incoming_response_drop(p.fut);
                p.fut = 0;
                moved = 1;
                if (p.late)
                    up_stop(&p, 1);
                if (p.fut_code >= 0) {
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
    text_t b = {0};
    if (p.mode == MODE_DROP_AFTER) {
        text_str(&b, p.dn_total >= p.drop_after ? "dropped after " : "ended after ");
        text_u64(&b, p.dn_total);
        text_response(out, 0, 200, &b);
    } else if (p.dn_code != -2) {
        fields_drop(p.status_headers);
        handle h = fields_new();
        append_field(h, "x-body-error", error_code_name(p.dn_code));
        text_str(&b, "body-error=");
        text_str(&b, error_code_name(p.dn_code));
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
static handle start_get(const in_t *in, const char **why)
{
    handle rq = make_request(in, 0, NULL, 0, 0, why);
    if (!rq)
        return 0;
    handle opts = 0;
    if (make_options(in, &opts, why) < 0) {
        outgoing_request_drop(rq);
        return 0;
    }
    handle fut;
    int code = send_request(rq, opts, &fut);
    return code < 0 ? fut : -1 - code;
}

static void handle_seq(const in_t *in, handle out, const char *path)
{
    uint64_t n = query_u64(path, "n", 1), total = 0;
    const char *why = NULL;
    for (uint64_t i = 0; i < n; i++) {
        handle fut = start_get(in, &why);
        if (!fut) {
            answer_text(out, 400, why);
            return;
        }
        if (fut < 0) {
            answer_error(out, -1 - fut);
            return;
        }
        handle resp = 0;
        int code;
        future_response_wait(fut, &resp, &code);
        future_incoming_response_drop(fut);
        if (code >= 0) {
            answer_error(out, code);
            return;
        }
        int64_t got = drain_response(resp, &code);
        incoming_response_drop(resp);
        if (got < 0) {
            answer_error(out, code);
            return;
        }
        total += (uint64_t)got;
    }
    text_t b = {0};
    text_str(&b, "ok n=");
    text_u64(&b, n);
    text_str(&b, " bytes=");
    text_u64(&b, total);
    text_response(out, 0, 200, &b);
    free(b.p);
}

static void handle_par(const in_t *in, handle out, const char *path)
{
    static handle futs[MAX_PAR];
    static handle ps[MAX_PAR];
    uint64_t n = query_u64(path, "n", 1);
    if (n > MAX_PAR) {
        answer_text(out, 400, "n too large");
        return;
    }
    const char *why = NULL;
    int failed = 0, first = -1; /* the first failure's error-code case */
    size_t started = 0;
    while (started < n) {
        handle fut = start_get(in, &why);
        if (!fut) {
            answer_text(out, 400, why);
            for (size_t i = 0; i < started; i++)
                future_incoming_response_drop(futs[i]);
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
                ps[k++] = future_incoming_response_subscribe(futs[i]);
        wait_any(ps, k);
        for (size_t i = 0; i < started; i++) {
            if (!futs[i])
                continue;
            handle resp = 0;
            int code;
            if (!future_response_ready(futs[i], &resp, &code))
                continue;
            future_incoming_response_drop(futs[i]);
            futs[i] = 0;
            pending--;
            if (code < 0) { /* a response: its body, or the case it failed of */
                if (drain_response(resp, &code) >= 0)
                    code = -2;
                incoming_response_drop(resp);
            }
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
    text_t b = {0};
    text_str(&b, "ok n=");
    text_u64(&b, n);
    text_response(out, 0, 200, &b);
    free(b.p);
}

EXPORT(WASI("http/incoming-handler") "#handle")
void handle_request(handle req, handle out)
{
    char *path_with_query = request_target(req);
    const char *path = path_with_query ? path_with_query : "";
    in_t in = {req, incoming_request_headers(req), NULL};
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
    free(path_with_query);
    fields_drop(in.headers);
    incoming_request_drop(req);
}
