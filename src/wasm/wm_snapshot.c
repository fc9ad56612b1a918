/*
 * wm_snapshot.c — a store's state saved once (wm_store_snapshot) and
 * brought back after each use (wm_store_reset), so that a host that wants
 * a fresh instance per request can reset one instead of making it again:
 * the function objects, tables, globals and wiring stay where they are,
 * and only what a call can change is put back.
 *
 * What a call can change, and how each comes back:
 *   memories   contents and size. Pages are zeroed (in place when few, by
 *              MADV_DONTNEED otherwise) and the snapshot's non-zero pages
 *              copied back. A memory that maps a data image gets its image
 *              pages back from the file by MADV_DONTNEED, and the pages
 *              written before the snapshot (by start functions: private
 *              copies by then, which pagemap tells from file pages) copied
 *              back.
 *   tables     contents and size (copied back).
 *   globals    values (copied back).
 *   segments   elem.drop and data.drop (passive segments get their length).
 *   the store  fuel, interrupt and trap state, and whatever was allocated
 *              in it after the snapshot (the arena is rolled back, memories
 *              and tables made since are released).
 * The value stack needs nothing: no frame is read before it is written.
 *
 * Invariant, as for a fresh store: after a reset nothing a call wrote is
 * readable, and every memory page outside the snapshot's is zero.
 */
#include "internal.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

enum { PAGE = 4096 };

typedef struct {
    uint64_t size, pages; /* size in bytes, limits.min */
    bool imaged;
    uint32_t nruns; /* anonymous memory: its non-zero pages, as runs */
    uint64_t *runs; /* offset, length pairs */
    uint8_t *bytes; /* the runs' contents, one after another */
} mem_snap;

typedef struct {
    uint32_t size;
    void **elems;
} table_snap;

typedef struct {
    uint32_t *len;
    uint32_t value;
} seg_snap;

struct wm__snapshot {
    wh_arena_mark_t mark;
    uint32_t ninstances;
    uint32_t nmems, ntables, nglobals, nsegs;
    mem_snap *mems;
    table_snap *tables;
    wm_global_t **globals;
    wm_slot (*values)[2];
    seg_snap *segs;
    uint64_t mem_used;
};

static void snap_free(wm__snapshot *sn)
{
    if (!sn)
        return;
    for (uint32_t i = 0; i < sn->nmems; i++) {
        wh_free(sn->mems[i].runs);
        wh_free(sn->mems[i].bytes);
    }
    for (uint32_t i = 0; i < sn->ntables; i++)
        wh_free(sn->tables[i].elems);
    wh_free(sn->mems);
    wh_free(sn->tables);
    wh_free(sn->globals);
    wh_free(sn->values);
    wh_free(sn->segs);
    wh_free(sn);
}

void wm__snapshot_free(wm__snapshot *sn)
{
    snap_free(sn);
}

static bool page_zero(const uint8_t *p)
{
    static const uint8_t zero[PAGE];
    return !memcmp(p, zero, PAGE);
}

/* The pages of m that keep[] marks, saved as runs. */
static wh_rc save_runs(const wm_memory_t *m, mem_snap *ms, const unsigned char *keep, size_t npages,
                       wh_err_t *err)
{
    WH_VEC(uint64_t) runs = {0};
    size_t total = 0;
    for (size_t p = 0; p < npages;) {
        if (!keep[p]) {
            p++;
            continue;
        }
        size_t start = p;
        while (p < npages && keep[p])
            p++;
        if (!wh_vec_push(&runs, (uint64_t)start * PAGE) ||
            !wh_vec_push(&runs, (uint64_t)(p - start) * PAGE)) {
            wh_vec_free(&runs);
            return wh_err(err, WH_NOMEM, -1, "out of memory");
        }
        total += (p - start) * PAGE;
    }
    ms->nruns = runs.len / 2;
    ms->runs = runs.data;
    if (total && !(ms->bytes = wh_malloc(total)))
        return wh_err(err, WH_NOMEM, -1, "out of memory");
    size_t at = 0;
    for (uint32_t r = 0; r < ms->nruns; r++) {
        memcpy(ms->bytes + at, m->base + ms->runs[2 * r], ms->runs[2 * r + 1]);
        at += ms->runs[2 * r + 1];
    }
    return WH_OK;
}

