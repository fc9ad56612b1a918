/*
 * hx_server.c — the listener and what a server shares among its
 * connections: accepting (and refusing past max_connections, or when out of
 * file descriptors), the list of connections to process from the loop, the
 * Date header, spare connection objects, and graceful shutdown.
 *
 * A server is confined to its loop; everything here runs on that thread.
 * Its memory is freed only after every handle it owns has reported its
 * close (libuv may still touch a handle until its close callback).
 *
 * Accepting is ours, on a uv_poll_t, rather than uv_listen's: when the
 * process is out of descriptors, libuv 1.44 (uv__server_io) accepts and
 * closes the waiting connections with a reserve descriptor of its own and
 * never tells the callback, and once that reserve is lost (another thread
 * took the freed slot) it calls back UV_EMFILE in a loop that does not
 * return to the event loop. Here the reserve is the server's: each waiting
 * connection gets a 503 and is counted for the embedder's log; without a
 * reserve, accepting pauses for ACCEPT_PAUSE_MS, so the loop never spins.
 */
#define _GNU_SOURCE /* accept4 */
#include "http/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Closed connections kept for the next accept (without their buffers). */
#define MAX_SPARE 64
/* Read buffers kept for the next connection that reads. */
#define MAX_SPARE_IN 64
/* Connections taken per wake-up of the listener, so that a flood of them
 * does not hold up the loop's other work (the listener stays readable). */
#define ACCEPT_BATCH 64
/* How long accepting rests when no descriptor is to be had at all. */
#define ACCEPT_PAUSE_MS 100

/* The answer to a connection refused for lack of room (max_connections, or
 * no descriptor); written once, without reading the request. */
static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\n"
                           "Content-Type: text/plain\r\nContent-Length: 20\r\n"
                           "Connection: close\r\nRetry-After: 1\r\n\r\n"
                           "Service Unavailable\n";

void hx_config_defaults(hx_config_t *cfg)
{
    *cfg = (hx_config_t){
        .max_header_bytes = 16384,
        .max_headers = 100,
        .max_body_bytes = 16u << 20,
        .header_timeout = 10000,
        .idle_timeout = 60000,
        .body_timeout = 30000,
        .write_timeout = 30000,
        .write_buffer = 65536,
        .read_buffer = 16384,
        .max_connections = 10000,
        .h2_max_streams = 100,
        .backlog = 4096,
        .reuseport = false,
        .join = false,
    };
}

static void config_merge(hx_config_t *o, const hx_config_t *in)
{
    hx_config_defaults(o);
    if (!in)
        return;
#define TAKE(f)                                                                                    \
    if (in->f)                                                                                     \
        o->f = in->f;
    TAKE(max_header_bytes)
    TAKE(max_headers)
    TAKE(max_body_bytes)
    TAKE(header_timeout)
    TAKE(idle_timeout)
    TAKE(body_timeout)
    TAKE(write_timeout)
    TAKE(write_buffer)
    TAKE(read_buffer)
    TAKE(max_connections)
    TAKE(h2_max_streams)
    TAKE(backlog)
#undef TAKE
    o->reuseport = in->reuseport;
    o->join = in->join;
    o->tls = in->tls;
}

uint64_t hx__now(hx_server_t *srv)
{
    return srv->loop ? uv_now(srv->loop) : 0;
}

/* RFC 9110 5.6.7 IMF-fixdate, rendered at most once a second. */
const char *hx__date(hx_server_t *srv)
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t now = time(NULL);
    if ((int64_t)now != srv->date_sec) {
        struct tm tm;
        gmtime_r(&now, &tm);
        snprintf(srv->date, sizeof srv->date, "%s, %02d %s %04d %02d:%02d:%02d GMT",
                 days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900,
                 tm.tm_hour, tm.tm_min, tm.tm_sec);
        srv->date_sec = (int64_t)now;
    }
    return srv->date;
}

/* ---- Connections to process from the loop ---- */

static void ready_unlink(hx_server_t *srv, hx_conn_t *c)
{
    if (c->rprev)
        c->rprev->rnext = c->rnext;
    else
        srv->ready = c->rnext;
    if (c->rnext)
        c->rnext->rprev = c->rprev;
    else
        srv->ready_tail = c->rprev;
    c->rprev = c->rnext = NULL;
    srv->nready--;
}

