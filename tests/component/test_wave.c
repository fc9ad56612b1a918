/* Tests for WAVE reading and writing. Expected values and texts come from
 * the WAVE README and wave_ebnf.md (wasm-tools crates/wasm-wave): its
 * example values, its escapes, its multiline-string examples, its rules
 * on flat options and results, omitted record fields and keywords. */
#define _GNU_SOURCE /* open_memstream */
#include "component/cm_wit.h"
#include "th.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static wh_arena_t A;
static wh_err_t E;
static int nnamed;

static void setup(void)
{
    wh_arena_free(&A);
    wh_arena_init(&A, 0);
    wh_err_clear(&E);
    nnamed = 0;
}

/* Types for the tests, written in WIT (which test_wit.c checks). */
static const cm_type_t *named[16];
static const char *names[16];
static cm_resource_t fields_res = {.name = "fields", .id = 0, .host = true};

static const cm_type_t *scope_type(void *ctx, const char *s, size_t n)
{
    for (int i = 0; i < nnamed; i++)
        if (cm__name_eq(names[i], s, n))
            return named[i];
    return NULL;
}

static const cm_resource_t *scope_res(void *ctx, const char *s, size_t n)
{
    return cm__name_eq("fields", s, n) ? &fields_res : NULL;
}

static const cm__wit_scope scope = {.type = scope_type, .resource = scope_res};

static const cm_type_t *ty(const char *wit)
{
    const cm_type_t *t = NULL;
    wh_err_t err;
    if (cm__wit_parse_type(wit, strlen(wit), &scope, &A, &t, &err) != WH_OK)
        fprintf(stderr, "  type %s: %s\n", wit, err.msg);
    return t;
}

static const cm_type_t *def(const char *name, const char *wit)
{
    const cm_type_t *t = NULL;
    wh_err_t err;
    if (cm__wit_parse_typedef(name, wit, strlen(wit), &scope, &A, &t, NULL, &err) != WH_OK)
        fprintf(stderr, "  typedef %s: %s\n", wit, err.msg);
    if (nnamed < 16) {
        names[nnamed] = name;
        named[nnamed++] = t;
    }
    return t;
}

static wh_rc parse(const cm_type_t *t, const char *text, cm_val_t *v)
{
    wh_err_clear(&E);
    memset(v, 0, sizeof *v);
    if (!t)
        return WH_ARG;
    return cm_wave_parse(text, strlen(text), t, &A, v, &E);
}

/* Prints v into a string kept in the arena. */
static const char *print(const cm_val_t *v, const cm_type_t *t)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    cm_wave_print(f, v, t);
    fclose(f);
    char *r = wh_arena_dup(&A, buf, n + 1);
    free(buf);
    return r;
}

/* Parses text as t and prints it again. */
static const char *canon(const cm_type_t *t, const char *text)
{
    cm_val_t v;
    wh_rc rc = parse(t, text, &v);
    if (rc) {
        fprintf(stderr, "  parse %s: %s\n", text, E.msg);
        return "(parse failed)";
    }
    return print(&v, t);
}

/* Checks that text fails to parse as t with a message containing want. */
#define TH_BAD(t, text, want)                                                                      \
    do {                                                                                           \
        cm_val_t v_;                                                                               \
        TH_OK(parse((t), (text), &v_) != WH_OK);                                                   \
        if (!TH_HAS(E.msg, (want)))                                                                \
            fprintf(stderr, "  message: %s\n", E.msg);                                             \
    } while (0)

TH_TEST(wave_bool)
{
    setup();
    const cm_type_t *b = cm_prim(CM_BOOL);
    cm_val_t v;
    TH_EQ(parse(b, "true", &v), WH_OK);
    TH_EQ(v.kind, CM_BOOL);
    TH_EQ(v.of.b, 1);
    TH_EQ(parse(b, " false ", &v), WH_OK);
    TH_EQ(v.of.b, 0);
    TH_BAD(b, "TRUE", "at 0: expected bool, found \"TRUE\"");
    TH_BAD(b, "True", "at 0: \"True\" is not a label"); /* one word, one case */
    TH_BAD(b, "%true", "expected bool");
    TH_BAD(b, "1", "expected bool, found \"1\"");
    TH_BAD(b, "", "at 0: expected bool, found end of input");
    TH_BAD(b, "true false", "at 5: expected end of input after the value, found \"false\"");
    TH_STR(canon(b, "true"), "true");
}

