/*
 * hw_body.c — bodies: incoming-body (its input-stream and future-trailers)
 * over an hw_inflow_t, and outgoing-body (its output-stream) over an
 * hw_outflow_t.
 *
 * Incoming: the producer pushes bytes; the flow keeps at most about
 * HW_BODY_BUFFER of them and then tells the producer to pause, and asks it
 * to resume once the guest has read half of that. A read returns what is
 * there, nothing (would block) while the body is still coming, "closed" at
 * its end, and last-operation-failed (an error with an http-error-code)
 * when it cannot complete. incoming-body.finish stops the stream (it reads
 * "closed" from then on, instead of the trap the WIT allows), drops the
 * rest of the body as it comes and resolves the future-trailers at its end.
 *
 * Outgoing: bytes written before the body is linked to its sink (the
 * exchange, by response-outparam.set; an outbound transfer, by
 * outgoing-handler.handle) wait in the flow (HW_BODY_BUFFER at most:
 * check-write says how much more); after that they go to the sink. A body
 * with a Content-Length refuses bytes past it, and finish fails when fewer
 * came (HTTP-response-body-size or HTTP-request-body-size; for a response
 * to HEAD, no body is owed). Dropping an outgoing-body without finish
 * abandons the message: the other side sees it incomplete.
 */
#include "wasihttp/internal.h"

#include <string.h>

/* ================= incoming ================= */

static void inflow_destroy(wasi_ctx_t *ctx, wasi_obj_t *o)
{
    hw_inflow_t *f = (hw_inflow_t *)o;
    if (f->prod && f->pops->gone)
        f->pops->gone(f->prod);
    wh_vec_free(&f->buf);
    wasi_obj_unref(ctx, f->trailers ? &f->trailers->obj : NULL);
    wh_free(f);
}

static const wasi_objtype_t type_inflow = {"incoming body", inflow_destroy};

hw_inflow_t *hw__inflow_new(wasi_ctx_t *ctx, const hw_inflow_prod_t *pops, void *prod, bool wanted)
{
    hw_inflow_t *f = wh_calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->obj = (wasi_obj_t){&type_inflow, 1};
    f->ctx = ctx;
    f->pops = pops;
    f->prod = prod;
    f->wanted = wanted;
    f->paused = !wanted;
    return f;
}

static size_t avail(const hw_inflow_t *f)
{
    return f->buf.len - f->off;
}

/* Asks the producer for more once the guest wants the body and has made
 * room. */
static void maybe_resume(hw_inflow_t *f)
{
    if (f->paused && f->prod && f->wanted && avail(f) <= HW_BODY_BUFFER / 2) {
        f->paused = false;
        f->pops->resume(f->prod);
    }
}

bool hw__inflow_push(hw_inflow_t *f, const uint8_t *data, size_t len)
{
    if (f->state != HW_FLOW_OPEN)
        return true;
    if (!f->dropping && len) {
        if (f->off && f->off >= f->buf.len / 2) {
            memmove(f->buf.data, f->buf.data + f->off, avail(f));
            f->buf.len -= f->off;
            f->off = 0;
        }
        if (len > UINT32_MAX - f->buf.len || !wh_vec_reserve(&f->buf, (uint32_t)len)) {
            hw_errcode_t e = hw_ec(HW_EC_INTERNAL_ERROR);
            e.str = "out of memory for the request body";
            hw__inflow_fail(f, &e);
            return true;
        }
        memcpy(f->buf.data + f->buf.len, data, len);
        f->buf.len += (uint32_t)len;
        wasi_ctx_notify(f->ctx);
    }
    if (!f->wanted || avail(f) >= HW_BODY_BUFFER) {
        f->paused = true;
        return false;
    }
    return true;
}

void hw__inflow_end(hw_inflow_t *f, const hx_header_t *trailers, size_t n)
{
    if (f->state != HW_FLOW_OPEN)
        return;
    if (n && !(f->trailers = hw__fields_from_hx(trailers, n))) {
        hw_errcode_t e = hw_ec(HW_EC_INTERNAL_ERROR);
        e.str = "out of memory for the trailers";
        hw__inflow_fail(f, &e);
        return;
    }
    f->state = HW_FLOW_ENDED;
    f->prod = NULL;
    wasi_ctx_notify(f->ctx);
}

