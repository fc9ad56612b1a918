/*
 * test_hw_outbound.c — outbound HTTP (wasi:http/outgoing-handler) below the
 * guest: the allow-list and the private-address check, libcurl's failures
 * as error-codes, and whole exchanges against a back end on the test's own
 * loop (a few lines of libuv on 127.0.0.1), with the host functions called
 * as a guest would, including with every allocation failing in turn.
 */
#define _GNU_SOURCE /* memmem */
#include "hw_fixture.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <unistd.h>

#define HO "wasi:http/outgoing-handler" WASI_V

/* ---- the allow-list ---- */

static bool allow(const char *spec, hw_allow_t *a)
{
    wh_err_t err = {0};
    return hw_allow_parse(spec, a, &err) == WH_OK;
}

TH_TEST(hw_out_allow_parse)
{
    hw_allow_t a;
    TH_OK(allow("http://api.example.com", &a));
    TH_STR(a.scheme, "http");
    TH_STR(a.host, "api.example.com");
    TH_EQ(a.port, 80);
    TH_OK(allow("HTTPS://API.Example.COM/", &a));
    TH_STR(a.scheme, "https");
    TH_STR(a.host, "api.example.com");
    TH_EQ(a.port, 443);
    TH_OK(allow("http://127.0.0.1:8081", &a));
    TH_EQ(a.port, 8081);
    TH_OK(allow("http://127.0.0.1:*", &a));
    TH_EQ(a.port, 0);
    TH_OK(allow("http://[::1]:8080", &a));
    TH_STR(a.host, "::1");
    TH_EQ(a.port, 8080);
    TH_OK(allow("https://*.example.com", &a));
    TH_STR(a.host, "*.example.com");
    TH_OK(allow("*", &a));
    TH_STR(a.scheme, "*");
    TH_EQ(a.port, 0);
    /* refused, each with a message */
    static const char *const bad[] = {
        "api.example.com",
        "ftp://x",
        "http://",
        "http://a:0",
        "http://a:65536",
        "http://a:80x",
        "http://a.*.com",
        "http://*a.com",
        "http://[::1",
        "http://[::1]x",
        "http://a b",
        "http://a/b",
        "https://*.*.example.com",
    };
    for (size_t i = 0; i < WH_ARRAY_LEN(bad); i++) {
        wh_err_t err = {0};
        TH_EQ(hw_allow_parse(bad[i], &a, &err), WH_ARG);
        TH_OK(err.msg[0] != 0);
    }
}

TH_TEST(hw_out_allowed)
{
    hw_allow_t l[3];
    TH_OK(allow("https://*.example.com", &l[0]));
    TH_OK(allow("http://127.0.0.1:8081", &l[1]));
    TH_OK(allow("http://[::1]:*", &l[2]));
    TH_OK(hw_allowed(l, 3, "https", "api.example.com", 443));
    TH_OK(hw_allowed(l, 3, "https", "API.EXAMPLE.com", 443));
    TH_OK(!hw_allowed(l, 3, "https", "example.com", 443));      /* one label, not none */
    TH_OK(!hw_allowed(l, 3, "https", "a.b.example.com", 443));  /* nor two */
    TH_OK(!hw_allowed(l, 3, "http", "api.example.com", 443));   /* scheme */
    TH_OK(!hw_allowed(l, 3, "https", "api.example.com", 8443)); /* port */
    TH_OK(!hw_allowed(l, 3, "https", "api.example.com.evil.org", 443));
    TH_OK(hw_allowed(l, 3, "http", "127.0.0.1", 8081));
    TH_OK(!hw_allowed(l, 3, "http", "127.0.0.1", 8082));
    TH_OK(!hw_allowed(l, 3, "https", "127.0.0.1", 8081));
    TH_OK(hw_allowed(l, 3, "http", "::1", 1));
    TH_OK(!hw_allowed(l, 0, "http", "127.0.0.1", 8081)); /* nothing by default */
    hw_allow_t any;
    TH_OK(allow("*", &any));
    TH_OK(hw_allowed(&any, 1, "http", "anything", 1));
    TH_OK(hw_allowed(&any, 1, "https", "x.y", 65535));
}

