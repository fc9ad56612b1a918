/*
 * wasi_http.h — wasi:http (types, outgoing-handler) for the hand-written C
 * guests: the core imports with their flat signatures and return-area
 * layouts, the names of header-error's and error-code's cases, and the
 * steps every handler takes (append a field, start a response, end a body,
 * respond at once; send a request, wait for its response). Builds on
 * wasi_io.h; see cabi.h for the conventions.
 *
 * error-code (in results, futures and outparams): a variant of 39 cases
 * (error_code_names) with payloads up to option<u64>, so 32 bytes, aligned
 * to 8, its case a byte @0 and its payload @8. internal-error's payload,
 * option<string>, is {u8 is_some @8; ptr @12, len @16}. Flat, it is the
 * case and the join of the payloads: i32, i32 i64 i32 i32 i32 i32.
 */
#ifndef WASI_HTTP_H
#define WASI_HTTP_H

#include "wasi_io.h"

/* ---- wasi:http/types: fields ---- */

IMPORT(WASI("http/types"), "[constructor]fields") handle fields_new(void);
/* from-list(list<tuple<string, list<u8>>>) -> result<own<fields>,
 * header-error>: ret = {u8 is_err; handle or u8 header-error @4} */
IMPORT(WASI("http/types"), "[static]fields.from-list")
void fields_from_list(const void *entries, size_t n, void *ret);
/* get(name) -> list<list<u8>>: ret = {ptr; len} of bytes_t, all ours */
IMPORT(WASI("http/types"), "[method]fields.get")
void fields_get(handle self, const char *name, size_t name_len, void *ret);
IMPORT(WASI("http/types"), "[method]fields.has")
int32_t fields_has(handle self, const char *name, size_t name_len);
/* set(name, list<list<u8>>), delete(name), append(name, list<u8>)
 *   -> result<_, header-error>: ret = {u8 is_err; u8 header-error @1} */
IMPORT(WASI("http/types"), "[method]fields.set")
void fields_set(handle self, const char *name, size_t name_len, const bytes_t *values, size_t n,
                void *ret);
IMPORT(WASI("http/types"), "[method]fields.delete")
void fields_delete(handle self, const char *name, size_t name_len, void *ret);
IMPORT(WASI("http/types"), "[method]fields.append")
void fields_append(handle self, const char *name, size_t name_len, const void *value,
                   size_t value_len, void *ret);
/* entries() -> list<tuple<string, list<u8>>>: ret = {ptr; len} of
 * field_entry_t; the list and every non-empty name and value are ours
 * (cabi_free_pairs) */
IMPORT(WASI("http/types"), "[method]fields.entries") void fields_entries(handle self, void *ret);
IMPORT(WASI("http/types"), "[method]fields.clone") handle fields_clone(handle self);
IMPORT(WASI("http/types"), "[resource-drop]fields") void fields_drop(handle h);

typedef struct {
    str_t name;
    bytes_t value;
} field_entry_t;

/* ---- incoming-request, incoming-body, future-trailers ---- */

/* method() -> method: ret = {u8 case (0 GET … 8 PATCH, 9 other); other's
 * string ptr @4, len @8, ours} */
IMPORT(WASI("http/types"), "[method]incoming-request.method")
void incoming_request_method(handle self, void *ret);
/* path-with-query(), authority() -> option<string>: ret = {u8 is_some;
 * ptr @4; len @8}, the string ours */
IMPORT(WASI("http/types"), "[method]incoming-request.path-with-query")
void incoming_request_path_with_query(handle self, void *ret);
IMPORT(WASI("http/types"), "[method]incoming-request.authority")
void incoming_request_authority(handle self, void *ret);
/* scheme() -> option<scheme>: ret = {u8 is_some; u8 case @4 (0 HTTP,
 * 1 HTTPS, 2 other); other's string @8, @12} */
