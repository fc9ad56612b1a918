/*
 * cm_instance.c — instantiating a component: replays the parsed definitions
 * in order over runtime index spaces (one scope per component, nested ones
 * included), resolving the root's imports against the linker, and creating
 * core instances, lifted functions, lowered trampolines and resource
 * built-ins. Also the resource handle table.
 *
 * Invariant: a scope's arrays hold, for every index defined so far, the
 * runtime item of that index; a definition only reads earlier indices.
 */
#include "cm_linker.h"
#include "cm_rt.h"

#include <stdio.h>
#include <string.h>

void *cm__ialloc(cm_instance_t *inst, size_t n)
{
    return wh_arena_calloc(&inst->arena, n ? n : 1);
}

/* ---- call frames ---- */

wh_rc cm__frame_get(cm_instance_t *inst, uint32_t depth, cm__frame **out, wh_err_t *err)
{
    if (depth > CM__MAX_CALL_DEPTH)
        return wh_err(err, WH_TRAP, -1,
                      "calls across the component boundary nested more than %u deep",
                      CM__MAX_CALL_DEPTH);
    /* Frames are allocated one by one, so that growing the vector moves
     * only pointers: an outer call keeps using its frame's arena. */
    while (inst->frames.len <= depth) {
        cm__frame *f = wh_calloc(1, sizeof *f);
        if (!f || !wh_vec_push(&inst->frames, f)) {
            wh_free(f);
            return wh_err(err, WH_NOMEM, -1, "out of memory");
        }
        wh_arena_init(&f->arena, 4096);
    }
    *out = inst->frames.data[depth];
    return WH_OK;
}

void cm__frames_free(cm_instance_t *inst)
{
    for (uint32_t i = 0; i < inst->frames.len; i++) {
        wh_arena_free(&inst->frames.data[i]->arena);
        wh_vec_free(&inst->frames.data[i]->lenders);
        wh_free(inst->frames.data[i]);
    }
    wh_vec_free(&inst->frames);
}

/* ---- handles ---- */

wh_rc cm__handle_new(cm_instance_t *inst, cm__cinst *ci, cm__rres *rt, uint32_t rep, bool own,
                     uint32_t scope_, uint32_t *out, wh_err_t *err)
{
    if (ci->handles.len == 0 && !wh_vec_push(&ci->handles, (cm__handle){0}))
        return wh_err(err, WH_NOMEM, -1, "out of memory");
    uint32_t i = ci->free_handle;
    if (i) {
        ci->free_handle = ci->handles.data[i].next_free;
    } else {
        if (ci->handles.len >= (1u << 28))
            return wh_err(err, WH_TRAP, -1, "too many resource handles");
        if (!wh_vec_push(&ci->handles, (cm__handle){0}))
            return wh_err(err, WH_NOMEM, -1, "out of memory");
        i = ci->handles.len - 1;
    }
    ci->handles.data[i] =
        (cm__handle){.rep = rep, .rt = rt, .used = true, .own = own, .borrow_scope = scope_};
    /* a borrow is lent to the call at its scope, whose frame exists */
    if (!own && scope_ < inst->frames.len)
        inst->frames.data[scope_]->nborrows++;
    *out = i;
    return WH_OK;
}

static cm__handle *handle_get(cm__cinst *ci, uint32_t i, const cm__rres *rt, wh_err_t *err)
{
    if (i == 0 || i >= ci->handles.len || !ci->handles.data[i].used) {
        wh_err(err, WH_TRAP, -1, "canonical ABI: unknown handle index %u", i);
        return NULL;
    }
    cm__handle *h = &ci->handles.data[i];
    if (rt && h->rt != rt) {
        wh_err(err, WH_TRAP, -1, "canonical ABI: handle %u is a %s, not a %s", i, h->rt->name,
               rt->name);
        return NULL;
    }
    return h;
}

static void handle_free(cm_instance_t *inst, cm__cinst *ci, uint32_t i)
{
    cm__handle *h = &ci->handles.data[i];
    if (!h->own && h->borrow_scope < inst->frames.len)
        inst->frames.data[h->borrow_scope]->nborrows--;
    h->used = false;
    h->next_free = ci->free_handle;
    ci->free_handle = i;
}