void hw__inflow_fail(hw_inflow_t *f, const hw_errcode_t *why)
{
    f->prod = NULL;
    if (f->state != HW_FLOW_OPEN)
        return;
    f->state = HW_FLOW_FAILED;
    f->err = *why;
    wasi_ctx_notify(f->ctx);
}

void hw__inflow_detach(hw_inflow_t *f, const hw_errcode_t *why)
{
    hw__inflow_fail(f, why);
}

/* ---- the input-stream ---- */

typedef struct {
    wasi_istream_t s;
    hw_inflow_t *flow;
} instream_t;

static wasi_io_status in_read(wasi_ctx_t *ctx, wasi_istream_t *s, uint8_t *buf, size_t max,
                              size_t *n, wasi_ioerr_t *e)
{
    hw_inflow_t *f = ((instream_t *)s)->flow;
    if (f->cut)
        return WASI_IO_CLOSED;
    size_t a = avail(f);
    if (a) {
        size_t k = a < max ? a : max;
        memcpy(buf, f->buf.data + f->off, k);
        f->off += (uint32_t)k;
        if (f->off == f->buf.len)
            f->off = f->buf.len = 0;
        maybe_resume(f);
        *n = k;
        return WASI_IO_OK;
    }
    if (f->state == HW_FLOW_ENDED)
        return WASI_IO_CLOSED;
    if (f->state == HW_FLOW_FAILED) {
        *e = hw__ec_ioerr(&f->err);
        return WASI_IO_FAILED;
    }
    *n = 0;
    return WASI_IO_OK;
}

static bool in_ready(wasi_ctx_t *ctx, wasi_istream_t *s)
{
    hw_inflow_t *f = ((instream_t *)s)->flow;
    return f->cut || avail(f) || f->state != HW_FLOW_OPEN;
}

static void in_destroy(wasi_ctx_t *ctx, wasi_istream_t *s)
{
    instream_t *st = (instream_t *)s;
    wasi_obj_unref(ctx, &st->flow->obj);
    wh_free(st);
}

static const wasi_istream_ops instream_ops = {in_read, in_ready, NULL, in_destroy};

/* ---- incoming-body ---- */

typedef struct {
    wasi_obj_t obj;
    hw_inflow_t *flow;
    bool stream_taken;
} inbody_t;

static void inbody_destroy(wasi_ctx_t *ctx, wasi_obj_t *o)
{
    inbody_t *b = (inbody_t *)o;
    wasi_obj_unref(ctx, &b->flow->obj);
    wh_free(b);
}

static const wasi_objtype_t type_inbody = {"incoming-body", inbody_destroy};

uint32_t hw__incoming_body_new(wasi_ctx_t *ctx, hw_inflow_t *f)
{
    inbody_t *b = wh_calloc(1, sizeof *b);
    if (!b)
        return 0;
    b->obj = (wasi_obj_t){&type_inbody, 1};
    b->flow = f;
    wasi_obj_ref(&f->obj);
    return wasi_table_add(ctx, &b->obj);
}

static wh_rc inbody_stream(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    inbody_t *b = WASI_ARG(call, &args[0], inbody_t, type_inbody);
    if (!b)
        return WH_TRAP;
    if (b->stream_taken)
        return wasi_errv(call, result, NULL);
    instream_t *s = wh_calloc(1, sizeof *s);
    if (!s)
        return wasi_nomem(call);
    wasi_istream_init(&s->s, &instream_ops);
    s->flow = b->flow;
    wasi_obj_ref(&b->flow->obj);
    cm_val_t own;
    wh_rc rc = hw__own(call, &s->s.obj, &own);
    if (rc)
        return rc;
    b->stream_taken = true;
    b->flow->wanted = true;
    maybe_resume(b->flow);
    return wasi_ok(call, result, &own);
}

/* ---- future-trailers ---- */

typedef struct {
    wasi_obj_t obj;
    hw_inflow_t *flow;
} ftrailers_t;

static void ftrailers_destroy(wasi_ctx_t *ctx, wasi_obj_t *o)
{
    ftrailers_t *t = (ftrailers_t *)o;
    wasi_obj_unref(ctx, &t->flow->obj);
    wh_free(t);
}

static const wasi_objtype_t type_ftrailers = {"future-trailers", ftrailers_destroy};

