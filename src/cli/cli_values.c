/*
 * cli_values.c — values in the spec JSON that wast2json writes: reading
 * arguments and expected results into wm_val_t, matching results, and
 * printing both for failure messages.
 *
 * Every number in that JSON is a decimal string of the unsigned bit
 * pattern (floats included), so nothing here goes through a C float except
 * for display: comparisons are on bits, and -0.0 differs from +0.0.
 */
#include "cli.h"
#include "cli_wast.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void *cli_externref(uint64_t n)
{
    /* Shifted so that the low bits are clear (looks like any aligned host
     * pointer) and offset by one so that 0 is not NULL. */
    return (void *)(uintptr_t)((n + 1) << 4);
}

/* The inverse of cli_externref, for messages; false for other pointers. */
static bool externref_id(const void *p, uint64_t *out)
{
    uintptr_t u = (uintptr_t)p;
    if (!u || (u & 15))
        return false;
    *out = (uint64_t)(u >> 4) - 1;
    return true;
}

static bool type_from_name(const char *s, uint8_t *out)
{
    static const uint8_t all[] = {WM_I32,  WM_I64,     WM_F32,       WM_F64,
                                  WM_V128, WM_FUNCREF, WM_EXTERNREF, WM_EXNREF};
    for (size_t i = 0; i < sizeof all; i++)
        if (!strcmp(s, wm_valtype_name(all[i]))) {
            *out = all[i];
            return true;
        }
    return false;
}

static const struct {
    const char *name;
    unsigned bytes;
    bool is_float;
} lanes[] = {
    [CLI_LANE_I8] = {"i8", 1, false},   [CLI_LANE_I16] = {"i16", 2, false},
    [CLI_LANE_I32] = {"i32", 4, false}, [CLI_LANE_I64] = {"i64", 8, false},
    [CLI_LANE_F32] = {"f32", 4, true},  [CLI_LANE_F64] = {"f64", 8, true},
};

static bool lane_from_name(const char *s, uint8_t *out)
{
    for (uint8_t i = 0; i < WH_ARRAY_LEN(lanes); i++)
        if (!strcmp(s, lanes[i].name)) {
            *out = i;
            return true;
        }
    return false;
}

/* Reads one number or NaN pattern of `bytes` bytes into bits. */
static bool scalar(const char *s, unsigned bytes, bool is_float, bool allow_nan, uint64_t *bits,
                   uint8_t *match)
{
    *match = CLI_MATCH_BITS;
    *bits = 0;
    if (is_float && allow_nan && !strcmp(s, "nan:canonical")) {
        *match = CLI_MATCH_NAN_CANON;
        return true;
    }
    if (is_float && allow_nan && !strcmp(s, "nan:arithmetic")) {
        *match = CLI_MATCH_NAN_ARITH;
        return true;
    }
    /* Integers as unsigned decimal (wast2json), or signed where negative
     * (json-from-wast): "-1" of an i8 lane is 0xff. */
    bool neg = !is_float && s[0] == '-';
    if (!cli_parse_u64(s + neg, bits))
        return false;
    if (neg) {
        if (*bits > UINT64_C(1) << (bytes * 8 - 1))
            return false;
        *bits = ((uint64_t)0 - *bits) & (bytes == 8 ? UINT64_MAX : (UINT64_C(1) << bytes * 8) - 1);
        return true;
    }
    return bytes == 8 || *bits >> (bytes * 8) == 0;
}

static void put_lane(uint8_t *v128, unsigned i, unsigned bytes, uint64_t bits)
{
    for (unsigned b = 0; b < bytes; b++)
        v128[i * bytes + b] = (uint8_t)(bits >> (8 * b)); /* lanes are little-endian */
}

static uint64_t get_lane(const uint8_t *v128, unsigned i, unsigned bytes)
{
    uint64_t bits = 0;
    for (unsigned b = 0; b < bytes; b++)
        bits |= (uint64_t)v128[i * bytes + b] << (8 * b);
    return bits;
}

