/*
 * hw_request.c — requests: incoming-request (the inbound request as the
 * guest sees it, copied at arrival so that it outlives the client),
 * outgoing-request and request-options (built by a guest for
 * outgoing-handler.handle).
 *
 * An incoming request's path-with-query is the target as sent (for an
 * absolute-form target, "http://host/p?q", its path and query, and its
 * scheme and authority); its scheme is https when the request came over
 * TLS, else http; its authority is the Host field.
 */
#include "wasihttp/internal.h"

#include <string.h>
#include <strings.h>

/* method cases, in the WIT's order (other(string) comes last) */
static const char *const methods[] = {"GET",     "HEAD",    "POST",  "PUT",  "DELETE",
                                      "CONNECT", "OPTIONS", "TRACE", "PATCH"};
enum {
    METHOD_OTHER = HW_METHOD_OTHER,
    SCHEME_HTTP = HW_SCHEME_HTTP,
    SCHEME_HTTPS = HW_SCHEME_HTTPS,
    SCHEME_OTHER = HW_SCHEME_OTHER
};
_Static_assert(WH_ARRAY_LEN(methods) == HW_METHOD_OTHER, "method cases");

const char *hw__method_name(uint32_t tag, const char *other)
{
    return tag < METHOD_OTHER ? methods[tag] : other;
}

static uint32_t method_tag(const char *m, size_t n)
{
    for (uint32_t i = 0; i < METHOD_OTHER; i++)
        if (strlen(methods[i]) == n && memcmp(methods[i], m, n) == 0)
            return i;
    return METHOD_OTHER;
}

/* A variant of a case with an optional string payload. */
static wh_rc tagged_str(cm_call_t *call, cm_val_t *out, uint32_t tag, const char *s, size_t n)
{
    cm_val_t str = wasi_str(call, s, n);
    return hw__wrap(call, out, CM_VARIANT, tag, s ? &str : NULL);
}

/* option<string> */
static wh_rc opt_str(cm_call_t *call, cm_val_t *out, const char *s, size_t n)
{
    cm_val_t str = wasi_str(call, s, n);
    return hw__wrap(call, out, CM_OPTION, s ? 1 : 0, s ? &str : NULL);
}

/* ================= incoming-request ================= */

typedef struct {
    wasi_obj_t obj;
    uint32_t method;                                    /* case; METHOD_OTHER: method_s */
    uint32_t scheme;                                    /* case; SCHEME_OTHER: scheme_s */
    const char *method_s, *path, *authority, *scheme_s; /* into text; NULL: none */
    size_t method_len, path_len, authority_len, scheme_len;
    hw_fields_t *headers;
    hw_inflow_t *body; /* NULL once consumed */
    char text[];
} inreq_t;

static void inreq_destroy(wasi_ctx_t *ctx, wasi_obj_t *o)
{
    inreq_t *r = (inreq_t *)o;
    wasi_obj_unref(ctx, &r->headers->obj);
    wasi_obj_unref(ctx, r->body ? &r->body->obj : NULL);
    wh_free(r);
}

static const wasi_objtype_t type_inreq = {"incoming-request", inreq_destroy};

static bool prefix(const char *s, size_t n, const char *p)
{
    size_t k = strlen(p);
    return n >= k && strncasecmp(s, p, k) == 0;
}

