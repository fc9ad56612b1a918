/*
 * hx_parse.c — from bytes to requests. llhttp, built strict and with no
 * lenient flag, drives the callbacks below: they collect the request head
 * into the connection, hand body bytes and trailers to the embedder, and
 * make the checks llhttp does not make itself (Host, Transfer-Encoding,
 * the request target, the version, chunk extensions, the limits). A line
 * scanner runs ahead of llhttp over each head and trailer section and
 * refuses what llhttp lets through at the level of lines: a bare LF, a
 * field line folded onto the one before (obs-fold), a request line that is
 * not three words separated by single spaces. docs/http.md has the table
 * of refusals; each rule below cites its RFC 9110/9112 section.
 *
 * Invariants:
 * - llhttp is only ever paused by a callback returning HPE_PAUSED (never by
 *   llhttp_pause, which its header forbids from callbacks): at the end of
 *   each head, when the embedder pauses the body, at the last chunk (so
 *   that the scanner starts exactly at the trailer section) and at the end
 *   of each message. in_off then moves to llhttp_get_error_pos.
 * - The scanner has passed in[in_off, in_off + scanned), and llhttp never
 *   gets a byte the scanner refused: when a request breaks several rules,
 *   the first one met in byte order decides its answer.
 * - A callback that refuses the request records the answer (err_status,
 *   err_why) and returns HPE_USER; hx__parse reports it.
 */
#include "http/internal.h"

#include <string.h>
#include <strings.h>

/* ---- Small rules ---- */

static int stop(hx_conn_t *c, int status)
{
    c->err_status = status;
    c->err_why = status == 413   ? HX_ABORT_BODY_TOO_LARGE
                 : status == 500 ? HX_ABORT_NOMEM
                                 : HX_ABORT_BAD_BODY;
    return HPE_USER;
}

static bool is_digit(unsigned char ch)
{
    return ch >= '0' && ch <= '9';
}