TH_TEST(wave_integer_ranges)
{
    setup();
    static const struct {
        cm_kind k;
        const char *min, *max, *below, *above;
    } c[] = {
        {CM_U8, "0", "255", "-1", "256"},
        {CM_S8, "-128", "127", "-129", "128"},
        {CM_U16, "0", "65535", "-1", "65536"},
        {CM_S16, "-32768", "32767", "-32769", "32768"},
        {CM_U32, "0", "4294967295", "-1", "4294967296"},
        {CM_S32, "-2147483648", "2147483647", "-2147483649", "2147483648"},
        {CM_U64, "0", "18446744073709551615", "-1", "18446744073709551616"},
        {CM_S64, "-9223372036854775808", "9223372036854775807", "-9223372036854775809",
         "9223372036854775808"},
    };
    for (size_t i = 0; i < WH_ARRAY_LEN(c); i++) {
        const cm_type_t *t = cm_prim(c[i].k);
        TH_STR(canon(t, c[i].min), c[i].min);
        TH_STR(canon(t, c[i].max), c[i].max);
        char want[80];
        snprintf(want, sizeof want, "at 0: %s is out of range for %s", c[i].below, t->name);
        TH_BAD(t, c[i].below, want);
        snprintf(want, sizeof want, "at 0: %s is out of range for %s", c[i].above, t->name);
        TH_BAD(t, c[i].above, want);
    }
    cm_val_t v;
    TH_EQ(parse(cm_prim(CM_S64), "-9223372036854775808", &v), WH_OK);
    TH_EQ(v.of.s, INT64_MIN);
    TH_EQ(parse(cm_prim(CM_U8), "300", &v), WH_ARG);
    TH_STR(E.msg, "at 0: 300 is out of range for u8 (0 to 255)");
    TH_EQ(E.offset, 0);
    TH_BAD(cm_prim(CM_U64), "99999999999999999999999", "out of range for u64");
    TH_BAD(cm_prim(CM_U32), "1.0", "expected u32, found \"1.0\"");
    TH_BAD(cm_prim(CM_U32), "1e3", "expected u32, found \"1e3\"");
    TH_BAD(cm_prim(CM_S32), "-inf", "expected s32");
    TH_BAD(cm_prim(CM_S32), "nan", "expected s32");
    TH_BAD(cm_prim(CM_U32), "01", "leading zeros");
    TH_BAD(cm_prim(CM_U32), "+1", "unexpected character '+'");
    TH_BAD(cm_prim(CM_U32), "0x10", "malformed number");
    TH_BAD(cm_prim(CM_U32), "\"1\"", "expected u32, found a string");
    /* The brief's example: the position of the offending token. */
    TH_EQ(parse(ty("tuple<u32, u32>"), "(1,    x)", &v), WH_ARG);
    TH_STR(E.msg, "at 7: expected u32, found \"x\"");
    TH_EQ(E.offset, 7);
}

TH_TEST(wave_floats)
{
    setup();
    const cm_type_t *f64 = cm_prim(CM_F64), *f32 = cm_prim(CM_F32);
    cm_val_t v;
    TH_EQ(parse(f64, "3.14", &v), WH_OK);
    TH_OK(v.of.f64 == 3.14);
    TH_EQ(parse(f64, "6.022e+23", &v), WH_OK);
    TH_OK(v.of.f64 == 6.022e23);
    TH_EQ(parse(f64, "1E-2", &v), WH_OK);
    TH_OK(v.of.f64 == 0.01);
    TH_EQ(parse(f64, "nan", &v), WH_OK);
    TH_OK(isnan(v.of.f64));
    TH_EQ(parse(f64, "inf", &v), WH_OK);
    TH_OK(isinf(v.of.f64) && v.of.f64 > 0);
    TH_EQ(parse(f64, "-inf", &v), WH_OK);
    TH_OK(isinf(v.of.f64) && v.of.f64 < 0);
    TH_EQ(parse(f64, "-0", &v), WH_OK);
    TH_OK(v.of.f64 == 0 && signbit(v.of.f64));
    TH_EQ(parse(f32, "0.1", &v), WH_OK);
    TH_OK(v.of.f32 == 0.1f);
    TH_EQ(parse(f32, "nan", &v), WH_OK);
    TH_OK(isnan(v.of.f32));
    TH_EQ(parse(f32, "1e39", &v), WH_OK); /* past f32's range: infinity */
    TH_OK(isinf(v.of.f32));
    TH_BAD(f64, "1.", "expected a digit after \".\"");
    TH_BAD(f64, ".5", "unexpected character '.'");
    TH_BAD(f64, "1e", "expected the exponent's digits");
    TH_BAD(f64, "NAN", "expected f64, found \"NAN\"");
    TH_BAD(f64, "NaN", "\"NaN\" is not a label");
    TH_BAD(f64, "%nan", "expected f64");
    TH_BAD(f64, "-nan", "after \"-\"");
    TH_BAD(f64, "infinity", "expected f64, found \"infinity\"");

    /* Printing: shortest round-trip digits, no exponent. */
    TH_STR(canon(f64, "1.5"), "1.5");
    TH_STR(canon(f64, "-0"), "-0");
    TH_STR(canon(f64, "0"), "0");
    TH_STR(canon(f64, "nan"), "nan");
    TH_STR(canon(f64, "inf"), "inf");
    TH_STR(canon(f64, "-inf"), "-inf");
    TH_STR(canon(f64, "1e20"), "100000000000000000000");
    TH_STR(canon(f64, "1e-7"), "0.0000001");
    TH_STR(canon(f64, "0.1"), "0.1");
    TH_STR(canon(f64, "6.022e+23"), "602200000000000000000000");
    TH_STR(canon(f64, "123.456"), "123.456");
    TH_STR(canon(f32, "0.1"), "0.1");
    TH_STR(canon(f32, "16777217"), "16777216"); /* 2^24 + 1 is not a float */
    cm_val_t x = {.kind = CM_F64, .of.f64 = 1.0 / 3};
    TH_STR(print(&x, f64), "0.3333333333333333");
    cm_val_t y = {.kind = CM_F32, .of.f32 = 1.0f / 3};
    TH_STR(print(&y, f32), "0.33333334");
    cm_val_t z = {.kind = CM_F64, .of.f64 = 5e-324};
    const char *s = print(&z, f64);
    TH_EQ(strlen(s), 326); /* "0." then 323 zeros then 5 */
    TH_OK(s[325] == '5' && strspn(s + 2, "0") == 323);
    cm_val_t m = {.kind = CM_F64, .of.f64 = 1.7976931348623157e308};
    s = print(&m, f64);
    TH_EQ(strlen(s), 309);
    TH_OK(strncmp(s, "17976931348623157", 17) == 0 && strspn(s + 17, "0") == 292);
    /* What is printed reads back to the same bits. */
    double samples[] = {0.1, 1e-300, 123456789.125, -2.5e-8, 4.9406564584124654e-320, 1e22};
    for (size_t i = 0; i < WH_ARRAY_LEN(samples); i++) {
        cm_val_t a = {.kind = CM_F64, .of.f64 = samples[i]}, b;
        TH_EQ(parse(f64, print(&a, f64), &b), WH_OK);
        TH_OK(b.of.f64 == samples[i]);
    }
}