TH_TEST(hw_out_describe)
{
    hw_allow_t l[3];
    TH_OK(allow("https://*.example.com", &l[0]));
    TH_OK(allow("http://[::1]:*", &l[1]));
    TH_OK(allow("*", &l[2]));
    hw_outbound_config_t cfg;
    hw_outbound_config_init(&cfg);
    char buf[256];
    hw_outbound_describe(&cfg, buf, sizeof buf);
    TH_STR(buf, "nothing allowed");
    cfg.allow = l;
    cfg.nallow = 3;
    cfg.deny_private = true;
    hw_outbound_describe(&cfg, buf, sizeof buf);
    TH_STR(buf, "https://*.example.com:443, http://[::1]:*, *; private addresses denied");
    char small[16];
    hw_outbound_describe(&cfg, small, sizeof small); /* cut, never overrun */
    TH_EQ(strlen(small), sizeof small - 1);
}

static bool priv(const char *ip)
{
    struct sockaddr_storage ss = {0};
    if (strchr(ip, ':')) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        inet_pton(AF_INET6, ip, &a->sin6_addr);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        inet_pton(AF_INET, ip, &a->sin_addr);
    }
    return hw_private_address((struct sockaddr *)&ss);
}

TH_TEST(hw_out_private_addresses)
{
    static const char *const yes[] = {
        "127.0.0.1",
        "127.255.0.9",
        "10.1.2.3",
        "172.16.0.1",
        "172.31.255.255",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "::1",
        "::",
        "fe80::1",
        "fd00::1",
        "fc12::3",
        "::ffff:10.0.0.1",
        "::ffff:127.0.0.1",
        "64:ff9b::a00:1",
        "ff02::1",
    };
    static const char *const no[] = {
        "8.8.8.8",        "1.1.1.1",          "172.32.0.1",
        "192.169.0.1",    "100.128.0.1",      "2001:4860:4860::8888",
        "::ffff:8.8.8.8", "64:ff9b::808:808",
    };
    for (size_t i = 0; i < WH_ARRAY_LEN(yes); i++)
        if (!TH_OK(priv(yes[i])))
            fprintf(stderr, "  %s should be private\n", yes[i]);
    for (size_t i = 0; i < WH_ARRAY_LEN(no); i++)
        if (!TH_OK(!priv(no[i])))
            fprintf(stderr, "  %s should not be private\n", no[i]);
}

/* ---- libcurl's failures ---- */