static bool is_hex(unsigned char ch)
{
    return is_digit(ch) || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/* RFC 3986 2.3 unreserved and 2.2 sub-delims: what a reg-name is made of,
 * besides pct-encoded bytes. */
static bool is_host_char(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || is_digit(ch) ||
           strchr("-._~!$&'()*+,;=", ch) != NULL;
}

/* RFC 9112 3.2 Host = uri-host [ ":" port ], uri-host = IP-literal /
 * IPv4address / reg-name (RFC 3986 3.2.2). Refuses what is not a host: an
 * empty value, userinfo ("user@host"), a path, a query, spaces. */
static bool host_ok(const char *v, size_t n)
{
    size_t i = 0;
    if (n > 0 && v[0] == '[') {
        /* IP-literal: an IPv6 address or IPvFuture, in brackets */
        for (i = 1; i < n && v[i] != ']'; i++)
            if (!is_host_char((unsigned char)v[i]) && v[i] != ':')
                return false;
        if (i >= n || i == 1)
            return false;
        i++;
    } else {
        for (; i < n && v[i] != ':'; i++) {
            if (v[i] == '%') {
                if (n - i < 3 || !is_hex((unsigned char)v[i + 1]) ||
                    !is_hex((unsigned char)v[i + 2]))
                    return false;
                i += 2;
            } else if (!is_host_char((unsigned char)v[i])) {
                return false;
            }
        }
        if (i == 0)
            return false;
    }
    if (i == n)
        return true;
    if (v[i] != ':' || n - i - 1 > 5)
        return false;
    for (i++; i < n; i++)
        if (!is_digit((unsigned char)v[i]))
            return false;
    return true;
}

/* RFC 9112 3.2: origin-form, absolute-form, authority-form (CONNECT, which
 * is refused before) or asterisk-form (OPTIONS only). llhttp has checked
 * the characters (no control, space or non-ASCII byte); this checks the
 * form, and the authority of an absolute-form target as Host is checked. */
static bool target_ok(const llhttp_t *p, const char *t, size_t n)
{
    if (n == 0 || memchr(t, '#', n))
        return false; /* a fragment is the client's own business (RFC 9110 4.2.5) */
    if (n == 1 && t[0] == '*')
        return p->method == HTTP_OPTIONS;
    if (t[0] == '/')
        return true;
    const char *end = t + n, *a = NULL;
    for (const char *q = t; q + 3 <= end; q++)
        if (q[0] == ':' && q[1] == '/' && q[2] == '/') {
            a = q + 3;
            break;
        }
    if (!a)
        return false;
    const char *ae = a;
    while (ae < end && *ae != '/' && *ae != '?')
        ae++;
    return host_ok(a, (size_t)(ae - a));
}

/* Whether a comma-separated header value holds token (case-insensitive). */
static bool value_has_token(const char *v, size_t len, const char *token)
{
    size_t tl = strlen(token), i = 0;
    while (i < len) {
        while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        size_t s = i;
        while (i < len && v[i] != ',')
            i++;
        size_t e = i;
        while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
            e--;
        if (e - s == tl && strncasecmp(v + s, token, tl) == 0)
            return true;
    }
    return false;
}

/* The raw bytes a head (or trailer section) may have: the counted ones
 * (max_header_bytes) twice over, room for each field's line end and
 * separator, and a little for the request line. http-parser had a fixed
 * 80 KiB; llhttp has none. */
static uint64_t raw_cap(const hx_config_t *cfg)
{
    return 2 * (uint64_t)cfg->max_header_bytes + 8 * (uint64_t)cfg->max_headers + 1024;
}

/* ---- The line scanner ---- */

/* Passes over p[0, n) of a head or trailer section. Returns how many bytes
 * are fine; when it returns less than n, *status is the answer for the
 * byte at that index. It stops (scan = HX_SCAN_OFF) after the LF of the
 * empty line that ends the section. RFC 9112 2.2: lines end with CRLF (a
 * bare CR is refused, and so is a bare LF, which a recipient MAY accept);
 * 3: request-line = method SP request-target SP HTTP-version; 5.2: obs-fold
 * is refused with 400. NUL is refused anywhere (RFC 9110 5.5). */
static size_t scan_lines(hx_conn_t *c, const char *p, size_t n, int *status)
{
    uint64_t cap = raw_cap(&c->srv->cfg);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)p[i];
        bool bad = ch == 0;
        if (++c->scan_raw > cap) {
            *status = 431;
            return i;
        }
        switch (c->scan) {
        case HX_SCAN_REQ_START:
            /* RFC 9112 2.2: empty lines before the request line are ignored */
            if (ch == '\r') {
                c->scan = HX_SCAN_REQ_START_CR;
            } else {
                bad |= ch == '\n' || ch == ' ' || ch == '\t';
                c->scan = HX_SCAN_REQ_LINE;
                c->scan_sp = 0;
                c->scan_prev_sp = 0;
            }
            break;
        case HX_SCAN_REQ_START_CR:
            bad |= ch != '\n';
            c->scan = HX_SCAN_REQ_START;
            break;
        case HX_SCAN_REQ_LINE:
            if (ch == ' ') {
                bad |= c->scan_prev_sp || ++c->scan_sp > 2;
                c->scan_prev_sp = 1;
            } else if (ch == '\r') {
                bad |= c->scan_prev_sp || c->scan_sp != 2;
                c->scan = HX_SCAN_LINE_CR;
            } else {
                bad |= ch == '\n';
                c->scan_prev_sp = 0;
            }
            break;
        case HX_SCAN_LINE_CR:
            bad |= ch != '\n';
            c->scan = HX_SCAN_FIELD_START;
            break;
        case HX_SCAN_FIELD_START:
            if (ch == '\r') {
                c->scan = HX_SCAN_END_CR;
            } else {
                bad |= ch == '\n' || ch == ' ' || ch == '\t'; /* bare LF, obs-fold */
                c->scan = HX_SCAN_FIELD;
            }
            break;
        case HX_SCAN_FIELD:
            if (ch == '\r')
                c->scan = HX_SCAN_LINE_CR;
            else
                bad |= ch == '\n';
            break;
        case HX_SCAN_END_CR:
            if (ch == '\n') {
                c->scan = HX_SCAN_OFF;
                return i + 1;
            }
            bad = true;
            break;
        case HX_SCAN_OFF:
            return i;
        }
        if (bad) {
            *status = 400;
            return i;
        }
    }
    return n;
}

/* ---- Collecting the head ---- */

