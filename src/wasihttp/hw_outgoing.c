/*
 * hw_outgoing.c — wasi:http/outgoing-handler: a guest's outgoing-request
 * becomes a libcurl transfer on its loop's client (hw_client.c), and its
 * future-incoming-response resolves when the response head has come (or
 * the transfer failed).
 *
 * A transfer (hw_xfer_t) joins four things:
 *   - the request body (an hw_outflow_t linked to it as its sink): the
 *     guest's writes wait in the flow, at most HW_BODY_BUFFER of them, and
 *     libcurl's read callback takes them; when there is nothing, the upload
 *     pauses until the guest writes or finishes;
 *   - the response head, collected by the header callback, then given to
 *     the future as an incoming-response;
 *   - the response body (an hw_inflow_t): libcurl's write callback pushes
 *     into it, and once it holds HW_BODY_BUFFER the download pauses until
 *     the guest reads;
 *   - the future-incoming-response the guest waits on.
 *
 * Lifetimes. The client holds a reference while the transfer runs; the
 * future and the incoming-response hold one each. The response body's flow
 * points back to the transfer as its producer (a plain pointer: the flow
 * tells the transfer when it goes, hw_inflow_prod_t.gone). Whatever lets
 * go last frees it; a transfer nobody can read any more (the future
 * dropped before it resolved, or the body's flow gone) is cancelled at
 * once, which closes its connection. No guest code runs inside libcurl's
 * callbacks: they only notify the context, and the embedder resumes the
 * guest from its loop.
 *
 * Deadlines. connect-timeout is libcurl's (name lookup, TCP and TLS),
 * backed by one of our own a little later.
 * first-byte-timeout runs from the moment the request is sent whole until
 * the response head; between-bytes-timeout between body chunks, but not
 * while the guest leaves the body unread. The client's tick checks both.
 */
#include "wasihttp/internal.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Largest response head (status line, fields and, separately, trailers). */
enum { MAX_HEAD_BYTES = 64 * 1024 };

typedef struct {
    uint32_t name, name_len, value, value_len; /* offsets into the text */
} hdr_t;

typedef struct {
    WH_VEC(char) text;
    WH_VEC(hdr_t) list;
} hdrs_t;

typedef enum { DL_NONE, DL_CONNECT, DL_FIRST_BYTE, DL_BETWEEN_BYTES } deadline_kind;

struct hw_xfer {
    wasi_obj_t obj;
    hw_client_t *c;     /* while it runs (the client's reference) */
    wasi_ctx_t *ctx;    /* the instance's */
    hw_binding_t *bind; /* its count of transfers */
    CURL *easy;
    hw_xfer_t *prev, *next; /* the client's list of running transfers */
    struct curl_slist *headers, *trailers;
    char *url;
    uint64_t first_byte_ns, between_ns;
    uint64_t deadline;
    deadline_kind dl;
    /* request */
    hw_outflow_t *out; /* the body (a reference), or NULL */
    bool upload, tx_paused, tx_done;
    /* A GET (HEAD, DELETE, OPTIONS, TRACE) whose body the guest took but
     * has neither written nor finished: the transfer waits to learn whether
     * there is a body before it goes (launch), so that an empty one is
     * sent as none rather than as an empty chunked body, which a back end
     * that reads no body of a GET takes for a second request. */
    bool deferred;
    char method[16];     /* while deferred */
    uint64_t connect_ns; /* the connect deadline, armed at launch */
    /* response */
    hdrs_t head;
    int status;
    bool head_done, connected, ip_denied;
    bool literal;    /* the host is an IP address: nothing to resolve */
    hw_inflow_t *in; /* its body while the guest may read it */
    bool rx_paused;
    /* the future */
    bool ready, taken;
    wasi_obj_t *resp; /* the incoming-response until get takes it */
    hw_errcode_t err; /* ready without resp: why; else why it failed */
    bool have_err;    /* err was decided here (it wins over libcurl's) */
};

static void xfer_destroy(wasi_ctx_t *ctx, wasi_obj_t *o);
static const wasi_objtype_t type_xfer = {"outbound transfer", xfer_destroy};
static void cancel(hw_xfer_t *x, const hw_errcode_t *why);

static void set_err(hw_xfer_t *x, hw_errcode_t e)
{
    if (!x->have_err) {
        x->err = e;
        x->have_err = true;
    }
}

static hw_errcode_t internal(const char *msg)
{
    hw_errcode_t e = hw_ec(HW_EC_INTERNAL_ERROR);
    e.str = msg;
    e.str_len = strlen(msg);
    return e;
}

