/*
 * hw.h — the wasi:http host: wasi:http/types (fields, requests, responses,
 * bodies as wasi:io streams, trailers, error-code), the per-request
 * exchange between an inbound request of the HTTP server (hx.h) and a
 * guest's wasi:http/incoming-handler.handle call, and
 * wasi:http/outgoing-handler: outbound requests on libcurl's multi
 * interface, driven by the instance's libuv loop (see "Outbound" below).
 *
 * An exchange is one request's state. The serve layer makes one when it
 * has an instance for a request, passes the two resources it creates to the
 * guest's handle(request, response-outparam) call, and ends it when the call
 * is over; the request's events (body, body end, writable, abort) go from
 * the server to the exchange directly (hx_req_subscribe), not through the
 * serve layer:
 *
 *   hw_exchange_new(ctx, req, …)   incoming-request + response-outparam reps;
 *                                  the exchange subscribes to req's events
 *   cm_call(handle, …) [SUSPEND … cm_resume]*
 *   hw_exchange_finish(ex, rc)     the call returned (rc) or failed
 *
 * What goes to the client:
 *   - response-outparam.set(ok(response)) gives the response (status,
 *     headers, then the extra headers the serve layer added); the body's
 *     output-stream writes go to hx_resp_write with backpressure
 *     (check-write is what hx_resp_writable allows); outgoing-body.finish
 *     ends it, with trailers. Output is held until the loop gets control
 *     back (the guest waits or its call returns), a flush after the head
 *     went, 16 KiB are held, or finish: a response set, written and
 *     finished in one go leaves in one write, with a Content-Length. A
 *     response whose body the guest never asked for is complete at set
 *     (an empty body).
 *   - set(err(code)) answers with a status for the code (RFC 9209's for
 *     the proxy errors: 502, 503, 504; 4xx for request errors; 500 for
 *     internal-error and configuration-error; see internal.h).
 *   - a handle call that returns (or traps) before set: 500 (504 when rc
 *     is WH_INTERRUPTED, the deadline); one that returns after set but
 *     before finish, or traps after set: 500 (504) if nothing went out
 *     yet, else the connection is closed mid-response (hx_resp_abort), so the
 *     client never takes a truncated body for a complete one. The same
 *     when the guest drops the outgoing-body without finish, or finish
 *     fails (a Content-Length the body does not match).
 *
 * The exchange outlives whichever side lets go last: the guest may still
 * hold the body's stream after the client went away (reads then fail), and
 * the server may still send after the guest's call returned (a body written
 * in full and finished is sent even if the socket drains later).
 *
 * Everything runs on the loop's thread. The exchange calls
 * wasi_ctx_notify from inside the server's callbacks and its own: the
 * context's waker must schedule the guest's resumption (cm_resume from a
 * later loop callback), not run it from inside the notify. The exchange
 * keeps a libuv handle of ctx's loop; its memory is freed by a close
 * callback of that loop, so the loop must run after the exchange ends.
 */
#ifndef HW_H
#define HW_H

#include "http/hx.h"
#include "wasi/wasi_host.h"

/* Defines wasi:http/types and wasi:http/outgoing-handler (0.2.x) in l. */
wh_rc hw_link(cm_linker_t *l, wh_err_t *err);

typedef struct hw_exchange hw_exchange_t;

/* Makes the exchange for req on the instance whose context is ctx, and puts
 * its incoming-request and response-outparam in ctx's table: *req_rep and
 * *out_rep are the handles to pass to handle(). extra (n of them, copied)
 * are header fields added to whatever response the guest sets (the
 * serve layer's debug headers). hx_req_set_data(req, …) is the serve
 * layer's; the exchange does not use it.
 *
 * From then on req's events are the exchange's (it subscribes to them:
 * hx_req_subscribe), and it steers the body (pause and resume): it buffers
 * up to 64 KiB and pauses, and for a request with "Expect: 100-continue" it
 * keeps the body paused until the guest asks for it (incoming-body.stream),
 * so that the 100 Continue answers a guest that wants the body. Body events
 * that came before are not the exchange's: call it from on_request, or keep
 * the body paused until then (none comes while it is paused). On failure
 * nothing is left in the table, req's events are the dispatcher's still,
 * and WH_NOMEM is returned. */
wh_rc hw_exchange_new(wasi_ctx_t *ctx, hx_req_t *req, const hx_header_t *extra, size_t n,
                      hw_exchange_t **out, uint32_t *req_rep, uint32_t *out_rep, wh_err_t *err);

/* The guest's handle call is over: rc WH_OK when it returned, anything else
 * when it trapped, ran out of fuel or time (WH_INTERRUPTED), or was
 * cancelled. Settles the response as described above, and drops the serve
 * layer's reference: ex must not be used after (req is ended or aborted
 * by now, unless on_abort came first). Guest objects that still refer to the
 * exchange (an incoming-request, a body stream in a stateful instance)
 * keep what they need; their reads and writes fail from now on. Returns
 * the HTTP status that went to the client, 0 when the connection was
 * closed instead (or the client was gone). *out_body_bytes (out_body_bytes
 * may be NULL) gets the response body bytes the server took for the
 * client, framing not counted: the guest's or the exchange's own error
 * text, nothing for HEAD, 204 and 304 (the server drops those bodies).
 * For a response cut short (status 0) it is what was handed over before
 * the cut, which the client may not all have received. */
int hw_exchange_finish(hw_exchange_t *ex, wh_rc rc, uint64_t *out_body_bytes);

/* Has the guest called response-outparam.set? (Then a deadline ends the
 * call with hw_exchange_finish(ex, WH_INTERRUPTED), which answers 500 if
 * nothing went out yet and closes the connection otherwise.) */
bool hw_exchange_responded(const hw_exchange_t *ex);

