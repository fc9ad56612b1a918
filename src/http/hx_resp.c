/*
 * hx_resp.c — the embedder's side of a request: reading its head, steering
 * its body, and writing the response (head, framing, body, trailers).
 *
 * The server owns the framing: it picks Content-Length, chunked or
 * close-delimited from what the embedder gave, drops hop-by-hop fields,
 * and never lets a response claim more or less than it carries (a short
 * Content-Length body closes the connection).
 */
#include "http/internal.h"

#include <stdio.h>

/* The reason phrases of RFC 9110 15 (and 6585, 7725, 8297, 8470): llhttp
 * names statuses only as C identifiers ("NOT_FOUND"). */
const char *hx_reason_phrase(int status)
{
    // clang-format off
    static const struct { short code; const char *text; } reasons[] = {
        {100, "Continue"}, {101, "Switching Protocols"}, {103, "Early Hints"},
        {200, "OK"}, {201, "Created"}, {202, "Accepted"},
        {203, "Non-Authoritative Information"}, {204, "No Content"}, {205, "Reset Content"},
        {206, "Partial Content"}, {207, "Multi-Status"}, {208, "Already Reported"},
        {226, "IM Used"},
        {300, "Multiple Choices"}, {301, "Moved Permanently"}, {302, "Found"},
        {303, "See Other"}, {304, "Not Modified"}, {305, "Use Proxy"},
        {307, "Temporary Redirect"}, {308, "Permanent Redirect"},
        {400, "Bad Request"}, {401, "Unauthorized"}, {402, "Payment Required"},
        {403, "Forbidden"}, {404, "Not Found"}, {405, "Method Not Allowed"},
        {406, "Not Acceptable"}, {407, "Proxy Authentication Required"},
        {408, "Request Timeout"}, {409, "Conflict"}, {410, "Gone"}, {411, "Length Required"},
        {412, "Precondition Failed"}, {413, "Content Too Large"}, {414, "URI Too Long"},
        {415, "Unsupported Media Type"}, {416, "Range Not Satisfiable"},
        {417, "Expectation Failed"}, {418, "I'm a teapot"}, {421, "Misdirected Request"},
        {422, "Unprocessable Content"}, {423, "Locked"}, {424, "Failed Dependency"},
        {425, "Too Early"}, {426, "Upgrade Required"}, {428, "Precondition Required"},
        {429, "Too Many Requests"}, {431, "Request Header Fields Too Large"},
        {451, "Unavailable For Legal Reasons"},
        {500, "Internal Server Error"}, {501, "Not Implemented"}, {502, "Bad Gateway"},
        {503, "Service Unavailable"}, {504, "Gateway Timeout"},
        {505, "HTTP Version Not Supported"}, {506, "Variant Also Negotiates"},
        {507, "Insufficient Storage"}, {508, "Loop Detected"},
        {511, "Network Authentication Required"},
    };
    // clang-format on
    for (size_t i = 0; i < WH_ARRAY_LEN(reasons); i++)
        if (reasons[i].code == status)
            return reasons[i].text;
    return NULL;
}

const char *hx__reason(int status)
{
    const char *r = hx_reason_phrase(status);
    return r ? r : "Status";
}

/* An embedder call is legal only while it holds the request (an HTTP/1.x
 * one: the HTTP/2 calls are routed to hx_h2.c before this is asked). */
static hx_conn_t *held(const hx_req_t *req)
{
    hx_conn_t *c = req && !req->h2s ? req->conn : NULL;
    return c && c->owned ? c : NULL;
}

/* ---- The request ---- */

const char *hx_req_method(const hx_req_t *req)
{
    if (req->method)
        return req->method;
    return llhttp_method_name((llhttp_method_t)req->conn->parser.method);
}

const char *hx_req_target(const hx_req_t *req, size_t *out_len)
{
    if (out_len)
        *out_len = req->target_len;
    return req->target;
}

void hx_req_version(const hx_req_t *req, int *out_major, int *out_minor)
{
    if (req->h2s) {
        *out_major = 2;
        *out_minor = 0;
        return;
    }
    *out_major = req->conn->parser.http_major;
    *out_minor = req->conn->parser.http_minor;
}

const hx_header_t *hx_req_headers(const hx_req_t *req, size_t *out_n)
{
    *out_n = req->nheaders;
    return req->headers;
}

const char *hx_req_header(const hx_req_t *req, const char *name, size_t *out_len)
{
    for (size_t i = 0; i < req->nheaders; i++) {
        const hx_header_t *h = &req->headers[i];
        if (name_is(h->name, h->name_len, name)) {
            if (out_len)
                *out_len = h->value_len;
            return h->value;
        }
    }
    return NULL;
}

