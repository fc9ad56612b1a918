/*
 * cli_run.c — `wasmhttpd run --invoke NAME MODULE.wasm [ARGS…]`: calls one
 * export of a core module that needs no imports and prints its results, one
 * per line, as `wasmtime run --invoke` does.
 *
 * Each kind of failure has its own exit status (listed in usage()), so that
 * scripts can tell a trap from a bad module or a bad command line.
 */
#include "cli.h"
#include "component/cm.h"
#include "wasm/wm.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

enum {
    EXIT_OK = CLI_EXIT_OK,
    EXIT_TRAP = CLI_EXIT_TRAP,
    EXIT_USAGE = CLI_EXIT_USAGE,
    EXIT_FILE = CLI_EXIT_FILE,
    EXIT_MODULE = CLI_EXIT_MODULE,
    EXIT_LINK = CLI_EXIT_LINK,
    EXIT_EXPORT = CLI_EXIT_EXPORT,
};

static void usage(FILE *to)
{
    fprintf(to,
            "usage: wasmhttpd run [OPTIONS] --invoke NAME MODULE.wasm [ARGS...]\n"
            "\n"
            "Instantiates a core WebAssembly module that has no imports, calls its\n"
            "exported function NAME with ARGS and prints each result on its own line.\n"
            "\n"
            "arguments, by parameter type:\n"
            "  i32, i64   decimal or 0x hex, signed or unsigned (-1 and 4294967295 are\n"
            "             the same i32)\n"
            "  f32, f64   decimal or hex float, nan, inf, -inf, -0\n"
            "  v128       0x and up to 32 hex digits (the 128-bit value)\n"
            "results:\n"
            "  i32, i64   signed decimal\n"
            "  f32, f64   shortest decimal that reads back exactly, without exponent\n"
            "             (1.5, -0, 100, 0.001); NaN for any NaN, inf, -inf\n"
            "  v128       0x and 32 hex digits\n"
            "  refs       null, or <funcref> / <externref>\n"
            "\n"
            "options:\n"
            "  --invoke NAME   the export to call (required)\n"
            "  --fuel N        stop with a trap after N units of fuel (loop\n"
            "                  iterations and calls); unlimited by default\n"
            "  --dump-ir       print the compiled code of every function to stderr\n"
            "  -h, --help      this text\n"
            "\n"
            "exit status:\n"
            "  0  the call returned\n"
            "  1  trap (also stack exhaustion, fuel running out, a trapping start function)\n"
            "  2  bad usage: options, argument count or an unparsable argument\n"
            "  3  the module file cannot be read\n"
            "  4  the module is malformed or invalid\n"
            "  5  the module has imports, or cannot be instantiated\n"
            "  6  no such export, or the export is not a function\n");
}

static const char *kind_name(uint8_t kind)
{
    static const char *const names[] = {"func", "table", "memory", "global"};
    return kind < 4 ? names[kind] : "?";
}

/* A v128 argument: 0x and up to 32 hex digits, the value as a 128-bit
 * integer (lane 0 in its low bits, as wasm stores it little-endian). */
static bool parse_v128(const char *s, uint8_t out[16])
{
    if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
        return false;
    s += 2;
    size_t n = strlen(s);
    if (!n || n > 32)
        return false;
    memset(out, 0, 16);
    for (size_t i = 0; i < n; i++) {
        char c = s[n - 1 - i]; /* least significant digit first */
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            return false;
        out[i / 2] |= (uint8_t)(d << (4 * (i % 2)));
    }
    return true;
}

static bool parse_arg(const char *s, uint8_t type, wm_val_t *out)
{
    memset(out, 0, sizeof *out);
    out->type = type;
    uint64_t v;
    switch (type) {
    case WM_I32:
        if (!cli_parse_int(s, 32, &v))
            return false;
        out->of.i32 = (uint32_t)v;
        return true;
    case WM_I64:
        return cli_parse_int(s, 64, &out->of.i64);
    case WM_F32:
        return cli_parse_f32(s, &out->of.i32);
    case WM_F64:
        return cli_parse_f64(s, &out->of.i64);
    case WM_V128:
        return parse_v128(s, out->of.v128);
    case WM_FUNCREF:
    case WM_EXTERNREF:
        return !strcmp(s, "null"); /* of.ref stays NULL */
    default:
        return false;
    }
}

