/*
 * wasi_sockets.c — wasi:sockets: the network interface (the network
 * resource, error codes, addresses), instance-network, UDP (not offered:
 * create-udp-socket answers not-supported), the outbound allow-list, and
 * linking every sockets interface. TCP is in wasi_sockets_tcp.c, name
 * lookup in wasi_sockets_lookup.c.
 *
 * Policy: a guest reaches only what the allow-list names (--allow-connect
 * HOST:PORT); with an empty list it can neither create a TCP socket nor
 * resolve names. It never listens or binds: a server has no business
 * accepting connections for its guests.
 */
#include "wasi_sockets_int.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

/* ---- error codes ---- */

static const char *const error_names[] = {
#define WASI_SOCK_ERR_NAME(name, text) text,
    WASI_SOCK_ERROR_MAP(WASI_SOCK_ERR_NAME)
#undef WASI_SOCK_ERR_NAME
};

const char *wasi_sock_error_name(wasi_sock_error_t e)
{
    return (unsigned)e < WH_ARRAY_LEN(error_names) ? error_names[e] : "unknown";
}

wasi_sock_error_t wasi_sock_error_from_uv(int uverr)
{
    switch (uverr) {
    case UV_EACCES:
    case UV_EPERM:
        return WASI_SOCK_ERR_ACCESS_DENIED;
    case UV_ENOTSUP:
    case UV_EAFNOSUPPORT:
    case UV_EPROTONOSUPPORT:
    case UV_EAI_FAMILY:
        return WASI_SOCK_ERR_NOT_SUPPORTED;
    case UV_EINVAL:
        return WASI_SOCK_ERR_INVALID_ARGUMENT;
    case UV_ENOMEM:
    case UV_ENOBUFS:
    case UV_EAI_MEMORY:
        return WASI_SOCK_ERR_OUT_OF_MEMORY;
    case UV_ETIMEDOUT:
        return WASI_SOCK_ERR_TIMEOUT;
    case UV_EALREADY:
        return WASI_SOCK_ERR_CONCURRENCY_CONFLICT;
    case UV_EAGAIN:
        return WASI_SOCK_ERR_WOULD_BLOCK;
    case UV_EISCONN:
    case UV_ENOTCONN:
        return WASI_SOCK_ERR_INVALID_STATE;
    case UV_EMFILE:
    case UV_ENFILE:
        return WASI_SOCK_ERR_NEW_SOCKET_LIMIT;
    case UV_EADDRNOTAVAIL:
        return WASI_SOCK_ERR_ADDRESS_NOT_BINDABLE;
    case UV_EADDRINUSE:
        return WASI_SOCK_ERR_ADDRESS_IN_USE;
    case UV_EHOSTUNREACH:
    case UV_ENETUNREACH:
    case UV_ENETDOWN:
    case UV_EHOSTDOWN:
    case UV_ENONET:
        return WASI_SOCK_ERR_REMOTE_UNREACHABLE;
    case UV_ECONNREFUSED:
        return WASI_SOCK_ERR_CONNECTION_REFUSED;
    case UV_ECONNRESET:
    case UV_EPIPE:
        return WASI_SOCK_ERR_CONNECTION_RESET;
    case UV_ECONNABORTED:
        return WASI_SOCK_ERR_CONNECTION_ABORTED;
    case UV_EMSGSIZE:
        return WASI_SOCK_ERR_DATAGRAM_TOO_LARGE;
    case UV_EAI_NONAME:
    case UV_EAI_NODATA:
    case UV_EAI_ADDRFAMILY:
        return WASI_SOCK_ERR_NAME_UNRESOLVABLE;
    case UV_EAI_AGAIN:
        return WASI_SOCK_ERR_TEMPORARY_RESOLVER_FAILURE;
    case UV_EAI_FAIL:
        return WASI_SOCK_ERR_PERMANENT_RESOLVER_FAILURE;
    default:
        return WASI_SOCK_ERR_UNKNOWN;
    }
}

wh_rc wasi_sock_err(cm_call_t *call, cm_val_t *result, wasi_sock_error_t code)
{
    cm_val_t v = wasi_enum((uint32_t)code);
    return wasi_errv(call, result, &v);
}

/* ---- addresses ---- */

static uint32_t field_u(const cm_val_t *rec, uint32_t i)
{
    return (uint32_t)rec->of.list.v[i].of.u;
}

