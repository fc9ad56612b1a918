/*
 * hx.h — the inbound HTTP server of wasmhttpd: a listener on a libuv loop,
 * the per-connection protocols (HTTP/1.1: keep-alive, pipelining, chunked
 * bodies both ways, Expect: 100-continue, HEAD, trailers; HTTP/2 over TLS
 * by ALPN or in cleartext with prior knowledge, each stream one request),
 * limits and timeouts, and a small callback API on which the wasi:http host
 * is built. The API is the same for both protocols: an embedder need not
 * know which one a request came by (hx_req_version tells).
 *
 * Threading. An hx_server_t belongs to one uv_loop_t: every function below
 * must be called on that loop's thread, and every callback runs there. There
 * is no global state, so N threads may each run their own loop and their own
 * server bound to the same address and port: the first made with
 * cfg.reuseport, the others with cfg.join (SO_REUSEPORT spreads the
 * connections over them).
 *
 * The life of a request, as the embedder sees it:
 *
 *   on_request(req)        method, target, version and headers are known; the
 *                          body may not have arrived yet.
 *   on_body(req, chunk)*   request body bytes, in order; the bytes are only
 *                          valid during the call. hx_req_pause_body stops
 *                          them (backpressure), hx_req_resume_body restarts.
 *   on_body_end(req, trailers)
 *                          the body is complete (also called, without
 *                          trailers, for a request that has no body).
 *   hx_resp_start / hx_resp_write* / hx_resp_end
 *                          the response; may be called from any callback of
 *                          the same loop, also before the request body ended
 *                          and long after on_request returned.
 *
 * The request's own events (body, body end, writable, abort) go to the
 * server's handler, or, once someone subscribed to them with
 * hx_req_subscribe, to that subscriber alone: the embedder's dispatcher
 * sees on_request, and whatever it handed the request to hears the rest.
 *
 * The hx_req_t handle is valid from on_request until the embedder calls
 * hx_resp_end or hx_resp_abort, or until the server calls on_abort,
 * whichever comes first; after that no callback mentions it again and the
 * embedder must not use it. A body the embedder did not read before ending
 * the response is read and dropped by the server (up to the body limit) so
 * that the connection can be reused.
 *
 * HTTP/1.x requests on one connection are handled one at a time: a
 * pipelined request is parsed only once the response of the one before it
 * has been ended, so responses always go out in request order. The streams
 * of an HTTP/2 connection are requests at the same time, each with its own
 * hx_req_t, body backpressure (flow control) and response.
 */
#ifndef HX_H
#define HX_H

#include "base/wh_base.h"

#include <uv.h>

typedef struct hx_server hx_server_t;
typedef struct hx_req hx_req_t;

/* A header or trailer field. Names and values are not NUL-terminated; they
 * are exactly the bytes the client sent (names keep their case, values lose
 * leading and trailing whitespace as the parser removes it). */
typedef struct {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
} hx_header_t;

/* Why a request ended before the embedder ended its response. */
typedef enum {
    HX_ABORT_CLIENT_GONE,    /* the client closed or reset the connection */
    HX_ABORT_TIMEOUT,        /* the body or a write stalled past its timeout */
    HX_ABORT_BODY_TOO_LARGE, /* a chunked body grew past max_body_bytes */
    HX_ABORT_BAD_BODY,       /* the body was malformed (chunk framing) */
    HX_ABORT_WRITE_ERROR,    /* writing the response to the socket failed */
    HX_ABORT_SHUTDOWN,       /* the server shut down before the response ended */
    HX_ABORT_NOMEM,          /* the server ran out of memory for this request */
} hx_abort_reason;

const char *hx_abort_reason_name(hx_abort_reason why);

/* The reason phrase RFC 9110 gives status ("Not Found"), or NULL for a
 * status it does not name. */
const char *hx_reason_phrase(int status);

/* The embedder's callbacks. `ud` is the pointer given to hx_server_new.
 * Only on_request is required; the others may be NULL. From inside any of
 * them the embedder may call any function of this header for the same
 * request, including hx_resp_end and hx_resp_abort. */
