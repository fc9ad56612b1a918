/* Tests for the number helpers of the command line (src/cli/cli_num.c):
 * integer and float parsing, and Display-style float output. Expected texts
 * follow from IEEE 754 values, worked out by hand in the comments. */
#include "cli/cli.h"
#include "th.h"

static const char *f32s(uint32_t bits)
{
    static char buf[CLI_FLOAT_BUF];
    cli_fmt_f32(bits, buf, sizeof buf);
    return buf;
}

static const char *f64s(uint64_t bits)
{
    static char buf[CLI_FLOAT_BUF];
    cli_fmt_f64(bits, buf, sizeof buf);
    return buf;
}

TH_TEST(parse_int_ranges)
{
    uint64_t v;
    TH_OK(cli_parse_int("0", 32, &v) && v == 0);
    TH_OK(cli_parse_int("-1", 32, &v) && v == 0xffffffffu);
    TH_OK(cli_parse_int("4294967295", 32, &v) && v == 0xffffffffu);
    TH_OK(!cli_parse_int("4294967296", 32, &v));
    TH_OK(cli_parse_int("-2147483648", 32, &v) && v == 0x80000000u);
    TH_OK(!cli_parse_int("-2147483649", 32, &v));
    TH_OK(cli_parse_int("0x7FFFFFFF", 32, &v) && v == 0x7fffffffu);
    TH_OK(cli_parse_int("-0x1", 32, &v) && v == 0xffffffffu);
    TH_OK(cli_parse_int("18446744073709551615", 64, &v) && v == UINT64_MAX);
    TH_OK(!cli_parse_int("18446744073709551616", 64, &v));
    TH_OK(cli_parse_int("-9223372036854775808", 64, &v) && v == UINT64_C(1) << 63);
    TH_OK(!cli_parse_int("-9223372036854775809", 64, &v));
    TH_OK(!cli_parse_int("", 32, &v));
    TH_OK(!cli_parse_int("-", 32, &v));
    TH_OK(!cli_parse_int("0x", 32, &v));
    TH_OK(!cli_parse_int(" 1", 32, &v));
    TH_OK(!cli_parse_int("1 ", 32, &v));
    TH_OK(!cli_parse_int("--1", 32, &v));
    TH_OK(!cli_parse_int("1.0", 32, &v));
}

TH_TEST(parse_u64_strict)
{
    uint64_t v;
    TH_OK(cli_parse_u64("2143289344", &v) && v == 0x7fc00000u);
    TH_OK(!cli_parse_u64("-1", &v));
    TH_OK(!cli_parse_u64("0x10", &v));
    TH_OK(!cli_parse_u64("", &v));
}

TH_TEST(parse_floats)
{
    uint32_t b32;
    uint64_t b64;
    TH_OK(cli_parse_f32("1.5", &b32) && b32 == 0x3fc00000u);
    TH_OK(cli_parse_f32("-0", &b32) && b32 == 0x80000000u);
    TH_OK(cli_parse_f32("inf", &b32) && b32 == 0x7f800000u);
    TH_OK(cli_parse_f32("-Infinity", &b32) && b32 == 0xff800000u);
    TH_OK(cli_parse_f32("nan", &b32) && (b32 & 0x7fc00000u) == 0x7fc00000u);
    /* 16777217 = 2^24 + 1 lies between two f32s and rounds to even, 2^24. */
    TH_OK(cli_parse_f32("16777217", &b32) && b32 == 0x4b800000u);
    TH_OK(cli_parse_f64("0.1", &b64) && b64 == UINT64_C(0x3fb999999999999a));
    TH_OK(cli_parse_f64("0x1p-1074", &b64) && b64 == 1);
    TH_OK(!cli_parse_f64("", &b64));
    TH_OK(!cli_parse_f64(" 1", &b64));
    TH_OK(!cli_parse_f64("1e", &b64));
    TH_OK(!cli_parse_f64("1,5", &b64));
}

TH_TEST(format_specials)
{
    TH_STR(f32s(0x00000000u), "0");
    TH_STR(f32s(0x80000000u), "-0");
    TH_STR(f32s(0x7f800000u), "inf");
    TH_STR(f32s(0xff800000u), "-inf");
    TH_STR(f32s(0x7fc00000u), "NaN");
    TH_STR(f32s(0xffc00001u), "NaN");
    TH_STR(f64s(UINT64_C(0x7ff0000000000001)), "NaN");
    TH_STR(f64s(UINT64_C(0x8000000000000000)), "-0");
}

TH_TEST(format_shortest_positional)
{
    TH_STR(f32s(0x3fc00000u), "1.5");
    TH_STR(f32s(0x3f800000u), "1");
    TH_STR(f32s(0xc2c80000u), "-100");
    /* f32 0.1 is 0.100000001490116...; "0.1" already reads back to it. */
    TH_STR(f32s(0x3dcccccdu), "0.1");
    /* f32 1/3 = 0x3eaaaaab = 0.3333333432...; 7 digits do not read back. */
    TH_STR(f32s(0x3eaaaaabu), "0.33333334");
    /* FLT_MAX = 3.4028234664e38: 8 digits, then 31 zeros, no exponent. */
    TH_STR(f32s(0x7f7fffffu), "340282350000000000000000000000000000000");
    /* The smallest f32 subnormal, 2^-149 = 1.4012984e-45: shortest is "1e-45". */
    TH_STR(f32s(0x00000001u), "0.000000000000000000000000000000000000000000001");
    TH_STR(f64s(UINT64_C(0x3fb999999999999a)), "0.1");
    /* 0.1 + 0.2 as computed in f64. */
    TH_STR(f64s(UINT64_C(0x3fd3333333333334)), "0.30000000000000004");
    TH_STR(f64s(UINT64_C(0x3ff8000000000000)), "1.5");
    TH_STR(f64s(UINT64_C(0x4059000000000000)), "100");
    TH_STR(f64s(UINT64_C(0x444b1ae4d6e2ef50)), "1000000000000000000000"); /* 1e21 */
    TH_STR(f64s(UINT64_C(0x3f50624dd2f1a9fc)), "0.001");
    TH_STR(f64s(UINT64_C(0xc00921fb54442d18)), "-3.141592653589793");
}
