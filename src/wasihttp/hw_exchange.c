/*
 * hw_exchange.c — one inbound request and its response: what the serve
 * layer calls (hw.h), the request's events (the exchange subscribes to them
 * with the server itself, so the dispatcher relays nothing), and what
 * response-outparam.set and the body streams do to the client's
 * connection.
 *
 * Invariant: ex->req is the server's request while the server may be
 * called for it, and NULL from the moment it may not (we ended or aborted
 * the response, or the server reported on_abort). Every path that lets go
 * of it goes through release(), which also settles the bodies: an incoming
 * body still open fails, an outgoing body not finished fails, and neither
 * keeps a pointer to the exchange. A server call (hx_resp_*) may report
 * on_abort before it returns, so after each one the code looks at ex->req
 * again.
 *
 * Output is held, not sent at once: the head and the body's bytes wait in
 * the flow (up to COALESCE bytes) until the loop gets control back (the
 * guest waits, or its call returns: a uv_prepare handle, armed while
 * something is held), until the guest flushes a response that has started,
 * or until finish. So a guest that sets, writes and finishes in one go
 * costs one write to the socket, with a Content-Length instead of chunks
 * (hx_resp_send), and a guest that streams still has every byte on its way
 * before its thread waits. A response whose body the guest never asked for
 * is complete at set, with an empty body (as wasmtime does).
 */
#include "wasihttp/internal.h"

#include <stdio.h>
#include <string.h>

struct hw_exchange {
    wasi_obj_t obj;
    wasi_ctx_t *ctx;
    hx_req_t *req;      /* NULL once the server may no longer be called */
    hx_header_t *extra; /* the serve layer's fields, one block with their text */
    size_t nextra;
    hw_inflow_t *in;      /* the request body (a reference) */
    hw_outflow_t *out;    /* the response body while it is sent (a reference) */
    hw_fields_t *headers; /* the response's, from set (a reference) */
    int status;           /* the response's, from set */
    int sent;             /* the status the client got; 0 for none or a cut response */
    uint64_t body_bytes;  /* response body bytes the server took for the client */
    bool head;            /* a HEAD request: the body is not sent */
    bool responded;       /* response-outparam.set was called */
    bool started;         /* hx_resp_start went through */
    bool done;            /* the response is over on our side */
    bool defer_init;      /* defer is a live libuv handle (closed with the exchange) */
    bool defer_on;        /* and started */
    uv_prepare_t defer;   /* hands held output to the server when the loop runs */
    hw_errcode_t why;     /* why req went away (for bodies still in use) */
};

/* Bytes held before they go to the server in one piece. */
enum { COALESCE = 16 * 1024 };

static void exchange_destroy(wasi_ctx_t *ctx, wasi_obj_t *o);
static const hw_sink_ops ex_sink;
static const wasi_objtype_t type_exchange = {"exchange", exchange_destroy};

/* Why an incoming body cannot go on once the response is over: the server
 * drops the rest of it. */
static const char over_msg[] = "the response is over; the rest of the request body was dropped";

static hw_errcode_t over(void)
{
    hw_errcode_t e = hw_ec(HW_EC_INTERNAL_ERROR);
    e.str = over_msg;
    e.str_len = sizeof over_msg - 1;
    return e;
}

/* The server may not be called for req any more: settle both bodies. */
static void defer_stop(hw_exchange_t *ex)
{
    if (ex->defer_on) {
        uv_prepare_stop(&ex->defer);
        ex->defer_on = false;
    }
}

static void release(hw_exchange_t *ex, const hw_errcode_t *why)
{
    defer_stop(ex);
    ex->req = NULL;
    ex->done = true;
    ex->why = *why;
    if (ex->in)
        hw__inflow_detach(ex->in, why);
    hw_outflow_t *out = ex->out;
    if (out) {
        ex->out = NULL;
        out->sink = NULL;
        if (!out->finished)
            hw__outflow_fail(ex->ctx, out, why);
        wasi_obj_unref(ex->ctx, &out->obj);
    }
    wasi_ctx_notify(ex->ctx);
}

