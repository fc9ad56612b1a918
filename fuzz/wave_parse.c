/*
 * wave_parse.c — libFuzzer target for the WAVE reader: any text is parsed
 * against a few fixed types (one record holding nested lists, options,
 * results, a variant, flags, strings, chars and floats; maps and
 * fixed-length lists; and some smaller ones). A value that parses is printed, and the print must parse again
 * and print the same text: what cm_wave_print writes cm_wave_parse reads.
 * The same text also goes to cm_wave_split_call and, as a WIT type, to
 * the WIT type parser.
 */
#define _GNU_SOURCE /* open_memstream */
#include "component/cm_wit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static wh_arena_t types_arena;
static const cm_type_t *types[8];
static size_t ntypes;
static const char *names[8];
static const cm_type_t *named[8];
static size_t nnamed;
static const cm_resource_t res = {.name = "res", .id = 0, .host = true};

static const cm_type_t *scope_type(void *ctx, const char *s, size_t n)
{
    for (size_t i = 0; i < nnamed; i++)
        if (cm__name_eq(names[i], s, n))
            return named[i];
    return NULL;
}

static const cm_resource_t *scope_res(void *ctx, const char *s, size_t n)
{
    return cm__name_eq("res", s, n) ? &res : NULL;
}

static const cm__wit_scope scope = {.type = scope_type, .resource = scope_res};

static void define(const char *name, const char *wit)
{
    const cm_type_t *t = NULL;
    wh_err_t err;
    if (cm__wit_parse_typedef(name, wit, strlen(wit), &scope, &types_arena, &t, NULL, &err)) {
        fprintf(stderr, "wave_parse: type %s: %s\n", name, err.msg);
        abort();
    }
    names[nnamed] = name;
    named[nnamed++] = t;
}

static void add(const char *wit)
{
    const cm_type_t *t = NULL;
    wh_err_t err;
    if (cm__wit_parse_type(wit, strlen(wit), &scope, &types_arena, &t, &err)) {
        fprintf(stderr, "wave_parse: type %s: %s\n", wit, err.msg);
        abort();
    }
    types[ntypes++] = t;
}

static void init(void)
{
    wh_arena_init(&types_arena, 0);
    define("shape", "variant { circle(f64), rect(tuple<f32, f32>), %none, named(string) }");
    define("perms", "flags { read, write, exec, %true }");
    define("color", "enum { red, green, %ok }");
    define("inner", "record { c: char, o: option<option<u32>>, l: list<s8> }");
    define("everything",
           "record { s: string, n: list<inner>, r: result<option<u64>, list<string>>, "
           "v: shape, f: perms, e: color, t: tuple<f32, f64, bool>, "
           "opt: option<result<_, s16>>, u: result, x: option<list<shape>> }");
    add("everything");
    add("list<everything>");
    add("option<string>");
    add("result<u8, char>");
    add("tuple<s64, u64, f32>");
    add("list<res>"); /* any element is refused: resources have no WAVE */
    /* a map reads as its list of (key, value) tuples; a fixed-length list
     * wants exactly its length */
    add("tuple<map<string, list<u8, 2>>, list<option<char>, 3>, map<u8, perms>>");
}

/* Prints v into a malloc'd string. */
static char *print(const cm_val_t *v, const cm_type_t *t, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (!f)
        abort();
    cm_wave_print(f, v, t);
    fclose(f);
    return buf;
}

static void check_round_trip(const uint8_t *data, size_t size, const cm_type_t *t,
                             wh_arena_t *arena)
{
    cm_val_t v;
    wh_err_t err;
    if (cm_wave_parse((const char *)data, size, t, arena, &v, &err) != WH_OK)
        return;
    size_t n1, n2;
    char *once = print(&v, t, &n1);
    cm_val_t w;
    if (cm_wave_parse(once, n1, t, arena, &w, &err) != WH_OK) {
        fprintf(stderr, "printed value does not parse: %s\n%.*s\n", err.msg, (int)n1, once);
        abort();
    }
    char *twice = print(&w, t, &n2);
    if (n1 != n2 || memcmp(once, twice, n1) != 0) {
        fprintf(stderr, "print differs after a round trip:\n%s\n%s\n", once, twice);
        abort();
    }
    free(once);
    free(twice);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ntypes)
        init();
    wh_arena_t arena;
    wh_arena_init(&arena, 0);
    for (size_t i = 0; i < ntypes; i++)
        check_round_trip(data, size, types[i], &arena);

    wh_err_t err;
    const cm_type_t *t;
    cm__wit_parse_type((const char *)data, size, &scope, &arena, &t, &err);

    char *z = malloc(size + 1);
    if (z) {
        memcpy(z, data, size);
        z[size] = 0;
        const char *name, **args;
        size_t nlen, *lens;
        uint32_t nargs;
        if (cm_wave_split_call(z, &arena, &name, &nlen, &args, &lens, &nargs, &err) == WH_OK) {
            for (uint32_t i = 0; i < nargs; i++)
                if (args[i] < z || args[i] + lens[i] > z + size)
                    abort();
        }
        free(z);
    }
    wh_arena_free(&arena);
    return 0;
}