IMPORT(WASI("http/types"), "[method]incoming-request.scheme")
void incoming_request_scheme(handle self, void *ret);
/* headers() -> own<fields>, immutable */
IMPORT(WASI("http/types"), "[method]incoming-request.headers")
handle incoming_request_headers(handle self);
/* consume() -> result<own<incoming-body>>: ret = {u8 is_err; handle @4};
 * err when called before */
IMPORT(WASI("http/types"), "[method]incoming-request.consume")
void incoming_request_consume(handle self, void *ret);
IMPORT(WASI("http/types"), "[resource-drop]incoming-request") void incoming_request_drop(handle h);

/* stream() -> result<own<input-stream>>: ret = {u8 is_err; handle @4} */
IMPORT(WASI("http/types"), "[method]incoming-body.stream")
void incoming_body_stream(handle self, void *ret);
/* finish(own<incoming-body>) -> own<future-trailers> */
IMPORT(WASI("http/types"), "[static]incoming-body.finish") handle incoming_body_finish(handle self);
IMPORT(WASI("http/types"), "[resource-drop]incoming-body") void incoming_body_drop(handle h);

IMPORT(WASI("http/types"), "[method]future-trailers.subscribe")
handle future_trailers_subscribe(handle self);
/* get() -> option<result<result<option<own<trailers>>, error-code>>>:
 * ret = {u8 is_some @0; u8 outer is_err @8 (taken before); u8 inner is_err
 * @16; u8 is_some @24, own<trailers> @28, or error-code @24} */
IMPORT(WASI("http/types"), "[method]future-trailers.get")
void future_trailers_get(handle self, void *ret);
IMPORT(WASI("http/types"), "[resource-drop]future-trailers") void future_trailers_drop(handle h);

/* ---- outgoing-response, outgoing-body, response-outparam ---- */

/* constructor(headers: own<fields>): takes the fields */
IMPORT(WASI("http/types"), "[constructor]outgoing-response")
handle outgoing_response_new(handle headers);
/* set-status-code(u16) -> result: flat, 0 = ok */
IMPORT(WASI("http/types"), "[method]outgoing-response.set-status-code")
int32_t outgoing_response_set_status_code(handle self, int32_t status);
/* headers() -> own<fields>, immutable once the response is made */
IMPORT(WASI("http/types"), "[method]outgoing-response.headers")
handle outgoing_response_headers(handle self);
/* body() -> result<own<outgoing-body>>: ret = {u8 is_err; handle @4} */
IMPORT(WASI("http/types"), "[method]outgoing-response.body")
void outgoing_response_body(handle self, void *ret);

/* write() -> result<own<output-stream>>: ret = {u8 is_err; handle @4} */
IMPORT(WASI("http/types"), "[method]outgoing-body.write")
void outgoing_body_write(handle self, void *ret);
/* finish(own<outgoing-body>, option<own<trailers>>) -> result<_, error-code>:
 * ret = {u8 is_err; error-code @8} */
IMPORT(WASI("http/types"), "[static]outgoing-body.finish")
void outgoing_body_finish(handle self, int32_t has_trailers, handle trailers, void *ret);
IMPORT(WASI("http/types"), "[resource-drop]outgoing-body") void outgoing_body_drop(handle h);

/* set(own<response-outparam>, result<own<outgoing-response>, error-code>):
 * the result flat as its case and the join of own (i32) with error-code's
 * flat form (i32 i32 i64 i32 i32 i32 i32) */
IMPORT(WASI("http/types"), "[static]response-outparam.set")
void response_outparam_set(handle param, int32_t is_err, int32_t v0, int32_t v1, int64_t v2,
                           int32_t v3, int32_t v4, int32_t v5, int32_t v6);

/* http-error-code(borrow<io-error>) -> option<error-code>: ret = {u8
 * is_some; error-code @8}, what the host says a body's stream failed of */
IMPORT(WASI("http/types"), "http-error-code") void http_error_code(handle err, void *ret);

