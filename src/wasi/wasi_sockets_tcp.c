/*
 * wasi_sockets_tcp.c — wasi:sockets/tcp and tcp-create-socket: outbound TCP
 * connections on a libuv uv_tcp_t, and the wasi:io streams over them.
 *
 * A tcp-socket goes unbound → connect-in-progress → connected, or to closed
 * when the connection attempt fails. Connecting is libuv's non-blocking
 * uv_tcp_connect; the address must pass the allow-list (else
 * access-denied). Binding and listening are refused: start-bind and
 * start-listen answer access-denied on a socket where they would otherwise
 * be allowed (invalid-state elsewhere), finish-bind and finish-listen
 * not-in-progress, accept invalid-state.
 *
 * Backpressure. The input side reads what libuv delivers into a buffer and
 * stops reading once READ_HIGH bytes wait there, until the guest consumes
 * them. The output side hands bytes to the kernel at once when it can
 * (uv_try_write) and queues the rest in libuv; check-write offers
 * WRITE_HIGH minus what is queued, and after a flush nothing until the
 * queue is empty, so blocking-flush returns once the bytes left the host.
 *
 * Lifetime. The socket object owns the uv_tcp_t; its streams and pollables
 * hold references on it, so the guest may drop them in any order. When the
 * last one goes, the handle is closed and the memory freed in the close
 * callback; libuv first runs the pending connect, write and shutdown
 * callbacks with UV_ECANCELED, which is why they look only at the socket
 * (alive until the close callback) and reach the context only through
 * `ctx`, cleared when the object is destroyed. If bytes are still queued
 * then (blocking-write-and-flush returns once they are queued, and a guest
 * may drop its socket right after), the socket lingers: it shuts down its
 * sending side, which sends them first, and closes when that is done or
 * after LINGER_MS, whichever comes first.
 */
#include "wasi_sockets_int.h"

#include <errno.h>
#include <limits.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>

enum {
    READ_HIGH = 64 * 1024,  /* stop reading from the socket with this much unread */
    READ_CHUNK = 16 * 1024, /* room offered to each libuv read */
    WRITE_HIGH = 64 * 1024, /* check-write offers this minus what libuv still queues */
    LINGER_MS = 5000,       /* how long a dropped socket may take to send its queue */
};

typedef enum { TCP_UNBOUND, TCP_CONNECTING, TCP_CONNECTED, TCP_CLOSED } tcp_state;

typedef struct {
    wasi_obj_t obj;
    wasi_ctx_t *ctx; /* NULL once destroyed (see the top) */
    uv_tcp_t tcp;
    int family; /* AF_INET or AF_INET6 */
    tcp_state state;
    uint64_t backlog; /* set-listen-backlog-size: kept, never used */
    /* connecting */
    uv_connect_t creq;
    bool connect_done; /* the connect callback ran with connect_status */
    int connect_status;
    /* the input side: bytes [roff, rlen) of rbuf are unread */
    uint8_t *rbuf;
    size_t roff, rlen, rcap;
    bool reading; /* uv_read_start is on */
    bool eof;
    int rerr;     /* a read error (libuv code), 0 if none */
    bool rd_shut; /* shutdown(receive): the input stream is closed */
    /* the output side */
    size_t wqueued; /* bytes waiting in libuv's write queue */
    bool flushing;  /* a flush waits for wqueued to reach 0 */
    int werr;       /* a write error (libuv code), 0 if none */
    bool wr_shut;   /* shutdown(send): the output stream is closed */
    bool shutting;  /* sreq is pending */
    uv_shutdown_t sreq;
    /* closing */
    bool lingering;   /* destroyed, sending its queue before closing */
    uv_timer_t timer; /* the linger's limit (initialised when lingering) */
    int open_handles; /* the memory goes when both handles are closed */
} tcp_socket_t;

typedef struct {
    wasi_istream_t s;
    tcp_socket_t *sock; /* holds a reference */
} tcp_istream_t;

typedef struct {
    wasi_ostream_t s;
    tcp_socket_t *sock; /* holds a reference */
} tcp_ostream_t;

typedef struct {
    uv_write_t req;
    tcp_socket_t *sock;
    size_t n;
    uint8_t data[];
} write_req_t;

static void wake(tcp_socket_t *t)
{
    if (t->ctx)
        wasi_ctx_notify(t->ctx);
}

static uv_stream_t *stream_of(tcp_socket_t *t)
{
    return (uv_stream_t *)&t->tcp;
}

static void read_stop(tcp_socket_t *t);

/* ---- the object ---- */

static void handle_closed(uv_handle_t *h)
{
    tcp_socket_t *t = h->data;
    if (--t->open_handles == 0) {
        wh_free(t->rbuf);
        wh_free(t);
    }
}

