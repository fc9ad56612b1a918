/* Tests for the binary readers (src/wasm/wm_read.c): LEB128 limits and
 * UTF-8 names, with the spec's error wording. */
#include "th.h"
#include "wasm/internal.h"

static wh_rc rd_u32(const uint8_t *b, size_t n, uint32_t *v, wh_err_t *e)
{
    wm__reader r = {b, b + n, b};
    return wm__read_u32(&r, v, e);
}

static wh_rc rd_s32(const uint8_t *b, size_t n, int32_t *v, wh_err_t *e)
{
    wm__reader r = {b, b + n, b};
    return wm__read_s32(&r, v, e);
}

TH_TEST(leb_u32_values)
{
    uint32_t v;
    TH_EQ(rd_u32((const uint8_t[]){0x00}, 1, &v, NULL), WH_OK);
    TH_EQ(v, 0);
    TH_EQ(rd_u32((const uint8_t[]){0xe5, 0x8e, 0x26}, 3, &v, NULL), WH_OK);
    TH_EQ(v, 624485);
    TH_EQ(rd_u32((const uint8_t[]){0xff, 0xff, 0xff, 0xff, 0x0f}, 5, &v, NULL), WH_OK);
    TH_EQ(v, 0xffffffffu);
    /* padded zero: allowed as long as it fits in 5 bytes */
    TH_EQ(rd_u32((const uint8_t[]){0x80, 0x80, 0x80, 0x80, 0x00}, 5, &v, NULL), WH_OK);
    TH_EQ(v, 0);
}

TH_TEST(leb_u32_errors)
{
    uint32_t v;
    wh_err_t e;
    TH_EQ(rd_u32((const uint8_t[]){0xff, 0xff, 0xff, 0xff, 0x1f}, 5, &v, &e), WH_MALFORMED);
    TH_STR(e.msg, "integer too large");
    TH_EQ(rd_u32((const uint8_t[]){0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 6, &v, &e), WH_MALFORMED);
    TH_STR(e.msg, "integer representation too long");
    TH_EQ(rd_u32((const uint8_t[]){0x80, 0x80}, 2, &v, &e), WH_MALFORMED);
    TH_STR(e.msg, "unexpected end");
    TH_EQ(e.offset, 2);
}

TH_TEST(leb_s32_sign)
{
    int32_t v;
    wh_err_t e;
    TH_EQ(rd_s32((const uint8_t[]){0x7f}, 1, &v, NULL), WH_OK);
    TH_EQ(v, -1);
    TH_EQ(rd_s32((const uint8_t[]){0x80, 0x80, 0x80, 0x80, 0x78}, 5, &v, NULL), WH_OK);
    TH_EQ(v, INT32_MIN);
    TH_EQ(rd_s32((const uint8_t[]){0xff, 0xff, 0xff, 0xff, 0x07}, 5, &v, NULL), WH_OK);
    TH_EQ(v, INT32_MAX);
    /* unused bits must be a sign extension */
    TH_EQ(rd_s32((const uint8_t[]){0xff, 0xff, 0xff, 0xff, 0x4f}, 5, &v, &e), WH_MALFORMED);
    TH_STR(e.msg, "integer too large");
    TH_EQ(rd_s32((const uint8_t[]){0x80, 0x80, 0x80, 0x80, 0x70}, 5, &v, &e), WH_MALFORMED);
}

TH_TEST(leb_s64_extremes)
{
    const uint8_t min[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f};
    wm__reader r = {min, min + sizeof min, min};
    int64_t v;
    TH_EQ(wm__read_s64(&r, &v, NULL), WH_OK);
    TH_OK(v == INT64_MIN);
    const uint8_t bad[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x3f};
    wm__reader r2 = {bad, bad + sizeof bad, bad};
    TH_EQ(wm__read_s64(&r2, &v, NULL), WH_MALFORMED);
}

TH_TEST(names_must_be_utf8)
{
    wh_arena_t a;
    wh_arena_init(&a, 0);
    char *s;
    wh_err_t e;
    const uint8_t ok[] = {3, 'a', 0xc3, 0xa9};
    wm__reader r = {ok, ok + sizeof ok, ok};
    TH_EQ(wm__read_name(&r, &a, &s, NULL, &e), WH_OK);
    TH_STR(s, "a\xc3\xa9");
    const uint8_t overlong[] = {2, 0xc0, 0x80};
    wm__reader r2 = {overlong, overlong + sizeof overlong, overlong};
    TH_EQ(wm__read_name(&r2, &a, &s, NULL, &e), WH_MALFORMED);
    TH_STR(e.msg, "malformed UTF-8 encoding");
    const uint8_t surrogate[] = {3, 0xed, 0xa0, 0x80};
    wm__reader r3 = {surrogate, surrogate + sizeof surrogate, surrogate};
    TH_EQ(wm__read_name(&r3, &a, &s, NULL, &e), WH_MALFORMED);
    wh_arena_free(&a);
}
