/*
 * hx_server.c — the listener and what a server shares among its
 * connections: accepting (and refusing past max_connections), the list of
 * connections to process from the loop, the Date header, spare connection
 * objects, and graceful shutdown.
 *
 * A server is confined to its loop; everything here runs on that thread.
 * Its memory is freed only after every handle it owns has reported its
 * close (libuv may still touch a handle until its close callback).
 */
#include "http/internal.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Closed connections kept, with their buffers, for the next accept. */
#define MAX_SPARE 64

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
        .backlog = 511,
        .reuseport = false,
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
    TAKE(backlog)
#undef TAKE
    o->reuseport = in->reuseport;
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
    if (!srv->ready)
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
    if (!c->in || c->in_cap != srv->cfg.read_buffer) {
        wh_free(c->in);
        c->in_cap = srv->cfg.read_buffer;
        c->in = wh_malloc(c->in_cap);
        if (!c->in) {
            hx__conn_release(c);
            wh_free(c);
            return NULL;
        }
    }
    hx__conn_init(c, srv);
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
        wh_arena_reset(&c->arena);
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
    uv_close((uv_handle_t *)&c->tcp, on_conn_close);
    uv_close((uv_handle_t *)&c->timer, on_conn_close);
}

static void on_connection(uv_stream_t *ls, int status)
{
    hx_server_t *srv = ls->data;
    if (status < 0 || srv->stopping)
        return;
    hx_conn_t *c = conn_get(srv);
    if (!c)
        return; /* out of memory: the connection waits in the backlog */
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
    if (uv_accept(ls, (uv_stream_t *)&c->tcp) != 0) {
        c->closed = 1;
        hx__conn_close_handles(c);
        return;
    }
    if (srv->nconns > srv->cfg.max_connections) {
        /* Over the limit: one short answer, no reading, and close. */
        static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\n"
                                   "Content-Type: text/plain\r\nContent-Length: 20\r\n"
                                   "Connection: close\r\nRetry-After: 1\r\n\r\n"
                                   "Service Unavailable\n";
        uv_buf_t b = uv_buf_init((char *)busy, sizeof busy - 1);
        uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
        c->closed = 1;
        hx__conn_close_handles(c);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    int len = sizeof c->peer;
    uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&c->peer, &len);
    hx__conn_start(c);
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
    uv_close((uv_handle_t *)&srv->grace, on_srv_close);
}

/* A listening socket made by hand: libuv 1.44 has no SO_REUSEPORT flag. */
static wh_rc open_listener(const char *host, int port, const hx_config_t *cfg, int *out_fd,
                           wh_err_t *err)
{
    struct sockaddr_storage ss;
    int family = AF_INET;
    socklen_t slen = sizeof(struct sockaddr_in);
    if (uv_ip4_addr(host, port, (struct sockaddr_in *)&ss) != 0) {
        if (uv_ip6_addr(host, port, (struct sockaddr_in6 *)&ss) != 0)
            return wh_err(err, WH_ARG, -1, "bad listen address '%s': expected a numeric IPv4 "
                                           "or IPv6 address", host);
        family = AF_INET6;
        slen = sizeof(struct sockaddr_in6);
    }
    int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return wh_err(err, WH_IO, -1, "socket: %s", strerror(errno));
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (cfg->reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
        int e = errno;
        close(fd);
        return wh_err(err, WH_IO, -1, "SO_REUSEPORT: %s", strerror(e));
    }
    if (bind(fd, (struct sockaddr *)&ss, slen) != 0 || listen(fd, cfg->backlog) != 0) {
        int e = errno;
        close(fd);
        return wh_err(err, WH_IO, -1, "cannot listen on %s port %d: %s", host, port,
                      strerror(e));
    }
    *out_fd = fd;
    return WH_OK;
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
    uv_tcp_init(loop, &srv->listener);
    uv_idle_init(loop, &srv->idle);
    uv_timer_init(loop, &srv->grace);
    srv->listener.data = srv->idle.data = srv->grace.data = srv;
    srv->open_handles = 3;
    int r = uv_tcp_open(&srv->listener, fd);
    bool owned = r == 0; /* from here the handle closes fd */
    if (r == 0)
        r = uv_listen((uv_stream_t *)&srv->listener, srv->cfg.backlog, on_connection);
    if (r != 0) {
        if (!owned)
            close(fd);
        /* The handles exist now: the server is freed by their close callbacks. */
        uv_close((uv_handle_t *)&srv->listener, free_on_close);
        uv_close((uv_handle_t *)&srv->idle, free_on_close);
        uv_close((uv_handle_t *)&srv->grace, free_on_close);
        return wh_err(err, WH_IO, -1, "cannot listen on %s port %d: %s", host, port,
                      uv_strerror(r));
    }
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
        uv_close((uv_handle_t *)&srv->listener, on_srv_close);
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
    return srv;
}

void hx__server_free_detached(hx_server_t *srv)
{
    wh_free(srv);
}