/* ---- the head ---- */

static void hdrs_free(hdrs_t *h)
{
    wh_vec_free(&h->text);
    wh_vec_free(&h->list);
}

/* Adds "name: value" (a raw line without its CRLF). Lines that are no
 * field (an obsolete folded continuation, no colon, a bad name) are left
 * out, as are the fields that describe the connection to us rather than
 * the message. false when out of memory or over the limit. */
static bool hdrs_add(hdrs_t *h, const char *line, size_t n)
{
    static const char *const hop[] = {"connection", "keep-alive", "proxy-connection",
                                      "transfer-encoding", "upgrade"};
    const char *colon = memchr(line, ':', n);
    if (!colon || !hw__name_ok(line, (size_t)(colon - line)))
        return true;
    size_t nl = (size_t)(colon - line);
    for (size_t i = 0; i < WH_ARRAY_LEN(hop); i++)
        if (strlen(hop[i]) == nl && strncasecmp(hop[i], line, nl) == 0)
            return true;
    const char *v = colon + 1, *end = line + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    size_t vl = (size_t)(end - v);
    if (!hw__value_ok((const uint8_t *)v, vl))
        return true;
    if (h->text.len + n > MAX_HEAD_BYTES || !wh_vec_reserve(&h->text, (uint32_t)(nl + vl)) ||
        !wh_vec_reserve(&h->list, 1))
        return false;
    hdr_t d = {h->text.len, (uint32_t)nl, h->text.len + (uint32_t)nl, (uint32_t)vl};
    memcpy(h->text.data + h->text.len, line, nl);
    memcpy(h->text.data + h->text.len + nl, v, vl);
    h->text.len += (uint32_t)(nl + vl);
    h->list.data[h->list.len++] = d;
    return true;
}

/* The fields as hx fields pointing into h (the caller frees the array);
 * NULL with *n 0 when there are none, NULL with *n 1 when out of memory. */
static hx_header_t *hdrs_hx(const hdrs_t *h, size_t *n)
{
    *n = h->list.len;
    if (!*n)
        return NULL;
    hx_header_t *a = wh_malloc(*n * sizeof *a);
    if (!a)
        return NULL;
    for (size_t i = 0; i < *n; i++) {
        const hdr_t *d = &h->list.data[i];
        a[i] = (hx_header_t){h->text.data + d->name, d->name_len, h->text.data + d->value,
                             d->value_len};
    }
    return a;
}

static void arm(hw_xfer_t *x, deadline_kind dl, uint64_t ns)
{
    x->dl = ns ? dl : DL_NONE;
    x->deadline = ns ? wasi_now_ns() + ns : 0;
}

static void unpause(hw_xfer_t *x)
{
    if (x->c)
        curl_easy_pause(x->easy,
                        (x->rx_paused ? CURLPAUSE_RECV : 0) | (x->tx_paused ? CURLPAUSE_SEND : 0));
}

/* The guest read: the body may come again. */
static void prod_resume(void *prod)
{
    hw_xfer_t *x = prod;
    if (!x->rx_paused)
        return;
    x->rx_paused = false;
    arm(x, DL_BETWEEN_BYTES, x->between_ns);
    unpause(x);
}

/* The guest dropped everything that could read the body. */
static void prod_gone(void *prod)
{
    hw_xfer_t *x = prod;
    x->in = NULL;
    hw_errcode_t e = internal("the response body was dropped");
    cancel(x, &e);
}

static const hw_inflow_prod_t xfer_prod = {prod_resume, prod_gone};

/* The final head is here: the future gets its incoming-response. */
static bool head_complete(hw_xfer_t *x)
{
    size_t n;
    hx_header_t *a = hdrs_hx(&x->head, &n);
    if (!a && n)
        return false;
    hw_fields_t *f = hw__fields_from_hx(a, n);
    wh_free(a);
    hw_inflow_t *in = NULL;
    if (!f || !(in = hw__inflow_new(x->ctx, &xfer_prod, NULL, true))) {
        wasi_obj_unref(x->ctx, f ? &f->obj : NULL);
        return false;
    }
    /* (no producer yet: a failure here must not cancel from inside
     * libcurl's callback) */
    wasi_obj_t *r = hw__inresp_new(x->ctx, x->status, f, in);
    if (!r)
        return false;
    in->prod = x;
    hdrs_free(&x->head);
    x->in = in;
    x->resp = r;
    x->ready = true;
    x->head_done = true;
    arm(x, DL_BETWEEN_BYTES, x->between_ns);
    wasi_ctx_notify(x->ctx);
    return true;
}