static void defer_closed(uv_handle_t *h)
{
    wh_free(h->data);
}

static void exchange_destroy(wasi_ctx_t *ctx, wasi_obj_t *o)
{
    hw_exchange_t *ex = (hw_exchange_t *)o;
    if (ex->req) {
        /* Only if the serve layer never called hw_exchange_finish. */
        hx_resp_abort(ex->req);
        hw_errcode_t e = over();
        release(ex, &e);
    }
    if (ex->in) {
        ex->in->prod = NULL;
        wasi_obj_unref(ctx, &ex->in->obj);
    }
    wasi_obj_unref(ctx, ex->headers ? &ex->headers->obj : NULL);
    wh_free(ex->extra);
    ex->extra = NULL;
    if (ex->defer_init)
        uv_close((uv_handle_t *)&ex->defer, defer_closed); /* frees ex */
    else
        wh_free(ex);
}

/* n body bytes of a response with this status went to the server. The
 * server takes and drops the body of a HEAD, 204 or 304 response (hx.h
 * hx_resp_start): those bytes never reach the client, so they do not
 * count. */
static void count_body(hw_exchange_t *ex, int status, size_t n)
{
    if (!ex->head && status != 204 && status != 304)
        ex->body_bytes += n;
}

/* ---- answers of our own ---- */

/* A short plain-text answer (500 when the guest gave none, or the status
 * of an error-code it set). */
static void send_error(hw_exchange_t *ex, int status)
{
    hx_req_t *req = ex->req;
    const char *reason = hx_reason_phrase(status);
    if (!reason)
        reason = "Error";
    char body[80];
    int n = snprintf(body, sizeof body, "%d %s\n", status, reason);
    hx_header_t ct = {"Content-Type", 12, "text/plain; charset=utf-8", 25};
    hx_header_t small[8], *hs = small;
    size_t nh = ex->nextra + 1;
    if (nh > WH_ARRAY_LEN(small) && !(hs = wh_malloc(nh * sizeof *hs))) {
        hs = &ct; /* out of memory: without the extra fields */
        nh = 1;
    } else {
        if (ex->nextra)
            memcpy(hs, ex->extra, ex->nextra * sizeof *hs);
        hs[ex->nextra] = ct;
    }
    wh_rc rc = hx_resp_send(req, status, hs, nh, body, (size_t)n);
    if (hs != small && hs != &ct)
        wh_free(hs);
    ex->sent = rc == WH_OK ? status : 0;
    if (rc == WH_OK)
        count_body(ex, status, (size_t)n);
    if (rc != WH_OK && ex->req)
        hx_resp_abort(ex->req);
    if (ex->req) {
        hw_errcode_t e = over();
        release(ex, &e);
    }
}

/* Gives up on the response: if nothing went out yet, a plain answer with
 * that status (500, or 504 for a deadline), else the connection closes
 * mid-response. */
static void abort_with(hw_exchange_t *ex, int status)
{
    defer_stop(ex);
    if (!ex->req)
        return;
    if (!ex->started) {
        send_error(ex, status);
        return;
    }
    ex->sent = 0;
    hx_resp_abort(ex->req);
    if (ex->req) {
        hw_errcode_t e = over();
        release(ex, &e);
    }
}

static void abort_response(hw_exchange_t *ex)
{
    abort_with(ex, 500);
}

/* ---- the guest's response ---- */

static bool bodyless_status(int status)
{
    return status == 204 || status == 304;
}

/* The response's fields and the extra ones, for the server. */
static hx_header_t *head_fields(hw_exchange_t *ex, size_t *n, bool *nomem)
{
    return hw__fields_hx(ex->headers, ex->extra, ex->nextra, false, n, nomem);
}

/* Sends the head. false when it could not (the response is then settled:
 * refused heads get a 500, a gone client is on its way to on_abort). */
