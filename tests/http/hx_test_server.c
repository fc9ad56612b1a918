/*
 * hx_test_server.c — a small server on the hx API for the HTTP tests (not
 * installed). Routes:
 *   /hello              "hello world\n" in one write (Content-Length)
 *   /echo               the request body streamed back, chunked, with
 *                       backpressure both ways
 *   /big?n=BYTES[&chunked=1]  n bytes of 'a'..'z' repeated, streamed as the
 *                       socket drains
 *   /slow?ms=N          answers after a timer
 *   /trailers           reads a (chunked) body, answers with its trailers
 *                       listed in the body and trailers of its own
 *   /status?code=N      an empty-bodied answer with that status
 *   /abort              starts a response, then gives up (incomplete)
 *   /stats              connections, requests and aborts so far
 *   /proto              the request's HTTP version and scheme ("HTTP/2.0 https")
 * An absolute-form target (http://host/hello) is routed by its path.
 * The same routes over HTTP/1.1 and HTTP/2 (each stream a request), with
 * TLS when given --tls-cert and --tls-key.
 * Prints "listening HOST PORT" on stdout once ready; SIGTERM or SIGINT
 * starts a graceful shutdown (--grace ms) and the process exits when it
 * has drained.
 */
#include "http/hx.h"

#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { R_HELLO, R_ECHO, R_BIG, R_SLOW, R_TRAILERS, R_OTHER };

typedef struct worker {
    uv_loop_t loop;
    uv_signal_t sigterm, sigint;
    hx_server_t *srv;
    pthread_t thread;
    uint64_t requests, aborts;
    uint32_t grace;
} worker;

typedef struct slow_timer {
    uv_timer_t t;
    hx_req_t *req; /* NULL once the request was aborted */
} slow_timer;

typedef struct {
    int route;
    uint64_t left, pos, body_bytes;
    slow_timer *timer;
} rq;

static char pattern[65536 + 26];

static bool query_u64(const char *target, size_t len, const char *key, uint64_t *out)
{
    char buf[512];
    if (len >= sizeof buf)
        return false;
    memcpy(buf, target, len);
    buf[len] = 0;
    char *q = strchr(buf, '?');
    size_t kl = strlen(key);
    while (q) {
        q++;
        if (strncmp(q, key, kl) == 0 && q[kl] == '=') {
            *out = strtoull(q + kl + 1, NULL, 10);
            return true;
        }
        q = strchr(q, '&');
    }
    return false;
}

static bool path_is(const char *target, size_t len, const char *path)
{
    size_t pl = strlen(path);
    return len >= pl && memcmp(target, path, pl) == 0 && (len == pl || target[pl] == '?');
}

static void send_text(hx_req_t *req, int status, const char *text)
{
    hx_header_t h = {"Content-Type", 12, "text/plain", 10};
    hx_resp_send(req, status, &h, 1, text, strlen(text));
}

/* Writes the /big pattern while the socket has room; ends when all is out. */
static void big_fill(hx_req_t *req, rq *st)
{
    while (st->left > 0) {
        size_t w = hx_resp_writable(req);
        if (w == 0)
            return; /* on_writable continues */
        size_t n = st->left < w ? (size_t)st->left : w;
        if (n > 65536)
            n = 65536;
        if (hx_resp_write(req, pattern + st->pos % 26, n) != WH_OK)
            return;
        st->pos += n;
        st->left -= n;
    }
    hx_resp_end(req, NULL, 0);
}

static void slow_closed(uv_handle_t *h)
{
    free(h->data);
}

static void slow_fire(uv_timer_t *t)
{
    slow_timer *s = t->data;
    if (s->req) {
        rq *st = hx_req_data(s->req);
        st->timer = NULL;
        send_text(s->req, 200, "slow\n");
    }
    uv_close((uv_handle_t *)t, slow_closed);
}