wh_rc cm__handle_take(cm_instance_t *inst, cm__cinst *ci, uint32_t index, cm__rres *rt, bool own,
                      uint32_t scope, uint32_t *out_rep, wh_err_t *err)
{
    cm__handle *h = handle_get(ci, index, rt, err);
    if (!h)
        return WH_TRAP;
    if (own) {
        if (!h->own)
            return wh_err(err, WH_TRAP, -1, "canonical ABI: handle %u is borrowed, not owned",
                          index);
        if (h->lend_count)
            return wh_err(err, WH_TRAP, -1,
                          "canonical ABI: cannot remove owned resource while borrowed "
                          "(handle %u is lent to a call)",
                          index);
        *out_rep = h->rep;
        handle_free(inst, ci, index);
        return WH_OK;
    }
    if (h->own && scope < inst->frames.len) {
        cm__lender l = {ci, index};
        if (!wh_vec_push(&inst->frames.data[scope]->lenders, l))
            return wh_err(err, WH_NOMEM, -1, "out of memory");
        h->lend_count++;
    }
    *out_rep = h->rep;
    return WH_OK;
}

void cm__frame_unlend(cm__frame *f)
{
    for (uint32_t i = 0; i < f->lenders.len; i++) {
        cm__lender *l = &f->lenders.data[i];
        l->ci->handles.data[l->index].lend_count--;
    }
    f->lenders.len = 0;
}

/* Drops a handle the way resource.drop does (CanonicalABI.md
 * canon_resource_drop): an own handle's resource is destroyed. */
static wh_rc handle_drop(cm_instance_t *inst, cm__cinst *ci, uint32_t index, cm__rres *rt,
                         wh_err_t *err)
{
    cm__handle *h = handle_get(ci, index, rt, err);
    if (!h)
        return WH_TRAP;
    if (h->own && h->lend_count)
        return wh_err(err, WH_TRAP, -1,
                      "canonical ABI: cannot drop owned resource while borrowed "
                      "(handle %u is lent to a call)",
                      index);
    bool own = h->own;
    uint32_t rep = h->rep;
    cm__rres *t = h->rt;
    handle_free(inst, ci, index);
    if (!own)
        return WH_OK;
    if (t->host_dtor)
        t->host_dtor(t->host_env, inst, rep);
    if (t->guest_dtor) {
        wm_val_t arg = {.type = WM_I32, .of.i32 = rep};
        return wm_func_call(inst->store, t->guest_dtor, &arg, 1, NULL, 0, err);
    }
    return WH_OK;
}

/* ---- calls across the boundary ---- */

void *cm_call_alloc(cm_call_t *call, size_t n)
{
    return wh_arena_alloc(call->arena, n);
}

cm_instance_t *cm_call_instance(cm_call_t *call)
{
    return call->inst;
}

wh_rc cm_call_trap(cm_call_t *call, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(call->trap, sizeof call->trap, fmt, ap);
    va_end(ap);
    return WH_TRAP;
}

/* Saturated like a type's nflat: any count above CM_MAX_FLAT_PARAMS spills. */
static uint32_t params_flat(const cm_functype_t *ft)
{
    uint64_t n = 0;
    for (uint32_t i = 0; i < ft->nparams; i++)
        n += ft->params[i]->nflat;
    return n > CM__FLAT_CAP ? CM__FLAT_MANY : (uint32_t)n;
}

/* The parameters as one tuple, for when they spill to memory. */
static wh_rc params_tuple(wh_arena_t *a, const cm_functype_t *ft, cm_type_t *out)
{
    *out = (cm_type_t){.kind = CM_TUPLE, .n = ft->nparams, .elems = ft->params};
    return cm__layout(out, a);
}

static wh_rc call_host(cm_instance_t *inst, cm_func_t *f, const cm_val_t *args, cm_val_t *result,
                       wh_arena_t *arena, wh_err_t *err)
{
    cm_call_t call; /* not zeroed whole: this runs for every host call */
    call.inst = inst;
    call.arena = arena;
    call.trap[0] = '\0';
    memset(result, 0, sizeof *result);
    wh_rc rc = f->fn(&call, f->env, args, result);
    if (rc == WH_TRAP)
        return wh_err(err, WH_TRAP, -1, "%s", call.trap[0] ? call.trap : "host function trapped");
    if (rc && rc != WH_SUSPEND)
        return wh_err(err, rc, -1, "%s: %s", f->name ? f->name : "host function",
                      call.trap[0] ? call.trap : wh_rc_name(rc));
    return rc;
}

