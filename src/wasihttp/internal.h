/*
 * internal.h — what the files of the wasi:http host (hw_*.c) share: the
 * objects behind its resources, the error-code table, and the value
 * builders its host functions use. Not a public header (hw.h is).
 *
 * Objects. Every resource is a wasi_obj_t in the instance's table (see
 * wasi_host.h). State that a resource shares with others lives in an object
 * of its own that is never in the table, held by reference:
 *
 *   hw_fields_t     a header or trailer list; a "view" (the child handle
 *                   headers() returns) shows another fields' list.
 *   hw_inflow_t     the bytes of an incoming body as they arrive, shared by
 *                   the incoming-body, its input-stream and its
 *                   future-trailers; fed by a producer (the exchange).
 *   hw_outflow_t    an outgoing body as the guest writes it, shared by the
 *                   outgoing-body, its output-stream, the outgoing-response
 *                   it belongs to and, once response-outparam.set linked
 *                   them, the exchange that sends it.
 *   hw_exchange_t   one inbound request and its response (hw.h).
 *
 * Links that point back (a flow to its exchange) are plain pointers, and
 * the side that goes away first clears them, so that reference counts never
 * form a cycle.
 *
 * Events. Whatever may make something ready (body bytes, the end of a
 * body, room in the socket, the client leaving) calls wasi_ctx_notify, so
 * the pollables of this host need no arming of their own.
 */
#ifndef HW_INTERNAL_H
#define HW_INTERNAL_H

#include "wasihttp/hw.h"

#define HW_TYPES    "wasi:http/types" WASI_V
#define HW_OUTGOING "wasi:http/outgoing-handler" WASI_V

/* How much an incoming body may buffer before the producer is paused, and
 * how much an outgoing body takes before it is connected to a response. */
enum { HW_BODY_BUFFER = 64 * 1024 };

/* ---- error-code (wasi:http/types), cases in the WIT's order ----
 * X(id, WIT name, payload kind, status a response gets for it when a guest
 * answers response-outparam.set(err(code))). The statuses follow RFC 9209
 * (Proxy-Status) for the proxy errors and the nearest 4xx for the request
 * errors. */
