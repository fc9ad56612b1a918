/* Calls a back end through wasi:http/outgoing-handler:
 *
 *   GET  /fetch?PORT   GET http://127.0.0.1:PORT/
 *   POST /fetch?PORT   POST http://127.0.0.1:PORT/ with the request's body
 *
 * and answers 200 "back end STATUS: BODY", or 502 "back end failed: ERROR"
 * with the name of the error-code the host gave (HTTP-request-denied for a
 * destination outside `--allow-http`). The contract of the Rust and Python
 * guests' /fetch.
 */
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define WRITE_MAX 4096

static void set_text(guest_string_t *s, const char *text)
{
    s->ptr = (uint8_t *)text;
    s->len = strlen(text);
}

/* Writes len bytes to an outgoing body and finishes it (both consumed); 0
 * or -1. */
static int send_body(wasi_http_types_own_outgoing_body_t body, const char *data, size_t len)
{
    wasi_http_types_own_output_stream_t stream;
    if (!wasi_http_types_method_outgoing_body_write(wasi_http_types_borrow_outgoing_body(body),
                                                    &stream))
        return -1;
    int rc = 0;
    while (len > 0 && rc == 0) {
        size_t n = len < WRITE_MAX ? len : WRITE_MAX;
        guest_list_u8_t chunk = {(uint8_t *)data, n};
        wasi_io_streams_stream_error_t err;
        if (!wasi_io_streams_method_output_stream_blocking_write_and_flush(
                wasi_io_streams_borrow_output_stream(stream), &chunk, &err))
            rc = -1;
        data += n;
        len -= n;
    }
    wasi_io_streams_output_stream_drop_own(stream);
    wasi_http_types_error_code_t ferr;
    if (!wasi_http_types_static_outgoing_body_finish(body, NULL, &ferr)) {
        wasi_http_types_error_code_free(&ferr);
        rc = -1;
    }
    return rc;
}

/* The back end's status and body (malloc'd), or NULL with *out_error set. */
static char *call(unsigned port, bool post, const char *data, size_t len, uint16_t *out_status,
                  size_t *out_len, const char **out_error)
{
    wasi_http_types_own_outgoing_request_t request =
        wasi_http_types_constructor_outgoing_request(wasi_http_types_constructor_fields());
    wasi_http_types_borrow_outgoing_request_t r = wasi_http_types_borrow_outgoing_request(request);
    wasi_http_types_method_t method = {.tag = post ? WASI_HTTP_TYPES_METHOD_POST
                                                   : WASI_HTTP_TYPES_METHOD_GET};
    wasi_http_types_scheme_t scheme = {.tag = WASI_HTTP_TYPES_SCHEME_HTTP};
    char authority_text[32];
    *put_i64(put_str(authority_text, "127.0.0.1:"), port) = '\0';
    guest_string_t authority, path;
    set_text(&authority, authority_text);
    set_text(&path, "/");
    wasi_http_types_method_outgoing_request_set_method(r, &method);
    wasi_http_types_method_outgoing_request_set_scheme(r, &scheme);
    wasi_http_types_method_outgoing_request_set_authority(r, &authority);
    wasi_http_types_method_outgoing_request_set_path_with_query(r, &path);
    /* A GET leaves the body alone: one taken and finished after handle()
     * has no known length, so it would go chunked, and an empty chunked
     * body on a GET is what servers that ignore GET bodies read as a
     * second request. */
    wasi_http_types_own_outgoing_body_t body;
    if (post && !wasi_http_types_method_outgoing_request_body(r, &body)) {
        wasi_http_types_outgoing_request_drop_own(request);
        *out_error = "the request body was taken";
        return NULL;
    }
    wasi_http_outgoing_handler_own_future_incoming_response_t future;
    wasi_http_outgoing_handler_error_code_t err;
    if (!wasi_http_outgoing_handler_handle(request, NULL, &future, &err)) {
        *out_error = error_code_name(&err);
        wasi_http_outgoing_handler_error_code_free(&err);
        if (post)
            wasi_http_types_outgoing_body_drop_own(body);
        return NULL;
    }
    /* streamed while the request is on its way: written after handle */
    if (post && send_body(body, data, len)) {
        wasi_http_types_future_incoming_response_drop_own(future);
        *out_error = "the request body could not be written";
        return NULL;
    }
    wasi_http_types_borrow_future_incoming_response_t f =
        wasi_http_types_borrow_future_incoming_response(future);
    wasi_http_types_result_result_own_incoming_response_error_code_void_t got;
    while (!wasi_http_types_method_future_incoming_response_get(f, &got)) {
        wasi_io_poll_own_pollable_t ready =
            wasi_http_types_method_future_incoming_response_subscribe(f);
        wasi_io_poll_method_pollable_block(wasi_io_poll_borrow_pollable(ready));
        wasi_io_poll_pollable_drop_own(ready);
    }
    wasi_http_types_future_incoming_response_drop_own(future);
    if (got.is_err) {
        *out_error = "the response was taken";
        return NULL;
    }
    if (got.val.ok.is_err) {
        *out_error = error_code_name(&got.val.ok.val.err);
        wasi_http_types_error_code_free(&got.val.ok.val.err);
        return NULL;
    }
    wasi_http_types_own_incoming_response_t response = got.val.ok.val.ok;
    wasi_http_types_borrow_incoming_response_t rb =
        wasi_http_types_borrow_incoming_response(response);
    *out_status = wasi_http_types_method_incoming_response_status(rb);
    wasi_http_types_own_incoming_body_t rbody;
    char *answer = NULL;
    if (!wasi_http_types_method_incoming_response_consume(rb, &rbody))
        *out_error = "the response body was taken";
    else if (read_all(rbody, &answer, out_len))
        *out_error = answer, answer = NULL;
    wasi_http_types_incoming_response_drop_own(response);
    return answer;
}