static int on_message_begin(llhttp_t *p)
{
    hx_conn_t *c = p->data;
    c->in_request = 1;
    c->hbuf.len = 0;
    c->hrefs.len = 0;
    c->in_field = 0;
    c->url_len = 0;
    c->ver_len = 0;
    c->nhost = c->nte = 0;
    c->ext_len = 0;
    hx__set_timer(c, HX_T_HEADER);
    return 0;
}

static int on_method_complete(llhttp_t *p)
{
    /* A tunnel is not something this server makes (RFC 9110 9.3.6). */
    return p->method == HTTP_CONNECT ? stop(p->data, 501) : 0;
}

static int on_url(llhttp_t *p, const char *at, size_t len)
{
    hx_conn_t *c = p->data;
    c->url_len += len;
    if (c->url_len > c->srv->cfg.max_header_bytes)
        return stop(c, 414);
    if (!buf_add(&c->hbuf, at, len))
        return stop(c, 500);
    return 0;
}

static int on_url_complete(llhttp_t *p)
{
    hx_conn_t *c = p->data;
    return target_ok(p, c->hbuf.data, c->url_len) ? 0 : stop(c, 400);
}

static int on_version(llhttp_t *p, const char *at, size_t len)
{
    hx_conn_t *c = p->data;
    for (size_t i = 0; i < len && c->ver_len < sizeof c->ver; i++)
        c->ver[c->ver_len++] = at[i];
    return 0;
}

/* The version as text is DIGIT "." DIGIT (RFC 9112 2.3): a well-formed
 * version that may simply not be ours. */
static bool version_well_formed(const hx_conn_t *c)
{
    return c->ver_len == 3 && is_digit((unsigned char)c->ver[0]) && c->ver[1] == '.' &&
           is_digit((unsigned char)c->ver[2]);
}

static bool version_supported(const hx_conn_t *c)
{
    return version_well_formed(c) && c->ver[0] == '1' && (c->ver[2] == '0' || c->ver[2] == '1');
}

static int on_version_complete(llhttp_t *p)
{
    hx_conn_t *c = p->data;
    /* RFC 9110 15.6.6: 505 for a major version we do not speak; llhttp
     * itself takes 0.9 and 2.0. */
    if (!version_supported(c))
        return stop(c, version_well_formed(c) ? 505 : 400);
    return 0;
}

/* Header names and values of the headers or the trailers, collected in
 * hbuf; the limit counts this block's bytes. */
static int header_bytes(hx_conn_t *c, const char *at, size_t len)
{
    if (c->hbuf.len + len > c->srv->cfg.max_header_bytes)
        return stop(c, 431);
    if (!buf_add(&c->hbuf, at, len))
        return stop(c, 500);
    return 0;
}

static int begin_field(hx_conn_t *c)
{
    if (c->hrefs.len >= c->srv->cfg.max_headers)
        return stop(c, 431);
    hx__href r = {.name_off = c->hbuf.len};
    if (!wh_vec_push(&c->hrefs, r))
        return stop(c, 500);
    c->in_field = 1;
    return 0;
}

static int on_header_field(llhttp_t *p, const char *at, size_t len)
{
    hx_conn_t *c = p->data;
    int rc = c->in_field ? 0 : begin_field(c);
    if (rc)
        return rc;
    c->hrefs.data[c->hrefs.len - 1].name_len += (uint32_t)len;
    return header_bytes(c, at, len);
}

static int on_header_field_complete(llhttp_t *p)
{
    hx_conn_t *c = p->data;
    int rc = c->in_field ? 0 : begin_field(c);
    if (rc)
        return rc;
    c->in_field = 0;
    hx__href *r = &c->hrefs.data[c->hrefs.len - 1];
    r->value_off = c->hbuf.len;
    r->value_len = 0;
    /* RFC 9110 5.1: field-name = token; llhttp lets ": value" through. */
    if (r->name_len == 0)
        return stop(c, 400);
    const char *name = c->hbuf.data + r->name_off;
    if (c->head_done) {
        /* A trailer section must not frame the message (RFC 9110 6.5.1);
         * llhttp would still act on these. */
        if (name_is(name, r->name_len, "content-length") ||
            name_is(name, r->name_len, "transfer-encoding"))
            return stop(c, 400);
    } else if (name_is(name, r->name_len, "host") && ++c->nhost > 1) {
        return stop(c, 400); /* RFC 9112 3.2: more than one Host */
    }
    return 0;
}