TH_TEST(wave_chars)
{
    setup();
    const cm_type_t *c = cm_prim(CM_CHAR);
    cm_val_t v;
    struct {
        const char *text;
        uint32_t cp;
    } ok[] = {
        {"'x'", 'x'},
        {"'\\''", '\''},
        {"'\"'", '"'},
        {"'\\\"'", '"'},
        {"'\\\\'", '\\'},
        {"'\\t'", '\t'},
        {"'\\n'", '\n'},
        {"'\\r'", '\r'},
        {"'\\u{0}'", 0},
        {"'\\u{1F600}'", 0x1F600},
        {"'\\u{10ffff}'", 0x10FFFF},
        {"'\xe2\x98\x83'", 0x2603}, /* a snowman, literally */
    };
    for (size_t i = 0; i < WH_ARRAY_LEN(ok); i++) {
        TH_EQ(parse(c, ok[i].text, &v), WH_OK);
        TH_EQ(v.of.ch, ok[i].cp);
    }
    TH_BAD(c, "''", "empty char literal");
    TH_BAD(c, "'ab'", "exactly one character");
    TH_BAD(c, "'''", "empty char literal");
    TH_BAD(c, "'\\x41'", "unknown escape");
    TH_BAD(c, "'\\u{}'", "1 to 6 hex digits");
    TH_BAD(c, "'\\u{1234567}'", "1 to 6 hex digits");
    TH_BAD(c, "'\\u{D800}'", "not a Unicode scalar value");
    TH_BAD(c, "'\\u{110000}'", "not a Unicode scalar value");
    TH_BAD(c, "'\\u{41'", "1 to 6 hex digits");
    TH_BAD(c, "'\n'", "unterminated char literal");
    TH_BAD(c, "'\xff'", "invalid UTF-8");
    TH_BAD(c, "\"a\"", "expected char, found a string");
    /* Printing escapes what the writer escapes. */
    TH_STR(canon(c, "'\\''"), "'\\''");
    TH_STR(canon(c, "'\"'"), "'\\\"'");
    TH_STR(canon(c, "'\\u{7}'"), "'\\u{7}'");
    TH_STR(canon(c, "'\\u{1F600}'"), "'\xf0\x9f\x98\x80'");
    TH_STR(canon(c, "'\\u{0}'"), "'\\u{0}'");
    TH_STR(canon(c, "'\\n'"), "'\\n'");
}

TH_TEST(wave_strings)
{
    setup();
    const cm_type_t *s = cm_prim(CM_STRING);
    cm_val_t v;
    TH_EQ(parse(s, "\"abc\\t123\"", &v), WH_OK);
    TH_EQ(v.of.str.len, 7);
    TH_OK(memcmp(v.of.str.ptr, "abc\t123", 7) == 0);
    TH_EQ(parse(s, "\"\"", &v), WH_OK);
    TH_EQ(v.of.str.len, 0);
    TH_EQ(parse(s, "\"it's \\u{1F600} \\\"q\\\" \\\\ \\r\\n\"", &v), WH_OK);
    const char want[] = "it's \xf0\x9f\x98\x80 \"q\" \\ \r\n";
    TH_EQ(v.of.str.len, sizeof want - 1);
    TH_OK(memcmp(v.of.str.ptr, want, sizeof want - 1) == 0);
    TH_BAD(s, "\"abc", "unterminated string");
    TH_BAD(s, "\"a\nb\"", "unterminated string");
    TH_BAD(s, "\"\\q\"", "at 1: unknown escape");
    TH_BAD(s, "\"\xc3\x28\"", "at 1: invalid UTF-8");
    TH_BAD(s, "\"\xed\xa0\x80\"", "invalid UTF-8"); /* an encoded surrogate */
    TH_BAD(s, "abc", "expected string, found \"abc\"");
    TH_STR(canon(s, "\"a\\\"b'c\\\\\\n\\t\\r\\u{1}\xc3\xa9\""),
           "\"a\\\"b\\'c\\\\\\n\\t\\r\\u{1}\xc3\xa9\"");
    TH_STR(canon(s, "\"\xf0\x9f\x91\x8b Hello, world! \xf0\x9f\x91\x8b\""),
           "\"\xf0\x9f\x91\x8b Hello, world! \xf0\x9f\x91\x8b\"");
}

