/*
 * guest.h — what every C test guest shares: import/export attributes, the
 * canonical ABI allocator (cabi_realloc), the guest side of strings in the
 * three encodings, and a small text builder for computed string results.
 *
 * There is no bindings generator for C here, so each guest writes its
 * canonical ABI glue by hand: core export names in the form wit-component
 * accepts ("wasmhttpd:test/types-test@0.1.0#echo-bool", post-return
 * "cabi_post_…", "cabi_realloc", "memory"), parameters flattened as
 * CanonicalABI.md flatten_functype says (more than 16 flat parameters: one
 * pointer to a tuple in memory; more than one flat result: a return pointer),
 * and memory layouts by hand (offsets are written next to each struct).
 *
 * GUEST_ENC picks the string encoding the guest was embedded with (the
 * component's canon options say the same): 0 utf8, 1 utf16, 2 latin1+utf16.
 * The host transcodes; the guest reads and writes strings in its own
 * encoding, and this header turns them into code points and back.
 *
 * Header-only on purpose: each guest is a single translation unit, and a
 * guest uses only part of it.
 */
#ifndef GUEST_H
#define GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define IMPORT(mod, name) __attribute__((import_module(mod), import_name(name)))
#define EXPORT(name)      __attribute__((export_name(name)))

#ifndef GUEST_ENC
#define GUEST_ENC 0
#endif
#define ENC_UTF8         0
#define ENC_UTF16        1
#define ENC_LATIN1_UTF16 2
/* latin1+utf16: the top bit of the length says the bytes are UTF-16 */
#define UTF16_TAG 0x80000000u

/* A string or a list as the canonical ABI stores it: 8 bytes, align 4.
 * A string's len counts code units of the guest's encoding (tagged for
 * latin1+utf16), a list's counts elements. */
typedef struct {
    const void *ptr;
    uint32_t len;
} gstr;

/* The allocator the host calls to lower strings and lists into this memory
 * (CanonicalABI.md Realloc). malloc's alignment (16) covers every align the
 * ABI asks for. Zero bytes still get a real allocation, so that whatever the
 * host hands over can be freed. */
EXPORT("cabi_realloc")
void *cabi_realloc(void *ptr, size_t old_size, size_t align, size_t new_size);
#ifndef GUEST_CUSTOM_REALLOC
void *cabi_realloc(void *ptr, size_t old_size, size_t align, size_t new_size)
{
    (void)old_size;
    (void)align;
    void *p = realloc(ptr, new_size ? new_size : 1);
    if (!p)
        __builtin_trap();
    return p;
}
#endif

/* One return area for results that do not fit in one flat value. The host
 * reads it before the next call into this instance. */
static _Alignas(8) uint8_t ret_area[128] __attribute__((unused));

static inline void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        __builtin_trap();
    return p;
}

/* ---- text: a string as code points ---- */

typedef struct {
    uint32_t *cp;
    uint32_t n, cap;
} text;

static inline void text_push(text *t, uint32_t c)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 16;
        t->cp = realloc(t->cp, t->cap * sizeof *t->cp);
        if (!t->cp)
            __builtin_trap();
    }
    t->cp[t->n++] = c;
}

static inline void text_free(text *t)
{
    free(t->cp);
    t->cp = NULL;
    t->n = t->cap = 0;
}

/* Appends UTF-8 from C source. */
static inline void text_puts(text *t, const char *s)
{
    const uint8_t *p = (const uint8_t *)s;
    while (*p) {
        uint32_t c = *p++;
        if (c >= 0xf0) {
            c = (c & 0x07) << 18 | (p[0] & 0x3fu) << 12 | (p[1] & 0x3fu) << 6 | (p[2] & 0x3fu);
            p += 3;
        } else if (c >= 0xe0) {
            c = (c & 0x0f) << 12 | (p[0] & 0x3fu) << 6 | (p[1] & 0x3fu);
            p += 2;
        } else if (c >= 0xc0) {
            c = (c & 0x1f) << 6 | (p[0] & 0x3fu);
            p += 1;
        }
        text_push(t, c);
    }
}