static int on_header_value(llhttp_t *p, const char *at, size_t len)
{
    hx_conn_t *c = p->data;
    if (c->hrefs.len == 0)
        return stop(c, 400);
    c->hrefs.data[c->hrefs.len - 1].value_len += (uint32_t)len;
    return header_bytes(c, at, len);
}

static int on_header_value_complete(llhttp_t *p)
{
    hx_conn_t *c = p->data;
    if (c->hrefs.len == 0)
        return stop(c, 400);
    hx__href *r = &c->hrefs.data[c->hrefs.len - 1];
    /* llhttp skips the whitespace before a value and keeps the one after
     * it; neither is part of the value (RFC 9110 5.5). The value is the
     * last thing in hbuf. */
    while (r->value_len > 0 && (c->hbuf.data[r->value_off + r->value_len - 1] == ' ' ||
                                c->hbuf.data[r->value_off + r->value_len - 1] == '\t')) {
        r->value_len--;
        c->hbuf.len--;
    }
    if (c->head_done)
        return 0;
    const char *name = c->hbuf.data + r->name_off, *v = c->hbuf.data + r->value_off;
    if (name_is(name, r->name_len, "host")) {
        if (!host_ok(v, r->value_len))
            return stop(c, 400);
    } else if (name_is(name, r->name_len, "transfer-encoding")) {
        /* RFC 9112 6.1: an HTTP/1.0 message with Transfer-Encoding has
         * faulty framing; with Content-Length too, it is refused (6.3). */
        if (p->http_minor == 0 || (p->flags & F_CONTENT_LENGTH))
            return stop(c, 400);
        /* RFC 9112 6.1 and 7: chunked is the one coding this server
         * understands, and it must be the last and appear once; anything
         * else (another coding, chunked twice, an empty or quoted value,
         * parameters) is 501. */
        if (++c->nte > 1 || !name_is(v, r->value_len, "chunked"))
            return stop(c, 501);
    }
    return 0;
}

/* Copies the collected block into the request arena: the bytes once, then
 * the fields pointing into them. Empties the collector for the trailers. */
static hx_header_t *freeze_block(hx_conn_t *c, size_t *out_n, const char **out_base)
{
    size_t n = c->hrefs.len;
    char *base = wh_arena_dup(&c->arena, c->hbuf.data ? c->hbuf.data : "", c->hbuf.len);
    hx_header_t *h = wh_arena_alloc(&c->arena, (n ? n : 1) * sizeof *h);
    if (!base || !h)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        hx__href r = c->hrefs.data[i];
        h[i] = (hx_header_t){base + r.name_off, r.name_len, base + r.value_off, r.value_len};
    }
    *out_n = n;
    if (out_base)
        *out_base = base;
    c->hbuf.len = 0;
    c->hrefs.len = 0;
    c->in_field = 0;
    return h;
}