int64_t hx_req_content_length(const hx_req_t *req)
{
    return req->content_length;
}

void hx_req_set_data(hx_req_t *req, void *data)
{
    req->data = data;
}

void *hx_req_data(const hx_req_t *req)
{
    return req->data;
}

wh_arena_t *hx_req_arena(hx_req_t *req)
{
    if (req->h2s)
        return hx__h2_arena(req);
    return &req->conn->arena;
}

const struct sockaddr_storage *hx_req_peer(const hx_req_t *req)
{
    return &req->conn->peer;
}

void hx_req_subscribe(hx_req_t *req, const hx_req_events_t *ev, void *ud)
{
    if (!(req && req->h2s ? hx__h2_held(req) : held(req) != NULL))
        return;
    req->ev = ev;
    req->ev_ud = ev ? ud : NULL;
}

bool hx_req_secure(const hx_req_t *req)
{
    return req->conn->tls;
}

void hx_req_pause_body(hx_req_t *req)
{
    if (req && req->h2s) {
        hx__h2_pause(req, true);
        return;
    }
    hx_conn_t *c = held(req);
    if (!c || c->body_paused)
        return;
    c->body_paused = 1; /* inside on_body, the parser pauses when it returns */
}

void hx_req_resume_body(hx_req_t *req)
{
    if (req && req->h2s) {
        hx__h2_pause(req, false);
        return;
    }
    hx_conn_t *c = held(req);
    if (!c || !c->body_paused)
        return;
    c->body_paused = 0;
    hx__schedule(c);
}

/* ---- The response ---- */

/* Field names are tokens; values may hold anything but CR, LF and NUL
 * (RFC 9110 5.5), so that no field can end the head early. */
bool hx__field_ok(const hx_header_t *h)
{
    if (h->name_len == 0)
        return false;
    for (size_t i = 0; i < h->name_len; i++) {
        unsigned char ch = (unsigned char)h->name[i];
        if (ch <= ' ' || ch == ':' || ch >= 0x7f)
            return false;
    }
    for (size_t i = 0; i < h->value_len; i++) {
        unsigned char ch = (unsigned char)h->value[i];
        if (ch == '\r' || ch == '\n' || ch == 0)
            return false;
    }
    return true;
}

bool hx__parse_length(const char *v, size_t n, uint64_t *out)
{
    uint64_t x = 0;
    if (n == 0 || n > 18)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return false;
        x = x * 10 + (uint64_t)(v[i] - '0');
    }
    *out = x;
    return true;
}

bool hx__hop_by_hop(const hx_header_t *h)
{
    return name_is(h->name, h->name_len, "connection") ||
           name_is(h->name, h->name_len, "transfer-encoding") ||
           name_is(h->name, h->name_len, "keep-alive") ||
           name_is(h->name, h->name_len, "content-length");
}

static bool add_field(hx__buf *b, const char *name, size_t nl, const char *value, size_t vl)
{
    return buf_add(b, name, nl) && buf_add(b, ": ", 2) && buf_add(b, value, vl) &&
           buf_add(b, "\r\n", 2);
}

wh_rc hx__head_scan(int status, const hx_header_t *hs, size_t n, int64_t forced_len,
                    hx__head_fields *out)
{
    *out = (hx__head_fields){.len = -1};
    if (status < 200 || status > 999)
        return WH_ARG;
    for (size_t i = 0; i < n; i++) {
        const hx_header_t *h = &hs[i];
        if (!hx__field_ok(h))
            return WH_ARG;
        if (name_is(h->name, h->name_len, "content-length") && forced_len < 0) {
            uint64_t v;
            if (!hx__parse_length(h->value, h->value_len, &v) ||
                (out->len >= 0 && (uint64_t)out->len != v))
                return WH_ARG;
            out->len = (int64_t)v;
        } else if (name_is(h->name, h->name_len, "connection")) {
            /* "close" is the one connection option an embedder may ask for. */
            for (size_t k = 0; k + 5 <= h->value_len; k++)
                if (strncasecmp(h->value + k, "close", 5) == 0)
                    out->close = true;
        } else if (name_is(h->name, h->name_len, "date")) {
            out->has_date = true;
        }
    }
    if (forced_len >= 0)
        out->len = forced_len;
    return WH_OK;
}

/* Writes the head into the output queue (not flushed). forced_len >= 0 is
 * the body length of hx_resp_send, which replaces any Content-Length. */