static void on_idle(uv_idle_t *idle)
{
    hx_server_t *srv = idle->data;
    /* Only those queued now: one that queues itself again waits a turn. */
    uint32_t n = srv->nready;
    while (n-- > 0 && srv->ready) {
        hx_conn_t *c = srv->ready;
        ready_unlink(srv, c);
        c->scheduled = 0;
        hx__conn_process(c);
    }
    /* Output waiting for the end of the turn keeps it too: poll must not
     * block before the check phase writes it. */
    if (!srv->ready && !srv->flush)
        uv_idle_stop(&srv->idle);
}

void hx__schedule(hx_conn_t *c)
{
    hx_server_t *srv = c->srv;
    if (c->closed)
        return;
    if (c->in_process) {
        c->again = 1;
        return;
    }
    if (c->scheduled)
        return;
    c->scheduled = 1;
    if (srv->detached)
        return;
    c->rnext = NULL;
    c->rprev = srv->ready_tail;
    if (srv->ready_tail)
        srv->ready_tail->rnext = c;
    else
        srv->ready = c;
    srv->ready_tail = c;
    srv->nready++;
    /* An idle handle also keeps the loop from blocking in poll, so work
     * queued from a timer callback runs in the same turn. */
    if (!uv_is_active((uv_handle_t *)&srv->idle))
        uv_idle_start(&srv->idle, on_idle);
}

/* ---- Connection objects ---- */

/* ---- Output at the end of the loop's turn ----
 * Responses made during a turn wait in their connections' output buffers
 * and are written when the poll phase is over (a uv_check handle), one
 * after the other: a client that waits in epoll for many connections is
 * then woken once for the burst rather than once per response. While
 * something waits, the idle handle keeps the loop from blocking in poll, so
 * output made before the poll phase (timers, idle callbacks) also goes in
 * the same turn. */

static void flush_unlink(hx_server_t *srv, hx_conn_t *c)
{
    if (c->fprev)
        c->fprev->fnext = c->fnext;
    else
        srv->flush = c->fnext;
    if (c->fnext)
        c->fnext->fprev = c->fprev;
    else
        srv->flush_tail = c->fprev;
    c->fprev = c->fnext = NULL;
    c->flush_queued = 0;
}

static void on_flush(uv_check_t *h)
{
    hx_server_t *srv = h->data;
    /* Only those queued now: one that queues again goes next turn. */
    hx_conn_t *last = srv->flush_tail;
    while (srv->flush) {
        hx_conn_t *c = srv->flush;
        flush_unlink(srv, c);
        hx__conn_flush(c);
        if (c == last)
            break;
    }
    if (!srv->flush) {
        uv_check_stop(&srv->flusher);
        if (!srv->ready)
            uv_idle_stop(&srv->idle);
    }
}

void hx__flush_queue(hx_conn_t *c)
{
    hx_server_t *srv = c->srv;
    if (c->flush_queued || c->closed)
        return;
    c->flush_queued = 1;
    c->fnext = NULL;
    c->fprev = srv->flush_tail;
    if (srv->flush_tail)
        srv->flush_tail->fnext = c;
    else
        srv->flush = c;
    srv->flush_tail = c;
    if (!uv_is_active((uv_handle_t *)&srv->flusher))
        uv_check_start(&srv->flusher, on_flush);
    if (!uv_is_active((uv_handle_t *)&srv->idle))
        uv_idle_start(&srv->idle, on_idle);
}

/* ---- Input buffers ----
 * A connection has its read buffer only while it reads a request: it takes
 * one when bytes arrive and gives it back once it waits, idle, for the
 * next request (hx__conn_trim), so that thousands of idle connections cost
 * their structs alone. Buffers given back are kept for the next taker, up
 * to MAX_SPARE_IN, linked through their first bytes. */

char *hx__inbuf_get(hx_server_t *srv)
{
    char *b = srv->spare_in;
    if (b) {
        memcpy(&srv->spare_in, b, sizeof(char *));
        srv->nspare_in--;
        return b;
    }
    return wh_malloc(srv->cfg.read_buffer);
}

