/* The helpers of util.h on the generated bindings. A response is set on its
 * outparam before its body is written (wasi:http lets the host send the
 * head first); output streams take at most 4096 bytes per
 * blocking-write-and-flush, so bodies go in pieces of that size. Every
 * handle a helper opens is dropped before it returns: a stateful instance
 * runs many requests, and a leaked handle would stay in its tables.
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

void respond(outparam_t out, uint16_t status, const char *ctype, const void *body, size_t len)
{
    wasi_http_types_own_fields_t headers = wasi_http_types_constructor_fields();
    wasi_http_types_field_name_t name;
    wasi_http_types_field_value_t value = {(uint8_t *)ctype, strlen(ctype)};
    wasi_http_types_header_error_t herr;
    set_text(&name, "content-type");
    wasi_http_types_method_fields_append(wasi_http_types_borrow_fields(headers), &name, &value,
                                         &herr);

    wasi_http_types_own_outgoing_response_t response =
        wasi_http_types_constructor_outgoing_response(headers);
    wasi_http_types_borrow_outgoing_response_t r =
        wasi_http_types_borrow_outgoing_response(response);
    wasi_http_types_method_outgoing_response_set_status_code(r, status);
    wasi_http_types_own_outgoing_body_t obody;
    if (!wasi_http_types_method_outgoing_response_body(r, &obody))
        abort();
    wasi_http_types_result_own_outgoing_response_error_code_t result = {.is_err = false};
    result.val.ok = response;
    wasi_http_types_static_response_outparam_set(out, &result);

    wasi_http_types_own_output_stream_t stream;
    if (!wasi_http_types_method_outgoing_body_write(wasi_http_types_borrow_outgoing_body(obody),
                                                    &stream))
        abort();
    const uint8_t *p = body;
    while (len > 0) {
        size_t n = len < WRITE_MAX ? len : WRITE_MAX;
        guest_list_u8_t chunk = {(uint8_t *)p, n};
        wasi_io_streams_stream_error_t serr;
        if (!wasi_io_streams_method_output_stream_blocking_write_and_flush(
                wasi_io_streams_borrow_output_stream(stream), &chunk, &serr))
            break; /* the client went away: nothing more to do */
        p += n;
        len -= n;
    }
    /* a child of the body: dropped before the body is finished */
    wasi_io_streams_output_stream_drop_own(stream);
    wasi_http_types_error_code_t ferr;
    if (!wasi_http_types_static_outgoing_body_finish(obody, NULL, &ferr))
        wasi_http_types_error_code_free(&ferr);
}

void respond_text(outparam_t out, uint16_t status, const char *ctype, const char *text)
{
    respond(out, status, ctype, text, strlen(text));
}

int read_all(wasi_http_types_own_incoming_body_t body, char **out_data, size_t *out_len)
{
    *out_data = NULL;
    *out_len = 0;
    wasi_http_types_own_input_stream_t stream;
    if (!wasi_http_types_method_incoming_body_stream(wasi_http_types_borrow_incoming_body(body),
                                                     &stream)) {
        wasi_http_types_incoming_body_drop_own(body);
        *out_data = "the body's stream was taken";
        return -1;
    }
    char *data = malloc(1);
    size_t len = 0;
    int rc = 0;
    for (;;) {
        guest_list_u8_t chunk;
        wasi_io_streams_stream_error_t err;
        if (!wasi_io_streams_method_input_stream_blocking_read(
                wasi_io_streams_borrow_input_stream(stream), 65536, &chunk, &err)) {
            if (err.tag != WASI_IO_STREAMS_STREAM_ERROR_CLOSED) {
                wasi_io_error_error_drop_own(err.val.last_operation_failed);
                rc = -1;
            }
            break;
        }
        char *more = realloc(data, len + chunk.len + 1);
        if (!more)
            abort();
        data = more;
        memcpy(data + len, chunk.ptr, chunk.len);
        len += chunk.len;
        guest_list_u8_free(&chunk);
    }
    wasi_io_streams_input_stream_drop_own(stream);
    wasi_http_types_future_trailers_drop_own(wasi_http_types_static_incoming_body_finish(body));
    if (rc) {
        free(data);
        *out_data = "the body could not be read";
        return -1;
    }
    data[len] = '\0';
    *out_data = data;
    *out_len = len;
    return 0;
}

char *path_with_query(request_t request)
{
    guest_string_t s;
    if (!wasi_http_types_method_incoming_request_path_with_query(
            wasi_http_types_borrow_incoming_request(request), &s))
        return strdup("/");
    char *text = malloc(s.len + 1);
    if (!text)
        abort();
    memcpy(text, s.ptr, s.len);
    text[s.len] = '\0';
    guest_string_free(&s);
    return text;
}

char *put_str(char *p, const char *s)
{
    size_t n = strlen(s);
    memcpy(p, s, n);
    return p + n;
}

char *put_i64(char *p, int64_t v)
{
    char digits[20];
    int n = 0;
    /* the magnitude as unsigned: -INT64_MIN does not fit in int64_t */
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        digits[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *p++ = '-';
    while (n)
        *p++ = digits[--n];
    return p;
}

/* wasi:http@0.2 types.wit, variant error-code, in its order */
static const char *const error_names[] = {
    "DNS-timeout",
    "DNS-error",
    "destination-not-found",
    "destination-unavailable",
    "destination-IP-prohibited",
    "destination-IP-unroutable",
    "connection-refused",
    "connection-terminated",
    "connection-timeout",
    "connection-read-timeout",
    "connection-write-timeout",
    "connection-limit-reached",
    "TLS-protocol-error",
    "TLS-certificate-error",
    "TLS-alert-received",
    "HTTP-request-denied",
    "HTTP-request-length-required",
    "HTTP-request-body-size",
    "HTTP-request-method-invalid",
    "HTTP-request-URI-invalid",
    "HTTP-request-URI-too-long",
    "HTTP-request-header-section-size",
    "HTTP-request-header-size",
    "HTTP-request-trailer-section-size",
    "HTTP-request-trailer-size",
    "HTTP-response-incomplete",
    "HTTP-response-header-section-size",
    "HTTP-response-header-size",
    "HTTP-response-body-size",
    "HTTP-response-trailer-section-size",
    "HTTP-response-trailer-size",
    "HTTP-response-transfer-coding",
    "HTTP-response-content-coding",
    "HTTP-response-timeout",
    "HTTP-upgrade-failed",
    "HTTP-protocol-error",
    "loop-detected",
    "configuration-error",
    "internal-error",
};

const char *error_code_name(const wasi_http_types_error_code_t *e)
{
    _Static_assert(sizeof error_names / sizeof error_names[0] ==
                       WASI_HTTP_TYPES_ERROR_CODE_INTERNAL_ERROR + 1,
                   "one name for each case of error-code");
    return e->tag < sizeof error_names / sizeof error_names[0] ? error_names[e->tag] : "?";
}