/* clang-format off */
#define HW_ERROR_CODE_MAP(X)                                                              \
    X(DNS_TIMEOUT, "DNS-timeout", NONE, 504)                                              \
    X(DNS_ERROR, "DNS-error", DNS, 502)                                                   \
    X(DESTINATION_NOT_FOUND, "destination-not-found", NONE, 500)                          \
    X(DESTINATION_UNAVAILABLE, "destination-unavailable", NONE, 503)                      \
    X(DESTINATION_IP_PROHIBITED, "destination-IP-prohibited", NONE, 502)                  \
    X(DESTINATION_IP_UNROUTABLE, "destination-IP-unroutable", NONE, 502)                  \
    X(CONNECTION_REFUSED, "connection-refused", NONE, 502)                                \
    X(CONNECTION_TERMINATED, "connection-terminated", NONE, 502)                          \
    X(CONNECTION_TIMEOUT, "connection-timeout", NONE, 504)                                \
    X(CONNECTION_READ_TIMEOUT, "connection-read-timeout", NONE, 504)                      \
    X(CONNECTION_WRITE_TIMEOUT, "connection-write-timeout", NONE, 504)                    \
    X(CONNECTION_LIMIT_REACHED, "connection-limit-reached", NONE, 503)                    \
    X(TLS_PROTOCOL_ERROR, "TLS-protocol-error", NONE, 502)                                \
    X(TLS_CERTIFICATE_ERROR, "TLS-certificate-error", NONE, 502)                          \
    X(TLS_ALERT_RECEIVED, "TLS-alert-received", TLS, 502)                                 \
    X(HTTP_REQUEST_DENIED, "HTTP-request-denied", NONE, 403)                              \
    X(HTTP_REQUEST_LENGTH_REQUIRED, "HTTP-request-length-required", NONE, 411)            \
    X(HTTP_REQUEST_BODY_SIZE, "HTTP-request-body-size", OPT_U64, 413)                     \
    X(HTTP_REQUEST_METHOD_INVALID, "HTTP-request-method-invalid", NONE, 400)              \
    X(HTTP_REQUEST_URI_INVALID, "HTTP-request-URI-invalid", NONE, 400)                    \
    X(HTTP_REQUEST_URI_TOO_LONG, "HTTP-request-URI-too-long", NONE, 414)                  \
    X(HTTP_REQUEST_HEADER_SECTION_SIZE, "HTTP-request-header-section-size", OPT_U32, 431)  \
    X(HTTP_REQUEST_HEADER_SIZE, "HTTP-request-header-size", OPT_FSP, 431)                 \
    X(HTTP_REQUEST_TRAILER_SECTION_SIZE, "HTTP-request-trailer-section-size", OPT_U32, 431) \
    X(HTTP_REQUEST_TRAILER_SIZE, "HTTP-request-trailer-size", FSP, 431)                   \
    X(HTTP_RESPONSE_INCOMPLETE, "HTTP-response-incomplete", NONE, 502)                    \
    X(HTTP_RESPONSE_HEADER_SECTION_SIZE, "HTTP-response-header-section-size", OPT_U32, 502) \
    X(HTTP_RESPONSE_HEADER_SIZE, "HTTP-response-header-size", FSP, 502)                   \
    X(HTTP_RESPONSE_BODY_SIZE, "HTTP-response-body-size", OPT_U64, 502)                   \
    X(HTTP_RESPONSE_TRAILER_SECTION_SIZE, "HTTP-response-trailer-section-size", OPT_U32, 502) \
    X(HTTP_RESPONSE_TRAILER_SIZE, "HTTP-response-trailer-size", FSP, 502)                 \
    X(HTTP_RESPONSE_TRANSFER_CODING, "HTTP-response-transfer-coding", OPT_STR, 502)       \
    X(HTTP_RESPONSE_CONTENT_CODING, "HTTP-response-content-coding", OPT_STR, 502)         \
    X(HTTP_RESPONSE_TIMEOUT, "HTTP-response-timeout", NONE, 504)                          \
    X(HTTP_UPGRADE_FAILED, "HTTP-upgrade-failed", NONE, 502)                              \
    X(HTTP_PROTOCOL_ERROR, "HTTP-protocol-error", NONE, 502)                              \
    X(LOOP_DETECTED, "loop-detected", NONE, 502)                                          \
    X(CONFIGURATION_ERROR, "configuration-error", NONE, 500)                              \
    X(INTERNAL_ERROR, "internal-error", OPT_STR, 500)
/* clang-format on */

/* clang-format off */
typedef enum {
#define HW_EC_ENUM(id, name, pay, status) HW_EC_##id,
    HW_ERROR_CODE_MAP(HW_EC_ENUM)
#undef HW_EC_ENUM
    HW_EC_COUNT
} hw_ec_tag;
/* clang-format on */

/* An error-code value. Payloads: num is the number of the option<u64> /
 * option<u32> cases and the field-size of the field-size-payload ones; str
 * the string of the option<string> cases, the field-name, the DNS rcode or
 * the TLS alert message. Records whose fields are absent are all none. */
typedef struct {
    hw_ec_tag tag;
    bool has_num;
    uint64_t num;
    const char *str; /* NULL: none; not owned */
    size_t str_len;
} hw_errcode_t;

static inline hw_errcode_t hw_ec(hw_ec_tag tag)
{
    return (hw_errcode_t){.tag = tag};
}