void wasi_sock_addr_from_val(const cm_val_t *v, struct sockaddr_storage *out)
{
    memset(out, 0, sizeof *out);
    const cm_val_t *rec = v->of.var.v;
    if (v->of.var.tag == WASI_SOCK_IPV4) {
        struct sockaddr_in *sin = (struct sockaddr_in *)out;
        const cm_val_t *a = &rec->of.list.v[1];
        uint8_t b[4];
        for (int i = 0; i < 4; i++)
            b[i] = (uint8_t)a->of.list.v[i].of.u;
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)field_u(rec, 0));
        memcpy(&sin->sin_addr, b, 4);
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;
        const cm_val_t *a = &rec->of.list.v[2];
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)field_u(rec, 0));
        sin6->sin6_flowinfo = htonl(field_u(rec, 1));
        for (int i = 0; i < 8; i++) {
            uint16_t w = (uint16_t)a->of.list.v[i].of.u;
            sin6->sin6_addr.s6_addr[2 * i] = (uint8_t)(w >> 8);
            sin6->sin6_addr.s6_addr[2 * i + 1] = (uint8_t)w;
        }
        sin6->sin6_scope_id = field_u(rec, 3);
    }
}

/* n values of one kind in the call's arena, or NULL. */
static cm_val_t *vals(cm_call_t *call, uint32_t n)
{
    return cm_call_alloc(call, n * sizeof(cm_val_t));
}

static cm_val_t compound(uint8_t kind, cm_val_t *v, uint32_t n)
{
    cm_val_t c = {.kind = kind};
    c.of.list.v = v;
    c.of.list.n = n;
    return c;
}

/* The address part: ipv4-address or ipv6-address (a tuple). */
static bool address_tuple(cm_call_t *call, const struct sockaddr *sa, cm_val_t *out)
{
    if (sa->sa_family == AF_INET) {
        const uint8_t *b = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
        cm_val_t *t = vals(call, 4);
        if (!t)
            return false;
        for (int i = 0; i < 4; i++)
            t[i] = (cm_val_t){.kind = CM_U8, .of.u = b[i]};
        *out = compound(CM_TUPLE, t, 4);
        return true;
    }
    const uint8_t *b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
    cm_val_t *t = vals(call, 8);
    if (!t)
        return false;
    for (int i = 0; i < 8; i++)
        t[i] = (cm_val_t){.kind = CM_U16, .of.u = (uint64_t)b[2 * i] << 8 | b[2 * i + 1]};
    *out = compound(CM_TUPLE, t, 8);
    return true;
}

static bool variant_of(cm_call_t *call, uint32_t tag, cm_val_t payload, cm_val_t *out)
{
    cm_val_t *p = wasi_box(call, payload);
    if (!p)
        return false;
    *out = (cm_val_t){.kind = CM_VARIANT};
    out->of.var.tag = tag;
    out->of.var.v = p;
    return true;
}

bool wasi_sock_ip_to_val(cm_call_t *call, const struct sockaddr *sa, cm_val_t *out)
{
    cm_val_t t;
    return address_tuple(call, sa, &t) &&
           variant_of(call, sa->sa_family == AF_INET ? WASI_SOCK_IPV4 : WASI_SOCK_IPV6, t, out);
}

bool wasi_sock_addr_to_val(cm_call_t *call, const struct sockaddr *sa, cm_val_t *out)
{
    cm_val_t t;
    if (!address_tuple(call, sa, &t))
        return false;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
        cm_val_t *f = vals(call, 2);
        if (!f)
            return false;
        f[0] = (cm_val_t){.kind = CM_U16, .of.u = ntohs(sin->sin_port)};
        f[1] = t;
        return variant_of(call, WASI_SOCK_IPV4, compound(CM_RECORD, f, 2), out);
    }
    const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
    cm_val_t *f = vals(call, 4);
    if (!f)
        return false;
    f[0] = (cm_val_t){.kind = CM_U16, .of.u = ntohs(sin6->sin6_port)};
    f[1] = (cm_val_t){.kind = CM_U32, .of.u = ntohl(sin6->sin6_flowinfo)};
    f[2] = t;
    f[3] = (cm_val_t){.kind = CM_U32, .of.u = sin6->sin6_scope_id};
    return variant_of(call, WASI_SOCK_IPV6, compound(CM_RECORD, f, 4), out);
}

/* ---- wasi:sockets/network and instance-network ---- */