void exports_wasi_http_incoming_handler_handle(request_t request, outparam_t out)
{
    char *target = path_with_query(request);
    char *query = strchr(target, '?');
    if (query)
        *query++ = '\0';
    char *end = NULL;
    unsigned long port = query && *query >= '0' && *query <= '9' ? strtoul(query, &end, 10) : 0;
    bool port_ok = end && *end == '\0' && port <= 65535;
    bool fetch_path = strcmp(target, "/fetch") == 0;
    free(target);
    if (!port_ok || !fetch_path) {
        wasi_http_types_incoming_request_drop_own(request);
        respond_text(out, port_ok ? 404 : 400, "text/plain", "usage: /fetch?PORT\n");
        return;
    }
    wasi_http_types_borrow_incoming_request_t rb = wasi_http_types_borrow_incoming_request(request);
    wasi_http_types_method_t method;
    wasi_http_types_method_incoming_request_method(rb, &method);
    bool post = method.tag == WASI_HTTP_TYPES_METHOD_POST;
    wasi_http_types_method_free(&method);
    char *data = NULL;
    size_t len = 0;
    if (post) {
        wasi_http_types_own_incoming_body_t body;
        const char *why = "the body was taken";
        if (!wasi_http_types_method_incoming_request_consume(rb, &body) ||
            (read_all(body, &data, &len) && (why = data))) {
            wasi_http_types_incoming_request_drop_own(request);
            char text[128];
            *put_str(put_str(put_str(text, "reading: "), why), "\n") = '\0';
            respond_text(out, 500, "text/plain", text);
            return;
        }
    }
    wasi_http_types_incoming_request_drop_own(request);

    uint16_t status = 0;
    size_t answer_len = 0;
    const char *error = NULL;
    char *answer = call((unsigned)port, post, data, len, &status, &answer_len, &error);
    free(data);
    if (!answer) {
        char text[128];
        *put_str(put_str(put_str(text, "back end failed: "), error), "\n") = '\0';
        respond_text(out, 502, "text/plain", text);
        return;
    }
    char *text = malloc(32 + answer_len);
    if (!text)
        abort();
    char *p = put_str(put_i64(put_str(text, "back end "), status), ": ");
    memcpy(p, answer, answer_len);
    free(answer);
    respond(out, 200, "text/plain", text, (size_t)(p - text) + answer_len);
    free(text);
}
