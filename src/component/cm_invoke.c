/*
 * cm_invoke.c — calls an exported function from a text call expression,
 * `NAME(WAVE ARGS)`, and prints the result in WAVE: what `wasmhttpd run
 * --invoke` does for a component, usable by any embedder (tests drive
 * their own host functions through it).
 */
#include "cm.h"

#include <stdio.h>
#include <stdlib.h>
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

wh_rc cm_invoke(cm_instance_t *inst, const char *expr, FILE *out, wh_err_t *err)
{
    wh_arena_t arena;
    wh_arena_init(&arena, 4096);
    const char *name, **args;
    size_t name_len, *arg_lens;
    uint32_t nargs;
    cm_func_t *f;
    char fname[512];
    wh_rc rc = cm_wave_split_call(expr, &arena, &name, &name_len, &args, &arg_lens, &nargs, err);
    if (rc) {
        rc = WH_ARG;
        goto out;
    }
    if (name_len >= sizeof fname) {
        rc = wh_err(err, WH_NOTFOUND, -1, "no function %.*s", (int)name_len, name);
        goto out;
    }
    memcpy(fname, name, name_len);
    fname[name_len] = 0;
    if (cm_instance_func(inst, fname, &f)) {
        rc = wh_err(err, WH_NOTFOUND, -1, "the component exports no function %s", fname);
        goto out;
    }
    const cm_functype_t *ft = cm_func_type(f);
    if (nargs != ft->nparams) {
        char *buf = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&buf, &len);
        if (m) {
            print_params(m, ft);
            fclose(m);
        }
        rc = wh_err(err, WH_ARG, -1, "%s takes %u argument%s %s, not %u", fname, ft->nparams,
                    ft->nparams == 1 ? "" : "s", buf ? buf : "", nargs);
        free(buf);
        goto out;
    }
    cm_val_t *vals = wh_arena_calloc(&arena, (nargs ? nargs : 1) * sizeof *vals);
    if (!vals) {
        rc = wh_err(err, WH_NOMEM, -1, "out of memory");
        goto out;
    }
    for (uint32_t i = 0; i < nargs; i++) {
        if ((rc = cm_wave_parse(args[i], arg_lens[i], ft->params[i], &arena, &vals[i], err))) {
            char msg[sizeof err->msg];
            snprintf(msg, sizeof msg, "%s", err->msg);
            rc = wh_err(err, WH_ARG, -1, "argument %u (%s): %s", i + 1,
                        ft->names && ft->names[i] ? ft->names[i] : "_", msg);
            goto out;
        }
    }
    cm_val_t result;
    if ((rc = cm_call(inst, f, vals, &result, &arena, err)))
        goto out;
    if (ft->result) {
        cm_wave_print(out, &result, ft->result);
        fputc('\n', out);
    }
out:
    wh_arena_free(&arena);
    return rc;
}
