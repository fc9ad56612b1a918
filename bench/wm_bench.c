/*
 * wm_bench.c — times one export of a wasm module on our engine.
 *
 *   wm_bench MODULE.wasm [REPS] [EXPORT]
 *   -> "<best_ms> <first_ms> <checksum>" on stdout
 *
 * Loading (decode, validate, compile) and instantiation happen before the
 * clock starts; only wm_func_call is timed, with CLOCK_MONOTONIC. The export
 * (default `run`) must take no parameters and return nothing or one i32/i64,
 * printed unsigned. It is called once on its own (first_ms) and then REPS
 * more times (default 3) on the same instance; best_ms is the best of those,
 * and every call must return the same value. Exit status: 0 ok, 1 failure.
 */
#define _POSIX_C_SOURCE 199309L
#include "wasm/wm.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static uint64_t result_bits(const wm_val_t *v, uint32_t n)
{
    if (n == 0)
        return 0;
    return v->type == WM_I64 ? v->of.i64 : v->of.i32;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 4) {
        fprintf(stderr, "usage: wm_bench MODULE.wasm [REPS] [EXPORT]\n");
        return 2;
    }
    const char *path = argv[1];
    int reps = argc > 2 ? atoi(argv[2]) : 3;
    const char *name = argc > 3 ? argv[3] : "run";
    if (reps < 1)
        reps = 1;

    int status = 1;
    wh_err_t err = {0};
    uint8_t *bytes = NULL;
    size_t len = 0;
    wm_module_t *mod = NULL;
    wm_store_t *store = NULL;
    wm_instance_t *inst = NULL;
    wm_extern_t ext;
    wh_rc rc;

    if ((rc = wh_read_file(path, &bytes, &len, &err)) != WH_OK)
        goto fail;
    if ((rc = wm_module_load(bytes, len, NULL, &mod, &err)) != WH_OK)
        goto fail;
    if (wm_module_import_count(mod) != 0) {
        fprintf(stderr, "%s: the module has imports; kernels must have none\n", path);
        goto done;
    }
    store = wm_store_new(NULL);
    if (!store) {
        rc = wh_err(&err, WH_NOMEM, -1, "cannot create a store");
        goto fail;
    }
    if ((rc = wm_instantiate(store, mod, NULL, 0, &inst, &err)) != WH_OK)
        goto fail;
    if ((rc = wm_instance_export(inst, name, &ext)) != WH_OK) {
        wh_err(&err, rc, -1, "no export named %s", name);
        goto fail;
    }
    if (ext.kind != WM_EXTERN_FUNC) {
        fprintf(stderr, "%s: export %s is not a function\n", path, name);
        goto done;
    }
    const wm_functype_t *ft = wm_func_type(ext.of.func);
    if (ft->nparams != 0 || ft->nresults > 1 ||
        (ft->nresults == 1 && ft->results[0] != WM_I32 && ft->results[0] != WM_I64)) {
        fprintf(stderr, "%s: export %s must be [] -> [] or [] -> [i32|i64]\n", path, name);
        goto done;
    }

    wm_val_t res[1];
    uint64_t first = 0;
    double first_ms = 0, best = 1e300;
    for (int i = 0; i <= reps; i++) {
        double t0 = now_ms();
        rc = wm_func_call(store, ext.of.func, NULL, 0, res, ft->nresults, &err);
        double t = now_ms() - t0;
        if (rc != WH_OK)
            goto fail;
        uint64_t r = result_bits(res, ft->nresults);
        if (i == 0) {
            first = r;
            first_ms = t;
            continue;
        }
        if (r != first) {
            fprintf(stderr, "%s: %s() gave %" PRIu64 " then %" PRIu64 "\n", path, name, first, r);
            goto done;
        }
        if (t < best)
            best = t;
    }
    printf("%.3f %.3f %" PRIu64 "\n", best, first_ms, first);
    status = 0;
    goto done;

fail:
    fprintf(stderr, "%s: %s: %s\n", path, wh_rc_name(rc), err.msg[0] ? err.msg : "(no detail)");
done:
    wm_store_free(store);
    wm_module_free(mod);
    wh_free(bytes);
    return status;
}