/* Closes the socket's handles; the memory goes with the last one. */
static void close_handles(tcp_socket_t *t)
{
    if (!uv_is_closing((uv_handle_t *)&t->tcp))
        uv_close((uv_handle_t *)&t->tcp, handle_closed);
    if (t->lingering && !uv_is_closing((uv_handle_t *)&t->timer))
        uv_close((uv_handle_t *)&t->timer, handle_closed);
}

static void linger_expired(uv_timer_t *timer)
{
    close_handles(timer->data);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    tcp_socket_t *t = req->data;
    t->shutting = false;
    if (t->lingering) /* the queue went out (or the connection is gone) */
        close_handles(t);
}

static void tcp_destroy(wasi_ctx_t *ctx, wasi_obj_t *o)
{
    tcp_socket_t *t = (tcp_socket_t *)o;
    t->ctx = NULL;
    read_stop(t);
    if (t->state == TCP_CONNECTED && t->wqueued && !t->werr) {
        /* Send what is queued, then the FIN; libuv does both in order. */
        int r = 0;
        if (!t->wr_shut) {
            t->wr_shut = true;
            t->sreq.data = t;
            r = uv_shutdown(&t->sreq, stream_of(t), on_shutdown);
            t->shutting = r == 0;
        }
        if (t->shutting) {
            t->lingering = true;
            t->open_handles++;
            uv_timer_init(t->tcp.loop, &t->timer);
            t->timer.data = t;
            uv_timer_start(&t->timer, linger_expired, LINGER_MS, 0);
            return;
        }
    }
    close_handles(t);
}

static const wasi_objtype_t type_tcp_socket = {"tcp-socket", tcp_destroy};

/* ---- reading ---- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    tcp_socket_t *t = h->data;
    if (t->roff == t->rlen)
        t->roff = t->rlen = 0;
    if (t->rcap - t->rlen < READ_CHUNK && t->roff) {
        memmove(t->rbuf, t->rbuf + t->roff, t->rlen - t->roff);
        t->rlen -= t->roff;
        t->roff = 0;
    }
    if (t->rcap - t->rlen < READ_CHUNK) {
        uint8_t *p = wh_realloc(t->rbuf, t->rlen + READ_CHUNK);
        if (!p) {
            *buf = uv_buf_init(NULL, 0); /* libuv then reports UV_ENOBUFS */
            return;
        }
        t->rbuf = p;
        t->rcap = t->rlen + READ_CHUNK;
    }
    *buf = uv_buf_init((char *)t->rbuf + t->rlen, (unsigned)(t->rcap - t->rlen));
}

static void read_stop(tcp_socket_t *t)
{
    if (t->reading)
        uv_read_stop(stream_of(t));
    t->reading = false;
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
    tcp_socket_t *t = st->data;
    if (nread > 0) {
        t->rlen += (size_t)nread;
        if (t->rlen - t->roff >= READ_HIGH)
            read_stop(t);
    } else if (nread == UV_EOF) {
        t->eof = true;
        read_stop(t);
    } else if (nread < 0) {
        t->rerr = (int)nread;
        read_stop(t);
    } else {
        return; /* nothing was there after all */
    }
    wake(t);
}

/* Reads on while there is room, the stream is open and nothing failed. */
static void read_start(tcp_socket_t *t)
{
    if (t->reading || t->eof || t->rerr || t->rd_shut || t->state != TCP_CONNECTED ||
        t->rlen - t->roff >= READ_HIGH)
        return;
    int r = uv_read_start(stream_of(t), on_alloc, on_read);
    if (r)
        t->rerr = r;
    else
        t->reading = true;
}

static void drop_input(tcp_socket_t *t)
{
    wh_free(t->rbuf);
    t->rbuf = NULL;
    t->roff = t->rlen = t->rcap = 0;
}

static wasi_io_status in_read(wasi_ctx_t *ctx, wasi_istream_t *st, uint8_t *buf, size_t max,
                              size_t *n, wasi_ioerr_t *e)
{
    tcp_socket_t *t = ((tcp_istream_t *)st)->sock;
    if (t->rd_shut)
        return WASI_IO_CLOSED;
    size_t avail = t->rlen - t->roff;
    if (avail) {
        size_t k = avail < max ? avail : max;
        memcpy(buf, t->rbuf + t->roff, k);
        t->roff += k;
        if (t->roff == t->rlen) {
            t->roff = t->rlen = 0;
            if (t->rcap > READ_CHUNK) /* an idle connection keeps little */
                drop_input(t);
        }
        *n = k;
        read_start(t);
        return WASI_IO_OK;
    }
    if (t->eof)
        return WASI_IO_CLOSED;
    if (t->rerr) {
        *e = wasi_sock_ioerr(wasi_sock_error_from_uv(t->rerr), uv_strerror(t->rerr));
        return WASI_IO_FAILED;
    }
    read_start(t);
    return WASI_IO_OK; /* nothing yet */
}

