/*
 * hw_fixture.h — what the wasi:http host's unit tests share: a WASI
 * context with the host's functions called directly (by name, through the
 * linker, with a stand-in for the instance a guest would be), and a
 * detached HTTP connection (no socket) whose requests become exchanges.
 *
 * A handle argument is the rep, as the canonical ABI passes it after
 * lifting; "dropping" a handle is removing it from the context's table, as
 * the resource's destructor does.
 */
#ifndef HW_FIXTURE_H
#define HW_FIXTURE_H

#include "component/cm_linker.h"
#include "component/cm_rt.h"
#include "http/internal.h"
#include "th.h"
#include "wasihttp/internal.h"

#include <stdio.h>
#include <stdlib.h>

#define IO_STREAMS "wasi:io/streams" WASI_V
#define IO_POLL    "wasi:io/poll" WASI_V
#define IO_ERROR   "wasi:io/error" WASI_V

typedef struct {
    wasi_config_t cfg;
    uv_loop_t loop;
    cm_linker_t *l;
    wasi_ctx_t *ctx;
    cm_instance_t inst; /* only cfg.user is used */
    wh_arena_t arena;   /* the calls' values */
    char trap[200];
    /* the HTTP side */
    hx_server_t *srv;
    hx_conn_t *c;
    char *out; /* what went to the client */
    size_t out_len, out_cap;
    hx_header_t extra[2];
    size_t nextra;
    hw_exchange_t *ex;
    uint64_t body_bytes; /* what the last hw_exchange_finish said went out */
    uint32_t req_rep, out_rep;
    int requests, aborts, wakes; /* aborts: those the exchange did not take */
    bool tolerant;               /* allocation failures expected: no checks on results */
} hwfx;

static inline void fx_sink(void *ud, const char *data, size_t len)
{
    hwfx *f = ud;
    if (f->out_len + len + 1 > f->out_cap) {
        f->out_cap = (f->out_len + len + 1) * 2;
        f->out = realloc(f->out, f->out_cap);
    }
    memcpy(f->out + f->out_len, data, len);
    f->out_len += len;
    f->out[f->out_len] = 0;
}

static inline void fx_on_request(hx_req_t *req, void *ud)
{
    hwfx *f = ud;
    f->requests++;
    wh_err_t err;
    wh_rc rc =
        hw_exchange_new(f->ctx, req, f->extra, f->nextra, &f->ex, &f->req_rep, &f->out_rep, &err);
    if (f->tolerant && rc) {
        hx_resp_abort(req);
        return;
    }
    TH_EQ(rc, WH_OK);
}

/* Only what comes before the exchange subscribed (or when it could not be
 * made): the exchange hears its request's events itself. */
static inline void fx_on_abort(hx_req_t *req, hx_abort_reason why, void *ud)
{
    hwfx *f = ud;
    f->aborts++;
}

static const hx_handler_t fx_handler = {.on_request = fx_on_request, .on_abort = fx_on_abort};

static inline void fx_wake(void *ud)
{
    ((hwfx *)ud)->wakes++;
}

static inline void fx_setup(hwfx *f, const hx_config_t *hcfg)
{
    memset(f, 0, sizeof *f);
    wasi_config_init(&f->cfg);
    uv_loop_init(&f->loop);
    f->l = cm_linker_new();
    wh_err_t err = {0};
    TH_EQ(wasi_link(f->l, &err), WH_OK);
    wh_rc rc = hw_link(f->l, &err);
    if (rc)
        fprintf(stderr, "hw_link: %s\n", err.msg);
    TH_EQ(rc, WH_OK);
    f->ctx = wasi_ctx_new(&f->cfg, &f->loop);
    wasi_ctx_set_waker(f->ctx, fx_wake, f);
    f->inst.cfg.user = f->ctx;
    wh_arena_init(&f->arena, 1 << 16);
    f->srv = hx__server_new_detached(hcfg, &fx_handler, f);
    f->c = hx__conn_new_detached(f->srv, fx_sink, f);
}

/* Ends the guest's call (if an exchange is open) with rc: the status. */
static inline int fx_finish(hwfx *f, wh_rc rc)
{
    if (!f->ex)
        return -1;
    int s = hw_exchange_finish(f->ex, rc, &f->body_bytes);
    f->ex = NULL;
    hx__conn_run(f->c);
    return s;
}

static inline void fx_teardown(hwfx *f)
{
    if (f->ex)
        fx_finish(f, WH_OK);
    hx__conn_free_detached(f->c);
    hx__server_free_detached(f->srv);
    wasi_ctx_free(f->ctx);
    uv_run(&f->loop, UV_RUN_NOWAIT);
    uv_loop_close(&f->loop);
    cm_linker_free(f->l);
    wh_arena_free(&f->arena);
    free(f->out);
}

/* The loop gets control (the guest waits or its call returned): held
 * output goes to the client. */
static inline void fx_loop(hwfx *f)
{
    uv_run(&f->loop, UV_RUN_NOWAIT);
    hx__conn_run(f->c);
}

