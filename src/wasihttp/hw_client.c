/*
 * hw_client.c — the outbound side's plumbing: libcurl set up once per
 * process, the operator's settings and extra CA certificates shared by
 * every worker (hw_outbound_t), and per loop one libcurl multi handle
 * driven by libuv (hw_client_t): libcurl says which sockets to watch and
 * when to time out (its socket and timer callbacks), the loop tells it what
 * happened (curl_multi_socket_action), and finished transfers go back to
 * hw_outgoing.c.
 *
 * The multi handle owns the connection cache, so a connection made for
 * one instance's request is reused by the next request of any instance on
 * the same loop. A share handle adds the DNS cache and TLS sessions.
 *
 * Invariant: a libuv handle of the client (the two timers, one poll per
 * socket) is freed only in its close callback; the client itself is freed
 * by the last of those callbacks once hw_client_free has run.
 */
#include "wasihttp/internal.h"

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <string.h>

enum { TICK_MS = 25 };

/* ---- once per process ---- */

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc;

static void global_init(void)
{
    global_rc = curl_global_init_mem(CURL_GLOBAL_DEFAULT, wh_malloc, wh_free, wh_realloc, wh_strdup,
                                     wh_calloc);
}

wh_rc hw_global_init(wh_err_t *err)
{
    pthread_once(&global_once, global_init);
    if (global_rc != CURLE_OK)
        return wh_err(err, WH_IO, -1, "libcurl cannot start: %s", curl_easy_strerror(global_rc));
    return WH_OK;
}

/* ---- the shared settings ---- */

void hw_outbound_config_init(hw_outbound_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->max_connections = 256;
    cfg->max_host_connections = 64;
    cfg->max_requests = 32;
    cfg->idle_timeout_ms = 60000;
    cfg->connect_timeout_ms = 10000;
    cfg->first_byte_timeout_ms = 30000;
    cfg->between_bytes_timeout_ms = 30000;
}

static wh_rc load_cas(hw_outbound_t *ob, const char *file, wh_err_t *err)
{
    BIO *bio = BIO_new_file(file, "r");
    if (!bio)
        return wh_err(err, WH_IO, -1, "--outbound-ca %s: cannot be read", file);
    wh_rc rc = WH_OK;
    X509 *x;
    while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
        void **n = wh_realloc(ob->cas, (ob->ncas + 1) * sizeof *n);
        if (!n) {
            X509_free(x);
            rc = wh_err(err, WH_NOMEM, -1, "out of memory");
            break;
        }
        ob->cas = n;
        ob->cas[ob->ncas++] = x;
    }
    ERR_clear_error(); /* the end of the file reads as an error */
    BIO_free(bio);
    if (!rc && ob->ncas == 0)
        rc = wh_err(err, WH_IO, -1, "--outbound-ca %s: no PEM certificate in it", file);
    return rc;
}

wh_rc hw_outbound_new(const hw_outbound_config_t *cfg, hw_outbound_t **out, wh_err_t *err)
{
    *out = NULL;
    wh_rc rc = hw_global_init(err);
    if (rc)
        return rc;
    hw_outbound_t *ob = wh_calloc(1, sizeof *ob);
    if (!ob)
        return wh_err(err, WH_NOMEM, -1, "out of memory");
    ob->cfg = *cfg;
    if (cfg->ca_file && (rc = load_cas(ob, cfg->ca_file, err))) {
        hw_outbound_free(ob);
        return rc;
    }
    *out = ob;
    return WH_OK;
}

const hw_outbound_config_t *hw_outbound_config(const hw_outbound_t *ob)
{
    return &ob->cfg;
}

void hw_outbound_free(hw_outbound_t *ob)
{
    if (!ob)
        return;
    for (size_t i = 0; i < ob->ncas; i++)
        X509_free(ob->cas[i]);
    wh_free(ob->cas);
    wh_free(ob);
}

/* libcurl has made the TLS context of a new connection, with the system's
 * CA store: add the operator's certificates to it. */