static void network_destroy(wasi_ctx_t *ctx, wasi_obj_t *o)
{
    wh_free(o);
}

const wasi_objtype_t wasi_type_network = {"network", network_destroy};

static wh_rc instance_network(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    wasi_obj_t *o = wh_malloc(sizeof *o);
    if (!o)
        return wasi_nomem(call);
    *o = (wasi_obj_t){&wasi_type_network, 1};
    uint32_t rep = wasi_table_add(wasi_ctx_of(call), o);
    if (!rep)
        return wasi_nomem(call);
    *result = wasi_own(rep);
    return WH_OK;
}

/* Gives back the error-code behind a wasi:io error of a TCP stream. */
static wh_rc network_error_code(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    wasi_error_t *e = WASI_ARG(call, &args[0], wasi_error_t, wasi_type_error);
    if (!e)
        return WH_TRAP;
    *result = (cm_val_t){.kind = CM_OPTION};
    if (e->e.dom == WASI_ERRDOM_SOCKETS) {
        result->of.var.tag = 1;
        if (!(result->of.var.v = wasi_box(call, wasi_enum((uint32_t)e->e.code))))
            return wasi_nomem(call);
    }
    return WH_OK;
}

/* clang-format off */
static const wasi_typedef_t network_types[] = {{"error", "resource"}, WASI_SOCK_NETWORK_TYPES};
/* clang-format on */
static const wasi_func_t network_funcs[] = {
    {"network-error-code", "func(err: borrow<error>) -> option<error-code>", network_error_code},
};

static const wasi_typedef_t instance_network_types[] = {{"network", "resource"}};
static const wasi_func_t instance_network_funcs[] = {
    {"instance-network", "func() -> network", instance_network},
};

/* ---- wasi:sockets/udp: not offered ----
 * create-udp-socket always fails with not-supported, so no udp-socket or
 * datagram stream ever exists; the methods are defined so that components
 * importing the interface link, and a handle passed to them cannot be live
 * (WASI_ARG traps, as for any handle that is not). */

static void udp_destroy(wasi_ctx_t *ctx, wasi_obj_t *o)
{
    wh_free(o);
}

static const wasi_objtype_t type_udp_socket = {"udp-socket", udp_destroy};
static const wasi_objtype_t type_incoming = {"incoming-datagram-stream", udp_destroy};
static const wasi_objtype_t type_outgoing = {"outgoing-datagram-stream", udp_destroy};

static wh_rc create_udp_socket(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    return wasi_sock_err(call, result, WASI_SOCK_ERR_NOT_SUPPORTED);
}

static wh_rc udp_method(cm_call_t *call, const cm_val_t *self, const wasi_objtype_t *type,
                        cm_val_t *result)
{
    if (!WASI_ARG(call, self, wasi_obj_t, *type))
        return WH_TRAP;
    return wasi_sock_err(call, result, WASI_SOCK_ERR_NOT_SUPPORTED);
}

static wh_rc udp_socket_method(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    return udp_method(call, &args[0], &type_udp_socket, result);
}

static wh_rc udp_incoming_method(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    return udp_method(call, &args[0], &type_incoming, result);
}

static wh_rc udp_outgoing_method(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    return udp_method(call, &args[0], &type_outgoing, result);
}

/* clang-format off */
static const wasi_typedef_t udp_types[] = {
    {"pollable", "resource"},
    WASI_SOCK_NETWORK_TYPES,
    {"incoming-datagram", "record { data: list<u8>, remote-address: ip-socket-address }"},
    {"outgoing-datagram", "record { data: list<u8>, remote-address: option<ip-socket-address> }"},
    {"udp-socket", "resource"},
    {"incoming-datagram-stream", "resource"},
    {"outgoing-datagram-stream", "resource"},
};
/* clang-format on */