void hx__inbuf_put(hx_server_t *srv, char *b)
{
    if (!b)
        return;
    if (srv->nspare_in >= MAX_SPARE_IN || srv->cfg.read_buffer < sizeof(char *) || srv->stopping) {
        wh_free(b);
        return;
    }
    memcpy(b, &srv->spare_in, sizeof(char *));
    srv->spare_in = b;
    srv->nspare_in++;
}

static hx_conn_t *conn_get(hx_server_t *srv)
{
    hx_conn_t *c = srv->spare;
    if (c) {
        srv->spare = c->next;
        srv->nspare--;
    } else {
        c = wh_calloc(1, sizeof *c);
        if (!c)
            return NULL;
    }
    hx__conn_init(c, srv);
    c->in_cap = srv->cfg.read_buffer; /* the buffer itself comes with the first bytes */
    return c;
}

static void maybe_done(hx_server_t *srv);

static void on_conn_close(uv_handle_t *h)
{
    hx_conn_t *c = h->data;
    if (--c->open_handles > 0)
        return;
    hx_server_t *srv = c->srv;
    hx__conn_finish(c);
    if (c->prev)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    srv->nconns--;
    if (srv->nspare < MAX_SPARE && !srv->stopping) {
        hx__conn_trim(c);
        c->next = srv->spare;
        srv->spare = c;
        srv->nspare++;
    } else {
        hx__conn_release(c);
        wh_free(c);
    }
    maybe_done(srv);
}

void hx__conn_close_handles(hx_conn_t *c)
{
    if (c->scheduled) {
        ready_unlink(c->srv, c);
        c->scheduled = 0;
    }
    if (c->flush_queued)
        flush_unlink(c->srv, c);
    uv_close((uv_handle_t *)&c->tcp, on_conn_close);
    uv_close((uv_handle_t *)&c->timer, on_conn_close);
}

/* ---- Accepting ---- */

