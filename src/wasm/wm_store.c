/*
 * wm_store.c — stores: the owner of every runtime object and of the
 * execution stacks, plus fuel, interrupts and the last trap site.
 *
 * The value stack is an anonymous mapping, so its untouched pages cost no
 * memory; a store with the default 8 MiB stack uses only what calls reach.
 * Everything else a store owns lives in its arena or in the three vectors,
 * and is released together by wm_store_free.
 */
#include "internal.h"

#include <sys/mman.h>

wm_store_t *wm_store_new(const wm_store_config_t *cfg)
{
    uint32_t slots = cfg && cfg->stack_slots ? cfg->stack_slots : WM_DEFAULT_STACK_SLOTS;
    uint32_t frames = cfg && cfg->max_frames ? cfg->max_frames : WM_DEFAULT_MAX_FRAMES;
    wm_store_t *s = wh_calloc(1, sizeof *s);
    if (!s)
        return NULL;
    wh_arena_init(&s->arena, 16384);
    atomic_init(&s->interrupt, 0);
    s->fuel = -1;
    s->mem_limit = cfg ? cfg->max_memory : 0;
    s->pool = cfg ? cfg->pool : NULL;
    size_t bytes = (size_t)slots * sizeof(wm_slot);
    void *stack = wm__pool_take_stack(s->pool, bytes);
    if (!stack)
        stack = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (stack == MAP_FAILED)
        goto fail;
    s->stack = stack;
    s->stack_end = s->stack + slots;
    /* Not zeroed: a frame is written when a call pushes it, and only
     * frames below the top are ever read. */
    if (!(s->frames = wh_malloc((size_t)frames * sizeof *s->frames)))
        goto fail;
    s->frames_end = s->frames + frames;
    return s;
fail:
    wm_store_free(s);
    return NULL;
}

void wm_store_free(wm_store_t *s)
{
    if (!s)
        return;
    for (uint32_t i = 0; i < s->memories.len; i++)
        wm__memory_release(s, s->memories.data[i]);
    for (uint32_t i = 0; i < s->tables.len; i++)
        wh_free(s->tables.data[i]->elems);
    wm__exn_free_all(s);
    wh_vec_free(&s->exns);
    wh_vec_free(&s->memories);
    wh_vec_free(&s->tables);
    wh_vec_free(&s->instances);
    size_t stack_bytes = (size_t)(s->stack_end - s->stack) * sizeof(wm_slot);
    if (s->stack && !wm__pool_give_stack(s->pool, s->stack, stack_bytes))
        munmap(s->stack, stack_bytes);
    wh_free(s->frames);
    wm__snapshot_free(s->snap);
    wh_arena_free(&s->arena);
    wh_free(s);
}

void wm__memory_release(wm_store_t *s, wm_memory_t *m)
{
    if (!wm__pool_give_memory(s->pool, m))
        munmap(m->base, m->reserved);
}

void *wm__store_alloc(wm_store_t *s, size_t n)
{
    return wh_arena_calloc(&s->arena, n);
}

void wm_store_set_fuel(wm_store_t *s, int64_t fuel)
{
    s->fuel = fuel < 0 ? -1 : fuel;
}

int64_t wm_store_fuel(const wm_store_t *s)
{
    return s->fuel;
}

void wm_store_interrupt(wm_store_t *s)
{
    atomic_fetch_or_explicit(&s->interrupt, WM__STOP, memory_order_relaxed);
}

void wm_store_clear_interrupt(wm_store_t *s)
{
    atomic_store_explicit(&s->interrupt, 0, memory_order_relaxed);
}

void wm_store_yield(wm_store_t *s)
{
    atomic_fetch_or_explicit(&s->interrupt, WM__YIELD, memory_order_relaxed);
}

bool wm_store_yielded(const wm_store_t *s)
{
    return s->suspended && s->yielded;
}

bool wm_store_trap_site(const wm_store_t *s, wm_trap_site_t *out)
{
    if (s->trap_site.kind == WM_TRAP_NONE)
        return false;
    if (out)
        *out = s->trap_site;
    return true;
}

uint64_t wm_store_memory_bytes(const wm_store_t *s)
{
    return s->mem_used;
}
