/*
 * wasi_sockets_lookup.c — wasi:sockets/ip-name-lookup: resolve-addresses on
 * libuv's uv_getaddrinfo (the thread pool does the blocking call; the
 * guest's thread never waits on it).
 *
 * An IP address is parsed here and returned as is, without a request. A
 * name is resolved only when the allow-list is not empty: a guest with no
 * network could otherwise still send data out through DNS queries.
 *
 * Lifetime: a resolve-address-stream dropped while its request is in flight
 * cancels it if it can; either way the request's callback comes later, and
 * it frees the object (having found `ctx` cleared).
 */
#define _GNU_SOURCE /* AI_IDN */
#include "wasi_sockets_int.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <string.h>

typedef struct {
    wasi_obj_t obj;
    wasi_ctx_t *ctx; /* NULL once destroyed while the request is in flight */
    uv_getaddrinfo_t req;
    bool pending;          /* the request has not answered yet */
    int status;            /* its answer: 0 or a UV_EAI_* code */
    struct addrinfo *res;  /* the addresses (freed with the object) */
    struct addrinfo *next; /* the next one to return */
    bool literal;          /* an IP address given as the name: lit, once */
    struct sockaddr_storage lit;
} resolve_t;

static void resolve_destroy(wasi_ctx_t *ctx, wasi_obj_t *o)
{
    resolve_t *r = (resolve_t *)o;
    r->ctx = NULL;
    if (r->pending) {
        uv_cancel((uv_req_t *)&r->req); /* fails once it runs; on_resolved frees r */
        return;
    }
    if (r->res)
        uv_freeaddrinfo(r->res);
    wh_free(r);
}

static const wasi_objtype_t type_resolve = {"resolve-address-stream", resolve_destroy};

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    resolve_t *r = req->data;
    r->pending = false;
    if (!r->ctx) {
        if (res)
            uv_freeaddrinfo(res);
        wh_free(r);
        return;
    }
    r->status = status;
    r->res = r->next = res;
    wasi_ctx_notify(r->ctx);
}

/* A syntactically valid host name: dot-separated labels of letters,
 * digits, '-' and '_' (names in other scripts pass as UTF-8 and are
 * converted by the resolver, IDNA), at most 63 bytes a label (ASCII ones)
 * and 253 in all, with an optional final dot. */
static bool valid_name(const char *s, size_t n)
{
    if (n && s[n - 1] == '.')
        n--;
    if (n == 0 || n > 253)
        return false;
    size_t label = 0;
    bool ascii = true;
    for (size_t i = 0; i <= n; i++) {
        unsigned char c = i < n ? (unsigned char)s[i] : '.';
        if (c == '.') {
            if (label == 0 || (ascii && label > 63))
                return false;
            label = 0;
            ascii = true;
            continue;
        }
        if (c >= 0x80)
            ascii = false;
        else if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') &&
                 c != '-' && c != '_')
            return false;
        label++;
    }
    return true;
}

