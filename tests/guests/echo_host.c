/*
 * echo_host.c — `wasmhttpd run --invoke EXPR COMPONENT` with a host that
 * provides wasmhttpd:test/host-echo@0.1.0 (tests/guests/wit/test.wit), for
 * the guests that import it. The wasmhttpd binary itself carries no test
 * interfaces; this program links the component layer and adds them.
 *
 *   echo_host --invoke 'NAME(WAVE ARGS)' COMPONENT.wasm
 *
 * Output and exit statuses are those of `wasmhttpd run --invoke`: the
 * result in WAVE on stdout; 0 ok, 1 trap, 2 usage or argument errors,
 * 3 unreadable file, 4 bad component, 5 cannot instantiate, 6 no such
 * export; errors on stderr as `error: …`.
 *
 * The functions do what the WIT comments say (ref.mjs's echo host is the
 * model): each echo-* returns its argument, echo-numbers its arguments as a
 * tuple, echo-many the sum of its sixteen u32s and its string, and note
 * keeps its message.
 */
#include "component/cm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HE "wasmhttpd:test/host-echo@0.1.0"

enum {
    EXIT_OK = 0,
    EXIT_TRAP = 1,
    EXIT_USAGE = 2,
    EXIT_FILE = 3,
    EXIT_MODULE = 4,
    EXIT_LINK = 5,
    EXIT_EXPORT = 6,
};

/* ---- the host functions ---- */

/* Every echo-* with one parameter: the argument values stay alive until the
 * call returns, and the result is lowered before that, so the result may
 * share them. */
static wh_rc echo(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    *result = args[0];
    return WH_OK;
}

/* echo-numbers: the eight arguments as a tuple. */
static wh_rc echo_numbers(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    enum { N = 8 };
    cm_val_t *elems = cm_call_alloc(call, N * sizeof *elems);
    if (!elems)
        return cm_call_trap(call, "echo-numbers: out of memory");
    memcpy(elems, args, N * sizeof *elems);
    result->kind = CM_TUPLE;
    result->of.list.v = elems;
    result->of.list.n = N;
    return WH_OK;
}

/* echo-many: (the sum of the sixteen u32s as a u64, q). */
static wh_rc echo_many(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    cm_val_t *elems = cm_call_alloc(call, 2 * sizeof *elems);
    if (!elems)
        return cm_call_trap(call, "echo-many: out of memory");
    uint64_t sum = 0;
    for (int i = 0; i < 16; i++)
        sum += args[i].of.u;
    elems[0] = (cm_val_t){.kind = CM_U64, .of.u = sum};
    elems[1] = args[16];
    result->kind = CM_TUPLE;
    result->of.list.v = elems;
    result->of.list.n = 2;
    return WH_OK;
}

/* The messages note kept. */
typedef struct {
    char **msgs;
    size_t n, cap;
} notes_t;

static wh_rc note(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    notes_t *notes = env;
    if (notes->n == notes->cap) {
        size_t cap = notes->cap ? 2 * notes->cap : 8;
        char **m = realloc(notes->msgs, cap * sizeof *m);
        if (!m)
            return cm_call_trap(call, "note: out of memory");
        notes->msgs = m;
        notes->cap = cap;
    }
    char *copy = malloc(args[0].of.str.len + 1);
    if (!copy)
        return cm_call_trap(call, "note: out of memory");
    memcpy(copy, args[0].of.str.ptr, args[0].of.str.len);
    copy[args[0].of.str.len] = 0;
    notes->msgs[notes->n++] = copy;
    return WH_OK;
}

static void notes_free(notes_t *notes)
{
    for (size_t i = 0; i < notes->n; i++)
        free(notes->msgs[i]);
    free(notes->msgs);
}

/* ---- wasmhttpd:test/host-echo, in WIT ---- */

static const struct {
    const char *name, *def;
} types[] = {
    {"pair", "record { a: u32, b: string }"},
    {"item", "variant { nothing, num(s64), text(string), both(pair) }"},
    {"mode", "enum { read, write, append }"},
    {"perms", "flags { owner, group, other }"},
};

