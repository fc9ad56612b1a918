/* Tests for the modules wm_module_load must reject, each with its result
 * code and the spec's wording (the text the core .wast assertions use).
 * Most cases are transcriptions of binary.wast, custom.wast and the
 * assert_invalid modules of memory/table/exports/start/data/elem/global. */
#include "th.h"
#include "wasm_build.h"

#include <stdio.h>

typedef struct {
    const char *what;
    const uint8_t *bytes;
    size_t len;
    wh_rc rc;
    const char *msg; /* must occur in the error message */
} bad_case;

/* A whole module written out, header included. */
#define RAW(what, rc, msg, ...)                                                                    \
    {                                                                                              \
        (what), (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}), (rc), (msg) \
    }
/* A module given as the bytes after the header. */
#define MOD(what, rc, msg, ...) RAW(what, rc, msg, TB_MAGIC, __VA_ARGS__)

static const bad_case cases[] = {
    /* header */
    {"empty", (const uint8_t[]){0}, 0, WH_MALFORMED, "unexpected end"},
    RAW("short magic", WH_MALFORMED, "unexpected end", 0x00, 0x61, 0x73),
    RAW("bad magic", WH_MALFORMED, "magic header not detected", 0x00, 0x61, 0x73, 0x6e, 1, 0, 0,
        0),
    RAW("short version", WH_MALFORMED, "unexpected end", 0x00, 0x61, 0x73, 0x6d, 1, 0),
    RAW("version 2", WH_MALFORMED, "unknown binary version", 0x00, 0x61, 0x73, 0x6d, 2, 0, 0, 0),
    /* section framing */
    MOD("section id 14", WH_MALFORMED, "malformed section id", 0x0e, 0x01, 0x00),
    MOD("section id 0x7f", WH_MALFORMED, "malformed section id", 0x7f, 0x01, 0x00),
    MOD("section larger than the module", WH_MALFORMED, "length out of bounds", 0x01, 0x07, 0x02,
        0x60, 0x00, 0x00),
    MOD("section longer than its content", WH_MALFORMED, "section size mismatch", 0x01, 0x07,
        0x01, 0x60, 0x00, 0x00, 0x60, 0x00, 0x00),
    MOD("start twice", WH_MALFORMED, "unexpected content after last section", 0x01, 0x04, 0x01,
        0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x08, 0x01, 0x00, 0x08, 0x01, 0x00, 0x0a, 0x04,
        0x01, 0x02, 0x00, 0x0b),
    MOD("type after function", WH_MALFORMED, "unexpected content after last section", 0x03,
        0x01, 0x00, 0x01, 0x01, 0x00),
    MOD("count beyond the module", WH_MALFORMED, "length out of bounds", 0x01, 0x05, 0xff, 0xff,
        0xff, 0xff, 0x0f),
    MOD("import count too high", WH_MALFORMED, "unexpected end of section or function", 0x01,
        0x05, 0x01, 0x60, 0x01, 0x7f, 0x00, 0x02, 0x16, 0x02, 0x08, 's', 'p', 'e', 'c', 't', 'e',
        's', 't', 0x09, 'p', 'r', 'i', 'n', 't', '_', 'i', '3', '2', 0x00, 0x00),
    MOD("export name past the module", WH_MALFORMED, "length out of bounds", 0x01, 0x04, 0x01,
        0x60, 0x00, 0x00, 0x03, 0x03, 0x02, 0x00, 0x00, 0x07, 0x06, 0x02, 0x02, 'f', '1', 0x00,
        0x00, 0x0a, 0x07, 0x02, 0x02, 0x00, 0x0b, 0x02, 0x00, 0x0b),
    MOD("data bytes past the module", WH_MALFORMED, "unexpected end of section or function", 0x05,
        0x03, 0x01, 0x00, 0x01, 0x0b, 0x0c, 0x01, 0x00, 0x41, 0x03, 0x0b, 0x07, 'a', 'b', 'c', 'd',
        'e', 'f'),
    /* custom sections */
    MOD("custom without size", WH_MALFORMED, "unexpected end", 0x00),
    MOD("custom without name", WH_MALFORMED, "unexpected end", 0x00, 0x00),
    MOD("custom name not UTF-8", WH_MALFORMED, "malformed UTF-8 encoding", 0x00, 0x02, 0x01,
        0x80),
    MOD("custom name longer than section", WH_MALFORMED, "", 0x00, 0x02, 0x05, 'a', 'b', 'c', 'd',
        'e'),
    /* The spec checks a size against the bytes left from where the size
     * starts, so these pass that check yet end past the module (fuzzer finds). */
    MOD("custom section past the end", WH_MALFORMED, "unexpected end", 0x00, 0x03, 0x01, 'a'),
    MOD("custom name past the end", WH_MALFORMED, "unexpected end", 0x00, 0x03, 0x02, 'a'),
    MOD("body past the end", WH_MALFORMED, "section size mismatch", 0x01, 0x04, 0x01, 0x60, 0x00,
        0x00, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x04, 0x01, 0x03, 0x00, 0x0b),
    MOD("type section past the end", WH_MALFORMED, "section size mismatch", 0x01, 0x05, 0x01,
        0x60, 0x00, 0x00),
    /* types and imports */
    MOD("function type form", WH_MALFORMED, "integer representation too long", 0x01, 0x05, 0x01,
        0xe0, 0x7f, 0x00, 0x00),
    MOD("function type form 0x61", WH_MALFORMED, "malformed function type", 0x01, 0x04, 0x01,
        0x61, 0x00, 0x00),
    MOD("value type", WH_MALFORMED, "malformed value type", 0x01, 0x05, 0x01, 0x60, 0x01, 0x40,
        0x00),
    MOD("import kind 4", WH_MALFORMED, "malformed import kind", 0x02, 0x04, 0x01, 0x00, 0x00,
        0x04),
    MOD("import kind 0x80", WH_MALFORMED, "malformed import kind", 0x02, 0x05, 0x01, 0x00, 0x00,
        0x80, 0x00),
    MOD("import of unknown type", WH_INVALID, "unknown type", 0x02, 0x05, 0x01, 0x00, 0x00, 0x00,
        0x00),
    MOD("imported global mutability 2", WH_MALFORMED, "malformed mutability", 0x02, 0x06, 0x01,
        0x00, 0x00, 0x03, 0x7f, 0x02),
    MOD("global mutability 0xff", WH_MALFORMED, "malformed mutability", 0x06, 0x06, 0x01, 0x7f,
        0xff, 0x41, 0x00, 0x0b),
    /* limits */
    MOD("table limits flag 2", WH_MALFORMED, "integer too large", 0x04, 0x03, 0x01, 0x70, 0x02),
    MOD("memory limits flag over-long", WH_MALFORMED, "integer representation too long", 0x05,
        0x05, 0x01, 0x81, 0x00, 0x00, 0x00),
    MOD("memory min > max", WH_INVALID, "size minimum must not be greater than maximum", 0x05,
        0x04, 0x01, 0x01, 0x01, 0x00),
    MOD("memory 65537 pages", WH_INVALID, "memory size must be at most 65536 pages (4GiB)", 0x05,
        0x05, 0x01, 0x00, 0x81, 0x80, 0x04),
    MOD("memory max 2^32-1 pages", WH_INVALID, "memory size must be at most 65536 pages (4GiB)",
        0x05, 0x08, 0x01, 0x01, 0x00, 0xff, 0xff, 0xff, 0xff, 0x0f),
    MOD("table min > max", WH_INVALID, "size minimum must not be greater than maximum", 0x04, 0x05,
        0x01, 0x70, 0x01, 0x01, 0x00),
    MOD("two memories", WH_INVALID, "multiple memories", 0x05, 0x05, 0x02, 0x00, 0x00, 0x00,
        0x00),
    MOD("imported and defined memory", WH_INVALID, "multiple memories", 0x02, 0x06, 0x01, 0x00,
        0x00, 0x02, 0x00, 0x01, 0x05, 0x03, 0x01, 0x00, 0x00),
    /* functions and code */
    MOD("function of unknown type", WH_INVALID, "unknown type", 0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
        0x03, 0x02, 0x01, 0x01, 0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b),
    MOD("functions without code", WH_MALFORMED,
        "function and code section have inconsistent lengths", 0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
        0x03, 0x03, 0x02, 0x00, 0x00),
    MOD("code without functions", WH_MALFORMED,
        "function and code section have inconsistent lengths", 0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b),
    MOD("more code than functions", WH_MALFORMED,
        "function and code section have inconsistent lengths", 0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
        0x03, 0x02, 0x01, 0x00, 0x0a, 0x07, 0x02, 0x02, 0x00, 0x0b, 0x02, 0x00, 0x0b),
    /* data count */
    MOD("data count 3, two segments", WH_MALFORMED,
        "data count and data section have inconsistent lengths", 0x0c, 0x01, 0x03, 0x0b, 0x05,
        0x02, 0x01, 0x00, 0x01, 0x00),
    MOD("data count 1, no data section", WH_MALFORMED,
        "data count and data section have inconsistent lengths", 0x0c, 0x01, 0x01),
    MOD("data kind 3", WH_MALFORMED, "malformed data segment kind", 0x0b, 0x03, 0x01, 0x03, 0x00),
    MOD("data for a missing memory", WH_INVALID, "unknown memory 0", 0x0b, 0x06, 0x01, 0x00, 0x41,
        0x00, 0x0b, 0x00),
    MOD("data for memory 1", WH_INVALID, "unknown memory 1", 0x05, 0x03, 0x01, 0x00, 0x00, 0x0b,
        0x07, 0x01, 0x02, 0x01, 0x41, 0x00, 0x0b, 0x00),
    /* constant expressions */
    MOD("offset of the wrong type", WH_INVALID, "type mismatch", 0x05, 0x03, 0x01, 0x00, 0x01,
        0x0b, 0x06, 0x01, 0x00, 0x42, 0x00, 0x0b, 0x00),
    MOD("empty offset", WH_INVALID, "type mismatch", 0x05, 0x03, 0x01, 0x00, 0x01, 0x0b, 0x04,
        0x01, 0x00, 0x0b, 0x00),
    MOD("two values", WH_INVALID, "type mismatch", 0x06, 0x08, 0x01, 0x7f, 0x00, 0x41, 0x00, 0x41,
        0x00, 0x0b),
    MOD("i32.add", WH_INVALID, "constant expression required", 0x06, 0x09, 0x01, 0x7f, 0x00, 0x41,
        0x00, 0x41, 0x01, 0x6a, 0x0b),
    MOD("nop", WH_INVALID, "constant expression required", 0x06, 0x05, 0x01, 0x7f, 0x00, 0x01,
        0x0b),
    MOD("global.get of a defined global", WH_INVALID, "unknown global 0", 0x06, 0x0b, 0x02, 0x7f,
        0x00, 0x41, 0x00, 0x0b, 0x7f, 0x00, 0x23, 0x00, 0x0b),
    MOD("global.get of a mutable import", WH_INVALID, "constant expression required", 0x02, 0x07,
        0x01, 0x00, 0x01, 'g', 0x03, 0x7f, 0x01, 0x06, 0x06, 0x01, 0x7f, 0x00, 0x23, 0x00, 0x0b),
    MOD("externref global from funcref", WH_INVALID, "type mismatch", 0x06, 0x06, 0x01, 0x6f,
        0x00, 0xd0, 0x70, 0x0b),
    MOD("ref.func of an unknown function", WH_INVALID, "unknown function 7", 0x06, 0x06, 0x01,
        0x70, 0x00, 0xd2, 0x07, 0x0b),
    /* binary.wast: the init expression has no end within its section, and
     * the next byte (the code section's id) is no opcode */
    MOD("illegal opcode in a constant", WH_MALFORMED, "illegal opcode", 0x01, 0x04, 0x01, 0x60,
        0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x06, 0x05, 0x01, 0x7f, 0x00, 0x41, 0x00, 0x0a, 0x04,
        0x01, 0x02, 0x00, 0x0b),
    /* exports and start */
    MOD("duplicate export", WH_INVALID, "duplicate export name", 0x06, 0x06, 0x01, 0x7f, 0x00,
        0x41, 0x00, 0x0b, 0x07, 0x09, 0x02, 0x01, 'a', 0x03, 0x00, 0x01, 'a', 0x03, 0x00),
    MOD("export of an unknown function", WH_INVALID, "unknown function", 0x07, 0x05, 0x01, 0x01,
        'a', 0x00, 0x00),
    MOD("export of an unknown memory", WH_INVALID, "unknown memory", 0x05, 0x03, 0x01, 0x00, 0x00,
        0x07, 0x05, 0x01, 0x01, 'a', 0x02, 0x01),
    MOD("export kind 4", WH_MALFORMED, "malformed export kind", 0x07, 0x05, 0x01, 0x01, 'a', 0x04,
        0x00),
    MOD("start function with a result", WH_INVALID, "start function", 0x01, 0x05, 0x01, 0x60, 0x00,
        0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x08, 0x01, 0x00, 0x0a, 0x06, 0x01, 0x04, 0x00, 0x41,
        0x00, 0x0b),
    MOD("start of an unknown function", WH_INVALID, "unknown function", 0x08, 0x01, 0x00),
    /* element segments */
    MOD("elem for a missing table", WH_INVALID, "unknown table", 0x09, 0x06, 0x01, 0x00, 0x41,
        0x00, 0x0b, 0x00),
    MOD("elem kind 8", WH_MALFORMED, "malformed elements segment kind", 0x09, 0x02, 0x01, 0x08),
    MOD("elem kind byte 1", WH_MALFORMED, "malformed element kind", 0x09, 0x04, 0x01, 0x01, 0x01,
        0x00),
    MOD("elem reference type 0x7f", WH_MALFORMED, "malformed reference type", 0x01, 0x04, 0x01,
        0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x04, 0x04, 0x01, 0x70, 0x00, 0x00, 0x09, 0x07,
        0x01, 0x05, 0x7f, 0x01, 0xd2, 0x00, 0x0b, 0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b),
    MOD("elem of an unknown function", WH_INVALID, "unknown function", 0x04, 0x04, 0x01, 0x70,
        0x00, 0x02, 0x09, 0x07, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x01, 0x00),
    MOD("externref segment into a funcref table", WH_INVALID, "type mismatch", 0x04, 0x04, 0x01,
        0x70, 0x00, 0x01, 0x09, 0x0b, 0x01, 0x06, 0x00, 0x41, 0x00, 0x0b, 0x6f, 0x01, 0xd0, 0x6f,
        0x0b),
    MOD("funcref item of externref type", WH_INVALID, "type mismatch", 0x04, 0x04, 0x01, 0x70,
        0x00, 0x01, 0x09, 0x09, 0x01, 0x04, 0x41, 0x00, 0x0b, 0x01, 0xd0, 0x6f, 0x0b),
};

