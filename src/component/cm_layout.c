/*
 * cm_layout.c — the canonical ABI layout of a value type: alignment and size
 * in linear memory, and the list of core types it flattens to
 * (CanonicalABI.md: alignment, elem_size, flatten_type, join).
 *
 * Layout is computed once, when a type is made; the element types of a
 * compound type must already have theirs. Flat counts saturate at
 * CM__FLAT_MANY, and such a type keeps no flat array (see internal.h).
 */
#include "internal.h"

#include <string.h>

static uint32_t align_to(uint32_t n, uint32_t a)
{
    return (n + a - 1) / a * a;
}

/* The integer type that numbers n cases: u8, u16 or u32. */
static uint32_t discriminant_size(uint32_t n)
{
    return n <= 256 ? 1 : n <= 65536 ? 2 : 4;
}

/* CanonicalABI.md join: one core type able to carry either. */
static uint8_t join(uint8_t a, uint8_t b)
{
    if (a == b)
        return a;
    if ((a == WM_I32 && b == WM_F32) || (a == WM_F32 && b == WM_I32))
        return WM_I32;
    return WM_I64;
}

/* Appends a value's flat types to flat (capacity cap) at *n. */
static bool put_flat(uint8_t *flat, uint32_t cap, uint32_t *n, const cm_type_t *t)
{
    if (*n + t->nflat > cap)
        return false;
    if (t->nflat)
        memcpy(flat + *n, t->flat, t->nflat);
    *n += t->nflat;
    return true;
}

/* A flat count, saturated: a or b may already be CM__FLAT_MANY. */
static uint32_t flat_sum(uint32_t a, uint64_t b)
{
    return a + b > CM__FLAT_CAP ? CM__FLAT_MANY : (uint32_t)(a + b);
}

/* Too many flat values to keep (their function passes them in memory). */
static wh_rc many_flat(cm_type_t *t)
{
    t->flat = NULL;
    t->nflat = CM__FLAT_MANY;
    return WH_OK;
}

/* Variant-like types: n cases, payload types (NULL entries for none). */
static wh_rc layout_cases(cm_type_t *t, uint32_t n, const cm_type_t *const *payloads,
                          wh_arena_t *arena)
{
    uint32_t dsize = discriminant_size(n);
    uint32_t max_align = 1, max_size = 0, nflat = 1;
    for (uint32_t i = 0; i < n; i++) {
        const cm_type_t *p = payloads ? payloads[i] : NULL;
        if (!p)
            continue;
        if (p->align > max_align)
            max_align = p->align;
        if (p->size > max_size)
            max_size = p->size;
        if (flat_sum(1, p->nflat) > nflat)
            nflat = flat_sum(1, p->nflat);
    }
    t->align = dsize > max_align ? dsize : max_align;
    uint32_t s = align_to(dsize, max_align) + max_size;
    t->size = align_to(s, t->align);
    if (nflat == CM__FLAT_MANY)
        return many_flat(t);
    uint8_t *flat = wh_arena_alloc(arena, nflat);
    if (!flat)
        return WH_NOMEM;
    flat[0] = WM_I32;
    uint32_t used = 1;
    for (uint32_t i = 0; i < n; i++) {
        const cm_type_t *p = payloads ? payloads[i] : NULL;
        if (!p)
            continue;
        for (uint32_t k = 0; k < p->nflat; k++) {
            if (1 + k < used)
                flat[1 + k] = join(flat[1 + k], p->flat[k]);
            else
                flat[used++] = p->flat[k];
        }
    }
    t->flat = flat;
    t->nflat = used;
    return WH_OK;
}

/* t's flat types: those of the n parts, in order, the whole repeated reps
 * times (a fixed-length list is its element N times), nflat in all. */
static wh_rc concat_flat(cm_type_t *t, uint32_t nflat, const cm_type_t **parts, uint32_t n,
                         uint32_t reps, wh_arena_t *arena)
{
    if (nflat == CM__FLAT_MANY)
        return many_flat(t);
    uint8_t *flat = wh_arena_alloc(arena, nflat ? nflat : 1);
    if (!flat)
        return WH_NOMEM;
    uint32_t used = 0;
    for (uint32_t r = 0; r < reps; r++)
        for (uint32_t i = 0; i < n; i++)
            put_flat(flat, nflat, &used, parts[i]);
    t->flat = flat;
    t->nflat = used;
    return WH_OK;
}

wh_rc cm__layout(cm_type_t *t, wh_arena_t *arena)
{
    static const uint8_t i32[] = {WM_I32}, ptr_len[] = {WM_I32, WM_I32};
    switch (t->kind) {
    case CM_RECORD:
    case CM_TUPLE: {
        uint32_t align = 1, size = 0, nflat = 0;
        for (uint32_t i = 0; i < t->n; i++) {
            const cm_type_t *f = t->elems[i];
            if (f->align > align)
                align = f->align;
            size = align_to(size, f->align) + f->size;
            nflat = flat_sum(nflat, f->nflat);
        }
        t->align = align;
        t->size = align_to(size, align);
        return concat_flat(t, nflat, t->elems, t->n, 1, arena);
    }
    case CM_VARIANT:
        return layout_cases(t, t->n, t->elems, arena);
    case CM_ENUM:
        return layout_cases(t, t->n, NULL, arena);
    case CM_OPTION: {
        const cm_type_t *cases[2] = {NULL, t->elems[0]};
        return layout_cases(t, 2, cases, arena);
    }
    case CM_RESULT: {
        const cm_type_t *cases[2] = {t->elems[0], t->elems[1]};
        return layout_cases(t, 2, cases, arena);
    }
    case CM_LIST:
        t->size = 8;
        t->align = 4;
        t->flat = ptr_len;
        t->nflat = 2;
        return WH_OK;
    case CM_FIXED_LIST: {
        /* CanonicalABI.md elem_size_list, alignment_list, flatten_list with
         * a length: the element's layout repeated, as a tuple of N; the
         * parser has bounded size and flat count */
        const cm_type_t *e = t->elems[0];
        t->size = t->length * e->size;
        t->align = e->align;
        return concat_flat(t, flat_sum(0, (uint64_t)t->length * e->nflat), t->elems, 1, t->length,
                           arena);
    }
    case CM_MAP: /* CanonicalABI.md despecialize: list<tuple<K, V>> */
        t->size = 8;
        t->align = 4;
        t->flat = ptr_len;
        t->nflat = 2;
        return WH_OK;
    case CM_FLAGS:
        t->size = t->align = t->n <= 8 ? 1 : t->n <= 16 ? 2 : 4;
        t->flat = i32;
        t->nflat = 1;
        return WH_OK;
    case CM_OWN:
    case CM_BORROW:
    case CM_STREAM:
    case CM_FUTURE:
    case CM_ERROR_CONTEXT:
        t->size = t->align = 4;
        t->flat = i32;
        t->nflat = 1;
        return WH_OK;
    default: {
        const cm_type_t *p = cm_prim((cm_kind)t->kind);
        if (!p)
            return WH_ARG;
        t->size = p->size;
        t->align = p->align;
        t->flat = p->flat;
        t->nflat = p->nflat;
        return WH_OK;
    }
    }
}