static size_t on_header(char *line, size_t size, size_t nitems, void *ud)
{
    hw_xfer_t *x = ud;
    size_t n = size * nitems, len = n;
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    if (x->head_done) { /* trailers */
        if (len && !hdrs_add(&x->head, line, len)) {
            hw_errcode_t e = hw_ec(HW_EC_HTTP_RESPONSE_TRAILER_SECTION_SIZE);
            set_err(x, e);
            return 0;
        }
        return n;
    }
    if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
        /* a status line: a new head (after a 1xx, the final one) */
        hdrs_free(&x->head);
        const char *sp = memchr(line, ' ', len);
        x->status = sp ? atoi(sp + 1) : 0;
        if (x->status < 100 || x->status > 599) {
            set_err(x, hw_ec(HW_EC_HTTP_PROTOCOL_ERROR));
            return 0;
        }
        return n;
    }
    if (len == 0) {
        if (x->status < 200)
            return n; /* the end of an informational head */
        if (!head_complete(x)) {
            set_err(x, internal("out of memory for a response"));
            return 0;
        }
        return n;
    }
    if (!hdrs_add(&x->head, line, len)) {
        set_err(x, hw_ec(HW_EC_HTTP_RESPONSE_HEADER_SECTION_SIZE));
        return 0;
    }
    return n;
}

/* ---- the response body ---- */

static size_t on_write(char *data, size_t size, size_t nitems, void *ud)
{
    hw_xfer_t *x = ud;
    size_t n = size * nitems;
    if (!x->in)
        return n; /* nobody reads it (the transfer is being cancelled) */
    if (x->rx_paused)
        return CURL_WRITEFUNC_PAUSE; /* libcurl keeps it for later */
    if (!hw__inflow_push(x->in, (const uint8_t *)data, n)) {
        x->rx_paused = true; /* taken; the next chunk waits for the guest */
        arm(x, DL_NONE, 0);
    } else {
        arm(x, DL_BETWEEN_BYTES, x->between_ns);
    }
    return n;
}

/* ---- the request body ---- */

static size_t on_read(char *buf, size_t size, size_t nitems, void *ud)
{
    hw_xfer_t *x = ud;
    hw_outflow_t *f = x->out;
    size_t max = size * nitems;
    if (f->pending.len) {
        size_t k = f->pending.len < max ? f->pending.len : max;
        memcpy(buf, f->pending.data, k);
        memmove(f->pending.data, f->pending.data + k, f->pending.len - k);
        f->pending.len -= (uint32_t)k;
        wasi_ctx_notify(x->ctx); /* room to write again */
        return k;
    }
    if (f->failed || f->abandoned) {
        set_err(x, f->failed ? f->err : internal("the request body was dropped unfinished"));
        return CURL_READFUNC_ABORT;
    }
    if (f->finished) {
        x->tx_done = true;
        arm(x, DL_FIRST_BYTE, x->first_byte_ns);
        return 0;
    }
    x->tx_paused = true;
    return CURL_READFUNC_PAUSE;
}

static int on_trailers(struct curl_slist **list, void *ud)
{
    hw_xfer_t *x = ud;
    *list = x->trailers; /* libcurl frees the list */
    x->trailers = NULL;
    return CURL_TRAILERFUNC_OK;
}

static void launch(hw_xfer_t *x, bool bodyless);

static void tx_more(hw_xfer_t *x)
{
    if (x->deferred) {
        launch(x, false); /* the guest wrote, flushed or finished: now it is known */
        return;
    }
    if (x->tx_paused) {
        x->tx_paused = false;
        unpause(x);
    }
}

static wasi_io_status sink_write(void *sink, const uint8_t *p, size_t n, wasi_ioerr_t *e)
{
    hw_xfer_t *x = sink;
    if (!hw__outflow_hold(x->ctx, x->out, p, n)) {
        *e = hw__ec_ioerr(&x->out->err);
        return WASI_IO_FAILED;
    }
    tx_more(x);
    return WASI_IO_OK;
}

static size_t sink_writable(void *sink)
{
    hw_xfer_t *x = sink;
    uint32_t held = x->out->pending.len;
    return held < HW_BODY_BUFFER ? HW_BODY_BUFFER - held : 0;
}

static void sink_flush(void *sink)
{
    tx_more(sink);
}

static bool slist_add(struct curl_slist **l, const char *s)
{
    struct curl_slist *n = curl_slist_append(*l, s);
    if (!n)
        return false;
    *l = n;
    return true;
}

