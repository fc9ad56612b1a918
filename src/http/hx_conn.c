/*
 * hx_conn.c — one HTTP/1.1 connection: bytes in through the parser
 * (hx_parse.c), the request handed to the embedder, bytes out through one
 * ordered queue.
 *
 * Invariants:
 * - One request at a time. The parser pauses at the end of each request's
 *   headers (so on_request runs outside the parser) and at the end of each
 *   message (so a pipelined request waits until the response before it has
 *   ended). Bytes read meanwhile wait in `in`, at most read_buffer of them;
 *   then reading stops and TCP pushes back on the client.
 * - The embedder's calls never re-enter the parser: whatever they make
 *   possible (the next request, a resumed body) is scheduled and runs from
 *   the loop (hx__schedule), or from the conn_process loop already on the
 *   stack (the `again` flag).
 * - Output is one queue: out[cur] collects bytes while out[cur ^ 1] is in a
 *   uv_write; when nothing is in flight, bytes go straight to uv_try_write.
 * - A connection ends in one of two ways: hx__begin_close (flush what is
 *   queued, shut down our side, read and drop until EOF or a short linger,
 *   so the client reads our last answer instead of a reset) or hx__conn_kill
 *   (close now). A request the embedder still holds then gets on_abort,
 *   from the close callback, never from inside one of the embedder's calls.
 */
#include "http/internal.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define LINGER_MS 2000
/* How long a connection waits idle between requests before it gives up its
 * buffers (hx__conn_trim): long enough that a busy keep-alive connection
 * keeps them from one request to the next, short enough that idle ones
 * cost little. */
#define TRIM_MS 10
/* Output at least this big goes to the socket at once rather than at the
 * end of the turn: it is no small response, and copying it would cost more
 * than the write saves. */
#define FLUSH_NOW (16 * 1024)

/* Never written; not const only because uv_buf_t's base is not. */
char hx__crlf[3] = "\r\n";

static void update_io(hx_conn_t *c);
static void do_shutdown(hx_conn_t *c);

/* ---- Timer ---- */

static void on_timer(uv_timer_t *t);

static uint64_t timeout_of(const hx_conn_t *c, hx__timer_kind kind)
{
    const hx_config_t *cfg = &c->srv->cfg;
    switch (kind) {
    case HX_T_HEADER:
        return cfg->header_timeout;
    case HX_T_IDLE:
        return cfg->idle_timeout;
    case HX_T_BODY:
        return cfg->body_timeout;
    case HX_T_WRITE:
        return cfg->write_timeout;
    case HX_T_LINGER:
        return LINGER_MS;
    case HX_T_NONE:
        break;
    }
    return 0;
}

/* Switches the connection's one timer to a new purpose with a fresh
 * deadline. The same purpose again keeps the deadline (a header deadline
 * is not extended by more header bytes). */
void hx__set_timer(hx_conn_t *c, hx__timer_kind kind)
{
    if (kind == c->tkind || c->closed)
        return;
    c->tkind = kind;
    uint64_t ms = timeout_of(c, kind);
    c->deadline = hx__now(c->srv) + ms;
    if (c->sink)
        return;
    if (kind == HX_T_NONE)
        uv_timer_stop(&c->timer);
    else if (kind == HX_T_IDLE && ms > TRIM_MS)
        uv_timer_start(&c->timer, on_timer, TRIM_MS, 0); /* early: to trim (on_timer) */
    else
        uv_timer_start(&c->timer, on_timer, ms, 0);
}

/* Pushes the deadline of the running purpose forward. The timer is not
 * restarted: when it fires early it re-arms for the rest, which keeps a
 * busy connection off the timer heap. */
void hx__touch_timer(hx_conn_t *c, hx__timer_kind kind)
{
    if (c->tkind == kind)
        c->deadline = hx__now(c->srv) + timeout_of(c, kind);
}