/* Which pages of an anonymous memory are not zero. Pages never touched
 * (mincore: not resident) are zero without being read, so that a big
 * memory's snapshot costs what was written, not its size. */
static void nonzero_pages(const wm_memory_t *m, unsigned char *keep, size_t npages)
{
    if (npages && mincore(m->base, npages * PAGE, keep))
        memset(keep, 1, npages); /* cannot tell: read them all */
    for (size_t p = 0; p < npages; p++)
        keep[p] = (keep[p] & 1) && !page_zero(m->base + p * PAGE);
}

/* Which pages of a memory that maps a data image were written since it was
 * mapped (start functions): those are private copies now, no longer pages
 * of the file, and a reset's MADV_DONTNEED would drop them. The kernel
 * tells which in /proc/self/pagemap (bit 63 present, 62 swapped, 61 a
 * file page); false when it cannot be read. */
static bool written_pages(const wm_memory_t *m, unsigned char *keep, size_t npages)
{
    int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    uint64_t e[512];
    bool ok = true;
    for (size_t p = 0; p < npages && ok;) {
        size_t n = npages - p < 512 ? npages - p : 512;
        off_t off = (off_t)(((uintptr_t)m->base / PAGE + p) * sizeof e[0]);
        ok = pread(fd, e, n * sizeof e[0], off) == (ssize_t)(n * sizeof e[0]);
        for (size_t i = 0; ok && i < n; i++) {
            bool present = e[i] >> 63 & 1, swapped = e[i] >> 62 & 1, file = e[i] >> 61 & 1;
            keep[p + i] = (present && !file) || swapped;
        }
        p += n;
    }
    close(fd);
    return ok;
}

static wh_rc snap_memory(const wm_store_t *s, const wm_memory_t *m, mem_snap *ms, uint32_t index,
                         wh_err_t *err)
{
    ms->size = m->size;
    ms->pages = m->limits.min;
    ms->imaged = m->imaged;
    /* an image mapped and untouched since (no code ran) comes back whole */
    if (m->imaged && !s->ran)
        return WH_OK;
    size_t npages = (size_t)(m->size / PAGE);
    unsigned char *keep = wh_malloc(npages ? npages : 1);
    if (!keep)
        return wh_err(err, WH_NOMEM, -1, "out of memory");
    wh_rc rc = WH_OK;
    if (!m->imaged)
        nonzero_pages(m, keep, npages);
    else if (!written_pages(m, keep, npages))
        rc = wh_err(err, WH_UNSUPPORTED, -1,
                    "memory %u maps a data image and code has run, and which of its pages "
                    "were written cannot be told (no /proc/self/pagemap)",
                    index);
    if (!rc)
        rc = save_runs(m, ms, keep, npages, err);
    wh_free(keep);
    return rc;
}

static wh_rc snap_globals_and_segments(wm_store_t *s, wm__snapshot *sn, wh_err_t *err)
{
    uint32_t ng = 0, nseg = 0;
    for (uint32_t i = 0; i < s->instances.len; i++) {
        const wm_instance_t *inst = s->instances.data[i];
        const wm_module_t *m = inst->mod;
        ng += m->nglobals - m->nglobal_imports;
        for (uint32_t k = 0; k < m->nelems; k++)
            nseg += inst->elems[k].len != 0;
        for (uint32_t k = 0; k < m->ndatas; k++)
            nseg += inst->datas[k].len != 0;
    }
    if ((ng && (!(sn->globals = wh_malloc(ng * sizeof *sn->globals)) ||
                !(sn->values = wh_malloc(ng * sizeof *sn->values)))) ||
        (nseg && !(sn->segs = wh_malloc(nseg * sizeof *sn->segs))))
        return wh_err(err, WH_NOMEM, -1, "out of memory");
    for (uint32_t i = 0; i < s->instances.len; i++) {
        wm_instance_t *inst = s->instances.data[i];
        const wm_module_t *m = inst->mod;
        for (uint32_t k = m->nglobal_imports; k < m->nglobals; k++) {
            sn->globals[sn->nglobals] = inst->globals[k];
            memcpy(sn->values[sn->nglobals++], inst->globals[k]->val, sizeof *sn->values);
        }
        for (uint32_t k = 0; k < m->nelems; k++)
            if (inst->elems[k].len)
                sn->segs[sn->nsegs++] = (seg_snap){&inst->elems[k].len, inst->elems[k].len};
        for (uint32_t k = 0; k < m->ndatas; k++)
            if (inst->datas[k].len)
                sn->segs[sn->nsegs++] = (seg_snap){&inst->datas[k].len, inst->datas[k].len};
    }
    return WH_OK;
}