/* ---- outbound: outgoing-request, request-options ----
 * method flat is (case, ptr, len), case 9 other(string); option<scheme>
 * (is_some, case, ptr, len), case 2 other(string); option<string> (is_some,
 * ptr, len); option<duration> (is_some, u64 ns). The setters return result,
 * one i32: 0 ok, 1 refused. */

/* constructor(headers: own<fields>): takes the fields */
IMPORT(WASI("http/types"), "[constructor]outgoing-request")
handle outgoing_request_new(handle headers);
/* body() -> result<own<outgoing-body>>: ret = {u8 is_err; handle @4} */
IMPORT(WASI("http/types"), "[method]outgoing-request.body")
void outgoing_request_body(handle self, void *ret);
IMPORT(WASI("http/types"), "[method]outgoing-request.set-method")
int32_t outgoing_request_set_method(handle self, int32_t method, const char *other, size_t len);
IMPORT(WASI("http/types"), "[method]outgoing-request.set-scheme")
int32_t outgoing_request_set_scheme(handle self, int32_t is_some, int32_t scheme, const char *other,
                                    size_t len);
IMPORT(WASI("http/types"), "[method]outgoing-request.set-authority")
int32_t outgoing_request_set_authority(handle self, int32_t is_some, const char *s, size_t len);
IMPORT(WASI("http/types"), "[method]outgoing-request.set-path-with-query")
int32_t outgoing_request_set_path_with_query(handle self, int32_t is_some, const char *s,
                                             size_t len);
IMPORT(WASI("http/types"), "[resource-drop]outgoing-request") void outgoing_request_drop(handle h);

IMPORT(WASI("http/types"), "[constructor]request-options") handle request_options_new(void);
IMPORT(WASI("http/types"), "[method]request-options.set-connect-timeout")
int32_t request_options_set_connect_timeout(handle self, int32_t is_some, int64_t ns);
IMPORT(WASI("http/types"), "[method]request-options.set-first-byte-timeout")
int32_t request_options_set_first_byte_timeout(handle self, int32_t is_some, int64_t ns);
IMPORT(WASI("http/types"), "[method]request-options.set-between-bytes-timeout")
int32_t request_options_set_between_bytes_timeout(handle self, int32_t is_some, int64_t ns);
IMPORT(WASI("http/types"), "[resource-drop]request-options") void request_options_drop(handle h);

/* ---- outbound: future-incoming-response, incoming-response ---- */

IMPORT(WASI("http/types"), "[method]future-incoming-response.subscribe")
handle future_incoming_response_subscribe(handle self);
/* get() -> option<result<result<own<incoming-response>, error-code>>>:
 * ret = {u8 is_some @0; u8 outer is_err @8 (taken before); u8 inner is_err
 * @16; own<incoming-response> or error-code @24} */
IMPORT(WASI("http/types"), "[method]future-incoming-response.get")
void future_incoming_response_get(handle self, void *ret);
IMPORT(WASI("http/types"), "[resource-drop]future-incoming-response")
void future_incoming_response_drop(handle h);

IMPORT(WASI("http/types"), "[method]incoming-response.status")
int32_t incoming_response_status(handle self);
/* headers() -> own<fields>, immutable */
IMPORT(WASI("http/types"), "[method]incoming-response.headers")
handle incoming_response_headers(handle self);
/* consume() -> result<own<incoming-body>>: ret = {u8 is_err; handle @4} */
IMPORT(WASI("http/types"), "[method]incoming-response.consume")
void incoming_response_consume(handle self, void *ret);
IMPORT(WASI("http/types"), "[resource-drop]incoming-response")
void incoming_response_drop(handle h);

/* handle(own<outgoing-request>, option<own<request-options>>)
 *   -> result<own<future-incoming-response>, error-code>:
 * ret = {u8 is_err; own<future-incoming-response> or error-code @8} */
IMPORT(WASI("http/outgoing-handler"), "handle")
void outgoing_handler_handle(handle request, int32_t has_options, handle options, void *ret);

/* ---- what an HTTP guest exports ---- */

/* EXPORT(WASI("http/incoming-handler") "#handle") on the definition */
void handle_request(handle request, handle response_out);