/* The purpose the timer should have now, from the connection's state. */
static void update_timer(hx_conn_t *c)
{
    if (c->closed || c->shut)
        return;
    if (c->h2) {
        hx__h2_update_timer(c);
        return;
    }
    hx__timer_kind k;
    if (c->head_done && !c->msg_done && !(c->owned && c->body_paused) &&
        (c->owned || c->resp == HX_R_DONE) && !c->closing)
        k = HX_T_BODY;
    else if (c->writing || (c->out[c->cur].len > 0 && !c->flush_queued))
        k = HX_T_WRITE; /* (output queued for the end of the turn is tried first) */
    else if (c->in_request && !c->head_done)
        k = HX_T_HEADER;
    else if (!c->in_request && !c->owned && c->resp == HX_R_NONE)
        k = c->fresh ? HX_T_HEADER : HX_T_IDLE;
    else
        k = HX_T_NONE;
    hx__set_timer(c, k);
}

/* ---- The request's events ---- */

void hx__emit_body(hx_conn_t *c, const uint8_t *data, size_t len)
{
    const hx_req_events_t *ev = c->req.ev;
    if (ev) {
        if (ev->on_body)
            ev->on_body(&c->req, data, len, c->req.ev_ud);
    } else if (c->srv->h->on_body) {
        c->srv->h->on_body(&c->req, data, len, c->srv->ud);
    }
}

void hx__emit_body_end(hx_conn_t *c, const hx_header_t *trailers, size_t n)
{
    const hx_req_events_t *ev = c->req.ev;
    if (ev) {
        if (ev->on_body_end)
            ev->on_body_end(&c->req, trailers, n, c->req.ev_ud);
    } else if (c->srv->h->on_body_end) {
        c->srv->h->on_body_end(&c->req, trailers, n, c->srv->ud);
    }
}

void hx__emit_writable(hx_conn_t *c)
{
    const hx_req_events_t *ev = c->req.ev;
    if (ev) {
        if (ev->on_writable)
            ev->on_writable(&c->req, c->req.ev_ud);
    } else if (c->srv->h->on_writable) {
        c->srv->h->on_writable(&c->req, c->srv->ud);
    }
}

void hx__emit_abort(hx_conn_t *c, hx_abort_reason why)
{
    const hx_req_events_t *ev = c->req.ev;
    if (ev) {
        if (ev->on_abort)
            ev->on_abort(&c->req, why, c->req.ev_ud);
    } else if (c->srv->h->on_abort) {
        c->srv->h->on_abort(&c->req, why, c->srv->ud);
    }
}

/* ---- Output ---- */

static void on_write(uv_write_t *w, int status);

static void out_kick(hx_conn_t *c)
{
    hx__buf *b = &c->out[c->cur];
    if (c->writing || b->len == 0 || c->closed)
        return;
    c->cur ^= 1;
    c->writing = 1;
    c->wlen = b->len;
    uv_buf_t ub = uv_buf_init(b->data, b->len);
    if (uv_write(&c->wreq, (uv_stream_t *)&c->tcp, &ub, 1, on_write) != 0) {
        c->writing = 0;
        hx__conn_kill(c, HX_ABORT_WRITE_ERROR);
    }
}

/* Appends the rest of bufs after skipping `skip` bytes of them. */
static bool out_keep(hx__buf *acc, const uv_buf_t *bufs, unsigned n, size_t skip)
{
    for (unsigned i = 0; i < n; i++) {
        size_t len = bufs[i].len;
        if (skip >= len) {
            skip -= len;
            continue;
        }
        if (!buf_add(acc, bufs[i].base + skip, len - skip))
            return false;
        skip = 0;
    }
    return true;
}