static bool in_ready(wasi_ctx_t *ctx, wasi_istream_t *st)
{
    tcp_socket_t *t = ((tcp_istream_t *)st)->sock;
    return t->rd_shut || t->roff < t->rlen || t->eof || t->rerr;
}

static void in_arm(wasi_ctx_t *ctx, wasi_istream_t *st)
{
    read_start(((tcp_istream_t *)st)->sock); /* on_read wakes the guest */
}

static void in_destroy(wasi_ctx_t *ctx, wasi_istream_t *st)
{
    tcp_istream_t *s = (tcp_istream_t *)st;
    wasi_obj_unref(ctx, &s->sock->obj);
    wh_free(s);
}

static const wasi_istream_ops in_ops = {in_read, in_ready, in_arm, in_destroy};

/* ---- writing ---- */

static wasi_io_status write_failed(tcp_socket_t *t, wasi_ioerr_t *e)
{
    *e = wasi_sock_ioerr(wasi_sock_error_from_uv(t->werr), uv_strerror(t->werr));
    return WASI_IO_FAILED;
}

static void on_write(uv_write_t *req, int status)
{
    write_req_t *w = req->data;
    tcp_socket_t *t = w->sock;
    t->wqueued -= w->n;
    if (status < 0 && status != UV_ECANCELED && !t->werr)
        t->werr = status;
    if (t->wqueued == 0)
        t->flushing = false;
    wh_free(w);
    wake(t);
}

static wasi_io_status out_check_write(wasi_ctx_t *ctx, wasi_ostream_t *st, size_t *n,
                                      wasi_ioerr_t *e)
{
    tcp_socket_t *t = ((tcp_ostream_t *)st)->sock;
    if (t->wr_shut)
        return WASI_IO_CLOSED;
    if (t->werr)
        return write_failed(t, e);
    *n = t->flushing || t->wqueued >= WRITE_HIGH ? 0 : WRITE_HIGH - t->wqueued;
    return WASI_IO_OK;
}

static wasi_io_status out_write(wasi_ctx_t *ctx, wasi_ostream_t *st, const uint8_t *buf, size_t n,
                                wasi_ioerr_t *e)
{
    tcp_socket_t *t = ((tcp_ostream_t *)st)->sock;
    if (t->wr_shut)
        return WASI_IO_CLOSED;
    if (t->werr)
        return write_failed(t, e);
    if (t->wqueued == 0) {
        /* Straight to the kernel when it takes it: no copy, no queue. */
        uv_buf_t b = uv_buf_init((char *)buf, (unsigned)n);
        int r = uv_try_write(stream_of(t), &b, 1);
        if (r >= 0 && (size_t)r == n)
            return WASI_IO_OK;
        if (r < 0 && r != UV_EAGAIN) {
            t->werr = r;
            return write_failed(t, e);
        }
        if (r > 0) {
            buf += r;
            n -= (size_t)r;
        }
    }
    write_req_t *w = wh_malloc(sizeof *w + n);
    if (!w) {
        *e = wasi_sock_ioerr(WASI_SOCK_ERR_OUT_OF_MEMORY, "out of memory");
        return WASI_IO_FAILED;
    }
    memcpy(w->data, buf, n);
    w->n = n;
    w->sock = t;
    w->req.data = w;
    uv_buf_t b = uv_buf_init((char *)w->data, (unsigned)n);
    int r = uv_write(&w->req, stream_of(t), &b, 1, on_write);
    if (r) {
        wh_free(w);
        t->werr = r;
        return write_failed(t, e);
    }
    t->wqueued += n;
    return WASI_IO_OK;
}

static wasi_io_status out_flush(wasi_ctx_t *ctx, wasi_ostream_t *st, wasi_ioerr_t *e)
{
    tcp_socket_t *t = ((tcp_ostream_t *)st)->sock;
    if (t->wr_shut)
        return WASI_IO_CLOSED;
    if (t->werr)
        return write_failed(t, e);
    if (t->wqueued)
        t->flushing = true;
    return WASI_IO_OK;
}

static bool out_ready(wasi_ctx_t *ctx, wasi_ostream_t *st)
{
    tcp_socket_t *t = ((tcp_ostream_t *)st)->sock;
    return t->wr_shut || t->werr || (!t->flushing && t->wqueued < WRITE_HIGH);
}

static void out_arm(wasi_ctx_t *ctx, wasi_ostream_t *st)
{
    /* on_write wakes the guest as the queue drains */
}

static void out_destroy(wasi_ctx_t *ctx, wasi_ostream_t *st)
{
    tcp_ostream_t *s = (tcp_ostream_t *)st;
    wasi_obj_unref(ctx, &s->sock->obj);
    wh_free(s);
}