static CURLcode add_cas(CURL *easy, void *ssl_ctx, void *ud)
{
    const hw_outbound_t *ob = ud;
    X509_STORE *store = SSL_CTX_get_cert_store(ssl_ctx);
    for (size_t i = 0; i < ob->ncas; i++)
        X509_STORE_add_cert(store, ob->cas[i]); /* a duplicate is refused, harmlessly */
    ERR_clear_error();
    return CURLE_OK;
}

/* ---- sockets and timers for libcurl ---- */

struct hw_sock {
    uv_poll_t poll;
    hw_client_t *c;
    curl_socket_t fd;
    hw_sock_t *next;
};

static void handle_closed(uv_handle_t *h);

static void check_done(hw_client_t *c)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(c->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        hw_xfer_t *x = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        CURLcode rc = m->data.result;
        if (rc != CURLE_OK)
            c->stats.failed++;
        /* m is not valid once the handle is removed (in hw__xfer_done) */
        if (x)
            hw__xfer_done(x, rc);
    }
}

static void on_poll(uv_poll_t *h, int status, int events)
{
    hw_sock_t *s = h->data;
    hw_client_t *c = s->c;
    int flags = status < 0 ? CURL_CSELECT_ERR
                           : ((events & UV_READABLE) ? CURL_CSELECT_IN : 0) |
                                 ((events & UV_WRITABLE) ? CURL_CSELECT_OUT : 0);
    int running;
    curl_multi_socket_action(c->multi, s->fd, flags, &running);
    check_done(c);
}

static void sock_close(hw_client_t *c, hw_sock_t *s)
{
    for (hw_sock_t **p = &c->socks; *p; p = &(*p)->next)
        if (*p == s) {
            *p = s->next;
            break;
        }
    uv_poll_stop(&s->poll);
    uv_close((uv_handle_t *)&s->poll, handle_closed);
}

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *ud, void *sockp)
{
    hw_client_t *c = ud;
    hw_sock_t *s = sockp;
    if (what == CURL_POLL_REMOVE) {
        if (s) {
            if (!c->freeing) /* (curl_multi_cleanup is reporting its sockets) */
                curl_multi_assign(c->multi, fd, NULL);
            sock_close(c, s);
        }
        return 0;
    }
    if (!s) {
        if (!(s = wh_calloc(1, sizeof *s)))
            return -1;
        if (uv_poll_init_socket(c->loop, &s->poll, fd) != 0) {
            wh_free(s);
            return -1;
        }
        s->poll.data = s;
        s->c = c;
        s->fd = fd;
        s->next = c->socks;
        c->socks = s;
        c->open_handles++;
        curl_multi_assign(c->multi, fd, s);
    }
    int events = (what & CURL_POLL_IN ? UV_READABLE : 0) | (what & CURL_POLL_OUT ? UV_WRITABLE : 0);
    uv_poll_start(&s->poll, events, on_poll);
    return 0;
}

static void on_timeout(uv_timer_t *t)
{
    hw_client_t *c = t->data;
    int running;
    curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(c);
}

/* libcurl wants to be called after ms (0: as soon as possible, which is
 * still from the loop: it may not be called back from inside itself). */
static int on_timer(CURLM *multi, long ms, void *ud)
{
    hw_client_t *c = ud;
    if (ms < 0)
        uv_timer_stop(&c->timer);
    else
        uv_timer_start(&c->timer, on_timeout, (uint64_t)ms, 0);
    return 0;
}

static void on_tick(uv_timer_t *t)
{
    hw_client_t *c = t->data;
    if (!c->active) {
        uv_timer_stop(&c->tick);
        c->tick_on = false;
        return;
    }
    hw__xfers_tick(c, wasi_now_ns());
}

void hw__client_tick_arm(hw_client_t *c)
{
    if (!c->tick_on) {
        uv_timer_start(&c->tick, on_tick, TICK_MS, TICK_MS);
        c->tick_on = true;
    }
}

/* ---- the client ---- */