static inline bool fx_feed(hwfx *f, const char *s)
{
    return hx__conn_feed(f->c, s, strlen(s));
}

static inline void fx_clear_out(hwfx *f)
{
    f->out_len = 0;
    if (f->out)
        f->out[0] = 0;
}

/* ---- calling the host ---- */

static inline wh_rc fx_call(hwfx *f, const char *iface, const char *name, const cm_val_t *args,
                            cm_val_t *res)
{
    cm__iface *i = cm__linker_iface(f->l, iface);
    const cm__lfunc *lf = i ? cm__linker_func(i, name) : NULL;
    if (!lf) {
        th_check(false, name, __FILE__, __LINE__);
        return WH_NOTFOUND;
    }
    cm_call_t call = {.inst = &f->inst, .arena = &f->arena};
    call.trap[0] = 0;
    cm_val_t dummy;
    if (!res)
        res = &dummy;
    memset(res, 0, sizeof *res);
    wh_rc rc = lf->fn(&call, lf->env, args, res);
    snprintf(f->trap, sizeof f->trap, "%s", call.trap);
    return rc;
}

#define HT(f, name, args, res) fx_call((f), HW_TYPES, (name), (args), (res))

static inline cm_val_t v_str(const char *s)
{
    cm_val_t v = {.kind = CM_STRING};
    v.of.str.ptr = s;
    v.of.str.len = strlen(s);
    return v;
}

static inline cm_val_t v_bytes_n(hwfx *f, const void *p, size_t n)
{
    cm_val_t v = {.kind = CM_LIST};
    v.of.bytes.ptr = wh_arena_dup(&f->arena, p, n ? n : 1);
    v.of.bytes.n = (uint32_t)n;
    return v;
}

static inline cm_val_t v_bytes(hwfx *f, const char *s)
{
    return v_bytes_n(f, s, strlen(s));
}

static inline cm_val_t v_h(uint32_t rep)
{
    cm_val_t v = {.kind = CM_OWN};
    v.of.handle.rep = rep;
    return v;
}

static inline cm_val_t v_u(uint8_t kind, uint64_t u)
{
    cm_val_t v = {.kind = kind};
    v.of.u = u;
    return v;
}

/* option/result/variant with a payload in the arena */
static inline cm_val_t v_var(hwfx *f, uint8_t kind, uint32_t tag, const cm_val_t *payload)
{
    cm_val_t v = {.kind = kind};
    v.of.var.tag = tag;
    if (payload) {
        v.of.var.v = wh_arena_alloc(&f->arena, sizeof *payload);
        *v.of.var.v = *payload;
    }
    return v;
}

/* ---- results ---- */

static inline bool r_ok(const cm_val_t *r)
{
    return r->kind == CM_RESULT && r->of.var.tag == 0;
}

/* The payload handle of ok(own<T>) (or of own<T> itself); 0 if none. */
static inline uint32_t r_rep(const cm_val_t *r)
{
    if (r->kind == CM_RESULT || r->kind == CM_OPTION)
        return r->of.var.tag == (r->kind == CM_OPTION ? 1u : 0u) && r->of.var.v
                   ? r->of.var.v->of.handle.rep
                   : 0;
    return r->of.handle.rep;
}

/* The case of err(variant) (header-error, error-code), -1 for ok. */
static inline int r_err(const cm_val_t *r)
{
    if (r->kind != CM_RESULT)
        return -2;
    if (r->of.var.tag == 0)
        return -1;
    return r->of.var.v ? (int)r->of.var.v->of.var.tag : -3;
}

/* A list<u8> result as a string in the arena. */
static char *r_text(hwfx *f, const cm_val_t *list)
{
    char *s = wh_arena_alloc(&f->arena, list->of.bytes.n + 1);
    memcpy(s, list->of.bytes.ptr, list->of.bytes.n);
    s[list->of.bytes.n] = 0;
    return s;
}

/* ---- guest operations ---- */

static inline uint32_t g_fields(hwfx *f)
{
    cm_val_t r;
    TH_EQ(HT(f, "[constructor]fields", NULL, &r), WH_OK);
    return r.of.handle.rep;
}

/* fields.append: -1 ok, else the header-error case */
static inline int g_append(hwfx *f, uint32_t h, const char *name, const char *value)
{
    cm_val_t a[3] = {v_h(h), v_str(name), v_bytes(f, value)}, r;
    TH_EQ(HT(f, "[method]fields.append", a, &r), WH_OK);
    return r_err(&r);
}

/* fields.get, values joined with ',' ("" for none) */
static char *g_get(hwfx *f, uint32_t h, const char *name)
{
    cm_val_t a[2] = {v_h(h), v_str(name)}, r;
    TH_EQ(HT(f, "[method]fields.get", a, &r), WH_OK);
    size_t n = 0;
    for (uint32_t i = 0; i < r.of.list.n; i++)
        n += r.of.list.v[i].of.bytes.n + 1;
    char *s = wh_arena_calloc(&f->arena, n + 1);
    for (uint32_t i = 0; i < r.of.list.n; i++) {
        if (i)
            strcat(s, ",");
        strcat(s, r_text(f, &r.of.list.v[i]));
    }
    return s;
}