static const wasi_ostream_ops out_ops = {out_check_write, out_write, out_flush,
                                         out_ready,       out_arm,   out_destroy};

/* ---- helpers ---- */

static tcp_socket_t *sock_arg(cm_call_t *call, const cm_val_t *args)
{
    return WASI_ARG(call, &args[0], tcp_socket_t, type_tcp_socket);
}

static wh_rc ok_none(cm_call_t *call, cm_val_t *result)
{
    return wasi_ok(call, result, NULL);
}

static wh_rc fail(cm_call_t *call, cm_val_t *result, wasi_sock_error_t code)
{
    return wasi_sock_err(call, result, code);
}

/* Writing to a connection the peer has reset raises SIGPIPE, which kills
 * the process unless it is ignored; libuv leaves that to its user. Ignore
 * it unless the embedder installed its own handler. */
static void ignore_sigpipe(void)
{
    struct sigaction sa;
    if (sigaction(SIGPIPE, NULL, &sa) == 0 && !(sa.sa_flags & SA_SIGINFO) &&
        sa.sa_handler == SIG_DFL) {
        sa.sa_handler = SIG_IGN;
        sigaction(SIGPIPE, &sa, NULL);
    }
}

/* The connect errors of the WIT: on Linux EADDRNOTAVAIL means the implicit
 * bind found no ephemeral port. */
static wasi_sock_error_t connect_error(int r)
{
    return r == UV_EADDRNOTAVAIL ? WASI_SOCK_ERR_ADDRESS_IN_USE : wasi_sock_error_from_uv(r);
}

/* The checks the WIT asks of a remote address before any connect. */
static bool remote_ok(const tcp_socket_t *t, const struct sockaddr_storage *ss)
{
    if (ss->ss_family != t->family)
        return false;
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
        uint32_t a = ntohl(sin->sin_addr.s_addr);
        return sin->sin_port != 0 && a != INADDR_ANY && a != INADDR_BROADCAST && !IN_MULTICAST(a);
    }
    const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
    return sin6->sin6_port != 0 && !IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr) &&
           !IN6_IS_ADDR_MULTICAST(&sin6->sin6_addr) && !IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr);
}

/* ---- tcp-create-socket ---- */

static wh_rc create_tcp_socket(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    wasi_ctx_t *ctx = wasi_ctx_of(call);
    /* With no address allowed, a socket could never connect. */
    if (!ctx->cfg || ctx->cfg->nallow == 0)
        return fail(call, result, WASI_SOCK_ERR_ACCESS_DENIED);
    int family = args[0].of.var.tag == WASI_SOCK_IPV4 ? AF_INET : AF_INET6;
    tcp_socket_t *t = wh_calloc(1, sizeof *t);
    if (!t)
        return wasi_nomem(call);
    /* The socket exists from now on, so that options can be set and read
     * before connecting. */
    int r = uv_tcp_init_ex(ctx->loop, &t->tcp, (unsigned)family);
    if (r) {
        wh_free(t); /* a failed init leaves nothing to close */
        return fail(call, result, wasi_sock_error_from_uv(r));
    }
    t->obj = (wasi_obj_t){&type_tcp_socket, 1};
    t->ctx = ctx;
    t->tcp.data = t;
    t->open_handles = 1;
    t->family = family;
    t->backlog = 128;
    /* Nagle's delay hurts the request/response traffic guests make (a
     * database client), and WASI offers no option to turn it off. */
    uv_tcp_nodelay(&t->tcp, 1);
    uint32_t rep = wasi_table_add(ctx, &t->obj);
    if (!rep)
        return wasi_nomem(call);
    cm_val_t v = wasi_own(rep);
    return wasi_ok(call, result, &v);
}

/* ---- connecting ---- */

static void on_connect(uv_connect_t *req, int status)
{
    tcp_socket_t *t = req->data;
    t->connect_done = true;
    t->connect_status = status;
    wake(t);
}

static wh_rc tcp_start_connect(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    wasi_ctx_t *ctx = wasi_ctx_of(call);
    tcp_socket_t *t = sock_arg(call, args);
    if (!t || !WASI_ARG(call, &args[1], wasi_obj_t, wasi_type_network))
        return WH_TRAP;
    if (t->state != TCP_UNBOUND)
        return fail(call, result, WASI_SOCK_ERR_INVALID_STATE);
    struct sockaddr_storage ss;
    wasi_sock_addr_from_val(&args[2], &ss);
    if (!remote_ok(t, &ss))
        return fail(call, result, WASI_SOCK_ERR_INVALID_ARGUMENT);
    if (!wasi_allowed(ctx->cfg, (const struct sockaddr *)&ss))
        return fail(call, result, WASI_SOCK_ERR_ACCESS_DENIED);
    ignore_sigpipe();
    t->creq.data = t;
    int r = uv_tcp_connect(&t->creq, &t->tcp, (const struct sockaddr *)&ss, on_connect);
    if (r) {
        t->state = TCP_CLOSED;
        return fail(call, result, connect_error(r));
    }
    t->state = TCP_CONNECTING;
    return ok_none(call, result);
}

