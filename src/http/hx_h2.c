/*
 * hx_h2.c — HTTP/2 on a connection, with nghttp2 (RFC 9113): each stream is
 * one hx request, handed to the same handler and subscriber callbacks as an
 * HTTP/1.x request, and answered through the same hx_resp_* calls.
 *
 * A connection becomes HTTP/2 when its first bytes are the client preface
 * (cleartext "prior knowledge", or TLS without ALPN) or when TLS chose h2 by
 * ALPN (hx__h2_sniff). From then on its input goes to nghttp2 and its output
 * comes from nghttp2, through the same queue (and TLS) as HTTP/1.x.
 *
 * Invariants:
 * - The embedder is never called from inside nghttp2. nghttp2's callbacks
 *   only record what came (a stream's head, body bytes, its end, a reset)
 *   and mark it due; dispatch() hands it on after nghttp2 returns. So a
 *   request whose HEADERS and RST_STREAM come in one read never reaches the
 *   embedder at all.
 * - Flow control is the body's backpressure. Automatic WINDOW_UPDATE is off:
 *   body bytes are consumed (nghttp2_session_consume, which may send a
 *   WINDOW_UPDATE) only once they were given to the embedder, or dropped
 *   after its response. While a body is paused its bytes wait in the
 *   stream, at most the stream window (INITIAL_WINDOW_SIZE); all streams
 *   together at most the connection window (CONN_WINDOW).
 * - A stream's struct lives until nghttp2 closed the stream AND the
 *   embedder no longer holds its request (sweep()). A stream counts against
 *   h2_max_streams until then, so a client that resets its streams cannot
 *   have more requests at work than that (RFC 9113 5.1.2, CVE-2023-44487).
 * - Output is pulled from nghttp2 only while the connection's output queue
 *   is below write_buffer; a stream's response bytes wait in the stream
 *   (hx_resp_writable counts them) until nghttp2 pulls them, as the
 *   client's flow-control window allows.
 * - Defences of our own, independent of the nghttp2 version: a token bucket
 *   on the client's RST_STREAM frames (rapid reset) and a cap on the frames
 *   and bytes of one header block (CONTINUATION flood, CVE-2024-27316);
 *   past either, GOAWAY with ENHANCE_YOUR_CALM and the connection closes.
 */
#include "http/internal.h"

#include <nghttp2/nghttp2.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The stream window we announce (SETTINGS_INITIAL_WINDOW_SIZE): what one
 * stream's unread body may hold. */
#define INITIAL_WINDOW_SIZE 65535
/* The connection window: what all streams' unread bodies may hold. */
#define CONN_WINDOW (1 << 20)
/* CONTINUATION frames after one HEADERS frame: a real header block of the
 * largest size we take (max_header_bytes) needs one or two at the default
 * frame size. nghttp2 1.61 (and Debian's backport to 1.52) stops at 8 on
 * its own, with PROTOCOL_ERROR; ours comes first. */
#define MAX_CONTINUATIONS 4
/* Rapid reset: the client's RST_STREAM frames use up tokens of a bucket of
 * RESET_BURST_PER_STREAM * h2_max_streams that refills at
 * RESET_RATE_PER_STREAM * h2_max_streams / 10 a second (200 and 20 a
 * second by default). A browser cancels a few streams now and then; an
 * attack resets thousands a second. */
#define RESET_BURST_PER_STREAM 2
#define RESET_RATE_PER_STREAM  2

static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/* Where the response of a stream is. */
typedef enum { RESP_NONE, RESP_HEAD, RESP_DONE } resp_state;

struct hx_h2stream {
    hx_req_t req; /* req.conn: the connection, req.h2s: this */
    hx_conn_t *c;
    hx_h2stream_t *prev, *next; /* the session's streams, oldest first */
    int32_t id;
    wh_arena_t arena; /* the request's: its head, the response's fields */

    /* The header block being collected (the head, then the trailers). */
    hx__buf hbuf;
    WH_VEC(hx__href) hrefs;
    uint32_t hbytes; /* name and value bytes of this block */
    const char *p_method, *p_path, *p_authority;
    size_t path_len, authority_len;
    const hx_header_t *trailers;
    size_t ntrailers;

    /* The request body: received and not given to the embedder yet. */
    hx__buf body;
    uint64_t body_seen;

    /* The response: bytes not yet pulled by nghttp2 are out[out_off..). */
    hx__buf out;
    uint32_t out_off;
    uint64_t resp_left; /* Content-Length bytes still owed (has_len) */
    nghttp2_nv *tnv;    /* trailers to send after the body */
    size_t ntnv;
    resp_state resp;
    int self_status; /* an answer the server gives itself, not the embedder */
    hx_abort_reason why;

    unsigned head_done : 1;     /* the request's head is complete */
    unsigned dispatched : 1;    /* on_request was called (or self_status answered) */
    unsigned owned : 1;         /* the embedder holds req */
    unsigned paused : 1;        /* the embedder paused the body */
    unsigned eof : 1;           /* the client's END_STREAM came */
    unsigned body_end_sent : 1; /* on_body_end was called */
    unsigned closed : 1;        /* nghttp2 closed the stream */
    unsigned abort_due : 1;     /* on_abort is owed (why) */
    unsigned too_big : 1;       /* the header block passed a limit: 431 */
    unsigned has_len : 1;       /* the response has a Content-Length */
    unsigned bodyless : 1;      /* HEAD, 204, 304: no response body */
    unsigned out_eof : 1;       /* the response body is complete */
    unsigned deferred : 1;      /* nghttp2 waits for response bytes */
    unsigned want_writable : 1; /* hx_resp_writable said 0 */
    unsigned writable_due : 1;  /* on_writable is owed */
    unsigned expect_continue : 1;
    unsigned rst_after : 1; /* RST_STREAM(NO_ERROR) once our response ended: the
                             * client need not send the rest of its body */
    unsigned is_head : 1;
};

struct hx_h2 {
    nghttp2_session *s;
    hx_h2stream_t *first, *last;
    uint32_t nlive;       /* stream structs (open or held by the embedder) */
    hx__buf obuf;         /* nghttp2's output, gathered for one hx__out_write */
    uint64_t tokens;      /* rapid reset: thousandths of RST_STREAM frames allowed */
    uint64_t tokens_at;   /* when the bucket was last filled (ms) */
    uint32_t hb_frames;   /* the current header block: CONTINUATIONs so far */
    uint64_t hb_bytes;    /* and its bytes */
    uint32_t goaway_code; /* why we end the session, when one of ours */
    bool due;             /* something for dispatch() */
    bool dead;            /* no more input: GOAWAY sent or a fatal error */
    bool any_stream;      /* a request came (the header timeout is over) */
    bool stepping;        /* inside hx__h2_step */
};