TH_TEST(decode_rejects_with_spec_wording)
{
    for (size_t i = 0; i < WH_ARRAY_LEN(cases); i++) {
        const bad_case *c = &cases[i];
        wm_module_t *m = (wm_module_t *)&m; /* must be reset to NULL */
        wh_err_t e;
        wh_err_clear(&e);
        wh_rc rc = wm_module_load(c->bytes, c->len, NULL, &m, &e);
        bool ok = TH_EQ(rc, c->rc);
        ok &= TH_OK(m == NULL);
        ok &= TH_HAS(e.msg, c->msg);
        ok &= TH_EQ(e.code, c->rc);
        if (!ok)
            fprintf(stderr, "    case \"%s\": got %s \"%s\"\n", c->what, wh_rc_name(rc), e.msg);
        if (rc == WH_OK)
            wm_module_free(m);
    }
}

TH_TEST(decode_error_offsets)
{
    wm_module_t *m;
    wh_err_t e;
    /* bad magic: offset 0 */
    static const uint8_t magic[] = {0x00, 0x61, 0x73, 0x6e, 1, 0, 0, 0};
    TH_EQ(wm_module_load(magic, sizeof magic, NULL, &m, &e), WH_MALFORMED);
    TH_EQ(e.offset, 0);
    /* the type index 1 of the function section sits at byte 17 */
    static const uint8_t ty[] = {TB_MAGIC, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03,
                                 0x02,     0x01, 0x01, 0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b};
    TH_EQ(wm_module_load(ty, sizeof ty, NULL, &m, &e), WH_INVALID);
    TH_EQ(e.offset, 17);
    TH_HAS(e.msg, "unknown type 1");
    TH_HAS(e.msg, "function section");
    /* a section id past the end of the header is reported where it is */
    static const uint8_t sid[] = {TB_MAGIC, 0x0e, 0x01, 0x00};
    TH_EQ(wm_module_load(sid, sizeof sid, NULL, &m, &e), WH_MALFORMED);
    TH_EQ(e.offset, 8);
}