void hx__out_write(hx_conn_t *c, const uv_buf_t *bufs, unsigned n)
{
    if (c->closed || c->shut)
        return;
    hx__buf *acc = &c->out[c->cur];
    if (c->sink) {
        if (acc->len)
            c->sink(c->sink_ud, acc->data, acc->len);
        acc->len = 0;
        for (unsigned i = 0; i < n; i++)
            if (bufs[i].len)
                c->sink(c->sink_ud, bufs[i].base, bufs[i].len);
        return;
    }
    if (c->ssl) {
        /* TLS: the records go onto the queue; from here it holds them all.
         * A small write joins the head or trailers written in place before
         * it, so that a small response is one record. */
        size_t add = 0;
        for (unsigned i = 0; i < n; i++)
            add += bufs[i].len;
        uint32_t from = c->tls_plain != HX_NO_PLAIN ? c->tls_plain : acc->len;
        c->tls_plain = HX_NO_PLAIN;
        bool ok = add < FLUSH_NOW ? out_keep(acc, bufs, n, 0) && hx__tls_seal(c, from)
                                  : hx__tls_seal(c, from) && hx__tls_encrypt(c, bufs, n);
        if (!ok) {
            hx__conn_kill(c, HX_ABORT_NOMEM);
            return;
        }
        n = 0;
    }
    size_t total = acc->len, done = 0;
    for (unsigned i = 0; i < n; i++)
        total += bufs[i].len;
    if (total == 0)
        return;
    if (!c->writing && total < FLUSH_NOW && total < c->srv->cfg.write_buffer) {
        /* Small: it waits for the end of the turn with the rest of the
         * turn's output (copied now: bufs are the caller's). */
        if (!out_keep(acc, bufs, n, 0)) {
            hx__conn_kill(c, HX_ABORT_NOMEM);
            return;
        }
        hx__flush_queue(c);
        return;
    }
    if (!c->writing) {
        /* Nothing in flight: try the socket first, so the usual response
         * costs one writev and no copy. */
        uv_buf_t iov[8];
        unsigned k = 0;
        if (acc->len)
            iov[k++] = uv_buf_init(acc->data, acc->len);
        for (unsigned i = 0; i < n && k < WH_ARRAY_LEN(iov); i++)
            if (bufs[i].len)
                iov[k++] = bufs[i];
        int r = uv_try_write((uv_stream_t *)&c->tcp, iov, k);
        if (r < 0 && r != UV_EAGAIN) {
            hx__conn_kill(c, HX_ABORT_WRITE_ERROR);
            return;
        }
        done = r > 0 ? (size_t)r : 0;
        if (done == total) {
            acc->len = 0;
            return;
        }
    }
    bool ok;
    if (done >= acc->len) {
        size_t skip = done - acc->len;
        acc->len = 0;
        ok = out_keep(acc, bufs, n, skip);
    } else {
        memmove(acc->data, acc->data + done, acc->len - done);
        acc->len -= (uint32_t)done;
        ok = out_keep(acc, bufs, n, 0);
    }
    if (!ok) {
        hx__conn_kill(c, HX_ABORT_NOMEM);
        return;
    }
    out_kick(c);
}

void hx__out_flush(hx_conn_t *c)
{
    hx__out_write(c, NULL, 0);
}

/* Tells the embedder its response may take more output when it asked
 * (hx_resp_writable found output queued) and the queue has drained below
 * the write buffer; false when that closed the connection. */
static bool owe_writable(hx_conn_t *c)
{
    if (c->h2) {
        hx__h2_drained(c); /* the streams' output was held back for room */
        return !c->closed;
    }
    if (c->want_writable && c->owned && pending_out(c) < c->srv->cfg.write_buffer) {
        c->want_writable = 0;
        hx__emit_writable(c);
    }
    return !c->closed;
}

