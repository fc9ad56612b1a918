/*
 * cli_run.c — `wasmhttpd run`: its options, and `--invoke NAME MODULE.wasm
 * [ARGS…]`, which calls one export of a core module that needs no imports
 * and prints its results, one per line, as `wasmtime run --invoke` does.
 * Components go to cli_run_component.c (--invoke) and cli_run_command.c.
 *
 * Each kind of failure has its own exit status (listed in usage()), so that
 * scripts can tell a trap from a bad module or a bad command line.
 */
#include "cli.h"
#include "component/cm.h"
#include "wasm/wm.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
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
            "usage: wasmhttpd run [OPTIONS] COMPONENT [ARGS...]\n"
            "       wasmhttpd run [OPTIONS] --invoke 'NAME(WAVE ARGS)' COMPONENT\n"
            "       wasmhttpd run [OPTIONS] --invoke NAME MODULE.wasm [ARGS...]\n"
            "\n"
            "Without --invoke, runs a wasi:cli/command component: calls its\n"
            "wasi:cli/run export with ARGS as its arguments (the component's file name\n"
            "first) and exits with the guest's exit status. The guest sees no host\n"
            "environment variable, directory or network address unless given below.\n"
            "\n"
            "With --invoke, calls one exported function: of a component, with\n"
            "arguments in WAVE (\"add(1, 2)\", \"greet(\\\"x\\\")\"), printing the result in\n"
            "WAVE; of a core module without imports, with ARGS as numbers, printing\n"
            "each result on its own line:\n"
            "  i32, i64   decimal or 0x hex, signed or unsigned (-1 and 4294967295 are\n"
            "             the same i32); printed signed\n"
            "  f32, f64   decimal or hex float, nan, inf, -inf, -0; printed as the\n"
            "             shortest decimal that reads back exactly (1.5, -0, NaN, inf)\n"
            "  v128       0x and up to 32 hex digits\n"
            "  refs       printed as null, or <funcref> / <externref>\n"
            "\n"
            "options:\n"
            "  --invoke NAME          call this export instead of wasi:cli/run\n"
            "  --dir HOST[::GUEST]    give the guest the host directory HOST, read-only,\n"
            "                         under the name GUEST (default: HOST); repeatable\n"
            "  --dir-rw HOST[::GUEST] the same, writable\n"
            "  --env KEY=VALUE        set an environment variable for the guest;\n"
            "                         --env KEY passes the host's value; repeatable\n"
            "  --allow-connect HOST:PORT\n"
            "                         let the guest open TCP connections to HOST:PORT\n"
            "                         (HOST or PORT may be *); repeatable; none by default\n"
            "  --fuel N               stop with a trap after N units of fuel (loop\n"
            "                         iterations and calls); unlimited by default\n"
            "  --timeout D            stop the guest after D of wall time (500ms, 10s, 2m)\n"
            "  --max-memory BYTES     limit on the guest's linear memory; growing past\n"
            "                         it fails as memory.grow fails\n"
            "  --dump-ir              print the compiled code of every function to stderr\n"
            "  -h, --help             this text\n"
            "\n"
            "%s"
            "\n"
            "exit status:\n"
            "  N  a command component's own exit status (0 when wasi:cli/run returned\n"
            "     ok, 1 when it returned err, or the code it passed to exit)\n"
            "  0  the invoked call returned\n"
            "  1  trap (also stack exhaustion, fuel or time running out, a trapping\n"
            "     start function)\n"
            "  2  bad usage: options, argument count or an unparsable argument\n"
            "  3  the file (or a --dir directory) cannot be read\n"
            "  4  the module or component is malformed or invalid\n"
            "  5  unsatisfied imports (named), or it cannot be instantiated\n"
            "  6  no such export, or the export is not a function\n",
            cli_outbound_help);
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
        printf("%s\n", v->of.ref ? (v->type == WM_FUNCREF ? "<funcref>" : "<externref>") : "null");
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