static wh_rc inbody_finish(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    wasi_ctx_t *ctx = wasi_ctx_of(call);
    inbody_t *b = WASI_ARG(call, &args[0], inbody_t, type_inbody);
    if (!b)
        return WH_TRAP;
    ftrailers_t *t = wh_calloc(1, sizeof *t);
    if (!t)
        return wasi_nomem(call);
    hw_inflow_t *f = b->flow;
    *t = (ftrailers_t){{&type_ftrailers, 1}, f};
    wasi_obj_ref(&f->obj);
    wasi_table_remove(ctx, args[0].of.handle.rep);
    /* The guest is done with the bytes: the rest is dropped as it comes,
     * so that the trailers arrive whatever the stream did. */
    f->cut = true;
    f->dropping = true;
    f->wanted = true;
    f->off = f->buf.len = 0;
    maybe_resume(f);
    return hw__own(call, &t->obj, result);
}

static bool ftrailers_ready(wasi_ctx_t *ctx, wasi_obj_t *src)
{
    return ((ftrailers_t *)src)->flow->state != HW_FLOW_OPEN;
}

static const wasi_pollops_t ftrailers_poll = {ftrailers_ready, hw__arm_nothing};

static wh_rc ftrailers_subscribe(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    ftrailers_t *t = WASI_ARG(call, &args[0], ftrailers_t, type_ftrailers);
    return t ? hw__subscribe(call, &t->obj, &ftrailers_poll, result) : WH_TRAP;
}

/* get: option<result<result<option<trailers>, error-code>>> */
static wh_rc ftrailers_get(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    ftrailers_t *t = WASI_ARG(call, &args[0], ftrailers_t, type_ftrailers);
    if (!t)
        return WH_TRAP;
    hw_inflow_t *f = t->flow;
    if (f->state == HW_FLOW_OPEN) {
        *result = hw_none();
        return WH_OK;
    }
    cm_val_t opt = hw_none(), own;
    wh_rc rc = WH_OK;
    if (f->state == HW_FLOW_ENDED && f->trailers && !f->trailers_taken) {
        wasi_obj_ref(&f->trailers->obj);
        if (!(rc = hw__own(call, &f->trailers->obj, &own)))
            rc = hw__wrap(call, &opt, CM_OPTION, 1, &own);
    }
    if (!rc)
        rc = hw__future_value(call, f->trailers_taken, f->state == HW_FLOW_FAILED ? NULL : &opt,
                              &f->err, result);
    if (!rc)
        f->trailers_taken = true;
    return rc;
}

/* ================= outgoing ================= */

static void outflow_destroy(wasi_ctx_t *ctx, wasi_obj_t *o)
{
    hw_outflow_t *f = (hw_outflow_t *)o;
    wh_vec_free(&f->pending);
    wasi_obj_unref(ctx, f->trailers ? &f->trailers->obj : NULL);
    wh_free(f);
}

static const wasi_objtype_t type_outflow = {"outgoing body", outflow_destroy};

hw_outflow_t *hw__outflow_new(hw_out_kind kind, int64_t content_length)
{
    hw_outflow_t *f = wh_calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->obj = (wasi_obj_t){&type_outflow, 1};
    f->kind = kind;
    f->content_length = content_length;
    return f;
}

void hw__outflow_fail(wasi_ctx_t *ctx, hw_outflow_t *f, const hw_errcode_t *why)
{
    if (f->failed)
        return;
    f->failed = true;
    f->err = *why;
    if (ctx)
        wasi_ctx_notify(ctx);
}

/* ---- the output-stream ---- */

typedef struct {
    wasi_ostream_t s;
    hw_outflow_t *flow;
} outstream_t;

static wasi_io_status out_state(hw_outflow_t *f, wasi_ioerr_t *e)
{
    if (f->finished || f->abandoned)
        return WASI_IO_CLOSED;
    if (f->failed) {
        *e = hw__ec_ioerr(&f->err);
        return WASI_IO_FAILED;
    }
    return WASI_IO_OK;
}