void hx__conn_flush(hx_conn_t *c)
{
    hx__buf *acc = &c->out[c->cur];
    if (c->closed || c->shut || c->writing || acc->len == 0)
        return; /* a write in flight takes the rest when it completes */
    uv_buf_t b = uv_buf_init(acc->data, acc->len);
    int r = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
    if (r < 0 && r != UV_EAGAIN) {
        hx__conn_kill(c, HX_ABORT_WRITE_ERROR);
        return;
    }
    size_t done = r > 0 ? (size_t)r : 0;
    if (done < acc->len) {
        memmove(acc->data, acc->data + done, acc->len - done);
        acc->len -= (uint32_t)done;
        out_kick(c); /* the rest when the socket takes it */
    } else {
        acc->len = 0;
    }
    /* a writer that waited for room (the turn's small writes filled the
     * buffer) hears of it now, as after a write that completes */
    if (!owe_writable(c))
        return;
    if (c->closing && !c->writing && acc->len == 0)
        do_shutdown(c);
    else
        update_timer(c);
}

static void on_write(uv_write_t *w, int status)
{
    hx_conn_t *c = w->data;
    c->writing = 0;
    c->wlen = 0;
    hx__buf *done = &c->out[c->cur ^ 1];
    done->len = 0;
    if (c->closed)
        return;
    if (status < 0) {
        hx__conn_kill(c, HX_ABORT_WRITE_ERROR);
        return;
    }
    /* A big response may have grown a buffer; don't keep it per connection. */
    if (done->cap > 4 * c->srv->cfg.write_buffer)
        wh_vec_free(done);
    hx__touch_timer(c, HX_T_WRITE);
    out_kick(c);
    if (!owe_writable(c))
        return;
    if (c->closing && !c->writing && c->out[c->cur].len == 0)
        do_shutdown(c);
    update_timer(c);
}

/* ---- Closing ---- */

void hx__conn_kill(hx_conn_t *c, hx_abort_reason why)
{
    if (c->closed)
        return;
    /* What waited for the end of the turn would have been written already
     * without that wait: it goes (once, as far as the socket takes it), so
     * that a response cut short shows its start and looks incomplete. */
    if (c->flush_queued && !c->writing && !c->shut && !c->sink && c->out[c->cur].len) {
        uv_buf_t b = uv_buf_init(c->out[c->cur].data, c->out[c->cur].len);
        (void)uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
    }
    c->closed = 1;
    c->abort_why = why;
    if (!c->sink)
        hx__conn_close_handles(c);
}

void hx__conn_finish(hx_conn_t *c)
{
    if (c->h2) {
        hx__h2_finish(c);
        return;
    }
    if (c->owned) {
        c->owned = 0;
        hx__emit_abort(c, c->abort_why);
    }
}

static void on_shutdown(uv_shutdown_t *s, int status)
{
    hx_conn_t *c = s->data;
    if (c->closed)
        return;
    if (status < 0 || c->peer_eof)
        hx__conn_kill(c, HX_ABORT_CLIENT_GONE);
}

/* Our last byte is written: send FIN, then read and drop what the client
 * still sends until its EOF, so that unread input does not turn our close
 * into a reset that could destroy the answer before the client reads it. */
static void do_shutdown(hx_conn_t *c)
{
    if (c->shut || c->closed)
        return;
    if (c->sink || c->peer_eof) {
        hx__conn_kill(c, HX_ABORT_CLIENT_GONE);
        return;
    }
    /* TLS says it is done first (close_notify), so that the client can
     * tell our end from a cut; best effort, as the FIN itself. */
    char alert[64];
    uv_buf_t b;
    if (c->ssl && hx__tls_close_notify(c, &b, alert, sizeof alert))
        (void)uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
    c->shut = 1;
    c->in_off = c->in_len = 0;
    if (uv_shutdown(&c->sreq, (uv_stream_t *)&c->tcp, on_shutdown) != 0) {
        hx__conn_kill(c, HX_ABORT_CLIENT_GONE);
        return;
    }
    c->tkind = HX_T_NONE;
    hx__set_timer(c, HX_T_LINGER);
    update_io(c);
}

void hx__begin_close(hx_conn_t *c)
{
    if (c->closed || c->closing)
        return;
    c->closing = 1;
    c->keep_alive = 0;
    if (!c->writing && c->out[c->cur].len == 0)
        do_shutdown(c);
    else
        update_timer(c);
}

