/*
 * wasi_ctx.c — the per-instance context: the object table, waiting and
 * waking, the timer, and the helpers every binding uses.
 */
#include "wasi_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* ---- objects ---- */

void wasi_obj_ref(wasi_obj_t *o)
{
    o->refs++;
}

void wasi_obj_unref(wasi_ctx_t *ctx, wasi_obj_t *o)
{
    if (o && --o->refs == 0)
        o->type->destroy(ctx, o);
}

uint32_t wasi_table_add(wasi_ctx_t *ctx, wasi_obj_t *o)
{
    if (ctx->table.len == 0 && !wh_vec_push(&ctx->table, NULL))
        goto nomem;
    for (uint32_t i = ctx->free_hint; i < ctx->table.len; i++)
        if (i && !ctx->table.data[i]) {
            ctx->table.data[i] = o;
            ctx->free_hint = i + 1;
            return i;
        }
    if (!wh_vec_push(&ctx->table, o))
        goto nomem;
    ctx->free_hint = (uint32_t)ctx->table.len;
    return (uint32_t)ctx->table.len - 1;
nomem:
    wasi_obj_unref(ctx, o);
    return 0;
}

wasi_obj_t *wasi_table_get(wasi_ctx_t *ctx, uint32_t rep, const wasi_objtype_t *type)
{
    if (rep == 0 || rep >= ctx->table.len)
        return NULL;
    wasi_obj_t *o = ctx->table.data[rep];
    return o && (!type || o->type == type) ? o : NULL;
}

void wasi_table_remove(wasi_ctx_t *ctx, uint32_t rep)
{
    if (rep == 0 || rep >= ctx->table.len || !ctx->table.data[rep])
        return;
    wasi_obj_t *o = ctx->table.data[rep];
    ctx->table.data[rep] = NULL;
    if (rep < ctx->free_hint)
        ctx->free_hint = rep;
    wasi_obj_unref(ctx, o);
}

/* The destructor every host resource type gets: the guest dropped its own
 * handle, so the table lets go of the object. */
static void drop_rep(void *env, cm_instance_t *inst, uint32_t rep)
{
    wasi_ctx_t *ctx = cm_instance_user(inst);
    if (ctx)
        wasi_table_remove(ctx, rep);
}

/* ---- the context ---- */

wasi_ctx_t *wasi_ctx_new(const wasi_config_t *cfg, uv_loop_t *loop)
{
    wasi_ctx_t *ctx = wh_calloc(1, sizeof *ctx);
    if (!ctx)
        return NULL;
    ctx->cfg = cfg;
    ctx->loop = loop;
    return ctx;
}

static void timer_closed(uv_handle_t *h)
{
    wh_free(h);
}

void wasi_ctx_free(wasi_ctx_t *ctx)
{
    if (!ctx)
        return;
    /* Objects may hold others (a pollable its stream): releasing the
     * table's references in any order is fine, the counts keep each alive
     * until its last holder goes. */
    for (size_t i = 1; i < ctx->table.len; i++)
        if (ctx->table.data[i]) {
            wasi_obj_t *o = ctx->table.data[i];
            ctx->table.data[i] = NULL;
            wasi_obj_unref(ctx, o);
        }
    for (int i = 0; i < 3; i++)
        wasi_obj_unref(ctx, ctx->stdio[i]);
    wh_vec_free(&ctx->table);
    if (ctx->free_ext)
        ctx->free_ext(ctx->ext);
    if (ctx->timer)
        uv_close((uv_handle_t *)ctx->timer, timer_closed);
    wh_free(ctx);
}

void wasi_ctx_set_waker(wasi_ctx_t *ctx, void (*wake)(void *ud), void *ud)
{
    ctx->wake = wake;
    ctx->wake_ud = ud;
}

void wasi_ctx_set_output(wasi_ctx_t *ctx,
                         void (*out)(void *ud, int which, const uint8_t *buf, size_t n), void *ud)
{
    ctx->out = out;
    ctx->out_ud = ud;
}

const char *wasi_ctx_waiting_on(const wasi_ctx_t *ctx)
{
    return ctx->waiting && ctx->waiting_on[0] ? ctx->waiting_on : NULL;
}

bool wasi_ctx_exited(const wasi_ctx_t *ctx, int *code)
{
    if (ctx->exited && code)
        *code = ctx->exit_code;
    return ctx->exited;
}

void wasi_ctx_set_ext(wasi_ctx_t *ctx, void *ext, void (*free_ext)(void *ext))
{
    ctx->ext = ext;
    ctx->free_ext = free_ext;
}

void *wasi_ctx_ext(const wasi_ctx_t *ctx)
{
    return ctx->ext;
}

uv_loop_t *wasi_ctx_loop(const wasi_ctx_t *ctx)
{
    return ctx->loop;
}

void wasi_ctx_notify(wasi_ctx_t *ctx)
{
    if (!ctx->waiting)
        return;
    ctx->waiting = false;
    if (ctx->wake)
        ctx->wake(ctx->wake_ud);
}