uint32_t hw__inreq_new(wasi_ctx_t *ctx, hx_req_t *req, hw_inflow_t *body)
{
    const char *m = hx_req_method(req);
    size_t ml = strlen(m), tl, hl = 0, nh;
    const char *t = hx_req_target(req, &tl);
    const char *host = hx_req_header(req, "host", &hl);
    inreq_t *r = wh_calloc(1, sizeof *r + ml + 3 * tl + hl + 3);
    if (!r)
        return 0;
    const hx_header_t *hs = hx_req_headers(req, &nh);
    if (!(r->headers = hw__fields_from_hx(hs, nh))) {
        wh_free(r);
        return 0;
    }
    r->obj = (wasi_obj_t){&type_inreq, 1};
    char *p = r->text;
    r->method = method_tag(m, ml);
    if (r->method == METHOD_OTHER) {
        r->method_s = memcpy(p, m, ml);
        r->method_len = ml;
        p += ml;
    }
    /* absolute-form: http://authority/path?query */
    const char *path = t, *auth = host;
    size_t path_len = tl, auth_len = hl;
    r->scheme = hx_req_secure(req) ? SCHEME_HTTPS : SCHEME_HTTP;
    if (prefix(t, tl, "http://") || prefix(t, tl, "https://")) {
        size_t k = t[4] == ':' ? 7 : 8;
        r->scheme = k == 7 ? SCHEME_HTTP : SCHEME_HTTPS;
        const char *a = t + k, *end = t + tl, *slash = a;
        while (slash < end && *slash != '/' && *slash != '?')
            slash++;
        auth = a;
        auth_len = (size_t)(slash - a);
        path = slash;
        path_len = (size_t)(end - slash);
    }
    if (path_len == 0 || path[0] == '?') {
        /* "http://h" is "/", "http://h?q" is "/?q" */
        r->path = p;
        *p++ = '/';
        r->path_len = 1;
    } else {
        r->path = p;
    }
    if (wh_utf8_valid((const uint8_t *)path, path_len)) {
        memcpy(p, path, path_len);
        r->path_len += path_len;
        p += path_len;
    } else {
        /* The WIT's string must be UTF-8: other bytes are percent-encoded. */
        for (size_t i = 0; i < path_len; i++) {
            unsigned char c = (unsigned char)path[i];
            if (c < 0x80) {
                *p++ = (char)c;
                r->path_len++;
            } else {
                p[0] = '%';
                p[1] = "0123456789ABCDEF"[c >> 4];
                p[2] = "0123456789ABCDEF"[c & 15];
                p += 3;
                r->path_len += 3;
            }
        }
    }
    if (auth && wh_utf8_valid((const uint8_t *)auth, auth_len)) {
        r->authority = memcpy(p, auth, auth_len);
        r->authority_len = auth_len;
    }
    r->body = body;
    wasi_obj_ref(&body->obj);
    return wasi_table_add(ctx, &r->obj);
}

static inreq_t *inreq_arg(cm_call_t *call, const cm_val_t *v)
{
    return WASI_ARG(call, v, inreq_t, type_inreq);
}

static wh_rc inreq_method(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    inreq_t *r = inreq_arg(call, &args[0]);
    if (!r)
        return WH_TRAP;
    return tagged_str(call, result, r->method, r->method_s, r->method_len);
}

static wh_rc inreq_path(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    inreq_t *r = inreq_arg(call, &args[0]);
    if (!r)
        return WH_TRAP;
    return opt_str(call, result, r->path, r->path_len);
}

static wh_rc inreq_scheme(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    inreq_t *r = inreq_arg(call, &args[0]);
    if (!r)
        return WH_TRAP;
    cm_val_t s;
    wh_rc rc = tagged_str(call, &s, r->scheme, r->scheme_s, r->scheme_len);
    return rc ? rc : hw__wrap(call, result, CM_OPTION, 1, &s);
}

static wh_rc inreq_authority(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    inreq_t *r = inreq_arg(call, &args[0]);
    if (!r)
        return WH_TRAP;
    return opt_str(call, result, r->authority, r->authority_len);
}

static wh_rc inreq_headers(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    inreq_t *r = inreq_arg(call, &args[0]);
    return r ? hw__headers_result(call, r->headers, result) : WH_TRAP;
}

static wh_rc inreq_consume(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    inreq_t *r = inreq_arg(call, &args[0]);
    return r ? hw__consume(call, &r->body, result) : WH_TRAP;
}

/* ================= outgoing-request ================= */

typedef hw_outreq_t outreq_t;

static void outreq_destroy(wasi_ctx_t *ctx, wasi_obj_t *o)
{
    outreq_t *r = (outreq_t *)o;
    wasi_obj_unref(ctx, &r->headers->obj);
    wasi_obj_unref(ctx, r->body ? &r->body->obj : NULL);
    wh_free(r->method_s);
    wh_free(r->scheme_s);
    wh_free(r->path);
    wh_free(r->authority);
    wh_free(r);
}

static const wasi_objtype_t type_outreq = {"outgoing-request", outreq_destroy};