#define US          "func(self: borrow<udp-socket>"
#define RES_ERR(ok) " -> result<" ok ", error-code>"
static const wasi_func_t udp_funcs[] = {
    {"[method]udp-socket.start-bind",
     US ", network: borrow<network>, local-address: ip-socket-address)" RES_ERR("_"),
     udp_socket_method},
    {"[method]udp-socket.finish-bind", US ")" RES_ERR("_"), udp_socket_method},
    {"[method]udp-socket.stream",
     US ", remote-address: option<ip-socket-address>)" RES_ERR(
         "tuple<incoming-datagram-stream, outgoing-datagram-stream>"),
     udp_socket_method},
    {"[method]udp-socket.local-address", US ")" RES_ERR("ip-socket-address"), udp_socket_method},
    {"[method]udp-socket.remote-address", US ")" RES_ERR("ip-socket-address"), udp_socket_method},
    {"[method]udp-socket.address-family", US ") -> ip-address-family", udp_socket_method},
    {"[method]udp-socket.unicast-hop-limit", US ")" RES_ERR("u8"), udp_socket_method},
    {"[method]udp-socket.set-unicast-hop-limit", US ", value: u8)" RES_ERR("_"), udp_socket_method},
    {"[method]udp-socket.receive-buffer-size", US ")" RES_ERR("u64"), udp_socket_method},
    {"[method]udp-socket.set-receive-buffer-size", US ", value: u64)" RES_ERR("_"),
     udp_socket_method},
    {"[method]udp-socket.send-buffer-size", US ")" RES_ERR("u64"), udp_socket_method},
    {"[method]udp-socket.set-send-buffer-size", US ", value: u64)" RES_ERR("_"), udp_socket_method},
    {"[method]udp-socket.subscribe", US ") -> pollable", udp_socket_method},
    {"[method]incoming-datagram-stream.receive",
     "func(self: borrow<incoming-datagram-stream>, max-results: u64)" RES_ERR(
         "list<incoming-datagram>"),
     udp_incoming_method},
    {"[method]incoming-datagram-stream.subscribe",
     "func(self: borrow<incoming-datagram-stream>) -> pollable", udp_incoming_method},
    {"[method]outgoing-datagram-stream.check-send",
     "func(self: borrow<outgoing-datagram-stream>)" RES_ERR("u64"), udp_outgoing_method},
    {"[method]outgoing-datagram-stream.send",
     "func(self: borrow<outgoing-datagram-stream>, datagrams: list<outgoing-datagram>)" RES_ERR(
         "u64"),
     udp_outgoing_method},
    {"[method]outgoing-datagram-stream.subscribe",
     "func(self: borrow<outgoing-datagram-stream>) -> pollable", udp_outgoing_method},
};
#undef US
#undef RES_ERR

/* clang-format off */
static const wasi_typedef_t udp_create_types[] = {
    WASI_SOCK_NETWORK_TYPES,
    {"udp-socket", "resource"},
};
/* clang-format on */
static const wasi_func_t udp_create_funcs[] = {
    {"create-udp-socket",
     "func(address-family: ip-address-family) -> result<udp-socket, error-code>",
     create_udp_socket},
};

wh_rc wasi_link_sockets(cm_linker_t *l, wh_err_t *err)
{
    wh_rc rc;
#define DEFINE(iface, types, funcs)                                                                \
    wasi_define(l, iface, types, WH_ARRAY_LEN(types), funcs, WH_ARRAY_LEN(funcs), err)
    if ((rc = DEFINE(SOCK_NETWORK, network_types, network_funcs)) ||
        (rc = DEFINE(SOCK_INSTANCE_NETWORK, instance_network_types, instance_network_funcs)) ||
        (rc = DEFINE(SOCK_UDP, udp_types, udp_funcs)) ||
        (rc = DEFINE(SOCK_UDP_CREATE, udp_create_types, udp_create_funcs)) ||
        (rc = wasi_link_sockets_tcp(l, err)) || (rc = wasi_link_sockets_lookup(l, err)))
        return rc;
#undef DEFINE
    return WH_OK;
}

/* ---- the outbound allow-list ---- */

/* Resolves a name at parse time: its first IPv4 address, else its first
 * IPv6 one (an entry holds one address; see docs/wasi.md). */
static bool resolve_name(const char *host, struct sockaddr_storage *out, wh_err_t *err,
                         const char *spec)
{
    static const int families[] = {AF_INET, AF_INET6};
    int last = 0;
    for (size_t i = 0; i < WH_ARRAY_LEN(families); i++) {
        struct addrinfo hints = {.ai_family = families[i], .ai_socktype = SOCK_STREAM};
        struct addrinfo *res = NULL;
        last = getaddrinfo(host, NULL, &hints, &res);
        if (last == 0 && res) {
            memcpy(out, res->ai_addr, res->ai_addrlen);
            freeaddrinfo(res);
            return true;
        }
        if (res)
            freeaddrinfo(res);
    }
    wh_err(err, WH_ARG, -1, "%s: cannot resolve %s: %s", spec, host,
           last ? gai_strerror(last) : "no address");
    return false;
}

