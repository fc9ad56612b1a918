/*
 * wasm_build.h — helpers for tests that write modules by hand: a section is
 * given as its id and its content bytes, and its size is filled in, so the
 * byte arrays in the tests stay readable and correct. Modules whose sizes
 * are meant to be wrong are written out in full instead.
 */
#ifndef WASM_BUILD_H
#define WASM_BUILD_H

#include "wasm/internal.h"

#include <string.h>

typedef struct {
    uint8_t id;
    const uint8_t *bytes;
    size_t len;
} tb_section;

#define TB_SEC(id_, ...)                                                                           \
    (tb_section)                                                                                   \
    {                                                                                              \
        (id_), (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})              \
    }

#define TB_MAGIC 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00

typedef struct {
    uint8_t bytes[4096];
    size_t len;
    size_t ends[32]; /* where each section ends */
    size_t nsec;
} tb_module;

/* Appends the magic, the version and each section with its size. */
static inline const tb_module *tb_build(tb_module *m, const tb_section *secs, size_t n)
{
    static const uint8_t head[] = {TB_MAGIC};
    memcpy(m->bytes, head, sizeof head);
    m->len = sizeof head;
    m->nsec = n;
    for (size_t i = 0; i < n; i++) {
        size_t size = secs[i].len;
        m->bytes[m->len++] = secs[i].id;
        do {
            uint8_t b = size & 0x7f;
            size >>= 7;
            m->bytes[m->len++] = b | (size ? 0x80 : 0);
        } while (size);
        memcpy(m->bytes + m->len, secs[i].bytes, secs[i].len);
        m->len += secs[i].len;
        if (i < 32)
            m->ends[i] = m->len;
    }
    return m;
}

#define TB_BUILD(m, ...)                                                                           \
    tb_build((m), (const tb_section[]){__VA_ARGS__},                                               \
             sizeof((const tb_section[]){__VA_ARGS__}) / sizeof(tb_section))

#endif
