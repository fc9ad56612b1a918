/*
 * wasi_sockets_int.h — what the wasi:sockets files share (not a public
 * header): the error-code enum, conversions between the WIT's addresses and
 * sockaddrs, the network resource, and the WIT definitions of the network
 * interface's types, which every interface that uses them defines again
 * (types are matched by structure, resources by the name in the interface).
 */
#ifndef WASI_SOCKETS_INT_H
#define WASI_SOCKETS_INT_H

#include "wasi_int.h"

#include <netinet/in.h>

/* clang-format off */
#define SOCK_NETWORK "wasi:sockets/network" WASI_V
#define SOCK_INSTANCE_NETWORK "wasi:sockets/instance-network" WASI_V
#define SOCK_LOOKUP "wasi:sockets/ip-name-lookup" WASI_V
#define SOCK_TCP "wasi:sockets/tcp" WASI_V
#define SOCK_TCP_CREATE "wasi:sockets/tcp-create-socket" WASI_V
#define SOCK_UDP "wasi:sockets/udp" WASI_V
#define SOCK_UDP_CREATE "wasi:sockets/udp-create-socket" WASI_V
/* clang-format on */

/* clang-format off */
/* error-code of wasi:sockets/network, in the WIT's order (the enum value is
 * the WIT discriminant). */
#define WASI_SOCK_ERROR_MAP(X)                                                \
    X(UNKNOWN, "unknown")                                                     \
    X(ACCESS_DENIED, "access-denied")                                         \
    X(NOT_SUPPORTED, "not-supported")                                         \
    X(INVALID_ARGUMENT, "invalid-argument")                                   \
    X(OUT_OF_MEMORY, "out-of-memory")                                         \
    X(TIMEOUT, "timeout")                                                     \
    X(CONCURRENCY_CONFLICT, "concurrency-conflict")                           \
    X(NOT_IN_PROGRESS, "not-in-progress")                                     \
    X(WOULD_BLOCK, "would-block")                                             \
    X(INVALID_STATE, "invalid-state")                                         \
    X(NEW_SOCKET_LIMIT, "new-socket-limit")                                   \
    X(ADDRESS_NOT_BINDABLE, "address-not-bindable")                           \
    X(ADDRESS_IN_USE, "address-in-use")                                       \
    X(REMOTE_UNREACHABLE, "remote-unreachable")                               \
    X(CONNECTION_REFUSED, "connection-refused")                               \
    X(CONNECTION_RESET, "connection-reset")                                   \
    X(CONNECTION_ABORTED, "connection-aborted")                               \
    X(DATAGRAM_TOO_LARGE, "datagram-too-large")                               \
    X(NAME_UNRESOLVABLE, "name-unresolvable")                                 \
    X(TEMPORARY_RESOLVER_FAILURE, "temporary-resolver-failure")               \
    X(PERMANENT_RESOLVER_FAILURE, "permanent-resolver-failure")
/* clang-format on */

typedef enum {
#define WASI_SOCK_ERR_ENUM(name, text) WASI_SOCK_ERR_##name,
    WASI_SOCK_ERROR_MAP(WASI_SOCK_ERR_ENUM)
#undef WASI_SOCK_ERR_ENUM
} wasi_sock_error_t;

/* The WIT name of an error code ("access-denied"). */
const char *wasi_sock_error_name(wasi_sock_error_t e);
/* The nearest error code for a libuv error (a negative errno or UV_EAI_*);
 * unknown ones give unknown. */
wasi_sock_error_t wasi_sock_error_from_uv(int uverr);
/* A wasi:io error for stream failures: network-error-code gives code back. */
static inline wasi_ioerr_t wasi_sock_ioerr(wasi_sock_error_t code, const char *msg)
{
    return (wasi_ioerr_t){WASI_ERRDOM_SOCKETS, (int)code, msg};
}

/* Sets *result to err(code) (result<_, error-code> and the like). */
wh_rc wasi_sock_err(cm_call_t *call, cm_val_t *result, wasi_sock_error_t code);

/* ip-address-family */
enum { WASI_SOCK_IPV4, WASI_SOCK_IPV6 };

/* ip-socket-address (a lifted value) to a sockaddr. */
void wasi_sock_addr_from_val(const cm_val_t *v, struct sockaddr_storage *out);
/* A sockaddr (AF_INET or AF_INET6) to ip-socket-address or ip-address,
 * allocated in the call's arena. False when out of memory. */
bool wasi_sock_addr_to_val(cm_call_t *call, const struct sockaddr *sa, cm_val_t *out);
bool wasi_sock_ip_to_val(cm_call_t *call, const struct sockaddr *sa, cm_val_t *out);
/* Is a an IPv6 address that carries an IPv4 one (::ffff:a.b.c.d)? */
static inline bool wasi_sock_v4mapped(const struct sockaddr *sa)
{
    return sa->sa_family == AF_INET6 &&
           IN6_IS_ADDR_V4MAPPED(&((const struct sockaddr_in6 *)sa)->sin6_addr);
}

/* The network resource. It has no state: there is one network, and what a
 * guest may reach is the configuration's allow-list. */
extern const wasi_objtype_t wasi_type_network;

/* WIT definitions of the network interface's types, for wasi_typedef_t
 * arrays. */
/* clang-format off */
#define WASI_SOCK_ERROR_TEXT(name, text) text ", "
#define WASI_SOCK_NETWORK_TYPES                                                                    \
    {"network", "resource"},                                                                       \
        {"error-code", "enum { " WASI_SOCK_ERROR_MAP(WASI_SOCK_ERROR_TEXT) "}"},                   \
        {"ip-address-family", "enum { ipv4, ipv6 }"},                                              \
        {"ipv4-address", "tuple<u8, u8, u8, u8>"},                                                 \
        {"ipv6-address", "tuple<u16, u16, u16, u16, u16, u16, u16, u16>"},                         \
        {"ip-address", "variant { ipv4(ipv4-address), ipv6(ipv6-address) }"},                     \
        {"ipv4-socket-address", "record { port: u16, address: ipv4-address }"},                   \
        {"ipv6-socket-address", "record { port: u16, flow-info: u32, address: ipv6-address, "     \
                                "scope-id: u32 }"},                                                \
        {"ip-socket-address",                                                                      \
         "variant { ipv4(ipv4-socket-address), ipv6(ipv6-socket-address) }"}
/* clang-format on */

/* Each file's interfaces. */
wh_rc wasi_link_sockets_tcp(cm_linker_t *l, wh_err_t *err);
wh_rc wasi_link_sockets_lookup(cm_linker_t *l, wh_err_t *err);

#endif