static wh_rc tcp_finish_connect(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    wasi_ctx_t *ctx = wasi_ctx_of(call);
    tcp_socket_t *t = sock_arg(call, args);
    if (!t)
        return WH_TRAP;
    if (t->state != TCP_CONNECTING)
        return fail(call, result, WASI_SOCK_ERR_NOT_IN_PROGRESS);
    if (!t->connect_done)
        return fail(call, result, WASI_SOCK_ERR_WOULD_BLOCK);
    if (t->connect_status < 0) {
        t->state = TCP_CLOSED;
        return fail(call, result, connect_error(t->connect_status));
    }
    tcp_istream_t *in = wh_calloc(1, sizeof *in);
    tcp_ostream_t *out = wh_calloc(1, sizeof *out);
    if (!in || !out) {
        wh_free(in);
        wh_free(out);
        return wasi_nomem(call);
    }
    wasi_istream_init(&in->s, &in_ops);
    wasi_ostream_init(&out->s, &out_ops);
    in->sock = out->sock = t;
    wasi_obj_ref(&t->obj);
    wasi_obj_ref(&t->obj);
    uint32_t rin = wasi_table_add(ctx, &in->s.obj);
    if (!rin) {
        wasi_obj_unref(ctx, &out->s.obj);
        return wasi_nomem(call);
    }
    uint32_t rout = wasi_table_add(ctx, &out->s.obj);
    if (!rout) {
        wasi_table_remove(ctx, rin);
        return wasi_nomem(call);
    }
    t->state = TCP_CONNECTED;
    read_start(t);
    cm_val_t *pair = cm_call_alloc(call, 2 * sizeof *pair);
    if (!pair)
        return wasi_nomem(call);
    pair[0] = wasi_own(rin);
    pair[1] = wasi_own(rout);
    cm_val_t tuple = {.kind = CM_TUPLE};
    tuple.of.list.v = pair;
    tuple.of.list.n = 2;
    return wasi_ok(call, result, &tuple);
}

/* ---- binding and listening: refused ---- */

static wh_rc tcp_start_bind(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    tcp_socket_t *t = sock_arg(call, args);
    if (!t || !WASI_ARG(call, &args[1], wasi_obj_t, wasi_type_network))
        return WH_TRAP;
    return fail(call, result,
                t->state == TCP_UNBOUND ? WASI_SOCK_ERR_ACCESS_DENIED
                                        : WASI_SOCK_ERR_INVALID_STATE);
}

static wh_rc tcp_start_listen(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    tcp_socket_t *t = sock_arg(call, args);
    if (!t)
        return WH_TRAP;
    return fail(call, result,
                t->state == TCP_UNBOUND ? WASI_SOCK_ERR_ACCESS_DENIED
                                        : WASI_SOCK_ERR_INVALID_STATE);
}

/* finish-bind, finish-listen: no bind or listen is ever in progress. */
static wh_rc tcp_not_in_progress(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    if (!sock_arg(call, args))
        return WH_TRAP;
    return fail(call, result, WASI_SOCK_ERR_NOT_IN_PROGRESS);
}

/* accept: a socket is never listening. */
static wh_rc tcp_accept(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    if (!sock_arg(call, args))
        return WH_TRAP;
    return fail(call, result, WASI_SOCK_ERR_INVALID_STATE);
}

static wh_rc tcp_is_listening(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    if (!sock_arg(call, args))
        return WH_TRAP;
    *result = (cm_val_t){.kind = CM_BOOL, .of.b = false};
    return WH_OK;
}

static wh_rc tcp_set_listen_backlog_size(cm_call_t *call, void *env, const cm_val_t *args,
                                         cm_val_t *result)
{
    tcp_socket_t *t = sock_arg(call, args);
    if (!t)
        return WH_TRAP;
    if (args[1].of.u == 0)
        return fail(call, result, WASI_SOCK_ERR_INVALID_ARGUMENT);
    if (t->state != TCP_UNBOUND)
        return fail(call, result, WASI_SOCK_ERR_INVALID_STATE);
    t->backlog = args[1].of.u;
    return ok_none(call, result);
}

/* ---- addresses ---- */

static wh_rc address_result(cm_call_t *call, cm_val_t *result, int r,
                            const struct sockaddr_storage *ss)
{
    if (r)
        return fail(call, result, wasi_sock_error_from_uv(r));
    cm_val_t v;
    if (!wasi_sock_addr_to_val(call, (const struct sockaddr *)ss, &v))
        return wasi_nomem(call);
    return wasi_ok(call, result, &v);
}