/* ---- small things ---- */

static uint32_t max_streams(const hx_conn_t *c)
{
    return c->srv->cfg.h2_max_streams ? c->srv->cfg.h2_max_streams : 100;
}

static uint64_t raw_cap(const hx_config_t *cfg)
{
    /* as for an HTTP/1.1 head (hx_parse.c): HPACK only makes it smaller */
    return 2 * (uint64_t)cfg->max_header_bytes + 8 * (uint64_t)cfg->max_headers + 1024;
}

static hx_h2stream_t *stream_of(hx_conn_t *c, int32_t id)
{
    return c->h2 && c->h2->s ? nghttp2_session_get_stream_user_data(c->h2->s, id) : NULL;
}

/* The bytes of a stream's body are done with: the client may send more. */
static void consume(hx_conn_t *c, int32_t id, size_t n)
{
    if (n && c->h2->s && nghttp2_session_consume(c->h2->s, id, n) != 0)
        nghttp2_session_consume_connection(c->h2->s, n);
}

static void *mem_malloc(size_t n, void *ud)
{
    return wh_malloc(n);
}
static void mem_free(void *p, void *ud)
{
    wh_free(p);
}
static void *mem_calloc(size_t k, size_t n, void *ud)
{
    return wh_calloc(k, n);
}
static void *mem_realloc(void *p, size_t n, void *ud)
{
    return wh_realloc(p, n);
}

/* ---- the request's events ---- */

static void emit_body(hx_h2stream_t *s, const uint8_t *data, size_t len)
{
    const hx_req_events_t *ev = s->req.ev;
    hx_server_t *srv = s->c->srv;
    if (ev) {
        if (ev->on_body)
            ev->on_body(&s->req, data, len, s->req.ev_ud);
    } else if (srv->h->on_body) {
        srv->h->on_body(&s->req, data, len, srv->ud);
    }
}

static void emit_body_end(hx_h2stream_t *s)
{
    const hx_req_events_t *ev = s->req.ev;
    hx_server_t *srv = s->c->srv;
    if (ev) {
        if (ev->on_body_end)
            ev->on_body_end(&s->req, s->trailers, s->ntrailers, s->req.ev_ud);
    } else if (srv->h->on_body_end) {
        srv->h->on_body_end(&s->req, s->trailers, s->ntrailers, srv->ud);
    }
}

static void emit_writable(hx_h2stream_t *s)
{
    const hx_req_events_t *ev = s->req.ev;
    hx_server_t *srv = s->c->srv;
    if (ev) {
        if (ev->on_writable)
            ev->on_writable(&s->req, s->req.ev_ud);
    } else if (srv->h->on_writable) {
        srv->h->on_writable(&s->req, srv->ud);
    }
}

static void emit_abort(hx_h2stream_t *s, hx_abort_reason why)
{
    const hx_req_events_t *ev = s->req.ev;
    hx_server_t *srv = s->c->srv;
    s->owned = 0;
    if (ev) {
        if (ev->on_abort)
            ev->on_abort(&s->req, why, s->req.ev_ud);
    } else if (srv->h->on_abort) {
        srv->h->on_abort(&s->req, why, srv->ud);
    }
}

/* ---- streams ---- */

static hx_h2stream_t *stream_new(hx_conn_t *c, int32_t id)
{
    hx_h2stream_t *s = wh_calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->c = c;
    s->id = id;
    s->req.conn = c;
    s->req.h2s = s;
    s->req.content_length = -1;
    wh_arena_init(&s->arena, 2048);
    hx_h2_t *h = c->h2;
    s->prev = h->last;
    if (h->last)
        h->last->next = s;
    else
        h->first = s;
    h->last = s;
    h->nlive++;
    h->any_stream = true;
    return s;
}

static void stream_free(hx_conn_t *c, hx_h2stream_t *s)
{
    hx_h2_t *h = c->h2;
    if (s->prev)
        s->prev->next = s->next;
    else
        h->first = s->next;
    if (s->next)
        s->next->prev = s->prev;
    else
        h->last = s->prev;
    h->nlive--;
    if (h->s && !s->closed)
        nghttp2_session_set_stream_user_data(h->s, s->id, NULL);
    wh_arena_free(&s->arena);
    wh_vec_free(&s->hbuf);
    wh_vec_free(&s->hrefs);
    wh_vec_free(&s->body);
    wh_vec_free(&s->out);
    wh_free(s);
}

/* Frees the streams that are over on both sides. */
static void sweep(hx_conn_t *c)
{
    hx_h2stream_t *s = c->h2->first;
    while (s) {
        hx_h2stream_t *next = s->next;
        if (s->closed && !s->owned)
            stream_free(c, s);
        s = next;
    }
}

/* ---- the response ---- */

static void stop_body(hx_conn_t *c, hx_h2stream_t *s);

static ssize_t read_body(nghttp2_session *session, int32_t id, uint8_t *buf, size_t length,
                         uint32_t *flags, nghttp2_data_source *src, void *ud)
{
    hx_h2stream_t *s = src->ptr;
    size_t avail = s->out.len - s->out_off, n = avail < length ? avail : length;
    if (n == 0 && !s->out_eof) {
        s->deferred = 1;
        return NGHTTP2_ERR_DEFERRED;
    }
    if (n)
        memcpy(buf, s->out.data + s->out_off, n);
    s->out_off += (uint32_t)n;
    if (s->out_off == s->out.len)
        s->out_off = s->out.len = 0;
    if (s->out_eof && s->out.len == 0) {
        *flags |= NGHTTP2_DATA_FLAG_EOF;
        if (s->ntnv && nghttp2_submit_trailer(session, id, s->tnv, s->ntnv) == 0)
            *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
    }
    if (s->want_writable && s->owned && s->out.len - s->out_off < s->c->srv->cfg.write_buffer / 2) {
        s->writable_due = 1;
        s->c->h2->due = true;
    }
    return (ssize_t)n;
}

static bool has_token(const char *v, size_t len, const char *token)
{
    size_t tl = strlen(token);
    for (size_t i = 0; i + tl <= len; i++)
        if (strncasecmp(v + i, token, tl) == 0)
            return true;
    return false;
}