/* ---- case names ---- */

/* header-error's cases, in the WIT's order */
static const char *const header_error_names[]
    __attribute__((unused)) = {"invalid-syntax", "forbidden", "immutable"};

/* The name of what append_field returned: "ok" for -1. */
static inline const char *header_error_name(int e)
{
    return e < 0 ? "ok" : e < 3 ? header_error_names[e] : "?";
}

/* error-code's cases, in the WIT's order */
/* clang-format off */
static const char *const error_code_names[] __attribute__((unused)) = {
    "DNS-timeout", "DNS-error", "destination-not-found", "destination-unavailable",
    "destination-IP-prohibited", "destination-IP-unroutable", "connection-refused",
    "connection-terminated", "connection-timeout", "connection-read-timeout",
    "connection-write-timeout", "connection-limit-reached", "TLS-protocol-error",
    "TLS-certificate-error", "TLS-alert-received", "HTTP-request-denied",
    "HTTP-request-length-required", "HTTP-request-body-size", "HTTP-request-method-invalid",
    "HTTP-request-URI-invalid", "HTTP-request-URI-too-long", "HTTP-request-header-section-size",
    "HTTP-request-header-size", "HTTP-request-trailer-section-size",
    "HTTP-request-trailer-size", "HTTP-response-incomplete", "HTTP-response-header-section-size",
    "HTTP-response-header-size", "HTTP-response-body-size", "HTTP-response-trailer-section-size",
    "HTTP-response-trailer-size", "HTTP-response-transfer-coding",
    "HTTP-response-content-coding", "HTTP-response-timeout", "HTTP-upgrade-failed",
    "HTTP-protocol-error", "loop-detected", "configuration-error", "internal-error"};
/* clang-format on */

/* The name of error-code case c ("unknown" for -1, none). */
static inline const char *error_code_name(int c)
{
    return c >= 0 && c < (int)(sizeof error_code_names / sizeof *error_code_names)
               ? error_code_names[c]
               : "unknown";
}

/* ---- helpers ---- */

/* fields.append of C strings: -1 when appended, else the header-error case
 * (the host refuses forbidden and malformed fields). */
static inline int append_field(handle fields, const char *name, const char *value)
{
    fields_append(fields, name, strlen(name), value, strlen(value), ret);
    return ret_u8(0) ? ret_u8(1) : -1;
}

/* fields.entries: the list (*out_n pairs), ours to free with
 * cabi_free_pairs. */
static inline field_entry_t *field_entries(handle fields, size_t *out_n)
{
    fields_entries(fields, ret);
    *out_n = ret_u32(4);
    return ret_ptr(0);
}

/* The error-code case the host gives a body's stream error, or -1 when it
 * gives none; drops err. */
static inline int stream_error_code(handle err)
{
    http_error_code(err, ret);
    int code = ret_u8(0) ? ret_u8(8) : -1;
    error_drop(err);
    return code;
}

/* The request's path with its query as a C string (malloc'd, the caller
 * frees it), or NULL when it has none or an empty one. */
static inline char *request_target(handle request)
{
    incoming_request_path_with_query(request, ret);
    if (!ret_u8(0) || ret_u32(8) == 0)
        return NULL;
    size_t len = ret_u32(8);
    char *s = cabi_realloc(ret_ptr(4), len, 1, len + 1);
    s[len] = '\0';
    return s;
}

/* The request's body, or 0 when it was consumed before. */
static inline handle consume_request_body(handle request)
{
    incoming_request_consume(request, ret);
    return ret_u8(0) ? 0 : ret_handle(4);
}

/* The response's body. */
static inline handle consume_response_body(handle response)
{
    incoming_response_consume(response, ret);
    if (ret_u8(0))
        __builtin_trap(); /* consume() fails only when called twice */
    return ret_handle(4);
}

/* An incoming body's stream. */
static inline handle body_input_stream(handle body)
{
    incoming_body_stream(body, ret);
    if (ret_u8(0))
        __builtin_trap(); /* stream() fails only when called twice */
    return ret_handle(4);
}