/* The socket is bound (implicitly, by connect) once a connect started. */
static wh_rc tcp_local_address(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    tcp_socket_t *t = sock_arg(call, args);
    if (!t)
        return WH_TRAP;
    if (t->state != TCP_CONNECTING && t->state != TCP_CONNECTED)
        return fail(call, result, WASI_SOCK_ERR_INVALID_STATE);
    struct sockaddr_storage ss;
    int len = sizeof ss;
    int r = uv_tcp_getsockname(&t->tcp, (struct sockaddr *)&ss, &len);
    return address_result(call, result, r, &ss);
}

static wh_rc tcp_remote_address(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    tcp_socket_t *t = sock_arg(call, args);
    if (!t)
        return WH_TRAP;
    if (t->state != TCP_CONNECTED)
        return fail(call, result, WASI_SOCK_ERR_INVALID_STATE);
    struct sockaddr_storage ss;
    int len = sizeof ss;
    int r = uv_tcp_getpeername(&t->tcp, (struct sockaddr *)&ss, &len);
    return address_result(call, result, r, &ss);
}

static wh_rc tcp_address_family(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    tcp_socket_t *t = sock_arg(call, args);
    if (!t)
        return WH_TRAP;
    *result = wasi_enum(t->family == AF_INET ? WASI_SOCK_IPV4 : WASI_SOCK_IPV6);
    return WH_OK;
}

/* ---- options ----
 * Read from and written to the socket itself: what a getter returns is what
 * the kernel made of the setter's value (the WIT allows clamping and
 * rounding). A closed socket answers invalid-state. */

typedef enum { OPT_BOOL, OPT_DURATION, OPT_U32, OPT_U8, OPT_U64 } opt_kind;

typedef struct {
    int level, name;
    opt_kind kind;
    int max; /* setters clamp to this (the kernel's limit) */
} opt_t;

static const opt_t opt_keepalive = {SOL_SOCKET, SO_KEEPALIVE, OPT_BOOL, 1};
static const opt_t opt_keepidle = {IPPROTO_TCP, TCP_KEEPIDLE, OPT_DURATION, 32767};
static const opt_t opt_keepintvl = {IPPROTO_TCP, TCP_KEEPINTVL, OPT_DURATION, 32767};
static const opt_t opt_keepcnt = {IPPROTO_TCP, TCP_KEEPCNT, OPT_U32, 127};
static const opt_t opt_ttl = {IPPROTO_IP, IP_TTL, OPT_U8, 255};
static const opt_t opt_hops = {IPPROTO_IPV6, IPV6_UNICAST_HOPS, OPT_U8, 255};
static const opt_t opt_rcvbuf = {SOL_SOCKET, SO_RCVBUF, OPT_U64, INT_MAX};
static const opt_t opt_sndbuf = {SOL_SOCKET, SO_SNDBUF, OPT_U64, INT_MAX};

/* The socket's fd, or an error code for the guest. */
static bool sock_fd(tcp_socket_t *t, int *fd, wasi_sock_error_t *e)
{
    uv_os_fd_t f;
    if (t->state == TCP_CLOSED || uv_fileno((const uv_handle_t *)&t->tcp, &f)) {
        *e = WASI_SOCK_ERR_INVALID_STATE;
        return false;
    }
    *fd = f;
    return true;
}

static const opt_t *hop_opt(const tcp_socket_t *t)
{
    return t->family == AF_INET ? &opt_ttl : &opt_hops;
}

static wh_rc get_opt(cm_call_t *call, const cm_val_t *args, cm_val_t *result, const opt_t *o)
{
    tcp_socket_t *t = sock_arg(call, args);
    if (!t)
        return WH_TRAP;
    if (o == &opt_ttl)
        o = hop_opt(t);
    int fd, v = 0;
    socklen_t len = sizeof v;
    wasi_sock_error_t e;
    if (!sock_fd(t, &fd, &e))
        return fail(call, result, e);
    if (getsockopt(fd, o->level, o->name, &v, &len))
        return fail(call, result, wasi_sock_error_from_uv(uv_translate_sys_error(errno)));
    cm_val_t r;
    switch (o->kind) {
    case OPT_BOOL:
        r = (cm_val_t){.kind = CM_BOOL, .of.b = v != 0};
        break;
    case OPT_DURATION:
        r = wasi_u64((uint64_t)(v < 0 ? 0 : v) * 1000000000u);
        break;
    case OPT_U32:
        r = (cm_val_t){.kind = CM_U32, .of.u = (uint32_t)(v < 0 ? 0 : v)};
        break;
    case OPT_U8:
        r = (cm_val_t){.kind = CM_U8, .of.u = (uint8_t)(v < 0 ? 64 : v > 255 ? 255 : v)};
        break;
    default:
        r = wasi_u64((uint64_t)(v < 0 ? 0 : v));
        break;
    }
    return wasi_ok(call, result, &r);
}