/* The server answers the client itself and closes. */
void hx__send_error(hx_conn_t *c, int status)
{
    if (c->closed || c->closing)
        return;
    const char *reason = hx__reason(status);
    char head[256];
    size_t blen = strlen(reason) + 1;
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nDate: %s\r\nContent-Type: text/plain\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                     status, reason, hx__date(c->srv), blen);
    uv_buf_t b[3] = {uv_buf_init(head, (unsigned)n),
                     uv_buf_init((char *)reason, (unsigned)blen - 1), uv_buf_init(hx__crlf + 1, 1)};
    c->resp = HX_R_DONE;
    c->expect_continue = 0;
    hx__out_write(c, b, c->is_head ? 1 : 3);
    hx__begin_close(c);
}

/* The request failed on the server's side: tell the embedder, then answer
 * `status` if no response started (0: just close). Called only from the
 * loop's own callbacks, never from inside an embedder call. */
static void fail_req(hx_conn_t *c, hx_abort_reason why, int status)
{
    if (c->closed)
        return;
    bool started = c->resp != HX_R_NONE;
    if (c->owned) {
        c->owned = 0;
        hx__emit_abort(c, why);
        if (c->closed)
            return;
    }
    if (!started && status)
        hx__send_error(c, status);
    else
        hx__conn_kill(c, why);
}

/* ---- The connection's state machine ---- */

void hx__conn_init(hx_conn_t *c, hx_server_t *srv)
{
    c->srv = srv;
    hx__parse_init(c);
    memset(&c->req, 0, sizeof c->req);
    c->req.conn = c;
    if (!c->arena.chunk_size)
        wh_arena_init(&c->arena, 4096);
    c->in_off = c->in_len = 0;
    c->hbuf.len = c->out[0].len = c->out[1].len = 0;
    c->hrefs.len = 0;
    c->cur = 0;
    c->wlen = 0;
    c->body_seen = c->resp_left = 0;
    c->resp = HX_R_NONE;
    c->framing = HX_FRAME_NONE;
    c->tkind = HX_T_NONE;
    c->err_status = 0;
    c->open_handles = 0;
    c->prev = c->next = c->rprev = c->rnext = NULL;
    c->in_request = c->owned = c->head_done = c->dispatched = c->msg_done = 0;
    c->body_end_sent = c->body_paused = c->expect_continue = c->is_head = 0;
    c->in_process = c->again = c->scheduled = c->writing = 0;
    c->want_writable = c->reading = c->peer_eof = c->closing = c->shut = c->closed = 0;
    c->keep_alive = 1;
    c->fresh = 1;
    c->sink = NULL;
    c->sink_ud = NULL;
    c->ssl = NULL;
    c->tls = c->tls_started = 0;
    c->tls_plain = HX_NO_PLAIN;
    c->h2 = NULL; /* (hx__conn_finish freed a session before) */
    c->h2_checked = c->h2c_upgrade = 0;
}

void hx__conn_release(hx_conn_t *c)
{
    if (c->h2)
        hx__h2_finish(c);
    hx__tls_end(c);
    wh_arena_free(&c->arena);
    c->arena.chunk_size = 0;
    wh_free(c->in);
    c->in = NULL;
    c->in_cap = 0;
    wh_vec_free(&c->hbuf);
    wh_vec_free(&c->hrefs);
    wh_vec_free(&c->out[0]);
    wh_vec_free(&c->out[1]);
}