/* Fields an HTTP/2 response must not carry (RFC 9113 8.2.2), besides
 * those of HTTP/1.1 framing. */
static bool h2_drops(const hx_header_t *h)
{
    return hx__hop_by_hop(h) || name_is(h->name, h->name_len, "proxy-connection") ||
           name_is(h->name, h->name_len, "upgrade") || name_is(h->name, h->name_len, "te");
}

/* A field name in lower case (RFC 9113 8.2.1), in the stream's arena. */
static uint8_t *lower(hx_h2stream_t *s, const char *name, size_t n)
{
    uint8_t *p = wh_arena_alloc(&s->arena, n ? n : 1);
    if (p)
        for (size_t i = 0; i < n; i++)
            p[i] = (uint8_t)((name[i] >= 'A' && name[i] <= 'Z') ? name[i] + 32 : name[i]);
    return p;
}

static nghttp2_nv nv(const void *name, size_t nl, const void *value, size_t vl)
{
    return (nghttp2_nv){(uint8_t *)name, (uint8_t *)value, nl, vl, NGHTTP2_NV_FLAG_NONE};
}

/* Submits the response head. forced_len >= 0 is hx_resp_send's body length;
 * body then holds it (copied). */
static wh_rc submit_head(hx_h2stream_t *s, int status, const hx_header_t *hs, size_t n,
                         int64_t forced_len, const void *body)
{
    hx_conn_t *c = s->c;
    hx__head_fields hf; /* Connection is dropped here (h2_drops): close is moot */
    wh_rc rc = hx__head_scan(status, hs, n, forced_len, &hf);
    if (rc != WH_OK)
        return rc;
    int64_t len = hf.len;
    s->bodyless = s->is_head || status == 204 || status == 304;
    s->has_len = len >= 0 && !s->bodyless;
    s->resp_left = s->has_len ? (uint64_t)len : 0;
    s->expect_continue = 0;

    nghttp2_nv *nva = wh_arena_alloc(&s->arena, (n + 3) * sizeof *nva);
    char *st = wh_arena_alloc(&s->arena, 4), *cl = wh_arena_alloc(&s->arena, 24);
    if (!nva || !st || !cl)
        return WH_NOMEM;
    snprintf(st, 4, "%03d", status);
    size_t k = 0;
    nva[k++] = nv(":status", 7, st, 3);
    for (size_t i = 0; i < n; i++) {
        if (h2_drops(&hs[i]))
            continue;
        uint8_t *name = lower(s, hs[i].name, hs[i].name_len);
        if (!name)
            return WH_NOMEM;
        nva[k++] = nv(name, hs[i].name_len, hs[i].value, hs[i].value_len);
    }
    if (!hf.has_date) {
        const char *d = hx__date(c->srv);
        nva[k++] = nv("date", 4, d, strlen(d));
    }
    if (len >= 0 && status != 204) {
        /* HEAD and 304 may state the length the body would have had */
        int ln = snprintf(cl, 24, "%lld", (long long)len);
        nva[k++] = nv("content-length", 14, cl, (size_t)ln);
    }
    if (forced_len > 0 && !s->bodyless && !buf_add(&s->out, body, (size_t)forced_len))
        return WH_NOMEM;
    if (forced_len >= 0)
        s->out_eof = 1;
    nghttp2_data_provider prd = {.source.ptr = s, .read_callback = read_body};
    bool no_body = s->bodyless || (forced_len == 0);
    if (nghttp2_submit_response(c->h2->s, s->id, nva, k, no_body ? NULL : &prd) != 0)
        return WH_IO;
    s->resp = RESP_HEAD;
    return WH_OK;
}

/* The server answers a stream itself (an error it found before or instead
 * of the embedder): a short text body, and the rest of the request body,
 * if any, is not wanted. */
static void answer_self(hx_h2stream_t *s, int status)
{
    if (s->resp != RESP_NONE || s->closed)
        return;
    char text[96];
    int n = snprintf(text, sizeof text, "%d %s\n", status, hx__reason(status));
    hx_header_t ct = {"content-type", 12, "text/plain", 10};
    if (submit_head(s, status, &ct, 1, n, text) != WH_OK) {
        nghttp2_submit_rst_stream(s->c->h2->s, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_INTERNAL_ERROR);
        return;
    }
    s->resp = RESP_DONE;
    if (!s->eof)
        s->rst_after = 1;
}

/* The embedder is done with the stream's request. */
static void release(hx_h2stream_t *s)
{
    s->owned = 0;
    s->want_writable = s->writable_due = 0;
    /* a body it did not read goes: the client may send the rest */
    consume(s->c, s->id, s->body.len);
    s->body.len = 0;
    hx__schedule(s->c);
}

static hx_h2stream_t *held_stream(const hx_req_t *req)
{
    hx_h2stream_t *s = req ? req->h2s : NULL;
    return s && s->owned ? s : NULL;
}

bool hx__h2_held(const hx_req_t *req)
{
    return held_stream(req) != NULL;
}

wh_arena_t *hx__h2_arena(hx_req_t *req)
{
    return &req->h2s->arena;
}

static void send_continue(hx_h2stream_t *s)
{
    s->expect_continue = 0;
    nghttp2_nv cont = nv(":status", 7, "100", 3);
    nghttp2_submit_headers(s->c->h2->s, NGHTTP2_FLAG_NONE, s->id, NULL, &cont, 1, NULL);
}

void hx__h2_pause(hx_req_t *req, bool pause)
{
    hx_h2stream_t *s = held_stream(req);
    if (!s || s->paused == pause)
        return;
    s->paused = pause;
    if (!pause) {
        if (s->expect_continue && s->resp == RESP_NONE && !s->closed)
            send_continue(s);
        s->c->h2->due = true;
        hx__schedule(s->c);
    }
}

wh_rc hx__h2_resp_start(hx_req_t *req, int status, const hx_header_t *hs, size_t n)
{
    hx_h2stream_t *s = held_stream(req);
    if (!s || s->resp != RESP_NONE)
        return WH_ARG;
    if (s->closed || s->c->closed)
        return WH_IO;
    wh_rc rc = submit_head(s, status, hs, n, -1, NULL);
    if (rc == WH_OK)
        hx__schedule(s->c);
    return rc;
}

