/* Tests for WIT printing and for the WIT type, definition and signature
 * parser. The syntax expected is WIT.md's; layouts are worked out by hand
 * from CanonicalABI.md. */
#define _GNU_SOURCE /* open_memstream */
#include "component/cm_wit.h"
#include "th.h"

#include <stdio.h>
#include <stdlib.h>

static wh_arena_t A;
static wh_err_t E;
static int nnamed;
static const cm_type_t *named[16];
static const char *names[16];
static cm_resource_t res_fields = {.name = "fields", .id = 0, .host = true};
static cm_resource_t res_stream = {.name = "input-stream", .id = 1, .host = true};

static void setup(void)
{
    wh_arena_free(&A);
    wh_arena_init(&A, 0);
    wh_err_clear(&E);
    nnamed = 0;
}

static const cm_type_t *scope_type(void *ctx, const char *s, size_t n)
{
    for (int i = 0; i < nnamed; i++)
        if (cm__name_eq(names[i], s, n))
            return named[i];
    return NULL;
}

static const cm_resource_t *scope_res(void *ctx, const char *s, size_t n)
{
    if (cm__name_eq("fields", s, n))
        return &res_fields;
    if (cm__name_eq("input-stream", s, n))
        return &res_stream;
    return NULL;
}

static const cm__wit_scope scope = {.type = scope_type, .resource = scope_res};

static wh_rc parse(const char *wit, const cm_type_t **t)
{
    wh_err_clear(&E);
    return cm__wit_parse_type(wit, strlen(wit), &scope, &A, t, &E);
}

static const cm_type_t *ty(const char *wit)
{
    const cm_type_t *t = NULL;
    if (parse(wit, &t))
        fprintf(stderr, "  type %s: %s\n", wit, E.msg);
    return t;
}

static wh_rc pdef(const char *name, const char *wit, const cm_type_t **t, bool *is_res)
{
    wh_err_clear(&E);
    wh_rc rc = cm__wit_parse_typedef(name, wit, strlen(wit), &scope, &A, t, is_res, &E);
    if (!rc && *t && nnamed < 16) {
        names[nnamed] = name;
        named[nnamed++] = *t;
    }
    return rc;
}

static const cm_type_t *def(const char *name, const char *wit)
{
    const cm_type_t *t = NULL;
    if (pdef(name, wit, &t, NULL))
        fprintf(stderr, "  typedef %s: %s\n", wit, E.msg);
    return t;
}

static const char *str_of(void (*fn)(FILE *, const void *, const void *), const void *a,
                          const void *b)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    fn(f, a, b);
    fclose(f);
    char *r = wh_arena_dup(&A, buf, n + 1);
    free(buf);
    return r;
}

static void print_type(FILE *f, const void *t, const void *unused)
{
    cm_wit_print_type(f, t);
}

static void print_func(FILE *f, const void *name, const void *fn)
{
    cm_wit_print_func(f, name, fn);
}

static const char *wit_of(const cm_type_t *t)
{
    return t ? str_of(print_type, t, NULL) : "(no type)";
}

/* Parses a type expression and prints it back. */
static const char *again(const char *wit)
{
    return wit_of(ty(wit));
}

#define TH_BAD(wit, code, want)                                                                    \
    do {                                                                                           \
        const cm_type_t *t_ = (const cm_type_t *)1;                                                \
        TH_EQ(parse((wit), &t_), (code));                                                          \
        TH_OK(t_ == NULL);                                                                         \
        if (!TH_HAS(E.msg, (want)))                                                                \
            fprintf(stderr, "  message: %s\n", E.msg);                                             \
    } while (0)

#define TH_BADDEF(name, wit, code, want)                                                           \
    do {                                                                                           \
        const cm_type_t *t_;                                                                       \
        bool r_;                                                                                   \
        TH_EQ(pdef((name), (wit), &t_, &r_), (code));                                              \
        if (!TH_HAS(E.msg, (want)))                                                                \
            fprintf(stderr, "  message: %s\n", E.msg);                                             \
    } while (0)