static outreq_t *outreq_arg(cm_call_t *call, const cm_val_t *v)
{
    return WASI_ARG(call, v, outreq_t, type_outreq);
}

static wh_rc outreq_new(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    outreq_t *r = wh_calloc(1, sizeof *r);
    if (!r)
        return wasi_nomem(call);
    if (!(r->headers = hw__fields_take(call, &args[0]))) {
        wh_free(r);
        return WH_TRAP;
    }
    r->obj = (wasi_obj_t){&type_outreq, 1};
    r->method = 0; /* GET */
    return hw__own(call, &r->obj, result);
}

static wh_rc outreq_body(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    outreq_t *r = outreq_arg(call, &args[0]);
    if (!r)
        return WH_TRAP;
    int64_t cl = hw__fields_content_length(r->headers);
    if (r->body_taken || cl == -2)
        return wasi_errv(call, result, NULL);
    hw_outflow_t *f = hw__outflow_new(HW_OUT_REQUEST, cl);
    uint32_t rep = f ? hw__outgoing_body_new(wasi_ctx_of(call), f) : 0;
    if (!rep) {
        wasi_obj_unref(wasi_ctx_of(call), f ? &f->obj : NULL);
        return wasi_nomem(call);
    }
    r->body = f;
    r->body_taken = true;
    cm_val_t own = wasi_own(rep);
    return wasi_ok(call, result, &own);
}

static wh_rc outreq_method(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    outreq_t *r = outreq_arg(call, &args[0]);
    if (!r)
        return WH_TRAP;
    return tagged_str(call, result, r->method, r->method_s, r->method_s ? strlen(r->method_s) : 0);
}

/* Replaces *slot with a copy of a string value (or NULL). */
static bool set_str(char **slot, const cm_val_t *s)
{
    char *p = NULL;
    if (s && !(p = wh_strndup(s->of.str.ptr, s->of.str.len)))
        return false;
    wh_free(*slot);
    *slot = p;
    return true;
}

static wh_rc outreq_set_method(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    outreq_t *r = outreq_arg(call, &args[0]);
    if (!r)
        return WH_TRAP;
    uint32_t tag = args[1].of.var.tag;
    const cm_val_t *s = tag == METHOD_OTHER ? args[1].of.var.v : NULL;
    if (s && !hw__name_ok(s->of.str.ptr, s->of.str.len))
        return wasi_errv(call, result, NULL);
    if (!set_str(&r->method_s, s))
        return wasi_nomem(call);
    r->method = tag;
    return wasi_ok(call, result, NULL);
}

static wh_rc outreq_path(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    outreq_t *r = outreq_arg(call, &args[0]);
    if (!r)
        return WH_TRAP;
    return opt_str(call, result, r->path, r->path ? strlen(r->path) : 0);
}

/* A path and query: visible ASCII, no fragment. */
static bool path_ok(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f || s[i] == '#')
            return false;
    return true;
}

/* RFC 3986 3.2: userinfo@host:port, as unreserved / pct-encoded /
 * sub-delims / ":" / "@" / "[" / "]" characters. */
static bool authority_ok(const char *s, size_t n)
{
    static const char ok[] = "-._~%!$&'()*+,;=:@[]";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              (c && strchr(ok, c))))
            return false;
    }
    return true;
}