wh_rc wasi_wait(wasi_ctx_t *ctx, const char *what)
{
    if (what)
        snprintf(ctx->waiting_on, sizeof ctx->waiting_on, "%s", what);
    ctx->waiting = true;
    return WH_SUSPEND;
}

uint64_t wasi_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void timer_fired(uv_timer_t *t)
{
    wasi_ctx_t *ctx = t->data;
    ctx->timer_due = 0;
    wasi_ctx_notify(ctx);
}

void wasi_timer_arm(wasi_ctx_t *ctx, uint64_t due)
{
    if (!ctx->timer) {
        ctx->timer = wh_malloc(sizeof *ctx->timer);
        if (!ctx->timer)
            return; /* the guest then waits for another event; rare enough */
        uv_timer_init(ctx->loop, ctx->timer);
        ctx->timer->data = ctx;
    }
    if (ctx->timer_due && ctx->timer_due <= due)
        return;
    uint64_t now = wasi_now_ns();
    /* libuv counts milliseconds; round up so that the timer never fires
     * before the instant and the retry finds it ready. */
    uint64_t ms = due > now ? (due - now + 999999) / 1000000 : 0;
    ctx->timer_due = due;
    uv_timer_start(ctx->timer, timer_fired, ms, 0);
}

/* ---- helpers for host functions ---- */

void *wasi_arg_obj(cm_call_t *call, const cm_val_t *v, const wasi_objtype_t *type)
{
    wasi_obj_t *o = wasi_table_get(wasi_ctx_of(call), v->of.handle.rep, type);
    if (!o)
        cm_call_trap(call, "WASI: handle %u is not a live %s", v->of.handle.rep, type->name);
    return o;
}

wh_rc wasi_nomem(cm_call_t *call)
{
    return cm_call_trap(call, "WASI host: out of memory");
}

cm_val_t *wasi_box(cm_call_t *call, cm_val_t v)
{
    cm_val_t *p = cm_call_alloc(call, sizeof *p);
    if (p)
        *p = v;
    return p;
}

static wh_rc result_of(cm_call_t *call, cm_val_t *result, uint32_t tag, const cm_val_t *payload)
{
    result->kind = CM_RESULT;
    result->of.var.tag = tag;
    result->of.var.v = NULL;
    if (payload && !(result->of.var.v = wasi_box(call, *payload)))
        return wasi_nomem(call);
    return WH_OK;
}

wh_rc wasi_ok(cm_call_t *call, cm_val_t *result, const cm_val_t *payload)
{
    return result_of(call, result, 0, payload);
}

wh_rc wasi_errv(cm_call_t *call, cm_val_t *result, const cm_val_t *payload)
{
    return result_of(call, result, 1, payload);
}

cm_val_t wasi_str(cm_call_t *call, const char *s, size_t n)
{
    cm_val_t v = {.kind = CM_STRING};
    char *p = n ? cm_call_alloc(call, n) : NULL;
    if (p)
        memcpy(p, s, n);
    v.of.str.ptr = p ? p : "";
    v.of.str.len = p ? n : 0;
    return v;
}

wh_rc wasi_bytes(cm_call_t *call, const uint8_t *p, size_t n, cm_val_t *out)
{
    uint8_t *b = cm_call_alloc(call, n ? n : 1);
    if (!b)
        return wasi_nomem(call);
    memcpy(b, p, n);
    *out = (cm_val_t){.kind = CM_LIST};
    out->of.bytes.ptr = b;
    out->of.bytes.n = (uint32_t)n;
    return WH_OK;
}

char *wasi_cstr(cm_call_t *call, const cm_val_t *v)
{
    char *p = cm_call_alloc(call, v->of.str.len + 1);
    if (p) {
        memcpy(p, v->of.str.ptr, v->of.str.len);
        p[v->of.str.len] = 0;
    }
    return p;
}

/* ---- defining interfaces ---- */

wh_rc wasi_define(cm_linker_t *l, const char *iface, const wasi_typedef_t *types, size_t ntypes,
                  const wasi_func_t *funcs, size_t nfuncs, wh_err_t *err)
{
    wh_rc rc;
    for (size_t i = 0; i < ntypes; i++) {
        if (!strcmp(types[i].def, "resource"))
            rc = cm_linker_define_resource(l, iface, types[i].name, drop_rep, NULL, err);
        else
            rc = cm_linker_define_type(l, iface, types[i].name, types[i].def, err);
        if (rc)
            return rc;
    }
    for (size_t i = 0; i < nfuncs; i++)
        if ((rc = cm_linker_define_func(l, iface, funcs[i].name, funcs[i].sig, funcs[i].fn, NULL,
                                        err)))
            return rc;
    return WH_OK;
}

wh_rc wasi_link(cm_linker_t *l, wh_err_t *err)
{
    wh_rc rc;
    if ((rc = wasi_link_io(l, err)) || (rc = wasi_link_cli(l, err)) ||
        (rc = wasi_link_filesystem(l, err)) || (rc = wasi_link_sockets(l, err)))
        return rc;
    return WH_OK;
}

void wasi_config_init(wasi_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->stdin_fd = -1;
    cfg->stdout_fd = 1;
    cfg->stderr_fd = 2;
}