const char *hw__ec_name(hw_ec_tag tag);
int hw__ec_status(hw_ec_tag tag);
/* The error-code as a value for the guest (strings copied into the call). */
wh_rc hw__ec_val(cm_call_t *call, const hw_errcode_t *e, cm_val_t *out);
/* An error-code value from the guest (str points into the value). */
void hw__ec_from_val(const cm_val_t *v, hw_errcode_t *out);
/* The wasi:io error that carries e (domain HTTP, code = the case; the
 * message names the case, or is e's string for internal-error). */
wasi_ioerr_t hw__ec_ioerr(const hw_errcode_t *e);

/* ---- fields ---- */

typedef struct {
    char *name; /* name_len bytes, then value_len bytes of value, in one block */
    uint32_t name_len, value_len;
} hw_field_t;

typedef struct hw_fields hw_fields_t;
struct hw_fields {
    wasi_obj_t obj;
    hw_fields_t *of; /* a view: the fields whose list it shows (a reference) */
    WH_VEC(hw_field_t) list;
    size_t bytes; /* names and values, for the limit */
    char *text;   /* a copy made at once: every name and value, in one
                     block (the fields are immutable); else NULL and each
                     field owns its name */
    bool immutable;
};

extern const wasi_objtype_t hw_type_fields;

/* Is this a token (RFC 9110 5.1)? Is this a field value: no control
 * characters but horizontal tab (which covers CR, LF and NUL)? */
bool hw__name_ok(const char *s, size_t n);
bool hw__value_ok(const uint8_t *s, size_t n);

/* A new empty, mutable fields (one reference), or NULL. */
hw_fields_t *hw__fields_new(void);
/* An immutable copy of hx's fields, or NULL when out of memory. */
hw_fields_t *hw__fields_from_hx(const hx_header_t *h, size_t n);
/* The list a fields shows (its own, or its parent's for a view). */
static inline const hw_fields_t *hw__fields_data(const hw_fields_t *f)
{
    return f->of ? f->of : f;
}
/* Puts a new immutable view of f in the table: its rep, 0 when out of
 * memory. */
uint32_t hw__fields_view(wasi_ctx_t *ctx, hw_fields_t *f);
/* headers() of a request or response: own<fields>, an immutable view of f. */
wh_rc hw__headers_result(cm_call_t *call, hw_fields_t *f, cm_val_t *result);
/* Takes the fields the guest passed as own<fields>: out of the table, with
 * the table's reference handed to the caller, immutable from now on
 * (outgoing-response and outgoing-request keep their headers as given).
 * NULL after a trap. */
hw_fields_t *hw__fields_take(cm_call_t *call, const cm_val_t *v);
/* The first value of name, or NULL. */
const char *hw__fields_get(const hw_fields_t *f, const char *name, size_t *out_len);
/* The fields (then extra, n of them) as hx fields in a new array the caller
 * frees (wh_free); the names and values stay f's. NULL when out of memory
 * (also when there are none: then *out_n is 0 and NULL is not an error).
 * trailers: leave out what may not be a trailer (the framing fields,
 * Content-Length, and the forbidden names), which the server would refuse. */
hx_header_t *hw__fields_hx(const hw_fields_t *f, const hx_header_t *extra, size_t nextra,
                           bool trailers, size_t *out_n, bool *out_nomem);
/* Content-Length of f: -1 when absent, -2 when malformed (not digits, or
 * several different values). */
int64_t hw__fields_content_length(const hw_fields_t *f);

/* ---- incoming bodies ---- */

typedef enum { HW_FLOW_OPEN, HW_FLOW_ENDED, HW_FLOW_FAILED } hw_flow_state;

typedef struct hw_inflow hw_inflow_t;

/* The producer's side: called when the consumer wants bytes again after
 * hw__inflow_push said "full" (or before any, see wanted). */
typedef struct {
    void (*resume)(void *prod);
    /* Optional: every holder of the flow let go (the guest cannot read
     * it any more); the producer should stop. */
    void (*gone)(void *prod);
} hw_inflow_prod_t;