static bool start(hw_exchange_t *ex)
{
    if (ex->started)
        return true;
    size_t n;
    bool nomem;
    hx_header_t *hs = head_fields(ex, &n, &nomem);
    wh_rc rc = nomem ? WH_NOMEM : hx_resp_start(ex->req, ex->status, hs, n);
    wh_free(hs);
    if (rc == WH_OK) {
        ex->started = true;
        ex->sent = ex->status;
        return true;
    }
    if (ex->req && (rc == WH_ARG || nomem)) {
        /* The server refused the head (a Content-Length it cannot use). */
        abort_response(ex);
    } else if (ex->out) {
        hw_errcode_t e = hw_ec(HW_EC_CONNECTION_TERMINATED);
        hw__outflow_fail(ex->ctx, ex->out, &e);
    }
    return false;
}

/* The whole response at once: the body (pending, all the guest wrote) is
 * complete. */
static void send_whole(hw_exchange_t *ex, hw_fields_t *trailers)
{
    hw_outflow_t *out = ex->out;
    const uint8_t *body = out ? out->pending.data : NULL;
    size_t len = out ? out->pending.len : 0;
    bool has_trailers = trailers && hw__fields_data(trailers)->list.len;
    int64_t cl = ex->headers ? hw__fields_content_length(ex->headers) : -1;
    if (!has_trailers && !ex->head && !bodyless_status(ex->status) &&
        (cl < 0 || (uint64_t)cl == len)) {
        size_t n;
        bool nomem;
        hx_header_t *hs = head_fields(ex, &n, &nomem);
        wh_rc rc = nomem ? WH_NOMEM : hx_resp_send(ex->req, ex->status, hs, n, body, len);
        wh_free(hs);
        if (rc == WH_OK) {
            ex->started = true;
            ex->sent = ex->status;
            count_body(ex, ex->status, len);
            if (ex->req) {
                hw_errcode_t e = over();
                release(ex, &e);
            }
            return;
        }
        if (ex->req) {
            abort_response(ex);
            if (rc == WH_IO)
                ex->sent = 0; /* the client is gone: nothing went */
        }
        return;
    }
    /* HEAD, 204, 304 (where the server frames what it is given), a
     * Content-Length the bytes do not match (the server closes the
     * connection after them), or trailers: the long way. */
    if (!start(ex))
        return;
    if (len && ex->req && hx_resp_write(ex->req, body, len) != WH_OK) {
        abort_response(ex);
        return;
    }
    count_body(ex, ex->status, len);
    if (!ex->req)
        return;
    size_t nt = 0;
    bool nomem = false;
    hx_header_t *ts = has_trailers ? hw__fields_hx(trailers, NULL, 0, true, &nt, &nomem) : NULL;
    wh_rc rc = nomem ? WH_NOMEM : hx_resp_end(ex->req, ts, nt);
    wh_free(ts);
    if (rc == WH_OK) {
        if (ex->req) {
            hw_errcode_t e = over();
            release(ex, &e);
        }
    } else if (ex->req) {
        abort_response(ex);
    }
}

/* ---- held output ---- */

/* Starts the response if needed and hands the held bytes to the server.
 * false when the response cannot go on (it is then settled). */
static bool push(hw_exchange_t *ex)
{
    hw_outflow_t *out = ex->out;
    if (!ex->req || !out)
        return false;
    wasi_obj_ref(&out->obj); /* a failure below may release it */
    bool ok = start(ex);
    if (ok && out->pending.len && ex->req) {
        wh_rc rc = hx_resp_write(ex->req, out->pending.data, out->pending.len);
        if (rc == WH_OK)
            count_body(ex, ex->status, out->pending.len);
        out->pending.len = 0;
        if (rc != WH_OK) {
            hw_errcode_t why = hw_ec(HW_EC_CONNECTION_TERMINATED);
            hw__outflow_fail(ex->ctx, out, &why);
            ok = false;
        }
    }
    ok = ok && ex->req;
    wasi_obj_unref(ex->ctx, &out->obj);
    return ok;
}

