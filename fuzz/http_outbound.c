/*
 * http_outbound.c — libFuzzer target for outbound requests
 * (wasi:http/outgoing-handler): the input, after its first line, is what a
 * back end answers to one GET, byte for byte, over a real loopback socket
 * to the real client (libcurl on a libuv loop). The host functions are
 * called as a guest would call them: the request is made and sent, the
 * future awaited, the response's fields read, its body read to the end and
 * its trailers asked for. So the response head, the fields the host keeps
 * and drops, bodies that end early, chunked trailers and every error path
 * of a transfer meet the host's code.
 *
 * The first line (up to '\n', at most 300 bytes) is also given to the
 * allow-list parser and, when it parses, matched against a few hosts.
 *
 * One loop, client and back end live for the whole run; each input gets a
 * fresh context (an instance's) and a fresh connection (pooling is off).
 */
#define _GNU_SOURCE /* memmem */
#include "component/cm_linker.h"
#include "component/cm_rt.h"
#include "wasihttp/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TYPES "wasi:http/types" WASI_V
#define OUT   "wasi:http/outgoing-handler" WASI_V
#define IO    "wasi:io/streams" WASI_V

/* ---- the back end: answers each request with the input ---- */

typedef struct {
    uv_tcp_t h;
    char buf[4096];
    size_t len;
    bool answered;
} conn_t;

static struct {
    uv_loop_t loop;
    uv_tcp_t srv;
    int port;
    const uint8_t *answer;
    size_t answer_len;
    cm_linker_t *l;
    wasi_config_t wcfg;
    hw_outbound_config_t ocfg;
    hw_allow_t allow;
    hw_outbound_t *ob;
    hw_client_t *client;
    bool ready;
} G;

static void closed(uv_handle_t *h)
{
    free(h->data);
}

static void alloc_cb(uv_handle_t *h, size_t want, uv_buf_t *out)
{
    conn_t *c = h->data;
    if (c->len == sizeof c->buf)
        c->len = 0; /* only the end of the head matters */
    *out = uv_buf_init(c->buf + c->len, (unsigned)(sizeof c->buf - c->len));
}

static void written(uv_write_t *w, int status)
{
    uv_stream_t *s = w->handle;
    free(w);
    /* the answer is all there is: the connection ends after it */
    uv_shutdown_t *sd = malloc(sizeof *sd);
    if (!sd || uv_shutdown(sd, s, (uv_shutdown_cb)free) != 0)
        free(sd);
}

static void read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    conn_t *c = s->data;
    if (n < 0) {
        uv_close((uv_handle_t *)s, closed);
        return;
    }
    c->len += (size_t)n;
    if (c->answered || !memmem(c->buf, c->len, "\r\n\r\n", 4))
        return;
    c->answered = true;
    /* a copy: the write may outlive the input it answers */
    uv_write_t *w = malloc(sizeof *w + G.answer_len + 1);
    if (!w)
        return;
    char *copy = (char *)(w + 1);
    memcpy(copy, G.answer, G.answer_len);
    uv_buf_t b = uv_buf_init(copy, (unsigned)G.answer_len);
    if (uv_write(w, s, &b, 1, written) != 0)
        free(w);
}

static void on_conn(uv_stream_t *srv, int status)
{
    conn_t *c = calloc(1, sizeof *c);
    if (!c)
        return;
    uv_tcp_init(srv->loop, &c->h);
    c->h.data = c;
    if (uv_accept(srv, (uv_stream_t *)&c->h) == 0)
        uv_read_start((uv_stream_t *)&c->h, alloc_cb, read_cb);
    else
        uv_close((uv_handle_t *)&c->h, closed);
}