static void slots_to_vals(const uint8_t *types, uint32_t n, const wm_slot *s, wm_val_t *v)
{
    for (uint32_t i = 0; i < n; i++) {
        v[i].type = types[i];
        v[i].of.i64 = s[i].i64;
    }
}

/* Calls a lifted (guest) function with host values. */
/* The context of a lifted function's lift and lower: the guest side, and
 * the types, are its own component instance's; borrows belong to the call
 * at depth. */
static cm__cx lifted_cx(cm_instance_t *inst, cm_func_t *f, wh_arena_t *arena, uint32_t depth,
                        wh_err_t *err)
{
    return (cm__cx){.inst = inst,
                    .ci = f->ci,
                    .tci = f->ci,
                    .opts = &f->opts,
                    .arena = arena,
                    .err = err,
                    .borrow_scope = depth};
}

/* The second half of a lifted call, once the core function has returned
 * (at once, or after suspensions): lift the result, check borrows, run
 * post-return. */
static wh_rc finish_lifted(cm_instance_t *inst, cm_func_t *f, const wm_val_t *cres,
                           cm_val_t *result, wh_arena_t *arena, uint32_t depth, wh_err_t *err)
{
    const cm_functype_t *ft = f->type;
    const wm_functype_t *ct = wm_func_type(f->core);
    cm__cx cx = lifted_cx(inst, f, arena, depth, err);
    wh_rc rc = WH_OK;
    if (ft->result) {
        if (ft->result->nflat <= CM_MAX_FLAT_RESULTS) {
            wm_slot rs[1];
            rs[0].i64 = cres[0].of.i64;
            uint32_t i = 0;
            rc = cm__lift_flat(&cx, ft->result, rs, 1, &i, result);
        } else {
            rc = cm__lift_mem(&cx, ft->result, cres[0].of.i32, result);
        }
    }
    uint32_t nborrows = inst->frames.data[depth]->nborrows;
    if (!rc && nborrows)
        rc = wh_err(err, WH_TRAP, -1,
                    "canonical ABI: %u borrowed handle(s) outlived the call that lent them",
                    nborrows);
    if (!rc && f->opts.post_return) {
        rc = wm_func_call(inst->store, f->opts.post_return, cres, ct->nresults, NULL, 0, err);
        /* A time slice may end inside post-return, which suspends it at a
         * loop header; the call it follows is over, so it is not suspended
         * with it: finished here (post-return may not call imports, so a
         * yield is its only suspension; a deadline still stops it). */
        while (rc == WH_SUSPEND && wm_store_yielded(inst->store))
            rc = wm_store_resume(inst->store, NULL, 0, err);
        if (rc == WH_SUSPEND)
            rc = wh_err(err, WH_TRAP, -1, "post-return suspended, which it may not do");
    }
    return rc;
}

/* Is a an ancestor of b, or b itself? */
static bool reflexive_ancestor(const cm__cinst *a, const cm__cinst *b)
{
    for (; b; b = b->parent)
        if (a == b)
            return true;
    return false;
}

/* May caller (NULL: the host) call into callee? CanonicalABI.md
 * call_might_be_recursive: not from an instance into itself, one it
 * contains or one that contains it; and from the host not while a guest
 * call of the same root instance runs below (every instance of a root
 * shares an ancestor, the root's). Also not into an instance that is
 * running a call already, whoever calls (wasmtime's may_enter): a chain
 * through a third instance would otherwise reenter it. */
static wh_rc check_enter(cm_instance_t *inst, const cm__cinst *caller, const cm__cinst *callee,
                         wh_err_t *err)
{
    const char *why = NULL;
    if (callee->active)
        why = "it is running a call already";
    else if (!caller && inst->depth)
        why = "the host called it back while one of its calls runs";
    else if (caller && reflexive_ancestor(callee, caller))
        why = caller == callee ? "a call from itself" : "a call from an instance it contains";
    else if (caller && reflexive_ancestor(caller, callee))
        why = "a call from an instance that contains it";
    if (why)
        return wh_err(err, WH_TRAP, -1, "cannot enter component instance: %s", why);
    return WH_OK;
}