static void on_request(hx_req_t *req, void *ud)
{
    worker *w = ud;
    w->requests++;
    size_t tlen;
    const char *target = hx_req_target(req, &tlen);
    rq *st = wh_arena_calloc(hx_req_arena(req), sizeof *st);
    if (!st) {
        hx_resp_abort(req);
        return;
    }
    hx_req_set_data(req, st);
    st->route = R_OTHER;
    /* An absolute-form target (http://host/path) is routed by its path. */
    const char *scheme = tlen > 3 && target[0] != '/' ? memchr(target, ':', tlen) : NULL;
    if (scheme && (size_t)(target + tlen - scheme) > 3 && !memcmp(scheme, "://", 3)) {
        const char *path = scheme + 3, *end = target + tlen;
        while (path < end && *path != '/')
            path++;
        tlen = (size_t)(end - path);
        target = path;
    }
    if (path_is(target, tlen, "/hello")) {
        st->route = R_HELLO;
        send_text(req, 200, "hello world\n");
    } else if (path_is(target, tlen, "/echo")) {
        st->route = R_ECHO;
        hx_header_t h = {"Content-Type", 12, "application/octet-stream", 24};
        hx_resp_start(req, 200, &h, 1);
    } else if (path_is(target, tlen, "/big")) {
        st->route = R_BIG;
        uint64_t n = 0, chunked = 0;
        query_u64(target, tlen, "n", &n);
        query_u64(target, tlen, "chunked", &chunked);
        char len[32];
        snprintf(len, sizeof len, "%" PRIu64, n);
        hx_header_t h[2] = {{"Content-Type", 12, "application/octet-stream", 24},
                            {"Content-Length", 14, len, strlen(len)}};
        hx_resp_start(req, 200, h, chunked ? 1 : 2);
        st->left = n;
        big_fill(req, st);
    } else if (path_is(target, tlen, "/slow")) {
        st->route = R_SLOW;
        uint64_t ms = 500;
        query_u64(target, tlen, "ms", &ms);
        slow_timer *s = malloc(sizeof *s);
        if (!s) {
            hx_resp_abort(req);
            return;
        }
        s->req = req;
        s->t.data = s;
        st->timer = s;
        uv_timer_init(&w->loop, &s->t);
        uv_timer_start(&s->t, slow_fire, ms, 0);
    } else if (path_is(target, tlen, "/trailers")) {
        st->route = R_TRAILERS;
    } else if (path_is(target, tlen, "/status")) {
        uint64_t code = 200;
        query_u64(target, tlen, "code", &code);
        send_text(req, (int)code, "status\n");
    } else if (path_is(target, tlen, "/abort")) {
        hx_resp_start(req, 200, NULL, 0);
        hx_resp_write(req, "partial", 7);
        hx_resp_abort(req);
    } else if (path_is(target, tlen, "/proto")) {
        int major, minor;
        hx_req_version(req, &major, &minor);
        char text[64];
        snprintf(text, sizeof text, "HTTP/%d.%d %s\n", major, minor,
                 hx_req_secure(req) ? "https" : "http");
        send_text(req, 200, text);
    } else if (path_is(target, tlen, "/stats")) {
        char text[256];
        snprintf(text, sizeof text, "connections %u\nrequests %" PRIu64 "\naborts %" PRIu64 "\n",
                 hx_server_connections(w->srv), w->requests, w->aborts);
        send_text(req, 200, text);
    } else {
        send_text(req, 404, "not found\n");
    }
}

static void on_body(hx_req_t *req, const uint8_t *data, size_t len, void *ud)
{
    rq *st = hx_req_data(req);
    st->body_bytes += len;
    if (st->route == R_ECHO) {
        hx_resp_write(req, data, len);
        if (hx_resp_writable(req) == 0)
            hx_req_pause_body(req);
    }
}