/* The common reader: arguments are expectations without patterns. */
static bool read_value(const json_t *j, bool expected, cli_expect_t *e, char *why, size_t n)
{
    memset(e, 0, sizeof *e);
    const char *tname = json_string_value(json_object_get(j, "type"));
    if (!tname || !type_from_name(tname, &e->val.type)) {
        snprintf(why, n, "unknown value type '%s'", tname ? tname : "(none)");
        return false;
    }
    const json_t *jv = json_object_get(j, "value");
    uint8_t t = e->val.type;

    if (t == WM_FUNCREF || t == WM_EXTERNREF || t == WM_EXNREF) {
        const char *s = json_string_value(jv);
        if (!jv) {
            if (!expected) {
                snprintf(why, n, "%s argument without a value", tname);
                return false;
            }
            e->match = CLI_MATCH_NONNULL;
            return true;
        }
        if (s && !strcmp(s, "null"))
            return true; /* val.of.ref is NULL */
        uint64_t id;
        if (t == WM_EXTERNREF && s && cli_parse_u64(s, &id)) {
            e->val.of.ref = cli_externref(id);
            return true;
        }
        snprintf(why, n, "unsupported %s value", tname);
        return false;
    }

    if (t == WM_V128) {
        const char *lname = json_string_value(json_object_get(j, "lane_type"));
        if (!lname || !lane_from_name(lname, &e->lane) || !json_is_array(jv)) {
            snprintf(why, n, "v128 value without lane_type or lanes");
            return false;
        }
        unsigned bytes = lanes[e->lane].bytes;
        size_t count = json_array_size(jv);
        if (count != 16 / bytes) {
            snprintf(why, n, "v128 with %zu lanes of %s", count, lname);
            return false;
        }
        e->nlanes = (uint8_t)count;
        for (size_t i = 0; i < count; i++) {
            const char *s = json_string_value(json_array_get(jv, i));
            uint64_t bits;
            if (!s || !scalar(s, bytes, lanes[e->lane].is_float, expected, &bits, &e->lanes[i])) {
                snprintf(why, n, "bad v128 lane %zu '%s'", i, s ? s : "(not a string)");
                return false;
            }
            put_lane(e->val.of.v128, (unsigned)i, bytes, bits);
        }
        return true;
    }

    const char *s = json_string_value(jv);
    bool is_float = t == WM_F32 || t == WM_F64;
    unsigned bytes = (t == WM_I32 || t == WM_F32) ? 4 : 8;
    uint64_t bits;
    if (!s || !scalar(s, bytes, is_float, expected, &bits, &e->match)) {
        snprintf(why, n, "bad %s value '%s'", tname, s ? s : "(not a string)");
        return false;
    }
    if (bytes == 4)
        e->val.of.i32 = (uint32_t)bits;
    else
        e->val.of.i64 = bits;
    return true;
}

bool cli_value_from_json(const json_t *j, wm_val_t *out, char *why, size_t n)
{
    cli_expect_t e;
    if (!read_value(j, false, &e, why, n))
        return false;
    *out = e.val;
    return true;
}

bool cli_expect_from_json(const json_t *j, cli_expect_t *out, char *why, size_t n)
{
    return read_value(j, true, out, why, n);
}

/* The spec's NaN classes (spec 4.3.3): canonical has only the quiet bit of
 * the payload set; arithmetic has at least the quiet bit. */
static bool match_bits(uint8_t match, uint64_t bits, unsigned bytes)
{
    uint64_t quiet_exp = bytes == 4 ? 0x7fc00000u : UINT64_C(0x7ff8000000000000);
    uint64_t sign = bytes == 4 ? 0x80000000u : UINT64_C(0x8000000000000000);
    switch (match) {
    case CLI_MATCH_NAN_CANON:
        return (bits & ~sign) == quiet_exp;
    case CLI_MATCH_NAN_ARITH:
        return (bits & quiet_exp) == quiet_exp;
    default:
        return false; /* exact matches are compared by the caller */
    }
}

bool cli_expect_match(const cli_expect_t *e, const wm_val_t *got)
{
    if (got->type != e->val.type)
        return false;
    switch (e->val.type) {
    case WM_I32:
        return got->of.i32 == e->val.of.i32;
    case WM_I64:
        return got->of.i64 == e->val.of.i64;
    case WM_F32:
        return e->match == CLI_MATCH_BITS ? got->of.i32 == e->val.of.i32
                                          : match_bits(e->match, got->of.i32, 4);
    case WM_F64:
        return e->match == CLI_MATCH_BITS ? got->of.i64 == e->val.of.i64
                                          : match_bits(e->match, got->of.i64, 8);
    case WM_FUNCREF:
    case WM_EXTERNREF:
    case WM_EXNREF:
        return e->match == CLI_MATCH_NONNULL ? got->of.ref != NULL : got->of.ref == e->val.of.ref;
    case WM_V128: {
        unsigned bytes = lanes[e->lane].bytes;
        for (unsigned i = 0; i < e->nlanes; i++) {
            uint64_t g = get_lane(got->of.v128, i, bytes);
            if (e->lanes[i] == CLI_MATCH_BITS ? g != get_lane(e->val.of.v128, i, bytes)
                                              : !match_bits(e->lanes[i], g, bytes))
                return false;
        }
        return true;
    }
    default:
        return false;
    }
}