TH_TEST(wave_multiline_strings)
{
    setup();
    const cm_type_t *s = cm_prim(CM_STRING);
    /* The README's three examples. */
    TH_STR(canon(s, "\"\"\"\nA single line\n\"\"\""), "\"A single line\"");
    TH_STR(canon(s, "\"\"\"\n    Indentation determined\n      by ending delimiter\n  \"\"\""),
           "\"  Indentation determined\\n    by ending delimiter\"");
    TH_STR(canon(s, "\"\"\"\n  Must escape carriage return at end of line: \\r\n"
                    "  Must break up double quote triplets: \"\"\\\"\"\n  \"\"\""),
           "\"Must escape carriage return at end of line: \\r\\nMust break up double quote "
           "triplets: \\\"\\\"\\\"\\\"\"");
    /* CRLF line breaks count as one; an empty value; an empty line. */
    TH_STR(canon(s, "\"\"\"\r\n  a\r\n  b\r\n  \"\"\""), "\"a\\nb\"");
    TH_STR(canon(s, "\"\"\"\n\"\"\""), "\"\"");
    TH_STR(canon(s, "\"\"\"\na\n\nb\n\"\"\""), "\"a\\n\\nb\"");
    TH_STR(canon(ty("list<string>"), "[\"\"\"\n x\n \"\"\", \"y\"]"), "[\"x\", \"y\"]");
    TH_BAD(s, "\"\"\"abc\n\"\"\"", "at 0: a \"\"\" string starts a new line");
    TH_BAD(s, "\"\"\"\nabc\"\"\"", "closing \"\"\" must be on a line of its own");
    TH_BAD(s, "\"\"\"\n  a\n b\n  \"\"\"", "at 9: each line of a \"\"\" string starts with");
    TH_BAD(s, "\"\"\"\nabc\n", "unterminated \"\"\" string");
}

TH_TEST(wave_lists_and_tuples)
{
    setup();
    const cm_type_t *l = ty("list<u32>"), *lc = ty("list<char>");
    cm_val_t v;
    TH_EQ(parse(l, "[1, 2, 3]", &v), WH_OK);
    TH_EQ(v.kind, CM_LIST);
    TH_EQ(v.of.list.n, 3);
    TH_EQ(v.of.list.v[2].of.u, 3);
    TH_EQ(v.of.list.v[2].kind, CM_U32);
    TH_STR(canon(lc, "[]"), "[]");
    TH_STR(canon(lc, "['a', 'b', 'c']"), "['a', 'b', 'c']");
    TH_STR(canon(l, "[ 1 ,2,\n3 , ]"), "[1, 2, 3]");
    TH_BAD(l, "[,]", "at 1: expected u32, found \",\"");
    TH_BAD(l, "[1 2]", "at 3: expected \",\" or \"]\", found \"2\"");
    TH_BAD(l, "[1,,2]", "at 3: expected u32");
    TH_BAD(l, "[1", "at 2: expected \",\" or \"]\", found end of input");
    TH_BAD(l, "(1)", "expected list<u32>, found \"(\"");
    /* A long list grows past its first allocations. */
    char big[4000] = "[";
    for (int i = 0; i < 500; i++)
        snprintf(big + strlen(big), sizeof big - strlen(big), "%d,", i);
    strcat(big, "]");
    TH_EQ(parse(l, big, &v), WH_OK);
    TH_EQ(v.of.list.n, 500);
    TH_EQ(v.of.list.v[499].of.u, 499);

    /* byte lists (kept as bytes) parse and print like any list */
    const cm_type_t *lu8 = ty("list<u8>"), *ls8 = ty("list<s8>");
    TH_EQ(parse(lu8, "[0, 255, 7]", &v), WH_OK);
    TH_EQ(v.of.bytes.n, 3);
    TH_EQ(v.of.bytes.ptr[1], 255);
    TH_STR(canon(lu8, "[0,255 , 7,]"), "[0, 255, 7]");
    TH_STR(canon(ls8, "[-128, -1, 127]"), "[-128, -1, 127]");
    TH_STR(canon(ls8, "[]"), "[]");
    TH_BAD(lu8, "[256]", "256");

    const cm_type_t *t = ty("tuple<u8, string>");
    TH_STR(canon(t, "(123, \"abc\")"), "(123, \"abc\")");
    TH_STR(canon(t, "(123, \"abc\",)"), "(123, \"abc\")");
    TH_BAD(t, "(123)", "at 0: tuple<u8, string> has 2 values, found 1");
    TH_BAD(t, "(1, \"a\", 2)", "at 9: too many values for tuple<u8, string>");
    TH_BAD(t, "()", "has 2 values, found 0");
    TH_STR(canon(ty("tuple<tuple<s8>, list<bool>>"), "((-1), [true, false])"),
           "((-1), [true, false])");
}

/* map<K, V> and list<T, N>, which WIT here does not write: made by hand.
 * WAVE has no map syntax; a map reads and prints as the list of (key,
 * value) tuples it is in the canonical ABI. A fixed-length list is a list
 * of exactly N values. */
static const cm_type_t *made(uint8_t kind, const cm_type_t *e0, const cm_type_t *e1,
                             uint32_t length)
{
    cm_type_t *t = wh_arena_calloc(&A, sizeof *t);
    const cm_type_t **el = wh_arena_calloc(&A, 2 * sizeof *el);
    if (!t || !el)
        return NULL;
    el[0] = e0;
    el[1] = e1;
    *t = (cm_type_t){.kind = kind, .n = e1 ? 2 : 1, .length = length, .elems = el};
    return cm__layout(t, &A) == WH_OK ? t : NULL;
}