static void on_body_end(hx_req_t *req, const hx_header_t *tr, size_t n, void *ud)
{
    rq *st = hx_req_data(req);
    if (st->route == R_ECHO) {
        hx_resp_end(req, NULL, 0);
    } else if (st->route == R_TRAILERS) {
        hx_header_t h[2] = {{"Content-Type", 12, "text/plain", 10},
                            {"Trailer", 7, "X-Server-Trailer", 16}};
        hx_resp_start(req, 200, h, 2);
        char line[512];
        int k = snprintf(line, sizeof line, "body-bytes: %" PRIu64 "\n", st->body_bytes);
        hx_resp_write(req, line, (size_t)k);
        for (size_t i = 0; i < n; i++) {
            k = snprintf(line, sizeof line, "trailer %.*s: %.*s\n", (int)tr[i].name_len, tr[i].name,
                         (int)tr[i].value_len, tr[i].value);
            hx_resp_write(req, line, (size_t)k);
        }
        char count[16];
        snprintf(count, sizeof count, "%zu", n);
        hx_header_t t[2] = {{"X-Server-Trailer", 16, "done", 4},
                            {"X-Request-Trailers", 18, count, strlen(count)}};
        hx_resp_end(req, t, 2);
    }
}

static void on_writable(hx_req_t *req, void *ud)
{
    rq *st = hx_req_data(req);
    if (st->route == R_ECHO)
        hx_req_resume_body(req);
    else if (st->route == R_BIG)
        big_fill(req, st);
}

static void on_abort(hx_req_t *req, hx_abort_reason why, void *ud)
{
    worker *w = ud;
    w->aborts++;
    rq *st = hx_req_data(req);
    if (st && st->timer) {
        st->timer->req = NULL;
        uv_timer_stop(&st->timer->t);
        uv_close((uv_handle_t *)&st->timer->t, slow_closed);
        st->timer = NULL;
    }
}

/* One line at most a second (the server's pace), read by fd_test.py. */
static void on_fd_exhausted(hx_server_t *srv, int err, uint64_t refused, uint32_t paused, void *ud)
{
    fprintf(stderr,
            "hx_test_server: out of file descriptors (%s): refused %" PRIu64 ", paused %u, "
            "open %u\n",
            err == UV_ENFILE ? "ENFILE" : "EMFILE", refused, paused, hx_server_connections(srv));
}

static const hx_handler_t handler = {
    .on_request = on_request,
    .on_body = on_body,
    .on_body_end = on_body_end,
    .on_writable = on_writable,
    .on_abort = on_abort,
    .on_fd_exhausted = on_fd_exhausted,
};

static void drained(hx_server_t *srv, void *ud)
{
    worker *w = ud;
    uv_close((uv_handle_t *)&w->sigterm, NULL);
    uv_close((uv_handle_t *)&w->sigint, NULL);
}

static void on_signal(uv_signal_t *s, int signum)
{
    worker *w = s->data;
    uv_signal_stop(&w->sigterm);
    uv_signal_stop(&w->sigint);
    hx_server_shutdown(w->srv, w->grace, drained, w);
}