struct hw_inflow {
    wasi_obj_t obj;
    wasi_ctx_t *ctx;
    WH_VEC(uint8_t) buf;
    uint32_t off; /* bytes before off were read */
    hw_flow_state state;
    hw_errcode_t err;      /* FAILED: why (its strings are static) */
    hw_fields_t *trailers; /* ENDED: the trailers, if any */
    bool wanted;           /* the guest asked for the body (stream or finish) */
    bool dropping;         /* finish was called: bytes are dropped as they come */
    bool cut;              /* finish was called: the stream reads closed */
    bool trailers_taken;   /* future-trailers.get gave the result */
    bool paused;           /* the producer was told it is full */
    const hw_inflow_prod_t *pops;
    void *prod; /* NULL once the producer is gone */
};

/* A new flow (one reference); wanted says whether the producer may send
 * before the guest asks for the body. */
hw_inflow_t *hw__inflow_new(wasi_ctx_t *ctx, const hw_inflow_prod_t *pops, void *prod, bool wanted);
/* Producer side: bytes (copied); returns false when the producer should
 * pause (it resumes on pops->resume). */
bool hw__inflow_push(hw_inflow_t *f, const uint8_t *data, size_t len);
/* The body ended, with trailers (copied; n may be 0). */
void hw__inflow_end(hw_inflow_t *f, const hx_header_t *trailers, size_t n);
/* The body will not complete; the producer lets go (no more calls to it). */
void hw__inflow_fail(hw_inflow_t *f, const hw_errcode_t *why);
/* The producer lets go; fails the flow with why if it was still open. */
void hw__inflow_detach(hw_inflow_t *f, const hw_errcode_t *why);

/* The incoming-body resource for a flow: its rep (0 when out of memory). */
uint32_t hw__incoming_body_new(wasi_ctx_t *ctx, hw_inflow_t *f);
/* consume() of an incoming request or response: result<own<incoming-body>>
 * of *body, once (*body is NULL after; a second call is the error). */
wh_rc hw__consume(cm_call_t *call, hw_inflow_t **body, cm_val_t *result);

/* ---- outgoing bodies ---- */

typedef enum { HW_OUT_RESPONSE, HW_OUT_REQUEST } hw_out_kind;

/* Where the bytes of a linked outgoing body go: the exchange (a response
 * to the client) or an outbound transfer (a request to a back end). */
typedef struct {
    /* Bytes for the other side; WASI_IO_FAILED (and *e) when it is gone. */
    wasi_io_status (*write)(void *sink, const uint8_t *p, size_t n, wasi_ioerr_t *e);
    /* Room for the next write (what check-write says). */
    size_t (*writable)(void *sink);
    /* The guest flushed the stream. */
    void (*flush)(void *sink);
    /* The body was finished; trailers (NULL: none) is a reference handed
     * over. */
    void (*finish)(void *sink, hw_fields_t *trailers);
    /* The body failed or was abandoned: the message cannot complete. */
    void (*abort)(void *sink);
    /* Is no body owed (a response to HEAD, a 204 or 304)? */
    bool (*bodyless)(const void *sink);
} hw_sink_ops;

typedef struct hw_outflow hw_outflow_t;
struct hw_outflow {
    wasi_obj_t obj;
    hw_out_kind kind;
    const hw_sink_ops *sops; /* the sink sending it, once linked (by set(ok) */
    void *sink;              /* or outgoing-handler.handle), or NULL */
    WH_VEC(uint8_t) pending; /* written, not yet taken by the sink */
    int64_t content_length;  /* -1: none given */
    uint64_t written;
    bool stream_taken;
    bool finished;  /* outgoing-body.finish was called */
    bool abandoned; /* the outgoing-body was dropped without finish */
    bool failed;
    hw_errcode_t err;      /* failed: why (strings static) */
    hw_fields_t *trailers; /* finished before a sink took it */
};

