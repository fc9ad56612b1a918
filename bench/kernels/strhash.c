/*
 * strhash.c — strings and a hash table: builds words from random numbers,
 * counts them in an open-addressing table (FNV-1a hash, linear probing,
 * keys kept in a string pool and compared byte by byte), then looks up the
 * reverse of every distinct word. Byte loads and stores, short loops,
 * unpredictable branches and table probes.
 */
#include "kernel.h"

#define SH_WORDS 800000u
#define SH_DISTINCT 30000u /* numbers words are made from; the table holds fewer */
#define SH_CAP (1u << 16)   /* power of two, > 2 * SH_DISTINCT */
#define SH_POOL (SH_DISTINCT * 16u)

typedef struct {
    uint32_t hash;
    uint32_t off; /* into pool */
    uint32_t len; /* 0: empty slot */
    uint32_t count;
} entry;

static volatile uint32_t nwords = SH_WORDS;
static entry table[SH_CAP];
static char pool[SH_POOL];
static uint32_t pool_used;

static uint32_t fnv1a(const char *s, uint32_t len)
{
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

static int same(const char *a, const char *b, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

/* The entry for s, or NULL if absent and !insert. */
static entry *lookup(const char *s, uint32_t len, int insert)
{
    uint32_t h = fnv1a(s, len);
    for (uint32_t i = h & (SH_CAP - 1);; i = (i + 1) & (SH_CAP - 1)) {
        entry *e = &table[i];
        if (e->len == 0) {
            if (!insert)
                return 0;
            for (uint32_t k = 0; k < len; k++)
                pool[pool_used + k] = s[k];
            e->hash = h, e->off = pool_used, e->len = len, e->count = 0;
            pool_used += len;
            return e;
        }
        if (e->hash == h && e->len == len && same(pool + e->off, s, len))
            return e;
    }
}

/* Spells v as a word of 3 to 8 lowercase letters. */
static uint32_t make_word(uint32_t v, char *out)
{
    static const char *const prefixes[] = {"", "re", "un", "pre", "over", "inter", "anti"};
    const char *p = prefixes[v % 7];
    uint32_t n = 0;
    while (*p)
        out[n++] = *p++;
    uint32_t x = v / 7 + 1;
    do {
        out[n++] = (char)('a' + x % 26);
        x /= 26;
    } while (x);
    while (n < 3)
        out[n++] = 'z';
    return n;
}

uint32_t run(void)
{
    for (uint32_t i = 0; i < SH_CAP; i++)
        table[i].len = 0;
    pool_used = 0;

    uint32_t seed = 0xc0ffee11u, distinct = 0;
    char word[16];
    for (uint32_t i = 0; i < nwords; i++) {
        /* Skewed toward small numbers, so some words are frequent. */
        uint32_t r = xorshift32(&seed);
        uint32_t v = (r & 1) ? (r >> 1) % SH_DISTINCT : (r >> 1) % (SH_DISTINCT / 16);
        uint32_t len = make_word(v, word);
        entry *e = lookup(word, len, 1);
        if (e->count++ == 0)
            distinct++;
    }

    uint32_t max = 0, weighted = 0, reversed_hits = 0;
    for (uint32_t i = 0; i < SH_CAP; i++) {
        const entry *e = &table[i];
        if (e->len == 0)
            continue;
        if (e->count > max)
            max = e->count;
        weighted += e->count * (e->hash >> 16);
        const char *s = pool + e->off;
        for (uint32_t k = 0; k < e->len; k++)
            word[k] = s[e->len - 1 - k];
        if (lookup(word, e->len, 0))
            reversed_hits++;
    }
    return distinct * 2654435761u ^ max * 40503u ^ weighted ^ reversed_hits << 20 ^ pool_used;
}