TH_TEST(wit_print_hand_built)
{
    setup();
    /* Types made by hand (as the component parser makes them). */
    const cm_type_t *ts[] = {cm_prim(CM_STRING), cm_prim(CM_U32)};
    cm_type_t tup = {.kind = CM_TUPLE, .n = 2, .elems = ts};
    const cm_type_t *te[] = {&tup};
    cm_type_t lst = {.kind = CM_LIST, .n = 1, .elems = te};
    TH_STR(wit_of(&lst), "list<tuple<string, u32>>");
    const cm_type_t *u8[] = {cm_prim(CM_U8)};
    cm_type_t opt = {.kind = CM_OPTION, .n = 1, .elems = u8};
    TH_STR(wit_of(&opt), "option<u8>");
    const cm_type_t *r0[] = {NULL, NULL}, *r1[] = {cm_prim(CM_U32), NULL},
                    *r2[] = {NULL, cm_prim(CM_STRING)}, *r3[] = {cm_prim(CM_U32), cm_prim(CM_STRING)};
    cm_type_t res = {.kind = CM_RESULT, .elems = r0};
    TH_STR(wit_of(&res), "result");
    res.elems = r1;
    TH_STR(wit_of(&res), "result<u32>");
    res.elems = r2;
    TH_STR(wit_of(&res), "result<_, string>");
    res.elems = r3;
    TH_STR(wit_of(&res), "result<u32, string>");
    cm_type_t bor = {.kind = CM_BORROW, .res = &res_fields};
    TH_STR(wit_of(&bor), "borrow<fields>");
    cm_type_t own = {.kind = CM_OWN, .res = &res_fields};
    TH_STR(wit_of(&own), "fields");
    cm_resource_t anon = {.id = 7};
    own.res = &anon;
    TH_STR(wit_of(&own), "resource-7");
    const char *rl[] = {"a", "type"};
    const cm_type_t *re[] = {cm_prim(CM_U32), cm_prim(CM_STRING)};
    cm_type_t rec = {.kind = CM_RECORD, .n = 2, .labels = rl, .elems = re};
    TH_STR(wit_of(&rec), "record { a: u32, %type: string }");
    rec.name = "point";
    TH_STR(wit_of(&rec), "point");
    rec.name = "list";
    TH_STR(wit_of(&rec), "%list");
    const char *vl[] = {"none", "some"};
    const cm_type_t *ve[] = {NULL, cm_prim(CM_STRING)};
    cm_type_t var = {.kind = CM_VARIANT, .n = 2, .labels = vl, .elems = ve};
    TH_STR(wit_of(&var), "variant { none, some(string) }");
    cm_type_t en = {.kind = CM_ENUM, .n = 2, .labels = vl};
    TH_STR(wit_of(&en), "enum { none, some }");
    cm_type_t fl = {.kind = CM_FLAGS, .n = 2, .labels = rl};
    TH_STR(wit_of(&fl), "flags { a, %type }");
    const char *prims[] = {"bool", "s8",  "u8",  "s16", "u16",  "s32",   "u32",
                           "s64",  "u64", "f32", "f64", "char", "string"};
    for (int k = CM_BOOL; k <= CM_STRING; k++)
        TH_STR(wit_of(cm_prim((cm_kind)k)), prims[k - CM_BOOL]);
    TH_STR(wit_of(cm_prim(CM_ERROR_CONTEXT)), "error-context");
    /* A primitive with another name is an alias: printed by that name. */
    cm_type_t alias = *cm_prim(CM_U64);
    alias.name = "timestamp";
    TH_STR(wit_of(&alias), "timestamp");
}