/* A new flow (one reference) for a body of that kind whose headers give
 * content_length (-1: none). NULL when out of memory. */
hw_outflow_t *hw__outflow_new(hw_out_kind kind, int64_t content_length);
/* Marks the flow failed (if it is not already) and tells the guest. */
void hw__outflow_fail(wasi_ctx_t *ctx, hw_outflow_t *f, const hw_errcode_t *why);
/* The outgoing-body resource of a flow: its rep, 0 when out of memory. */
uint32_t hw__outgoing_body_new(wasi_ctx_t *ctx, hw_outflow_t *f);
/* Appends to the flow's pending bytes; false (and the flow failed) when
 * out of memory. */
bool hw__outflow_hold(wasi_ctx_t *ctx, hw_outflow_t *f, const uint8_t *p, size_t n);

/* ---- the exchange (hw_exchange.c), as the bodies see it ---- */

/* response-outparam.set, once the values are lifted. resp_status,
 * headers (a reference handed over) and flow (a reference handed over,
 * NULL when the guest never asked for the body) describe ok(response);
 * code (not NULL) says err(code). */
void hw__ex_set(hw_exchange_t *ex, int status, hw_fields_t *headers, hw_outflow_t *flow,
                const hw_errcode_t *code);

/* ---- resources the exchange and outgoing-handler make or take ---- */

/* The incoming-request of req whose body is body (copied now, so that it
 * outlives the client), and the response-outparam of ex (which it keeps
 * alive): their reps, 0 when out of memory. */
uint32_t hw__inreq_new(wasi_ctx_t *ctx, hx_req_t *req, hw_inflow_t *body);
uint32_t hw__outparam_new(wasi_ctx_t *ctx, hw_exchange_t *ex);
/* ---- outbound requests ---- */

/* An outgoing-request as the guest built it. */
typedef struct {
    wasi_obj_t obj;
    hw_fields_t *headers;
    uint32_t method, scheme;                      /* cases (hw_request.c's order) */
    char *method_s, *scheme_s, *path, *authority; /* owned; NULL: none */
    bool has_scheme;
    hw_outflow_t *body; /* made by body() */
    bool body_taken;
} hw_outreq_t;

enum { HW_METHOD_GET, HW_METHOD_HEAD, HW_METHOD_CONNECT = 5, HW_METHOD_OTHER = 9 };
enum { HW_SCHEME_HTTP, HW_SCHEME_HTTPS, HW_SCHEME_OTHER };
/* The method's name ("GET", or the other(string)). */
const char *hw__method_name(uint32_t tag, const char *other);

/* request-options: which durations (ns) the guest set. */
enum { HW_OPT_CONNECT, HW_OPT_FIRST_BYTE, HW_OPT_BETWEEN_BYTES, HW_NOPTS };
typedef struct {
    wasi_obj_t obj;
    bool has[HW_NOPTS];
    uint64_t ns[HW_NOPTS];
} hw_options_t;

/* outgoing-handler.handle takes its request and options (own handles): out
 * of the table, the table's reference handed to the caller. NULL after a
 * trap (not such a resource). */
hw_outreq_t *hw__outreq_take(cm_call_t *call, const cm_val_t *v);
hw_options_t *hw__options_take(cm_call_t *call, const cm_val_t *v);

/* An incoming-response (one reference) of a status, headers and body
 * (references handed over); NULL when out of memory (then they are
 * released). */
wasi_obj_t *hw__inresp_new(wasi_ctx_t *ctx, int status, hw_fields_t *headers, hw_inflow_t *body);

/* The outbound side's shared and per-loop state (hw_client.c), and its
 * transfers (hw_outgoing.c). */
typedef struct hw_xfer hw_xfer_t;
typedef struct hw_sock hw_sock_t;

struct hw_outbound {
    hw_outbound_config_t cfg;
    void **cas; /* X509 *: the extra CA certificates */
    size_t ncas;
};