/* "name: value" lines of f (an empty value as "name;", libcurl's way);
 * except Content-Length when skip_length. */
static bool fields_slist(const hw_fields_t *f, bool skip_length, struct curl_slist **out)
{
    const hw_fields_t *d = hw__fields_data(f);
    char small[256];
    for (uint32_t i = 0; i < d->list.len; i++) {
        const hw_field_t *h = &d->list.data[i];
        if (skip_length && h->name_len == 14 && strncasecmp(h->name, "content-length", 14) == 0)
            continue;
        size_t n = (size_t)h->name_len + h->value_len + 3;
        char *line = n <= sizeof small ? small : wh_malloc(n);
        if (!line)
            return false;
        if (h->value_len)
            snprintf(line, n, "%.*s: %.*s", (int)h->name_len, h->name, (int)h->value_len,
                     h->name + h->name_len);
        else
            snprintf(line, n, "%.*s;", (int)h->name_len, h->name);
        bool ok = slist_add(out, line);
        if (line != small)
            wh_free(line);
        if (!ok)
            return false;
    }
    return true;
}

static void sink_finish(void *sink, hw_fields_t *trailers)
{
    hw_xfer_t *x = sink;
    if (trailers && !fields_slist(trailers, true, &x->trailers)) {
        hw_errcode_t e = internal("out of memory for the request trailers");
        hw__outflow_fail(x->ctx, x->out, &e);
    }
    wasi_obj_unref(x->ctx, trailers ? &trailers->obj : NULL);
    tx_more(x);
}

static void sink_abort(void *sink)
{
    tx_more(sink); /* the read callback finds the flow failed or abandoned */
}

static bool sink_bodyless(const void *sink)
{
    return false;
}

static const hw_sink_ops xfer_sink = {sink_write,  sink_writable, sink_flush,
                                      sink_finish, sink_abort,    sink_bodyless};

/* The sink of a request that was never sent: takes everything, keeps
 * nothing. */
static wasi_io_status drop_write(void *sink, const uint8_t *p, size_t n, wasi_ioerr_t *e)
{
    return WASI_IO_OK;
}

static size_t drop_writable(void *sink)
{
    return 1 << 20;
}

static void drop_finish(void *sink, hw_fields_t *trailers)
{
    hw_xfer_t *x = sink;
    wasi_obj_unref(x->ctx, trailers ? &trailers->obj : NULL);
}

static void drop_nothing(void *sink)
{
}

static const hw_sink_ops drop_sink = {drop_write,  drop_writable, drop_nothing,
                                      drop_finish, drop_nothing,  sink_bodyless};

/* ---- connecting ---- */

/* A connection is up and the request is about to go. */
static int on_prereq(void *ud, char *conn_primary_ip, char *conn_local_ip, int conn_primary_port,
                     int conn_local_port)
{
    hw_xfer_t *x = ud;
    x->connected = true;
    /* the first byte is awaited once the request is sent whole; while the
     * guest still writes the body, its pace is its own */
    if (!x->upload || x->tx_done)
        arm(x, DL_FIRST_BYTE, x->first_byte_ns);
    else
        arm(x, DL_NONE, 0);
    return CURL_PREREQFUNC_OK;
}

/* Every socket libcurl opens: with deny_private, not to a private
 * address (checked after name resolution, so a name cannot smuggle one). */