static int run_file(const char *file, const cli_run_opts_t *o, bool dump_ir, int nargs, char **args)
{
    const char *name = o->invoke;
    int64_t fuel = o->fuel;
    uint8_t *bytes;
    size_t len;
    wh_err_t err = {0};
    if (wh_read_file(file, &bytes, &len, &err)) {
        fprintf(stderr, "error: %s\n", err.msg);
        return EXIT_FILE;
    }
    if (cm_is_component(bytes, len)) {
        int st = name ? cli_run_component(file, bytes, len, name, fuel)
                      : cli_run_command(file, bytes, len, o, nargs, args);
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
    status = invoke(s, inst, file, name, args, nargs);
out:
    wm_store_free(s);
    wm_module_free(m);
    return status;
}

/* Takes a number option's value: a non-negative integer. */
static bool number_opt(const char *opt, const char *val, uint64_t max, uint64_t *out)
{
    uint64_t v;
    if (val[0] == '-' || !cli_parse_int(val, 64, &v) || v > max) {
        fprintf(stderr, "error: %s wants a non-negative integer, not \"%s\"\n", opt, val);
        return false;
    }
    *out = v;
    return true;
}

int cli_run_main(int argc, char **argv)
{
    const char *name = NULL, *file = NULL;
    cli_run_opts_t o = {.fuel = -1};
    bool dump_ir = false;
    cli_outbound_t ob;
    bool ob_ok = cli_outbound_init(&ob, argc);
    /* option values point into argv; at most argc of each */
    o.dirs = calloc((size_t)argc, sizeof *o.dirs);
    o.dirs_rw = calloc((size_t)argc, sizeof *o.dirs_rw);
    o.envs = calloc((size_t)argc, sizeof *o.envs);
    o.allow = calloc((size_t)argc, sizeof *o.allow);
    int status = EXIT_USAGE;
    if (!o.dirs || !o.dirs_rw || !o.envs || !o.allow || !ob_ok) {
        fprintf(stderr, "error: out of memory\n");
        goto done;
    }
    static const char *const valued[] = {"--invoke",
                                         "--fuel",
                                         "--dir",
                                         "--dir-rw",
                                         "--env",
                                         "--timeout",
                                         "--max-memory",
                                         "--allow-connect",
                                         "--allow-http",
                                         "--outbound-ca",
                                         "--outbound-max-connections",
                                         "--outbound-max-host-connections",
                                         "--outbound-max-requests",
                                         "--outbound-idle-timeout",
                                         "--outbound-connect-timeout",
                                         "--outbound-first-byte-timeout",
                                         "--outbound-between-bytes-timeout"};
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL, *opt = a;
        char optbuf[32];
        if (!strcmp(a, "--")) {
            i++;
            break;
        }
        if (a[0] != '-' || !a[1])
            break; /* the module; everything after it is an argument */
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            status = EXIT_OK;
            goto done;
        }
        if (!strcmp(a, "--dump-ir")) {
            dump_ir = true;
            continue;
        }
        if (cli_outbound_is_flag(a)) {
            cli_outbound_opt(&ob, a, NULL);
            continue;
        }
        const char *eq = strchr(a, '=');
        if (eq && (size_t)(eq - a) < sizeof optbuf) {
            memcpy(optbuf, a, (size_t)(eq - a));
            optbuf[eq - a] = 0;
            opt = optbuf;
        }
        bool known = false;
        for (size_t k = 0; k < sizeof valued / sizeof *valued; k++)
            known |= !strcmp(opt, valued[k]);
        if (!known) {
            fprintf(stderr, "error: unknown option '%s'\n\n", a);
            usage(stderr);
            goto done;
        }
        if (eq && opt == optbuf) {
            val = eq + 1;
        } else if (i + 1 < argc) {
            val = argv[++i];
        } else {
            fprintf(stderr, "error: %s needs a value\n", a);
            goto done;
        }
        uint64_t v;
        int outbound = cli_outbound_opt(&ob, opt, val);
        if (outbound < 0)
            goto done;
        if (outbound > 0) {
            continue;
        } else if (!strcmp(opt, "--invoke")) {
            name = val;
        } else if (!strcmp(opt, "--fuel")) {
            if (!number_opt(opt, val, INT64_MAX, &v))
                goto done;
            o.fuel = (int64_t)v;
        } else if (!strcmp(opt, "--timeout")) {
            if (!cli_duration_opt(opt, val, &o.timeout_ms))
                goto done;
        } else if (!strcmp(opt, "--max-memory")) {
            if (!number_opt(opt, val, UINT64_MAX, &v))
                goto done;
            o.max_memory = v;
        } else if (!strcmp(opt, "--dir") || !strcmp(opt, "--dir-rw")) {
            o.dirs_rw[o.ndirs] = !strcmp(opt, "--dir-rw");
            o.dirs[o.ndirs++] = val;
        } else if (!strcmp(opt, "--env")) {
            o.envs[o.nenvs++] = val;
        } else {
            o.allow[o.nallow++] = val;
        }
    }
    o.invoke = name;
    if (i < argc)
        file = argv[i++];
    if (!file) {
        fprintf(stderr, "error: no module or component given\n"
                        "usage: wasmhttpd run [OPTIONS] COMPONENT [ARGS...]\n"
                        "       wasmhttpd run [OPTIONS] --invoke NAME MODULE.wasm [ARGS...]"
                        " (see --help)\n");
        goto done;
    }
    if ((status = cli_outbound_setup(&ob)))
        goto done;
    o.outbound = ob.ob;
    status = run_file(file, &o, dump_ir, argc - i, argv + i);
done:
    cli_outbound_free(&ob);
    free(o.dirs);
    free(o.dirs_rw);
    free(o.envs);
    free(o.allow);
    return status;
}