TH_TEST(wit_print_func)
{
    setup();
    const char *pn[] = {"a", "b"};
    const cm_type_t *pt[] = {cm_prim(CM_U32), cm_prim(CM_STRING)};
    const cm_type_t *u8[] = {cm_prim(CM_U8)};
    cm_type_t lst = {.kind = CM_LIST, .n = 1, .elems = u8};
    cm_functype_t f = {.nparams = 2, .names = pn, .params = pt, .result = &lst};
    TH_STR(str_of(print_func, "name", &f), "name: func(a: u32, b: string) -> list<u8>");
    cm_functype_t g = {0};
    TH_STR(str_of(print_func, "run", &g), "run: func()");
    TH_STR(str_of(print_func, NULL, &g), "func()");
    TH_STR(str_of(print_func, "type", &g), "%type: func()");
    TH_STR(str_of(print_func, "[method]fields.get", &g), "[method]fields.get: func()");
}

TH_TEST(wit_parse_primitives_and_compounds)
{
    setup();
    for (int k = CM_BOOL; k <= CM_STRING; k++) {
        const cm_type_t *t = ty(cm_prim((cm_kind)k)->name);
        TH_OK(t == cm_prim((cm_kind)k));
    }
    const cm_type_t *t = ty("list<tuple<string, u32>>");
    TH_EQ(t->kind, CM_LIST);
    TH_EQ(t->elems[0]->kind, CM_TUPLE);
    TH_EQ(t->elems[0]->n, 2);
    TH_EQ(t->size, 8);
    TH_EQ(t->elems[0]->size, 12); /* string (8, align 4) then u32 */
    TH_EQ(t->elems[0]->nflat, 3);
    TH_STR(again("list<tuple<string, u32>>"), "list<tuple<string, u32>>");
    TH_STR(again("option<u8>"), "option<u8>");
    t = ty("option<u8>");
    TH_EQ(t->size, 2);
    TH_EQ(t->nflat, 2);
    TH_STR(again("result"), "result");
    TH_STR(again("result<u32>"), "result<u32>");
    TH_STR(again("result<_, string>"), "result<_, string>");
    TH_STR(again("result<u32, string>"), "result<u32, string>");
    t = ty("result<u64, string>");
    TH_EQ(t->size, 16);
    TH_EQ(t->align, 8);
    TH_EQ(t->nflat, 3);
    t = ty("result");
    TH_EQ(t->size, 1);
    TH_OK(t->elems[0] == NULL && t->elems[1] == NULL);
    TH_STR(again("tuple<u8, tuple<s64>, f32>"), "tuple<u8, tuple<s64>, f32>");
    TH_STR(again("tuple<u8,>"), "tuple<u8>");
    TH_STR(again(" /* c */ list < option<char> > // end"), "list<option<char>>");
    TH_STR(again("list<list<list<f64>>>"), "list<list<list<f64>>>");
    TH_STR(again("option<result<option<u8>, list<bool>>>"), "option<result<option<u8>, list<bool>>>");
}

/* list<T, N> and map<K, V> (WIT.md), laid out as CanonicalABI.md has them */
TH_TEST(wit_parse_fixed_lists_and_maps)
{
    setup();
    const cm_type_t *t = ty("list<u16, 3>");
    TH_EQ(t->kind, CM_FIXED_LIST);
    TH_EQ(t->length, 3);
    TH_EQ(t->size, 6);
    TH_EQ(t->align, 2);
    TH_EQ(t->nflat, 3);
    TH_STR(again("list<u16,3>"), "list<u16, 3>");
    TH_STR(again("list<list<string, 2>, 1000>"), "list<list<string, 2>, 1000>");
    t = ty("list<u8, 268435455>"); /* the largest elem_size allowed */
    TH_EQ(t->size, 268435455);
    t = ty("map<string, list<u32>>");
    TH_EQ(t->kind, CM_MAP);
    TH_EQ(t->elems[0]->kind, CM_STRING);
    TH_EQ(t->elems[1]->kind, CM_LIST);
    TH_EQ(t->size, 8);
    TH_EQ(t->nflat, 2);
    TH_STR(again("map<char, map<u64, bool>>"), "map<char, map<u64, bool>>");
    TH_STR(again("map<bool,list<u8,2>>"), "map<bool, list<u8, 2>>");
}

