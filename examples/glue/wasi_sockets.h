/*
 * wasi_sockets.h — wasi:sockets TCP (network, instance-network,
 * tcp-create-socket, tcp) for the hand-written C guests: the core imports
 * with their flat signatures and return-area layouts, and the names of
 * error-code's cases. See cabi.h for the conventions.
 *
 * Layouts: error-code is an enum, one byte. A result<own<T>, error-code> is
 * {u8 is_err; handle or u8 code @4}; a result<_, error-code> {u8 is_err;
 * u8 code @1}. An ip-socket-address flattens to its case (0 ipv4, 1 ipv6)
 * and the join of ipv4-socket-address (port, four octets) with
 * ipv6-socket-address (port, flow-info, eight words, scope-id): 11 i32.
 *
 * A connect is start-connect, then finish-connect until it stops saying
 * would-block, blocking on the socket's pollable in between.
 */
#ifndef WASI_SOCKETS_H
#define WASI_SOCKETS_H

#include "cabi.h"

IMPORT(WASI("sockets/instance-network"), "instance-network") handle instance_network(void);
IMPORT(WASI("sockets/network"), "[resource-drop]network") void network_drop(handle h);

/* create-tcp-socket(ip-address-family: 0 ipv4, 1 ipv6)
 *   -> result<own<tcp-socket>, error-code>: ret = {u8 is_err; handle or u8 code @4} */
IMPORT(WASI("sockets/tcp-create-socket"), "create-tcp-socket")
void create_tcp_socket(int32_t family, void *ret);

/* start-connect(borrow<network>, ip-socket-address) -> result<_, error-code>:
 * ret = {u8 is_err; u8 code @1} */
IMPORT(WASI("sockets/tcp"), "[method]tcp-socket.start-connect")
void tcp_socket_start_connect(handle self, handle network, int32_t family, int32_t port, int32_t a0,
                              int32_t a1, int32_t a2, int32_t a3, int32_t p6, int32_t p7,
                              int32_t p8, int32_t p9, int32_t p10, int32_t p11, void *ret);
/* finish-connect() -> result<tuple<own<input-stream>, own<output-stream>>,
 * error-code>: ret = {u8 is_err; input @4, output @8, or u8 code @4} */
IMPORT(WASI("sockets/tcp"), "[method]tcp-socket.finish-connect")
void tcp_socket_finish_connect(handle self, void *ret);
IMPORT(WASI("sockets/tcp"), "[method]tcp-socket.subscribe")
handle tcp_socket_subscribe(handle self);
IMPORT(WASI("sockets/tcp"), "[resource-drop]tcp-socket") void tcp_socket_drop(handle h);

/* error-code's cases, in the WIT's order */
enum { SOCKETS_WOULD_BLOCK = 8 };
/* clang-format off */
static const char *const sockets_error_names[] __attribute__((unused)) = {
    "unknown", "access-denied", "not-supported", "invalid-argument", "out-of-memory",
    "timeout", "concurrency-conflict", "not-in-progress", "would-block", "invalid-state",
    "new-socket-limit", "address-not-bindable", "address-in-use", "remote-unreachable",
    "connection-refused", "connection-reset", "connection-aborted", "datagram-too-large",
    "name-unresolvable", "temporary-resolver-failure", "permanent-resolver-failure"};
/* clang-format on */

/* The name of error-code case code ("?" past the last one: "unknown" is a
 * case). */
static inline const char *sockets_error_name(uint8_t code)
{
    return code < sizeof sockets_error_names / sizeof *sockets_error_names
               ? sockets_error_names[code]
               : "?";
}

#endif