static curl_socket_t on_open_socket(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
    hw_xfer_t *x = ud;
    if (x->c && x->c->ob->cfg.deny_private && hw_private_address(&a->addr)) {
        x->ip_denied = true;
        errno = EACCES;
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

/* ---- the transfer's end ---- */

static void list_remove(hw_xfer_t *x)
{
    if (x->prev)
        x->prev->next = x->next;
    else
        x->c->active = x->next;
    if (x->next)
        x->next->prev = x->prev;
    x->prev = x->next = NULL;
}

/* Settles everything that waits on the transfer: the future (if it has no
 * value yet), the response body, the request body; then the client lets
 * go. ok: the response came whole. */
static void finish(hw_xfer_t *x, bool ok)
{
    hw_client_t *c = x->c;
    list_remove(x);
    if (!x->deferred)
        hw__client_remove(c, x->easy);
    x->deferred = false;
    x->c = NULL;
    x->bind->active--;
    if (!x->ready) {
        x->ready = true;
        if (ok)
            x->err = hw_ec(HW_EC_HTTP_PROTOCOL_ERROR); /* no head came */
    } else if (x->in) {
        hw_inflow_t *in = x->in;
        x->in = NULL;
        if (ok) {
            size_t n;
            hx_header_t *t = hdrs_hx(&x->head, &n);
            if (!t && n) {
                hw_errcode_t e = internal("out of memory for the trailers");
                hw__inflow_fail(in, &e);
            } else {
                hw__inflow_end(in, t, n);
            }
            wh_free(t);
        } else {
            hw__inflow_fail(in, &x->err);
        }
    }
    if (x->out) {
        x->out->sops = NULL;
        x->out->sink = NULL;
        if (!x->out->finished) {
            hw_errcode_t e = ok ? internal("the response is complete; the rest of the request "
                                           "body is not sent")
                                : x->err;
            hw__outflow_fail(x->ctx, x->out, &e);
        }
    }
    wasi_ctx_notify(x->ctx);
    wasi_obj_unref(x->ctx, &x->obj);
}

void hw__xfer_done(hw_xfer_t *x, int curlcode)
{
    if (curlcode != CURLE_OK && !x->have_err) {
        long os_errno = 0;
        curl_off_t lookup = 0;
        curl_easy_getinfo(x->easy, CURLINFO_OS_ERRNO, &os_errno);
        curl_easy_getinfo(x->easy, CURLINFO_NAMELOOKUP_TIME_T, &lookup);
        bool resolved = x->literal || x->connected || lookup > 0;
        if (x->ip_denied)
            set_err(x, hw_ec(HW_EC_DESTINATION_IP_PROHIBITED));
        else
            set_err(
                x, hw__ec_from_curl(curlcode, (int)os_errno, resolved, x->connected, x->head_done));
    }
    finish(x, curlcode == CURLE_OK);
}

static void cancel(hw_xfer_t *x, const hw_errcode_t *why)
{
    if (!x->c)
        return;
    set_err(x, *why);
    finish(x, false);
}

void hw__xfers_tick(hw_client_t *c, uint64_t now)
{
    hw_xfer_t *next;
    for (hw_xfer_t *x = c->active; x; x = next) {
        next = x->next;
        if (x->dl == DL_NONE || now < x->deadline)
            continue;
        hw_errcode_t e = hw_ec(x->dl == DL_CONNECT      ? HW_EC_CONNECTION_TIMEOUT
                               : x->dl == DL_FIRST_BYTE ? HW_EC_HTTP_RESPONSE_TIMEOUT
                                                        : HW_EC_CONNECTION_READ_TIMEOUT);
        cancel(x, &e);
    }
}

static void xfer_destroy(wasi_ctx_t *ctx, wasi_obj_t *o)
{
    hw_xfer_t *x = (hw_xfer_t *)o;
    /* Not running any more: the client held a reference while it ran. */
    if (x->easy)
        curl_easy_cleanup(x->easy);
    curl_slist_free_all(x->headers);
    curl_slist_free_all(x->trailers);
    wh_free(x->url);
    hdrs_free(&x->head);
    if (x->in)
        x->in->prod = NULL;
    if (x->out && x->out->sink == x) {
        x->out->sops = NULL;
        x->out->sink = NULL;
    }
    wasi_obj_unref(ctx, x->resp);
    wasi_obj_unref(ctx, x->out ? &x->out->obj : NULL);
    wh_free(x);
}

/* ---- future-incoming-response ---- */

typedef struct {
    wasi_obj_t obj;
    hw_xfer_t *x; /* a reference */
} fresp_t;

static const wasi_objtype_t type_fresp;

/* The guest let go of the future: a response nobody took is dropped (and
 * with it its body, which cancels the transfer); a transfer still waiting
 * for its head is cancelled. */
static void fresp_destroy(wasi_ctx_t *ctx, wasi_obj_t *o)
{
    hw_xfer_t *x = ((fresp_t *)o)->x;
    wasi_obj_t *r = x->resp;
    x->resp = NULL;
    wasi_obj_unref(ctx, r);
    if (!x->ready) {
        hw_errcode_t e = internal("the future was dropped");
        cancel(x, &e);
    }
    wasi_obj_unref(ctx, &x->obj);
    wh_free(o);
}

static const wasi_objtype_t type_fresp = {"future-incoming-response", fresp_destroy};

static bool fresp_ready(wasi_ctx_t *ctx, wasi_obj_t *src)
{
    return ((fresp_t *)src)->x->ready;
}

/* A guest that waits for the response before it said whether its GET has
 * a body: it goes now, without one (a chunked body the guest finishes only
 * after the response would leave a back end that reads it first waiting
 * for ever). */
static void fresp_arm(wasi_ctx_t *ctx, wasi_obj_t *src)
{
    hw_xfer_t *x = ((fresp_t *)src)->x;
    if (x->deferred)
        launch(x, true);
}

static const wasi_pollops_t fresp_poll = {fresp_ready, fresp_arm};

static wh_rc fresp_subscribe(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    fresp_t *f = WASI_ARG(call, &args[0], fresp_t, type_fresp);
    return f ? hw__subscribe(call, &f->obj, &fresp_poll, result) : WH_TRAP;
}

/* get: option<result<result<incoming-response, error-code>>> */
static wh_rc fresp_get(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    fresp_t *f = WASI_ARG(call, &args[0], fresp_t, type_fresp);
    if (!f)
        return WH_TRAP;
    hw_xfer_t *x = f->x;
    if (!x->ready) {
        *result = hw_none();
        return WH_OK;
    }
    cm_val_t own;
    wh_rc rc = WH_OK;
    if (x->resp && !x->taken) {
        wasi_obj_ref(x->resp);
        rc = hw__own(call, x->resp, &own);
    }
    if (!rc)
        rc = hw__future_value(call, x->taken, x->resp ? &own : NULL, &x->err, result);
    if (!rc && !x->taken) {
        /* the guest holds the response now */
        x->taken = true;
        wasi_obj_unref(wasi_ctx_of(call), x->resp);
        x->resp = NULL;
    }
    return rc;
}

const wasi_func_t hw__future_funcs[] = {
    {"[method]future-incoming-response.subscribe",
     "func(self: borrow<future-incoming-response>) -> pollable", fresp_subscribe},
    {"[method]future-incoming-response.get",
     "func(self: borrow<future-incoming-response>) -> "
     "option<result<result<incoming-response, error-code>>>",
     fresp_get},
};
const size_t hw__nfuture_funcs = WH_ARRAY_LEN(hw__future_funcs);

/* ---- handle ---- */

/* Splits an authority into host (without IPv6 brackets) and port. */
static bool split_authority(const char *a, bool https, char *host, size_t hn, uint16_t *port)
{
    const char *h = a, *end, *p = NULL;
    if (strchr(a, '@'))
        return false; /* no credentials in the URL */
    if (*a == '[') {
        end = strchr(a, ']');
        if (!end)
            return false;
        h = a + 1;
        if (end[1] == ':')
            p = end + 2;
        else if (end[1])
            return false;
    } else {
        end = strchr(a, ':');
        if (end)
            p = end + 1;
        else
            end = a + strlen(a);
    }
    size_t n = (size_t)(end - h);
    if (n == 0 || n >= hn)
        return false;
    memcpy(host, h, n);
    host[n] = 0;
    if (!p || !*p) {
        *port = https ? 443 : 80;
        return !p;
    }
    unsigned v = 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9' || (v = v * 10 + (unsigned)(*p - '0')) > 65535)
            return false;
    }
    *port = (uint16_t)v;
    return v > 0;
}

/* Methods whose requests usually have no body. */
static bool no_body(const char *method)
{
    static const char *const m[] = {"GET", "HEAD", "DELETE", "OPTIONS", "TRACE"};
    for (size_t i = 0; i < WH_ARRAY_LEN(m); i++)
        if (strcmp(method, m[i]) == 0)
            return true;
    return false;
}

/* The request line's method and the body: a length when it is known (whole
 * already, or declared), else chunked. One of the methods above whose body
 * is empty and finished has none; other methods without a body say
 * Content-Length: 0. */
static void set_body(hw_xfer_t *x, const char *method, hw_outflow_t *f)
{
    CURL *e = x->easy;
    bool empty = !f || (f->finished && f->pending.len == 0 && f->content_length <= 0);
    x->upload = !(empty && no_body(method));
    if (strcmp(method, "HEAD") == 0 && !x->upload)
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    else if (strcmp(method, "GET") != 0 || x->upload)
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
    if (x->upload) {
        curl_off_t size = !f                       ? 0
                          : f->finished            ? (curl_off_t)f->pending.len
                          : f->content_length >= 0 ? (curl_off_t)f->content_length
                                                   : -1;
        curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, size);
        curl_easy_setopt(e, CURLOPT_READFUNCTION, f ? on_read : NULL);
        curl_easy_setopt(e, CURLOPT_READDATA, x);
        curl_easy_setopt(e, CURLOPT_TRAILERFUNCTION, on_trailers);
        curl_easy_setopt(e, CURLOPT_TRAILERDATA, x);
        if (!f)
            x->tx_done = true;
    }
}