size_t hx__h2_resp_writable(hx_req_t *req)
{
    hx_h2stream_t *s = held_stream(req);
    if (!s || s->closed || s->c->closed)
        return 0;
    size_t hwm = s->c->srv->cfg.write_buffer, p = s->out.len - s->out_off;
    /* Less than half the buffer free: the caller may want more than there
     * is (a wasi blocking write waits for 4096 bytes), so on_writable
     * follows once the stream drained below half. */
    if (p > hwm / 2)
        s->want_writable = 1;
    return p >= hwm ? 0 : hwm - p;
}

wh_rc hx__h2_resp_write(hx_req_t *req, const void *data, size_t len)
{
    hx_h2stream_t *s = held_stream(req);
    if (!s || s->resp != RESP_HEAD)
        return WH_ARG;
    if (s->closed || s->c->closed)
        return WH_IO;
    if (len == 0 || s->bodyless)
        return WH_OK;
    if (s->has_len) {
        if (len > s->resp_left)
            return WH_ARG;
        s->resp_left -= len;
    }
    if (s->out_off > 0 && s->out_off == s->out.len)
        s->out_off = s->out.len = 0;
    if (!buf_add(&s->out, data, len))
        return WH_NOMEM;
    if (s->deferred) {
        s->deferred = 0;
        nghttp2_session_resume_data(s->c->h2->s, s->id);
    }
    if (s->out.len - s->out_off >= s->c->srv->cfg.write_buffer)
        s->want_writable = 1;
    hx__schedule(s->c);
    return WH_OK;
}

wh_rc hx__h2_resp_end(hx_req_t *req, const hx_header_t *trailers, size_t n)
{
    hx_h2stream_t *s = held_stream(req);
    if (!s)
        return WH_ARG;
    if (s->resp == RESP_NONE)
        return hx__h2_resp_send(req, 200, NULL, 0, NULL, 0);
    if (s->resp != RESP_HEAD)
        return WH_ARG;
    for (size_t i = 0; i < n; i++)
        if (!hx__field_ok(&trailers[i]) || h2_drops(&trailers[i]))
            return WH_ARG;
    s->resp = RESP_DONE;
    if (s->closed || s->c->closed) {
        release(s);
        return WH_IO;
    }
    if (s->has_len && s->resp_left > 0) {
        /* a short body: the client must see it incomplete */
        nghttp2_submit_rst_stream(s->c->h2->s, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_INTERNAL_ERROR);
        release(s);
        return WH_OK;
    }
    if (n && !s->bodyless) {
        s->tnv = wh_arena_alloc(&s->arena, n * sizeof *s->tnv);
        if (!s->tnv) {
            nghttp2_submit_rst_stream(s->c->h2->s, NGHTTP2_FLAG_NONE, s->id,
                                      NGHTTP2_INTERNAL_ERROR);
            release(s);
            return WH_NOMEM;
        }
        for (size_t i = 0; i < n; i++) {
            uint8_t *name = lower(s, trailers[i].name, trailers[i].name_len);
            uint8_t *value = wh_arena_dup(&s->arena, trailers[i].value, trailers[i].value_len);
            if (!name || (!value && trailers[i].value_len)) {
                s->ntnv = 0;
                break;
            }
            s->tnv[s->ntnv++] = nv(name, trailers[i].name_len, value, trailers[i].value_len);
        }
    }
    s->out_eof = 1;
    if (s->deferred) {
        s->deferred = 0;
        nghttp2_session_resume_data(s->c->h2->s, s->id);
    }
    stop_body(s->c, s); /* a body still coming is not wanted */
    release(s);
    return WH_OK;
}

wh_rc hx__h2_resp_send(hx_req_t *req, int status, const hx_header_t *hs, size_t n, const void *body,
                       size_t len)
{
    hx_h2stream_t *s = held_stream(req);
    if (!s || s->resp != RESP_NONE)
        return WH_ARG;
    if (s->closed || s->c->closed)
        return WH_IO;
    wh_rc rc = submit_head(s, status, hs, n, (int64_t)len, body);
    if (rc != WH_OK)
        return rc;
    s->resp = RESP_DONE;
    stop_body(s->c, s); /* a body still coming is not wanted */
    release(s);
    return WH_OK;
}

void hx__h2_resp_abort(hx_req_t *req)
{
    hx_h2stream_t *s = held_stream(req);
    if (!s)
        return;
    if (!s->closed && !s->c->closed) {
        if (s->resp == RESP_NONE)
            answer_self(s, 500);
        else
            nghttp2_submit_rst_stream(s->c->h2->s, NGHTTP2_FLAG_NONE, s->id,
                                      NGHTTP2_INTERNAL_ERROR);
    }
    s->resp = RESP_DONE;
    release(s);
}

/* ---- nghttp2's callbacks: they record, dispatch() acts ---- */

static int on_begin_frame(nghttp2_session *session, const nghttp2_frame_hd *hd, void *ud)
{
    hx_conn_t *c = ud;
    hx_h2_t *h = c->h2;
    if (hd->type == NGHTTP2_HEADERS) {
        h->hb_frames = 0;
        h->hb_bytes = hd->length;
    } else if (hd->type == NGHTTP2_CONTINUATION) {
        /* CVE-2024-27316: a header block that never ends */
        h->hb_bytes += hd->length;
        if (++h->hb_frames > MAX_CONTINUATIONS || h->hb_bytes > raw_cap(&c->srv->cfg)) {
            h->goaway_code = NGHTTP2_ENHANCE_YOUR_CALM;
            return NGHTTP2_ERR_CALLBACK_FAILURE;
        }
    }
    return 0;
}

static int on_begin_headers(nghttp2_session *session, const nghttp2_frame *f, void *ud)
{
    hx_conn_t *c = ud;
    if (f->hd.type != NGHTTP2_HEADERS || f->headers.cat != NGHTTP2_HCAT_REQUEST)
        return 0;
    if (c->h2->nlive >= max_streams(c) || c->srv->stopping) {
        /* the streams the embedder still holds count too (see the top) */
        nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, f->hd.stream_id,
                                  NGHTTP2_REFUSED_STREAM);
        return 0;
    }
    hx_h2stream_t *s = stream_new(c, f->hd.stream_id);
    if (!s)
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE; /* RST_STREAM(INTERNAL_ERROR) */
    nghttp2_session_set_stream_user_data(session, s->id, s);
    return 0;
}

static const char *dup_z(hx_h2stream_t *s, const uint8_t *v, size_t n)
{
    char *p = wh_arena_alloc(&s->arena, n + 1);
    if (p) {
        memcpy(p, v, n);
        p[n] = 0;
    }
    return p;
}