void hx__conn_trim(hx_conn_t *c)
{
    /* Between requests nothing refers to these: the request's head and
     * arena went with it, and the output is written. */
    bool idle = c->closed || (!c->in_request && !c->owned && c->resp == HX_R_NONE &&
                              c->in_off == c->in_len && !c->writing && pending_out(c) == 0);
    if (!idle)
        return;
    if (c->closed)
        hx__tls_end(c);
    hx__inbuf_put(c->srv, c->in);
    c->in = NULL;
    c->in_off = c->in_len = 0;
    wh_arena_free(&c->arena);
    wh_vec_free(&c->hbuf);
    wh_vec_free(&c->hrefs);
    wh_vec_free(&c->out[0]);
    wh_vec_free(&c->out[1]);
}

/* The request is over on both sides: make room for the next one. */
static void next_request(hx_conn_t *c)
{
    wh_arena_reset(&c->arena);
    memset(&c->req, 0, sizeof c->req);
    c->req.conn = c;
    c->in_request = c->owned = c->head_done = c->dispatched = c->msg_done = 0;
    c->body_end_sent = c->body_paused = c->expect_continue = c->is_head = 0;
    c->want_writable = 0;
    c->fresh = 0;
    c->resp = HX_R_NONE;
    c->framing = HX_FRAME_NONE;
    c->body_seen = c->resp_left = 0;
    c->hbuf.len = 0;
    c->hrefs.len = 0;
    c->url_len = 0;
    hx__parse_next(c);
    /* Nothing of a next request is here yet: the read buffer goes back to
     * the server's spares at once (the next bytes take one again), so that
     * waiting connections hold none; the rest waits for hx__conn_trim. */
    if (c->in && c->in_off == c->in_len && !c->sink) {
        hx__inbuf_put(c->srv, c->in);
        c->in = NULL;
        c->in_off = c->in_len = 0;
    }
}

void hx__send_continue(hx_conn_t *c)
{
    static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
    c->expect_continue = 0;
    uv_buf_t b = uv_buf_init((char *)cont, sizeof cont - 1);
    hx__out_write(c, &b, 1);
}

static void parse(hx_conn_t *c)
{
    int status = hx__parse(c);
    if (status > 0)
        fail_req(c, c->err_why, status);
    else if (status == 0 && c->in_off == c->in_len)
        c->in_off = c->in_len = 0;
}

/* The input ran out and the client has shut down its side. */
static void input_ended(hx_conn_t *c)
{
    if (!c->in_request && c->resp == HX_R_NONE) {
        hx__begin_close(c); /* between requests: a normal end */
    } else if (!c->head_done) {
        hx__conn_kill(c, HX_ABORT_CLIENT_GONE); /* half a request head: nothing to answer */
    } else if (!c->msg_done) {
        if (c->owned)
            fail_req(c, HX_ABORT_CLIENT_GONE, 0);
        else
            hx__begin_close(c); /* we answered already; the rest of the body never came */
    }
    /* else: the request is complete and its response still to come. */
}

static void step(hx_conn_t *c)
{
    const hx_handler_t *h = c->srv->h;
    for (;;) {
        if (c->closed || c->closing)
            return;
        if (c->h2) {
            hx__h2_step(c);
            return;
        }
        if (c->resp == HX_R_DONE) {
            if (!c->keep_alive) {
                hx__begin_close(c);
                return;
            }
            if (c->msg_done) {
                next_request(c);
                continue;
            }
        }
        if (c->head_done && !c->dispatched && c->h2c_upgrade) {
            c->h2c_upgrade = 0;
            if (hx__h2_upgrade(c))
                continue; /* HTTP/2 from here */
        }
        if (c->head_done && !c->dispatched) {
            c->dispatched = 1;
            c->owned = 1;
            h->on_request(&c->req, c->srv->ud);
            continue;
        }
        if (c->msg_done)
            return; /* the response is still being made */
        if (c->head_done) {
            if (c->owned && c->body_paused)
                return;
            if (c->expect_continue && c->owned && c->resp == HX_R_NONE)
                hx__send_continue(c);
        }
        if (c->ssl && c->in_off == c->in_len) {
            hx__tls_fill(c); /* what SSL holds, now that there is room */
            if (c->closed)
                return;
        }
        if (c->in_off == c->in_len && !c->kick) {
            if (c->peer_eof)
                input_ended(c);
            return;
        }
        if (c->fresh && !c->in_request && !c->h2_checked) {
            /* The connection's first bytes: HTTP/2's client preface (or
             * TLS chose h2) makes it an HTTP/2 connection from here on. */
            int r = hx__h2_sniff(c);
            if (r > 0)
                continue;
            if (r < 0) {
                if (c->peer_eof)
                    hx__conn_kill(c, HX_ABORT_CLIENT_GONE);
                return; /* a prefix of the preface: more must come */
            }
        }
        parse(c);
    }
}