static wasi_io_status out_check_write(wasi_ctx_t *ctx, wasi_ostream_t *s, size_t *n,
                                      wasi_ioerr_t *e)
{
    hw_outflow_t *f = ((outstream_t *)s)->flow;
    wasi_io_status st = out_state(f, e);
    if (st != WASI_IO_OK)
        return st;
    if (f->sink) {
        *n = f->sops->writable(f->sink);
        return out_state(f, e); /* asking may have found the other side gone */
    }
    *n = f->pending.len < HW_BODY_BUFFER ? HW_BODY_BUFFER - f->pending.len : 0;
    return WASI_IO_OK;
}

bool hw__outflow_hold(wasi_ctx_t *ctx, hw_outflow_t *f, const uint8_t *p, size_t n)
{
    if (n > UINT32_MAX - f->pending.len || !wh_vec_reserve(&f->pending, (uint32_t)n)) {
        hw_errcode_t why = hw_ec(HW_EC_INTERNAL_ERROR);
        why.str = "out of memory for an outgoing body";
        why.str_len = strlen(why.str);
        hw__outflow_fail(ctx, f, &why);
        return false;
    }
    memcpy(f->pending.data + f->pending.len, p, n);
    f->pending.len += (uint32_t)n;
    return true;
}

static wasi_io_status out_write(wasi_ctx_t *ctx, wasi_ostream_t *s, const uint8_t *p, size_t n,
                                wasi_ioerr_t *e)
{
    hw_outflow_t *f = ((outstream_t *)s)->flow;
    wasi_io_status st = out_state(f, e);
    if (st != WASI_IO_OK)
        return st;
    if (f->content_length >= 0 && f->written + n > (uint64_t)f->content_length) {
        hw_errcode_t why = hw_ec(f->kind == HW_OUT_RESPONSE ? HW_EC_HTTP_RESPONSE_BODY_SIZE
                                                            : HW_EC_HTTP_REQUEST_BODY_SIZE);
        why.has_num = true;
        why.num = f->written + n;
        hw__outflow_fail(NULL, f, &why);
        *e = hw__ec_ioerr(&why);
        return WASI_IO_FAILED;
    }
    f->written += n;
    if (f->sink)
        return f->sops->write(f->sink, p, n, e);
    if (!hw__outflow_hold(NULL, f, p, n)) {
        *e = hw__ec_ioerr(&f->err);
        return WASI_IO_FAILED;
    }
    return WASI_IO_OK;
}

static wasi_io_status out_flush(wasi_ctx_t *ctx, wasi_ostream_t *s, wasi_ioerr_t *e)
{
    hw_outflow_t *f = ((outstream_t *)s)->flow;
    if (f->sink && !f->failed)
        f->sops->flush(f->sink);
    return out_state(f, e);
}

static bool out_ready(wasi_ctx_t *ctx, wasi_ostream_t *s)
{
    size_t n = 0;
    wasi_ioerr_t e;
    return out_check_write(ctx, s, &n, &e) != WASI_IO_OK || n > 0;
}

static void out_destroy(wasi_ctx_t *ctx, wasi_ostream_t *s)
{
    outstream_t *st = (outstream_t *)s;
    wasi_obj_unref(ctx, &st->flow->obj);
    wh_free(st);
}

/* No arm: the exchange notifies on on_writable and whenever it fails. */
static const wasi_ostream_ops outstream_ops = {out_check_write, out_write, out_flush,
                                               out_ready,       NULL,      out_destroy};

/* ---- outgoing-body ---- */

typedef struct {
    wasi_obj_t obj;
    hw_outflow_t *flow;
} outbody_t;

static void outbody_destroy(wasi_ctx_t *ctx, wasi_obj_t *o)
{
    outbody_t *b = (outbody_t *)o;
    hw_outflow_t *f = b->flow;
    if (!f->finished) {
        /* dropped without finish: the body is incomplete (the WIT asks the
         * host to make that visible) */
        f->abandoned = true;
        if (f->sink)
            f->sops->abort(f->sink);
    }
    wasi_obj_unref(ctx, &f->obj);
    wh_free(b);
}

static const wasi_objtype_t type_outbody = {"outgoing-body", outbody_destroy};

uint32_t hw__outgoing_body_new(wasi_ctx_t *ctx, hw_outflow_t *f)
{
    outbody_t *b = wh_calloc(1, sizeof *b);
    if (!b)
        return 0;
    b->obj = (wasi_obj_t){&type_outbody, 1};
    b->flow = f;
    wasi_obj_ref(&f->obj);
    return wasi_table_add(ctx, &b->obj);
}