static wh_rc write_head(hx_conn_t *c, int status, const hx_header_t *hs, size_t n,
                        int64_t forced_len)
{
    hx__head_fields hf;
    wh_rc rc = hx__head_scan(status, hs, n, forced_len, &hf);
    if (rc != WH_OK)
        return rc;
    int64_t len = hf.len;
    bool http11 = c->parser.http_major == 1 && c->parser.http_minor >= 1;
    bool bodyless = status == 204 || status == 304;
    if (bodyless || c->is_head)
        c->framing = HX_FRAME_NONE;
    else if (len >= 0)
        c->framing = HX_FRAME_LENGTH;
    else if (http11)
        c->framing = HX_FRAME_CHUNKED;
    else
        c->framing = HX_FRAME_CLOSE;
    c->resp_left = len >= 0 ? (uint64_t)len : 0;
    if (hf.close || c->srv->stopping || c->framing == HX_FRAME_CLOSE)
        c->keep_alive = 0;
    if (c->expect_continue) {
        /* The client waits for word before it sends its body. If the
         * embedder may still want the body (a response that starts now and
         * is not paused), the 100 goes out before this head; if not (paused,
         * or hx_resp_send, which ends at once), the body may never come, so
         * the connection ends after this response. */
        if (!c->body_paused && forced_len < 0) {
            hx__send_continue(c);
        } else {
            c->expect_continue = 0;
            c->keep_alive = 0;
        }
    }

    hx__buf *b = &c->out[c->cur];
    uint32_t from = b->len;
    char line[64];
    const char *reason = hx__reason(status);
    /* status is 200 to 999 (checked above) */
    char code[4] = {(char)('0' + status / 100), (char)('0' + status / 10 % 10),
                    (char)('0' + status % 10), ' '};
    bool ok = buf_add(b, "HTTP/1.1 ", 9) && buf_add(b, code, 4) &&
              buf_add(b, reason, strlen(reason)) && buf_add(b, "\r\n", 2);
    for (size_t i = 0; i < n && ok; i++)
        if (!hx__hop_by_hop(&hs[i]))
            ok = add_field(b, hs[i].name, hs[i].name_len, hs[i].value, hs[i].value_len);
    if (!hf.has_date && ok) {
        const char *d = hx__date(c->srv);
        ok = add_field(b, "Date", 4, d, strlen(d));
    }
    if (ok && len >= 0 && status != 204 &&
        (c->framing == HX_FRAME_LENGTH || c->is_head || status == 304)) {
        /* HEAD and 304 may state the length the body would have had. */
        size_t k = sizeof line;
        uint64_t v = (uint64_t)len;
        do
            line[--k] = (char)('0' + v % 10);
        while (v /= 10);
        ok = add_field(b, "Content-Length", 14, line + k, sizeof line - k);
    }
    if (ok && c->framing == HX_FRAME_CHUNKED)
        ok = buf_add(b, "Transfer-Encoding: chunked\r\n", 28);
    if (ok && !c->keep_alive)
        ok = buf_add(b, "Connection: close\r\n", 19);
    else if (ok && !http11)
        ok = buf_add(b, "Connection: keep-alive\r\n", 24);
    if (ok)
        ok = buf_add(b, "\r\n", 2);
    if (ok && c->ssl && c->tls_plain == HX_NO_PLAIN)
        c->tls_plain = from; /* encrypted with what hx__out_write adds next */
    if (!ok) {
        hx__conn_kill(c, HX_ABORT_NOMEM);
        return WH_NOMEM;
    }
    c->resp = HX_R_HEAD;
    return WH_OK;
}

wh_rc hx_resp_start(hx_req_t *req, int status, const hx_header_t *headers, size_t n)
{
    if (req && req->h2s)
        return hx__h2_resp_start(req, status, headers, n);
    hx_conn_t *c = held(req);
    if (!c || c->resp != HX_R_NONE)
        return WH_ARG;
    if (c->closed || c->closing)
        return WH_IO;
    wh_rc rc = write_head(c, status, headers, n, -1);
    if (rc == WH_OK)
        hx__out_flush(c);
    return rc != WH_OK ? rc : c->closed ? WH_IO : WH_OK;
}

size_t hx_resp_writable(hx_req_t *req)
{
    if (req && req->h2s)
        return hx__h2_resp_writable(req);
    hx_conn_t *c = held(req);
    if (!c || c->closed || c->closing)
        return 0;
    size_t hwm = c->srv->cfg.write_buffer, p = pending_out(c);
    /* Not only at 0: a writer that must write n bytes whole (a blocking
     * write of wasi:io, up to 4096) waits while the room is below n, and
     * must hear of the drain that makes room. */
    if (p > 0)
        c->want_writable = 1;
    return p < hwm ? hwm - p : 0;
}