void hx__conn_process(hx_conn_t *c)
{
    if (c->closed)
        return;
    if (c->in_process) {
        c->again = 1;
        return;
    }
    c->in_process = 1;
    do {
        c->again = 0;
        step(c);
    } while (c->again && !c->closed);
    c->in_process = 0;
    if (!c->closed) {
        update_io(c);
        update_timer(c);
    }
}

/* ---- Socket glue ---- */

static void on_alloc(uv_handle_t *hd, size_t suggested, uv_buf_t *buf)
{
    hx_conn_t *c = hd->data;
    if (c->tls) {
        /* ciphertext: it goes into SSL at once (hx__tls_input) */
        size_t len;
        char *b = hx__tls_scratch(c->srv, &len);
        *buf = uv_buf_init(b, (unsigned)len);
        return;
    }
    if (!c->in && !(c->in = hx__inbuf_get(c->srv))) {
        *buf = uv_buf_init(NULL, 0); /* on_read gets UV_ENOBUFS */
        return;
    }
    if (c->in_off > 0) {
        memmove(c->in, c->in + c->in_off, c->in_len - c->in_off);
        c->in_len -= c->in_off;
        c->in_off = 0;
    }
    *buf = uv_buf_init(c->in + c->in_len, (unsigned)(c->in_cap - c->in_len));
}

static void conn_input(hx_conn_t *c, size_t n)
{
    if (c->closed)
        return;
    if (c->shut) {
        c->in_off = c->in_len = 0; /* lingering: drop */
        return;
    }
    c->in_len += n;
    hx__touch_timer(c, HX_T_BODY);
    hx__conn_process(c);
}

static void tls_input(hx_conn_t *c, const char *data, size_t n)
{
    if (c->closed || c->shut)
        return; /* lingering: dropped */
    hx__tls_input(c, data, n);
    if (c->closed)
        return;
    hx__touch_timer(c, HX_T_BODY);
    hx__conn_process(c); /* the plaintext comes out in step */
}

static void conn_eof(hx_conn_t *c, int status)
{
    if (c->closed)
        return;
    if (status != UV_EOF || c->shut) {
        if (status != UV_EOF && c->owned)
            fail_req(c, HX_ABORT_CLIENT_GONE, 0);
        else
            hx__conn_kill(c, HX_ABORT_CLIENT_GONE);
        return;
    }
    c->peer_eof = 1;
    hx__conn_process(c);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    hx_conn_t *c = s->data;
    if (nread == UV_ENOBUFS)
        hx__conn_kill(c, HX_ABORT_NOMEM); /* no read buffer to be had */
    else if (nread > 0 && c->tls)
        tls_input(c, buf->base, (size_t)nread);
    else if (nread > 0)
        conn_input(c, (size_t)nread);
    else if (nread < 0)
        conn_eof(c, (int)nread);
}

/* Reads while there is room in `in` (or while lingering), so that a
 * connection waiting for its embedder still notices the client leaving,
 * and stops when `in` is full. */
static void update_io(hx_conn_t *c)
{
    if (c->closed || c->sink)
        return;
    bool want = !c->peer_eof && (c->shut || c->in_len - c->in_off < c->in_cap);
    if (want && !c->reading) {
        if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0)
            c->reading = 1;
        else
            hx__conn_kill(c, HX_ABORT_CLIENT_GONE);
    } else if (!want && c->reading) {
        uv_read_stop((uv_stream_t *)&c->tcp);
        c->reading = 0;
    }
}

