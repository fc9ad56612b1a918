/*
 * cli_run_component.c — `wasmhttpd run --invoke 'NAME(ARGS)' COMPONENT`:
 * calls an exported function of a component with arguments written in WAVE
 * and prints the result in WAVE, as `wasmtime run --invoke` does. This is
 * how the canonical ABI can be checked from outside.
 */
#include "cli.h"
#include "component/cm.h"

#include <stdio.h>
#include <string.h>

static void print_params(FILE *to, const cm_functype_t *ft)
{
    fputc('(', to);
    for (uint32_t i = 0; i < ft->nparams; i++) {
        fprintf(to, "%s%s: ", i ? ", " : "", ft->names && ft->names[i] ? ft->names[i] : "_");
        cm_wit_print_type(to, ft->params[i]);
    }
    fputc(')', to);
}

/* Finds NAME: an exact export path ("iface#name" or a top-level "name"). */
static wh_rc find_func(cm_instance_t *inst, const char *name, size_t len, cm_func_t **out)
{
    char buf[512];
    if (len >= sizeof buf)
        return WH_NOTFOUND;
    memcpy(buf, name, len);
    buf[len] = 0;
    return cm_instance_func(inst, buf, out);
}

int cli_run_component(const char *file, const uint8_t *bytes, size_t len, const char *invoke,
                      int64_t fuel)
{
    wh_err_t err = {0};
    cm_component_t *c = NULL;
    cm_instance_t *inst = NULL;
    wh_arena_t arena;
    wh_arena_init(&arena, 4096);
    int status = CLI_EXIT_OK;
    wh_rc rc = cm_component_load(bytes, len, &c, &err);
    if (rc) {
        fprintf(stderr, "error: %s: %s\n", file, err.msg[0] ? err.msg : wh_rc_name(rc));
        status = CLI_EXIT_MODULE;
        goto out;
    }
    if (!invoke) {
        fprintf(stderr, "error: %s is a component; running wasi:cli/run commands needs the WASI "
                        "host, which is not built yet: use --invoke 'NAME(ARGS)'\n",
                file);
        status = CLI_EXIT_USAGE;
        goto out;
    }
    const char *name, **args;
    size_t name_len, *arg_lens;
    uint32_t nargs;
    if ((rc = cm_wave_split_call(invoke, &arena, &name, &name_len, &args, &arg_lens, &nargs,
                                 &err))) {
        fprintf(stderr, "error: --invoke %s: %s\n", invoke, err.msg);
        status = CLI_EXIT_USAGE;
        goto out;
    }
    cm_config_t cfg = {.fuel = fuel};
    if ((rc = cm_instantiate(c, NULL, &cfg, &inst, &err))) {
        fprintf(stderr, "error: %s cannot be instantiated: %s\n", file,
                err.msg[0] ? err.msg : wh_rc_name(rc));
        status = rc == WH_TRAP ? CLI_EXIT_TRAP : CLI_EXIT_LINK;
        goto out;
    }
    cm_func_t *f;
    if (find_func(inst, name, name_len, &f)) {
        fprintf(stderr, "error: %s exports no function %.*s\n", file, (int)name_len, name);
        status = CLI_EXIT_EXPORT;
        goto out;
    }
    const cm_functype_t *ft = cm_func_type(f);
    if (nargs != ft->nparams) {
        fprintf(stderr, "error: %.*s takes %u argument%s ", (int)name_len, name, ft->nparams,
                ft->nparams == 1 ? "" : "s");
        print_params(stderr, ft);
        fprintf(stderr, ", not %u\n", nargs);
        status = CLI_EXIT_USAGE;
        goto out;
    }
    cm_val_t *vals = wh_arena_calloc(&arena, (nargs ? nargs : 1) * sizeof *vals);
    for (uint32_t i = 0; vals && i < nargs; i++) {
        if ((rc = cm_wave_parse(args[i], arg_lens[i], ft->params[i], &arena, &vals[i], &err))) {
            fprintf(stderr, "error: argument %u (%s: ", i + 1,
                    ft->names && ft->names[i] ? ft->names[i] : "_");
            cm_wit_print_type(stderr, ft->params[i]);
            fprintf(stderr, "): %s\n", err.msg);
            status = CLI_EXIT_USAGE;
            goto out;
        }
    }
    if (fuel >= 0)
        wm_store_set_fuel(cm_instance_store(inst), fuel);
    cm_val_t result;
    rc = cm_call(inst, f, vals, &result, &arena, &err);
    if (rc) {
        fprintf(stderr, "error: %s: %s\n", rc == WH_TRAP || rc == WH_EXHAUSTED ? "trap" : "call",
                err.msg[0] ? err.msg : wh_rc_name(rc));
        status = CLI_EXIT_TRAP;
        goto out;
    }
    if (ft->result) {
        cm_wave_print(stdout, &result, ft->result);
        fputc('\n', stdout);
    }
out:
    cm_instance_free(inst);
    cm_component_free(c);
    wh_arena_free(&arena);
    return status;
}