/* RFC 3986 3.1: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
static bool scheme_ok(const char *s, size_t n)
{
    if (n == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return false;
    for (size_t i = 1; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '-' || c == '.'))
            return false;
    }
    return true;
}

static wh_rc outreq_set_path(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    outreq_t *r = outreq_arg(call, &args[0]);
    if (!r)
        return WH_TRAP;
    const cm_val_t *s = args[1].of.var.tag ? args[1].of.var.v : NULL;
    if (s && !path_ok(s->of.str.ptr, s->of.str.len))
        return wasi_errv(call, result, NULL);
    if (!set_str(&r->path, s))
        return wasi_nomem(call);
    return wasi_ok(call, result, NULL);
}

static wh_rc outreq_scheme(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    outreq_t *r = outreq_arg(call, &args[0]);
    if (!r)
        return WH_TRAP;
    if (!r->has_scheme) {
        *result = hw_none();
        return WH_OK;
    }
    cm_val_t s;
    wh_rc rc = tagged_str(call, &s, r->scheme, r->scheme_s, r->scheme_s ? strlen(r->scheme_s) : 0);
    return rc ? rc : hw__wrap(call, result, CM_OPTION, 1, &s);
}

static wh_rc outreq_set_scheme(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    outreq_t *r = outreq_arg(call, &args[0]);
    if (!r)
        return WH_TRAP;
    const cm_val_t *sch = args[1].of.var.tag ? args[1].of.var.v : NULL;
    const cm_val_t *s = sch && sch->of.var.tag == SCHEME_OTHER ? sch->of.var.v : NULL;
    if (s && !scheme_ok(s->of.str.ptr, s->of.str.len))
        return wasi_errv(call, result, NULL);
    if (!set_str(&r->scheme_s, s))
        return wasi_nomem(call);
    r->has_scheme = sch != NULL;
    r->scheme = sch ? sch->of.var.tag : 0;
    return wasi_ok(call, result, NULL);
}

static wh_rc outreq_authority(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    outreq_t *r = outreq_arg(call, &args[0]);
    if (!r)
        return WH_TRAP;
    return opt_str(call, result, r->authority, r->authority ? strlen(r->authority) : 0);
}

static wh_rc outreq_set_authority(cm_call_t *call, void *env, const cm_val_t *args,
                                  cm_val_t *result)
{
    outreq_t *r = outreq_arg(call, &args[0]);
    if (!r)
        return WH_TRAP;
    const cm_val_t *s = args[1].of.var.tag ? args[1].of.var.v : NULL;
    if (s && !authority_ok(s->of.str.ptr, s->of.str.len))
        return wasi_errv(call, result, NULL);
    if (!set_str(&r->authority, s))
        return wasi_nomem(call);
    return wasi_ok(call, result, NULL);
}

static wh_rc outreq_headers(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    outreq_t *r = outreq_arg(call, &args[0]);
    if (!r)
        return WH_TRAP;
    uint32_t rep = hw__fields_view(wasi_ctx_of(call), r->headers);
    if (!rep)
        return wasi_nomem(call);
    *result = wasi_own(rep);
    return WH_OK;
}

hw_outreq_t *hw__outreq_take(cm_call_t *call, const cm_val_t *v)
{
    outreq_t *r = outreq_arg(call, v);
    if (!r)
        return NULL;
    wasi_obj_ref(&r->obj);
    wasi_table_remove(wasi_ctx_of(call), v->of.handle.rep);
    return r;
}

/* ================= request-options ================= */

enum {
    OPT_CONNECT = HW_OPT_CONNECT,
    OPT_FIRST_BYTE = HW_OPT_FIRST_BYTE,
    OPT_BETWEEN_BYTES = HW_OPT_BETWEEN_BYTES
};

typedef hw_options_t options_t;

static void options_destroy(wasi_ctx_t *ctx, wasi_obj_t *o)
{
    wh_free(o);
}

static const wasi_objtype_t type_options = {"request-options", options_destroy};

hw_options_t *hw__options_take(cm_call_t *call, const cm_val_t *v)
{
    options_t *o = WASI_ARG(call, v, options_t, type_options);
    if (!o)
        return NULL;
    wasi_obj_ref(&o->obj);
    wasi_table_remove(wasi_ctx_of(call), v->of.handle.rep);
    return o;
}

static wh_rc options_new(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    options_t *o = wh_calloc(1, sizeof *o);
    if (!o)
        return wasi_nomem(call);
    o->obj = (wasi_obj_t){&type_options, 1};
    return hw__own(call, &o->obj, result);
}

static wh_rc options_get(cm_call_t *call, const cm_val_t *args, cm_val_t *result, int which)
{
    options_t *o = WASI_ARG(call, &args[0], options_t, type_options);
    if (!o)
        return WH_TRAP;
    cm_val_t d = wasi_u64(o->ns[which]);
    return hw__wrap(call, result, CM_OPTION, o->has[which], o->has[which] ? &d : NULL);
}

