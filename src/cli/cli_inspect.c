/*
 * cli_inspect.c — `wasmhttpd inspect COMPONENT`: what a component imports
 * and exports, in WIT, whether the host provides each import, and which
 * instance model the server would run it under.
 *
 * The instance model: a component that exports an instance named
 * wasmhttpd:http/lifecycle@0.1.x with a function `init` is stateful (one
 * long-lived instance); any other is serverless (an instance per request).
 */
#include "cli.h"
#include "component/cm.h"
#include "serve/sv.h"

#include <stdio.h>
#include <string.h>

enum {
    EXIT_OK = 0,
    EXIT_USAGE = 2,
    EXIT_FILE = 3,
    EXIT_COMPONENT = 4, /* not a component, malformed, invalid or unsupported */
};

static void usage(FILE *to)
{
    fprintf(to,
            "usage: wasmhttpd inspect COMPONENT.wasm\n"
            "\n"
            "Loads a WebAssembly component and prints:\n"
            "  - its imports and exports in WIT: each instance as an interface with its\n"
            "    resource types, named types and functions, and top-level functions;\n"
            "  - for each import, whether the host provides it;\n"
            "  - the instance model the server would use: stateful when the component\n"
            "    exports wasmhttpd:http/lifecycle@0.1.x with a function `init`, else\n"
            "    serverless (a fresh instance per request).\n"
            "\n"
            "options:\n"
            "  -h, --help   this text\n"
            "\n"
            "exit status:\n"
            "  0  printed\n"
            "  2  bad usage\n"
            "  3  the file cannot be read\n"
            "  4  not a component (a core module, or malformed, invalid or unsupported)\n");
}

/* ---- WIT printing ---- */

static void print_type(FILE *out, const cm_type_t *t);

static void print_named_list(FILE *out, const cm_type_t *t, const char *open, const char *close)
{
    fputs(open, out);
    for (uint32_t i = 0; i < t->n; i++) {
        fputs(i ? ", " : "", out);
        if (t->labels)
            fputs(t->labels[i], out);
        if (t->elems && t->elems[i]) {
            fputs(t->kind == CM_RECORD ? ": " : t->kind == CM_VARIANT ? "(" : "", out);
            print_type(out, t->elems[i]);
            if (t->kind == CM_VARIANT)
                fputc(')', out);
        }
    }
    fputs(close, out);
}

/* The structure of a type, ignoring its own name. */
static void print_def(FILE *out, const cm_type_t *t)
{
    static const char *const prim[] = {
        [CM_BOOL] = "bool", [CM_S8] = "s8",   [CM_U8] = "u8",     [CM_S16] = "s16",
        [CM_U16] = "u16",   [CM_S32] = "s32", [CM_U32] = "u32",   [CM_S64] = "s64",
        [CM_U64] = "u64",   [CM_F32] = "f32", [CM_F64] = "f64",   [CM_CHAR] = "char",
        [CM_STRING] = "string", [CM_ERROR_CONTEXT] = "error-context",
    };
    switch (t->kind) {
    case CM_RECORD:
        print_named_list(out, t, "record { ", " }");
        break;
    case CM_VARIANT:
        print_named_list(out, t, "variant { ", " }");
        break;
    case CM_FLAGS:
        print_named_list(out, t, "flags { ", " }");
        break;
    case CM_ENUM:
        print_named_list(out, t, "enum { ", " }");
        break;
    case CM_TUPLE:
        print_named_list(out, t, "tuple<", ">");
        break;
    case CM_LIST:
    case CM_OPTION:
        fputs(t->kind == CM_LIST ? "list<" : "option<", out);
        print_type(out, t->elems[0]);
        fputc('>', out);
        break;
    case CM_FIXED_LIST:
        fputs("list<", out);
        print_type(out, t->elems[0]);
        fprintf(out, ", %u>", (unsigned)t->length);
        break;
    case CM_MAP:
        fputs("map<", out);
        print_type(out, t->elems[0]);
        fputs(", ", out);
        print_type(out, t->elems[1]);
        fputc('>', out);
        break;
    case CM_STREAM:
    case CM_FUTURE:
        fputs(t->kind == CM_STREAM ? "stream" : "future", out);
        if (t->elems[0]) {
            fputc('<', out);
            print_type(out, t->elems[0]);
            fputc('>', out);
        }
        break;
    case CM_RESULT:
        if (!t->elems[0] && !t->elems[1]) {
            fputs("result", out);
            break;
        }
        fputs("result<", out);
        if (t->elems[0])
            print_type(out, t->elems[0]);
        else
            fputc('_', out);
        if (t->elems[1]) {
            fputs(", ", out);
            print_type(out, t->elems[1]);
        }
        fputc('>', out);
        break;
    case CM_OWN:
    case CM_BORROW: {
        const char *name = t->res && t->res->name ? t->res->name : "resource";
        if (t->kind == CM_BORROW)
            fprintf(out, "borrow<%s>", name);
        else
            fputs(name, out);
        break;
    }
    default:
        fputs(t->kind < WH_ARRAY_LEN(prim) && prim[t->kind] ? prim[t->kind] : "?", out);
    }
}

static void print_type(FILE *out, const cm_type_t *t)
{
    if (t->name && t->kind != CM_OWN && t->kind != CM_BORROW)
        fputs(t->name, out);
    else
        print_def(out, t);
}