/* Ends a lifted call that will not be resumed: restores the depth and
 * marks a trapped instance unusable. */
static wh_rc end_lifted(cm_instance_t *inst, cm_func_t *f, uint32_t depth, wh_rc rc)
{
    f->ci->active--;
    inst->frames.data[depth]->nborrows = 0;
    inst->depth = depth - 1;
    inst->susp.f = NULL;
    /* An exception that escapes a component's export is a trap there (the
     * Component Model lets none cross its boundary). */
    if (rc)
        inst->poisoned = rc == WH_TRAP || rc == WH_EXHAUSTED || rc == WH_OUT_OF_FUEL ||
                         rc == WH_INTERRUPTED || rc == WH_EXCEPTION;
    return rc;
}

/* Calls a lifted (guest) function with host values, for caller (the
 * component instance whose lowered import this is, or NULL for the host). */
static wh_rc call_lifted(cm_instance_t *inst, const cm__cinst *caller, cm_func_t *f,
                         const cm_val_t *args, cm_val_t *result, wh_arena_t *arena, wh_err_t *err)
{
    const cm_functype_t *ft = f->type;
    uint32_t depth = inst->depth + 1;
    cm__frame *frame;
    wh_rc rc = cm__frame_get(inst, depth, &frame, err);
    if (!rc)
        rc = check_enter(inst, caller, f->ci, err);
    if (rc)
        return rc;
    f->ci->active++;
    cm__cx cx = lifted_cx(inst, f, arena, depth, err);
    const wm_functype_t *ct = wm_func_type(f->core);
    wm_slot flat[CM_MAX_FLAT_PARAMS];
    wm_val_t cargs[CM_MAX_FLAT_PARAMS], cres[2];
    uint32_t nflat = params_flat(ft);
    inst->depth = depth;
    if (nflat <= CM_MAX_FLAT_PARAMS) {
        uint32_t i = 0;
        for (uint32_t k = 0; k < ft->nparams && !rc; k++)
            rc = cm__lower_flat(&cx, ft->params[k], &args[k], flat, nflat, &i);
    } else {
        cm_type_t tuple;
        cm_val_t tv = {.kind = CM_TUPLE, .of.list = {(cm_val_t *)args, ft->nparams}};
        uint32_t ptr = 0;
        rc = params_tuple(arena, ft, &tuple);
        if (!rc)
            rc = cm__guest_alloc(&cx, tuple.align, tuple.size, &ptr);
        if (!rc)
            rc = cm__lower_mem(&cx, &tuple, &tv, ptr);
        flat[0].i64 = ptr;
        nflat = 1;
    }
    if (!rc && nflat != ct->nparams)
        rc = wh_err(err, WH_INVALID, -1, "lifted function takes %u core values, not %u",
                    ct->nparams, nflat);
    if (!rc) {
        slots_to_vals(ct->params, nflat, flat, cargs);
        rc = wm_func_call(inst->store, f->core, cargs, nflat, cres, ct->nresults, err);
    }
    if (rc == WH_SUSPEND) {
        if (depth != 1) /* only a call the host drives from outside can wait */
            return end_lifted(inst, f, depth,
                              wh_err(err, WH_UNSUPPORTED, -1,
                                     "a guest suspended inside a nested component call"));
        inst->susp.f = f;
        inst->susp.arena = arena;
        inst->susp.result = result;
        return WH_SUSPEND; /* depth stays: the trampolines resume at it */
    }
    if (!rc)
        rc = finish_lifted(inst, f, cres, result, arena, depth, err);
    return end_lifted(inst, f, depth, rc);
}

wh_rc cm_resume(cm_instance_t *inst, wh_err_t *err)
{
    cm_func_t *f = inst->susp.f;
    if (!f)
        return wh_err(err, WH_ARG, -1, "the instance has no suspended call");
    const wm_functype_t *ct = wm_func_type(f->core);
    wm_val_t cres[2];
    wh_rc rc = wm_store_resume(inst->store, cres, ct->nresults, err);
    if (rc == WH_SUSPEND)
        return rc;
    if (!rc)
        rc = finish_lifted(inst, f, cres, inst->susp.result, inst->susp.arena, 1, err);
    return end_lifted(inst, f, 1, rc);
}