static int on_headers_complete(llhttp_t *p)
{
    hx_conn_t *c = p->data;
    hx_req_t *r = &c->req;
    const char *base;
    size_t n;
    /* A request line without a version (HTTP/0.9) never met
     * on_version_complete; the scanner refuses it first anyway. */
    if (!version_supported(c))
        return stop(c, 400);
    hx_header_t *h = freeze_block(c, &n, &base);
    if (!h)
        return stop(c, 500);
    r->conn = c;
    r->target = base;
    r->target_len = c->url_len;
    r->headers = h;
    r->nheaders = n;
    /* (compared as llhttp's uint64_t: a length past INT64_MAX would turn
     * negative, "no length", in hx_req_content_length) */
    if (!(p->flags & F_CHUNKED) && (p->flags & F_CONTENT_LENGTH) &&
        p->content_length > c->srv->cfg.max_body_bytes)
        return stop(c, 413);
    if (p->flags & F_CHUNKED)
        r->content_length = -1;
    else if (p->flags & F_CONTENT_LENGTH)
        r->content_length = (int64_t)p->content_length;
    else
        r->content_length = 0;
    /* llhttp 8.1 reads "chunked" followed by a tab (OWS) as another coding:
     * it would refuse the request after this callback, so refuse it here,
     * before on_request. */
    if (c->nte && !(p->flags & F_CHUNKED))
        return stop(c, 501);
    bool http11 = p->http_minor == 1, close = false, keep = false;
    bool up_h2c = false, up_conn = false;
    int nsettings = 0;
    for (size_t i = 0; i < n; i++) {
        if (name_is(h[i].name, h[i].name_len, "upgrade")) {
            up_h2c |= value_has_token(h[i].value, h[i].value_len, "h2c");
        } else if (name_is(h[i].name, h[i].name_len, "http2-settings")) {
            nsettings++;
        }
        if (name_is(h[i].name, h[i].name_len, "expect") && http11) {
            if (!value_has_token(h[i].value, h[i].value_len, "100-continue"))
                return stop(c, 417);
            c->expect_continue = r->content_length != 0;
        } else if (name_is(h[i].name, h[i].name_len, "connection")) {
            close |= value_has_token(h[i].value, h[i].value_len, "close");
            keep |= value_has_token(h[i].value, h[i].value_len, "keep-alive");
            up_conn |= value_has_token(h[i].value, h[i].value_len, "upgrade") &&
                       value_has_token(h[i].value, h[i].value_len, "http2-settings");
        }
    }
    /* RFC 7540 3.2 (h2c, which RFC 9113 dropped but clients still send):
     * the first request of a plain connection, without a body (one would
     * have to be read as HTTP/1.1 first), with one HTTP2-Settings field;
     * anything else is answered as HTTP/1.1 (RFC 9110 7.8 lets us). */
    c->h2c_upgrade = up_h2c && up_conn && nsettings == 1 && http11 && c->fresh && !c->tls &&
                     r->content_length == 0 && !c->expect_continue && !c->srv->stopping;
    /* RFC 9112 3.2: a 1.1 request without Host is answered with 400. */
    if (http11 && c->nhost == 0)
        return stop(c, 400);
    c->is_head = p->method == HTTP_HEAD;
    /* RFC 9112 9.3. Our reading of Connection and llhttp's must both allow
     * another request: llhttp misses "close" followed by a tab, and would
     * refuse bytes after a message it took as the last. */
    bool persist = !close && (http11 || keep);
    c->keep_alive = c->keep_alive && persist && llhttp_should_keep_alive(p) && !c->srv->stopping;
    c->head_done = 1;
    /* on_request runs outside the parser, from the connection's loop; the
     * end of a bodyless message comes from a run without input. */
    c->kick = 1;
    return HPE_PAUSED;
}

/* ---- The body ---- */

static int on_chunk_extension_bytes(llhttp_t *p, const char *at, size_t len)
{
    ((hx_conn_t *)p->data)->ext_len += len;
    return 0;
}

/* RFC 9112 7.1.1: chunk-ext-name = token, chunk-ext-val = token /
 * quoted-string: neither is empty. llhttp takes ";=v" and ";n=". */
static int on_chunk_extension_part_complete(llhttp_t *p)
{
    hx_conn_t *c = p->data;
    if (c->ext_len == 0)
        return stop(c, 400);
    c->ext_len = 0;
    return 0;
}

static int on_chunk_header(llhttp_t *p)
{
    hx_conn_t *c = p->data;
    uint64_t size = p->content_length, max = c->srv->cfg.max_body_bytes;
    if (size > max || c->body_seen > max - size)
        return stop(c, 413); /* refused before its bytes come */
    if (size > 0)
        return 0;
    /* The last chunk: the trailer section starts right after this line,
     * where the pause leaves in_off. */
    c->scan = HX_SCAN_FIELD_START;
    c->scanned = 0;
    c->scan_raw = 0;
    return HPE_PAUSED;
}

static int on_body(llhttp_t *p, const char *at, size_t len)
{
    hx_conn_t *c = p->data;
    c->body_seen += len;
    if (c->body_seen > c->srv->cfg.max_body_bytes)
        return stop(c, 413);
    hx__touch_timer(c, HX_T_BODY);
    if (c->owned) {
        hx__emit_body(c, (const uint8_t *)at, len);
        if (c->closed || c->closing)
            return HPE_USER;
        if (c->owned && c->body_paused) {
            /* These may be the body's last bytes with nothing more to read:
             * on_message_complete is still owed, and only a run without
             * input gives it once the body is resumed. */
            c->kick = 1;
            return HPE_PAUSED;
        }
    }
    return 0;
}

