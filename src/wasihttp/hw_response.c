/*
 * hw_response.c — responses: outgoing-response (built by the guest),
 * response-outparam (how it reaches the exchange), and incoming-response
 * (what an outbound transfer gives back through its future, hw_outgoing.c).
 *
 * outgoing-response takes its headers over (they are immutable from then
 * on); its status is a final one, 200 to 599 (RFC 9110 15: 1xx are not
 * final, and nothing outside 100-599 is a status). Its body's
 * Content-Length is read when body() is called: a malformed one makes
 * body() fail.
 */
#include "wasihttp/internal.h"

#include <string.h>

/* ================= outgoing-response ================= */

typedef struct {
    wasi_obj_t obj;
    hw_fields_t *headers;
    int status;
    hw_outflow_t *flow; /* made by body() */
} outresp_t;

static void outresp_destroy(wasi_ctx_t *ctx, wasi_obj_t *o)
{
    outresp_t *r = (outresp_t *)o;
    wasi_obj_unref(ctx, &r->headers->obj);
    wasi_obj_unref(ctx, r->flow ? &r->flow->obj : NULL);
    wh_free(r);
}

static const wasi_objtype_t type_outresp = {"outgoing-response", outresp_destroy};

static outresp_t *outresp_arg(cm_call_t *call, const cm_val_t *v)
{
    return WASI_ARG(call, v, outresp_t, type_outresp);
}

static wh_rc outresp_new(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    outresp_t *r = wh_calloc(1, sizeof *r);
    if (!r)
        return wasi_nomem(call);
    if (!(r->headers = hw__fields_take(call, &args[0]))) {
        wh_free(r);
        return WH_TRAP;
    }
    r->obj = (wasi_obj_t){&type_outresp, 1};
    r->status = 200;
    return hw__own(call, &r->obj, result);
}

static wh_rc outresp_status(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    outresp_t *r = outresp_arg(call, &args[0]);
    if (!r)
        return WH_TRAP;
    *result = (cm_val_t){.kind = CM_U16};
    result->of.u = (uint64_t)r->status;
    return WH_OK;
}

static wh_rc outresp_set_status(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    outresp_t *r = outresp_arg(call, &args[0]);
    if (!r)
        return WH_TRAP;
    uint64_t s = args[1].of.u;
    if (s < 200 || s > 599)
        return wasi_errv(call, result, NULL);
    r->status = (int)s;
    return wasi_ok(call, result, NULL);
}

static wh_rc outresp_headers(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    outresp_t *r = outresp_arg(call, &args[0]);
    if (!r)
        return WH_TRAP;
    uint32_t rep = hw__fields_view(wasi_ctx_of(call), r->headers);
    if (!rep)
        return wasi_nomem(call);
    *result = wasi_own(rep);
    return WH_OK;
}

static wh_rc outresp_body(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    outresp_t *r = outresp_arg(call, &args[0]);
    if (!r)
        return WH_TRAP;
    int64_t cl = hw__fields_content_length(r->headers);
    if (r->flow || cl == -2)
        return wasi_errv(call, result, NULL);
    hw_outflow_t *f = hw__outflow_new(HW_OUT_RESPONSE, cl);
    uint32_t rep = f ? hw__outgoing_body_new(wasi_ctx_of(call), f) : 0;
    if (!rep) {
        wasi_obj_unref(wasi_ctx_of(call), f ? &f->obj : NULL);
        return wasi_nomem(call);
    }
    r->flow = f;
    cm_val_t own = wasi_own(rep);
    return wasi_ok(call, result, &own);
}

/* ================= response-outparam ================= */

typedef struct {
    wasi_obj_t obj;
    hw_exchange_t *ex; /* a reference */
} outparam_t;

static void outparam_destroy(wasi_ctx_t *ctx, wasi_obj_t *o)
{
    outparam_t *p = (outparam_t *)o;
    wasi_obj_unref(ctx, (wasi_obj_t *)p->ex);
    wh_free(p);
}

static const wasi_objtype_t type_outparam = {"response-outparam", outparam_destroy};

uint32_t hw__outparam_new(wasi_ctx_t *ctx, hw_exchange_t *ex)
{
    outparam_t *p = wh_calloc(1, sizeof *p);
    if (!p)
        return 0;
    p->obj = (wasi_obj_t){&type_outparam, 1};
    p->ex = ex;
    wasi_obj_ref((wasi_obj_t *)ex);
    return wasi_table_add(ctx, &p->obj);
}