TH_TEST(wave_maps_and_fixed_lists)
{
    setup();
    const cm_type_t *m = made(CM_MAP, cm_prim(CM_STRING), cm_prim(CM_U32), 0);
    cm_val_t v;
    TH_EQ(parse(m, "[(\"a\", 1), (\"b\", 2), (\"a\", 3)]", &v), WH_OK);
    TH_EQ(v.kind, CM_MAP);
    TH_EQ(v.of.list.n, 3); /* a repeated key is kept */
    TH_EQ(v.of.list.v[2].kind, CM_TUPLE);
    TH_EQ(v.of.list.v[2].of.list.v[1].of.u, 3);
    TH_STR(canon(m, "[ (\"k\",7) , ]"), "[(\"k\", 7)]");
    TH_STR(canon(m, "[]"), "[]");
    TH_BAD(m, "[(\"a\")]", "tuple<string, u32> has 2 values, found 1");
    TH_BAD(m, "[(1, 1)]", "expected string");
    TH_BAD(m, "{a: 1}", "found \"{\"");
    const cm_type_t *mm = made(CM_MAP, cm_prim(CM_CHAR), m, 0);
    TH_STR(canon(mm, "[('x', [(\"y\", 0)])]"), "[('x', [(\"y\", 0)])]");

    const cm_type_t *l3 = made(CM_FIXED_LIST, cm_prim(CM_U8), NULL, 3);
    TH_EQ(parse(l3, "[1, 2, 255]", &v), WH_OK);
    TH_EQ(v.kind, CM_FIXED_LIST);
    TH_EQ(v.of.list.n, 3);
    TH_EQ(v.of.list.v[2].of.u, 255); /* values, not bytes: cm_type_is_bytes is false */
    TH_STR(canon(l3, "[1,2,3,]"), "[1, 2, 3]");
    TH_BAD(l3, "[1, 2]", "has 3 values, found 2");
    TH_BAD(l3, "[1, 2, 3, 4]", "too many values for list<u8, 3>");
    TH_BAD(l3, "(1, 2, 3)", "expected list<u8, 3>");
}

TH_TEST(wave_records)
{
    setup();
    const cm_type_t *r = def("r", "record { field-a: u32, field-b: string }");
    cm_val_t v;
    TH_EQ(parse(r, "{field-a: 1, field-b: \"two\"}", &v), WH_OK);
    TH_EQ(v.kind, CM_RECORD);
    TH_EQ(v.of.list.n, 2);
    TH_EQ(v.of.list.v[0].of.u, 1);
    TH_STR(canon(r, "{field-b: \"two\", field-a: 1,}"), "{field-a: 1, field-b: \"two\"}");
    TH_STR(canon(r, "{%field-a: 1, field-b: \"\"}"), "{field-a: 1, field-b: \"\"}");
    TH_BAD(r, "{field-a: 1}", "at 0: missing field field-b");
    TH_BAD(r, "{field-a: 1, field-a: 2, field-b: \"\"}", "at 13: field field-a given twice");
    TH_BAD(r, "{field-c: 1}", "at 1: r has no field \"field-c\" (fields: field-a, field-b)");
    TH_BAD(r, "{field-a 1}", "at 9: expected \":\", found \"1\"");
    TH_BAD(r, "{}", "a record with every field omitted is {:}");
    TH_BAD(r, "{:}", "missing field field-a");

    /* README: fields of option type may be omitted, meaning none. */
    const cm_type_t *ex = def("example", "record { must-have: u8, optional: option<u8> }");
    TH_STR(canon(ex, "{must-have: 123}"), "{must-have: 123}"); /* none fields are left out */
    TH_STR(canon(ex, "{must-have: 123, optional: none,}"), "{must-have: 123}");
    TH_STR(canon(ex, "{must-have: 123, optional: 7}"), "{must-have: 123, optional: some(7)}");
    TH_EQ(parse(ex, "{must-have: 123}", &v), WH_OK);
    TH_EQ(v.of.list.v[1].kind, CM_OPTION);
    TH_EQ(v.of.list.v[1].of.var.tag, 0);
    TH_OK(v.of.list.v[1].of.var.v == NULL);
    const cm_type_t *all = def("all-optional", "record { optional: option<u8> }");
    TH_STR(canon(all, "{:}"), "{:}");
    TH_STR(canon(all, "{ : }"), "{:}");
    TH_STR(canon(all, "{optional: none}"), "{:}");
    /* Field labels may be keywords. */
    const cm_type_t *kw = def("kw", "record { %true: bool, %none: option<bool> }");
    TH_STR(canon(kw, "{true: false}"), "{true: false}");
    TH_STR(canon(kw, "{%true: true, none: true}"), "{true: true, none: some(true)}");
    /* A record type with no fields (not WIT, but a valid type) prints {:}. */
    cm_type_t empty = {.kind = CM_RECORD};
    cm__layout(&empty, &A);
    TH_STR(canon(&empty, "{:}"), "{:}");
}

TH_TEST(wave_variants_and_enums)
{
    setup();
    /* The README's variant and enum. */
    const cm_type_t *resp = def("response", "variant { empty, body(list<u8>), %err(string) }");
    cm_val_t v;
    TH_EQ(parse(resp, "body([79, 75])", &v), WH_OK);
    TH_EQ(v.kind, CM_VARIANT);
    TH_EQ(v.of.var.tag, 1);
    TH_EQ(v.of.var.v->of.bytes.n, 2); /* list<u8> is bytes (cm.h) */
    TH_EQ(v.of.var.v->of.bytes.ptr[1], 75);
    TH_STR(canon(resp, "empty"), "empty");
    TH_STR(canon(resp, "body ( [79, 75] )"), "body([79, 75])");
    TH_STR(canon(resp, "%err(\"oops\")"), "%err(\"oops\")");
    TH_STR(canon(resp, "%empty"), "empty");
    TH_BAD(resp, "err(\"oops\")", "at 0: \"err\" is a WAVE keyword: the case is written %err");
    TH_BAD(resp, "empty(1)", "at 5: empty has no payload");
    TH_BAD(resp, "body", "at 0: body needs a payload");
    TH_BAD(resp, "bodies([])", "at 0: response has no case \"bodies\" (cases: empty, body, err)");
    TH_BAD(resp, "body([1)", "at 7: expected \",\" or \"]\", found \")\"");
    TH_BAD(resp, "true", "expected response, found \"true\"");
    const cm_type_t *st = def("status", "enum { ok, not-found }");
    TH_STR(canon(st, "%ok"), "%ok");
    TH_STR(canon(st, "not-found"), "not-found");
    TH_BAD(st, "ok", "\"ok\" is a WAVE keyword");
    TH_BAD(st, "not-found(1)", "has no payload");
    TH_BAD(st, "NOT-FOUND", "has no case \"NOT-FOUND\"");
    TH_BAD(st, "not-Found", "is not a label");
    TH_BAD(st, "not--found", "is not a label");
    TH_EQ(parse(st, "not-found", &v), WH_OK);
    TH_EQ(v.kind, CM_ENUM);
    TH_EQ(v.of.var.tag, 1);
    /* Labels with upper-case words and digits. */
    const cm_type_t *m = def("method", "enum { method-GET, HTTP3, a1-2b }");
    TH_STR(canon(m, "HTTP3"), "HTTP3");
    TH_STR(canon(m, "method-GET"), "method-GET");
    TH_STR(canon(m, "a1-2b"), "a1-2b");
}