static int on_header(nghttp2_session *session, const nghttp2_frame *f, const uint8_t *name,
                     size_t nl, const uint8_t *value, size_t vl, uint8_t flags, void *ud)
{
    hx_conn_t *c = ud;
    hx_h2stream_t *s = stream_of(c, f->hd.stream_id);
    if (!s || f->hd.type != NGHTTP2_HEADERS || s->too_big)
        return 0;
    const hx_config_t *cfg = &c->srv->cfg;
    s->hbytes += (uint32_t)(nl + vl);
    bool trailers = f->headers.cat != NGHTTP2_HCAT_REQUEST;
    if (s->hbytes > cfg->max_header_bytes || s->hrefs.len >= cfg->max_headers) {
        if (trailers) {
            s->why = HX_ABORT_BAD_BODY;
            return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE; /* RST_STREAM */
        }
        s->too_big = 1; /* 431 once the block is over (it must be decoded all the same) */
        return 0;
    }
    if (nl > 0 && name[0] == ':') {
        /* nghttp2 checked the pseudo-header fields (RFC 9113 8.3.1) */
        const char *v = dup_z(s, value, vl);
        if (!v)
            return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
        if (nl == 7 && !memcmp(name, ":method", 7)) {
            s->p_method = v;
        } else if (nl == 5 && !memcmp(name, ":path", 5)) {
            s->p_path = v;
            s->path_len = vl;
        } else if (nl == 10 && !memcmp(name, ":authority", 10)) {
            s->p_authority = v;
            s->authority_len = vl;
        }
        return 0;
    }
    hx__href r = {.name_off = s->hbuf.len, .name_len = (uint32_t)nl};
    if (!buf_add(&s->hbuf, (const char *)name, nl))
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    r.value_off = s->hbuf.len;
    r.value_len = (uint32_t)vl;
    if (!buf_add(&s->hbuf, (const char *)value, vl) || !wh_vec_push(&s->hrefs, r))
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    return 0;
}

/* The collected block as fields in the arena (with a Host field first, from
 * :authority, when the head has none: RFC 9113 8.3.1, as an HTTP/1.1
 * request would carry it). */
static hx_header_t *freeze(hx_h2stream_t *s, bool head, size_t *out_n)
{
    bool host = false;
    for (size_t i = 0; head && i < s->hrefs.len; i++)
        host |=
            name_is(s->hbuf.data + s->hrefs.data[i].name_off, s->hrefs.data[i].name_len, "host");
    size_t extra = head && !host && s->p_authority ? 1 : 0, n = s->hrefs.len + extra;
    char *base = wh_arena_dup(&s->arena, s->hbuf.data ? s->hbuf.data : "", s->hbuf.len);
    hx_header_t *h = wh_arena_alloc(&s->arena, (n ? n : 1) * sizeof *h);
    if (!base || !h)
        return NULL;
    if (extra)
        h[0] = (hx_header_t){"host", 4, s->p_authority, s->authority_len};
    for (size_t i = 0; i < s->hrefs.len; i++) {
        hx__href r = s->hrefs.data[i];
        h[extra + i] =
            (hx_header_t){base + r.name_off, r.name_len, base + r.value_off, r.value_len};
    }
    s->hbuf.len = 0;
    s->hrefs.len = 0;
    s->hbytes = 0;
    *out_n = n;
    return h;
}

/* The request's head is complete: the request for the embedder, or the
 * answer the server gives itself. */
static void head_complete(hx_conn_t *c, hx_h2stream_t *s, bool end_stream)
{
    hx_req_t *r = &s->req;
    s->eof = end_stream;
    if (s->too_big) {
        s->self_status = 431;
        return;
    }
    size_t n;
    hx_header_t *h = freeze(s, true, &n);
    if (!h || !s->p_method) {
        s->self_status = h ? 400 : 500;
        return;
    }
    r->method = s->p_method;
    r->headers = h;
    r->nheaders = n;
    if (!strcmp(s->p_method, "CONNECT") || !s->p_path) {
        s->self_status = 501; /* a tunnel is not something this server makes */
        return;
    }
    r->target = s->p_path;
    r->target_len = s->path_len;
    s->is_head = !strcmp(s->p_method, "HEAD");
    size_t vl;
    const char *cl = hx_req_header(r, "content-length", &vl);
    uint64_t len = 0;
    if (cl && !hx__parse_length(cl, vl, &len)) {
        s->self_status = 400;
        return;
    }
    r->content_length = end_stream ? 0 : cl ? (int64_t)len : -1;
    if (r->content_length > 0 && (uint64_t)r->content_length > c->srv->cfg.max_body_bytes) {
        s->self_status = 413;
        return;
    }
    const char *ex = hx_req_header(r, "expect", &vl);
    if (ex) {
        if (!has_token(ex, vl, "100-continue")) {
            s->self_status = 417;
            return;
        }
        s->expect_continue = !end_stream;
    }
    s->head_done = 1;
}

