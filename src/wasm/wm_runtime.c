/*
 * wm_runtime.c — the runtime objects a store owns: linear memories, tables,
 * globals and host functions.
 *
 * A memory reserves address space for its largest possible size (its
 * maximum, or 4 GiB) plus a guard, all PROT_NONE, and grows by making pages
 * accessible: its base never moves, so the interpreter may keep it in a
 * register across calls that grow it. Fresh pages are zero, as the spec
 * requires, because they are anonymous mappings.
 */
#include "internal.h"

#include <string.h>
#include <sys/mman.h>

#define GUARD_BYTES ((size_t)WM_PAGE_SIZE)

/* ---- Memories ---- */

static uint64_t max_pages(const wm_limits_t *lim)
{
    uint64_t cap = lim->is64 ? WM_MAX_PAGES64 : WM_MAX_PAGES;
    uint64_t max = lim->has_max ? lim->max : cap;
    return max < cap ? max : cap;
}

wm_memory_t *wm_memory_new(wm_store_t *s, wm_limits_t lim)
{
    uint64_t maxp = max_pages(&lim);
    if (lim.min > maxp || (uint64_t)SIZE_MAX / WM_PAGE_SIZE < maxp + 1)
        return NULL;
    if (s->mem_limit && lim.min * WM_PAGE_SIZE > s->mem_limit - s->mem_used)
        return NULL;
    if (!wh_vec_reserve(&s->memories, 1))
        return NULL;
    wm_memory_t *m = wm__store_alloc(s, sizeof *m);
    if (!m)
        return NULL;
    size_t reserve = (size_t)maxp * WM_PAGE_SIZE + GUARD_BYTES;
    size_t size = (size_t)lim.min * WM_PAGE_SIZE;
    size_t accessible = size;
    void *base = wm__pool_take_memory(s->pool, reserve, size, &accessible);
    if (!base) {
        base = mmap(NULL, reserve, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (base == MAP_FAILED)
            return NULL;
        if (size && mprotect(base, size, PROT_READ | PROT_WRITE)) {
            munmap(base, reserve);
            return NULL;
        }
    }
    m->accessible = accessible; /* a pooled slot may have more, all zero */
    m->base = base;
    m->size = size;
    m->reserved = reserve;
    m->limits = lim;
    m->store = s;
    wm__memory_clean(m); /* a pooled slot was cleared, a new mapping is zero */
    s->mem_used += size;
    s->memories.data[s->memories.len++] = m;
    return m;
}

bool wm__memory_touch(wm_memory_t *m, uint64_t start, uint64_t end)
{
    if (end > m->size || start > end)
        return false;
    if (end <= m->reach)
        return true;
    if (start >= m->wlo && end <= m->whi) {
        /* the interpreter calls for every access there: one used this
         * often between two resets joins the prefix, checked inline */
        if (++m->touches > WM__TOUCH_CALLS) {
            m->reach = m->whi;
            m->wlo = m->whi = 0;
        }
        return true;
    }
    uint64_t lo = start / WM__TOUCH_GRAIN * WM__TOUCH_GRAIN;
    uint64_t hi = (end + WM__TOUCH_GRAIN - 1) / WM__TOUCH_GRAIN * WM__TOUCH_GRAIN;
    if (hi > m->size)
        hi = m->size;
    bool empty = m->wlo >= m->whi;
    uint64_t wlo = empty || lo < m->wlo ? lo : m->wlo, whi = empty || hi > m->whi ? hi : m->whi;
    uint64_t widen = (whi - wlo) - (empty ? 0 : m->whi - m->wlo);
    uint64_t extend = hi > m->reach ? hi - m->reach : 0;
    bool far = extend > WM__TOUCH_FAR && widen < extend && wlo > m->reach;
    if (far && ++m->touches <= WM__TOUCH_CALLS) {
        m->wlo = wlo;
        m->whi = whi;
        return true;
    }
    /* into the reach, and the window with it when they meet or when it
     * is used too often to be left to this call */
    uint64_t r = hi > m->reach ? hi : m->reach;
    if (!empty && (m->wlo <= r || far)) {
        r = r > m->whi ? r : m->whi;
        m->wlo = m->whi = 0;
    }
    m->reach = r;
    return true;
}

int wm__memory_dirty(wm_memory_t *m, size_t ranges[4])
{
    size_t accessible = m->accessible > m->size ? m->accessible : m->size;
    size_t lo = m->reach < accessible ? (size_t)m->reach : accessible;
    size_t wlo = m->wlo > lo ? (size_t)m->wlo : lo;
    size_t whi = m->whi < accessible ? (size_t)m->whi : accessible;
    int n = 0;
    if (lo) {
        ranges[0] = 0;
        ranges[1] = lo;
        n = 1;
    }
    if (wlo < whi) {
        ranges[2 * n] = wlo;
        ranges[2 * n + 1] = whi - wlo;
        n++;
    }
    return n;
}

void wm__memory_clean(wm_memory_t *m)
{
    m->reach = m->wlo = m->whi = 0;
    m->touches = 0;
}

uint8_t *wm_memory_data(wm_memory_t *m)
{
    /* the caller may touch any byte */
    m->reach = m->size;
    return m->base;
}

uint8_t *wm_memory_at(wm_memory_t *m, uint64_t off, uint64_t len)
{
    if (off + len <= m->reach && off + len >= off) /* touched already */
        return m->base + off;
    if (off > m->size || len > m->size - off || !wm__memory_touch(m, off, off + len))
        return NULL;
    return m->base + off;
}

uint64_t wm_memory_size(const wm_memory_t *m)
{
    return m->size;
}

int64_t wm_memory_grow(wm_memory_t *m, uint64_t delta)
{
    uint64_t old = m->size / WM_PAGE_SIZE;
    if (delta > max_pages(&m->limits) - old)
        return -1;
    wm_store_t *s = m->store;
    if (s->mem_limit && delta * WM_PAGE_SIZE > s->mem_limit - s->mem_used)
        return -1;
    if (delta) {
        size_t add = (size_t)delta * WM_PAGE_SIZE;
        if (m->size + add > m->accessible) {
            if (mprotect(m->base + m->size, add, PROT_READ | PROT_WRITE))
                return -1;
            m->accessible = m->size + add;
        }
        m->size += add;
        s->mem_used += add;
        m->limits.min = old + delta;
    }
    return (int64_t)old;
}

wm_limits_t wm_memory_type(const wm_memory_t *m)
{
    return m->limits;
}

/* ---- Tables ---- */

static uint64_t table_max(const wm_tabletype_t *t)
{
    uint64_t max = t->limits.has_max ? t->limits.max : UINT32_MAX;
    return max < WM_MAX_TABLE ? max : WM_MAX_TABLE;
}

wm_table_t *wm_table_new(wm_store_t *s, wm_tabletype_t type, void *init)
{
    if ((type.elem != WM_FUNCREF && type.elem != WM_EXTERNREF) ||
        type.limits.min > table_max(&type))
        return NULL;
    if (!wh_vec_reserve(&s->tables, 1))
        return NULL;
    wm_table_t *t = wm__store_alloc(s, sizeof *t);
    if (!t)
        return NULL;
    uint32_t n = (uint32_t)type.limits.min;
    if (!(t->elems = wh_malloc((n ? n : 1) * sizeof *t->elems)))
        return NULL;
    for (uint32_t i = 0; i < n; i++)
        t->elems[i] = init;
    t->size = t->cap = n;
    t->type = type;
    s->tables.data[s->tables.len++] = t;
    return t;
}

uint32_t wm_table_size(const wm_table_t *t)
{
    return t->size;
}

bool wm_table_get(const wm_table_t *t, uint32_t i, void **out)
{
    if (i >= t->size)
        return false;
    *out = t->elems[i];
    return true;
}

bool wm_table_set(wm_table_t *t, uint32_t i, void *ref)
{
    if (i >= t->size)
        return false;
    t->elems[i] = ref;
    return true;
}

int64_t wm_table_grow(wm_table_t *t, uint32_t delta, void *init)
{
    uint32_t old = t->size;
    uint64_t max = table_max(&t->type);
    if (delta > max - old)
        return -1;
    uint32_t need = old + delta;
    if (need > t->cap) {
        /* Double, as a growing table tends to keep growing, but stay within max. */
        uint64_t cap = (uint64_t)t->cap * 2;
        if (cap < need)
            cap = need;
        if (cap > max)
            cap = max;
        void **e = wh_realloc(t->elems, (size_t)cap * sizeof *e);
        if (!e)
            return -1;
        t->elems = e;
        t->cap = (uint32_t)cap;
    }
    for (uint32_t i = old; i < need; i++)
        t->elems[i] = init;
    t->size = need;
    t->type.limits.min = need;
    return old;
}

wm_tabletype_t wm_table_type(const wm_table_t *t)
{
    return t->type;
}

/* ---- Globals ---- */

static bool set_value(wm_slot val[2], const wm_val_t *v)
{
    val[0].i64 = val[1].i64 = 0;
    switch (v->type) {
    case WM_I32:
    case WM_F32:
        val[0].i32 = v->of.i32;
        return true;
    case WM_I64:
    case WM_F64:
        val[0].i64 = v->of.i64;
        return true;
    case WM_V128:
        memcpy(&val[0].i64, v->of.v128, 8);
        memcpy(&val[1].i64, v->of.v128 + 8, 8);
        return true;
    case WM_FUNCREF:
    case WM_EXTERNREF:
        val[0].ref = v->of.ref;
        return true;
    }
    return false;
}

wm_global_t *wm_global_new(wm_store_t *s, wm_globaltype_t type, wm_val_t init)
{
    if (init.type != type.type)
        return NULL;
    wm_global_t *g = wm__store_alloc(s, sizeof *g);
    if (!g)
        return NULL;
    s->host_globals = true; /* not among any instance's: wm_store_snapshot refuses */
    g->type = type;
    if (!set_value(g->val, &init))
        return NULL;
    return g;
}

wm_val_t wm_global_get(const wm_global_t *g)
{
    wm_val_t v;
    memset(&v, 0, sizeof v);
    v.type = g->type.type;
    switch (v.type) {
    case WM_I32:
    case WM_F32:
        v.of.i32 = g->val[0].i32;
        break;
    case WM_I64:
    case WM_F64:
        v.of.i64 = g->val[0].i64;
        break;
    case WM_V128:
        memcpy(v.of.v128, &g->val[0].i64, 8);
        memcpy(v.of.v128 + 8, &g->val[1].i64, 8);
        break;
    default:
        v.of.ref = g->val[0].ref;
        break;
    }
    return v;
}

wh_rc wm_global_set(wm_global_t *g, wm_val_t v)
{
    if (!g->type.mut || v.type != g->type.type)
        return WH_ARG;
    set_value(g->val, &v);
    return WH_OK;
}

wm_globaltype_t wm_global_type(const wm_global_t *g)
{
    return g->type;
}

/* ---- Host functions ---- */

wm_func_t *wm_func_new_host(wm_store_t *s, const wm_functype_t *type, wm_host_fn fn, void *env)
{
    if (!type || !fn)
        return NULL;
    wm_func_t *f = wm__store_alloc(s, sizeof *f);
    if (!f)
        return NULL;
    f->type = type;
    f->host = fn;
    f->env = env;
    return f;
}

const wm_functype_t *wm_func_type(const wm_func_t *f)
{
    return f->type;
}