static void print_result(const wm_val_t *v)
{
    char buf[CLI_FLOAT_BUF];
    switch (v->type) {
    case WM_I32:
        printf("%" PRId32 "\n", (int32_t)v->of.i32);
        break;
    case WM_I64:
        printf("%" PRId64 "\n", (int64_t)v->of.i64);
        break;
    case WM_F32:
        cli_fmt_f32(v->of.i32, buf, sizeof buf);
        printf("%s\n", buf);
        break;
    case WM_F64:
        cli_fmt_f64(v->of.i64, buf, sizeof buf);
        printf("%s\n", buf);
        break;
    case WM_V128:
        printf("0x");
        for (int i = 15; i >= 0; i--)
            printf("%02x", v->of.v128[i]);
        printf("\n");
        break;
    case WM_FUNCREF:
    case WM_EXTERNREF:
        printf("%s\n", v->of.ref ? (v->type == WM_FUNCREF ? "<funcref>" : "<externref>")
                                 : "null");
        break;
    default:
        printf("?\n");
        break;
    }
}

/* Prints a load error with its byte offset, unless the message already
 * names that offset. */
static void print_load_error(const char *file, wh_rc rc, const wh_err_t *err)
{
    const char *msg = err->msg[0] ? err->msg : wh_rc_name(rc);
    fprintf(stderr, "error: %s: %s: %s", file, wh_rc_name(rc), msg);
    if (err->offset >= 0) {
        char hex[32];
        snprintf(hex, sizeof hex, "0x%" PRIx64, (uint64_t)err->offset);
        if (!strstr(msg, hex))
            fprintf(stderr, " at byte %s", hex);
    }
    fputc('\n', stderr);
}

static bool is_trap(wh_rc rc)
{
    return rc == WH_TRAP || rc == WH_EXHAUSTED || rc == WH_OUT_OF_FUEL || rc == WH_INTERRUPTED;
}

/* Calls the export and prints; the module and store belong to the caller. */
static int invoke(wm_store_t *s, wm_instance_t *inst, const char *file, const char *name,
                  char **args, int nargs)
{
    wm_extern_t ext;
    if (wm_instance_export(inst, name, &ext) != WH_OK) {
        fprintf(stderr, "error: %s has no export named \"%s\"\n", file, name);
        return EXIT_EXPORT;
    }
    if (ext.kind != WM_EXTERN_FUNC) {
        fprintf(stderr, "error: export \"%s\" of %s is a %s, not a function\n", name, file,
                kind_name(ext.kind));
        return EXIT_EXPORT;
    }
    const wm_functype_t *ft = wm_func_type(ext.of.func);
    if ((uint32_t)nargs != ft->nparams) {
        fprintf(stderr, "error: %s takes %" PRIu32 " argument%s (", name, ft->nparams,
                ft->nparams == 1 ? "" : "s");
        for (uint32_t i = 0; i < ft->nparams; i++)
            fprintf(stderr, "%s%s", i ? " " : "", wm_valtype_name(ft->params[i]));
        fprintf(stderr, "), got %d\n", nargs);
        return EXIT_USAGE;
    }
    wm_val_t *vals = wh_calloc((size_t)nargs + ft->nresults + 1, sizeof *vals);
    if (!vals) {
        fprintf(stderr, "error: out of memory\n");
        return EXIT_TRAP;
    }
    wm_val_t *results = vals + nargs;
    int status = EXIT_OK;
    for (int i = 0; i < nargs; i++)
        if (!parse_arg(args[i], ft->params[i], &vals[i])) {
            fprintf(stderr, "error: argument %d of %s: cannot parse \"%s\" as %s\n", i + 1, name,
                    args[i], wm_valtype_name(ft->params[i]));
            status = EXIT_USAGE;
            goto done;
        }
    wh_err_t err = {0};
    wh_rc rc = wm_func_call(s, ext.of.func, vals, (uint32_t)nargs, results, ft->nresults, &err);
    if (rc == WH_SUSPEND) {
        wm_store_abort(s); /* no host functions here, so this cannot happen */
        fprintf(stderr, "error: the call suspended\n");
        status = EXIT_TRAP;
    } else if (rc) {
        fprintf(stderr, "error: %s%s\n", is_trap(rc) ? "trap: " : "",
                err.msg[0] ? err.msg : wh_rc_name(rc));
        status = EXIT_TRAP;
    } else {
        for (uint32_t i = 0; i < ft->nresults; i++)
            print_result(&results[i]);
    }
done:
    wh_free(vals);
    return status;
}