wh_rc hw_client_new(const hw_outbound_t *ob, uv_loop_t *loop, hw_client_t **out, wh_err_t *err)
{
    *out = NULL;
    hw_client_t *c = wh_calloc(1, sizeof *c);
    if (!c)
        return wh_err(err, WH_NOMEM, -1, "out of memory");
    c->ob = ob;
    c->loop = loop;
    if (!(c->multi = curl_multi_init()) || !(c->share = curl_share_init())) {
        curl_multi_cleanup(c->multi);
        wh_free(c);
        return wh_err(err, WH_NOMEM, -1, "out of memory for libcurl");
    }
    const hw_outbound_config_t *cfg = &ob->cfg;
    curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_timer);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
    curl_multi_setopt(c->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)cfg->max_connections);
    curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)cfg->max_host_connections);
    /* the pool: as many idle connections as may be open at all */
    curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, (long)cfg->max_connections);
    uv_timer_init(loop, &c->timer);
    uv_timer_init(loop, &c->tick);
    c->timer.data = c->tick.data = c;
    c->open_handles = 2;
    *out = c;
    return WH_OK;
}

void hw__client_setup_easy(hw_client_t *c, void *easy)
{
    const hw_outbound_config_t *cfg = &c->ob->cfg;
    curl_easy_setopt(easy, CURLOPT_SHARE, c->share);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_PROXY, ""); /* never the environment's proxies */
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(easy, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(easy, CURLOPT_PIPEWAIT, 1L);
    curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
    if (cfg->idle_timeout_ms) {
        long s = (long)((cfg->idle_timeout_ms + 999) / 1000);
        curl_easy_setopt(easy, CURLOPT_MAXAGE_CONN, s);
    } else {
        curl_easy_setopt(easy, CURLOPT_FRESH_CONNECT, 1L);
        curl_easy_setopt(easy, CURLOPT_FORBID_REUSE, 1L);
    }
    if (c->ob->ncas) {
        curl_easy_setopt(easy, CURLOPT_SSL_CTX_FUNCTION, add_cas);
        curl_easy_setopt(easy, CURLOPT_SSL_CTX_DATA, (void *)c->ob);
    }
}

bool hw__client_add(hw_client_t *c, void *easy)
{
    if (c->freeing || curl_multi_add_handle(c->multi, easy) != CURLM_OK)
        return false;
    c->stats.requests++;
    c->stats.active++;
    return true;
}

void hw__client_remove(hw_client_t *c, void *easy)
{
    long n = 0;
    if (curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &n) == CURLE_OK && n > 0)
        c->stats.connections += (uint64_t)n;
    curl_multi_remove_handle(c->multi, easy);
    c->stats.active--;
}

void hw_client_stats(const hw_client_t *c, hw_client_stats_t *out)
{
    *out = c->stats;
}

static void handle_closed(uv_handle_t *h)
{
    hw_client_t *c;
    if (h->type == UV_POLL) {
        hw_sock_t *s = h->data;
        c = s->c;
        wh_free(s);
    } else {
        c = h->data;
    }
    if (--c->open_handles == 0 && c->freeing)
        wh_free(c);
}

void hw_client_free(hw_client_t *c)
{
    if (!c)
        return;
    c->freeing = true;
    /* Transfers still running belong to contexts that should be gone:
     * end them as if the guest had let go. */
    while (c->active)
        hw__xfer_done(c->active, CURLE_ABORTED_BY_CALLBACK);
    /* Closes the pooled connections (their sockets leave through
     * on_socket); then whatever it did not report. */
    curl_multi_cleanup(c->multi);
    curl_share_cleanup(c->share);
    c->multi = c->share = NULL;
    while (c->socks)
        sock_close(c, c->socks);
    uv_timer_stop(&c->timer);
    uv_timer_stop(&c->tick);
    uv_close((uv_handle_t *)&c->timer, handle_closed);
    uv_close((uv_handle_t *)&c->tick, handle_closed);
}

/* ---- binding a context ---- */

static void binding_free(void *ext)
{
    wh_free(ext);
}

wh_rc hw_bind(wasi_ctx_t *ctx, hw_client_t *c)
{
    hw_binding_t *b = wh_calloc(1, sizeof *b);
    if (!b)
        return WH_NOMEM;
    b->client = c;
    wasi_ctx_set_ext(ctx, b, binding_free);
    return WH_OK;
}