typedef struct {
    void (*on_request)(hx_req_t *req, void *ud);
    void (*on_body)(hx_req_t *req, const uint8_t *data, size_t len, void *ud);
    /* trailers are valid only during the call (n may be 0). */
    void (*on_body_end)(hx_req_t *req, const hx_header_t *trailers, size_t n, void *ud);
    /* Queued output drained after hx_resp_writable returned less than
     * write_buffer (or after a write that filled the queue): more response
     * bytes are welcome. */
    void (*on_writable)(hx_req_t *req, void *ud);
    /* The request is over without a response end: the last callback for
     * req. If no response had started the server may answer the client
     * itself (408, 413, 400), else it closes the connection, so that the
     * client sees an incomplete response and never a truncated "complete"
     * one. */
    void (*on_abort)(hx_req_t *req, hx_abort_reason why, void *ud);
    /* The server ran out of file descriptors when accepting (err is
     * UV_EMFILE for the process's limit, UV_ENFILE for the system's).
     * refused: connections answered 503 and closed since the last call, for
     * want of a descriptor; paused: the times accepting stopped for a short
     * while because not even that was possible (the connections then wait
     * in the backlog). Open connections are served as usual meanwhile.
     * Called at most once a second, and only when one of the counts is not
     * zero: a line for a log. */
    void (*on_fd_exhausted)(hx_server_t *srv, int err, uint64_t refused, uint32_t paused, void *ud);
} hx_handler_t;

/* What one request's events go to once subscribed (hx_req_subscribe);
 * the same calls as the handler's, with the subscriber's pointer. Any may
 * be NULL (body bytes are then dropped as they come, unless the body is
 * paused). */
typedef struct {
    void (*on_body)(hx_req_t *req, const uint8_t *data, size_t len, void *ud);
    void (*on_body_end)(hx_req_t *req, const hx_header_t *trailers, size_t n, void *ud);
    void (*on_writable)(hx_req_t *req, void *ud);
    void (*on_abort)(hx_req_t *req, hx_abort_reason why, void *ud);
} hx_req_events_t;

/* TLS: a certificate chain and its key, loaded from PEM files, shared by
 * every server (and worker) given it in hx_config_t.tls. TLS 1.2 and 1.3;
 * ALPN offers h2, then http/1.1. Thread-safe: a reload from any thread makes a new
 * context for the connections accepted after it; connections already open
 * keep the certificate they started with. */
typedef struct hx_tls hx_tls_t;

/* Loads cert_file (the certificate, then its chain) and key_file. WH_IO
 * with a message naming the file when one cannot be read, holds no PEM
 * certificate or key, or the key does not match the certificate; WH_NOMEM.
 * On failure *out is NULL. */
wh_rc hx_tls_new(const char *cert_file, const char *key_file, hx_tls_t **out, wh_err_t *err);
/* Reads the same two files again (a renewed certificate). On failure the
 * certificate in use stays, and err says why. */
wh_rc hx_tls_reload(hx_tls_t *tls, wh_err_t *err);
/* After every server using it is freed. hx_tls_free(NULL) does nothing. */
void hx_tls_free(hx_tls_t *tls);

/* Limits and timeouts. Zero in any field means "the default" (in brackets).
 * Timeouts are in milliseconds. */
