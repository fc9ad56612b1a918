/*
 * hw_outgoing.c — wasi:http/outgoing-handler. Outbound requests are not
 * sent yet: handle takes the request and its options, as the WIT says it
 * does, and answers error-code.HTTP-request-denied, which is what a host
 * that allows the guest no destination says.
 */
#include "hw_int.h"

static wh_rc handle(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    if (!hw__outreq_take(call, &args[0]))
        return WH_TRAP;
    if (args[1].of.var.tag == 1 && !hw__options_take(call, args[1].of.var.v))
        return WH_TRAP;
    hw_errcode_t e = hw_ec(HW_EC_HTTP_REQUEST_DENIED);
    cm_val_t code;
    wh_rc rc = hw__ec_val(call, &e, &code);
    return rc ? rc : wasi_errv(call, result, &code);
}

const wasi_func_t hw__outgoing_funcs[] = {
    {"handle",
     "func(request: outgoing-request, options: option<request-options>) -> "
     "result<future-incoming-response, error-code>",
     handle},
};
const size_t hw__noutgoing_funcs = WH_ARRAY_LEN(hw__outgoing_funcs);