static void *run_worker(void *arg)
{
    worker *w = arg;
    uv_run(&w->loop, UV_RUN_DEFAULT);
    return NULL;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: hx_test_server [--host H] [--port P] [--workers N] [--grace MS]\n"
            "  [--max-header-bytes N] [--max-headers N] [--max-body N] [--header-timeout MS]\n"
            "  [--idle-timeout MS] [--body-timeout MS] [--write-timeout MS]\n"
            "  [--write-buffer N] [--read-buffer N] [--max-conns N] [--h2-max-streams N]\n"
            "  [--tls-cert FILE --tls-key FILE]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    hx_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    const char *host = "127.0.0.1";
    int port = 0, nworkers = 1;
    uint32_t grace = 10000;
    const char *tls_cert = NULL, *tls_key = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc)
            usage();
        unsigned long long v = strtoull(argv[i + 1], NULL, 10);
        if (!strcmp(a, "--host"))
            host = argv[i + 1];
        else if (!strcmp(a, "--port"))
            port = (int)v;
        else if (!strcmp(a, "--workers"))
            nworkers = (int)v;
        else if (!strcmp(a, "--grace"))
            grace = (uint32_t)v;
        else if (!strcmp(a, "--max-header-bytes"))
            cfg.max_header_bytes = (uint32_t)v;
        else if (!strcmp(a, "--max-headers"))
            cfg.max_headers = (uint32_t)v;
        else if (!strcmp(a, "--max-body"))
            cfg.max_body_bytes = v;
        else if (!strcmp(a, "--header-timeout"))
            cfg.header_timeout = (uint32_t)v;
        else if (!strcmp(a, "--idle-timeout"))
            cfg.idle_timeout = (uint32_t)v;
        else if (!strcmp(a, "--body-timeout"))
            cfg.body_timeout = (uint32_t)v;
        else if (!strcmp(a, "--write-timeout"))
            cfg.write_timeout = (uint32_t)v;
        else if (!strcmp(a, "--write-buffer"))
            cfg.write_buffer = (uint32_t)v;
        else if (!strcmp(a, "--read-buffer"))
            cfg.read_buffer = (uint32_t)v;
        else if (!strcmp(a, "--max-conns"))
            cfg.max_connections = (uint32_t)v;
        else if (!strcmp(a, "--h2-max-streams"))
            cfg.h2_max_streams = (uint32_t)v;
        else if (!strcmp(a, "--tls-cert"))
            tls_cert = argv[i + 1];
        else if (!strcmp(a, "--tls-key"))
            tls_key = argv[i + 1];
        else
            usage();
        i++;
    }
    if (nworkers < 1 || nworkers > 64)
        usage();
    signal(SIGPIPE, SIG_IGN);
    for (int i = 0; i < (int)sizeof pattern; i++)
        pattern[i] = (char)('a' + i % 26);
    cfg.reuseport = nworkers > 1;
    hx_tls_t *tls = NULL;
    if (tls_cert || tls_key) {
        wh_err_t err;
        if (!tls_cert || !tls_key) {
            fprintf(stderr, "hx_test_server: --tls-cert and --tls-key go together\n");
            return 2;
        }
        if (hx_tls_new(tls_cert, tls_key, &tls, &err) != WH_OK) {
            fprintf(stderr, "hx_test_server: %s\n", err.msg);
            return 1;
        }
        cfg.tls = tls;
    }

    worker *ws = calloc((size_t)nworkers, sizeof *ws);
    if (!ws)
        return 1;
    for (int i = 0; i < nworkers; i++) {
        worker *w = &ws[i];
        w->grace = grace;
        uv_loop_init(&w->loop);
        wh_err_t err;
        if (hx_server_new(&w->loop, host, port, &cfg, &handler, w, &w->srv, &err) != WH_OK) {
            fprintf(stderr, "hx_test_server: %s\n", err.msg);
            return 1;
        }
        port = hx_server_port(w->srv); /* the other workers share it */
        cfg.join = nworkers > 1;
        uv_signal_init(&w->loop, &w->sigterm);
        uv_signal_init(&w->loop, &w->sigint);
        w->sigterm.data = w->sigint.data = w;
        uv_signal_start(&w->sigterm, on_signal, SIGTERM);
        uv_signal_start(&w->sigint, on_signal, SIGINT);
    }
    printf("listening %s %d\n", host, port);
    fflush(stdout);
    for (int i = 1; i < nworkers; i++)
        pthread_create(&ws[i].thread, NULL, run_worker, &ws[i]);
    run_worker(&ws[0]);
    for (int i = 1; i < nworkers; i++)
        pthread_join(ws[i].thread, NULL);
    for (int i = 0; i < nworkers; i++) {
        hx_server_free(ws[i].srv);
        uv_loop_close(&ws[i].loop);
    }
    free(ws);
    hx_tls_free(tls);
    return 0;
}