static void print_func(FILE *out, const char *name, const cm_functype_t *f)
{
    fprintf(out, "%s: func(", name);
    for (uint32_t i = 0; i < f->nparams; i++) {
        fprintf(out, "%s%s: ", i ? ", " : "", f->names[i]);
        print_type(out, f->params[i]);
    }
    fputc(')', out);
    if (f->result) {
        fputs(" -> ", out);
        print_type(out, f->result);
    }
}

static void print_item(FILE *out, const cm_externdesc_t *d, const char *indent)
{
    switch (d->kind) {
    case CM_EXTERN_FUNC:
        fputs(indent, out);
        print_func(out, d->name, d->func);
        fputs(";\n", out);
        break;
    case CM_EXTERN_TYPE:
        if (d->resource && d->resource->name && strcmp(d->resource->name, d->name) != 0) {
            fprintf(out, "%stype %s = %s;\n", indent, d->name, d->resource->name);
        } else if (d->resource) {
            fprintf(out, "%sresource %s;\n", indent, d->name);
        } else {
            fprintf(out, "%stype %s = ", indent, d->name);
            print_def(out, d->type);
            fputs(";\n", out);
        }
        break;
    case CM_EXTERN_INSTANCE: {
        fprintf(out, "%s%s: interface {\n", indent, d->name);
        char inner[64];
        snprintf(inner, sizeof inner, "%s  ", indent);
        for (uint32_t i = 0; i < cm_instancetype_count(d->instance); i++) {
            cm_externdesc_t e;
            if (cm_instancetype_export(d->instance, i, &e))
                print_item(out, &e, inner);
        }
        fprintf(out, "%s}\n", indent);
        break;
    }
    case CM_EXTERN_COMPONENT:
        fprintf(out, "%s%s: component\n", indent, d->name);
        break;
    case CM_EXTERN_MODULE:
        fprintf(out, "%s%s: core module\n", indent, d->name);
        break;
    default:
        fprintf(out, "%s%s: value\n", indent, d->name);
    }
}

/* ---- Host and instance model ---- */

/* Whether the host (the WASI and wasi:http interfaces `serve` and `run`
 * link) provides an import. */
static void print_host(FILE *out, const cm_linker_t *l, const cm_component_t *c, uint32_t i,
                       const cm_externdesc_t *imp)
{
    char why[256];
    if (!l)
        fprintf(out, "host: %s: unknown (the host's interfaces could not be set up)\n", imp->name);
    else if (cm_linker_provides(l, c, i, why, sizeof why))
        fprintf(out, "host: %s: provided\n", imp->name);
    else
        fprintf(out, "host: %s: not provided (%s)\n", imp->name, why);
}

int cli_inspect_main(int argc, char **argv)
{
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return EXIT_OK;
        }
        if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "wasmhttpd inspect: unknown option '%s'\n", argv[i]);
            usage(stderr);
            return EXIT_USAGE;
        }
        if (path) {
            fprintf(stderr, "wasmhttpd inspect: one component at a time\n");
            return EXIT_USAGE;
        }
        path = argv[i];
    }
    if (!path) {
        usage(stderr);
        return EXIT_USAGE;
    }
    uint8_t *bytes;
    size_t len;
    wh_err_t err;
    if (wh_read_file(path, &bytes, &len, &err) != WH_OK) {
        fprintf(stderr, "wasmhttpd inspect: %s\n", err.msg);
        return EXIT_FILE;
    }
    cm_component_t *c;
    wh_rc rc = cm_component_load(bytes, len, &c, &err);
    wh_free(bytes);
    if (rc) {
        fprintf(stderr, "wasmhttpd inspect: %s: %s: %s\n", path, wh_rc_name(rc), err.msg);
        return EXIT_COMPONENT;
    }
    FILE *out = stdout;
    uint32_t ni = cm_component_import_count(c), ne = cm_component_export_count(c);
    fprintf(out, "component %s\n\n", path);
    for (uint32_t i = 0; i < ni; i++) {
        cm_externdesc_t d;
        if (cm_component_import(c, i, &d)) {
            fputs("import ", out);
            print_item(out, &d, "");
        }
    }
    if (ni)
        fputc('\n', out);
    for (uint32_t i = 0; i < ne; i++) {
        cm_externdesc_t d;
        if (cm_component_export(c, i, &d)) {
            fputs("export ", out);
            print_item(out, &d, "");
        }
    }
    if (ne)
        fputc('\n', out);
    cm_linker_t *l = cm_linker_new();
    if (l && (wasi_link(l, &err) || hw_link(l, &err))) {
        cm_linker_free(l);
        l = NULL;
    }
    for (uint32_t i = 0; i < ni; i++) {
        cm_externdesc_t d;
        if (cm_component_import(c, i, &d))
            print_host(out, l, c, i, &d);
    }
    cm_linker_free(l);
    const char *why;
    sv_model m = sv_choose_model(c, SV_MODEL_AUTO, &why);
    char handler[160];
    fprintf(out, "model: %s (%s)\n", sv_model_name(m), why);
    fprintf(out, "serve: %s\n",
            sv_handler_name(c, handler, sizeof handler)
                ? "an HTTP handler (exports wasi:http/incoming-handler)"
                : "not an HTTP handler (no wasi:http/incoming-handler export)");
    cm_component_free(c);
    return EXIT_OK;
}