static void defer_cb(uv_prepare_t *h)
{
    hw_exchange_t *ex = h->data;
    defer_stop(ex);
    if (ex->req && ex->out && !ex->out->finished) {
        push(ex);
        wasi_ctx_notify(ex->ctx); /* the guest may have room to write again */
    }
}

/* Makes sure what is held goes out when the loop gets control back. */
static void defer_arm(hw_exchange_t *ex)
{
    if (ex->defer_on)
        return;
    if (!ex->defer_init) {
        if (!wasi_ctx_loop(ex->ctx) || uv_prepare_init(wasi_ctx_loop(ex->ctx), &ex->defer) != 0) {
            push(ex); /* no loop to wait for: now */
            return;
        }
        ex->defer.data = ex;
        ex->defer_init = true;
    }
    uv_prepare_start(&ex->defer, defer_cb);
    ex->defer_on = true;
}

void hw__ex_set(hw_exchange_t *ex, int status, hw_fields_t *headers, hw_outflow_t *flow,
                const hw_errcode_t *code)
{
    ex->responded = true;
    if (code) {
        if (ex->req)
            send_error(ex, hw__ec_status(code->tag));
        return;
    }
    ex->status = status;
    ex->headers = headers;
    if (!ex->req) {
        /* The client is gone already: the body cannot be sent. */
        if (flow) {
            hw__outflow_fail(ex->ctx, flow, &ex->why);
            wasi_obj_unref(ex->ctx, &flow->obj);
        }
        return;
    }
    if (!flow) {
        /* The guest never asked for the body: it is empty. */
        send_whole(ex, NULL);
        return;
    }
    ex->out = flow;
    flow->sops = &ex_sink;
    flow->sink = ex;
    if (flow->abandoned || flow->failed) {
        abort_response(ex);
    } else if (flow->finished) {
        hw_fields_t *t = flow->trailers;
        flow->trailers = NULL;
        if (flow->content_length >= 0 && flow->written != (uint64_t)flow->content_length &&
            !ex->head && !bodyless_status(status))
            abort_response(ex); /* finish could not know the method yet */
        else
            send_whole(ex, t);
        wasi_obj_unref(ex->ctx, t ? &t->obj : NULL);
    } else {
        /* the head (and what was written so far) goes when the loop runs,
         * unless the guest finishes first */
        defer_arm(ex);
    }
}

/* ---- the response body's sink ---- */

static size_t ex_writable(void *sink)
{
    hw_exchange_t *ex = sink;
    if (!ex->req)
        return 0;
    size_t room = hx_resp_writable(ex->req);
    size_t held = ex->out ? ex->out->pending.len : 0;
    return room > held ? room - held : 0;
}

static wasi_io_status ex_write(void *sink, const uint8_t *p, size_t n, wasi_ioerr_t *e)
{
    hw_exchange_t *ex = sink;
    hw_outflow_t *out = ex->out;
    wasi_obj_ref(&out->obj); /* release() may let go of it below */
    wasi_io_status st = WASI_IO_OK;
    if (!ex->req || (out->pending.len + n > COALESCE && !push(ex))) {
        st = WASI_IO_FAILED;
    } else if (n >= COALESCE) {
        /* big enough on its own: straight to the server */
        if (!push(ex) || hx_resp_write(ex->req, p, n) != WH_OK)
            st = WASI_IO_FAILED;
        else
            count_body(ex, ex->status, n);
    } else if (!wh_vec_reserve(&out->pending, (uint32_t)n)) {
        hw_errcode_t why = hw_ec(HW_EC_INTERNAL_ERROR);
        why.str = "out of memory for the response body";
        why.str_len = strlen(why.str);
        hw__outflow_fail(ex->ctx, out, &why);
        st = WASI_IO_FAILED;
    } else {
        memcpy(out->pending.data + out->pending.len, p, n);
        out->pending.len += (uint32_t)n;
        defer_arm(ex);
    }
    if (st != WASI_IO_OK) {
        if (!out->failed) {
            hw_errcode_t why = hw_ec(HW_EC_CONNECTION_TERMINATED);
            hw__outflow_fail(ex->ctx, out, &why);
        }
        *e = hw__ec_ioerr(&out->err);
    }
    wasi_obj_unref(ex->ctx, &out->obj);
    return st;
}