/* A deferred transfer goes: its body is known now, or (bodyless) the guest
 * waits for the response first and it goes without one: the body is then
 * let go of, failed, so that a write or finish after that says why. */
static void launch(hw_xfer_t *x, bool bodyless)
{
    hw_outflow_t *f = x->out;
    if (bodyless && f && !f->finished && f->pending.len == 0) {
        hw_errcode_t why = internal("the request went without a body: the guest waited for "
                                    "its response before it wrote or finished one");
        f->sops = NULL;
        f->sink = NULL;
        hw__outflow_fail(x->ctx, f, &why);
        x->out = NULL;
        wasi_obj_unref(x->ctx, &f->obj);
        f = NULL;
    }
    set_body(x, x->method, f);
    if (x->connect_ns)
        arm(x, DL_CONNECT, x->connect_ns);
    if (!hw__client_add(x->c, x->easy)) {
        hw_errcode_t e = internal("out of memory for libcurl");
        cancel(x, &e); /* still deferred: finish does not remove it */
        return;
    }
    x->deferred = false;
    hw__client_tick_arm(x->c);
}

/* Builds and starts the transfer of r. Returns an error-code for the guest
 * in *why when it cannot start (the request is refused). */
static hw_xfer_t *start(cm_call_t *call, hw_binding_t *b, hw_outreq_t *r, hw_options_t *o,
                        hw_errcode_t *why)
{
    wasi_ctx_t *ctx = wasi_ctx_of(call);
    hw_client_t *c = b->client;
    const hw_outbound_config_t *cfg = &c->ob->cfg;
    bool https = !r->has_scheme || r->scheme == HW_SCHEME_HTTPS;
    char host[256];
    uint16_t port;
    if (r->has_scheme && r->scheme == HW_SCHEME_OTHER) {
        *why = hw_ec(HW_EC_HTTP_PROTOCOL_ERROR);
        return NULL;
    }
    if (!r->authority || !split_authority(r->authority, https, host, sizeof host, &port) ||
        (r->path && r->path[0] != '/' && r->path[0] != '?')) {
        *why = hw_ec(HW_EC_HTTP_REQUEST_URI_INVALID);
        return NULL;
    }
    if (r->method == HW_METHOD_CONNECT) {
        *why = hw_ec(HW_EC_HTTP_REQUEST_METHOD_INVALID);
        return NULL;
    }
    if (!hw_allowed(cfg->allow, cfg->nallow, https ? "https" : "http", host, port)) {
        *why = hw_ec(HW_EC_HTTP_REQUEST_DENIED);
        return NULL;
    }
    if (b->active >= cfg->max_requests) {
        *why = hw_ec(HW_EC_CONNECTION_LIMIT_REACHED);
        return NULL;
    }
    hw_outflow_t *f = r->body;
    if (f && (f->failed || f->abandoned)) {
        *why = f->failed ? f->err : internal("the request body was dropped unfinished");
        return NULL;
    }

    *why = internal("out of memory for an outbound request");
    hw_xfer_t *x = wh_calloc(1, sizeof *x);
    if (!x)
        return NULL;
    x->obj = (wasi_obj_t){&type_xfer, 1};
    x->ctx = ctx;
    x->bind = b;
    struct in6_addr ip;
    x->literal = inet_pton(AF_INET, host, &ip) == 1 || inet_pton(AF_INET6, host, &ip) == 1;
    const char *path = r->path ? r->path : "/";
    size_t ul = strlen(r->authority) + strlen(path) + 16;
    if (!(x->url = wh_malloc(ul)) || !(x->easy = curl_easy_init()))
        goto fail;
    snprintf(x->url, ul, "%s://%s%s%s", https ? "https" : "http", r->authority,
             path[0] == '?' ? "/" : "", path);
    CURL *e = x->easy;
    hw__client_setup_easy(c, e);
    curl_easy_setopt(e, CURLOPT_URL, x->url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, x);

    const char *method = hw__method_name(r->method, r->method_s);
    x->deferred = no_body(method) && f && !f->finished && f->pending.len == 0 &&
                  f->content_length < 0 && strlen(method) < sizeof x->method;
    if (x->deferred)
        snprintf(x->method, sizeof x->method, "%s", method);
    else
        set_body(x, method, f);
    if (!fields_slist(r->headers, true, &x->headers) || !slist_add(&x->headers, "Expect:"))
        goto fail;
    size_t alen;
    if (!hw__fields_get(r->headers, "accept", &alen) && !slist_add(&x->headers, "Accept:"))
        goto fail;
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, on_prereq);
    curl_easy_setopt(e, CURLOPT_PREREQDATA, x);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, x);

    uint64_t ms = 1000000u;
    uint64_t connect =
        o && o->has[HW_OPT_CONNECT] ? o->ns[HW_OPT_CONNECT] : cfg->connect_timeout_ms * ms;
    x->first_byte_ns =
        o && o->has[HW_OPT_FIRST_BYTE] ? o->ns[HW_OPT_FIRST_BYTE] : cfg->first_byte_timeout_ms * ms;
    x->between_ns = o && o->has[HW_OPT_BETWEEN_BYTES] ? o->ns[HW_OPT_BETWEEN_BYTES]
                                                      : cfg->between_bytes_timeout_ms * ms;
    if (connect) {
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)((connect + ms - 1) / ms));
        /* libcurl's own timeout tells a slow name lookup from a slow
         * connect; this one, a little later, holds even if libcurl could
         * not go on (it ran out of memory inside a callback) */
        x->connect_ns = connect + 500 * ms;
        if (!x->deferred)
            arm(x, DL_CONNECT, x->connect_ns);
    }

    if (f) {
        x->out = f;
        wasi_obj_ref(&f->obj);
        f->sops = &xfer_sink;
        f->sink = x;
        if (f->finished && f->trailers) {
            hw_fields_t *t = f->trailers;
            f->trailers = NULL;
            sink_finish(x, t);
        }
    }
    if (!x->deferred && !hw__client_add(c, e)) {
        if (f)
            f->sops = NULL, f->sink = NULL;
        goto fail;
    }
    /* running: the client's reference */
    wasi_obj_ref(&x->obj);
    x->c = c;
    x->next = c->active;
    if (c->active)
        c->active->prev = x;
    c->active = x;
    b->active++;
    hw__client_tick_arm(c);
    return x;