TH_TEST(wit_parse_handles)
{
    setup();
    const cm_type_t *t = ty("borrow<fields>");
    TH_EQ(t->kind, CM_BORROW);
    TH_OK(t->res == &res_fields);
    TH_EQ(t->size, 4);
    TH_STR(wit_of(t), "borrow<fields>");
    t = ty("own<fields>");
    TH_EQ(t->kind, CM_OWN);
    TH_OK(t->res == &res_fields);
    TH_STR(wit_of(t), "fields");
    t = ty("input-stream"); /* a bare resource name: own */
    TH_EQ(t->kind, CM_OWN);
    TH_OK(t->res == &res_stream);
    TH_STR(again("list<borrow<input-stream>>"), "list<borrow<input-stream>>");
    TH_STR(again("%fields"), "fields");
    def("point", "record { x: u32 }");
    TH_BAD("borrow<point>", WH_INVALID, "at 7: borrow needs a resource, and point is not one");
    TH_BAD("own<nothing>", WH_NOTFOUND, "at 4: unknown resource \"nothing\"");
    TH_BAD("borrow<u32>", WH_ARG, "at 7: expected a resource name, found keyword \"u32\"");
    TH_BAD("borrow fields", WH_ARG, "at 7: expected \"<\", found \"fields\"");
}

TH_TEST(wit_parse_named_types)
{
    setup();
    const cm_type_t *p = def("point", "record { x: s32, y: s32 }");
    TH_OK(ty("point") == p);
    TH_OK(ty("%point") == p);
    const cm_type_t *t = ty("list<point>");
    TH_OK(t->elems[0] == p);
    TH_EQ(t->elems[0]->size, 8);
    TH_STR(wit_of(t), "list<point>");
    TH_BAD("pointe", WH_NOTFOUND, "at 0: unknown type \"pointe\"");
    TH_BAD("list<POINT>", WH_NOTFOUND, "at 5: unknown type \"POINT\"");
    TH_BAD("list<Point>", WH_ARG, "at 5: \"Point\" is not a WIT identifier");
}

TH_TEST(wit_parse_typedefs)
{
    setup();
    const cm_type_t *r = def("point", "record { x: u8, y: u32, }");
    TH_EQ(r->kind, CM_RECORD);
    TH_EQ(r->n, 2);
    TH_STR(r->labels[1], "y");
    TH_STR(r->name, "point");
    TH_EQ(r->size, 8); /* u8 at 0, u32 at 4 */
    TH_EQ(r->align, 4);
    TH_EQ(r->nflat, 2);
    TH_STR(wit_of(r), "point");
    const cm_type_t *v = def("shape", "variant { none, circle(f32), rect(point) }");
    TH_EQ(v->kind, CM_VARIANT);
    TH_EQ(v->n, 3);
    TH_OK(v->elems[0] == NULL);
    TH_OK(v->elems[2] == r);
    TH_EQ(v->size, 12); /* tag, then the largest payload (point) at 4 */
    TH_EQ(v->nflat, 3);
    const cm_type_t *e = def("color", "enum { red, green, blue }");
    TH_EQ(e->kind, CM_ENUM);
    TH_EQ(e->n, 3);
    TH_OK(e->elems == NULL);
    TH_EQ(e->size, 1);
    const cm_type_t *f = def("perms", "flags { r, w }");
    TH_EQ(f->kind, CM_FLAGS);
    TH_EQ(f->n, 2);
    TH_EQ(f->size, 1);
    const cm_type_t *a = def("bytes", "list<u8>");
    TH_EQ(a->kind, CM_LIST);
    TH_STR(wit_of(a), "bytes");
    TH_STR(wit_of(ty("option<bytes>")), "option<bytes>");
    const cm_type_t *ts = def("timestamp", "u64");
    TH_EQ(ts->kind, CM_U64);
    TH_EQ(ts->size, 8);
    TH_STR(wit_of(ts), "timestamp");
    const cm_type_t *al = def("where", "point");
    TH_EQ(al->kind, CM_RECORD);
    TH_STR(wit_of(al), "where");
    const cm_type_t *k = def("kw", "record { %type: u32, %record: string }");
    TH_STR(k->labels[0], "type");
    bool is_res = false;
    const cm_type_t *rt = (const cm_type_t *)1;
    TH_EQ(pdef("blob", "resource", &rt, &is_res), WH_OK);
    TH_OK(is_res);
    TH_OK(rt == NULL);
    TH_EQ(pdef("blob", " resource // a comment", &rt, &is_res), WH_OK);
    TH_EQ(cm__wit_parse_typedef("blob", "resource", 8, &scope, &A, &rt, NULL, &E), WH_INVALID);
    TH_HAS(E.msg, "a resource is not a value type");
    /* flags up to 32 names */
    char wit[400] = "flags {";
    for (int i = 0; i < 33; i++)
        snprintf(wit + strlen(wit), 20, " g%d,", i);
    strcat(wit, "}");
    TH_BADDEF("many", wit, WH_INVALID, "flags have at most 32 names, these have 33");
    strcpy(strstr(wit, " g32,"), "}");
    TH_EQ(def("many", wit)->n, 32);
}