/* Takes an accepted socket as a connection. */
static void take(hx_server_t *srv, int fd, const struct sockaddr_storage *peer)
{
    hx_conn_t *c = conn_get(srv);
    if (!c) {
        close(fd); /* out of memory: the client sees the connection end */
        return;
    }
    uv_tcp_init(srv->loop, &c->tcp);
    uv_timer_init(srv->loop, &c->timer);
    c->tcp.data = c;
    c->timer.data = c;
    c->open_handles = 2;
    c->prev = NULL;
    c->next = srv->conns;
    if (srv->conns)
        srv->conns->prev = c;
    srv->conns = c;
    srv->nconns++;
    if (uv_tcp_open(&c->tcp, fd) != 0) {
        close(fd);
        c->closed = 1;
        hx__conn_close_handles(c);
        return;
    }
    if (srv->nconns > srv->cfg.max_connections) {
        /* Over the limit: one short answer, no reading, and close (on a
         * TLS port just the close: no handshake is spent on it). */
        uv_buf_t b = uv_buf_init((char *)busy, sizeof busy - 1);
        if (!srv->cfg.tls)
            uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
        c->closed = 1;
        hx__conn_close_handles(c);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    c->peer = *peer;
    c->tls = srv->cfg.tls != NULL; /* its SSL object comes with its first bytes */
    hx__conn_start(c);
}

static int open_reserve(void)
{
    return open("/dev/null", O_RDONLY | O_CLOEXEC);
}

/* accept(2) errors that concern one connection only (Linux reports the new
 * socket's pending network errors there): the next may be fine. */
static bool accept_retry(int e)
{
    return e == EINTR || e == ECONNABORTED || e == EPROTO || e == ENETDOWN || e == ENOPROTOOPT ||
           e == EHOSTDOWN || e == ENONET || e == EHOSTUNREACH || e == EOPNOTSUPP ||
           e == ENETUNREACH;
}

static void on_fd_report(uv_timer_t *t);

/* Hands the counts to the embedder and starts the quiet second; with
 * nothing to report, the timer is left to lapse. */
static void fd_report(hx_server_t *srv, bool rearm)
{
    if (srv->fd_refused == 0 && srv->fd_pauses == 0)
        return;
    if (srv->h->on_fd_exhausted)
        srv->h->on_fd_exhausted(srv, srv->fd_err, srv->fd_refused, srv->fd_pauses, srv->ud);
    srv->fd_refused = 0;
    srv->fd_pauses = 0;
    if (rearm)
        uv_timer_start(&srv->fd_report, on_fd_report, 1000, 0);
}

static void on_fd_report(uv_timer_t *t)
{
    fd_report(t->data, true);
}

/* A shortage was counted: report now, unless a report went out less than a
 * second ago (then the timer reports the sum). */
static void fd_note(hx_server_t *srv, int err)
{
    srv->fd_err = err;
    if (!uv_is_active((uv_handle_t *)&srv->fd_report))
        fd_report(srv, true);
}

static void on_acceptable(uv_poll_t *h, int status, int events);

static void on_accept_wait(uv_timer_t *t)
{
    hx_server_t *srv = t->data;
    if (srv->stopping)
        return;
    if (srv->reserve_fd < 0)
        srv->reserve_fd = open_reserve();
    uv_poll_start(&srv->listener, UV_READABLE, on_acceptable);
}

static void pause_accepting(hx_server_t *srv)
{
    uv_poll_stop(&srv->listener);
    uv_timer_start(&srv->accept_wait, on_accept_wait, ACCEPT_PAUSE_MS, 0);
}

/* Out of descriptors (err): the reserve one is given up to take each
 * waiting connection, answer it 503 and close it, so that its client hears
 * why and the backlog empties (a listener left readable would wake the loop
 * at once, again and again). When that is not possible either (no reserve:
 * another thread took the freed slot, or the system is out of files),
 * accepting pauses and the connections wait in the backlog. */
static void refuse_waiting(hx_server_t *srv, int err)
{
    bool drained = false, stuck = srv->reserve_fd < 0;
    for (int i = 0; i < ACCEPT_BATCH && !drained && !stuck; i++) {
        close(srv->reserve_fd);
        int fd = accept4(srv->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        int e = errno;
        if (fd >= 0) {
            /* The socket is new, its buffer empty: one send takes it all
             * (on a TLS port, no answer: the client would not read it). */
            if (!srv->cfg.tls) {
                ssize_t n = send(fd, busy, sizeof busy - 1, MSG_NOSIGNAL);
                (void)n;
            }
            close(fd);
            srv->fd_refused++;
        }
        srv->reserve_fd = open_reserve();
        if (fd < 0 && (e == EAGAIN || e == EWOULDBLOCK))
            drained = true;
        else if ((fd < 0 && !accept_retry(e)) || srv->reserve_fd < 0)
            stuck = true;
    }
    if (stuck) {
        srv->fd_pauses++;
        pause_accepting(srv);
    }
    fd_note(srv, err);
}

static void on_acceptable(uv_poll_t *h, int status, int events)
{
    hx_server_t *srv = h->data;
    if (status < 0 || srv->stopping)
        return;
    for (int i = 0; i < ACCEPT_BATCH; i++) {
        struct sockaddr_storage peer;
        socklen_t len = sizeof peer;
        int fd =
            accept4(srv->listen_fd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            take(srv, fd, &peer);
            continue;
        }
        int e = errno;
        if (e == EAGAIN || e == EWOULDBLOCK)
            return;
        if (accept_retry(e))
            continue;
        if (e == EMFILE || e == ENFILE) {
            refuse_waiting(srv, e == EMFILE ? UV_EMFILE : UV_ENFILE);
            return;
        }
        /* ENOBUFS, ENOMEM: the kernel is short; rest a moment. */
        pause_accepting(srv);
        return;
    }
}

/* ---- Server ---- */

static void on_srv_close(uv_handle_t *h)
{
    hx_server_t *srv = h->data;
    if (--srv->open_handles == 0 && srv->done)
        srv->done(srv, srv->done_ud);
}

static void maybe_done(hx_server_t *srv)
{
    if (!srv->stopping || srv->nconns > 0 || srv->closing_handles)
        return;
    srv->closing_handles = true;
    uv_close((uv_handle_t *)&srv->idle, on_srv_close);
    uv_close((uv_handle_t *)&srv->flusher, on_srv_close);
    uv_close((uv_handle_t *)&srv->grace, on_srv_close);
    uv_close((uv_handle_t *)&srv->accept_wait, on_srv_close);
    uv_close((uv_handle_t *)&srv->fd_report, on_srv_close);
}

/* A listening socket made by hand: libuv 1.44 has no SO_REUSEPORT flag.
 *
 * Linux lets any socket of the same user that sets SO_REUSEPORT before its
 * bind join a group of such sockets, so a group cannot keep a second server
 * out: it would share the port and get half the connections. So the first
 * socket (cfg->reuseport without cfg->join) binds and listens without
 * SO_REUSEPORT, which fails when anything listens there already, a group
 * included, and sets it only then: the sockets that join it after
 * (cfg->join) are this process's, and another server, which starts the same
 * way, finds the port taken. */
static wh_rc open_listener(const char *host, int port, const hx_config_t *cfg, int *out_fd,
                           wh_err_t *err)
{
    struct sockaddr_storage ss;
    int family = AF_INET;
    socklen_t slen = sizeof(struct sockaddr_in);
    if (uv_ip4_addr(host, port, (struct sockaddr_in *)&ss) != 0) {
        if (uv_ip6_addr(host, port, (struct sockaddr_in6 *)&ss) != 0)
            return wh_err(err, WH_ARG, -1,
                          "bad listen address '%s': expected a numeric IPv4 "
                          "or IPv6 address",
                          host);
        family = AF_INET6;
        slen = sizeof(struct sockaddr_in6);
    }
    int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return wh_err(err, WH_IO, -1, "socket: %s", strerror(errno));
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    const char *step = "SO_REUSEPORT";
    if (cfg->join && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
        goto fail;
    step = NULL;
    if (bind(fd, (struct sockaddr *)&ss, slen) != 0 || listen(fd, cfg->backlog) != 0)
        goto fail;
    step = "SO_REUSEPORT";
    if (cfg->reuseport && !cfg->join &&
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
        goto fail;
    *out_fd = fd;
    return WH_OK;
fail:;
    int e = errno;
    close(fd);
    if (step)
        return wh_err(err, WH_IO, -1, "%s: %s", step, strerror(e));
    if (e == EADDRINUSE)
        return wh_err(err, WH_IO, -1,
                      "cannot listen on %s port %d: %s: another server listens there "
                      "already (if it is one that shares its port by SO_REUSEPORT, this "
                      "one does not join it)",
                      host, port, strerror(e));
    return wh_err(err, WH_IO, -1, "cannot listen on %s port %d: %s", host, port, strerror(e));
}

static void free_on_close(uv_handle_t *h)
{
    hx_server_t *srv = h->data;
    if (--srv->open_handles == 0)
        wh_free(srv);
}

wh_rc hx_server_new(uv_loop_t *loop, const char *host, int port, const hx_config_t *cfg,
                    const hx_handler_t *handler, void *ud, hx_server_t **out, wh_err_t *err)
{
    *out = NULL;
    if (!loop || !host || !handler || !handler->on_request || port < 0 || port > 65535)
        return wh_err(err, WH_ARG, -1, "hx_server_new: loop, host and on_request are required");
    hx_server_t *srv = wh_calloc(1, sizeof *srv);
    if (!srv)
        return wh_err(err, WH_NOMEM, -1, "out of memory for the server");
    config_merge(&srv->cfg, cfg);
    srv->loop = loop;
    srv->h = handler;
    srv->ud = ud;
    srv->date_sec = -1;
    srv->listen_fd = srv->reserve_fd = -1;
    int fd = -1;
    wh_rc rc = open_listener(host, port, &srv->cfg, &fd, err);
    if (rc != WH_OK) {
        wh_free(srv);
        return rc;
    }
    struct sockaddr_storage ss;
    socklen_t slen = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &slen);
    srv->port = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                         : ntohs(((struct sockaddr_in *)&ss)->sin_port);
    int r = uv_poll_init(loop, &srv->listener, fd);
    if (r != 0) {
        close(fd);
        wh_free(srv);
        return wh_err(err, WH_IO, -1, "cannot listen on %s port %d: %s", host, port,
                      uv_strerror(r));
    }
    srv->listen_fd = fd;
    uv_idle_init(loop, &srv->idle);
    uv_check_init(loop, &srv->flusher);
    uv_timer_init(loop, &srv->grace);
    uv_timer_init(loop, &srv->accept_wait);
    uv_timer_init(loop, &srv->fd_report);
    srv->listener.data = srv->idle.data = srv->grace.data = srv->flusher.data = srv;
    srv->accept_wait.data = srv->fd_report.data = srv;
    srv->open_handles = 6;
    r = uv_poll_start(&srv->listener, UV_READABLE, on_acceptable);
    if (r != 0) {
        /* The handles exist now: the server is freed by their close callbacks. */
        uv_close((uv_handle_t *)&srv->listener, free_on_close);
        close(fd);
        uv_close((uv_handle_t *)&srv->idle, free_on_close);
        uv_close((uv_handle_t *)&srv->flusher, free_on_close);
        uv_close((uv_handle_t *)&srv->grace, free_on_close);
        uv_close((uv_handle_t *)&srv->accept_wait, free_on_close);
        uv_close((uv_handle_t *)&srv->fd_report, free_on_close);
        return wh_err(err, WH_IO, -1, "cannot listen on %s port %d: %s", host, port,
                      uv_strerror(r));
    }
    /* Kept for the day descriptors run out (it may fail if they already
     * have: accepting then pauses instead, and tries again). */
    srv->reserve_fd = open_reserve();
    srv->listening = true;
    *out = srv;
    return WH_OK;
}

int hx_server_port(const hx_server_t *srv)
{
    return srv->port;
}

uint32_t hx_server_connections(const hx_server_t *srv)
{
    return srv->nconns;
}

static void on_grace(uv_timer_t *t)
{
    hx_server_t *srv = t->data;
    for (hx_conn_t *c = srv->conns; c; c = c->next)
        hx__conn_shutdown(c, true);
}

void hx_server_shutdown(hx_server_t *srv, uint32_t grace_ms, void (*done)(hx_server_t *, void *),
                        void *done_ud)
{
    if (!srv || srv->stopping)
        return;
    srv->stopping = true;
    srv->done = done;
    srv->done_ud = done_ud;
    if (srv->listening) {
        srv->listening = false;
        /* uv_close stops polling first; the socket is ours to close. */
        uv_close((uv_handle_t *)&srv->listener, on_srv_close);
        close(srv->listen_fd);
        srv->listen_fd = -1;
        uv_timer_stop(&srv->accept_wait);
        uv_timer_stop(&srv->fd_report);
        fd_report(srv, false);
    }
    /* Connections only close from here (their callbacks come later), so
     * the list stays whole while we walk it. */
    for (hx_conn_t *c = srv->conns; c; c = c->next)
        hx__conn_shutdown(c, false);
    if (grace_ms)
        uv_timer_start(&srv->grace, on_grace, grace_ms, 0);
    maybe_done(srv);
}

void hx_server_free(hx_server_t *srv)
{
    if (!srv)
        return;
    while (srv->spare) {
        hx_conn_t *c = srv->spare;
        srv->spare = c->next;
        hx__conn_release(c);
        wh_free(c);
    }
    while (srv->spare_in) {
        char *b = srv->spare_in;
        memcpy(&srv->spare_in, b, sizeof(char *));
        wh_free(b);
    }
    if (srv->reserve_fd >= 0)
        close(srv->reserve_fd);
    wh_free(srv->tls_scratch);
    wh_free(srv);
}

/* ---- Detached mode ---- */

hx_server_t *hx__server_new_detached(const hx_config_t *cfg, const hx_handler_t *h, void *ud)
{
    hx_server_t *srv = wh_calloc(1, sizeof *srv);
    if (!srv)
        return NULL;
    config_merge(&srv->cfg, cfg);
    srv->h = h;
    srv->ud = ud;
    srv->detached = true;
    srv->date_sec = -1;
    srv->listen_fd = srv->reserve_fd = -1;
    return srv;
}

void hx__server_free_detached(hx_server_t *srv)
{
    wh_free(srv);
}