fail:
    xfer_destroy(ctx, &x->obj);
    return NULL;
}

static wh_rc handle(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    wasi_ctx_t *ctx = wasi_ctx_of(call);
    hw_outreq_t *r = hw__outreq_take(call, &args[0]);
    if (!r)
        return WH_TRAP;
    hw_options_t *o = NULL;
    if (args[1].of.var.tag == 1 && !(o = hw__options_take(call, args[1].of.var.v))) {
        wasi_obj_unref(ctx, &r->obj);
        return WH_TRAP;
    }
    hw_binding_t *b = wasi_ctx_ext(ctx);
    hw_errcode_t why = hw_ec(HW_EC_HTTP_REQUEST_DENIED);
    hw_xfer_t *x = b ? start(call, b, r, o, &why) : NULL;
    if (!x && (x = wh_calloc(1, sizeof *x))) {
        /* A request that cannot be made gets a future that holds the
         * error, rather than handle's own err: every guest waits on
         * futures and reads their errors, while some (componentize-js's
         * fetch with a body) go wrong on an err here. Its body, if the
         * guest still writes it, goes nowhere. */
        x->obj = (wasi_obj_t){&type_xfer, 1};
        x->ctx = ctx;
        x->ready = true;
        x->err = why;
        if (r->body && !r->body->sink) {
            r->body->pending.len = 0;
            r->body->sops = &drop_sink;
            r->body->sink = x;
            x->out = r->body;
            wasi_obj_ref(&x->out->obj);
        }
    }
    wasi_obj_unref(ctx, &r->obj);
    wasi_obj_unref(ctx, o ? &o->obj : NULL);
    if (!x) {
        cm_val_t code;
        wh_rc rc = hw__ec_val(call, &why, &code);
        return rc ? rc : wasi_errv(call, result, &code);
    }
    /* The future: the guest's handle on the transfer (x's first
     * reference goes to it). */
    fresp_t *f = wh_calloc(1, sizeof *f);
    if (!f) {
        hw_errcode_t e = internal("out of memory");
        cancel(x, &e);
        wasi_obj_unref(ctx, &x->obj);
        return wasi_nomem(call);
    }
    *f = (fresp_t){{&type_fresp, 1}, x};
    cm_val_t own;
    wh_rc rc = hw__own(call, &f->obj, &own);
    return rc ? rc : wasi_ok(call, result, &own);
}

const wasi_func_t hw__outgoing_funcs[] = {
    {"handle",
     "func(request: outgoing-request, options: option<request-options>) -> "
     "result<future-incoming-response, error-code>",
     handle},
};
const size_t hw__noutgoing_funcs = WH_ARRAY_LEN(hw__outgoing_funcs);