static wh_rc outparam_set(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    wasi_ctx_t *ctx = wasi_ctx_of(call);
    outparam_t *p = WASI_ARG(call, &args[0], outparam_t, type_outparam);
    if (!p)
        return WH_TRAP;
    const cm_val_t *res = &args[1];
    hw_fields_t *headers = NULL;
    hw_outflow_t *flow = NULL;
    int status = 0;
    hw_errcode_t code;
    if (res->of.var.tag == 0) {
        outresp_t *r = outresp_arg(call, res->of.var.v);
        if (!r)
            return WH_TRAP;
        headers = r->headers;
        flow = r->flow;
        status = r->status;
        wasi_obj_ref(&headers->obj);
        if (flow)
            wasi_obj_ref(&flow->obj);
        wasi_table_remove(ctx, res->of.var.v->of.handle.rep);
    } else {
        hw__ec_from_val(res->of.var.v, &code);
    }
    hw_exchange_t *ex = p->ex;
    wasi_obj_ref((wasi_obj_t *)ex);
    wasi_table_remove(ctx, args[0].of.handle.rep);
    hw__ex_set(ex, status, headers, flow, res->of.var.tag == 0 ? NULL : &code);
    wasi_obj_unref(ctx, (wasi_obj_t *)ex);
    return WH_OK;
}

/* Informational (1xx) responses are not sent by this host: the answer the
 * WIT gives for that. */
static wh_rc outparam_send_informational(cm_call_t *call, void *env, const cm_val_t *args,
                                         cm_val_t *result)
{
    if (!WASI_ARG(call, &args[0], outparam_t, type_outparam))
        return WH_TRAP;
    hw_fields_t *h = hw__fields_take(call, &args[2]);
    if (!h)
        return WH_TRAP;
    wasi_obj_unref(wasi_ctx_of(call), &h->obj);
    hw_errcode_t e = hw_ec(HW_EC_HTTP_PROTOCOL_ERROR);
    if (args[1].of.u >= 100 && args[1].of.u <= 199) {
        e = hw_ec(HW_EC_INTERNAL_ERROR);
        e.str = "informational responses are not supported";
        e.str_len = strlen(e.str);
    }
    cm_val_t code;
    wh_rc rc = hw__ec_val(call, &e, &code);
    return rc ? rc : wasi_errv(call, result, &code);
}

/* ================= incoming-response ================= */

typedef struct {
    wasi_obj_t obj;
    int status;
    hw_fields_t *headers;
    hw_inflow_t *body; /* NULL once consumed */
} inresp_t;

static void inresp_destroy(wasi_ctx_t *ctx, wasi_obj_t *o)
{
    inresp_t *r = (inresp_t *)o;
    wasi_obj_unref(ctx, &r->headers->obj);
    wasi_obj_unref(ctx, r->body ? &r->body->obj : NULL);
    wh_free(r);
}

static const wasi_objtype_t type_inresp = {"incoming-response", inresp_destroy};

wasi_obj_t *hw__inresp_new(wasi_ctx_t *ctx, int status, hw_fields_t *headers, hw_inflow_t *body)
{
    inresp_t *r = wh_calloc(1, sizeof *r);
    if (!r) {
        wasi_obj_unref(ctx, &headers->obj);
        wasi_obj_unref(ctx, &body->obj);
        return NULL;
    }
    *r = (inresp_t){{&type_inresp, 1}, status, headers, body};
    return &r->obj;
}

static inresp_t *inresp_arg(cm_call_t *call, const cm_val_t *v)
{
    return WASI_ARG(call, v, inresp_t, type_inresp);
}

static wh_rc inresp_status(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    inresp_t *r = inresp_arg(call, &args[0]);
    if (!r)
        return WH_TRAP;
    *result = (cm_val_t){.kind = CM_U16};
    result->of.u = (uint64_t)r->status;
    return WH_OK;
}

static wh_rc inresp_headers(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    inresp_t *r = inresp_arg(call, &args[0]);
    return r ? hw__headers_result(call, r->headers, result) : WH_TRAP;
}

static wh_rc inresp_consume(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    inresp_t *r = inresp_arg(call, &args[0]);
    return r ? hw__consume(call, &r->body, result) : WH_TRAP;
}

#define OP  "borrow<response-outparam>"
#define ORS "borrow<outgoing-response>"
#define IRS "borrow<incoming-response>"
const wasi_func_t hw__response_funcs[] = {
    {"[constructor]outgoing-response", "func(headers: fields) -> outgoing-response", outresp_new},
    {"[method]outgoing-response.status-code", "func(self: " ORS ") -> u16", outresp_status},
    {"[method]outgoing-response.set-status-code", "func(self: " ORS ", status-code: u16) -> result",
     outresp_set_status},
    {"[method]outgoing-response.headers", "func(self: " ORS ") -> fields", outresp_headers},
    {"[method]outgoing-response.body", "func(self: " ORS ") -> result<outgoing-body>",
     outresp_body},
    {"[static]response-outparam.set",
     "func(param: response-outparam, response: result<outgoing-response, error-code>)",
     outparam_set},
    {"[method]response-outparam.send-informational",
     "func(self: " OP ", status: u16, headers: fields) -> result<_, error-code>",
     outparam_send_informational},
    {"[method]incoming-response.status", "func(self: " IRS ") -> u16", inresp_status},
    {"[method]incoming-response.headers", "func(self: " IRS ") -> fields", inresp_headers},
    {"[method]incoming-response.consume", "func(self: " IRS ") -> result<incoming-body>",
     inresp_consume},
};
#undef OP
#undef ORS
#undef IRS
const size_t hw__nresponse_funcs = WH_ARRAY_LEN(hw__response_funcs);