TH_TEST(wave_options)
{
    setup();
    const cm_type_t *o = ty("option<u8>");
    cm_val_t v;
    TH_EQ(parse(o, "123", &v), WH_OK); /* flat some */
    TH_EQ(v.kind, CM_OPTION);
    TH_EQ(v.of.var.tag, 1);
    TH_EQ(v.of.var.v->kind, CM_U8);
    TH_EQ(v.of.var.v->of.u, 123);
    TH_STR(canon(o, "123"), "some(123)");
    TH_STR(canon(o, "some(123)"), "some(123)");
    TH_STR(canon(o, "none"), "none");
    TH_BAD(o, "none(1)", "none has no payload");
    TH_BAD(o, "some", "some needs a payload");
    TH_BAD(o, "some()", "expected u8, found \")\"");
    TH_BAD(o, "256", "256 is out of range for u8");
    TH_BAD(o, "%none", "expected u8");
    TH_STR(canon(ty("option<string>"), "\"flat some\""), "some(\"flat some\")");
    /* Nested options cannot be flat at the outer level. */
    const cm_type_t *oo = ty("option<option<u8>>");
    TH_STR(canon(oo, "none"), "none");
    TH_STR(canon(oo, "some(none)"), "some(none)");
    TH_STR(canon(oo, "some(some(1))"), "some(some(1))");
    TH_STR(canon(oo, "some(1)"), "some(some(1))");
    TH_BAD(oo, "1", "at 0: expected some(…) or none, found \"1\"");
    const cm_type_t *ooo = ty("option<option<option<bool>>>");
    TH_STR(canon(ooo, "some(some(true))"), "some(some(some(true)))");
    TH_STR(canon(ooo, "some(some(none))"), "some(some(none))");
    const cm_type_t * or = ty("option<result<u8>>");
    TH_BAD(or, "1", "expected some(…) or none");
    TH_STR(canon(or, "some(1)"), "some(ok(1))");
}

TH_TEST(wave_results)
{
    setup();
    const cm_type_t *r = ty("result<u8>");
    cm_val_t v;
    TH_EQ(parse(r, "123", &v), WH_OK); /* flat ok */
    TH_EQ(v.kind, CM_RESULT);
    TH_EQ(v.of.var.tag, 0);
    TH_EQ(v.of.var.v->of.u, 123);
    TH_STR(canon(r, "123"), "ok(123)");
    TH_STR(canon(r, "ok(123)"), "ok(123)");
    TH_STR(canon(r, "err"), "err");
    TH_BAD(r, "err(1)", "err has no payload");
    TH_BAD(r, "ok", "ok needs a payload");
    const cm_type_t *e = ty("result<_, string>");
    TH_STR(canon(e, "ok"), "ok");
    TH_STR(canon(e, "err(\"oops\")"), "err(\"oops\")");
    TH_BAD(e, "\"oops\"", "expected ok or err");
    TH_BAD(e, "ok(1)", "ok has no payload");
    const cm_type_t *u = ty("result");
    TH_STR(canon(u, "ok"), "ok");
    TH_STR(canon(u, "err"), "err");
    TH_EQ(parse(u, "err", &v), WH_OK);
    TH_EQ(v.of.var.tag, 1);
    TH_OK(v.of.var.v == NULL);
    const cm_type_t *b = ty("result<u32, string>");
    TH_STR(canon(b, "err(\"x\")"), "err(\"x\")");
    TH_STR(canon(b, "7"), "ok(7)");
    TH_BAD(b, "err", "err needs a payload");
    /* Nested: an option as ok type is never flat. */
    const cm_type_t *ro = ty("result<option<u8>, string>");
    TH_STR(canon(ro, "ok(none)"), "ok(none)");
    TH_STR(canon(ro, "ok(5)"), "ok(some(5))");
    TH_BAD(ro, "none", "expected ok(…) or err(…), found \"none\"");
    const cm_type_t *rr = ty("result<result<_, u8>, result<u8>>");
    TH_STR(canon(rr, "ok(err(1))"), "ok(err(1))");
    TH_STR(canon(rr, "err(3)"), "err(ok(3))");
}