/* A huge count must be refused before anything is allocated for it. */
TH_TEST(decode_huge_counts_allocate_nothing)
{
    static const uint8_t b[] = {TB_MAGIC, 0x03, 0x05, 0xff, 0xff, 0xff, 0xff, 0x0f};
    wm_module_t *m;
    wh_err_t e;
    uint64_t before = wh_alloc_count();
    TH_EQ(wm_module_load(b, sizeof b, NULL, &m, &e), WH_MALFORMED);
    TH_HAS(e.msg, "length out of bounds");
    /* the module struct and at most an arena chunk or two */
    TH_OK(wh_alloc_count() - before <= 3);
}

/* The decoder must not crash or leak on any prefix of a valid module. A
 * prefix that ends inside a section is malformed; one that ends between
 * sections is a valid module only while it has no function section without
 * its code section (and no data count without data). */
TH_TEST(decode_truncations)
{
    tb_module b;
    TB_BUILD(&b, TB_SEC(1, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f),
             TB_SEC(2, 0x01, 0x01, 'e', 0x01, 'g', 0x03, 0x7f, 0x00), TB_SEC(3, 0x01, 0x00),
             TB_SEC(4, 0x01, 0x70, 0x00, 0x01), TB_SEC(5, 0x01, 0x00, 0x01),
             TB_SEC(6, 0x01, 0x7f, 0x01, 0x23, 0x00, 0x0b),
             TB_SEC(7, 0x01, 0x01, 'f', 0x00, 0x00),
             TB_SEC(9, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x01, 0x00), TB_SEC(12, 0x01),
             TB_SEC(10, 0x01, 0x04, 0x00, 0x20, 0x00, 0x0b),
             TB_SEC(11, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x01, 'x'));
    TH_EQ(b.nsec, 11);
    for (size_t n = 0; n <= b.len; n++) {
        /* valid: the header alone, after the type and the import sections, and all of it */
        bool valid = n == 8 || n == b.ends[0] || n == b.ends[1] || n == b.len;
        wm_module_t *m = NULL;
        wh_err_t e;
        wh_rc rc = wm_module_load(b.bytes, n, NULL, &m, &e);
        if (!TH_EQ(rc, valid ? WH_OK : WH_MALFORMED))
            fprintf(stderr, "    prefix of %zu bytes: %s\n", n, e.msg);
        wm_module_free(m);
    }
}