TH_TEST(hw_out_curl_errors)
{
    static const struct {
        int code, os_errno;
        bool resolved, connected, responded;
        hw_ec_tag want;
    } cases[] = {
        {CURLE_COULDNT_RESOLVE_HOST, 0, false, false, false, HW_EC_DNS_ERROR},
        {CURLE_COULDNT_CONNECT, ECONNREFUSED, true, false, false, HW_EC_CONNECTION_REFUSED},
        {CURLE_COULDNT_CONNECT, ETIMEDOUT, true, false, false, HW_EC_CONNECTION_TIMEOUT},
        {CURLE_COULDNT_CONNECT, ENETUNREACH, true, false, false, HW_EC_DESTINATION_UNAVAILABLE},
        {CURLE_COULDNT_CONNECT, EHOSTUNREACH, true, false, false, HW_EC_DESTINATION_UNAVAILABLE},
        {CURLE_COULDNT_CONNECT, EADDRNOTAVAIL, true, false, false, HW_EC_DESTINATION_IP_UNROUTABLE},
        {CURLE_OPERATION_TIMEDOUT, 0, false, false, false, HW_EC_DNS_TIMEOUT},
        {CURLE_OPERATION_TIMEDOUT, 0, true, false, false, HW_EC_CONNECTION_TIMEOUT},
        {CURLE_OPERATION_TIMEDOUT, 0, true, true, false, HW_EC_HTTP_RESPONSE_TIMEOUT},
        {CURLE_OPERATION_TIMEDOUT, 0, true, true, true, HW_EC_CONNECTION_READ_TIMEOUT},
        {CURLE_PEER_FAILED_VERIFICATION, 0, true, false, false, HW_EC_TLS_CERTIFICATE_ERROR},
        {CURLE_SSL_CERTPROBLEM, 0, true, false, false, HW_EC_TLS_CERTIFICATE_ERROR},
        {CURLE_SSL_CONNECT_ERROR, 0, true, false, false, HW_EC_TLS_PROTOCOL_ERROR},
        {CURLE_SSL_CIPHER, 0, true, false, false, HW_EC_TLS_PROTOCOL_ERROR},
        {CURLE_SEND_ERROR, 0, true, true, false, HW_EC_CONNECTION_TERMINATED},
        {CURLE_RECV_ERROR, 0, true, true, false, HW_EC_CONNECTION_TERMINATED},
        {CURLE_GOT_NOTHING, 0, true, true, false, HW_EC_HTTP_RESPONSE_INCOMPLETE},
        {CURLE_PARTIAL_FILE, 0, true, true, true, HW_EC_HTTP_RESPONSE_INCOMPLETE},
        {CURLE_WEIRD_SERVER_REPLY, 0, true, true, false, HW_EC_HTTP_PROTOCOL_ERROR},
        {CURLE_HTTP2, 0, true, true, false, HW_EC_HTTP_PROTOCOL_ERROR},
        {CURLE_HTTP2_STREAM, 0, true, true, true, HW_EC_HTTP_PROTOCOL_ERROR},
        {CURLE_BAD_CONTENT_ENCODING, 0, true, true, true, HW_EC_HTTP_RESPONSE_CONTENT_CODING},
        {CURLE_FILESIZE_EXCEEDED, 0, true, true, true, HW_EC_HTTP_RESPONSE_BODY_SIZE},
        {CURLE_TOO_MANY_REDIRECTS, 0, true, true, true, HW_EC_LOOP_DETECTED},
        {CURLE_URL_MALFORMAT, 0, false, false, false, HW_EC_HTTP_REQUEST_URI_INVALID},
        {CURLE_OUT_OF_MEMORY, 0, true, true, true, HW_EC_INTERNAL_ERROR},
    };
    for (size_t i = 0; i < WH_ARRAY_LEN(cases); i++) {
        hw_errcode_t e = hw__ec_from_curl(cases[i].code, cases[i].os_errno, cases[i].resolved,
                                          cases[i].connected, cases[i].responded);
        if (!TH_EQ(e.tag, cases[i].want))
            fprintf(stderr, "  case %zu: CURLcode %d gave %s, want %s\n", i, cases[i].code,
                    hw__ec_name(e.tag), hw__ec_name(cases[i].want));
    }
    /* internal-error says what libcurl said */
    hw_errcode_t e = hw__ec_from_curl(CURLE_OUT_OF_MEMORY, 0, true, true, true);
    TH_OK(e.str && e.str_len > 0);
}

/* ---- a back end on the test's loop ---- */

typedef struct {
    uv_tcp_t srv;
    int port, accepts, requests;
    bool closed;
} backend_t;

typedef struct {
    uv_tcp_t h;
    backend_t *b;
    char buf[8192];
    size_t len;
} bconn_t;

static const char canned[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nx-a: b\r\n\r\nhello";

static void b_alloc(uv_handle_t *h, size_t want, uv_buf_t *out)
{
    bconn_t *c = h->data;
    *out = uv_buf_init(c->buf + c->len, (unsigned)(sizeof c->buf - c->len));
}

static void b_closed(uv_handle_t *h)
{
    free(h->data);
}

static void b_written(uv_write_t *w, int status)
{
    free(w);
}

static void b_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    bconn_t *c = s->data;
    if (n < 0) {
        uv_close((uv_handle_t *)s, b_closed);
        return;
    }
    c->len += (size_t)n;
    char *end;
    while ((end = memmem(c->buf, c->len, "\r\n\r\n", 4))) {
        size_t used = (size_t)(end + 4 - c->buf);
        memmove(c->buf, c->buf + used, c->len - used);
        c->len -= used;
        c->b->requests++;
        uv_write_t *w = malloc(sizeof *w);
        uv_buf_t out = uv_buf_init((char *)canned, sizeof canned - 1);
        uv_write(w, s, &out, 1, b_written);
    }
    if (c->len == sizeof c->buf)
        uv_close((uv_handle_t *)s, b_closed);
}