static int on_frame_recv(nghttp2_session *session, const nghttp2_frame *f, void *ud)
{
    hx_conn_t *c = ud;
    hx_h2_t *h = c->h2;
    if (f->hd.type == NGHTTP2_RST_STREAM) {
        /* CVE-2023-44487: a token bucket on the client's resets */
        uint64_t now = hx__now(c->srv), cap = 1000ull * RESET_BURST_PER_STREAM * max_streams(c);
        h->tokens += (now - h->tokens_at) * RESET_RATE_PER_STREAM * max_streams(c) / 10;
        if (h->tokens > cap)
            h->tokens = cap;
        h->tokens_at = now;
        if (h->tokens < 1000) {
            h->goaway_code = NGHTTP2_ENHANCE_YOUR_CALM;
            return NGHTTP2_ERR_CALLBACK_FAILURE;
        }
        h->tokens -= 1000;
        return 0;
    }
    hx_h2stream_t *s = stream_of(c, f->hd.stream_id);
    if (!s)
        return 0;
    bool end = (f->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
    if (f->hd.type == NGHTTP2_HEADERS) {
        if (f->headers.cat == NGHTTP2_HCAT_REQUEST) {
            head_complete(c, s, end);
        } else if (end && s->head_done) {
            s->trailers = freeze(s, false, &s->ntrailers);
            s->eof = 1;
            if (!s->trailers)
                s->ntrailers = 0;
        }
        h->due = true;
    } else if (f->hd.type == NGHTTP2_DATA && end) {
        s->eof = 1;
        h->due = true;
    }
    return 0;
}

static int on_data(nghttp2_session *session, uint8_t flags, int32_t id, const uint8_t *data,
                   size_t len, void *ud)
{
    hx_conn_t *c = ud;
    hx_h2stream_t *s = stream_of(c, id);
    if (!s) {
        consume(c, id, len);
        return 0;
    }
    s->body_seen += len;
    if ((s->dispatched && !s->owned) || s->self_status || s->abort_due) {
        /* nobody wants it (RST_STREAM(NO_ERROR) follows the response):
         * dropped, and its window given back */
        consume(c, id, len);
        return 0;
    }
    if (s->body_seen > c->srv->cfg.max_body_bytes) {
        consume(c, id, len);
        if (!s->dispatched) {
            s->self_status = 413;
        } else {
            s->abort_due = 1;
            s->why = HX_ABORT_BODY_TOO_LARGE;
        }
        c->h2->due = true;
        return 0;
    }
    if (!buf_add(&s->body, (const char *)data, len)) {
        consume(c, id, len);
        s->abort_due = 1;
        s->why = HX_ABORT_NOMEM;
    }
    c->h2->due = true;
    return 0;
}

/* The rest of the request body is not wanted: RST_STREAM(NO_ERROR) once
 * our response is complete (RFC 9113 8.1), or now if it is. */
static void stop_body(hx_conn_t *c, hx_h2stream_t *s)
{
    if (s->rst_after || s->closed || s->eof)
        return;
    s->rst_after = 1;
    if (nghttp2_session_get_stream_local_close(c->h2->s, s->id) == 1)
        nghttp2_submit_rst_stream(c->h2->s, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_NO_ERROR);
}

static int on_frame_send(nghttp2_session *session, const nghttp2_frame *f, void *ud)
{
    hx_conn_t *c = ud;
    if (!(f->hd.flags & NGHTTP2_FLAG_END_STREAM) ||
        (f->hd.type != NGHTTP2_DATA && f->hd.type != NGHTTP2_HEADERS))
        return 0;
    hx_h2stream_t *s = stream_of(c, f->hd.stream_id);
    if (s && s->rst_after && !s->eof)
        /* RFC 9113 8.1: the response is complete, the rest of the request
         * is not needed */
        nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_NO_ERROR);
    return 0;
}

static int on_stream_close(nghttp2_session *session, int32_t id, uint32_t code, void *ud)
{
    hx_conn_t *c = ud;
    hx_h2stream_t *s = stream_of(c, id);
    if (!s)
        return 0;
    s->closed = 1;
    nghttp2_session_set_stream_user_data(session, id, NULL);
    if (s->owned && !s->abort_due) {
        /* reset (by the client, or by nghttp2 for a protocol error) while
         * the embedder holds the request: as a client that leaves */
        s->abort_due = 1;
        if (s->why == 0)
            s->why = HX_ABORT_CLIENT_GONE;
    }
    c->h2->due = true;
    return 0;
}

/* ---- the connection ---- */

static bool session_new(hx_conn_t *c)
{
    hx_h2_t *h = wh_calloc(1, sizeof *h);
    if (!h)
        return false;
    c->h2 = h;
    nghttp2_session_callbacks *cb = NULL;
    nghttp2_option *opt = NULL;
    nghttp2_mem mem = {NULL, mem_malloc, mem_free, mem_calloc, mem_realloc};
    bool ok = nghttp2_session_callbacks_new(&cb) == 0 && nghttp2_option_new(&opt) == 0;
    if (ok) {
        nghttp2_session_callbacks_set_on_begin_frame_callback(cb, on_begin_frame);
        nghttp2_session_callbacks_set_on_begin_headers_callback(cb, on_begin_headers);
        nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
        nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data);
        nghttp2_session_callbacks_set_on_frame_send_callback(cb, on_frame_send);
        nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
        nghttp2_option_set_no_auto_window_update(opt, 1);
        /* our HPACK encoder's table stays at 4 KiB, however large a table
         * the client allows: memory per connection */
        nghttp2_option_set_max_deflate_dynamic_table_size(opt, 4096);
        ok = nghttp2_session_server_new3(&h->s, cb, c, opt, &mem) == 0;
    }
    nghttp2_session_callbacks_del(cb);
    nghttp2_option_del(opt);
    const hx_config_t *cfg = &c->srv->cfg;
    nghttp2_settings_entry iv[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, max_streams(c)},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, INITIAL_WINDOW_SIZE},
        {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
        /* RFC 9113 6.5.2: names and values plus 32 bytes a field */
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, cfg->max_header_bytes + 32 * cfg->max_headers},
    };
    if (ok)
        ok = nghttp2_submit_settings(h->s, NGHTTP2_FLAG_NONE, iv, WH_ARRAY_LEN(iv)) == 0 &&
             nghttp2_session_set_local_window_size(h->s, NGHTTP2_FLAG_NONE, 0, CONN_WINDOW) == 0;
    h->tokens = 1000ull * RESET_BURST_PER_STREAM * max_streams(c);
    h->tokens_at = hx__now(c->srv);
    return ok;
}

int hx__h2_sniff(hx_conn_t *c)
{
    size_t avail = c->in_len - c->in_off, n = avail < 24 ? avail : 24;
    bool alpn = hx__tls_alpn_h2(c);
    if (!alpn && memcmp(c->in + c->in_off, preface, n) != 0) {
        c->h2_checked = 1;
        return 0;
    }
    if (!alpn && n < 24)
        return -1;
    c->h2_checked = 1;
    if (!session_new(c)) {
        hx__h2_finish(c);
        hx__conn_kill(c, HX_ABORT_NOMEM);
        return -1;
    }
    return 1;
}

/* RFC 4648 5 base64url, the padding optional (RFC 7540 3.2.1 token68):
 * the length written, or -1 for a character outside the alphabet, a
 * length no encoding has, or more than cap bytes. */
static long b64url_decode(const char *in, size_t n, uint8_t *out, size_t cap)
{
    while (n > 0 && in[n - 1] == '=')
        n--;
    if (n % 4 == 1)
        return -1;
    uint32_t acc = 0;
    size_t bits = 0, k = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = in[i];
        int v = ch >= 'A' && ch <= 'Z'   ? ch - 'A'
                : ch >= 'a' && ch <= 'z' ? ch - 'a' + 26
                : ch >= '0' && ch <= '9' ? ch - '0' + 52
                : ch == '-'              ? 62
                : ch == '_'              ? 63
                                         : -1;
        if (v < 0)
            return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (k == cap)
                return -1;
            out[k++] = (uint8_t)(acc >> bits);
        }
    }
    return (long)k;
}