TH_TEST(wave_flags)
{
    setup();
    const cm_type_t *f = def("perms", "flags { read, write, exec }");
    cm_val_t v;
    TH_EQ(parse(f, "{write, read,}", &v), WH_OK);
    TH_EQ(v.kind, CM_FLAGS);
    TH_EQ(v.of.flags, 3);
    TH_STR(canon(f, "{write, read,}"), "{read, write}");
    TH_STR(canon(f, "{}"), "{}");
    TH_STR(canon(f, "{ exec }"), "{exec}");
    TH_STR(canon(f, "{%exec, %read}"), "{read, exec}");
    TH_BAD(f, "{read, read}", "at 7: flag read given twice");
    TH_BAD(f, "{delete}", "perms has no flag \"delete\" (flags: read, write, exec)");
    TH_BAD(f, "{:}", "expected a flag name or \"}\", found \":\"");
    TH_BAD(f, "{read write}", "expected \",\" or \"}\"");
    TH_BAD(f, "{read: true}", "at 0: expected perms (flags), found a record");
    TH_BAD(f, "[read]", "expected perms");
    /* 32 flags use every bit. */
    char wit[400] = "flags {", val[400] = "{";
    for (int i = 0; i < 32; i++) {
        snprintf(wit + strlen(wit), 20, " f%d,", i);
        snprintf(val + strlen(val), 20, "f%d, ", i);
    }
    strcat(wit, "}");
    strcat(val, "}");
    const cm_type_t *f32 = def("many", wit);
    TH_EQ(parse(f32, val, &v), WH_OK);
    TH_EQ(v.of.flags, 0xffffffffu);
}

TH_TEST(wave_keyword_labels)
{
    setup();
    const cm_type_t *k = def("kw", "variant { %true, %none(u8), %nan, plain }");
    TH_STR(canon(k, "%true"), "%true");
    TH_STR(canon(k, "%none(1)"), "%none(1)");
    TH_STR(canon(k, "%nan"), "%nan");
    TH_STR(canon(k, "%plain"), "plain");
    TH_BAD(k, "true", "\"true\" is a WAVE keyword: the case is written %true");
    TH_BAD(k, "nan", "is a WAVE keyword");
}

TH_TEST(wave_comments_and_space)
{
    setup();
    const cm_type_t *l = ty("list<u32>");
    TH_STR(canon(l, "// leading\n[1, // one\n 2 // two\n] // trailing"), "[1, 2]");
    TH_STR(canon(l, "\t\r\n[ ]\n"), "[]");
    TH_BAD(l, "[1] /", "unexpected character '/'");
    TH_BAD(l, "[1]]", "at 3: expected end of input after the value, found \"]\"");
}

TH_TEST(wave_resources_refused)
{
    setup();
    const cm_type_t *o = ty("fields"), *b = ty("borrow<fields>");
    TH_EQ(o->kind, CM_OWN);
    cm_val_t v;
    TH_EQ(parse(o, "fields(1)", &v), WH_UNSUPPORTED);
    TH_HAS(E.msg, "fields is a resource handle, which WAVE cannot write");
    TH_EQ(parse(b, "1", &v), WH_UNSUPPORTED);
    TH_HAS(E.msg, "borrow<fields> is a resource handle");
    TH_EQ(parse(ty("list<fields>"), "[1]", &v), WH_UNSUPPORTED);
    TH_EQ(parse(ty("list<fields>"), "[]", &v), WH_OK);
}

TH_TEST(wave_nesting_limit)
{
    setup();
    /* list<list<…<u8>…>> 150 deep, and its values 99 and 101 deep. */
    const cm_type_t *t = cm_prim(CM_U8);
    for (int i = 0; i < 150; i++) {
        cm_type_t *l = wh_arena_calloc(&A, sizeof *l);
        const cm_type_t **e = wh_arena_alloc(&A, sizeof *e);
        e[0] = t;
        l->kind = CM_LIST;
        l->n = 1;
        l->elems = e;
        cm__layout(l, &A);
        t = l;
    }
    char text[400];
    memset(text, '[', 99);
    memset(text + 99, ']', 99);
    text[198] = 0;
    cm_val_t v;
    TH_EQ(parse(t, text, &v), WH_OK);
    memset(text, '[', 101);
    memset(text + 101, ']', 101);
    text[202] = 0;
    TH_EQ(parse(t, text, &v), WH_ARG);
    TH_HAS(E.msg, "at 100: values nested more than 100 deep");
}

TH_TEST(wave_print_built_values)
{
    setup();
    /* Values made by hand, as a guest call would return them. */
    def("flags-t", "flags { hot, cold }");
    const cm_type_t *p = def("point2", "record { x: s32, label: option<string>, tags: flags-t }");
    cm_val_t f[3] = {
        {.kind = CM_S32, .of.s = -5},
        {.kind = CM_OPTION, .of.var = {.tag = 0}},
        {.kind = CM_FLAGS, .of.flags = 2},
    };
    cm_val_t v = {.kind = CM_RECORD, .of.list = {.v = f, .n = 3}};
    TH_STR(print(&v, p), "{x: -5, tags: {cold}}");
    cm_val_t s = {.kind = CM_STRING, .of.str = {"hi", 2}};
    f[1].of.var.tag = 1;
    f[1].of.var.v = &s;
    TH_STR(print(&v, p), "{x: -5, label: some(\"hi\"), tags: {cold}}");
    cm_val_t bad = {.kind = CM_STRING, .of.str = {"a\xff", 2}};
    TH_STR(print(&bad, cm_prim(CM_STRING)), "\"a\xef\xbf\xbd\"");
    cm_val_t u64 = {.kind = CM_U64, .of.u = UINT64_MAX};
    TH_STR(print(&u64, cm_prim(CM_U64)), "18446744073709551615");
    cm_val_t s64 = {.kind = CM_S64, .of.s = INT64_MIN};
    TH_STR(print(&s64, cm_prim(CM_S64)), "-9223372036854775808");
    cm_val_t h = {.kind = CM_OWN, .of.handle = {.rep = 3}};
    TH_STR(print(&h, ty("fields")), "<own fields 3>");
}