static inline void text_putu(text *t, uint64_t v)
{
    char buf[24];
    int n = 0;
    do {
        buf[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        text_push(t, (uint8_t)buf[--n]);
}

static inline void text_puti(text *t, int64_t v)
{
    if (v < 0) {
        text_push(t, '-');
        text_putu(t, -(uint64_t)v);
    } else {
        text_putu(t, (uint64_t)v);
    }
}

/* A float as C's %g prints it for the plain values the tests use (six
 * significant digits, trailing zeros dropped, no exponent between 1e-5 and
 * 1e6). snprintf would do, but it drags wasi-libc's stdio and its WASI
 * imports into a guest that must import nothing. */
static inline void text_putg(text *t, double v)
{
    if (v != v) {
        text_puts(t, "nan");
        return;
    }
    if (v < 0 || (v == 0 && 1 / v < 0)) {
        text_push(t, '-');
        v = -v;
    }
    if (v > 1.7976931348623157e308) {
        text_puts(t, "inf");
        return;
    }
    int e = 0;
    double p10 = 1;
    if (v != 0) {
        while (v >= p10 * 10) {
            p10 *= 10;
            e++;
        }
        while (v < p10) {
            p10 /= 10;
            e--;
        }
    }
    int decimals = 5 - e; /* six significant digits */
    if (decimals < 0)
        decimals = 0;
    double scale = 1;
    for (int i = 0; i < decimals; i++)
        scale *= 10;
    uint64_t digits = (uint64_t)(v * scale + 0.5);
    uint64_t ip = digits, frac = 0;
    for (int i = 0; i < decimals; i++)
        ip /= 10;
    frac = digits - ip * (uint64_t)scale;
    text_putu(t, ip);
    while (decimals > 0 && frac % 10 == 0) {
        frac /= 10;
        decimals--;
    }
    if (decimals > 0) {
        char buf[24];
        text_push(t, '.');
        for (int i = decimals - 1; i >= 0; i--) {
            buf[i] = (char)('0' + frac % 10);
            frac /= 10;
        }
        for (int i = 0; i < decimals; i++)
            text_push(t, (uint8_t)buf[i]);
    }
}

static inline void text_append(text *t, const text *u)
{
    for (uint32_t i = 0; i < u->n; i++)
        text_push(t, u->cp[i]);
}

/* Decodes a string the host lowered (valid by the ABI's rules) in the
 * guest's encoding. */
static inline text text_from(const void *ptr, uint32_t len)
{
    text t = {0};
#if GUEST_ENC == ENC_UTF8
    const uint8_t *p = ptr, *end = p + len;
    while (p < end) {
        uint32_t c = *p++;
        if (c >= 0xf0) {
            c = (c & 0x07) << 18 | (p[0] & 0x3fu) << 12 | (p[1] & 0x3fu) << 6 | (p[2] & 0x3fu);
            p += 3;
        } else if (c >= 0xe0) {
            c = (c & 0x0f) << 12 | (p[0] & 0x3fu) << 6 | (p[1] & 0x3fu);
            p += 2;
        } else if (c >= 0xc0) {
            c = (c & 0x1f) << 6 | (p[0] & 0x3fu);
            p += 1;
        }
        text_push(&t, c);
    }
#else
#if GUEST_ENC == ENC_LATIN1_UTF16
    if (!(len & UTF16_TAG)) {
        const uint8_t *p = ptr;
        for (uint32_t i = 0; i < len; i++)
            text_push(&t, p[i]);
        return t;
    }
    len &= ~UTF16_TAG;
#endif
    const uint16_t *u = ptr;
    for (uint32_t i = 0; i < len; i++) {
        uint32_t c = u[i];
        if (c >= 0xd800 && c < 0xdc00 && i + 1 < len) {
            c = 0x10000 + ((c - 0xd800) << 10) + (u[i + 1] - 0xdc00);
            i++;
        }
        text_push(&t, c);
    }
#endif
    return t;
}

static inline text text_from_gstr(gstr s)
{
    return text_from(s.ptr, s.len);
}

/* Encodes t in the guest's encoding into fresh memory (the host lifts it
 * and, where the function has a post-return, the guest frees it there). */
static inline gstr text_to(const text *t)
{
    gstr s;
#if GUEST_ENC == ENC_UTF8
    uint8_t *p = xmalloc(4 * (size_t)t->n), *q = p;
    for (uint32_t i = 0; i < t->n; i++) {
        uint32_t c = t->cp[i];
        if (c < 0x80) {
            *q++ = (uint8_t)c;
        } else if (c < 0x800) {
            *q++ = (uint8_t)(0xc0 | c >> 6);
            *q++ = (uint8_t)(0x80 | (c & 0x3f));
        } else if (c < 0x10000) {
            *q++ = (uint8_t)(0xe0 | c >> 12);
            *q++ = (uint8_t)(0x80 | (c >> 6 & 0x3f));
            *q++ = (uint8_t)(0x80 | (c & 0x3f));
        } else {
            *q++ = (uint8_t)(0xf0 | c >> 18);
            *q++ = (uint8_t)(0x80 | (c >> 12 & 0x3f));
            *q++ = (uint8_t)(0x80 | (c >> 6 & 0x3f));
            *q++ = (uint8_t)(0x80 | (c & 0x3f));
        }
    }
    s.ptr = p;
    s.len = (uint32_t)(q - p);
#else
#if GUEST_ENC == ENC_LATIN1_UTF16
    bool latin1 = true;
    for (uint32_t i = 0; i < t->n; i++)
        if (t->cp[i] > 0xff)
            latin1 = false;
    if (latin1) {
        uint8_t *p = xmalloc(t->n);
        for (uint32_t i = 0; i < t->n; i++)
            p[i] = (uint8_t)t->cp[i];
        s.ptr = p;
        s.len = t->n;
        return s;
    }
#endif
    uint16_t *u = xmalloc(4 * (size_t)t->n), *q = u;
    for (uint32_t i = 0; i < t->n; i++) {
        uint32_t c = t->cp[i];
        if (c >= 0x10000) {
            *q++ = (uint16_t)(0xd800 + ((c - 0x10000) >> 10));
            *q++ = (uint16_t)(0xdc00 + ((c - 0x10000) & 0x3ff));
        } else {
            *q++ = (uint16_t)c;
        }
    }
    s.ptr = u;
    s.len = (uint32_t)(q - u);
#if GUEST_ENC == ENC_LATIN1_UTF16
    s.len |= UTF16_TAG;
#endif
#endif
    return s;
}

/* A string from C source (UTF-8) in the guest's encoding. */
static inline gstr gstr_lit(const char *s)
{
    text t = {0};
    text_puts(&t, s);
    gstr g = text_to(&t);
    text_free(&t);
    return g;
}

/* Frees what the host lowered: an empty string or list may come with any
 * pointer (a host need not call cabi_realloc for zero bytes). */
static inline void gstr_free(gstr s)
{
    if (s.len)
        free((void *)s.ptr);
}

/* The string's bytes in memory, whatever the encoding: what a guest must
 * free, copy or check for bounds. */
static inline size_t gstr_bytes(gstr s)
{
#if GUEST_ENC == ENC_UTF8
    return s.len;
#elif GUEST_ENC == ENC_UTF16
    return 2 * (size_t)s.len;
#else
    return s.len & UTF16_TAG ? 2 * (size_t)(s.len & ~UTF16_TAG) : s.len;
#endif
}

#endif
