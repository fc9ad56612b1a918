/*
 * hw_link.c — the definitions of wasi:http/types and
 * wasi:http/outgoing-handler (at WASI_V; guests built for any 0.2.x link by
 * semver), and the value builders the host functions share.
 *
 * Resources a guest sees under other names are used under the name its
 * component gives them: the component model names a resource after its
 * first export, so wasi:io/error's "error" (http/types' io-error) stays
 * "error", and fields is never "headers" or "trailers" in a signature. The
 * other names are defined too, as resources, so that a check by export
 * name (inspect's) finds them; instantiation binds them to the resource
 * they alias, never to these.
 */
#include "wasihttp/internal.h"

#include <string.h>

/* ---- value builders ---- */

wh_rc hw__wrap(cm_call_t *call, cm_val_t *out, uint8_t kind, uint32_t tag, const cm_val_t *payload)
{
    cm_val_t v = {.kind = kind};
    v.of.var.tag = tag;
    if (payload && !(v.of.var.v = wasi_box(call, *payload)))
        return wasi_nomem(call);
    *out = v;
    return WH_OK;
}

wh_rc hw__own(cm_call_t *call, wasi_obj_t *o, cm_val_t *out)
{
    uint32_t rep = wasi_table_add(wasi_ctx_of(call), o);
    if (!rep)
        return wasi_nomem(call);
    *out = wasi_own(rep);
    return WH_OK;
}

wh_rc hw__subscribe(cm_call_t *call, wasi_obj_t *o, const wasi_pollops_t *ops, cm_val_t *result)
{
    uint32_t rep = wasi_pollable_new(wasi_ctx_of(call), o, ops, 0);
    if (!rep)
        return wasi_nomem(call);
    *result = wasi_own(rep);
    return WH_OK;
}

void hw__arm_nothing(wasi_ctx_t *ctx, wasi_obj_t *src)
{
    /* the source notifies the context whenever it changes (internal.h) */
}

wh_rc hw__future_value(cm_call_t *call, bool taken, const cm_val_t *ok, const hw_errcode_t *err,
                       cm_val_t *result)
{
    cm_val_t outer, inner, code;
    wh_rc rc;
    if (taken) {
        rc = hw__wrap(call, &outer, CM_RESULT, 1, NULL);
    } else {
        rc = ok ? WH_OK : hw__ec_val(call, err, &code);
        if (!rc)
            rc = hw__wrap(call, &inner, CM_RESULT, ok ? 0 : 1, ok ? ok : &code);
        if (!rc)
            rc = hw__wrap(call, &outer, CM_RESULT, 0, &inner);
    }
    return rc ? rc : hw__wrap(call, result, CM_OPTION, 1, &outer);
}

/* ---- the types ---- */

/* clang-format off */
#define PAYW_NONE ""
#define PAYW_DNS "(DNS-error-payload)"
#define PAYW_TLS "(TLS-alert-received-payload)"
#define PAYW_OPT_U64 "(option<u64>)"
#define PAYW_OPT_U32 "(option<u32>)"
#define PAYW_OPT_FSP "(option<field-size-payload>)"
#define PAYW_FSP "(field-size-payload)"
#define PAYW_OPT_STR "(option<string>)"
#define HW_EC_WIT(id, name, pay, status) name PAYW_##pay ", "

/* error-code and the records of its payloads */
#define ERROR_CODE_TYPES                                                                   \
    {"DNS-error-payload", "record { rcode: option<string>, info-code: option<u16> }"},     \
    {"TLS-alert-received-payload",                                                         \
     "record { alert-id: option<u8>, alert-message: option<string> }"},                    \
    {"field-size-payload", "record { field-name: option<string>, field-size: option<u32> }"}, \
    {"error-code", "variant { " HW_ERROR_CODE_MAP(HW_EC_WIT) "}"}
/* clang-format on */

static const wasi_typedef_t types_types[] = {
    {"duration", "u64"},
    {"input-stream", "resource"},
    {"output-stream", "resource"},
    {"error", "resource"},
    {"pollable", "resource"},
    /* other names of the same resources (see the top) */
    {"io-error", "resource"},
    {"headers", "resource"},
    {"trailers", "resource"},
    {"method",
     "variant { get, head, post, put, delete, connect, options, trace, patch, other(string) }"},
    {"scheme", "variant { HTTP, HTTPS, other(string) }"},
    ERROR_CODE_TYPES,
    {"header-error", "variant { invalid-syntax, forbidden, immutable }"},
    {"fields", "resource"},
    {"incoming-request", "resource"},
    {"outgoing-request", "resource"},
    {"request-options", "resource"},
    {"response-outparam", "resource"},
    {"incoming-response", "resource"},
    {"incoming-body", "resource"},
    {"future-trailers", "resource"},
    {"outgoing-response", "resource"},
    {"outgoing-body", "resource"},
    {"future-incoming-response", "resource"},
};

static const wasi_typedef_t outgoing_types[] = {
    ERROR_CODE_TYPES,
    {"outgoing-request", "resource"},
    {"request-options", "resource"},
    {"future-incoming-response", "resource"},
};

wh_rc hw_link(cm_linker_t *l, wh_err_t *err)
{
    static const struct {
        const wasi_func_t *funcs;
        const size_t *n;
    } parts[] = {
        {hw__fields_funcs, &hw__nfields_funcs}, {hw__request_funcs, &hw__nrequest_funcs},
        {hw__body_funcs, &hw__nbody_funcs},     {hw__response_funcs, &hw__nresponse_funcs},
        {hw__error_funcs, &hw__nerror_funcs},   {hw__future_funcs, &hw__nfuture_funcs},
    };
    wh_rc rc = wasi_define(l, HW_TYPES, types_types, WH_ARRAY_LEN(types_types), NULL, 0, err);
    for (size_t i = 0; !rc && i < WH_ARRAY_LEN(parts); i++)
        rc = wasi_define(l, HW_TYPES, NULL, 0, parts[i].funcs, *parts[i].n, err);
    if (!rc)
        rc = wasi_define(l, HW_OUTGOING, outgoing_types, WH_ARRAY_LEN(outgoing_types),
                         hw__outgoing_funcs, hw__noutgoing_funcs, err);
    return rc;
}