wh_rc cm_call(cm_instance_t *inst, cm_func_t *f, const cm_val_t *args, cm_val_t *result,
              wh_arena_t *arena, wh_err_t *err)
{
    cm_val_t none;
    if (!result)
        result = &none;
    memset(result, 0, sizeof *result);
    if (inst->poisoned)
        return wh_err(err, WH_TRAP, -1, "the instance trapped before and cannot be used again");
    if (inst->susp.f)
        return wh_err(err, WH_ARG, -1, "the instance has a suspended call: resume it first");
    if (f->kind == CM__FN_HOST)
        return call_host(inst, f, args, result, arena, err);
    return call_lifted(inst, NULL, f, args, result, arena, err);
}

/* A lowered function: what the guest's core code calls. */
typedef struct {
    cm_instance_t *inst;
    cm_func_t *callee;
    cm__ropts opts;
    uint32_t nparams_core;
    cm__cinst *caller; /* the component instance whose core code calls it */
} cm__lower;

static wh_rc trampoline(wm_call_t *wc, void *env, wm_slot *args)
{
    cm__lower *lo = env;
    cm_instance_t *inst = lo->inst;
    const cm_functype_t *ft = lo->callee->type;
    uint32_t depth = inst->depth + 1;
    wh_err_t err; /* not zeroed whole: this runs for every host call */
    err.code = WH_OK;
    err.offset = -1;
    err.msg[0] = '\0';
    cm__frame *frame;
    if (cm__frame_get(inst, depth, &frame, &err))
        return wm_call_trap(wc, "%s", err.msg);
    wh_arena_t *arena = &frame->arena;
    cm__cx cx = {.inst = inst,
                 .ci = lo->caller,
                 .tci = lo->callee->ci,
                 .opts = &lo->opts,
                 .arena = arena,
                 .err = &err,
                 .borrow_scope = depth};
    wh_rc rc = WH_OK;
    cm_val_t *vals = inst->pending == lo ? inst->pending_args : NULL;
    if (!vals) {
        /* each is set whole by the lift (or by the copy from the tuple) */
        vals = wh_arena_alloc(arena, (ft->nparams ? ft->nparams : 1) * sizeof *vals);
        if (!vals)
            return wm_call_trap(wc, "out of memory");
        uint32_t nflat = params_flat(ft);
        if (nflat <= CM_MAX_FLAT_PARAMS) {
            uint32_t i = 0;
            for (uint32_t k = 0; k < ft->nparams && !rc; k++)
                rc = cm__lift_flat(&cx, ft->params[k], args, lo->nparams_core, &i, &vals[k]);
        } else {
            cm_type_t tuple;
            cm_val_t tv;
            rc = params_tuple(arena, ft, &tuple);
            if (!rc)
                rc = cm__lift_mem(&cx, &tuple, args[0].i32, &tv);
            if (!rc)
                memcpy(vals, tv.of.list.v, ft->nparams * sizeof *vals);
        }
    }
    cm_val_t result = {0};
    if (!rc) {
        /* read before results overwrite it; only a call with a return area has one */
        uint32_t retptr = lo->nparams_core ? args[lo->nparams_core - 1].i32 : 0;
        inst->depth = depth;
        rc = lo->callee->kind == CM__FN_HOST
                 ? call_host(inst, lo->callee, vals, &result, arena, &err)
                 : call_lifted(inst, lo->caller, lo->callee, vals, &result, arena, &err);
        inst->depth = depth - 1;
        if (rc == WH_SUSPEND) {
            /* Called again on resume: keep the lifted arguments (own handles
             * were already taken out of the table). */
            inst->pending = lo;
            inst->pending_args = vals;
            return WH_SUSPEND;
        }
        inst->pending = NULL;
        cm__frame_unlend(frame);
        if (!rc && ft->result) {
            if (ft->result->nflat <= CM_MAX_FLAT_RESULTS) {
                uint32_t i = 0;
                rc = cm__lower_flat(&cx, ft->result, &result, args, 1, &i);
            } else {
                rc = cm__lower_mem(&cx, ft->result, &result, retptr);
            }
        }
    }
    cm__frame_unlend(frame); /* when lifting the arguments failed */
    wh_arena_reset(arena);
    if (rc)
        return wm_call_trap(wc, "%s", err.msg[0] ? err.msg : wh_rc_name(rc));
    return WH_OK;
}

