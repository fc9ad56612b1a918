/*
 * wm_call.c — calling functions from the host: typed values in and out,
 * suspension and resumption, and what a host function can ask of its call.
 */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static uint32_t put_val(wm_slot *s, const wm_val_t *v)
{
    switch (v->type) {
    case WM_I32:
        s->i64 = v->of.i32;
        return 1;
    case WM_I64:
    case WM_F64:
        s->i64 = v->of.i64;
        return 1;
    case WM_F32:
        s->i64 = v->of.i32;
        return 1;
    case WM_V128:
        memcpy(s, v->of.v128, 16);
        return 2;
    default:
        s->ref = v->of.ref;
        return 1;
    }
}

static uint32_t get_val(const wm_slot *s, uint8_t type, wm_val_t *v)
{
    memset(v, 0, sizeof *v);
    v->type = type;
    switch (type) {
    case WM_I32:
    case WM_F32:
        v->of.i32 = s->i32;
        return 1;
    case WM_I64:
    case WM_F64:
        v->of.i64 = s->i64;
        return 1;
    case WM_V128:
        memcpy(v->of.v128, s, 16);
        return 2;
    default:
        v->of.ref = s->ref;
        return 1;
    }
}

static void read_results(const wm_functype_t *t, const wm_slot *p, wm_val_t *results,
                         uint32_t nresults)
{
    for (uint32_t i = 0; i < nresults && i < t->nresults; i++)
        p += get_val(p, t->results[i], &results[i]);
}

wh_rc wm_func_call(wm_store_t *s, wm_func_t *f, const wm_val_t *args, uint32_t nargs,
                   wm_val_t *results, uint32_t nresults, wh_err_t *err)
{
    if (s->suspended)
        return wh_err(err, WH_ARG, -1, "the store has a suspended call: resume or abort it first");
    const wm_functype_t *t = f->type;
    if (nargs != t->nparams)
        return wh_err(err, WH_ARG, -1, "expected %u arguments, got %u", t->nparams, nargs);
    if (nresults != t->nresults)
        return wh_err(err, WH_ARG, -1, "expected room for %u results, got %u", t->nresults,
                      nresults);
    for (uint32_t i = 0; i < nargs; i++)
        if (args[i].type != t->params[i])
            return wh_err(err, WH_ARG, -1, "argument %u has the wrong type", i);
    wm_slot *base = s->sp_top ? s->sp_top : s->stack;
    uint32_t need = wm__types_slots(t->params, t->nparams);
    uint32_t rneed = wm__types_slots(t->results, t->nresults);
    if (rneed > need)
        need = rneed;
    if (base + need > s->stack_end)
        return wh_err(err, WH_EXHAUSTED, -1, WM_MSG_EXHAUSTED);
    wm_slot *p = base;
    for (uint32_t i = 0; i < nargs; i++)
        p += put_val(p, &args[i]);
    wm_func_t *outer_entry = s->entry_func;
    s->entry_func = f;
    wh_rc rc = wm__exec(s, f, base, err);
    /* From this call's own base: a nested call may have run meanwhile. */
    if (rc == WH_OK)
        read_results(t, base, results, nresults);
    if (rc != WH_SUSPEND)
        s->entry_func = outer_entry;
    return rc;
}

wh_rc wm_store_resume(wm_store_t *s, wm_val_t *results, uint32_t nresults, wh_err_t *err)
{
    if (!s->suspended)
        return wh_err(err, WH_ARG, -1, "nothing to resume");
    if (nresults != s->entry_func->type->nresults)
        return wh_err(err, WH_ARG, -1, "expected room for %u results, got %u",
                      s->entry_func->type->nresults, nresults);
    wh_rc rc = wm__resume(s, err);
    if (rc == WH_OK)
        read_results(s->entry_func->type, s->susp_base, results, nresults);
    return rc;
}

void wm_store_abort(wm_store_t *s)
{
    s->suspended = false;
}

bool wm_store_suspended(const wm_store_t *s)
{
    return s->suspended;
}

wm_instance_t *wm_call_instance(wm_call_t *call)
{
    return call->inst;
}

wm_memory_t *wm_call_memory(wm_call_t *call)
{
    return call->inst ? call->inst->mem0 : NULL;
}

wm_store_t *wm_call_store(wm_call_t *call)
{
    return call->store;
}

wh_rc wm_call_trap(wm_call_t *call, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(call->store->trap_msg, sizeof call->store->trap_msg, fmt, ap);
    va_end(ap);
    return WH_TRAP;
}