/* An IPv4 or IPv6 address (IPv6 also in brackets) into *out. */
static bool parse_literal(const char *name, size_t n, struct sockaddr_storage *out)
{
    char buf[INET6_ADDRSTRLEN + 2];
    if (n >= 2 && name[0] == '[' && name[n - 1] == ']') {
        name++;
        n -= 2;
    }
    if (n >= sizeof buf)
        return false;
    memcpy(buf, name, n);
    buf[n] = 0;
    memset(out, 0, sizeof *out);
    struct sockaddr_in *sin = (struct sockaddr_in *)out;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;
    if (buf[0] != '[' && inet_pton(AF_INET, buf, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, buf, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        return true;
    }
    return false;
}

/* An IPv4-mapped IPv6 address becomes the IPv4 one (the WIT never returns
 * mapped addresses). */
static void unmap(const struct sockaddr *sa, struct sockaddr_storage *out)
{
    memset(out, 0, sizeof *out);
    if (wasi_sock_v4mapped(sa)) {
        struct sockaddr_in *sin = (struct sockaddr_in *)out;
        sin->sin_family = AF_INET;
        memcpy(&sin->sin_addr, ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr + 12, 4);
    } else {
        memcpy(out, sa,
               sa->sa_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
    }
}

static wh_rc resolve_addresses(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    wasi_ctx_t *ctx = wasi_ctx_of(call);
    if (!WASI_ARG(call, &args[0], wasi_obj_t, wasi_type_network))
        return WH_TRAP;
    const char *name = args[1].of.str.ptr;
    size_t n = args[1].of.str.len;
    resolve_t *r = wh_calloc(1, sizeof *r);
    if (!r)
        return wasi_nomem(call);
    r->obj = (wasi_obj_t){&type_resolve, 1};
    r->ctx = ctx;
    if (!memchr(name, 0, n) && parse_literal(name, n, &r->lit)) {
        r->literal = true;
    } else if (memchr(name, 0, n) || !valid_name(name, n)) {
        wh_free(r);
        return wasi_sock_err(call, result, WASI_SOCK_ERR_INVALID_ARGUMENT);
    } else if (!ctx->cfg || ctx->cfg->nallow == 0) {
        wh_free(r);
        return wasi_sock_err(call, result, WASI_SOCK_ERR_ACCESS_DENIED);
    } else {
        char *cname = wasi_cstr(call, &args[1]);
        if (!cname) {
            wh_free(r);
            return wasi_nomem(call);
        }
        /* One answer per address: stream sockets, TCP. */
        struct addrinfo hints = {
            .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_protocol = IPPROTO_TCP};
#ifdef AI_IDN
        hints.ai_flags |= AI_IDN;
#endif
        r->req.data = r;
        int e = uv_getaddrinfo(ctx->loop, &r->req, on_resolved, cname, NULL, &hints);
        if (e) {
            wh_free(r);
            return wasi_sock_err(call, result, wasi_sock_error_from_uv(e));
        }
        r->pending = true;
    }
    uint32_t rep = wasi_table_add(ctx, &r->obj);
    if (!rep)
        return wasi_nomem(call);
    cm_val_t v = wasi_own(rep);
    return wasi_ok(call, result, &v);
}

static wh_rc some_address(cm_call_t *call, cm_val_t *result, const struct sockaddr *sa)
{
    struct sockaddr_storage ss;
    unmap(sa, &ss);
    cm_val_t ip, opt = {.kind = CM_OPTION};
    if (!wasi_sock_ip_to_val(call, (const struct sockaddr *)&ss, &ip) ||
        !(opt.of.var.v = wasi_box(call, ip)))
        return wasi_nomem(call);
    opt.of.var.tag = 1;
    return wasi_ok(call, result, &opt);
}

static wh_rc resolve_next_address(cm_call_t *call, void *env, const cm_val_t *args,
                                  cm_val_t *result)
{
    resolve_t *r = WASI_ARG(call, &args[0], resolve_t, type_resolve);
    if (!r)
        return WH_TRAP;
    if (r->literal) {
        if (r->lit.ss_family != AF_UNSPEC) {
            struct sockaddr_storage lit = r->lit;
            r->lit.ss_family = AF_UNSPEC; /* given out */
            return some_address(call, result, (const struct sockaddr *)&lit);
        }
    } else {
        if (r->pending)
            return wasi_sock_err(call, result, WASI_SOCK_ERR_WOULD_BLOCK);
        if (r->status)
            return wasi_sock_err(call, result, wasi_sock_error_from_uv(r->status));
        while (r->next) {
            struct addrinfo *ai = r->next;
            r->next = ai->ai_next;
            if (ai->ai_family == AF_INET || ai->ai_family == AF_INET6)
                return some_address(call, result, ai->ai_addr);
        }
    }
    cm_val_t none = {.kind = CM_OPTION};
    return wasi_ok(call, result, &none);
}

static bool resolve_ready(wasi_ctx_t *ctx, wasi_obj_t *o)
{
    return !((resolve_t *)o)->pending;
}

static void resolve_arm(wasi_ctx_t *ctx, wasi_obj_t *o)
{
    /* on_resolved wakes the guest */
}

static const wasi_pollops_t resolve_poll = {resolve_ready, resolve_arm};

static wh_rc resolve_subscribe(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    resolve_t *r = WASI_ARG(call, &args[0], resolve_t, type_resolve);
    if (!r)
        return WH_TRAP;
    uint32_t rep = wasi_pollable_new(wasi_ctx_of(call), &r->obj, &resolve_poll, 0);
    if (!rep)
        return wasi_nomem(call);
    *result = wasi_own(rep);
    return WH_OK;
}

/* clang-format off */
static const wasi_typedef_t lookup_types[] = {
    {"pollable", "resource"},
    WASI_SOCK_NETWORK_TYPES,
    {"resolve-address-stream", "resource"},
};
/* clang-format on */

static const wasi_func_t lookup_funcs[] = {
    {"resolve-addresses",
     "func(network: borrow<network>, name: string) -> result<resolve-address-stream, error-code>",
     resolve_addresses},
    {"[method]resolve-address-stream.resolve-next-address",
     "func(self: borrow<resolve-address-stream>) -> result<option<ip-address>, error-code>",
     resolve_next_address},
    {"[method]resolve-address-stream.subscribe",
     "func(self: borrow<resolve-address-stream>) -> pollable", resolve_subscribe},
};

wh_rc wasi_link_sockets_lookup(cm_linker_t *l, wh_err_t *err)
{
    return wasi_define(l, SOCK_LOOKUP, lookup_types, WH_ARRAY_LEN(lookup_types), lookup_funcs,
                       WH_ARRAY_LEN(lookup_funcs), err);
}