TH_TEST(wit_parse_typedef_errors)
{
    setup();
    TH_BADDEF("r", "record { }", WH_ARG, "at 9: expected a field name, found \"}\"");
    TH_BADDEF("r", "record { a: u32, a: u8 }", WH_INVALID, "at 17: \"a\" appears twice");
    TH_BADDEF("r", "record { type: u32 }", WH_ARG,
              "at 9: expected a field name, found keyword \"type\" (write %type)");
    TH_BADDEF("r", "record { a u32 }", WH_ARG,
              "at 11: expected \":\" and the field's type, found \"u32\"");
    TH_BADDEF("r", "record { a: u32 b: u8 }", WH_ARG, "at 16: expected \",\" or \"}\", found \"b\"");
    TH_BADDEF("r", "record { a: u32", WH_ARG, "at 15: expected \",\" or \"}\", found end of input");
    TH_BADDEF("r", "record { a: u32 } x", WH_ARG, "at 18: expected end of input, found \"x\"");
    TH_BADDEF("r", "record { a-: u32 }", WH_ARG, "at 9: \"a-\" is not a WIT identifier");
    TH_BADDEF("r", "record { aB: u32 }", WH_ARG, "\"aB\" is not a WIT identifier");
    TH_BADDEF("v", "variant { a(u32, b }", WH_ARG, "at 15: expected \")\", found \",\"");
    TH_BADDEF("v", "variant { a, a }", WH_INVALID, "\"a\" appears twice");
    TH_BADDEF("e", "enum { }", WH_ARG, "expected a case name");
    TH_BADDEF("e", "enum { x(u32) }", WH_ARG, "at 8: expected \",\" or \"}\", found \"(\"");
    TH_BADDEF("f", "flags { r, r }", WH_INVALID, "\"r\" appears twice");
    TH_BADDEF("f", "flags r, w", WH_ARG, "at 6: expected \"{\", found \"r\"");
    TH_BADDEF("x", "resource { }", WH_ARG, "at 9: expected end of input, found \"{\"");
    TH_BADDEF("x", "", WH_ARG, "at 0: expected a type, found end of input");
    TH_BADDEF("x", "nothing", WH_NOTFOUND, "unknown type \"nothing\"");
    TH_BADDEF("Bad_Name", "u32", WH_ARG, "type name \"Bad_Name\" is not a WIT identifier");
}