/* Every kind through one type: parse, print, parse the print, print again. */
TH_TEST(wave_round_trip_everything)
{
    setup();
    def("shape", "variant { circle(f64), square(tuple<f32, f32>), none-at-all }");
    def("mode", "flags { r, w, x }");
    def("color", "enum { red, %inf }");
    const cm_type_t *t = def(
        "everything",
        "record { b: bool, i: list<s16>, c: char, s: string, sh: shape, m: mode, col: color, "
        "o: option<option<u64>>, r: result<tuple<u8, string>, list<color>>, t: tuple<f32, f64>, "
        "e: result }");
    const char *text = "{b: true, i: [-32768, 0, 32767], c: '\\u{0}', s: \"\\\"\\u{10ffff}\", "
                       "sh: square((1.5, -0)), m: {x, r}, col: %inf, o: some(none), "
                       "r: err([red, %inf]), t: (nan, -inf), e: err}";
    const char *want = "{b: true, i: [-32768, 0, 32767], c: '\\u{0}', s: \"\\\"\xf4\x8f\xbf\xbf\", "
                       "sh: square((1.5, -0)), m: {r, x}, col: %inf, o: some(none), "
                       "r: err([red, %inf]), t: (nan, -inf), e: err}";
    const char *once = canon(t, text);
    TH_STR(once, want);
    TH_STR(canon(t, once), want);
}

TH_TEST(wave_split_call)
{
    setup();
    const char *name, **args;
    size_t nlen, *lens;
    uint32_t n;
    wh_err_t err;
    TH_EQ(cm_wave_split_call("f(1, \"a,b)\", [1, 2], {a: 1, b: (2, 3)}, ')')", &A, &name, &nlen,
                             &args, &lens, &n, &err),
          WH_OK);
    TH_EQ(nlen, 1);
    TH_EQ(n, 5);
    char tmp[64];
    const char *want[] = {"1", "\"a,b)\"", "[1, 2]", "{a: 1, b: (2, 3)}", "')'"};
    for (uint32_t i = 0; i < n && i < 5; i++) {
        snprintf(tmp, sizeof tmp, "%.*s", (int)lens[i], args[i]);
        TH_STR(tmp, want[i]);
    }
    TH_EQ(cm_wave_split_call("  wasi:cli/run@0.2.0#run ( ) ", &A, &name, &nlen, &args, &lens, &n,
                             &err),
          WH_OK);
    snprintf(tmp, sizeof tmp, "%.*s", (int)nlen, name);
    TH_STR(tmp, "wasi:cli/run@0.2.0#run");
    TH_EQ(n, 0);
    TH_EQ(cm_wave_split_call("run", &A, &name, &nlen, &args, &lens, &n, &err), WH_OK);
    TH_EQ(nlen, 3);
    TH_EQ(n, 0);
    TH_EQ(cm_wave_split_call("f(1, 2,)", &A, &name, &nlen, &args, &lens, &n, &err), WH_OK);
    TH_EQ(n, 2);
    TH_EQ(cm_wave_split_call("f('\\'', \"\\\",\", // a comment, with (\n 3)", &A, &name, &nlen,
                             &args, &lens, &n, &err),
          WH_OK);
    TH_EQ(n, 3);
    snprintf(tmp, sizeof tmp, "%.*s", (int)lens[2], args[2]);
    TH_STR(tmp, "3"); /* the comment before it is space */
    TH_EQ(
        cm_wave_split_call("f(\"\"\"\n ,)\n \"\"\", 2)", &A, &name, &nlen, &args, &lens, &n, &err),
        WH_OK);
    TH_EQ(n, 2);
    TH_EQ(cm_wave_split_call("f(,)", &A, &name, &nlen, &args, &lens, &n, &err), WH_ARG);
    TH_STR(err.msg, "at 2: expected an argument before \",\"");
    TH_EQ(cm_wave_split_call("f(1,,2)", &A, &name, &nlen, &args, &lens, &n, &err), WH_ARG);
    TH_EQ(cm_wave_split_call("f(1", &A, &name, &nlen, &args, &lens, &n, &err), WH_ARG);
    TH_STR(err.msg, "at 1: unclosed \"(\" of the argument list");
    TH_EQ(cm_wave_split_call("f(1))", &A, &name, &nlen, &args, &lens, &n, &err), WH_ARG);
    TH_STR(err.msg, "at 4: unexpected text after the argument list");
    TH_EQ(cm_wave_split_call("f([1, 2)", &A, &name, &nlen, &args, &lens, &n, &err), WH_ARG);
    TH_STR(err.msg, "at 7: expected \"]\", found \")\"");
    TH_EQ(cm_wave_split_call("f(\"abc)", &A, &name, &nlen, &args, &lens, &n, &err), WH_ARG);
    TH_HAS(err.msg, "unterminated string");
    TH_EQ(cm_wave_split_call("(1)", &A, &name, &nlen, &args, &lens, &n, &err), WH_ARG);
    TH_STR(err.msg, "at 0: expected a function name");
    TH_EQ(cm_wave_split_call("my func(1)", &A, &name, &nlen, &args, &lens, &n, &err), WH_ARG);
    TH_HAS(err.msg, "at 2: unexpected space in the function name");
    TH_EQ(cm_wave_split_call("", &A, &name, &nlen, &args, &lens, &n, &err), WH_ARG);
}