static wh_rc set_opt(cm_call_t *call, const cm_val_t *args, cm_val_t *result, const opt_t *o)
{
    tcp_socket_t *t = sock_arg(call, args);
    if (!t)
        return WH_TRAP;
    if (o == &opt_ttl)
        o = hop_opt(t);
    uint64_t u = o->kind == OPT_BOOL ? args[1].of.b : args[1].of.u;
    if (o->kind != OPT_BOOL && u == 0)
        return fail(call, result, WASI_SOCK_ERR_INVALID_ARGUMENT);
    if (o->kind == OPT_DURATION) /* seconds, rounded up */
        u = u / 1000000000u + (u % 1000000000u != 0);
    int v = u > (uint64_t)o->max ? o->max : (int)u;
    int fd;
    wasi_sock_error_t e;
    if (!sock_fd(t, &fd, &e))
        return fail(call, result, e);
    if (setsockopt(fd, o->level, o->name, &v, sizeof v))
        return fail(call, result, wasi_sock_error_from_uv(uv_translate_sys_error(errno)));
    return ok_none(call, result);
}

#define OPT_FUNCS(fname, opt)                                                                      \
    static wh_rc get_##fname(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)   \
    {                                                                                              \
        return get_opt(call, args, result, &opt);                                                  \
    }                                                                                              \
    static wh_rc set_##fname(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)   \
    {                                                                                              \
        return set_opt(call, args, result, &opt);                                                  \
    }
OPT_FUNCS(keepalive, opt_keepalive)
OPT_FUNCS(keepidle, opt_keepidle)
OPT_FUNCS(keepintvl, opt_keepintvl)
OPT_FUNCS(keepcnt, opt_keepcnt)
OPT_FUNCS(hops, opt_ttl) /* IP_TTL or IPV6_UNICAST_HOPS by the family */
OPT_FUNCS(rcvbuf, opt_rcvbuf)
OPT_FUNCS(sndbuf, opt_sndbuf)
#undef OPT_FUNCS

/* ---- subscribe, shutdown ---- */

/* Ready when no connect is under way or it has come to an end; with no
 * operation pending the pollable is ready at once. */
static bool sock_ready(wasi_ctx_t *ctx, wasi_obj_t *o)
{
    tcp_socket_t *t = (tcp_socket_t *)o;
    return t->state != TCP_CONNECTING || t->connect_done;
}

static void sock_arm(wasi_ctx_t *ctx, wasi_obj_t *o)
{
    /* on_connect wakes the guest */
}

static const wasi_pollops_t sock_poll = {sock_ready, sock_arm};

static wh_rc tcp_subscribe(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    tcp_socket_t *t = sock_arg(call, args);
    if (!t)
        return WH_TRAP;
    uint32_t rep = wasi_pollable_new(wasi_ctx_of(call), &t->obj, &sock_poll, 0);
    if (!rep)
        return wasi_nomem(call);
    *result = wasi_own(rep);
    return WH_OK;
}

enum { SHUT_RECEIVE, SHUT_SEND, SHUT_BOTH }; /* shutdown-type */

static wh_rc tcp_shutdown(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    tcp_socket_t *t = sock_arg(call, args);
    if (!t)
        return WH_TRAP;
    if (t->state != TCP_CONNECTED)
        return fail(call, result, WASI_SOCK_ERR_INVALID_STATE);
    uint32_t how = args[1].of.var.tag;
    int fd;
    wasi_sock_error_t e;
    if (how != SHUT_SEND && !t->rd_shut) {
        /* What is buffered is dropped; the input stream reads as closed. */
        t->rd_shut = true;
        read_stop(t);
        drop_input(t);
        if (sock_fd(t, &fd, &e))
            shutdown(fd, SHUT_RD); /* ENOTCONN once the peer is gone: nothing to do */
    }
    if (how != SHUT_RECEIVE && !t->wr_shut) {
        /* libuv sends the FIN after what is still queued. */
        t->wr_shut = true;
        t->sreq.data = t;
        t->shutting = uv_shutdown(&t->sreq, stream_of(t), on_shutdown) == 0;
    }
    return ok_none(call, result);
}

/* ---- the interfaces ---- */

/* clang-format off */
static const wasi_typedef_t tcp_types[] = {
    {"input-stream", "resource"},
    {"output-stream", "resource"},
    {"pollable", "resource"},
    {"duration", "u64"},
    WASI_SOCK_NETWORK_TYPES,
    {"shutdown-type", "enum { receive, send, both }"},
    {"tcp-socket", "resource"},
};