static void ex_flush(void *sink)
{
    hw_exchange_t *ex = sink;
    /* Before the head is out, a flush waits for the loop (or the finish),
     * so that a short response still goes in one piece. */
    if (ex->started)
        push(ex);
}

static void ex_finish(void *sink, hw_fields_t *trailers)
{
    hw_exchange_t *ex = sink;
    defer_stop(ex);
    if (ex->req && !ex->started) {
        send_whole(ex, trailers);
    } else if (ex->req && push(ex)) {
        size_t nt = 0;
        bool nomem = false;
        hx_header_t *ts = trailers ? hw__fields_hx(trailers, NULL, 0, true, &nt, &nomem) : NULL;
        wh_rc rc = nomem ? WH_NOMEM : hx_resp_end(ex->req, ts, nt);
        wh_free(ts);
        if (rc != WH_OK)
            abort_response(ex);
        else if (ex->req) {
            hw_errcode_t e = over();
            release(ex, &e);
        }
    }
    wasi_obj_unref(ex->ctx, trailers ? &trailers->obj : NULL);
}

static void ex_abort(void *sink)
{
    abort_response(sink);
}

static bool ex_bodyless(const void *sink)
{
    const hw_exchange_t *ex = sink;
    return ex->head || (ex->responded && bodyless_status(ex->status));
}

static const hw_sink_ops ex_sink = {ex_write,  ex_writable, ex_flush,
                                    ex_finish, ex_abort,    ex_bodyless};

/* ---- the request's events (the exchange subscribed to them) ---- */

static void ev_body(hx_req_t *req, const uint8_t *data, size_t len, void *ud)
{
    hw_exchange_t *ex = ud;
    if (ex->req && !hw__inflow_push(ex->in, data, len) && ex->req)
        hx_req_pause_body(ex->req);
}

static void ev_body_end(hx_req_t *req, const hx_header_t *trailers, size_t n, void *ud)
{
    hw_exchange_t *ex = ud;
    hw__inflow_end(ex->in, trailers, n);
}

static void ev_writable(hx_req_t *req, void *ud)
{
    hw_exchange_t *ex = ud;
    wasi_ctx_notify(ex->ctx);
}

/* The request is gone: the exchange forgets req. */
static void ev_abort(hx_req_t *req, hx_abort_reason why, void *ud)
{
    hw_exchange_t *ex = ud;
    if (!ex->req)
        return;
    hw_errcode_t e;
    switch (why) {
    case HX_ABORT_TIMEOUT:
        e = hw_ec(ex->in->state == HW_FLOW_OPEN ? HW_EC_CONNECTION_READ_TIMEOUT
                                                : HW_EC_CONNECTION_WRITE_TIMEOUT);
        break;
    case HX_ABORT_BODY_TOO_LARGE:
        e = hw_ec(HW_EC_HTTP_REQUEST_BODY_SIZE);
        break;
    case HX_ABORT_BAD_BODY:
        e = hw_ec(HW_EC_HTTP_PROTOCOL_ERROR);
        break;
    case HX_ABORT_SHUTDOWN:
        e = hw_ec(HW_EC_INTERNAL_ERROR);
        e.str = "the server is shutting down";
        break;
    case HX_ABORT_NOMEM:
        e = hw_ec(HW_EC_INTERNAL_ERROR);
        e.str = "the server ran out of memory for this request";
        break;
    default:
        e = hw_ec(HW_EC_CONNECTION_TERMINATED);
        break;
    }
    if (e.str)
        e.str_len = strlen(e.str);
    if (ex->started)
        ex->sent = 0; /* cut mid-response */
    release(ex, &e);
}