static void b_conn(uv_stream_t *srv, int status)
{
    backend_t *b = srv->data;
    bconn_t *c = calloc(1, sizeof *c);
    c->b = b;
    uv_tcp_init(srv->loop, &c->h);
    c->h.data = c;
    if (uv_accept(srv, (uv_stream_t *)&c->h) == 0) {
        b->accepts++;
        uv_read_start((uv_stream_t *)&c->h, b_alloc, b_read);
    } else {
        uv_close((uv_handle_t *)&c->h, b_closed);
    }
}

static void backend_start(backend_t *b, uv_loop_t *loop)
{
    memset(b, 0, sizeof *b);
    uv_tcp_init(loop, &b->srv);
    b->srv.data = b;
    struct sockaddr_in a;
    uv_ip4_addr("127.0.0.1", 0, &a);
    TH_EQ(uv_tcp_bind(&b->srv, (struct sockaddr *)&a, 0), 0);
    TH_EQ(uv_listen((uv_stream_t *)&b->srv, 16, b_conn), 0);
    int len = sizeof a;
    uv_tcp_getsockname(&b->srv, (struct sockaddr *)&a, &len);
    b->port = ntohs(a.sin_port);
}

static void backend_stop(backend_t *b)
{
    uv_close((uv_handle_t *)&b->srv, NULL);
}

/* A port where nothing listens (bound, then closed). */
static int closed_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    bind(s, (struct sockaddr *)&a, sizeof a);
    socklen_t len = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &len);
    close(s);
    return ntohs(a.sin_port);
}

/* ---- the guest's side ---- */

typedef struct {
    hwfx f; /* first: the guest helpers take the hwfx */
    hw_outbound_config_t cfg;
    hw_allow_t allow;
    hw_outbound_t *ob;
    hw_client_t *client;
    backend_t b;
    uv_timer_t guard; /* keeps a turn of the loop from waiting forever */
} ofx;

static void guard_cb(uv_timer_t *t)
{
}

/* One turn of the loop, at most about 20 ms long: the helpers below wait
 * in bounded turns, so that a test fails instead of hanging when something
 * never comes. */
static void turn(hwfx *f)
{
    uv_run(&f->loop, UV_RUN_ONCE);
}

static void ofx_setup(ofx *o, bool bind, uint32_t max_requests)
{
    fx_setup(&o->f, NULL);
    /* The calls' values need room that allocation failures cannot take
     * away: one big first chunk, made now. */
    wh_arena_free(&o->f.arena);
    wh_arena_init(&o->f.arena, 4 << 20);
    wh_arena_alloc(&o->f.arena, 1);
    backend_start(&o->b, &o->f.loop);
    uv_timer_init(&o->f.loop, &o->guard);
    uv_timer_start(&o->guard, guard_cb, 20, 20);
    hw_outbound_config_init(&o->cfg);
    TH_OK(allow("http://127.0.0.1:*", &o->allow));
    o->cfg.allow = &o->allow;
    o->cfg.nallow = 1;
    if (max_requests)
        o->cfg.max_requests = max_requests;
    /* nothing here takes long; a transfer that allocation failures left
     * stuck ends at these */
    o->cfg.connect_timeout_ms = o->cfg.first_byte_timeout_ms = 1000;
    o->cfg.between_bytes_timeout_ms = 1000;
    wh_err_t err = {0};
    TH_EQ(hw_outbound_new(&o->cfg, &o->ob, &err), WH_OK);
    TH_EQ(hw_client_new(o->ob, &o->f.loop, &o->client, &err), WH_OK);
    if (bind)
        TH_EQ(hw_bind(o->f.ctx, o->client), WH_OK);
}

/* Frees the context, the client and the back end, then the loop. */
static void ofx_close(ofx *o)
{
    hwfx *f = &o->f;
    if (f->ex)
        fx_finish(f, WH_OK);
    hx__conn_free_detached(f->c);
    hx__server_free_detached(f->srv);
    wasi_ctx_free(f->ctx);
    f->ctx = NULL;
    hw_client_free(o->client);
    backend_stop(&o->b);
    uv_close((uv_handle_t *)&o->guard, NULL);
    for (int i = 0; i < 100 && uv_run(&f->loop, UV_RUN_NOWAIT); i++)
        ;
    TH_EQ(uv_loop_close(&f->loop), 0);
    cm_linker_free(f->l);
    wh_arena_free(&f->arena);
    free(f->out);
    hw_outbound_free(o->ob);
}

