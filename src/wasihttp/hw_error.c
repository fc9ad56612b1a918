/*
 * hw_error.c — wasi:http error-code: its cases and payloads both ways
 * between C and component values, the status a response gets for each,
 * and http-error-code, which gives the code back from a wasi:io error.
 *
 * A wasi:io error of domain WASI_ERRDOM_HTTP carries only the case (its
 * code) and a message, so http-error-code returns the case with empty
 * payloads, except internal-error, whose string is the message.
 *
 * Outbound transfers fail with libcurl's codes, mapped at the end.
 */
#include "wasihttp/internal.h"

#include <curl/curl.h>
#include <errno.h>
#include <string.h>

typedef enum {
    PAY_NONE,
    PAY_DNS,
    PAY_TLS,
    PAY_OPT_U64,
    PAY_OPT_U32,
    PAY_OPT_FSP,
    PAY_FSP,
    PAY_OPT_STR
} pay_kind;

static const struct {
    const char *name;
    uint8_t pay;
    uint16_t status;
} cases[] = {
#define HW_EC_ROW(id, name, pay, status) {name, PAY_##pay, status},
    HW_ERROR_CODE_MAP(HW_EC_ROW)
#undef HW_EC_ROW
};

const char *hw__ec_name(hw_ec_tag tag)
{
    return tag < HW_EC_COUNT ? cases[tag].name : "unknown";
}

int hw__ec_status(hw_ec_tag tag)
{
    return tag < HW_EC_COUNT ? cases[tag].status : 500;
}

wasi_ioerr_t hw__ec_ioerr(const hw_errcode_t *e)
{
    wasi_ioerr_t io = {WASI_ERRDOM_HTTP, (int)e->tag, hw__ec_name(e->tag)};
    /* the string of internal-error is its message (static strings only
     * reach here: wasi_error_new copies it) */
    if (e->tag == HW_EC_INTERNAL_ERROR && e->str)
        io.msg = e->str;
    return io;
}

/* ---- to the guest ---- */

static wh_rc opt(cm_call_t *call, cm_val_t *out, const cm_val_t *some)
{
    return hw__wrap(call, out, CM_OPTION, some ? 1 : 0, some);
}

static wh_rc opt_num(cm_call_t *call, cm_val_t *out, bool has, uint64_t n, uint8_t kind)
{
    cm_val_t v = {.kind = kind};
    v.of.u = n;
    return opt(call, out, has ? &v : NULL);
}

static wh_rc opt_str(cm_call_t *call, cm_val_t *out, const char *s, size_t n)
{
    cm_val_t v = s ? wasi_str(call, s, n) : (cm_val_t){0};
    return opt(call, out, s ? &v : NULL);
}

/* A record of two option fields: (string, number) or (number, string). */
static wh_rc pair(cm_call_t *call, cm_val_t *out, const hw_errcode_t *e, bool str_first,
                  uint8_t num_kind)
{
    cm_val_t *f = cm_call_alloc(call, 2 * sizeof *f);
    if (!f)
        return wasi_nomem(call);
    wh_rc rc = opt_str(call, &f[str_first ? 0 : 1], e->str, e->str_len);
    if (!rc)
        rc = opt_num(call, &f[str_first ? 1 : 0], e->has_num, e->num, num_kind);
    if (rc)
        return rc;
    *out = (cm_val_t){.kind = CM_RECORD};
    out->of.list.v = f;
    out->of.list.n = 2;
    return WH_OK;
}

wh_rc hw__ec_val(cm_call_t *call, const hw_errcode_t *e, cm_val_t *out)
{
    hw_ec_tag tag = e->tag < HW_EC_COUNT ? e->tag : HW_EC_INTERNAL_ERROR;
    cm_val_t p;
    wh_rc rc = WH_OK;
    switch (cases[tag].pay) {
    case PAY_NONE:
        return hw__wrap(call, out, CM_VARIANT, tag, NULL);
    case PAY_DNS:
        rc = pair(call, &p, e, true, CM_U16);
        break;
    case PAY_TLS:
        rc = pair(call, &p, e, false, CM_U8);
        break;
    case PAY_OPT_U64:
        rc = opt_num(call, &p, e->has_num, e->num, CM_U64);
        break;
    case PAY_OPT_U32:
        rc = opt_num(call, &p, e->has_num, e->num, CM_U32);
        break;
    case PAY_FSP:
        rc = pair(call, &p, e, true, CM_U32);
        break;
    case PAY_OPT_FSP: {
        cm_val_t r;
        if (!e->has_num && !e->str)
            p = hw_none();
        else if (!(rc = pair(call, &r, e, true, CM_U32)))
            rc = opt(call, &p, &r);
        break;
    }
    case PAY_OPT_STR:
        rc = opt_str(call, &p, e->str, e->str_len);
        break;
    }
    return rc ? rc : hw__wrap(call, out, CM_VARIANT, tag, &p);
}

/* ---- from the guest ---- */

static void take_opt_num(const cm_val_t *o, hw_errcode_t *out)
{
    if (o->of.var.tag == 1 && o->of.var.v) {
        out->has_num = true;
        out->num = o->of.var.v->of.u;
    }
}

static void take_opt_str(const cm_val_t *o, hw_errcode_t *out)
{
    if (o->of.var.tag == 1 && o->of.var.v) {
        out->str = o->of.var.v->of.str.ptr;
        out->str_len = o->of.var.v->of.str.len;
    }
}

