/*
 * http2_frames.c — libFuzzer target for HTTP/2 on a connection
 * (src/http/hx_h2.c over nghttp2): the client preface and an empty
 * SETTINGS frame, then any bytes, become the input of one client
 * connection driven without a socket (a detached connection). The first
 * byte picks how the embedder behaves (answer at once, stream an echo with
 * trailers, hold the request and answer later, pause and resume the body,
 * abort mid-body), the second how the input is cut into reads.
 *
 * The frames themselves are nghttp2's to parse; what is ours, and what the
 * oracle checks, is what reaches the embedder: a request with a method, a
 * target and version 2.0, lower-case field names without the fields of
 * HTTP/1.1 framing (RFC 9113 8.2.2), within max_headers (and a Host made
 * from :authority) and max_header_bytes, a declared length within
 * max_body_bytes, and never more body bytes than that; else the run
 * aborts.
 */
#include "hx_detached.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAX_HEADER_BYTES = 512, MAX_HEADERS = 16, MAX_BODY = 4096 };

typedef struct {
    int mode;
    hx_req_t *held[4];
    size_t out;
} fz_t;

typedef struct {
    uint64_t body;
} rq_t;

static void sink(void *ud, const char *data, size_t len)
{
    ((fz_t *)ud)->out += len;
}

static void check_request(hx_req_t *req)
{
    size_t n, tl, bytes = 0;
    const hx_header_t *h = hx_req_headers(req, &n);
    const char *t = hx_req_target(req, &tl);
    int major, minor;
    hx_req_version(req, &major, &minor);
    if (major != 2 || minor != 0 || !t || tl == 0 || !hx_req_method(req) || !*hx_req_method(req))
        abort();
    if (n > MAX_HEADERS + 1)
        abort();
    for (size_t i = 0; i < n; i++) {
        bytes += h[i].name_len + h[i].value_len;
        for (size_t k = 0; k < h[i].name_len; k++)
            if (h[i].name[k] >= 'A' && h[i].name[k] <= 'Z')
                abort();
        if (name_is(h[i].name, h[i].name_len, "connection") ||
            name_is(h[i].name, h[i].name_len, "transfer-encoding") ||
            name_is(h[i].name, h[i].name_len, "keep-alive") ||
            name_is(h[i].name, h[i].name_len, "upgrade"))
            abort();
    }
    if (bytes > 2 * MAX_HEADER_BYTES)
        abort(); /* the fields and a Host copied from :authority */
    if (hx_req_content_length(req) > MAX_BODY)
        abort();
}

static void hold(fz_t *f, hx_req_t *req)
{
    for (int i = 0; i < 4; i++)
        if (!f->held[i]) {
            f->held[i] = req;
            return;
        }
    hx_resp_abort(req);
}

static void unhold(fz_t *f, hx_req_t *req)
{
    for (int i = 0; i < 4; i++)
        if (f->held[i] == req)
            f->held[i] = NULL;
}

static void on_request(hx_req_t *req, void *ud)
{
    fz_t *f = ud;
    check_request(req);
    rq_t *r = wh_arena_calloc(hx_req_arena(req), sizeof *r);
    if (!r) {
        hx_resp_abort(req);
        return;
    }
    hx_req_set_data(req, r);
    size_t n, tl;
    const hx_header_t *h = hx_req_headers(req, &n);
    hx_req_target(req, &tl);
    switch (f->mode) {
    case 0:
        /* request fields go back as response fields */
        hx_resp_send(req, 200 + (int)(tl % 300), h, n > 4 ? 4 : n, "body", 4);
        break;
    case 1:
        hx_resp_start(req, 200, h, n > 2 ? 2 : n);
        break;
    case 3:
        hx_req_pause_body(req); /* fall through */
    case 2:
        hold(f, req);
        break;
    default:
        break;
    }
}

static void on_body(hx_req_t *req, const uint8_t *data, size_t len, void *ud)
{
    fz_t *f = ud;
    rq_t *r = hx_req_data(req);
    r->body += len;
    if (r->body > MAX_BODY)
        abort();
    if (f->mode == 1) {
        hx_resp_write(req, data, len);
        if (hx_resp_writable(req) == 0)
            hx_req_pause_body(req);
    } else if (f->mode == 4 && len > 3) {
        unhold(f, req);
        hx_resp_abort(req);
    }
}

static void on_body_end(hx_req_t *req, const hx_header_t *t, size_t n, void *ud)
{
    fz_t *f = ud;
    if (f->mode == 1 || f->mode == 4) {
        unhold(f, req);
        hx_resp_end(req, t, n);
    }
}

static void on_writable(hx_req_t *req, void *ud)
{
    if (((fz_t *)ud)->mode == 1)
        hx_req_resume_body(req);
}

static void on_abort(hx_req_t *req, hx_abort_reason why, void *ud)
{
    unhold(ud, req);
}

static const hx_handler_t handler = {on_request, on_body, on_body_end, on_writable, on_abort, NULL};

/* What the embedder does between two reads: let held requests move on. */
static void later(void *ud, hx_conn_t *c, unsigned tick)
{
    fz_t *f = ud;
    for (int i = 0; i < 4; i++) {
        hx_req_t *r = f->held[i];
        if (!r)
            continue;
        if (f->mode == 3) {
            hx_req_resume_body(r);
            if (tick % 3 == 0)
                hx_req_pause_body(r);
        } else if (tick % 2 == 0) {
            f->held[i] = NULL;
            hx_header_t tr = {"x-t", 3, "v", 1};
            hx_resp_start(r, 200, NULL, 0);
            hx_resp_write(r, "late", 4);
            hx_resp_end(r, &tr, tick % 4 == 0);
        }
    }
    hx__conn_run(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char start[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
                                "\x00\x00\x00\x04\x00\x00\x00\x00\x00";
    if (size < 2)
        return 0;
    fz_t f = {.mode = data[0] % 5};
    hx_config_t cfg = {.max_header_bytes = MAX_HEADER_BYTES,
                       .max_headers = MAX_HEADERS,
                       .max_body_bytes = MAX_BODY,
                       .read_buffer = 256,
                       .write_buffer = 128,
                       .h2_max_streams = 4};
    fz_connection(&cfg, &handler, &f, sink, later, start, sizeof start - 1, data + 1, size - 1);
    return 0;
}