bool hx__h2_upgrade(hx_conn_t *c)
{
    static const char switching[] = "HTTP/1.1 101 Switching Protocols\r\n"
                                    "Connection: Upgrade\r\nUpgrade: h2c\r\n\r\n";
    size_t vl;
    const char *v = hx_req_header(&c->req, "http2-settings", &vl);
    uint8_t settings[256]; /* a SETTINGS payload: 6 bytes a setting */
    long len = v ? b64url_decode(v, vl, settings, sizeof settings) : -1;
    if (len < 0 || len % 6 != 0)
        return false;
    uv_buf_t b = uv_buf_init((char *)switching, sizeof switching - 1);
    hx__out_write(c, &b, 1);
    c->h2_checked = 1;
    hx_h2stream_t *s = NULL;
    if (c->closed || !session_new(c) ||
        nghttp2_session_upgrade2(c->h2->s, settings, (size_t)len, c->is_head, NULL) != 0 ||
        !(s = stream_new(c, 1))) {
        /* (a SETTINGS payload nghttp2 refuses, or out of memory) */
        hx__h2_finish(c);
        hx__conn_kill(c, HX_ABORT_BAD_BODY);
        return true;
    }
    /* The request, copied from the connection's HTTP/1.1 state into the
     * stream: it is the stream's request now, whole (it had no body). */
    hx_req_t *r = &c->req;
    const char *m = hx_req_method(r);
    hx_header_t *h = wh_arena_alloc(&s->arena, (r->nheaders ? r->nheaders : 1) * sizeof *h);
    s->req.method = dup_z(s, (const uint8_t *)m, strlen(m));
    s->req.target = dup_z(s, (const uint8_t *)r->target, r->target_len);
    bool ok = h && s->req.method && s->req.target;
    for (size_t i = 0; ok && i < r->nheaders; i++) {
        h[i].name = dup_z(s, (const uint8_t *)r->headers[i].name, r->headers[i].name_len);
        h[i].value = dup_z(s, (const uint8_t *)r->headers[i].value, r->headers[i].value_len);
        h[i].name_len = r->headers[i].name_len;
        h[i].value_len = r->headers[i].value_len;
        ok = h[i].name && h[i].value;
    }
    if (!ok) {
        hx__h2_finish(c);
        hx__conn_kill(c, HX_ABORT_NOMEM);
        return true;
    }
    s->req.target_len = r->target_len;
    s->req.headers = h;
    s->req.nheaders = r->nheaders;
    s->req.content_length = 0;
    s->is_head = c->is_head;
    s->head_done = s->eof = 1;
    nghttp2_session_set_stream_user_data(c->h2->s, 1, s);
    /* the HTTP/1.1 side is done with: what follows is the client preface */
    c->in_request = c->head_done = c->kick = 0;
    c->h2->due = true;
    return true;
}

/* Ends the session: GOAWAY with code (unless one went), what is queued is
 * written, and the connection closes. */
static void terminate(hx_conn_t *c, uint32_t code)
{
    hx_h2_t *h = c->h2;
    if (!h->dead) {
        h->dead = true;
        nghttp2_session_terminate_session(h->s, code);
    }
}

/* nghttp2's output onto the connection's queue, while it has room. */
static void send_out(hx_conn_t *c)
{
    hx_h2_t *h = c->h2;
    size_t limit = c->srv->cfg.write_buffer;
    h->obuf.len = 0;
    while (!c->closed && pending_out(c) + h->obuf.len < limit) {
        const uint8_t *d;
        ssize_t n = nghttp2_session_mem_send(h->s, &d);
        if (n < 0) {
            hx__conn_kill(c, HX_ABORT_NOMEM);
            return;
        }
        if (n == 0)
            break;
        if (!buf_add(&h->obuf, (const char *)d, (size_t)n)) {
            hx__conn_kill(c, HX_ABORT_NOMEM);
            return;
        }
    }
    if (h->obuf.len && !c->closed) {
        uv_buf_t b = uv_buf_init(h->obuf.data, h->obuf.len);
        hx__out_write(c, &b, 1);
    }
    h->obuf.len = 0;
}

/* One stream's due events, to the embedder. */
static void stream_events(hx_conn_t *c, hx_h2stream_t *s)
{
    if (s->self_status && !s->dispatched) {
        s->dispatched = 1;
        consume(c, s->id, s->body.len);
        s->body.len = 0;
        answer_self(s, s->self_status);
        return;
    }
    if (!s->dispatched) {
        if (!s->head_done || s->closed)
            return; /* reset before it was dispatched: nobody hears of it */
        s->dispatched = s->owned = 1;
        c->srv->h->on_request(&s->req, c->srv->ud);
        if (c->closed)
            return;
        if (s->owned && !s->paused && s->expect_continue && s->resp == RESP_NONE && !s->closed)
            send_continue(s);
    }
    if (!s->owned) {
        consume(c, s->id, s->body.len);
        s->body.len = 0;
        return;
    }
    if (s->abort_due) {
        bool started = s->resp != RESP_NONE;
        hx_abort_reason why = s->why;
        consume(c, s->id, s->body.len);
        s->body.len = 0;
        emit_abort(s, why);
        if (c->closed || s->closed)
            return;
        /* the stream is still open (a body too large, a timeout): the
         * client hears why, or sees the response cut */
        if (!started)
            answer_self(s, why == HX_ABORT_BODY_TOO_LARGE ? 413
                           : why == HX_ABORT_TIMEOUT      ? 408
                                                          : 500);
        else
            nghttp2_submit_rst_stream(c->h2->s, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_CANCEL);
        return;
    }
    if (!s->paused && s->body.len) {
        /* All of it in one call; the bytes stay valid during the call (only
         * nghttp2's input, never run from here, appends to them). */
        size_t len = s->body.len;
        emit_body(s, (const uint8_t *)s->body.data, len);
        if (c->closed)
            return;
        if (s->body.len == len)
            s->body.len = 0;
        consume(c, s->id, len);
        if (!s->owned)
            return;
    }
    if (!s->paused && s->eof && !s->body_end_sent && s->body.len == 0) {
        s->body_end_sent = 1;
        emit_body_end(s);
        if (c->closed || !s->owned)
            return;
    }
    if (s->writable_due) {
        s->writable_due = s->want_writable = 0;
        emit_writable(s);
    }
}

