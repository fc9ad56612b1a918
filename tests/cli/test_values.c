/* Tests for the spec JSON values of `wasmhttpd wast` (src/cli/cli_values.c):
 * argument decoding, NaN patterns, v128 lanes and references. */
#include "cli/cli_wast.h"
#include "th.h"

static json_t *js(const char *text)
{
    return json_loads(text, 0, NULL);
}

/* Decodes an expected value and matches got against it. */
static bool matches(const char *expected, wm_val_t got)
{
    json_t *j = js(expected);
    cli_expect_t e;
    char why[200];
    bool ok = j && cli_expect_from_json(j, &e, why, sizeof why) && cli_expect_match(&e, &got);
    json_decref(j);
    return ok;
}

static wm_val_t f32v(uint32_t bits)
{
    wm_val_t v = {.type = WM_F32};
    v.of.i32 = bits;
    return v;
}

static wm_val_t f64v(uint64_t bits)
{
    wm_val_t v = {.type = WM_F64};
    v.of.i64 = bits;
    return v;
}

TH_TEST(args_decode_bits)
{
    wm_val_t v;
    char why[200];
    json_t *j = js("{\"type\":\"i32\",\"value\":\"4294967295\"}");
    TH_OK(cli_value_from_json(j, &v, why, sizeof why));
    TH_EQ(v.type, WM_I32);
    TH_EQ(v.of.i32, 0xffffffffu);
    json_decref(j);
    j = js("{\"type\":\"f64\",\"value\":\"9223372036854775808\"}"); /* -0.0 */
    TH_OK(cli_value_from_json(j, &v, why, sizeof why));
    TH_EQ(v.of.i64 >> 63, 1);
    json_decref(j);
    j = js("{\"type\":\"i32\",\"value\":\"4294967296\"}");
    TH_OK(!cli_value_from_json(j, &v, why, sizeof why));
    json_decref(j);
    /* Patterns are for expected results only. */
    j = js("{\"type\":\"f32\",\"value\":\"nan:canonical\"}");
    TH_OK(!cli_value_from_json(j, &v, why, sizeof why));
    json_decref(j);
}

TH_TEST(floats_match_bits)
{
    TH_OK(matches("{\"type\":\"f32\",\"value\":\"0\"}", f32v(0)));
    TH_OK(!matches("{\"type\":\"f32\",\"value\":\"0\"}", f32v(0x80000000u)));
    TH_OK(matches("{\"type\":\"f32\",\"value\":\"2143289345\"}", f32v(0x7fc00001u)));
    TH_OK(!matches("{\"type\":\"f32\",\"value\":\"2143289345\"}", f32v(0x7fc00000u)));
    TH_OK(!matches("{\"type\":\"f64\",\"value\":\"0\"}", f32v(0)));
}

TH_TEST(nan_patterns)
{
    const char *canon32 = "{\"type\":\"f32\",\"value\":\"nan:canonical\"}";
    const char *arith32 = "{\"type\":\"f32\",\"value\":\"nan:arithmetic\"}";
    TH_OK(matches(canon32, f32v(0x7fc00000u)));
    TH_OK(matches(canon32, f32v(0xffc00000u)));
    TH_OK(!matches(canon32, f32v(0x7fc00001u)));
    TH_OK(!matches(canon32, f32v(0x7f800001u)));
    TH_OK(!matches(canon32, f32v(0x7f800000u)));
    TH_OK(matches(arith32, f32v(0x7fc00001u)));
    TH_OK(matches(arith32, f32v(0xffc00000u)));
    TH_OK(!matches(arith32, f32v(0x7fa00000u))); /* signalling */
    TH_OK(!matches(arith32, f32v(0x7f800000u))); /* infinity */
    const char *canon64 = "{\"type\":\"f64\",\"value\":\"nan:canonical\"}";
    const char *arith64 = "{\"type\":\"f64\",\"value\":\"nan:arithmetic\"}";
    TH_OK(matches(canon64, f64v(UINT64_C(0x7ff8000000000000))));
    TH_OK(matches(canon64, f64v(UINT64_C(0xfff8000000000000))));
    TH_OK(!matches(canon64, f64v(UINT64_C(0x7ff8000000000001))));
    TH_OK(matches(arith64, f64v(UINT64_C(0x7ff8000000000001))));
    TH_OK(!matches(arith64, f64v(UINT64_C(0x7ff4000000000000))));
}

TH_TEST(v128_lanes)
{
    wm_val_t v = {.type = WM_V128};
    /* i16x8 lanes 0..7 = 1, 2, ..., 7, 65535, little-endian. */
    for (int i = 0; i < 7; i++)
        v.of.v128[2 * i] = (uint8_t)(i + 1);
    v.of.v128[14] = v.of.v128[15] = 0xff;
    TH_OK(matches("{\"type\":\"v128\",\"lane_type\":\"i16\",\"value\":"
                  "[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"65535\"]}",
                  v));
    TH_OK(!matches("{\"type\":\"v128\",\"lane_type\":\"i16\",\"value\":"
                   "[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"65534\"]}",
                   v));
    /* f32x4 with a canonical NaN pattern in lane 1 and exact bits elsewhere. */
    wm_val_t f = {.type = WM_V128};
    uint32_t lanes[4] = {0x3f800000u, 0xffc00000u, 0, 0x80000000u};
    for (int i = 0; i < 4; i++)
        for (int b = 0; b < 4; b++)
            f.of.v128[4 * i + b] = (uint8_t)(lanes[i] >> (8 * b));
    const char *want = "{\"type\":\"v128\",\"lane_type\":\"f32\",\"value\":"
                       "[\"1065353216\",\"nan:canonical\",\"0\",\"2147483648\"]}";
    TH_OK(matches(want, f));
    f.of.v128[15] = 0; /* lane 3 becomes +0 */
    TH_OK(!matches(want, f));
    char buf[600];
    json_t *j = js(want);
    cli_expect_t e;
    TH_OK(cli_expect_from_json(j, &e, buf, sizeof buf));
    cli_expect_str(&e, buf, sizeof buf);
    TH_STR(buf, "v128:f32x4 1 (0x3f800000) nan:canonical 0 (0x00000000) -0 (0x80000000)");
    json_decref(j);
}

TH_TEST(references)
{
    wm_val_t r = {.type = WM_EXTERNREF};
    r.of.ref = cli_externref(1);
    TH_OK(cli_externref(0) != NULL);
    TH_OK(cli_externref(0) != cli_externref(1));
    TH_OK(matches("{\"type\":\"externref\",\"value\":\"1\"}", r));
    TH_OK(!matches("{\"type\":\"externref\",\"value\":\"2\"}", r));
    TH_OK(!matches("{\"type\":\"externref\",\"value\":\"null\"}", r));
    TH_OK(matches("{\"type\":\"externref\"}", r)); /* any non-null */
    r.of.ref = NULL;
    TH_OK(matches("{\"type\":\"externref\",\"value\":\"null\"}", r));
    TH_OK(!matches("{\"type\":\"externref\"}", r));
    wm_val_t fr = {.type = WM_FUNCREF};
    fr.of.ref = &fr;
    TH_OK(matches("{\"type\":\"funcref\"}", fr));
    TH_OK(!matches("{\"type\":\"funcref\",\"value\":\"null\"}", fr));
    TH_OK(!matches("{\"type\":\"externref\"}", fr)); /* wrong type */
}
