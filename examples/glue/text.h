/*
 * text.h — text for the C guests, which have no stdio: decimal digits and
 * strings written into a fixed buffer (put_u64, put_str), a growable
 * NUL-terminated text (text_t), and the values in a URL query.
 */
#ifndef TEXT_H
#define TEXT_H

#include "cabi.h"

/* Decimal digits of v at out; returns how many (at most 20, 10 for a
 * u32). */
static inline size_t put_u64(char *out, uint64_t v)
{
    char tmp[20];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

/* s without its NUL at out; returns its length. */
static inline size_t put_str(char *out, const char *s)
{
    size_t n = strlen(s);
    memcpy(out, s, n);
    return n;
}

/* A growable text, NUL-terminated once anything is added; {0} is empty,
 * p (NULL when nothing was added) is the caller's to free. */
typedef struct {
    char *p;
    size_t len, cap;
} text_t;

static inline void text_add(text_t *t, const void *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 64;
        while (cap < t->len + n + 1)
            cap *= 2;
        t->p = cabi_realloc(t->p, t->cap, 1, cap);
        t->cap = cap;
    }
    memcpy(t->p + t->len, s, n);
    t->len += n;
    t->p[t->len] = '\0';
}

static inline void text_str(text_t *t, const char *s)
{
    text_add(t, s, strlen(s));
}

static inline void text_u64(text_t *t, uint64_t v)
{
    char d[20];
    text_add(t, d, put_u64(d, v));
}

/* The value of key in a query ("a=1&mb=20", without the '?'), up to the
 * next '&' or the end, or NULL. */
static inline const char *query_value(const char *query, const char *key)
{
    size_t klen = strlen(key);
    const char *p = query;
    for (;;) {
        if (strncmp(p, key, klen) == 0 && p[klen] == '=')
            return p + klen + 1;
        p = strchr(p, '&');
        if (!p)
            return NULL;
        p++;
    }
}

/* The number that key's value starts with in the query of target
 * ("/path?key=N"), or dflt when key is not there. */
static inline uint64_t query_u64(const char *target, const char *key, uint64_t dflt)
{
    const char *q = strchr(target, '?');
    const char *v = q ? query_value(q + 1, key) : NULL;
    if (!v)
        return dflt;
    uint64_t n = 0;
    for (; *v >= '0' && *v <= '9'; v++)
        n = n * 10 + (uint64_t)(*v - '0');
    return n;
}

#endif
