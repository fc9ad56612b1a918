/*
 * cabi.h — the canonical ABI basics the hand-written C guests share: how
 * core imports and exports are named, the allocator the host lowers
 * strings and lists with (cabi_realloc), the return area, and strings and
 * lists as they lie in memory. wasi_io.h, wasi_http.h, wasi_cli.h,
 * wasi_clocks.h, wasi_random.h and wasi_sockets.h declare the WASI imports
 * on top of it, lifecycle.h the init export of wasmhttpd's stateful
 * worlds; text.h has the text helpers. A guest includes what it uses.
 *
 * This glue is written by hand (new guests may use bindings from
 * `wit-bindgen c` instead: tests/guests/c-bindgen, docs/guests.md; these
 * stay as tests of the canonical ABI), with CanonicalABI.md
 * flatten_functype for the signatures and the memory layouts next to each
 * declaration. What they all rely on:
 *   - a resource handle is an i32 (0 is never a handle);
 *   - a string or list<T> is {ptr @0, len @4} (8 bytes, align 4), len
 *     counting elements (bytes for a UTF-8 string);
 *   - a result or option is a discriminant byte (0 ok or none, 1 err or
 *     some), then its payload at the payload's alignment: @4 for handles,
 *     strings, lists and small variants, @8 when the payload holds a u64;
 *   - parameters flatten to core values, a variant to its case and the join
 *     of its cases' flat forms; an import whose result is more than one core
 *     value takes a last pointer to a return area the guest provides, and an
 *     export returns a pointer to one.
 *
 * Core names are those wit-component accepts: module "wasi:http/types@V",
 * field "[method]fields.append"; exports "wasi:http/incoming-handler@V#handle".
 * In C an import is its WIT name in snake_case: [method]R.m is R_m,
 * [constructor]R is R_new, [static]R.f is R_f, [resource-drop]R is R_drop,
 * a function its own name, with its interface in front where the bare name
 * would clash with C or say too little (cli_exit, poll_list,
 * monotonic_clock_now, outgoing_handler_handle). Helpers have names of
 * their own (write_all, start_response).
 * A guest defines WASI_GLUE_VERSION (e.g. "0.2.0") before including any of
 * these headers; WASI("http/types") is then "wasi:http/types@0.2.0". Any
 * 0.2.x links with the host.
 *
 * Header-only: each guest is one translation unit. The helpers are static
 * inline, so a guest compiles, and imports, only what it calls.
 */
#ifndef CABI_H
#define CABI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifndef WASI_GLUE_VERSION
#error "define WASI_GLUE_VERSION (e.g. \"0.2.0\") before including the glue"
#endif

#define IMPORT(mod, name) __attribute__((import_module(mod), import_name(name)))
#define EXPORT(name)      __attribute__((export_name(name)))
#define WASI(iface)       "wasi:" iface "@" WASI_GLUE_VERSION

typedef int32_t handle;

/* A string (UTF-8) as the host lowers it: {ptr, len}. */
typedef struct {
    const char *ptr;
    size_t len;
} str_t;

/* A list<u8>: {ptr, len}. */
typedef struct {
    const uint8_t *ptr;
    size_t len;
} bytes_t;

/* The string s equals the C string word. */
static inline bool str_eq(str_t s, const char *word)
{
    return s.len == strlen(word) && memcmp(s.ptr, word, s.len) == 0;
}

/* ---- the allocator ---- */

void *cabi_realloc(void *ptr, size_t old_size, size_t align, size_t new_size);

/* The allocator the host lowers strings and lists into this memory with
 * (CanonicalABI.md Realloc). malloc's 16-byte alignment covers every align
 * asked here.
 *
 * An empty string or list is never freed here: a host need not call
 * realloc for one and may pass any pointer with length 0 (jco passes 1).
 * So a zero-byte request gets no block either, only a non-null aligned
 * address, and only non-empty strings and lists are ours to free. */
EXPORT("cabi_realloc")
void *cabi_realloc(void *ptr, size_t old_size, size_t align, size_t new_size)
{
    (void)old_size;
    if (new_size == 0)
        return (void *)align;
#ifdef CABI_REALLOC_FIRST
    /* a test guest's own placement first (NULL: none) */
    void *q = CABI_REALLOC_FIRST(ptr, old_size, align, new_size);
    if (q)
        return q;
#endif
    void *p = realloc(ptr, new_size);
    if (!p)
        __builtin_trap();
    return p;
}

/* Frees a string or list the host allocated (len elements; an empty one
 * was never allocated). */
static inline void cabi_free(const void *p, size_t len)
{
    if (len > 0)
        free((void *)p);
}

/* Frees a list of n pairs of strings or byte lists (list<tuple<string,
 * string>>, list<tuple<string, list<u8>>>: elements of 16 bytes {ptr, len,
 * ptr, len}), both parts of each pair and the list. */
static inline void cabi_free_pairs(const void *list, size_t n)
{
    const str_t *part = list;
    for (size_t i = 0; i < 2 * n; i++)
        cabi_free(part[i].ptr, part[i].len);
    cabi_free(list, n);
}

/* ---- the return area ----
 * One for the imports and the exports. One use at a time: the host reads an
 * import's before the call returns, and an export's before it calls into
 * this instance again. 8-aligned for results with u64 payloads (http's
 * error-code); 64 bytes hold the largest here (future-trailers.get). */
static _Alignas(8) uint8_t ret[64] __attribute__((unused));

static inline uint8_t ret_u8(size_t off)
{
    return ret[off];
}

static inline uint32_t ret_u32(size_t off)
{
    uint32_t v;
    memcpy(&v, ret + off, sizeof v);
    return v;
}

static inline uint64_t ret_u64(size_t off)
{
    uint64_t v;
    memcpy(&v, ret + off, sizeof v);
    return v;
}

static inline handle ret_handle(size_t off)
{
    return (handle)ret_u32(off);
}

/* the pointer of a string or list at ret + off */
static inline void *ret_ptr(size_t off)
{
    return (void *)(uintptr_t)ret_u32(off);
}

/* Lays out result<_, string> in the return area for an export to return:
 * ok when err is NULL, else err(err): {u8 is_err; ptr @4, len @8}. err
 * must outlive the call, and no post-return function frees it. */
static inline void *ret_result_string(const char *err)
{
    memset(ret, 0, 12);
    if (err) {
        uint32_t p = (uint32_t)(uintptr_t)err, n = (uint32_t)strlen(err);
        ret[0] = 1;
        memcpy(ret + 4, &p, 4);
        memcpy(ret + 8, &n, 4);
    }
    return ret;
}

#endif