/* fields.entries as "name=value;..." */
static char *g_entries(hwfx *f, uint32_t h)
{
    cm_val_t a[1] = {v_h(h)}, r;
    TH_EQ(HT(f, "[method]fields.entries", a, &r), WH_OK);
    size_t n = 1;
    for (uint32_t i = 0; i < r.of.list.n; i++)
        n += r.of.list.v[i].of.list.v[0].of.str.len + r.of.list.v[i].of.list.v[1].of.bytes.n + 2;
    char *s = wh_arena_calloc(&f->arena, n);
    for (uint32_t i = 0; i < r.of.list.n; i++) {
        const cm_val_t *kv = r.of.list.v[i].of.list.v;
        strncat(s, kv[0].of.str.ptr, kv[0].of.str.len);
        strcat(s, "=");
        strcat(s, r_text(f, &kv[1]));
        strcat(s, ";");
    }
    return s;
}

static inline uint32_t g_response(hwfx *f, uint32_t headers, int status)
{
    cm_val_t a[2] = {v_h(headers)}, r;
    TH_EQ(HT(f, "[constructor]outgoing-response", a, &r), WH_OK);
    uint32_t resp = r.of.handle.rep;
    if (status != 200) {
        a[0] = v_h(resp);
        a[1] = v_u(CM_U16, (uint64_t)status);
        TH_EQ(HT(f, "[method]outgoing-response.set-status-code", a, &r), WH_OK);
        TH_OK(r_ok(&r));
    }
    return resp;
}

static inline uint32_t g_resp_body(hwfx *f, uint32_t resp)
{
    cm_val_t a[1] = {v_h(resp)}, r;
    TH_EQ(HT(f, "[method]outgoing-response.body", a, &r), WH_OK);
    TH_OK(r_ok(&r));
    return r_rep(&r);
}

static inline uint32_t g_body_stream(hwfx *f, uint32_t body)
{
    cm_val_t a[1] = {v_h(body)}, r;
    TH_EQ(HT(f, "[method]outgoing-body.write", a, &r), WH_OK);
    TH_OK(r_ok(&r));
    return r_rep(&r);
}

static inline void g_set_ok(hwfx *f, uint32_t resp)
{
    cm_val_t own = v_h(resp);
    cm_val_t a[2] = {v_h(f->out_rep), v_var(f, CM_RESULT, 0, &own)};
    TH_EQ(HT(f, "[static]response-outparam.set", a, NULL), WH_OK);
}

/* output-stream.check-write: the count, or -1 - the stream-error case */
static inline int64_t g_check_write(hwfx *f, uint32_t s)
{
    cm_val_t a[1] = {v_h(s)}, r;
    TH_EQ(fx_call(f, IO_STREAMS, "[method]output-stream.check-write", a, &r), WH_OK);
    return r_ok(&r) ? (int64_t)r.of.var.v->of.u : -1 - (int64_t)r.of.var.v->of.var.tag;
}

/* output-stream.write: -1 ok, else the stream-error case (0 failed, 1 closed) */
static inline int g_write(hwfx *f, uint32_t s, const void *p, size_t n)
{
    cm_val_t a[2] = {v_h(s), v_bytes_n(f, p, n)}, r;
    wh_rc rc = fx_call(f, IO_STREAMS, "[method]output-stream.write", a, &r);
    TH_EQ(rc, WH_OK);
    if (rc)
        return -2;
    return r_err(&r);
}

/* The error-code of the last-operation-failed error of a stream result r
 * (-1 when it is not one, -2 when http-error-code says none). */
static inline int g_stream_http_error(hwfx *f, const cm_val_t *r)
{
    if (r_ok(r) || r->of.var.v->of.var.tag != 0)
        return -1;
    cm_val_t a[1] = {v_h(r->of.var.v->of.var.v->of.handle.rep)}, o;
    TH_EQ(HT(f, "http-error-code", a, &o), WH_OK);
    return o.of.var.tag == 1 ? (int)o.of.var.v->of.var.tag : -2;
}

/* outgoing-body.finish: -1 ok, else the error-code case */
static inline int g_finish(hwfx *f, uint32_t body, uint32_t trailers)
{
    cm_val_t t = v_h(trailers);
    cm_val_t a[2] = {v_h(body), v_var(f, CM_OPTION, trailers ? 1 : 0, trailers ? &t : NULL)}, r;
    TH_EQ(HT(f, "[static]outgoing-body.finish", a, &r), WH_OK);
    return r_err(&r);
}

static inline void g_drop(hwfx *f, uint32_t rep)
{
    wasi_table_remove(f->ctx, rep);
}

static inline size_t count_of(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; p && (p = strstr(p, needle)); p++)
        n++;
    return n;
}

#endif