static wh_rc options_set(cm_call_t *call, const cm_val_t *args, cm_val_t *result, int which)
{
    options_t *o = WASI_ARG(call, &args[0], options_t, type_options);
    if (!o)
        return WH_TRAP;
    o->has[which] = args[1].of.var.tag == 1;
    o->ns[which] = o->has[which] ? args[1].of.var.v->of.u : 0;
    return wasi_ok(call, result, NULL);
}

#define OPTION_FNS(name, which)                                                                    \
    static wh_rc options_get_##name(cm_call_t *call, void *env, const cm_val_t *args,              \
                                    cm_val_t *result)                                              \
    {                                                                                              \
        return options_get(call, args, result, which);                                             \
    }                                                                                              \
    static wh_rc options_set_##name(cm_call_t *call, void *env, const cm_val_t *args,              \
                                    cm_val_t *result)                                              \
    {                                                                                              \
        return options_set(call, args, result, which);                                             \
    }
OPTION_FNS(connect, OPT_CONNECT)
OPTION_FNS(first_byte, OPT_FIRST_BYTE)
OPTION_FNS(between_bytes, OPT_BETWEEN_BYTES)
#undef OPTION_FNS

#define IR "borrow<incoming-request>"
#define OR "borrow<outgoing-request>"
#define RO "borrow<request-options>"
const wasi_func_t hw__request_funcs[] = {
    {"[method]incoming-request.method", "func(self: " IR ") -> method", inreq_method},
    {"[method]incoming-request.path-with-query", "func(self: " IR ") -> option<string>",
     inreq_path},
    {"[method]incoming-request.scheme", "func(self: " IR ") -> option<scheme>", inreq_scheme},
    {"[method]incoming-request.authority", "func(self: " IR ") -> option<string>", inreq_authority},
    {"[method]incoming-request.headers", "func(self: " IR ") -> fields", inreq_headers},
    {"[method]incoming-request.consume", "func(self: " IR ") -> result<incoming-body>",
     inreq_consume},
    {"[constructor]outgoing-request", "func(headers: fields) -> outgoing-request", outreq_new},
    {"[method]outgoing-request.body", "func(self: " OR ") -> result<outgoing-body>", outreq_body},
    {"[method]outgoing-request.method", "func(self: " OR ") -> method", outreq_method},
    {"[method]outgoing-request.set-method", "func(self: " OR ", method: method) -> result",
     outreq_set_method},
    {"[method]outgoing-request.path-with-query", "func(self: " OR ") -> option<string>",
     outreq_path},
    {"[method]outgoing-request.set-path-with-query",
     "func(self: " OR ", path-with-query: option<string>) -> result", outreq_set_path},
    {"[method]outgoing-request.scheme", "func(self: " OR ") -> option<scheme>", outreq_scheme},
    {"[method]outgoing-request.set-scheme", "func(self: " OR ", scheme: option<scheme>) -> result",
     outreq_set_scheme},
    {"[method]outgoing-request.authority", "func(self: " OR ") -> option<string>",
     outreq_authority},
    {"[method]outgoing-request.set-authority",
     "func(self: " OR ", authority: option<string>) -> result", outreq_set_authority},
    {"[method]outgoing-request.headers", "func(self: " OR ") -> fields", outreq_headers},
    {"[constructor]request-options", "func() -> request-options", options_new},
    {"[method]request-options.connect-timeout", "func(self: " RO ") -> option<duration>",
     options_get_connect},
    {"[method]request-options.set-connect-timeout",
     "func(self: " RO ", duration: option<duration>) -> result", options_set_connect},
    {"[method]request-options.first-byte-timeout", "func(self: " RO ") -> option<duration>",
     options_get_first_byte},
    {"[method]request-options.set-first-byte-timeout",
     "func(self: " RO ", duration: option<duration>) -> result", options_set_first_byte},
    {"[method]request-options.between-bytes-timeout", "func(self: " RO ") -> option<duration>",
     options_get_between_bytes},
    {"[method]request-options.set-between-bytes-timeout",
     "func(self: " RO ", duration: option<duration>) -> result", options_set_between_bytes},
};
#undef IR
#undef OR
#undef RO
const size_t hw__nrequest_funcs = WH_ARRAY_LEN(hw__request_funcs);