/* Appends printf output to buf at *o, never past n. */
static void app(char *buf, size_t n, size_t *o, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void app(char *buf, size_t n, size_t *o, const char *fmt, ...)
{
    if (*o >= n)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + *o, n - *o, fmt, ap);
    va_end(ap);
    if (w > 0)
        *o = *o + (size_t)w < n ? *o + (size_t)w : n - 1;
}

static void float_str(uint64_t bits, unsigned bytes, char *buf, size_t n, size_t *o)
{
    char f[CLI_FLOAT_BUF];
    if (bytes == 4)
        cli_fmt_f32((uint32_t)bits, f, sizeof f);
    else
        cli_fmt_f64(bits, f, sizeof f);
    /* Very long decimals (1e300) say little; the bits say it all. */
    if (strlen(f) > 24)
        app(buf, n, o, "0x%0*" PRIx64, (int)bytes * 2, bits);
    else
        app(buf, n, o, "%s (0x%0*" PRIx64 ")", f, (int)bytes * 2, bits);
}

static void lane_str(uint64_t bits, int lane, uint8_t match, char *buf, size_t n, size_t *o)
{
    unsigned bytes = lanes[lane].bytes;
    if (match == CLI_MATCH_NAN_CANON)
        app(buf, n, o, "nan:canonical");
    else if (match == CLI_MATCH_NAN_ARITH)
        app(buf, n, o, "nan:arithmetic");
    else if (lanes[lane].is_float)
        float_str(bits, bytes, buf, n, o);
    else if (bytes == 8)
        app(buf, n, o, "%" PRId64, (int64_t)bits);
    else {
        /* Sign-extend the lane for display. */
        unsigned shift = 64 - bytes * 8;
        app(buf, n, o, "%" PRId64, (int64_t)(bits << shift) >> shift);
    }
}

static void ref_str(const void *p, uint8_t t, char *buf, size_t n, size_t *o)
{
    uint64_t id;
    if (!p)
        app(buf, n, o, "null");
    else if (t == WM_EXTERNREF && externref_id(p, &id))
        app(buf, n, o, "%" PRIu64, id);
    else
        app(buf, n, o, "%p", p);
}

static void val_str(const wm_val_t *v, int lane, const uint8_t *lane_match, uint8_t match,
                    char *buf, size_t n)
{
    size_t o = 0;
    if (n)
        buf[0] = 0;
    app(buf, n, &o, "%s:", wm_valtype_name(v->type));
    switch (v->type) {
    case WM_I32:
        app(buf, n, &o, "%" PRId32, (int32_t)v->of.i32);
        break;
    case WM_I64:
        app(buf, n, &o, "%" PRId64, (int64_t)v->of.i64);
        break;
    case WM_F32:
    case WM_F64:
        lane_str(v->type == WM_F32 ? v->of.i32 : v->of.i64,
                 v->type == WM_F32 ? CLI_LANE_F32 : CLI_LANE_F64, match, buf, n, &o);
        break;
    case WM_FUNCREF:
    case WM_EXTERNREF:
    case WM_EXNREF:
        if (match == CLI_MATCH_NONNULL)
            app(buf, n, &o, "non-null");
        else
            ref_str(v->of.ref, v->type, buf, n, &o);
        break;
    case WM_V128: {
        unsigned bytes = lanes[lane].bytes;
        app(buf, n, &o, "%sx%u", lanes[lane].name, 16 / bytes);
        for (unsigned i = 0; i < 16 / bytes; i++) {
            app(buf, n, &o, " ");
            lane_str(get_lane(v->of.v128, i, bytes), lane,
                     lane_match ? lane_match[i] : CLI_MATCH_BITS, buf, n, &o);
        }
        break;
    }
    default:
        app(buf, n, &o, "(type 0x%02x)", v->type);
        break;
    }
}

void cli_value_str(const wm_val_t *v, int lane, char *buf, size_t n)
{
    val_str(v, lane, NULL, CLI_MATCH_BITS, buf, n);
}

void cli_expect_str(const cli_expect_t *e, char *buf, size_t n)
{
    val_str(&e->val, e->lane, e->lanes, e->match, buf, n);
}