static bool parse_port(const char *s, uint16_t *out)
{
    if (!strcmp(s, "*")) {
        *out = 0;
        return true;
    }
    if (!*s || strlen(s) > 5 || strspn(s, "0123456789") != strlen(s))
        return false;
    long v = strtol(s, NULL, 10);
    if (v < 1 || v > 65535)
        return false;
    *out = (uint16_t)v;
    return true;
}

wh_rc wasi_allow_parse(const char *spec, wasi_allow_t *out, wh_err_t *err)
{
    memset(out, 0, sizeof *out);
    const char *host = spec, *port;
    size_t hlen;
    bool bracketed = spec[0] == '[';
    if (bracketed) {
        const char *close = strchr(spec, ']');
        if (!close || close[1] != ':')
            return wh_err(err, WH_ARG, -1, "%s: expected [IPV6-ADDRESS]:PORT", spec);
        host = spec + 1;
        hlen = (size_t)(close - host);
        port = close + 2;
    } else {
        const char *colon = strrchr(spec, ':');
        if (!colon)
            return wh_err(err, WH_ARG, -1, "%s: expected HOST:PORT (PORT a number or *)", spec);
        hlen = (size_t)(colon - spec);
        port = colon + 1;
        if (memchr(host, ':', hlen))
            return wh_err(err, WH_ARG, -1, "%s: write an IPv6 address in brackets, as in [::1]:80",
                          spec);
    }
    if (!parse_port(port, &out->port))
        return wh_err(err, WH_ARG, -1, "%s: the port must be a number from 1 to 65535, or *", spec);
    char name[256];
    if (hlen == 0 || hlen >= sizeof name)
        return wh_err(err, WH_ARG, -1, "%s: expected a host before the port", spec);
    memcpy(name, host, hlen);
    name[hlen] = 0;

    struct sockaddr_in *sin = (struct sockaddr_in *)&out->addr;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->addr;
    if (!bracketed && !strcmp(name, "*")) {
        out->addr.ss_family = AF_UNSPEC;
    } else if (bracketed) {
        if (inet_pton(AF_INET6, name, &sin6->sin6_addr) != 1)
            return wh_err(err, WH_ARG, -1, "%s: %s is not an IPv6 address", spec, name);
        if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
            return wh_err(err, WH_ARG, -1,
                          "%s: write an IPv4-mapped address in its IPv4 form (guests cannot "
                          "connect to IPv4-mapped addresses)",
                          spec);
        sin6->sin6_family = AF_INET6;
    } else if (inet_pton(AF_INET, name, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
    } else if (!resolve_name(name, &out->addr, err, spec)) {
        return WH_ARG;
    }
    if (out->addr.ss_family == AF_INET)
        sin->sin_port = htons(out->port);
    else if (out->addr.ss_family == AF_INET6)
        sin6->sin6_port = htons(out->port);
    return WH_OK;
}

static bool same_address(const struct sockaddr_storage *entry, const struct sockaddr *addr)
{
    if (entry->ss_family == AF_UNSPEC)
        return true;
    if (entry->ss_family != addr->sa_family)
        return false;
    if (addr->sa_family == AF_INET)
        return !memcmp(&((const struct sockaddr_in *)entry)->sin_addr,
                       &((const struct sockaddr_in *)addr)->sin_addr, sizeof(struct in_addr));
    if (addr->sa_family == AF_INET6)
        return !memcmp(&((const struct sockaddr_in6 *)entry)->sin6_addr,
                       &((const struct sockaddr_in6 *)addr)->sin6_addr, sizeof(struct in6_addr));
    return false;
}

bool wasi_allowed(const wasi_config_t *cfg, const struct sockaddr *addr)
{
    if (!cfg || !addr || (addr->sa_family != AF_INET && addr->sa_family != AF_INET6))
        return false;
    uint16_t port =
        ntohs(addr->sa_family == AF_INET ? ((const struct sockaddr_in *)addr)->sin_port
                                         : ((const struct sockaddr_in6 *)addr)->sin6_port);
    for (size_t i = 0; i < cfg->nallow; i++) {
        const wasi_allow_t *a = &cfg->allow[i];
        if ((a->port == 0 || a->port == port) && same_address(&a->addr, addr))
            return true;
    }
    return false;
}