wh_rc wm_store_snapshot(wm_store_t *s, wh_err_t *err)
{
    if (s->sp_top || s->suspended)
        return wh_err(err, WH_INVALID, -1, "a store is snapshotted between calls only");
    if (s->host_globals)
        return wh_err(err, WH_UNSUPPORTED, -1,
                      "a store with globals the host made cannot be snapshotted");
    /* A reset frees every exception: none may be referenced from what the
     * snapshot keeps. */
    wm__exn_clear_pending(s);
    if (s->exns.len)
        return wh_err(err, WH_UNSUPPORTED, -1,
                      "a store that holds exception references cannot be snapshotted");
    wm__snapshot *sn = wh_calloc(1, sizeof *sn);
    if (!sn)
        return wh_err(err, WH_NOMEM, -1, "out of memory");
    wh_rc rc = WH_OK;
    uint32_t nm = s->memories.len, nt = s->tables.len;
    if ((nm && !(sn->mems = wh_calloc(nm, sizeof *sn->mems))) ||
        (nt && !(sn->tables = wh_calloc(nt, sizeof *sn->tables)))) {
        rc = wh_err(err, WH_NOMEM, -1, "out of memory");
        goto fail;
    }
    for (; sn->nmems < nm; sn->nmems++)
        if ((rc =
                 snap_memory(s, s->memories.data[sn->nmems], &sn->mems[sn->nmems], sn->nmems, err)))
            goto fail;
    for (; sn->ntables < nt; sn->ntables++) {
        const wm_table_t *t = s->tables.data[sn->ntables];
        table_snap *ts = &sn->tables[sn->ntables];
        ts->size = t->size;
        if (t->size && !(ts->elems = wh_malloc((size_t)t->size * sizeof *ts->elems))) {
            rc = wh_err(err, WH_NOMEM, -1, "out of memory");
            goto fail;
        }
        if (t->size)
            memcpy(ts->elems, t->elems, (size_t)t->size * sizeof *ts->elems);
    }
    if ((rc = snap_globals_and_segments(s, sn, err)))
        goto fail;
    sn->ninstances = s->instances.len;
    sn->mem_used = s->mem_used;
    sn->mark = wh_arena_mark(&s->arena);
    snap_free(s->snap);
    s->snap = sn;
    return WH_OK;
fail:
    snap_free(sn);
    return rc;
}

/* [off, off + len) of a memory that maps a data image: the pages written
 * (private copies) get the image's bytes again in place, the part past
 * the image is zeroed; or, when there are too many or the kernel cannot
 * tell, all are dropped (the image's pages come back from the file). */
static bool reset_image(wm_memory_t *m, size_t off, size_t len)
{
    uint64_t runs[2 * 64], total = 0;
    size_t in_image = off >= m->image_len ? 0 : len < m->image_len - off ? len : m->image_len - off;
    int n = !in_image  ? 0
            : m->image ? wm__pagemap_touched(wm__pool_pagemap(m->store->pool), m->base + off,
                                             in_image, true, runs, 64)
                       : -1;
    for (int i = 0; i < n; i++)
        total += runs[2 * i + 1];
    if (n < 0 || total > WM__KEEP_TOUCHED)
        return !madvise(m->base + off, len, MADV_DONTNEED);
    for (int i = 0; i < n; i++)
        memcpy(m->base + off + runs[2 * i], m->image + off + runs[2 * i], runs[2 * i + 1]);
    return len <= in_image || wm__memory_zero(m, off + in_image, len - in_image);
}

