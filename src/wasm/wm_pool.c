/*
 * wm_pool.c — what stores may reuse instead of mapping and unmapping it:
 * value stacks and the address-space reservations of linear memories. A
 * serverless host makes and frees a store per request; without a pool each
 * one costs an mmap of its stack and of its memory's reservation, an
 * munmap of both, and page faults on every page it touches.
 *
 * A memory goes back to the pool reset (wm__memory_zero): the pages it
 * touched are zeroed in place (memset) when they are few (WM__KEEP_RESIDENT
 * bytes), so they stay mapped and the next store does not fault on them;
 * otherwise they are dropped with MADV_DONTNEED (zero-fill on next touch,
 * the mapping kept). Either way the next store finds zeroes, exactly as in
 * a fresh mapping: nothing one store wrote is seen by another. A memory that holds a data image (a
 * private file mapping, whose dropped pages would come back from the file) is not pooled. A stack
 * needs no reset: no frame is read before it is written.
 *
 * Invariant: a slot's pages [0, resident) are readable, writable and zero;
 * the rest of its reservation is PROT_NONE. Not thread-safe: one pool per
 * thread, used by the stores of that thread only.
 */
#include "internal.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef struct {
    uint8_t *base;
    size_t reserved, resident;
} slot;

typedef struct {
    wm_slot *base;
    size_t bytes;
} stack;

struct wm_pool {
    uint32_t max;
    int pagemap; /* /proc/self/pagemap, to find the pages a store touched */
    WH_VEC(slot) memories;
    WH_VEC(stack) stacks;
};

wm_pool_t *wm_pool_new(uint32_t max)
{
    wm_pool_t *p = wh_calloc(1, sizeof *p);
    if (p) {
        p->max = max;
        p->pagemap = wm__pagemap_open();
    }
    return p;
}

void wm_pool_free(wm_pool_t *p)
{
    if (!p)
        return;
    for (uint32_t i = 0; i < p->memories.len; i++)
        munmap(p->memories.data[i].base, p->memories.data[i].reserved);
    for (uint32_t i = 0; i < p->stacks.len; i++)
        munmap(p->stacks.data[i].base, p->stacks.data[i].bytes);
    wh_vec_free(&p->memories);
    wh_vec_free(&p->stacks);
    if (p->pagemap >= 0)
        close(p->pagemap);
    wh_free(p);
}

wm_slot *wm__pool_take_stack(wm_pool_t *p, size_t bytes)
{
    for (uint32_t i = 0; p && i < p->stacks.len; i++)
        if (p->stacks.data[i].bytes == bytes) {
            wm_slot *s = p->stacks.data[i].base;
            p->stacks.data[i] = p->stacks.data[--p->stacks.len];
            return s;
        }
    return NULL;
}

bool wm__pool_give_stack(wm_pool_t *p, wm_slot *base, size_t bytes)
{
    if (!p || p->stacks.len >= p->max || !wh_vec_push(&p->stacks, ((stack){base, bytes})))
        return false;
    return true;
}

uint8_t *wm__pool_take_memory(wm_pool_t *p, size_t reserved, size_t size, size_t *accessible)
{
    for (uint32_t i = 0; p && i < p->memories.len; i++) {
        slot *sl = &p->memories.data[i];
        if (sl->reserved != reserved)
            continue;
        if (size > sl->resident &&
            mprotect(sl->base + sl->resident, size - sl->resident, PROT_READ | PROT_WRITE))
            return NULL;
        /* pages past size but below resident stay accessible and zero: the
         * engine checks every access against the size, and growing finds
         * them zero as it must */
        uint8_t *base = sl->base;
        *accessible = size > sl->resident ? size : sl->resident;
        p->memories.data[i] = p->memories.data[--p->memories.len];
        return base;
    }
    return NULL;
}

int wm__pool_pagemap(const wm_pool_t *p)
{
    return p ? p->pagemap : -1;
}

bool wm__memory_zero(wm_memory_t *m, size_t off, size_t len)
{
    /* The pages a use touched (the kernel tells, wm_pagemap.c) are zeroed
     * in place and stay mapped, so that the next use does not fault on
     * them, and the cost is what was touched, not the memory's size (a
     * 64 MiB memory and a request's few pages); the pages never touched
     * are zero already. Without that answer, or past WM__KEEP_TOUCHED
     * bytes, a small memory is zeroed whole and a big one dropped. */
    uint64_t runs[2 * 64], total = 0;
    int n = len > WM__PAGEMAP_MIN ? wm__pagemap_touched(wm__pool_pagemap(m->store->pool),
                                                        m->base + off, len, false, runs, 64)
                                  : -1;
    for (int i = 0; i < n; i++)
        total += runs[2 * i + 1];
    if (n >= 0 && total <= WM__KEEP_TOUCHED) {
        for (int i = 0; i < n; i++)
            memset(m->base + off + runs[2 * i], 0, runs[2 * i + 1]);
        return true;
    }
    if (len <= WM__KEEP_RESIDENT) {
        memset(m->base + off, 0, len);
        return true;
    }
    return !madvise(m->base + off, len, MADV_DONTNEED);
}

bool wm__pool_give_memory(wm_pool_t *p, wm_memory_t *m)
{
    if (!p || m->imaged || p->memories.len >= p->max || !wh_vec_reserve(&p->memories, 1))
        return false;
    size_t accessible = m->accessible > m->size ? m->accessible : m->size;
    size_t ranges[4];
    int n = wm__memory_dirty(m, ranges);
    for (int i = 0; i < n; i++)
        if (!wm__memory_zero(m, ranges[2 * i], ranges[2 * i + 1]))
            return false;
    p->memories.data[p->memories.len++] = (slot){m->base, m->reserved, accessible};
    return true;
}