/* The core type of a lowered function (CanonicalABI.md flatten_functype,
 * 'lower'): parameters beyond 16 flat values go by pointer, results beyond
 * one through a return pointer argument. */
static wm_functype_t *lowered_type(cm_instance_t *inst, const cm_functype_t *ft)
{
    uint32_t np = params_flat(ft), nr = ft->result ? ft->result->nflat : 0;
    bool spill = np > CM_MAX_FLAT_PARAMS, retptr = nr > CM_MAX_FLAT_RESULTS;
    uint32_t ncore = (spill ? 1 : np) + (retptr ? 1 : 0);
    wm_functype_t *t = cm__ialloc(inst, sizeof *t);
    uint8_t *p = cm__ialloc(inst, ncore + 1), *r = cm__ialloc(inst, 2);
    if (!t || !p || !r)
        return NULL;
    uint32_t k = 0;
    if (spill) {
        p[k++] = WM_I32;
    } else {
        for (uint32_t i = 0; i < ft->nparams; i++)
            for (uint32_t j = 0; j < ft->params[i]->nflat; j++)
                p[k++] = ft->params[i]->flat[j];
    }
    if (retptr)
        p[k++] = WM_I32;
    t->nparams = k;
    t->params = p;
    if (!retptr && nr) {
        r[0] = ft->result->flat[0];
        t->nresults = 1;
    }
    t->results = r;
    return t;
}

/* ---- resource built-ins ---- */

typedef struct {
    cm_instance_t *inst;
    cm__cinst *ci;
    cm__rres *rt;
} cm__resfn;

static wh_rc res_new(wm_call_t *wc, void *env, wm_slot *args)
{
    cm__resfn *r = env;
    wh_err_t err;
    uint32_t h;
    if (cm__handle_new(r->inst, r->ci, r->rt, args[0].i32, true, 0, &h, &err))
        return wm_call_trap(wc, "%s", err.msg);
    args[0].i64 = h;
    return WH_OK;
}

static wh_rc res_rep(wm_call_t *wc, void *env, wm_slot *args)
{
    cm__resfn *r = env;
    wh_err_t err;
    cm__handle *h = handle_get(r->ci, args[0].i32, r->rt, &err);
    if (!h)
        return wm_call_trap(wc, "%s", err.msg);
    args[0].i64 = h->rep;
    return WH_OK;
}

static wh_rc res_drop(wm_call_t *wc, void *env, wm_slot *args)
{
    cm__resfn *r = env;
    wh_err_t err;
    if (handle_drop(r->inst, r->ci, args[0].i32, r->rt, &err))
        return wm_call_trap(wc, "%s", err.msg);
    return WH_OK;
}

static const uint8_t t_i32[] = {WM_I32};
static const wm_functype_t res_new_type = {1, 1, t_i32, t_i32};
static const wm_functype_t res_drop_type = {1, 0, t_i32, t_i32};

wm_func_t *cm__resource_builtin(cm_instance_t *inst, cm__cinst *ci, uint8_t op, cm__rres *rt)
{
    cm__resfn *r = cm__ialloc(inst, sizeof *r);
    if (!r)
        return NULL;
    r->inst = inst;
    r->ci = ci;
    r->rt = rt;
    if (op == CM__RESOURCE_NEW)
        return wm_func_new_host(inst->store, &res_new_type, res_new, r);
    if (op == CM__RESOURCE_REP)
        return wm_func_new_host(inst->store, &res_new_type, res_rep, r);
    return wm_func_new_host(inst->store, &res_drop_type, res_drop, r);
}

wm_func_t *cm__lower_new(cm_instance_t *inst, cm_func_t *callee, const cm__ropts *opts,
                         cm__cinst *caller)
{
    cm__lower *lo = cm__ialloc(inst, sizeof *lo);
    wm_functype_t *t = lo ? lowered_type(inst, callee->type) : NULL;
    if (!t)
        return NULL;
    lo->inst = inst;
    lo->callee = callee;
    lo->caller = caller;
    lo->opts = *opts;
    lo->nparams_core = t->nparams;
    return wm_func_new_host(inst->store, t, trampoline, lo);
}

cm_func_t *cm__func_new(cm_instance_t *inst)
{
    cm_func_t *f = cm__ialloc(inst, sizeof *f);
    if (f)
        f->inst = inst;
    return f;
}