static bool overlaps(uint64_t off, uint64_t len, const size_t *ranges, int n)
{
    for (int i = 0; i < n; i++)
        if (off < ranges[2 * i] + ranges[2 * i + 1] && ranges[2 * i] < off + len)
            return true;
    return false;
}

/* Only what was ever touched (wm__memory_dirty) is cleared, and only the
 * snapshot's pages in it copied back: the rest holds the snapshot's bytes
 * still. */
static wh_rc reset_memory(wm_memory_t *m, const mem_snap *ms, wh_err_t *err)
{
    size_t accessible = m->accessible > m->size ? m->accessible : m->size;
    size_t ranges[4];
    int nr = wm__memory_dirty(m, ranges);
    for (int i = 0; i < nr; i++) {
        size_t off = ranges[2 * i], len = ranges[2 * i + 1];
        if (!(ms->imaged ? reset_image(m, off, len) : wm__memory_zero(m, off, len)))
            return wh_err(err, WH_NOMEM, -1, "cannot reset a memory of %zu bytes", accessible);
    }
    m->accessible = accessible;
    m->size = ms->size;
    m->limits.min = ms->pages;
    size_t at = 0;
    for (uint32_t r = 0; r < ms->nruns; r++) {
        uint64_t off = ms->runs[2 * r], len = ms->runs[2 * r + 1];
        if (overlaps(off, len, ranges, nr))
            memcpy(m->base + off, ms->bytes + at, len);
        at += len;
    }
    if (m->reach > m->size)
        m->reach = m->size; /* the pages past the size are zero again */
    m->touches = 0;
    return WH_OK;
}

wh_rc wm_store_reset(wm_store_t *s, wh_err_t *err)
{
    const wm__snapshot *sn = s->snap;
    if (!sn)
        return wh_err(err, WH_INVALID, -1, "the store has no snapshot");
    if (s->sp_top || s->suspended)
        return wh_err(err, WH_INVALID, -1, "a store is reset between calls only");
    /* what was made after the snapshot goes first */
    while (s->memories.len > sn->nmems)
        wm__memory_release(s, s->memories.data[--s->memories.len]);
    while (s->tables.len > sn->ntables)
        wh_free(s->tables.data[--s->tables.len]->elems);
    s->instances.len = sn->ninstances;
    wh_arena_rollback(&s->arena, sn->mark);
    wm__exn_free_all(s);

    for (uint32_t i = 0; i < sn->nmems; i++) {
        wh_rc rc = reset_memory(s->memories.data[i], &sn->mems[i], err);
        if (rc)
            return rc;
    }
    s->mem_used = sn->mem_used;
    for (uint32_t i = 0; i < sn->ntables; i++) {
        wm_table_t *t = s->tables.data[i];
        const table_snap *ts = &sn->tables[i];
        if (t->size > ts->size)
            memset(t->elems + ts->size, 0, (size_t)(t->size - ts->size) * sizeof *t->elems);
        if (ts->size)
            memcpy(t->elems, ts->elems, (size_t)ts->size * sizeof *t->elems);
        t->size = ts->size;
        t->type.limits.min = ts->size;
    }
    for (uint32_t i = 0; i < sn->nglobals; i++)
        memcpy(sn->globals[i]->val, sn->values[i], sizeof sn->values[i]);
    for (uint32_t i = 0; i < sn->nsegs; i++)
        *sn->segs[i].len = sn->segs[i].value;

    s->fuel = -1;
    atomic_store_explicit(&s->interrupt, 0, memory_order_relaxed);
    s->yielded = false;
    s->susp_ip = NULL;
    s->susp_fp = s->susp_base = NULL;
    s->susp_fr = s->susp_base_fr = NULL;
    s->susp_func = s->entry_func = NULL;
    s->has_trap_site = false;
    s->trap_site = (wm_trap_site_t){0};
    s->trap_msg[0] = 0;
    return WH_OK;
}