void hw__ec_from_val(const cm_val_t *v, hw_errcode_t *out)
{
    *out = hw_ec(v->of.var.tag < HW_EC_COUNT ? (hw_ec_tag)v->of.var.tag : HW_EC_INTERNAL_ERROR);
    const cm_val_t *p = v->of.var.v;
    if (!p)
        return;
    switch (cases[out->tag].pay) {
    case PAY_DNS:
    case PAY_FSP:
        take_opt_str(&p->of.list.v[0], out);
        take_opt_num(&p->of.list.v[1], out);
        break;
    case PAY_TLS:
        take_opt_num(&p->of.list.v[0], out);
        take_opt_str(&p->of.list.v[1], out);
        break;
    case PAY_OPT_U64:
    case PAY_OPT_U32:
        take_opt_num(p, out);
        break;
    case PAY_OPT_FSP:
        if (p->of.var.tag == 1 && p->of.var.v) {
            take_opt_str(&p->of.var.v->of.list.v[0], out);
            take_opt_num(&p->of.var.v->of.list.v[1], out);
        }
        break;
    case PAY_OPT_STR:
        take_opt_str(p, out);
        break;
    default:
        break;
    }
}

/* ---- http-error-code ---- */

static wh_rc http_error_code(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    wasi_error_t *e = WASI_ARG(call, &args[0], wasi_error_t, wasi_type_error);
    if (!e)
        return WH_TRAP;
    if (e->e.dom != WASI_ERRDOM_HTTP || e->e.code < 0 || e->e.code >= HW_EC_COUNT) {
        *result = hw_none();
        return WH_OK;
    }
    hw_errcode_t ec = hw_ec((hw_ec_tag)e->e.code);
    if (ec.tag == HW_EC_INTERNAL_ERROR) {
        ec.str = e->msg;
        ec.str_len = strlen(e->msg);
    }
    cm_val_t v;
    wh_rc rc = hw__ec_val(call, &ec, &v);
    return rc ? rc : hw__wrap(call, result, CM_OPTION, 1, &v);
}

const wasi_func_t hw__error_funcs[] = {
    {"http-error-code", "func(err: borrow<error>) -> option<error-code>", http_error_code},
};
const size_t hw__nerror_funcs = WH_ARRAY_LEN(hw__error_funcs);

/* ---- libcurl's failures as error-codes ----
 * The cases a guest can act on are told apart by what libcurl reports and
 * by how far the transfer got: a timeout before the name was resolved is
 * DNS-timeout, before the connection was up connection-timeout, after it
 * HTTP-response-timeout; a connect that failed is refused, unreachable or
 * timed out by the socket's errno. Whatever has no closer case is
 * internal-error with libcurl's own words. */
hw_errcode_t hw__ec_from_curl(int curlcode, int os_errno, bool resolved, bool connected,
                              bool responded)
{
    hw_errcode_t e = hw_ec(HW_EC_INTERNAL_ERROR);
    switch ((CURLcode)curlcode) {
    case CURLE_COULDNT_RESOLVE_HOST:
        e.tag = HW_EC_DNS_ERROR;
        break;
    case CURLE_COULDNT_CONNECT:
        e.tag = os_errno == ETIMEDOUT ? HW_EC_CONNECTION_TIMEOUT
                : os_errno == ENETUNREACH || os_errno == EHOSTUNREACH
                    ? HW_EC_DESTINATION_UNAVAILABLE
                : os_errno == EADDRNOTAVAIL ? HW_EC_DESTINATION_IP_UNROUTABLE
                                            : HW_EC_CONNECTION_REFUSED;
        break;
    case CURLE_OPERATION_TIMEDOUT:
        e.tag = !resolved    ? HW_EC_DNS_TIMEOUT
                : !connected ? HW_EC_CONNECTION_TIMEOUT
                : responded  ? HW_EC_CONNECTION_READ_TIMEOUT
                             : HW_EC_HTTP_RESPONSE_TIMEOUT;
        break;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
        e.tag = HW_EC_TLS_CERTIFICATE_ERROR;
        break;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_USE_SSL_FAILED:
        e.tag = HW_EC_TLS_PROTOCOL_ERROR;
        break;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
        e.tag = HW_EC_CONNECTION_TERMINATED;
        break;
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
        e.tag = HW_EC_HTTP_RESPONSE_INCOMPLETE;
        break;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
    case CURLE_UNSUPPORTED_PROTOCOL:
        e.tag = HW_EC_HTTP_PROTOCOL_ERROR;
        break;
    case CURLE_BAD_CONTENT_ENCODING:
        e.tag = HW_EC_HTTP_RESPONSE_CONTENT_CODING;
        break;
    case CURLE_FILESIZE_EXCEEDED:
        e.tag = HW_EC_HTTP_RESPONSE_BODY_SIZE;
        break;
    case CURLE_TOO_MANY_REDIRECTS:
        e.tag = HW_EC_LOOP_DETECTED;
        break;
    case CURLE_URL_MALFORMAT:
        e.tag = HW_EC_HTTP_REQUEST_URI_INVALID;
        break;
    default:
        e.str = curl_easy_strerror((CURLcode)curlcode);
        e.str_len = strlen(e.str);
        break;
    }
    return e;
}