/* outgoing-request to 127.0.0.1:port path; its rep (0 when a call failed,
 * as it may when allocations fail). */
static uint32_t g_outreq(hwfx *f, int port, const char *path)
{
    cm_val_t r;
    if (HT(f, "[constructor]fields", NULL, &r))
        return 0;
    cm_val_t a[2] = {v_h(r.of.handle.rep)};
    if (HT(f, "[constructor]outgoing-request", a, &r))
        return 0;
    uint32_t req = r.of.handle.rep;
    char auth[32];
    snprintf(auth, sizeof auth, "127.0.0.1:%d", port);
    cm_val_t sch = {.kind = CM_VARIANT}, s1 = v_str(auth), s2 = v_str(path);
    sch.of.var.tag = HW_SCHEME_HTTP;
    a[0] = v_h(req);
    a[1] = v_var(f, CM_OPTION, 1, &sch);
    if (HT(f, "[method]outgoing-request.set-scheme", a, &r) || !r_ok(&r))
        return 0;
    a[1] = v_var(f, CM_OPTION, 1, &s1);
    if (HT(f, "[method]outgoing-request.set-authority", a, &r) || !r_ok(&r))
        return 0;
    a[1] = v_var(f, CM_OPTION, 1, &s2);
    if (HT(f, "[method]outgoing-request.set-path-with-query", a, &r) || !r_ok(&r))
        return 0;
    return req;
}

/* handle(req, none): the future's rep, or -1 - the error-code case (which
 * this host puts in the future instead; see g_refused). */
static int64_t g_handle(hwfx *f, uint32_t req)
{
    cm_val_t a[2] = {v_h(req), hw_none()}, r;
    if (fx_call(f, HO, "handle", a, &r))
        return -1000;
    if (r.of.var.tag == 0)
        return r.of.var.v->of.handle.rep;
    return -1 - (int64_t)r.of.var.v->of.var.tag;
}

/* Runs the loop until the future has its value: the incoming-response's
 * rep, -1 - the error-code case, or -1000 when it never came. */
static int64_t g_await(hwfx *f, uint32_t fut)
{
    cm_val_t a[1] = {v_h(fut)}, r;
    for (int i = 0; i < 2000; i++) {
        if (fx_call(f, "wasi:http/types" WASI_V, "[method]future-incoming-response.get", a, &r))
            return -1000;
        if (r.of.var.tag == 1) {
            const cm_val_t *outer = r.of.var.v;
            if (outer->of.var.tag != 0)
                return -1000; /* taken twice */
            const cm_val_t *inner = outer->of.var.v;
            return inner->of.var.tag == 0 ? (int64_t)inner->of.var.v->of.handle.rep
                                          : -1 - (int64_t)inner->of.var.v->of.var.tag;
        }
        turn(f);
    }
    return -1000;
}

/* A request the host refuses without trying: handle gives a future that
 * has the error at once. -1 - the case, or -1000. */
static int64_t g_refused(hwfx *f, uint32_t req)
{
    int64_t fut = g_handle(f, req);
    if (fut <= 0)
        return -1000;
    cm_val_t a[1] = {v_h((uint32_t)fut)}, r;
    if (fx_call(f, "wasi:http/types" WASI_V, "[method]future-incoming-response.get", a, &r) ||
        r.of.var.tag != 1)
        return -1000; /* not ready at once */
    const cm_val_t *inner = r.of.var.v->of.var.v;
    int64_t res = inner->of.var.tag == 1 ? -1 - (int64_t)inner->of.var.v->of.var.tag : -1000;
    g_drop(f, (uint32_t)fut);
    return res;
}