#define TS "func(self: borrow<tcp-socket>"
#define RES_ERR(ok) " -> result<" ok ", error-code>"
static const wasi_func_t tcp_funcs[] = {
    {"[method]tcp-socket.start-bind",
     TS ", network: borrow<network>, local-address: ip-socket-address)" RES_ERR("_"),
     tcp_start_bind},
    {"[method]tcp-socket.finish-bind", TS ")" RES_ERR("_"), tcp_not_in_progress},
    {"[method]tcp-socket.start-connect",
     TS ", network: borrow<network>, remote-address: ip-socket-address)" RES_ERR("_"),
     tcp_start_connect},
    {"[method]tcp-socket.finish-connect",
     TS ")" RES_ERR("tuple<input-stream, output-stream>"), tcp_finish_connect},
    {"[method]tcp-socket.start-listen", TS ")" RES_ERR("_"), tcp_start_listen},
    {"[method]tcp-socket.finish-listen", TS ")" RES_ERR("_"), tcp_not_in_progress},
    {"[method]tcp-socket.accept",
     TS ")" RES_ERR("tuple<tcp-socket, input-stream, output-stream>"), tcp_accept},
    {"[method]tcp-socket.local-address", TS ")" RES_ERR("ip-socket-address"), tcp_local_address},
    {"[method]tcp-socket.remote-address", TS ")" RES_ERR("ip-socket-address"),
     tcp_remote_address},
    {"[method]tcp-socket.is-listening", TS ") -> bool", tcp_is_listening},
    {"[method]tcp-socket.address-family", TS ") -> ip-address-family", tcp_address_family},
    {"[method]tcp-socket.set-listen-backlog-size", TS ", value: u64)" RES_ERR("_"),
     tcp_set_listen_backlog_size},
    {"[method]tcp-socket.keep-alive-enabled", TS ")" RES_ERR("bool"), get_keepalive},
    {"[method]tcp-socket.set-keep-alive-enabled", TS ", value: bool)" RES_ERR("_"),
     set_keepalive},
    {"[method]tcp-socket.keep-alive-idle-time", TS ")" RES_ERR("duration"), get_keepidle},
    {"[method]tcp-socket.set-keep-alive-idle-time", TS ", value: duration)" RES_ERR("_"),
     set_keepidle},
    {"[method]tcp-socket.keep-alive-interval", TS ")" RES_ERR("duration"), get_keepintvl},
    {"[method]tcp-socket.set-keep-alive-interval", TS ", value: duration)" RES_ERR("_"),
     set_keepintvl},
    {"[method]tcp-socket.keep-alive-count", TS ")" RES_ERR("u32"), get_keepcnt},
    {"[method]tcp-socket.set-keep-alive-count", TS ", value: u32)" RES_ERR("_"), set_keepcnt},
    {"[method]tcp-socket.hop-limit", TS ")" RES_ERR("u8"), get_hops},
    {"[method]tcp-socket.set-hop-limit", TS ", value: u8)" RES_ERR("_"), set_hops},
    {"[method]tcp-socket.receive-buffer-size", TS ")" RES_ERR("u64"), get_rcvbuf},
    {"[method]tcp-socket.set-receive-buffer-size", TS ", value: u64)" RES_ERR("_"), set_rcvbuf},
    {"[method]tcp-socket.send-buffer-size", TS ")" RES_ERR("u64"), get_sndbuf},
    {"[method]tcp-socket.set-send-buffer-size", TS ", value: u64)" RES_ERR("_"), set_sndbuf},
    {"[method]tcp-socket.subscribe", TS ") -> pollable", tcp_subscribe},
    {"[method]tcp-socket.shutdown", TS ", shutdown-type: shutdown-type)" RES_ERR("_"),
     tcp_shutdown},
};
#undef TS
#undef RES_ERR

static const wasi_typedef_t tcp_create_types[] = {
    WASI_SOCK_NETWORK_TYPES,
    {"tcp-socket", "resource"},
};
/* clang-format on */
static const wasi_func_t tcp_create_funcs[] = {
    {"create-tcp-socket",
     "func(address-family: ip-address-family) -> result<tcp-socket, error-code>",
     create_tcp_socket},
};

wh_rc wasi_link_sockets_tcp(cm_linker_t *l, wh_err_t *err)
{
    wh_rc rc;
    if ((rc = wasi_define(l, SOCK_TCP, tcp_types, WH_ARRAY_LEN(tcp_types), tcp_funcs,
                          WH_ARRAY_LEN(tcp_funcs), err)) ||
        (rc = wasi_define(l, SOCK_TCP_CREATE, tcp_create_types, WH_ARRAY_LEN(tcp_create_types),
                          tcp_create_funcs, WH_ARRAY_LEN(tcp_create_funcs), err)))
        return rc;
    return WH_OK;
}
