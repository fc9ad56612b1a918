/*
 * http1_request.c — libFuzzer target for the HTTP/1.1 connection protocol:
 * any bytes become the input of one client connection, driven without a
 * socket (a detached connection). The first byte picks how the embedder
 * behaves (answer at once, stream a chunked echo with trailers, hold the
 * request and end it later, pause and resume the body, abort mid-body), the
 * second how the input is cut into reads; the rest is the connection's
 * input, followed by the client's EOF.
 *
 * The oracle: what the strict parser promises the embedder (docs/http.md,
 * "What the server refuses") is checked on every request and trailer
 * section that gets through; a request breaking a rule aborts the run.
 */
#include "hx_detached.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    int mode;
    hx_req_t *held;
    size_t out;
} fz_t;

static void sink(void *ud, const char *data, size_t len)
{
    ((fz_t *)ud)->out += len;
}

static bool tchar(unsigned char ch)
{
    return ch > 0x20 && ch < 0x7f && !strchr("\"(),/:;<=>?@[\\]{}", ch);
}

/* A field as the parser hands it over: a token for a name, a value without
 * CR, LF, NUL or other controls but HTAB, and no whitespace around it. */
static void check_field(const hx_header_t *h)
{
    if (h->name_len == 0)
        abort();
    for (size_t i = 0; i < h->name_len; i++)
        if (!tchar((unsigned char)h->name[i]))
            abort();
    for (size_t i = 0; i < h->value_len; i++) {
        unsigned char ch = (unsigned char)h->value[i];
        if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
            abort();
    }
    if (h->value_len && (h->value[0] == ' ' || h->value[0] == '\t' ||
                         h->value[h->value_len - 1] == ' ' || h->value[h->value_len - 1] == '\t'))
        abort();
}

static void check_request(hx_req_t *req, const hx_header_t *h, size_t n)
{
    int major0, minor0;
    hx_req_version(req, &major0, &minor0);
    if (major0 == 2)
        return; /* the input began with the HTTP/2 preface: http2_frames' business */
    size_t tl;
    const char *t = hx_req_target(req, &tl);
    if (tl == 0)
        abort();
    for (size_t i = 0; i < tl; i++)
        if ((unsigned char)t[i] <= 0x20 || (unsigned char)t[i] >= 0x7f || t[i] == '#')
            abort();
    int major, minor;
    hx_req_version(req, &major, &minor);
    if (major != 1 || minor > 1)
        abort();
    int hosts = 0, te = 0, cl = 0;
    for (size_t i = 0; i < n; i++) {
        check_field(&h[i]);
        if (name_is(h[i].name, h[i].name_len, "host"))
            hosts++;
        else if (name_is(h[i].name, h[i].name_len, "content-length"))
            cl++;
        else if (name_is(h[i].name, h[i].name_len, "transfer-encoding")) {
            te++;
            if (!name_is(h[i].value, h[i].value_len, "chunked"))
                abort();
        }
    }
    if (hosts > 1 || (minor == 1 && hosts == 0) || te > 1 || cl > 1 || (te && cl) ||
        (te && minor == 0) || (te != 0) != (hx_req_content_length(req) < 0))
        abort();
}

static void on_request(hx_req_t *req, void *ud)
{
    fz_t *f = ud;
    size_t n, tl;
    const hx_header_t *h = hx_req_headers(req, &n);
    check_request(req, h, n);
    hx_req_target(req, &tl);
    (void)hx_req_method(req);
    (void)hx_req_header(req, "content-type", NULL);
    switch (f->mode) {
    case 0:
        /* Request fields go back as response fields: the server must
         * refuse the ones that could split the head. */
        hx_resp_send(req, 200 + (int)(tl % 300), h, n > 4 ? 4 : n, "body", 4);
        break;
    case 1:
        hx_resp_start(req, 200, h, n > 2 ? 2 : n);
        break;
    case 3:
        hx_req_pause_body(req); /* fall through */
    case 2:
        f->held = req;
        break;
    default:
        break;
    }
}

static void on_body(hx_req_t *req, const uint8_t *data, size_t len, void *ud)
{
    fz_t *f = ud;
    if (f->mode == 1)
        hx_resp_write(req, data, len);
    else if (f->mode == 4 && len > 3)
        hx_resp_abort(req);
}

static void on_body_end(hx_req_t *req, const hx_header_t *t, size_t n, void *ud)
{
    fz_t *f = ud;
    for (size_t i = 0; i < n; i++) {
        check_field(&t[i]);
        if (name_is(t[i].name, t[i].name_len, "content-length") ||
            name_is(t[i].name, t[i].name_len, "transfer-encoding"))
            abort();
    }
    if (f->mode == 1 || f->mode == 4)
        hx_resp_end(req, t, n);
}

static void on_abort(hx_req_t *req, hx_abort_reason why, void *ud)
{
    fz_t *f = ud;
    if (f->held == req)
        f->held = NULL;
}

static const hx_handler_t handler = {on_request, on_body, on_body_end, NULL, on_abort, NULL};

/* What the embedder does between two reads: let held requests move on. */
static void later(void *ud, hx_conn_t *c, unsigned tick)
{
    fz_t *f = ud;
    if (!f->held)
        return;
    if (f->mode == 3) {
        hx_req_resume_body(f->held);
        if (tick % 3 == 0)
            hx_req_pause_body(f->held);
    } else if (tick % 2 == 0) {
        hx_req_t *r = f->held;
        f->held = NULL;
        hx_resp_start(r, 200, NULL, 0);
        hx_resp_write(r, "late", 4);
        hx_resp_end(r, NULL, 0);
    }
    hx__conn_run(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    fz_t f = {.mode = data[0] % 5};
    hx_config_t cfg = {.max_header_bytes = 512,
                       .max_headers = 16,
                       .max_body_bytes = 4096,
                       .read_buffer = 256,
                       .write_buffer = 128};
    fz_connection(&cfg, &handler, &f, sink, later, NULL, 0, data + 1, size - 1);
    return 0;
}