struct hw_client {
    const hw_outbound_t *ob;
    uv_loop_t *loop;
    void *multi;      /* CURLM * */
    void *share;      /* CURLSH *: TLS sessions and DNS answers */
    uv_timer_t timer; /* libcurl's timeout */
    uv_timer_t tick;  /* the transfers' own deadlines, while any run */
    bool tick_on;
    hw_xfer_t *active; /* running transfers (hw_outgoing.c keeps the list) */
    hw_sock_t *socks;  /* sockets the loop watches for libcurl */
    hw_client_stats_t stats;
    int open_handles; /* libuv handles not closed yet (freeing waits) */
    bool freeing;
};

/* Per instance (the context's ext): its client and its transfers in
 * flight. */
typedef struct {
    hw_client_t *client;
    uint32_t active;
} hw_binding_t;

/* The options every transfer's easy handle gets from the client. */
void hw__client_setup_easy(hw_client_t *c, void *easy);
/* Adds a transfer's easy handle to the multi handle, or removes it. */
bool hw__client_add(hw_client_t *c, void *easy);
void hw__client_remove(hw_client_t *c, void *easy);
/* Makes the tick run while transfers are active. */
void hw__client_tick_arm(hw_client_t *c);
/* What the client calls (hw_outgoing.c): a transfer ended with a CURLcode;
 * the tick, to check deadlines. */
void hw__xfer_done(hw_xfer_t *x, int curlcode);
void hw__xfers_tick(hw_client_t *c, uint64_t now_ns);
/* The error-code for how a transfer failed (hw_error.c): the CURLcode, the
 * socket's errno, and how far it got. */
hw_errcode_t hw__ec_from_curl(int curlcode, int os_errno, bool resolved, bool connected,
                              bool responded);

/* ---- value builders ---- */

/* option / result / variant with an optional payload (copied). */
wh_rc hw__wrap(cm_call_t *call, cm_val_t *out, uint8_t kind, uint32_t tag, const cm_val_t *payload);
static inline cm_val_t hw_none(void)
{
    cm_val_t v = {.kind = CM_OPTION};
    return v;
}
/* list<u8> both ways: wasi_bytes, and cm_val_t.of.bytes (cm.h). */
/* own<T> of a new table entry for o (the caller's reference is handed
 * over); a trap when out of memory. */
wh_rc hw__own(cm_call_t *call, wasi_obj_t *o, cm_val_t *out);
/* subscribe() of a future: a pollable on o with ops. */
wh_rc hw__subscribe(cm_call_t *call, wasi_obj_t *o, const wasi_pollops_t *ops, cm_val_t *result);
/* The arm of pollables whose source notifies the context by itself. */
void hw__arm_nothing(wasi_ctx_t *ctx, wasi_obj_t *src);
/* get() of a future that has its value: some(err) once taken, else
 * some(ok(ok(*ok))), or some(ok(err(*err))) when ok is NULL. */
wh_rc hw__future_value(cm_call_t *call, bool taken, const cm_val_t *ok, const hw_errcode_t *err,
                       cm_val_t *result);

/* ---- the interfaces, by part ---- */

extern const wasi_func_t hw__fields_funcs[];
extern const size_t hw__nfields_funcs;
extern const wasi_func_t hw__request_funcs[];
extern const size_t hw__nrequest_funcs;
extern const wasi_func_t hw__body_funcs[];
extern const size_t hw__nbody_funcs;
extern const wasi_func_t hw__response_funcs[];
extern const size_t hw__nresponse_funcs;
extern const wasi_func_t hw__error_funcs[];
extern const size_t hw__nerror_funcs;
extern const wasi_func_t hw__future_funcs[];
extern const size_t hw__nfuture_funcs;
extern const wasi_func_t hw__outgoing_funcs[];
extern const size_t hw__noutgoing_funcs;

#endif
