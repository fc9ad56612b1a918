/*
 * wh_base.c — result codes, error formatting, the allocation hook, vector
 * growth, the arena and whole-file reads.
 *
 * The allocation hook counts calls atomically so that a test can make the
 * Nth allocation fail and check that nothing leaks or crashes.
 */
#include "wh_base.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const rc_names[] = {
#define WH_RC_TEXT(name, text) text,
    WH_RC_MAP(WH_RC_TEXT)
#undef WH_RC_TEXT
};

const char *wh_rc_name(wh_rc rc)
{
    if ((unsigned)rc >= WH_ARRAY_LEN(rc_names))
        return "unknown result";
    return rc_names[rc];
}

wh_rc wh_verr(wh_err_t *err, wh_rc rc, int64_t offset, const char *fmt, va_list ap)
{
    if (err) {
        err->code = rc;
        err->offset = offset;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    }
    return rc;
}

wh_rc wh_err(wh_err_t *err, wh_rc rc, int64_t offset, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    wh_verr(err, rc, offset, fmt, ap);
    va_end(ap);
    return rc;
}

void wh_err_clear(wh_err_t *err)
{
    if (err) {
        err->code = WH_OK;
        err->offset = -1;
        err->msg[0] = 0;
    }
}

/* ---- Allocation ---- */

static atomic_uint_fast64_t alloc_count;
static atomic_uint_fast64_t alloc_fail_at; /* 0: never fail */

static bool alloc_should_fail(void)
{
    uint64_t n = atomic_fetch_add_explicit(&alloc_count, 1, memory_order_relaxed) + 1;
    uint64_t at = atomic_load_explicit(&alloc_fail_at, memory_order_relaxed);
    return at != 0 && n >= at;
}

void wh_alloc_fail_after(uint64_t nth)
{
    uint64_t now = atomic_load(&alloc_count);
    atomic_store(&alloc_fail_at, nth ? now + nth : 0);
}

uint64_t wh_alloc_count(void)
{
    return atomic_load(&alloc_count);
}

void *wh_malloc(size_t n)
{
    if (alloc_should_fail())
        return NULL;
    return malloc(n ? n : 1);
}

/* memset through a pointer the compiler cannot see through: malloc then
 * memset(0) is otherwise turned back into calloc (see wh_calloc). */
static void *(*volatile zero_fn)(void *, int, size_t) = memset;

static void zero(void *p, size_t n)
{
    zero_fn(p, 0, n);
}

void *wh_calloc(size_t count, size_t size)
{
    if (alloc_should_fail())
        return NULL;
    if (!count)
        count = 1;
    if (!size)
        size = 1;
    /* malloc and memset rather than calloc for small blocks: glibc's calloc
     * never takes from the per-thread cache (tcache), so each one cost a
     * trip through the arena, and its frees overflowed the cache (the
     * request path makes and frees a dozen small objects). */
    if (count <= 1024 / size) {
        void *p = malloc(count * size);
        if (p)
            zero(p, count * size);
        return p;
    }
    return calloc(count, size);
}

void *wh_realloc(void *p, size_t n)
{
    if (alloc_should_fail())
        return NULL;
    return realloc(p, n ? n : 1);
}

void wh_free(void *p)
{
    free(p);
}

char *wh_strndup(const char *s, size_t n)
{
    char *d = wh_malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

char *wh_strdup(const char *s)
{
    return wh_strndup(s, strlen(s));
}

bool wh__vec_grow(void **data, uint32_t *cap, size_t elem, uint32_t need)
{
    uint64_t ncap = *cap ? *cap : 8;
    while (ncap < need)
        ncap *= 2;
    if (ncap > UINT32_MAX || ncap * elem > SIZE_MAX / 2)
        return false;
    void *p = wh_realloc(*data, (size_t)ncap * elem);
    if (!p)
        return false;
    *data = p;
    *cap = (uint32_t)ncap;
    return true;
}

/* ---- Arena ---- */

struct wh_arena_chunk {
    wh_arena_chunk *next;
    size_t size, used;
    _Alignas(16) unsigned char mem[];
};

void wh_arena_init(wh_arena_t *a, size_t chunk_size)
{
    a->head = NULL;
    a->chunk_size = chunk_size ? chunk_size : 4096;
}

void *wh_arena_alloc(wh_arena_t *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    wh_arena_chunk *c = a->head;
    if (!c || c->size - c->used < n) {
        size_t size = n > a->chunk_size ? n : a->chunk_size;
        c = wh_malloc(sizeof *c + size);
        if (!c)
            return NULL;
        c->size = size;
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = c->mem + c->used;
    c->used += n;
    return p;
}

void *wh_arena_calloc(wh_arena_t *a, size_t n)
{
    void *p = wh_arena_alloc(a, n);
    if (p)
        memset(p, 0, n);
    return p;
}

void *wh_arena_dup(wh_arena_t *a, const void *src, size_t n)
{
    void *p = wh_arena_alloc(a, n);
    if (p && n)
        memcpy(p, src, n);
    return p;
}

void wh_arena_reset(wh_arena_t *a)
{
    /* Keep the oldest chunk (the tail): it is the one sized for the common case. */
    wh_arena_chunk *c = a->head, *keep = NULL;
    while (c) {
        wh_arena_chunk *next = c->next;
        if (!next)
            keep = c;
        else
            wh_free(c);
        c = next;
    }
    if (keep)
        keep->used = 0;
    a->head = keep;
}

wh_arena_mark_t wh_arena_mark(const wh_arena_t *a)
{
    return (wh_arena_mark_t){a->head, a->head ? a->head->used : 0};
}

void wh_arena_rollback(wh_arena_t *a, wh_arena_mark_t m)
{
    while (a->head && a->head != m.head) {
        wh_arena_chunk *next = a->head->next;
        wh_free(a->head);
        a->head = next;
    }
    if (a->head)
        a->head->used = m.used;
}

void wh_arena_free(wh_arena_t *a)
{
    wh_arena_chunk *c = a->head;
    while (c) {
        wh_arena_chunk *next = c->next;
        wh_free(c);
        c = next;
    }
    a->head = NULL;
}

/* ---- Files ---- */

wh_rc wh_read_file(const char *path, uint8_t **out_data, size_t *out_len, wh_err_t *err)
{
    *out_data = NULL;
    *out_len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return wh_err(err, WH_IO, -1, "cannot open %s: %s", path, strerror(errno));
    size_t cap = 65536, len = 0;
    uint8_t *buf = wh_malloc(cap);
    if (!buf) {
        fclose(f);
        return wh_err(err, WH_NOMEM, -1, "out of memory reading %s", path);
    }
    for (;;) {
        if (len == cap) {
            uint8_t *nb = cap > SIZE_MAX / 2 ? NULL : wh_realloc(buf, cap * 2);
            if (!nb) {
                wh_free(buf);
                fclose(f);
                return wh_err(err, WH_NOMEM, -1, "out of memory reading %s", path);
            }
            buf = nb;
            cap *= 2;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    bool bad = ferror(f);
    fclose(f);
    if (bad) {
        wh_free(buf);
        return wh_err(err, WH_IO, -1, "cannot read %s", path);
    }
    *out_data = buf;
    *out_len = len;
    return WH_OK;
}