static void on_timer(uv_timer_t *t)
{
    hx_conn_t *c = t->data;
    if (c->closed)
        return;
    uint64_t now = hx__now(c->srv);
    if (now < c->deadline) {
        if (c->tkind == HX_T_IDLE)
            hx__conn_trim(c);
        uv_timer_start(&c->timer, on_timer, c->deadline - now, 0);
        return;
    }
    hx__timer_kind k = c->tkind;
    c->tkind = HX_T_NONE;
    if (c->h2) {
        hx__h2_timeout(c, k);
        return;
    }
    switch (k) {
    case HX_T_HEADER:
        /* Something of a request arrived: it gets 408. Nothing at all: a
         * silent close, as for an idle keep-alive connection. */
        if (c->in_request)
            fail_req(c, HX_ABORT_TIMEOUT, 408);
        else
            hx__conn_kill(c, HX_ABORT_TIMEOUT);
        break;
    case HX_T_BODY:
        fail_req(c, HX_ABORT_TIMEOUT, 408);
        break;
    case HX_T_WRITE:
    case HX_T_IDLE:
    case HX_T_LINGER:
    case HX_T_NONE:
        hx__conn_kill(c, HX_ABORT_TIMEOUT);
        break;
    }
}

void hx__conn_start(hx_conn_t *c)
{
    c->tcp.data = c;
    c->timer.data = c;
    c->wreq.data = c;
    c->sreq.data = c;
    update_io(c);
    update_timer(c);
}

void hx__conn_shutdown(hx_conn_t *c, bool hard)
{
    if (c->closed)
        return;
    if (hard) {
        hx__conn_kill(c, HX_ABORT_SHUTDOWN);
        return;
    }
    if (c->h2) {
        hx__h2_shutdown(c);
        return;
    }
    c->keep_alive = 0;
    if (!c->in_request && !c->owned)
        hx__begin_close(c);
}

/* ---- Detached mode ---- */

hx_conn_t *hx__conn_new_detached(hx_server_t *srv, hx__sink_fn sink, void *sink_ud)
{
    hx_conn_t *c = wh_calloc(1, sizeof *c);
    if (!c)
        return NULL;
    hx__conn_init(c, srv);
    c->in_cap = srv->cfg.read_buffer;
    c->in = wh_malloc(c->in_cap);
    if (!c->in) {
        wh_free(c);
        return NULL;
    }
    c->sink = sink;
    c->sink_ud = sink_ud;
    return c;
}

void hx__conn_run(hx_conn_t *c)
{
    while (c->scheduled && !c->closed) {
        c->scheduled = 0;
        hx__conn_process(c);
    }
}

bool hx__conn_feed(hx_conn_t *c, const char *data, size_t len)
{
    hx__conn_run(c);
    if (len == 0) {
        if (!c->closed)
            conn_eof(c, UV_EOF);
        hx__conn_run(c);
        return !c->closed;
    }
    while (len > 0 && !c->closed) {
        if (c->in_off > 0) {
            memmove(c->in, c->in + c->in_off, c->in_len - c->in_off);
            c->in_len -= c->in_off;
            c->in_off = 0;
        }
        size_t room = c->in_cap - c->in_len;
        if (room == 0)
            break; /* the connection waits for its embedder: a real one would stop reading */
        size_t n = len < room ? len : room;
        memcpy(c->in + c->in_len, data, n);
        data += n;
        len -= n;
        conn_input(c, n);
        hx__conn_run(c);
    }
    return !c->closed;
}

void hx__conn_free_detached(hx_conn_t *c)
{
    if (!c)
        return;
    c->closed = 1;
    hx__conn_finish(c);
    hx__conn_release(c);
    wh_free(c);
}