static const hx_req_events_t req_events = {ev_body, ev_body_end, ev_writable, ev_abort};

/* ---- the serve layer's calls ---- */

static void resume_body(void *prod)
{
    hw_exchange_t *ex = prod;
    if (ex->req)
        hx_req_resume_body(ex->req);
}

static const hw_inflow_prod_t inflow_prod = {resume_body, NULL};

/* Copies the extra fields into one block. */
static bool copy_extra(hw_exchange_t *ex, const hx_header_t *extra, size_t n)
{
    size_t text = 0;
    for (size_t i = 0; i < n; i++)
        text += extra[i].name_len + extra[i].value_len;
    if (n == 0)
        return true;
    hx_header_t *h = wh_malloc(n * sizeof *h + text);
    if (!h)
        return false;
    char *p = (char *)(h + n);
    for (size_t i = 0; i < n; i++) {
        h[i] = extra[i];
        memcpy(p, extra[i].name, extra[i].name_len);
        h[i].name = p;
        p += extra[i].name_len;
        memcpy(p, extra[i].value, extra[i].value_len);
        h[i].value = p;
        p += extra[i].value_len;
    }
    ex->extra = h;
    ex->nextra = n;
    return true;
}

wh_rc hw_exchange_new(wasi_ctx_t *ctx, hx_req_t *req, const hx_header_t *extra, size_t n,
                      hw_exchange_t **out, uint32_t *req_rep, uint32_t *out_rep, wh_err_t *err)
{
    *out = NULL;
    hw_exchange_t *ex = wh_calloc(1, sizeof *ex);
    if (!ex)
        return wh_err(err, WH_NOMEM, -1, "out of memory for a request");
    ex->obj = (wasi_obj_t){&type_exchange, 1};
    ex->ctx = ctx;
    ex->req = req;
    ex->head = strcmp(hx_req_method(req), "HEAD") == 0;
    /* A client that sent "Expect: 100-continue" waits for word: the body is
     * asked for when the guest first wants it (incoming-body.stream). */
    bool expect = hx_req_header(req, "expect", NULL) != NULL;
    uint32_t rr = 0, orp = 0;
    if (!copy_extra(ex, extra, n) || !(ex->in = hw__inflow_new(ctx, &inflow_prod, ex, !expect)) ||
        !(rr = hw__inreq_new(ctx, req, ex->in)) || !(orp = hw__outparam_new(ctx, ex))) {
        if (rr)
            wasi_table_remove(ctx, rr);
        ex->req = NULL;
        exchange_destroy(ctx, &ex->obj);
        return wh_err(err, WH_NOMEM, -1, "out of memory for a request");
    }
    /* From here the request's events are the exchange's, not its
     * dispatcher's; the body flows as the guest wants it. */
    hx_req_subscribe(req, &req_events, ex);
    if (expect)
        hx_req_pause_body(req);
    else
        hx_req_resume_body(req);
    *out = ex;
    *req_rep = rr;
    *out_rep = orp;
    return WH_OK;
}

int hw_exchange_finish(hw_exchange_t *ex, wh_rc rc, uint64_t *out_body_bytes)
{
    if (ex->req) {
        if (!ex->responded)
            /* the guest never answered: 500, or 504 when its time ran out */
            send_error(ex, rc == WH_INTERRUPTED ? 504 : 500);
        else
            /* set, but the body never finished: incomplete */
            abort_with(ex, rc == WH_INTERRUPTED ? 504 : 500);
    }
    int status = ex->sent;
    if (out_body_bytes)
        *out_body_bytes = ex->body_bytes;
    wasi_obj_unref(ex->ctx, &ex->obj);
    return status;
}

bool hw_exchange_responded(const hw_exchange_t *ex)
{
    return ex->responded;
}