static bool setup(void)
{
    uv_loop_init(&G.loop);
    uv_tcp_init(&G.loop, &G.srv);
    struct sockaddr_in a;
    uv_ip4_addr("127.0.0.1", 0, &a);
    if (uv_tcp_bind(&G.srv, (struct sockaddr *)&a, 0) ||
        uv_listen((uv_stream_t *)&G.srv, 64, on_conn))
        return false;
    int len = sizeof a;
    uv_tcp_getsockname(&G.srv, (struct sockaddr *)&a, &len);
    G.port = ntohs(a.sin_port);
    wh_err_t err = {0};
    G.l = cm_linker_new();
    if (!G.l || wasi_link(G.l, &err) || hw_link(G.l, &err))
        return false;
    wasi_config_init(&G.wcfg);
    hw_outbound_config_init(&G.ocfg);
    if (hw_allow_parse("http://127.0.0.1:*", &G.allow, &err))
        return false;
    G.ocfg.allow = &G.allow;
    G.ocfg.nallow = 1;
    G.ocfg.idle_timeout_ms = 0; /* a fresh connection for every input */
    G.ocfg.connect_timeout_ms = G.ocfg.first_byte_timeout_ms = 2000;
    G.ocfg.between_bytes_timeout_ms = 2000;
    return !hw_outbound_new(&G.ocfg, &G.ob, &err) &&
           !hw_client_new(G.ob, &G.loop, &G.client, &err);
}

/* ---- the guest's side ---- */

typedef struct {
    cm_instance_t inst;
    wh_arena_t arena;
} guest_t;

static wh_rc call(guest_t *g, const char *iface, const char *name, const cm_val_t *args,
                  cm_val_t *res)
{
    cm__iface *i = cm__linker_iface(G.l, iface);
    const cm__lfunc *lf = i ? cm__linker_func(i, name) : NULL;
    if (!lf)
        __builtin_trap(); /* the target itself is wrong */
    cm_call_t c = {.inst = &g->inst, .arena = &g->arena};
    memset(res, 0, sizeof *res);
    return lf->fn(&c, lf->env, args, res);
}

static cm_val_t h(uint32_t rep)
{
    cm_val_t v = {.kind = CM_OWN};
    v.of.handle.rep = rep;
    return v;
}

static cm_val_t opt(guest_t *g, const cm_val_t *payload)
{
    cm_val_t v = {.kind = CM_OPTION};
    v.of.var.tag = 1;
    v.of.var.v = wh_arena_alloc(&g->arena, sizeof *payload);
    *v.of.var.v = *payload;
    return v;
}

static cm_val_t str(const char *s)
{
    cm_val_t v = {.kind = CM_STRING};
    v.of.str.ptr = s;
    v.of.str.len = strlen(s);
    return v;
}

/* The handle inside ok(own<T>) / some(own<T>) (0 for none). */
static uint32_t rep_of(const cm_val_t *r)
{
    return r->of.var.tag == (r->kind == CM_OPTION ? 1u : 0u) && r->of.var.v
               ? r->of.var.v->of.handle.rep
               : 0;
}

static void drop(guest_t *g, uint32_t rep)
{
    wasi_table_remove(g->inst.cfg.user, rep);
}