/* The whole body of an incoming-response, into buf: its length, or -1. */
static long g_body(hwfx *f, uint32_t resp, char *buf, size_t max)
{
    cm_val_t a[2] = {v_h(resp)}, r;
    if (HT(f, "[method]incoming-response.consume", a, &r) || !r_ok(&r))
        return -1;
    uint32_t body = r_rep(&r);
    a[0] = v_h(body);
    if (HT(f, "[method]incoming-body.stream", a, &r) || !r_ok(&r))
        return -1;
    uint32_t s = r_rep(&r);
    size_t len = 0;
    for (int i = 0; i < 2000; i++) {
        a[0] = v_h(s);
        a[1] = v_u(CM_U64, 1024);
        if (fx_call(f, IO_STREAMS, "[method]input-stream.read", a, &r))
            return -1;
        if (r.of.var.tag != 0) { /* closed or failed */
            bool closed = r.of.var.v->of.var.tag == 1;
            g_drop(f, s);
            g_drop(f, body);
            return closed ? (long)len : -1;
        }
        const cm_val_t *l = r.of.var.v;
        for (uint32_t k = 0; k < l->of.bytes.n && len < max; k++)
            buf[len++] = (char)l->of.bytes.ptr[k];
        if (l->of.bytes.n == 0)
            turn(f);
    }
    return -1;
}

TH_TEST(hw_out_get_and_reuse)
{
    ofx o;
    ofx_setup(&o, true, 0);
    hwfx *f = &o.f;
    for (int i = 0; i < 3; i++) {
        uint32_t req = g_outreq(f, o.b.port, "/x?y=1");
        TH_OK(req);
        int64_t fut = g_handle(f, req);
        TH_OK(fut > 0);
        int64_t resp = g_await(f, (uint32_t)fut);
        TH_OK(resp > 0);
        cm_val_t a[1] = {v_h((uint32_t)resp)}, r;
        TH_EQ(HT(f, "[method]incoming-response.status", a, &r), WH_OK);
        TH_EQ(r.of.u, 200);
        TH_EQ(HT(f, "[method]incoming-response.headers", a, &r), WH_OK);
        TH_STR(g_get(f, r.of.handle.rep, "x-a"), "b");
        TH_STR(g_entries(f, r.of.handle.rep), "Content-Length=5;x-a=b;");
        g_drop(f, r.of.handle.rep);
        char body[64];
        long n = g_body(f, (uint32_t)resp, body, sizeof body);
        TH_EQ(n, 5);
        TH_OK(n == 5 && memcmp(body, "hello", 5) == 0);
        g_drop(f, (uint32_t)resp);
        g_drop(f, (uint32_t)fut);
    }
    /* one connection for the three, on both sides */
    hw_client_stats_t st;
    hw_client_stats(o.client, &st);
    TH_EQ(st.requests, 3);
    TH_EQ(st.connections, 1);
    TH_EQ(st.active, 0);
    TH_EQ(o.b.accepts, 1);
    TH_EQ(o.b.requests, 3);
    ofx_close(&o);
}

TH_TEST(hw_out_denied_and_refused)
{
    /* no client bound: everything is denied */
    ofx o;
    ofx_setup(&o, false, 0);
    hwfx *f = &o.f;
    uint32_t req = g_outreq(f, o.b.port, "/");
    TH_EQ(g_refused(f, req), -1 - HW_EC_HTTP_REQUEST_DENIED);
    ofx_close(&o);

    ofx_setup(&o, true, 0);
    f = &o.f;
    /* not on the list (https, while only http is allowed): denied before
     * any connection */
    req = g_outreq(f, o.b.port, "/");
    cm_val_t sch = {.kind = CM_VARIANT}, r;
    sch.of.var.tag = HW_SCHEME_HTTPS;
    cm_val_t a[2] = {v_h(req), v_var(f, CM_OPTION, 1, &sch)};
    TH_EQ(HT(f, "[method]outgoing-request.set-scheme", a, &r), WH_OK);
    TH_EQ(g_refused(f, req), -1 - HW_EC_HTTP_REQUEST_DENIED);
    uv_run(&f->loop, UV_RUN_NOWAIT);
    TH_EQ(o.b.accepts, 0);
    /* a refused request's body takes what the guest writes, after the
     * future is gone too, and finishes */
    req = g_outreq(f, o.b.port, "/");
    a[0] = v_h(req);
    a[1] = v_var(f, CM_OPTION, 1, &sch);
    TH_EQ(HT(f, "[method]outgoing-request.set-scheme", a, &r), WH_OK);
    TH_EQ(HT(f, "[method]outgoing-request.body", a, &r), WH_OK);
    uint32_t body = r_rep(&r), bs = g_body_stream(f, body);
    TH_EQ(g_refused(f, req), -1 - HW_EC_HTTP_REQUEST_DENIED);
    char big[100000] = {0};
    TH_OK(g_check_write(f, bs) > 0);
    TH_EQ(g_write(f, bs, big, 4096), -1);
    g_drop(f, bs);
    TH_EQ(g_finish(f, body, 0), -1);
    /* no authority */
    TH_EQ(HT(f, "[constructor]fields", NULL, &r), WH_OK);
    a[0] = v_h(r.of.handle.rep);
    TH_EQ(HT(f, "[constructor]outgoing-request", a, &r), WH_OK);
    TH_EQ(g_refused(f, r.of.handle.rep), -1 - HW_EC_HTTP_REQUEST_URI_INVALID);
    /* nothing listens: the future says connection-refused */
    req = g_outreq(f, closed_port(), "/");
    int64_t fut = g_handle(f, req);
    TH_OK(fut > 0);
    TH_EQ(g_await(f, (uint32_t)fut), -1 - HW_EC_CONNECTION_REFUSED);
    g_drop(f, (uint32_t)fut);
    ofx_close(&o);
}