static int on_message_complete(llhttp_t *p)
{
    hx_conn_t *c = p->data;
    c->msg_done = 1;
    if (c->owned && !c->body_end_sent) {
        size_t n = 0;
        const hx_header_t *t = NULL;
        if (c->hrefs.len) {
            t = freeze_block(c, &n, NULL);
            if (!t)
                return stop(c, 500);
        }
        c->body_end_sent = 1;
        hx__emit_body_end(c, t, n);
        if (c->closed || c->closing)
            return HPE_USER;
    }
    /* The next message waits until the response of this one has ended. */
    return HPE_PAUSED;
}

static const llhttp_settings_t settings = {
    .on_message_begin = on_message_begin,
    .on_method_complete = on_method_complete,
    .on_url = on_url,
    .on_url_complete = on_url_complete,
    .on_version = on_version,
    .on_version_complete = on_version_complete,
    .on_header_field = on_header_field,
    .on_header_field_complete = on_header_field_complete,
    .on_header_value = on_header_value,
    .on_header_value_complete = on_header_value_complete,
    .on_headers_complete = on_headers_complete,
    .on_chunk_extension_name = on_chunk_extension_bytes,
    .on_chunk_extension_name_complete = on_chunk_extension_part_complete,
    .on_chunk_extension_value = on_chunk_extension_bytes,
    .on_chunk_extension_value_complete = on_chunk_extension_part_complete,
    .on_chunk_header = on_chunk_header,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

/* ---- Running the parser ---- */

void hx__parse_init(hx_conn_t *c)
{
    llhttp_init(&c->parser, HTTP_REQUEST, &settings);
    c->parser.data = c;
    c->in_field = 0;
    c->kick = 0;
    hx__parse_next(c);
}

void hx__parse_next(hx_conn_t *c)
{
    c->scan = HX_SCAN_REQ_START;
    c->scanned = 0;
    c->scan_raw = 0;
    c->kick = 0;
}

/* The answer to an error llhttp found itself. */
static int status_of(hx_conn_t *c, llhttp_errno_t e)
{
    c->err_why = HX_ABORT_BAD_BODY;
    switch (e) {
    case HPE_INVALID_TRANSFER_ENCODING:
        /* "chunked" followed by more codings, within one field or over
         * several: RFC 9112 6.1 (as the check in on_header_value_complete) */
        return 501;
    case HPE_INVALID_VERSION:
        /* "HTTP/9.9" is a version we do not speak; "HTTP/1.10" is no version */
        return version_well_formed(c) && !version_supported(c) ? 505 : 400;
    default:
        return 400;
    }
}

int hx__parse(hx_conn_t *c)
{
    static const char none[1];
    const char *start = c->in ? c->in + c->in_off : none; /* NULL: idle, nothing buffered */
    size_t avail = c->in_len - c->in_off, lim = avail;
    int scan_status = 0;
    if (c->scan != HX_SCAN_OFF && c->scanned < avail) {
        c->scanned += scan_lines(c, start + c->scanned, avail - c->scanned, &scan_status);
        if (scan_status)
            lim = c->scanned; /* llhttp stops before the refused byte */
    }
    c->err_status = 0;
    c->kick = 0;
    llhttp_errno_t e = llhttp_execute(&c->parser, start, lim);
    if (c->closed || c->closing)
        return -1;
    if (e != HPE_OK && e != HPE_PAUSED && e != HPE_PAUSED_UPGRADE) {
        if (e == HPE_CLOSED_CONNECTION) {
            /* Bytes after a message that ended the connection: we never
             * parse past such a message, so this is a safeguard. */
            hx__begin_close(c);
            return -1;
        }
        return c->err_status ? c->err_status : status_of(c, e);
    }
    size_t used = e == HPE_OK ? lim : (size_t)(llhttp_get_error_pos(&c->parser) - start);
    c->in_off += used;
    c->scanned = c->scanned > used ? c->scanned - used : 0;
    if (e == HPE_PAUSED)
        llhttp_resume(&c->parser);
    else if (e == HPE_PAUSED_UPGRADE)
        /* Upgrade is not offered (RFC 9110 7.8 lets a server ignore it):
         * the request was answered as plain HTTP, and the connection goes
         * on as HTTP/1.1. */
        llhttp_resume_after_upgrade(&c->parser);
    if (scan_status) {
        /* No pause comes before a refused byte of a head or trailer
         * section: llhttp took every byte before it. */
        c->err_why = HX_ABORT_BAD_BODY;
        return scan_status;
    }
    return 0;
}