typedef struct {
    uint32_t max_header_bytes; /* [16384] request target + header names and
                                * values (trailers separately); more: 431 (or
                                * 414 when the target alone is too long).
                                * The raw head, whitespace and line ends
                                * included, may have 2 * max_header_bytes +
                                * 8 * max_headers + 1024 bytes; more: 431. */
    uint32_t max_headers;      /* [100] header fields; more: 431 */
    uint64_t max_body_bytes;   /* [16 MiB] request body; larger: 413 */
    uint32_t header_timeout;   /* [10000] from the first byte of a request (or
                                * from accept) to the end of its headers; then
                                * 408 and close (a silent close if nothing
                                * arrived) */
    uint32_t idle_timeout;     /* [60000] keep-alive: between a response and
                                * the first byte of the next request; then
                                * close */
    uint32_t body_timeout;     /* [30000] longest gap between two reads of a
                                * request body the embedder wants; then
                                * on_abort(TIMEOUT) and 408 or close */
    uint32_t write_timeout;    /* [30000] longest time queued response bytes
                                * may wait without the socket taking any; then
                                * on_abort(TIMEOUT) and close */
    uint32_t write_buffer;     /* [65536] queued response bytes past which
                                * hx_resp_writable reports 0 */
    uint32_t read_buffer;      /* [16384] bytes read from the socket at once */
    uint32_t max_connections;  /* [10000] open connections; beyond it a new
                                * connection gets 503 and is closed (as it
                                * does when no file descriptor is left:
                                * on_fd_exhausted) */
    int backlog;               /* [4096] listen(2) backlog (the kernel caps it at
                                * net.core.somaxconn) */
    uint32_t h2_max_streams;   /* [100] HTTP/2: streams a connection may have
                                * open at once (SETTINGS_MAX_CONCURRENT_STREAMS),
                                * counting those whose request the embedder
                                * still holds; more are refused (REFUSED_STREAM) */
    bool reuseport;            /* let the servers of this process made after
                                * this one with join share its port (one per
                                * worker loop; SO_REUSEPORT spreads the
                                * connections). This one still listens alone
                                * first: it fails when anything listens on
                                * the address already, SO_REUSEPORT sockets
                                * included, so a second server cannot share
                                * the port by mistake */
    bool join;                 /* set SO_REUSEPORT before the bind, to share
                                * the port of a server of this process made
                                * with reuseport on the same host (pass its
                                * hx_server_port) */
    hx_tls_t *tls;             /* [NULL: plain HTTP] TLS on every connection;
                                * it must outlive the server */
} hx_config_t;

/* Fills cfg with the defaults (every field explicit). */
void hx_config_defaults(hx_config_t *cfg);

/* Creates a server on loop, listening on host:port (a numeric IPv4 or IPv6
 * address; port 0 picks a free port, see hx_server_port). cfg may be NULL
 * for the defaults and is copied; handler must stay valid as long as the
 * server. On failure nothing is left allocated, *out is NULL and err says
 * why (WH_IO for socket errors, WH_ARG for a bad address). The loop must
 * outlive the server. */
wh_rc hx_server_new(uv_loop_t *loop, const char *host, int port, const hx_config_t *cfg,
                    const hx_handler_t *handler, void *ud, hx_server_t **out, wh_err_t *err);

/* The port the server listens on (useful after binding port 0). */
int hx_server_port(const hx_server_t *srv);

/* Open connections and requests in progress, for tests and metrics. */
uint32_t hx_server_connections(const hx_server_t *srv);

/* Graceful shutdown: closes the listener, closes idle connections, lets each
 * request in progress finish (its response gets "Connection: close") and
 * then closes its connection. After grace_ms milliseconds (0: no limit) the
 * requests still running are aborted (on_abort SHUTDOWN) and their
 * connections closed. When every handle is closed, done(srv, done_ud) runs;
 * after that (and only after) hx_server_free may be called. Calling it twice
 * does nothing the second time. */
void hx_server_shutdown(hx_server_t *srv, uint32_t grace_ms, void (*done)(hx_server_t *, void *),
                        void *done_ud);

/* Frees a server whose shutdown has completed (done was called), or that
 * was never started. hx_server_free(NULL) does nothing. */
void hx_server_free(hx_server_t *srv);

/* ---- The request ---- */

/* The method as text ("GET"), the request target exactly as sent
 * ("/a?b=c"; HTTP/2's :path), and the HTTP version (1.0, 1.1 or 2.0). */
const char *hx_req_method(const hx_req_t *req);
const char *hx_req_target(const hx_req_t *req, size_t *out_len);
void hx_req_version(const hx_req_t *req, int *out_major, int *out_minor);
/* The header fields, in order; valid as long as req. */
const hx_header_t *hx_req_headers(const hx_req_t *req, size_t *out_n);
/* The value of the first field with this name (case-insensitive), or NULL. */
const char *hx_req_header(const hx_req_t *req, const char *name, size_t *out_len);
/* The declared Content-Length, or -1 for a chunked body; 0 without body. */
int64_t hx_req_content_length(const hx_req_t *req);
/* The embedder's pointer for this request (NULL at on_request). */
void hx_req_set_data(hx_req_t *req, void *data);
void *hx_req_data(const hx_req_t *req);
/* A per-request arena, reset when the request is over: the embedder may
 * allocate what lives exactly as long as req from it. */