TH_TEST(wit_parse_type_errors)
{
    setup();
    TH_BAD("list<u32", WH_ARG, "at 8: expected \">\", found end of input");
    TH_BAD("list<>", WH_ARG, "at 5: expected a type, found \">\"");
    TH_BAD("list", WH_ARG, "at 4: expected \"<\", found end of input");
    TH_BAD("list<u8, 0>", WH_INVALID, "at 9: a fixed-length list's length must be from 1");
    TH_BAD("list<u8, 4294967296>", WH_INVALID, "length must be from 1 to 4294967295");
    TH_BAD("list<u8, x>", WH_ARG, "at 9: expected a list length, found \"x\"");
    TH_BAD("list<u64, 33554432>", WH_INVALID, "type is too large");
    TH_BAD("tuple<list<u8, 268435455>, u8>", WH_INVALID, "type is too large");
    TH_BAD("map<f32, u8>", WH_INVALID, "at 4: map key type must be");
    TH_BAD("map<list<u8>, u8>", WH_INVALID, "map key type must be");
    TH_BAD("map<u8>", WH_ARG, "at 6: expected \",\", found \">\"");
    TH_BAD("option<u8, u8>", WH_ARG, "at 9: expected \">\", found \",\"");
    TH_BAD("result<_>", WH_ARG, "at 8: expected \",\" and the error type (result<_, E>)");
    TH_BAD("result<u8, u8, u8>", WH_ARG, "at 13: expected \">\", found \",\"");
    TH_BAD("tuple<>", WH_ARG, "at 6: expected a type, found \">\"");
    TH_BAD("tuple<u8 u8>", WH_ARG, "at 9: expected \",\" or \">\", found \"u8\"");
    TH_BAD("u32 u32", WH_ARG, "at 4: expected end of input, found \"u32\"");
    TH_BAD("record", WH_ARG, "at 0: expected a type, found keyword \"record\"");
    TH_BAD("stream<u8>", WH_UNSUPPORTED, "stream types are not supported");
    TH_BAD("future", WH_UNSUPPORTED, "future types are not supported");
    TH_BAD("error-context", WH_UNSUPPORTED, "error-context types are not supported");
    TH_BAD("list<@>", WH_ARG, "at 5: expected a type, found \"@\"");
    TH_BAD("list<\x01>", WH_ARG, "found byte 0x01");
    TH_BAD("", WH_ARG, "at 0: expected a type, found end of input");
    TH_BAD("/* unclosed", WH_ARG, "expected a type, found end of input");
    /* Deep nesting is refused, not a stack overflow. */
    char deep[1200] = "";
    for (int i = 0; i < 150; i++)
        strcat(deep, "list<");
    strcat(deep, "u8");
    for (int i = 0; i < 150; i++)
        strcat(deep, ">");
    TH_BAD(deep, WH_ARG, "types nested more than 100 deep");
}