static const struct {
    const char *name, *sig;
    cm_host_fn fn;
} funcs[] = {
    {"echo-string", "func(s: string) -> string", echo},
    {"echo-bytes", "func(b: list<u8>) -> list<u8>", echo},
    {"echo-strings", "func(l: list<string>) -> list<string>", echo},
    {"echo-pair", "func(p: pair) -> pair", echo},
    {"echo-pairs", "func(l: list<pair>) -> list<pair>", echo},
    {"echo-item", "func(v: item) -> item", echo},
    {"echo-option", "func(o: option<string>) -> option<string>", echo},
    {"echo-result", "func(r: result<u32, string>) -> result<u32, string>", echo},
    {"echo-mode", "func(m: mode) -> mode", echo},
    {"echo-perms", "func(p: perms) -> perms", echo},
    {"echo-numbers",
     "func(a: u8, b: s16, c: u32, d: s64, e: f32, f: f64, g: char, h: bool)"
     " -> tuple<u8, s16, u32, s64, f32, f64, char, bool>",
     echo_numbers},
    {"echo-many",
     "func(a: u32, b: u32, c: u32, d: u32, e: u32, f: u32, g: u32, h: u32, i: u32,"
     " j: u32, k: u32, l: u32, m: u32, n: u32, o: u32, p: u32, q: string)"
     " -> tuple<u64, string>",
     echo_many},
    {"note", "func(msg: string)", note},
};

static wh_rc define_host_echo(cm_linker_t *l, notes_t *notes, wh_err_t *err)
{
    wh_rc rc;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if ((rc = cm_linker_define_type(l, HE, types[i].name, types[i].def, err)))
            return rc;
    for (size_t i = 0; i < sizeof funcs / sizeof funcs[0]; i++)
        if ((rc = cm_linker_define_func(l, HE, funcs[i].name, funcs[i].sig, funcs[i].fn, notes,
                                        err)))
            return rc;
    return WH_OK;
}

/* ---- main ---- */

static int usage(void)
{
    fprintf(stderr, "usage: echo_host --invoke 'NAME(ARGS)' COMPONENT.wasm\n");
    return EXIT_USAGE;
}

int main(int argc, char **argv)
{
    const char *invoke = NULL, *file = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--invoke")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "error: --invoke needs a value\n");
                return EXIT_USAGE;
            }
            invoke = argv[++i];
        } else if (!strncmp(a, "--invoke=", 9)) {
            invoke = a + 9;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "error: unknown option '%s'\n", a);
            return usage();
        } else if (!file) {
            file = a;
        } else {
            fprintf(stderr, "error: unexpected argument '%s'\n", a);
            return usage();
        }
    }
    if (!invoke || !file) {
        fprintf(stderr, "error: %s\n",
                !invoke ? "--invoke NAME(ARGS) is required" : "no component given");
        return usage();
    }

    wh_err_t err = {0};
    uint8_t *bytes;
    size_t len;
    if (wh_read_file(file, &bytes, &len, &err)) {
        fprintf(stderr, "error: %s\n", err.msg);
        return EXIT_FILE;
    }

    int status = EXIT_OK;
    cm_component_t *c = NULL;
    cm_linker_t *l = NULL;
    cm_instance_t *inst = NULL;
    notes_t notes = {0};
    wh_rc rc = cm_component_load(bytes, len, &c, &err);
    wh_free(bytes);
    if (rc) {
        fprintf(stderr, "error: %s: %s\n", file, err.msg[0] ? err.msg : wh_rc_name(rc));
        status = EXIT_MODULE;
        goto out;
    }
    l = cm_linker_new();
    if (!l) {
        fprintf(stderr, "error: out of memory\n");
        status = EXIT_LINK;
        goto out;
    }
    if ((rc = define_host_echo(l, &notes, &err))) {
        fprintf(stderr, "error: defining %s: %s\n", HE, err.msg[0] ? err.msg : wh_rc_name(rc));
        status = EXIT_LINK;
        goto out;
    }
    cm_config_t cfg = {.fuel = -1};
    if ((rc = cm_instantiate(c, l, &cfg, &inst, &err))) {
        fprintf(stderr, "error: %s cannot be instantiated: %s\n", file,
                err.msg[0] ? err.msg : wh_rc_name(rc));
        status = rc == WH_TRAP ? EXIT_TRAP : EXIT_LINK;
        goto out;
    }
    rc = cm_invoke(inst, invoke, stdout, &err);
    if (rc == WH_ARG) {
        fprintf(stderr, "error: --invoke %s: %s\n", invoke, err.msg);
        status = EXIT_USAGE;
    } else if (rc == WH_NOTFOUND) {
        fprintf(stderr, "error: %s: %s\n", file, err.msg);
        status = EXIT_EXPORT;
    } else if (rc) {
        fprintf(stderr, "error: %s: %s\n", rc == WH_TRAP || rc == WH_EXHAUSTED ? "trap" : "call",
                err.msg[0] ? err.msg : wh_rc_name(rc));
        status = EXIT_TRAP;
    }
out:
    cm_instance_free(inst);
    cm_linker_free(l);
    cm_component_free(c);
    notes_free(&notes);
    return status;
}