int cli_run_main(int argc, char **argv)
{
    const char *name = NULL, *file = NULL;
    int64_t fuel = -1;
    bool dump_ir = false;
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        if (!strcmp(a, "--")) {
            i++;
            break;
        }
        if (a[0] != '-' || !a[1])
            break; /* the module; everything after it is an argument */
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return EXIT_OK;
        }
        if (!strcmp(a, "--dump-ir")) {
            dump_ir = true;
            continue;
        }
        if (!strcmp(a, "--invoke") || !strcmp(a, "--fuel")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "error: %s needs a value\n", a);
                return EXIT_USAGE;
            }
            val = argv[++i];
        } else if (!strncmp(a, "--invoke=", 9) || !strncmp(a, "--fuel=", 7)) {
            val = strchr(a, '=') + 1;
        } else {
            fprintf(stderr, "error: unknown option '%s'\n\n", a);
            usage(stderr);
            return EXIT_USAGE;
        }
        if (!strncmp(a, "--invoke", 8)) {
            name = val;
        } else {
            uint64_t f;
            if (val[0] == '-' || !cli_parse_int(val, 64, &f) || f > INT64_MAX) {
                fprintf(stderr, "error: --fuel wants a non-negative integer, not \"%s\"\n", val);
                return EXIT_USAGE;
            }
            fuel = (int64_t)f;
        }
    }
    if (i < argc)
        file = argv[i++];
    if (!file) {
        fprintf(stderr,
                "error: %s\nusage: wasmhttpd run [OPTIONS] --invoke NAME MODULE.wasm [ARGS...]"
                " (see --help)\n",
                !name ? "--invoke NAME is required" : "no module given");
        return EXIT_USAGE;
    }

    uint8_t *bytes;
    size_t len;
    wh_err_t err = {0};
    if (wh_read_file(file, &bytes, &len, &err)) {
        fprintf(stderr, "error: %s\n", err.msg);
        return EXIT_FILE;
    }
    if (cm_is_component(bytes, len)) {
        int st = cli_run_component(file, bytes, len, name, fuel);
        wh_free(bytes);
        return st;
    }
    if (!name) {
        wh_free(bytes);
        fprintf(stderr, "error: --invoke NAME is required for a core module (see --help)\n");
        return EXIT_USAGE;
    }
    wm_module_t *m = NULL;
    wh_rc rc = wm_module_load(bytes, len, NULL, &m, &err);
    wh_free(bytes);
    if (rc) {
        print_load_error(file, rc, &err);
        return EXIT_MODULE;
    }
    if (dump_ir)
        wm_module_dump(m, stderr);

    int status;
    wm_store_t *s = NULL;
    wm_externdesc_t d;
    if (wm_module_import_count(m) && wm_module_import(m, 0, &d)) {
        fprintf(stderr, "error: %s imports %s.%s (%s), which wasmhttpd run does not provide\n",
                file, d.module, d.name, kind_name(d.kind));
        status = EXIT_LINK;
        goto out;
    }
    s = wm_store_new(NULL);
    if (!s) {
        fprintf(stderr, "error: out of memory\n");
        status = EXIT_TRAP;
        goto out;
    }
    if (fuel >= 0)
        wm_store_set_fuel(s, fuel);
    wm_instance_t *inst;
    rc = wm_instantiate(s, m, NULL, 0, &inst, &err);
    if (rc) {
        if (is_trap(rc)) {
            fprintf(stderr, "error: trap: %s\n", err.msg[0] ? err.msg : wh_rc_name(rc));
            status = EXIT_TRAP;
        } else {
            fprintf(stderr, "error: %s cannot be instantiated: %s\n", file,
                    err.msg[0] ? err.msg : wh_rc_name(rc));
            status = EXIT_LINK;
        }
        goto out;
    }
    status = invoke(s, inst, file, name, argv + i, argc - i);
out:
    wm_store_free(s);
    wm_module_free(m);
    return status;
}