/* ======================= Outbound ======================= *
 *
 * wasi:http/outgoing-handler sends a guest's request through an
 * hw_client_t: one per libuv loop (a serve worker, the run command), one
 * libcurl multi handle whose connections are kept alive and reused by
 * every request of every instance on that loop (serverless instances get
 * pooled connections too). Nothing blocks: names are resolved on libcurl's
 * resolver threads, sockets are watched by the loop, and a guest that waits
 * for a response or a body suspends like any other wait.
 *
 * What may be reached is an allow-list (hw_allow_t), checked on the
 * request's scheme, host and port before any name lookup or connection; a
 * request outside it gets error-code.HTTP-request-denied. Nothing is
 * allowed by default. An allowed name may still resolve to an address the
 * operator did not mean to expose (SSRF): deny_private refuses, after
 * resolution and before connecting, every loopback, private, link-local
 * and unique-local address (destination-IP-prohibited).
 *
 * Without a client bound to its context (hw_bind), an instance's
 * outgoing-handler answers HTTP-request-denied to everything. */

/* One entry of the allow-list: SCHEME://HOST[:PORT]. */
typedef struct {
    char scheme[8]; /* "http", "https", or "*" (the entry "*" alone) */
    char host[256]; /* lowercase; "*" any host; "*.example.com" one label */
    uint16_t port;  /* 0: any port ("host:*", or "*") */
} hw_allow_t;

/* Parses "http://api.example.com", "https://api.example.com:8443",
 * "http://127.0.0.1:*", "http://[::1]:8080", a wildcard first label
 * (SCHEME "://" "*.example.com"), or "*". Without a port, the
 * scheme's default one (80, 443). WH_ARG with a message saying what is
 * wrong. */
wh_rc hw_allow_parse(const char *spec, hw_allow_t *out, wh_err_t *err);
/* Does the list allow scheme ("http"/"https") to host (as written in the
 * authority: lowercase or not, IPv6 without brackets) at port? */
bool hw_allowed(const hw_allow_t *list, size_t n, const char *scheme, const char *host,
                uint16_t port);
/* Is this address one that deny_private refuses (loopback, RFC 1918
 * private, carrier-grade NAT, link-local, unique-local, unspecified,
 * multicast, and IPv4-mapped forms of these)? */
bool hw_private_address(const struct sockaddr *sa);

/* The operator's settings for outbound requests (serve and run options). */
typedef struct {
    const hw_allow_t *allow; /* --allow-http */
    size_t nallow;
    const char *ca_file;               /* --outbound-ca: PEM certificates trusted besides the
                                          system's, or NULL */
    bool deny_private;                 /* --deny-private-addresses */
    uint32_t max_connections;          /* per client (worker), in total [256] */
    uint32_t max_host_connections;     /* per client and host [64] */
    uint32_t max_requests;             /* in flight per instance [32]; more are refused with
                                          connection-limit-reached */
    uint32_t idle_timeout_ms;          /* a pooled connection idle this long is closed [60 s];
                                          0: no pooling (a connection per request) */
    uint32_t connect_timeout_ms;       /* [10 s] the defaults of request-options, */
    uint32_t first_byte_timeout_ms;    /* [30 s] which a guest may set per request */
    uint32_t between_bytes_timeout_ms; /* [30 s] */
} hw_outbound_config_t;

/* The allow-list and its checks in words, for a log line:
 * "http://a:80, https://b:443; private addresses denied", or "nothing
 * allowed". */
void hw_outbound_describe(const hw_outbound_config_t *cfg, char *buf, size_t n);

/* Fills cfg with the defaults above (nothing allowed). */
void hw_outbound_config_init(hw_outbound_config_t *cfg);

/* Once per process, before any thread uses outbound requests: sets up
 * libcurl (with the project's allocator, so that allocation failures can be
 * injected and counted). WH_IO when libcurl cannot start. */
wh_rc hw_global_init(wh_err_t *err);

/* What every client shares, read-only: the settings and the extra CA
 * certificates, loaded once. cfg and its allow-list must outlive it. Fails
 * (WH_IO, naming the file) when ca_file cannot be read or holds no
 * certificate. Thread-safe to share once made. */
typedef struct hw_outbound hw_outbound_t;
wh_rc hw_outbound_new(const hw_outbound_config_t *cfg, hw_outbound_t **out, wh_err_t *err);
void hw_outbound_free(hw_outbound_t *ob);
/* The settings it was made with. */
const hw_outbound_config_t *hw_outbound_config(const hw_outbound_t *ob);

/* A client on loop (the loop's thread only). ob must outlive it. */
typedef struct hw_client hw_client_t;
wh_rc hw_client_new(const hw_outbound_t *ob, uv_loop_t *loop, hw_client_t **out, wh_err_t *err);
/* Ends every transfer still running and closes the pooled connections;
 * the memory goes with the loop's close callbacks, so run the loop after.
 * Free the contexts bound to it first. */
void hw_client_free(hw_client_t *c);

/* Counters of a client, for tests and metrics. */
typedef struct {
    uint64_t requests;    /* transfers started */
    uint64_t connections; /* new connections made (the rest were reused) */
    uint64_t failed;      /* transfers that ended with a transport error
                             (name lookup, connect, TLS, timeout, reset) */
    uint32_t active;      /* transfers running now */
} hw_client_stats_t;
void hw_client_stats(const hw_client_t *c, hw_client_stats_t *out);

/* Gives the instance whose context is ctx outbound requests through c
 * (which must outlive ctx). Uses the context's embedder pointer
 * (wasi_ctx_set_ext). WH_NOMEM when out of memory. */
wh_rc hw_bind(wasi_ctx_t *ctx, hw_client_t *c);

#endif
