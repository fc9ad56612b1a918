/*
 * wh_base.h — what every layer of wasmhttpd shares: result codes, error
 * details, the allocator hook, growable vectors and a bump arena.
 *
 * Errors travel as return values (never longjmp): a function returns a
 * wh_rc and, when it fails, fills the caller's wh_err_t (which may be NULL)
 * with a message the user can act on and, where it applies, a byte offset.
 *
 * Thread-safety: everything here is safe to use from several threads on
 * distinct objects. The allocation counters are atomic.
 */
#ifndef WH_BASE_H
#define WH_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* clang-format off */
/* Result codes: one X-macro list gives the enum and wh_rc_name(). */
#define WH_RC_MAP(X)                                                        \
    X(OK,          "ok")                                                    \
    X(NOMEM,       "out of memory")                                         \
    X(MALFORMED,   "malformed binary")                                      \
    X(INVALID,     "invalid module")                                        \
    X(UNLINKABLE,  "unlinkable")                                            \
    X(TRAP,        "trap")                                                  \
    X(EXHAUSTED,   "call stack exhausted")                                  \
    X(SUSPEND,     "suspended")                                             \
    X(INTERRUPTED, "interrupted")                                           \
    X(OUT_OF_FUEL, "out of fuel")                                           \
    X(NOTFOUND,    "not found")                                             \
    X(ARG,         "bad argument")                                          \
    X(IO,          "i/o error")                                             \
    X(UNSUPPORTED, "unsupported")                                           \
    X(EXCEPTION,   "uncaught exception")
/* clang-format on */

typedef enum {
#define WH_RC_ENUM(name, text) WH_##name,
    WH_RC_MAP(WH_RC_ENUM)
#undef WH_RC_ENUM
} wh_rc;

/* The short name of a result code ("trap", "malformed binary"). */
const char *wh_rc_name(wh_rc rc);

/* Error detail filled by a failing call. offset is a byte offset into the
 * input that was being read, or -1 when there is none. */
typedef struct {
    wh_rc code;
    int64_t offset;
    char msg[256];
} wh_err_t;

/* Sets err (if not NULL) and returns rc, so that `return wh_err(...)` works. */
wh_rc wh_err(wh_err_t *err, wh_rc rc, int64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
wh_rc wh_verr(wh_err_t *err, wh_rc rc, int64_t offset, const char *fmt, va_list ap);
void wh_err_clear(wh_err_t *err);

/* ---- Allocation ----
 * Every heap call of the project goes through these, so that tests can fail
 * the Nth allocation and limits can count bytes. They behave like the libc
 * functions; wh_free(NULL) does nothing. */
void *wh_malloc(size_t n);
void *wh_calloc(size_t count, size_t size);
void *wh_realloc(void *p, size_t n);
void wh_free(void *p);
char *wh_strdup(const char *s);
char *wh_strndup(const char *s, size_t n);

/* Fail every allocation from the nth one on (1 = the next one); 0 turns
 * failure injection off. For tests only. */
void wh_alloc_fail_after(uint64_t nth);
/* Allocations made since start (a count, for tests and metrics). */
uint64_t wh_alloc_count(void);

/* ---- Growable vectors ----
 * A vector is any struct with fields `data`, `len`, `cap`. wh_vec_push
 * grows it geometrically; it evaluates to false when memory runs out. */
#define WH_VEC(T)                                                                                  \
    struct {                                                                                       \
        T *data;                                                                                   \
        uint32_t len, cap;                                                                         \
    }
bool wh__vec_grow(void **data, uint32_t *cap, size_t elem, uint32_t need);
#define wh_vec_reserve(v, n)                                                                       \
    ((v)->len + (n) <= (v)->cap ||                                                                 \
     wh__vec_grow((void **)&(v)->data, &(v)->cap, sizeof(*(v)->data), (v)->len + (n)))
#define wh_vec_push(v, x) (wh_vec_reserve((v), 1) ? ((v)->data[(v)->len++] = (x), true) : false)
#define wh_vec_free(v)    (wh_free((v)->data), (v)->data = NULL, (v)->len = (v)->cap = 0)

/* ---- Arena ----
 * A bump allocator for objects that die together (a loaded module, a
 * request). Memory comes in chunks; wh_arena_reset keeps the first chunk for
 * reuse. Allocations are 16-byte aligned. */
typedef struct wh_arena_chunk wh_arena_chunk;
typedef struct {
    wh_arena_chunk *head;
    size_t chunk_size;
} wh_arena_t;

void wh_arena_init(wh_arena_t *a, size_t chunk_size);
void *wh_arena_alloc(wh_arena_t *a, size_t n);  /* NULL when out of memory */
void *wh_arena_calloc(wh_arena_t *a, size_t n); /* zeroed */
void *wh_arena_dup(wh_arena_t *a, const void *p, size_t n);
void wh_arena_reset(wh_arena_t *a);
void wh_arena_free(wh_arena_t *a);
/* A point in an arena's life: wh_arena_rollback frees everything allocated
 * after it (what was allocated before stays where it is). */
typedef struct {
    wh_arena_chunk *head;
    size_t used;
} wh_arena_mark_t;
wh_arena_mark_t wh_arena_mark(const wh_arena_t *a);
void wh_arena_rollback(wh_arena_t *a, wh_arena_mark_t m);

/* ---- UTF-8 (wh_utf8.c): shortest form, no surrogates, at most U+10FFFF ---- */
/* Decodes one scalar value from s[0..n): its length in bytes, 0 if invalid. */
size_t wh_utf8_decode(const uint8_t *s, size_t n, uint32_t *cp);
/* Encodes cp (a scalar value) into out (room for 4): the bytes written. */
size_t wh_utf8_encode(uint32_t cp, char *out);
bool wh_utf8_valid(const uint8_t *s, size_t n);

/* ---- Files ---- */
/* Reads a whole file into a new buffer (free with wh_free). */
wh_rc wh_read_file(const char *path, uint8_t **out_data, size_t *out_len, wh_err_t *err);

#define WH_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define WH_UNUSED(x)    ((void)(x))

#endif
