/*
 * wm_exn.c — tags and the exceptions a store holds (WebAssembly 3.0
 * exception handling).
 *
 * An exception is a tag and a copy of its payload, made by throw and
 * referenced by exnref values. Most are thrown and caught by catch or
 * catch_all without ever being an exnref: those are freed as soon as the
 * handler has its payload. The others (caught with catch_ref,
 * catch_all_ref, or a legacy catch that rethrow may use) can be anywhere
 * a reference can: locals, operand slots, globals, tables, other
 * exceptions' payloads. They are freed by a collection that runs when the
 * list of live exceptions has doubled since the last one: it scans the
 * store's stack conservatively (the interpreter's slots are untyped, so any
 * slot that holds an exception's address keeps it), and the other places
 * exactly. So what exceptions take is bounded by what is reachable, twice
 * over, and never past WM__EXN_MAX of them.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

wm_tag_t *wm_tag_new(wm_store_t *s, const wm_functype_t *type)
{
    if (!type || type->nresults)
        return NULL;
    wm_tag_t *t = wm__store_alloc(s, sizeof *t);
    if (!t)
        return NULL;
    t->type = type;
    t->slots = wm__types_slots(type->params, type->nparams);
    return t;
}

const wm_functype_t *wm_tag_type(const wm_tag_t *t)
{
    return t->type;
}

static void remove_at(wm_store_t *s, uint32_t i)
{
    wm__exn *last = s->exns.data[--s->exns.len];
    if (i < s->exns.len) {
        s->exns.data[i] = last;
        last->idx = i;
    }
}

void wm__exn_drop(wm_store_t *s, wm__exn *e)
{
    if (s->pending == e)
        s->pending = NULL;
    remove_at(s, e->idx);
    wh_free(e);
}

void wm__exn_free_all(wm_store_t *s)
{
    for (uint32_t i = 0; i < s->exns.len; i++)
        wh_free(s->exns.data[i]);
    s->exns.len = 0;
    s->pending = NULL;
}

void wm__exn_clear_pending(wm_store_t *s)
{
    wm__exn *e = s->pending;
    s->pending = NULL;
    if (e && !e->escaped)
        wm__exn_drop(s, e);
}

/* ---- collection ---- */

static int by_address(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t) * (wm__exn *const *)a, y = (uintptr_t) * (wm__exn *const *)b;
    return x < y ? -1 : x > y;
}

/* The live exception at address p, or NULL (the list is sorted). */
static wm__exn *find(wm_store_t *s, const void *p)
{
    uint32_t lo = 0, hi = s->exns.len;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        wm__exn *e = s->exns.data[mid];
        if ((const void *)e == p)
            return e;
        if ((uintptr_t)e < (uintptr_t)p)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Marks what p may reference, and what that references (the work list is
 * the marked exceptions' payloads, scanned in a second loop). */
static void mark_slots(wm_store_t *s, const wm_slot *from, const wm_slot *to)
{
    for (const wm_slot *p = from; p < to; p++) {
        wm__exn *e = p->ref ? find(s, p->ref) : NULL;
        if (e)
            e->marked = true;
    }
}

static void collect(wm_store_t *s, const wm_slot *roots_top)
{
    qsort(s->exns.data, s->exns.len, sizeof *s->exns.data, by_address);
    for (uint32_t i = 0; i < s->exns.len; i++) {
        s->exns.data[i]->idx = i;
        s->exns.data[i]->marked = false;
    }
    if (roots_top && roots_top > s->stack)
        mark_slots(s, s->stack, roots_top < s->stack_end ? roots_top : s->stack_end);
    if (s->pending)
        s->pending->marked = true;
    for (uint32_t i = 0; i < s->instances.len; i++) {
        const wm_instance_t *inst = s->instances.data[i];
        for (uint32_t g = 0; g < inst->mod->nglobals; g++)
            if (inst->globals[g] && inst->globals[g]->type.type == WM_EXNREF)
                mark_slots(s, inst->globals[g]->val, inst->globals[g]->val + 1);
    }
    for (uint32_t i = 0; i < s->tables.len; i++) {
        const wm_table_t *t = s->tables.data[i];
        if (t->type.elem == WM_EXNREF)
            mark_slots(s, (const wm_slot *)t->elems, (const wm_slot *)(t->elems + t->size));
    }
    /* Exceptions held by marked ones, until nothing changes (payloads
     * rarely hold exnrefs: this loop runs once or twice). */
    for (bool more = true; more;) {
        more = false;
        for (uint32_t i = 0; i < s->exns.len; i++) {
            wm__exn *e = s->exns.data[i];
            if (!e->marked)
                continue;
            for (uint32_t k = 0; k < e->nslots; k++) {
                wm__exn *r = e->payload[k].ref ? find(s, e->payload[k].ref) : NULL;
                if (r && !r->marked) {
                    r->marked = true;
                    more = true;
                }
            }
        }
    }
    uint32_t n = 0;
    for (uint32_t i = 0; i < s->exns.len; i++) {
        wm__exn *e = s->exns.data[i];
        if (e->marked) {
            e->idx = n;
            s->exns.data[n++] = e;
        } else {
            wh_free(e);
        }
    }
    s->exns.len = n;
}

wm__exn *wm__exn_new(wm_store_t *s, wm_tag_t *tag, const wm_slot *payload, const wm_slot *roots_top)
{
    if (s->exn_gc_at < WM__EXN_GC_MIN)
        s->exn_gc_at = WM__EXN_GC_MIN;
    if (s->exns.len >= s->exn_gc_at) {
        collect(s, roots_top);
        s->exn_gc_at = s->exns.len * 2 > WM__EXN_GC_MIN ? s->exns.len * 2 : WM__EXN_GC_MIN;
    }
    if (s->exns.len >= WM__EXN_MAX || !wh_vec_reserve(&s->exns, 1))
        return NULL;
    wm__exn *e = wh_malloc(sizeof *e + (size_t)tag->slots * sizeof(wm_slot));
    if (!e)
        return NULL;
    *e = (wm__exn){.tag = tag,
                   .nslots = tag->slots,
                   .idx = s->exns.len,
                   .func_index = UINT32_MAX,
                   .offset = 0,
                   .tag_index = UINT32_MAX};
    if (tag->slots)
        memcpy(e->payload, payload, (size_t)tag->slots * sizeof(wm_slot));
    s->exns.data[s->exns.len++] = e;
    return e;
}

/* ---- the host's side ---- */

bool wm_store_exception(const wm_store_t *s, wm_tag_t **out_tag, const wm_slot **out_payload)
{
    if (!s->pending)
        return false;
    if (out_tag)
        *out_tag = s->pending->tag;
    if (out_payload)
        *out_payload = s->pending->payload;
    return true;
}

wh_rc wm_call_throw(wm_call_t *call, wm_tag_t *tag, const wm_slot *payload)
{
    wm_store_t *s = call->store;
    /* The calling frames end at sp_top (nothing runs above a host call). */
    const wm_slot *top = s->sp_top ? s->sp_top : s->stack;
    wm__exn *e = wm__exn_new(s, tag, payload, top);
    if (!e)
        return wm_call_trap(call, "too many exceptions alive (at most %u)", WM__EXN_MAX);
    wm__exn_clear_pending(s); /* (after: payload may be the pending one's) */
    s->pending = e;
    return WH_EXCEPTION;
}