wh_arena_t *hx_req_arena(hx_req_t *req);
/* The peer address of the connection. */
const struct sockaddr_storage *hx_req_peer(const hx_req_t *req);
/* Did the request come over TLS (its scheme is https)? */
bool hx_req_secure(const hx_req_t *req);

/* From now on req's on_body, on_body_end, on_writable and on_abort go to
 * ev (with ud) instead of the server's handler; ev must stay valid as long
 * as req. Called again, it replaces the subscriber; ev NULL gives the
 * events back to the handler. Events that came before are not repeated: a
 * dispatcher that hands the request on later keeps the body paused until
 * then (no body event comes while it is paused). Only while the embedder
 * holds req. */
void hx_req_subscribe(hx_req_t *req, const hx_req_events_t *ev, void *ud);

/* Stops or restarts on_body for req. While paused, the server reads ahead
 * at most read_buffer bytes and then stops reading the socket, so TCP
 * pushes back on the client. Expect: 100-continue: the server sends
 * "100 Continue" when the body is first wanted, that is when on_request
 * returns without having paused the body or started a response, or later at
 * the first hx_req_resume_body. */
void hx_req_pause_body(hx_req_t *req);
void hx_req_resume_body(hx_req_t *req);

/* ---- The response ----
 * Calls out of order (write before start, anything after end) return
 * WH_ARG and change nothing. */

/* Starts the response: status (200..599 except 1xx) and header fields,
 * which are copied. The server adds Date (unless given), and frames the
 * body itself: a Content-Length given here is used and enforced; without
 * one the body is chunked (HTTP/1.1) or ends with the connection
 * (HTTP/1.0). Transfer-Encoding, Connection and Keep-Alive fields given here
 * are dropped; "Connection: close" among them makes the server close after
 * this response. HEAD requests and 204/304 get no body: writes to them are
 * accepted and dropped. Names and values with CR, LF or NUL (and empty
 * names) are refused with WH_ARG. The head goes to the socket at the end
 * of the loop's turn, with the rest of what the turn wrote (small output
 * waits for it; see docs/http.md). */
wh_rc hx_resp_start(hx_req_t *req, int status, const hx_header_t *headers, size_t n);

/* Bytes hx_resp_write may take now without growing the queue past
 * write_buffer: what a wasi:io check-write should report. A caller that
 * needs more than that (0, or fewer than a write it must make whole) waits
 * for on_writable, which follows the next drain (for an HTTP/2 stream,
 * once its queue is below half of write_buffer). */
size_t hx_resp_writable(hx_req_t *req);

/* Appends body bytes (copied, or written straight to the socket). It takes
 * all of them even past hx_resp_writable, so the embedder should respect
 * that figure to keep memory bounded. Returns WH_ARG when the bytes would
 * exceed the Content-Length given at start, WH_IO when the connection is
 * already gone (on_abort follows or has run). */
wh_rc hx_resp_write(hx_req_t *req, const void *data, size_t len);

/* Ends the response, with trailers when the body is chunked (they are
 * dropped otherwise; n may be 0). If fewer bytes than a given
 * Content-Length were written, the connection is closed after them, so the
 * client sees an incomplete response. req is invalid after the call. If
 * no response was started, hx_resp_start(req, 200, NULL, 0) is implied. */
wh_rc hx_resp_end(hx_req_t *req, const hx_header_t *trailers, size_t n);

/* start + write + end with Content-Length, in one write to the socket (at
 * the end of the loop's turn): the fast path for small answers. */
wh_rc hx_resp_send(hx_req_t *req, int status, const hx_header_t *headers, size_t n,
                   const void *body, size_t len);

/* Gives up on the request: before a response started, the client gets
 * 500 and the connection closes; after, the connection closes at once (an
 * incomplete response). req is invalid after the call. */
void hx_resp_abort(hx_req_t *req);

#endif