static void exchange(guest_t *g)
{
    wasi_ctx_t *ctx = g->inst.cfg.user;
    cm_val_t r, a[2];
    if (call(g, TYPES, "[constructor]fields", NULL, &r))
        return;
    a[0] = h(r.of.handle.rep);
    if (call(g, TYPES, "[constructor]outgoing-request", a, &r))
        return;
    uint32_t req = r.of.handle.rep;
    char auth[32];
    snprintf(auth, sizeof auth, "127.0.0.1:%d", G.port);
    cm_val_t scheme = {.kind = CM_VARIANT}, au = str(auth);
    scheme.of.var.tag = HW_SCHEME_HTTP;
    a[0] = h(req);
    a[1] = opt(g, &scheme);
    call(g, TYPES, "[method]outgoing-request.set-scheme", a, &r);
    a[1] = opt(g, &au);
    call(g, TYPES, "[method]outgoing-request.set-authority", a, &r);
    a[1] = (cm_val_t){.kind = CM_OPTION};
    if (call(g, OUT, "handle", a, &r) || r.of.var.tag != 0)
        return;
    uint32_t fut = rep_of(&r);
    /* the future */
    uint32_t resp = 0;
    a[0] = h(fut);
    for (int i = 0; i < 10000 && !resp; i++) {
        if (call(g, TYPES, "[method]future-incoming-response.get", a, &r))
            break;
        if (r.of.var.tag == 1) {
            const cm_val_t *inner = r.of.var.v->of.var.v;
            resp = inner && inner->of.var.tag == 0 ? inner->of.var.v->of.handle.rep : 0;
            break;
        }
        uv_run(&G.loop, UV_RUN_ONCE);
    }
    drop(g, fut);
    if (!resp)
        return;
    a[0] = h(resp);
    call(g, TYPES, "[method]incoming-response.status", a, &r);
    if (!call(g, TYPES, "[method]incoming-response.headers", a, &r)) {
        uint32_t fields = r.of.handle.rep;
        a[0] = h(fields);
        call(g, TYPES, "[method]fields.entries", a, &r);
        drop(g, fields);
    }
    a[0] = h(resp);
    if (call(g, TYPES, "[method]incoming-response.consume", a, &r) || r.of.var.tag != 0) {
        drop(g, resp);
        return;
    }
    uint32_t body = rep_of(&r);
    a[0] = h(body);
    uint32_t stream = 0;
    if (!call(g, TYPES, "[method]incoming-body.stream", a, &r) && r.of.var.tag == 0)
        stream = rep_of(&r);
    for (int i = 0; stream && i < 10000; i++) {
        a[0] = h(stream);
        a[1] = (cm_val_t){.kind = CM_U64, .of.u = 4096};
        if (call(g, IO, "[method]input-stream.read", a, &r) || r.of.var.tag != 0)
            break;
        if (r.of.var.v->of.list.n == 0)
            uv_run(&G.loop, UV_RUN_ONCE);
        wh_arena_reset(&g->arena);
    }
    drop(g, stream);
    /* the trailers */
    a[0] = h(body);
    if (!call(g, TYPES, "[static]incoming-body.finish", a, &r)) {
        uint32_t ft = r.of.handle.rep;
        a[0] = h(ft);
        for (int i = 0; i < 10000; i++) {
            if (call(g, TYPES, "[method]future-trailers.get", a, &r) || r.of.var.tag == 1)
                break;
            uv_run(&G.loop, UV_RUN_ONCE);
        }
        drop(g, ft);
    }
    drop(g, resp);
    (void)ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!G.ready && !(G.ready = setup()))
        __builtin_trap();
    /* the first line: an allow-list entry */
    const uint8_t *nl = memchr(data, '\n', size < 300 ? size : 300);
    if (nl) {
        char spec[301];
        memcpy(spec, data, (size_t)(nl - data));
        spec[nl - data] = 0;
        hw_allow_t a;
        if (hw_allow_parse(spec, &a, NULL) == WH_OK) {
            hw_allowed(&a, 1, "http", "api.example.com", 80);
            hw_allowed(&a, 1, "https", "127.0.0.1", 8443);
            hw_allowed(&a, 1, "https", "::1", 443);
        }
        size -= (size_t)(nl + 1 - data);
        data = nl + 1;
    }
    G.answer = data;
    G.answer_len = size;
    guest_t g;
    memset(&g, 0, sizeof g);
    wh_arena_init(&g.arena, 1 << 16);
    wasi_ctx_t *ctx = wasi_ctx_new(&G.wcfg, &G.loop);
    if (ctx && !hw_bind(ctx, G.client)) {
        g.inst.cfg.user = ctx;
        exchange(&g);
    }
    wasi_ctx_free(ctx);
    uv_run(&G.loop, UV_RUN_NOWAIT);
    wh_arena_free(&g.arena);
    return 0;
}