static wh_rc outbody_write(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    outbody_t *b = WASI_ARG(call, &args[0], outbody_t, type_outbody);
    if (!b)
        return WH_TRAP;
    if (b->flow->stream_taken)
        return wasi_errv(call, result, NULL);
    outstream_t *s = wh_calloc(1, sizeof *s);
    if (!s)
        return wasi_nomem(call);
    wasi_ostream_init(&s->s, &outstream_ops);
    s->flow = b->flow;
    wasi_obj_ref(&b->flow->obj);
    cm_val_t own;
    wh_rc rc = hw__own(call, &s->s.obj, &own);
    if (rc)
        return rc;
    b->flow->stream_taken = true;
    return wasi_ok(call, result, &own);
}

static wh_rc outbody_finish(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    wasi_ctx_t *ctx = wasi_ctx_of(call);
    outbody_t *b = WASI_ARG(call, &args[0], outbody_t, type_outbody);
    if (!b)
        return WH_TRAP;
    hw_fields_t *trailers = NULL;
    if (args[1].of.var.tag == 1 && !(trailers = hw__fields_take(call, args[1].of.var.v)))
        return WH_TRAP;
    hw_outflow_t *f = b->flow;
    wasi_obj_ref(&f->obj);
    f->finished = true;
    wasi_table_remove(ctx, args[0].of.handle.rep);

    hw_errcode_t why;
    bool bad = f->failed;
    if (bad) {
        why = f->err;
    } else if ((f->sink || f->kind == HW_OUT_REQUEST) && f->content_length >= 0 &&
               f->written != (uint64_t)f->content_length &&
               !(f->sink && f->sops->bodyless(f->sink))) {
        /* Short of the Content-Length. (Before a response's body is linked
         * to the exchange, the request's method is not known; the
         * exchange checks when it takes the body.) */
        why = hw_ec(f->kind == HW_OUT_RESPONSE ? HW_EC_HTTP_RESPONSE_BODY_SIZE
                                               : HW_EC_HTTP_REQUEST_BODY_SIZE);
        why.has_num = true;
        why.num = f->written;
        hw__outflow_fail(ctx, f, &why);
        bad = true;
    }
    wh_rc rc;
    if (bad) {
        wasi_obj_unref(ctx, trailers ? &trailers->obj : NULL);
        if (f->sink)
            f->sops->abort(f->sink);
        cm_val_t code;
        rc = hw__ec_val(call, &why, &code);
        if (!rc)
            rc = wasi_errv(call, result, &code);
    } else {
        if (f->sink)
            f->sops->finish(f->sink, trailers);
        else
            f->trailers = trailers;
        rc = wasi_ok(call, result, NULL);
    }
    wasi_obj_unref(ctx, &f->obj);
    return rc;
}

const wasi_func_t hw__body_funcs[] = {
    {"[method]incoming-body.stream", "func(self: borrow<incoming-body>) -> result<input-stream>",
     inbody_stream},
    {"[static]incoming-body.finish", "func(this: incoming-body) -> future-trailers", inbody_finish},
    {"[method]future-trailers.subscribe", "func(self: borrow<future-trailers>) -> pollable",
     ftrailers_subscribe},
    {"[method]future-trailers.get",
     "func(self: borrow<future-trailers>) -> "
     "option<result<result<option<fields>, error-code>>>",
     ftrailers_get},
    {"[method]outgoing-body.write", "func(self: borrow<outgoing-body>) -> result<output-stream>",
     outbody_write},
    {"[static]outgoing-body.finish",
     "func(this: outgoing-body, trailers: option<fields>) -> result<_, error-code>",
     outbody_finish},
};
const size_t hw__nbody_funcs = WH_ARRAY_LEN(hw__body_funcs);

wh_rc hw__consume(cm_call_t *call, hw_inflow_t **body, cm_val_t *result)
{
    if (!*body)
        return wasi_errv(call, result, NULL);
    wasi_ctx_t *ctx = wasi_ctx_of(call);
    uint32_t rep = hw__incoming_body_new(ctx, *body);
    if (!rep)
        return wasi_nomem(call);
    wasi_obj_unref(ctx, &(*body)->obj);
    *body = NULL;
    cm_val_t own = wasi_own(rep);
    return wasi_ok(call, result, &own);
}