wh_rc hx_resp_write(hx_req_t *req, const void *data, size_t len)
{
    if (req && req->h2s)
        return hx__h2_resp_write(req, data, len);
    hx_conn_t *c = held(req);
    if (!c || c->resp != HX_R_HEAD)
        return WH_ARG;
    if (c->closed || c->closing)
        return WH_IO;
    if (len == 0)
        return WH_OK;
    if (len > UINT32_MAX)
        return WH_ARG; /* one uv_buf_t; callers write in pieces anyway */
    char hex[24];
    uv_buf_t b[3];
    switch (c->framing) {
    case HX_FRAME_LENGTH:
        if (len > c->resp_left)
            return WH_ARG;
        c->resp_left -= len;
        b[0] = uv_buf_init((char *)data, (unsigned)len);
        hx__out_write(c, b, 1);
        break;
    case HX_FRAME_CHUNKED: {
        size_t k = sizeof hex - 2;
        hex[k] = '\r';
        hex[k + 1] = '\n';
        for (size_t v = len; v; v >>= 4)
            hex[--k] = "0123456789abcdef"[v & 15];
        b[0] = uv_buf_init(hex + k, (unsigned)(sizeof hex - k));
        b[1] = uv_buf_init((char *)data, (unsigned)len);
        b[2] = uv_buf_init(hx__crlf, 2);
        hx__out_write(c, b, 3);
        break;
    }
    case HX_FRAME_CLOSE:
        b[0] = uv_buf_init((char *)data, (unsigned)len);
        hx__out_write(c, b, 1);
        break;
    case HX_FRAME_NONE:
        break;
    }
    if (c->closed)
        return WH_IO;
    if (pending_out(c) >= c->srv->cfg.write_buffer)
        c->want_writable = 1;
    return WH_OK;
}

/* The response is complete on our side: hand the connection back. */
static void resp_done(hx_conn_t *c)
{
    c->resp = HX_R_DONE;
    c->owned = 0;
    c->want_writable = 0;
    hx__out_flush(c);
    hx__schedule(c);
}

wh_rc hx_resp_end(hx_req_t *req, const hx_header_t *trailers, size_t n)
{
    if (req && req->h2s)
        return hx__h2_resp_end(req, trailers, n);
    hx_conn_t *c = held(req);
    if (!c)
        return WH_ARG;
    if (c->resp == HX_R_NONE)
        return hx_resp_send(req, 200, NULL, 0, NULL, 0);
    if (c->resp != HX_R_HEAD)
        return WH_ARG;
    if (c->framing == HX_FRAME_CHUNKED)
        for (size_t i = 0; i < n; i++)
            if (!hx__field_ok(&trailers[i]) || hx__hop_by_hop(&trailers[i]))
                return WH_ARG;
    if (c->framing == HX_FRAME_CHUNKED && !c->closed) {
        hx__buf *b = &c->out[c->cur];
        uint32_t from = b->len;
        bool ok = buf_add(b, "0\r\n", 3);
        for (size_t i = 0; i < n && ok; i++)
            ok = add_field(b, trailers[i].name, trailers[i].name_len, trailers[i].value,
                           trailers[i].value_len);
        if (!ok || !buf_add(b, "\r\n", 2))
            hx__conn_kill(c, HX_ABORT_NOMEM);
        else if (c->ssl && c->tls_plain == HX_NO_PLAIN)
            c->tls_plain = from; /* encrypted by resp_done's flush */
    } else if (c->framing == HX_FRAME_LENGTH && c->resp_left > 0) {
        c->keep_alive = 0; /* short body: the client must see it incomplete */
    }
    resp_done(c);
    return c->closed ? WH_IO : WH_OK;
}

wh_rc hx_resp_send(hx_req_t *req, int status, const hx_header_t *headers, size_t n,
                   const void *body, size_t len)
{
    if (req && req->h2s)
        return hx__h2_resp_send(req, status, headers, n, body, len);
    hx_conn_t *c = held(req);
    if (!c || c->resp != HX_R_NONE)
        return WH_ARG;
    if (c->closed || c->closing)
        return WH_IO;
    if (len > UINT32_MAX)
        return WH_ARG;
    wh_rc rc = write_head(c, status, headers, n, (int64_t)len);
    if (rc != WH_OK)
        return rc;
    uv_buf_t b = uv_buf_init((char *)body, (unsigned)len);
    if (c->framing == HX_FRAME_LENGTH && len > 0)
        hx__out_write(c, &b, 1);
    c->resp_left = 0;
    resp_done(c);
    return c->closed ? WH_IO : WH_OK;
}

void hx_resp_abort(hx_req_t *req)
{
    if (req && req->h2s) {
        hx__h2_resp_abort(req);
        return;
    }
    hx_conn_t *c = held(req);
    if (!c)
        return;
    c->owned = 0;
    if (c->resp == HX_R_NONE)
        hx__send_error(c, 500);
    else
        hx__conn_kill(c, HX_ABORT_WRITE_ERROR);
}