TH_TEST(hw_out_limit_and_cancel)
{
    ofx o;
    ofx_setup(&o, true, 1);
    hwfx *f = &o.f;
    int64_t fut = g_handle(f, g_outreq(f, o.b.port, "/"));
    TH_OK(fut > 0);
    /* one in flight per instance: the second is refused at once */
    TH_EQ(g_refused(f, g_outreq(f, o.b.port, "/")), -1 - HW_EC_CONNECTION_LIMIT_REACHED);
    /* dropping the future cancels the transfer and frees its slot */
    g_drop(f, (uint32_t)fut);
    hw_client_stats_t st;
    hw_client_stats(o.client, &st);
    TH_EQ(st.active, 0);
    fut = g_handle(f, g_outreq(f, o.b.port, "/"));
    TH_OK(fut > 0);
    int64_t resp = g_await(f, (uint32_t)fut);
    TH_OK(resp > 0);
    /* dropping the response unread (after get) cancels too */
    g_drop(f, (uint32_t)resp);
    g_drop(f, (uint32_t)fut);
    hw_client_stats(o.client, &st);
    TH_EQ(st.active, 0);
    /* a context freed with a transfer in flight leaves nothing behind */
    fut = g_handle(f, g_outreq(f, o.b.port, "/"));
    TH_OK(fut > 0);
    ofx_close(&o); /* ASan's leak check has the last word */
}

/* One GET as a guest would do it, tolerating failures anywhere: true when
 * the whole body came. */
static bool oom_get(ofx *o)
{
    hwfx *f = &o->f;
    uint32_t req = g_outreq(f, o->b.port, "/");
    if (!req)
        return false;
    int64_t fut = g_handle(f, req);
    if (fut <= 0)
        return false;
    int64_t resp = g_await(f, (uint32_t)fut);
    char body[16];
    bool ok = resp > 0 && g_body(f, (uint32_t)resp, body, sizeof body) == 5;
    if (resp > 0)
        g_drop(f, (uint32_t)resp);
    g_drop(f, (uint32_t)fut);
    return ok;
}

TH_TEST(hw_out_out_of_memory)
{
    bool completed = false;
    int n;
    for (n = getenv("WH_OOM_N") ? atoi(getenv("WH_OOM_N")) : 1; n < 2000 && !completed; n++) {
        ofx o;
        ofx_setup(&o, true, 0);
        o.f.tolerant = true;
        uint64_t t0 = wasi_now_ns();
        wh_alloc_fail_after((uint64_t)n);
        completed = oom_get(&o);
        wh_alloc_fail_after(0);
        if (getenv("WH_OOM_TRACE"))
            fprintf(stderr, "n=%d %s %.1f ms\n", n, completed ? "completed" : "failed",
                    (double)(wasi_now_ns() - t0) / 1e6);
        ofx_close(&o);
    }
    TH_OK(completed);
    TH_OK(n > 10); /* the failures did reach the exchange */
}