static void dispatch(hx_conn_t *c)
{
    hx_h2_t *h = c->h2;
    h->due = false;
    /* Streams are freed only by sweep(), and made only by nghttp2's input:
     * the list holds still while the embedder is called. */
    for (hx_h2stream_t *s = h->first; s && !c->closed; s = s->next)
        stream_events(c, s);
}

void hx__h2_step(hx_conn_t *c)
{
    hx_h2_t *h = c->h2;
    for (int round = 0; !c->closed && !c->closing; round++) {
        if (c->ssl && c->in_off == c->in_len) {
            hx__tls_fill(c); /* what SSL holds, now that there is room */
            if (c->closed)
                return;
        }
        bool input = c->in_off < c->in_len && !h->dead;
        if (input) {
            ssize_t r = nghttp2_session_mem_recv(h->s, (const uint8_t *)c->in + c->in_off,
                                                 c->in_len - c->in_off);
            c->in_off = c->in_len = 0;
            if (r < 0)
                /* ours (a flood) or nghttp2's (a bad preface, out of memory) */
                terminate(c, h->goaway_code           ? h->goaway_code
                             : r == NGHTTP2_ERR_NOMEM ? NGHTTP2_INTERNAL_ERROR
                                                      : NGHTTP2_PROTOCOL_ERROR);
        } else {
            c->in_off = c->in_len = 0;
        }
        for (int k = 0; k < 8 && !c->closed; k++) {
            if (h->due)
                dispatch(c);
            if (c->closed)
                return;
            send_out(c);
            if (!h->due)
                break;
        }
        sweep(c);
        if (!input || h->dead)
            break;
        if (round == 64) {
            /* a connection that keeps sending lets the others have a turn;
             * what SSL still holds is taken on the next run */
            hx__schedule(c);
            break;
        }
    }
    if (h->due)
        hx__schedule(c); /* what the last round made due goes on the next run */
    if (c->closed || c->closing)
        return;
    if (c->peer_eof) {
        /* The client shut down its side: requests that are whole may still
         * be answered; one that is not never will be. */
        bool whole = true;
        for (hx_h2stream_t *s = h->first; s; s = s->next)
            whole &= s->eof || s->closed;
        if (!h->first)
            hx__begin_close(c);
        else if (!whole)
            hx__conn_kill(c, HX_ABORT_CLIENT_GONE);
        return;
    }
    /* GOAWAY went (ours or after the client's) and nothing is left open,
     * or the session ended: the connection follows. */
    if (!nghttp2_session_want_write(h->s) && (h->dead || !nghttp2_session_want_read(h->s)))
        hx__begin_close(c);
}

void hx__h2_update_timer(hx_conn_t *c)
{
    hx_h2_t *h = c->h2;
    bool body_wait = false;
    for (hx_h2stream_t *s = h->first; s && !body_wait; s = s->next)
        body_wait = !s->closed && !s->eof && (!s->dispatched || (s->owned && !s->paused));
    hx__timer_kind k;
    if (c->writing || (c->out[c->cur].len > 0 && !c->flush_queued))
        k = HX_T_WRITE;
    else if (body_wait)
        k = HX_T_BODY; /* a head or a body the server waits for */
    else if (!h->first)
        k = h->any_stream ? HX_T_IDLE : HX_T_HEADER;
    else
        k = HX_T_NONE; /* the embedder has the requests */
    if (!h->first && h->obuf.cap > 0)
        wh_vec_free(&h->obuf);
    hx__set_timer(c, k);
}

void hx__h2_timeout(hx_conn_t *c, hx__timer_kind kind)
{
    hx_h2_t *h = c->h2;
    bool any = false;
    switch (kind) {
    case HX_T_BODY:
        /* A header block still coming: the connection's HPACK state is in
         * the middle of it, so the connection ends (below). */
        for (hx_h2stream_t *s = h->first; s && !any; s = s->next)
            any = !s->closed && !s->head_done && !s->self_status;
        if (any)
            goto end;
        /* the streams that waited: on_abort(TIMEOUT), then 408 or a reset */
        for (hx_h2stream_t *s = h->first; s; s = s->next) {
            if (s->closed || s->eof || s->abort_due || (s->dispatched && !s->owned) ||
                (s->owned && s->paused))
                continue;
            any = true;
            if (s->dispatched) {
                s->abort_due = 1;
                s->why = HX_ABORT_TIMEOUT;
            } else if (!s->self_status) {
                s->self_status = 408;
            }
        }
        if (any) {
            h->due = true;
            hx__conn_process(c);
            return;
        }
        /* fall through */
    case HX_T_HEADER:
    case HX_T_IDLE:
    end:
        terminate(c, NGHTTP2_NO_ERROR);
        send_out(c);
        hx__begin_close(c);
        break;
    case HX_T_WRITE:
    case HX_T_LINGER:
    case HX_T_NONE:
        hx__conn_kill(c, HX_ABORT_TIMEOUT);
        break;
    }
}

void hx__h2_drained(hx_conn_t *c)
{
    hx_h2_t *h = c->h2;
    if (h->s && !c->closing && nghttp2_session_want_write(h->s))
        hx__schedule(c);
}

void hx__h2_shutdown(hx_conn_t *c)
{
    hx_h2_t *h = c->h2;
    if (!h->dead)
        nghttp2_submit_goaway(h->s, NGHTTP2_FLAG_NONE,
                              nghttp2_session_get_last_proc_stream_id(h->s), NGHTTP2_NO_ERROR, NULL,
                              0);
    hx__schedule(c);
}

void hx__h2_finish(hx_conn_t *c)
{
    hx_h2_t *h = c->h2;
    if (!h)
        return;
    /* The embedder hears of each request it holds, as for HTTP/1.x; its
     * calls meanwhile find the connection closed. */
    for (hx_h2stream_t *s = h->first; s; s = s->next)
        if (s->owned)
            emit_abort(s, s->abort_due ? s->why : c->abort_why);
    while (h->first) {
        h->first->closed = 1;
        stream_free(c, h->first);
    }
    nghttp2_session_del(h->s);
    wh_vec_free(&h->obuf);
    wh_free(h);
    c->h2 = NULL;
}