TH_TEST(wit_parse_func)
{
    setup();
    def("bytes", "list<u8>");
    cm_functype_t *f = NULL;
    const char *src = "func(a: u32, b: string) -> list<u8>";
    TH_EQ(cm__wit_parse_func(src, strlen(src), &scope, &A, &f, &E), WH_OK);
    TH_EQ(f->nparams, 2);
    TH_STR(f->names[1], "b");
    TH_OK(f->params[0] == cm_prim(CM_U32));
    TH_EQ(f->result->kind, CM_LIST);
    TH_STR(str_of(print_func, "name", f), "name: func(a: u32, b: string) -> list<u8>");
    src = "func()";
    TH_EQ(cm__wit_parse_func(src, strlen(src), &scope, &A, &f, &E), WH_OK);
    TH_EQ(f->nparams, 0);
    TH_OK(f->result == NULL);
    src = "func(self: borrow<fields>, name: string) -> list<list<u8>>";
    TH_EQ(cm__wit_parse_func(src, strlen(src), &scope, &A, &f, &E), WH_OK);
    TH_STR(str_of(print_func, "[method]fields.get", f),
           "[method]fields.get: func(self: borrow<fields>, name: string) -> list<list<u8>>");
    src = " func ( %type : bytes , ) -> result<bytes, string> ";
    TH_EQ(cm__wit_parse_func(src, strlen(src), &scope, &A, &f, &E), WH_OK);
    TH_STR(str_of(print_func, "f", f), "f: func(%type: bytes) -> result<bytes, string>");
    /* src need not be NUL-terminated: only len bytes are read. */
    src = "func() -> u32 garbage";
    TH_EQ(cm__wit_parse_func(src, 13, &scope, &A, &f, &E), WH_OK);
    TH_OK(f->result == cm_prim(CM_U32));
    static const struct {
        const char *src;
        wh_rc rc;
        const char *msg;
    } bad[] = {
        {"fn()", WH_ARG, "at 0: expected \"func\", found \"fn\""},
        {"func", WH_ARG, "at 4: expected \"(\", found end of input"},
        {"func(a u32)", WH_ARG, "at 7: expected \":\" and the parameter's type, found \"u32\""},
        {"func(a: u32, a: u32)", WH_INVALID, "at 13: parameter \"a\" appears twice"},
        {"func(a: u32 b: u32)", WH_ARG, "at 12: expected \",\" or \")\", found \"b\""},
        {"func() -> (a: u32)", WH_ARG, "at 10: expected a result type, found \"(\""},
        {"func() ->", WH_ARG, "at 9: expected a type, found end of input"},
        {"func() u32", WH_ARG, "at 7: expected end of input, found \"u32\""},
        {"func(,)", WH_ARG, "at 5: expected a parameter name or \")\", found \",\""},
        {"func(type: u32)", WH_ARG, "found keyword \"type\" (write %type)"},
        {"func(a: nothing)", WH_NOTFOUND, "at 8: unknown type \"nothing\""},
        {"%func()", WH_ARG, "expected \"func\""},
    };
    for (size_t i = 0; i < WH_ARRAY_LEN(bad); i++) {
        f = (cm_functype_t *)1;
        TH_EQ(cm__wit_parse_func(bad[i].src, strlen(bad[i].src), &scope, &A, &f, &E), bad[i].rc);
        TH_OK(f == NULL);
        if (!TH_HAS(E.msg, bad[i].msg))
            fprintf(stderr, "  message: %s\n", E.msg);
    }
}

TH_TEST(wit_no_scope)
{
    setup();
    const cm_type_t *t = NULL;
    TH_EQ(cm__wit_parse_type("list<u8>", 8, NULL, &A, &t, &E), WH_OK);
    TH_EQ(cm__wit_parse_type("fields", 6, NULL, &A, &t, &E), WH_NOTFOUND);
    TH_EQ(cm__wit_parse_type("borrow<fields>", 14, NULL, &A, &t, &E), WH_NOTFOUND);
    /* err may be NULL */
    TH_EQ(cm__wit_parse_type("list<", 5, NULL, &A, &t, NULL), WH_ARG);
}

TH_TEST(wit_labels)
{
    TH_OK(cm__label_valid("a", 1));
    TH_OK(cm__label_valid("two-words", 9));
    TH_OK(cm__label_valid("HTTP3", 5));
    TH_OK(cm__label_valid("method-GET", 10));
    TH_OK(cm__label_valid("a-1b", 4));
    TH_OK(!cm__label_valid("", 0));
    TH_OK(!cm__label_valid("1a", 2));
    TH_OK(!cm__label_valid("aB", 2));
    TH_OK(!cm__label_valid("a-", 2));
    TH_OK(!cm__label_valid("-a", 2));
    TH_OK(!cm__label_valid("a--b", 4));
    TH_OK(!cm__label_valid("a_b", 3));
    TH_OK(cm__wit_keyword("record", 6));
    TH_OK(cm__wit_keyword("u8", 2));
    TH_OK(!cm__wit_keyword("point", 5));
    TH_OK(!cm__wit_keyword("recor", 5));
}