/* An outgoing body's stream. */
static inline handle body_output_stream(handle body)
{
    outgoing_body_write(body, ret);
    if (ret_u8(0))
        __builtin_trap(); /* write() fails only when called twice */
    return ret_handle(4);
}

/* Makes a response of status and headers (taken), sets it on the outparam
 * and returns its body and the body's stream. The response is handed over
 * before any body byte is written, so a host can send the head and then
 * stream. */
static inline void start_response(handle response_out, handle headers, int32_t status,
                                  handle *out_body, handle *out_stream)
{
    handle resp = outgoing_response_new(headers);
    outgoing_response_set_status_code(resp, status);
    outgoing_response_body(resp, ret);
    if (ret_u8(0))
        __builtin_trap(); /* body() fails only when called twice, or on a bad content-length */
    *out_body = ret_handle(4);
    response_outparam_set(response_out, 0, resp, 0, 0, 0, 0, 0, 0);
    *out_stream = body_output_stream(*out_body);
}

/* outgoing-body.finish with trailers (0: none, else taken): -1 when
 * finished, else the error-code case (a body that does not match its
 * content-length). */
static inline int finish_body(handle body, handle trailers)
{
    outgoing_body_finish(body, trailers != 0, trailers, ret);
    return ret_u8(0) ? ret_u8(8) : -1;
}

/* Ends a body: finishes it when all its writes succeeded, else drops it,
 * which tells the host it is incomplete rather than short. Its stream is a
 * child of the body and is dropped first. */
static inline void end_body(handle body, handle stream, bool complete)
{
    output_stream_drop(stream);
    if (complete)
        finish_body(body, 0);
    else
        outgoing_body_drop(body);
}

/* A whole response at once: status, headers (taken), the n bytes at p as
 * its body, written with write_all; respond_blocking writes them with
 * blocking_write_all, and so needs nothing of wasi:io/poll. A body whose
 * write fails (the client went away) is dropped, not finished. */
static inline void respond(handle response_out, handle headers, int32_t status, const void *p,
                           size_t n)
{
    handle body, stream;
    start_response(response_out, headers, status, &body, &stream);
    end_body(body, stream, write_all(stream, p, n, NULL) == STREAM_OK);
}

static inline void respond_blocking(handle response_out, handle headers, int32_t status,
                                    const void *p, size_t n)
{
    handle body, stream;
    start_response(response_out, headers, status, &body, &stream);
    end_body(body, stream, blocking_write_all(stream, p, n, NULL) == STREAM_OK);
}

/* Sends a request (taken) with options (0: none, else taken): -1 with
 * *out_future, else the error-code case, the error-code itself at ret + 8
 * until the next call. */
static inline int send_request(handle request, handle options, handle *out_future)
{
    outgoing_handler_handle(request, options != 0, options, ret);
    if (ret_u8(0))
        return ret_u8(8);
    *out_future = ret_handle(8);
    return -1;
}

/* future-incoming-response.get: false while the response has not come.
 * Then true, with *out_code -1 and *out_resp the response, or *out_code
 * the error-code case, the error-code itself at ret + 24 until the next
 * call. */
static inline bool future_response_ready(handle future, handle *out_resp, int *out_code)
{
    future_incoming_response_get(future, ret);
    if (!ret_u8(0))
        return false;
    if (ret_u8(8))
        __builtin_trap(); /* err(): the response was taken before, a guest bug */
    if (ret_u8(16)) {
        *out_code = ret_u8(24);
        return true;
    }
    *out_resp = ret_handle(24);
    *out_code = -1;
    return true;
}

/* Waits for a future's response, as future_response_ready says it. */
static inline void future_response_wait(handle future, handle *out_resp, int *out_code)
{
    handle ready = future_incoming_response_subscribe(future);
    while (!future_response_ready(future, out_resp, out_code))
        pollable_block(ready);
    pollable_drop(ready);
}

#endif
