/*
 * cm_instantiate_bench.c — how long instantiating a component takes, the
 * cost a serverless request pays before its handler runs: load once, then
 * instantiate and free N times and print the mean, the median, the p99
 * and the best, in microseconds. With --host the component is linked to
 * the WASI and wasi:http hosts and every instance gets its WASI context,
 * as `wasmhttpd serve` does (the HTTP handlers); without, it must need no
 * host imports (the test guests' types_utf8.wasm is one).
 *
 * The imports are resolved once (cm_prepare) unless WH_BENCH_NO_PREPARE is
 * set, and stacks and memories come from a pool as in serve's workers
 * unless WH_BENCH_NO_POOL is set, to compare.
 *
 *   cm_instantiate_bench [--host] COMPONENT.wasm [N]
 */
#include "component/cm.h"
#include "wasihttp/hw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    bool host = argc > 1 && !strcmp(argv[1], "--host");
    if (host) {
        argv++;
        argc--;
    }
    if (argc < 2) {
        fprintf(stderr, "usage: cm_instantiate_bench [--host] COMPONENT.wasm [N]\n");
        return 2;
    }
    int n = argc > 2 ? atoi(argv[2]) : 2000;
    if (n < 1)
        n = 1;
    uint8_t *bytes;
    size_t len;
    wh_err_t err = {0};
    cm_component_t *c;
    if (wh_read_file(argv[1], &bytes, &len, &err) || cm_component_load(bytes, len, &c, &err)) {
        fprintf(stderr, "error: %s\n", err.msg);
        return 1;
    }
    double load0 = now_us();
    cm_component_t *c2;
    cm_component_load(bytes, len, &c2, &err);
    double load = now_us() - load0;
    cm_component_free(c2);

    cm_linker_t *l = NULL;
    uv_loop_t loop;
    wasi_config_t wcfg;
    uv_loop_init(&loop);
    wasi_config_init(&wcfg);
    if (host && (!(l = cm_linker_new()) || wasi_link(l, &err) || hw_link(l, &err))) {
        fprintf(stderr, "error: %s\n", err.msg);
        return 1;
    }
    cm_prepared_t *pre = NULL;
    if (host && getenv("WH_BENCH_NO_PREPARE") == NULL && cm_prepare(c, l, &pre, &err)) {
        fprintf(stderr, "error: %s\n", err.msg);
        return 1;
    }
    wm_pool_t *pool = getenv("WH_BENCH_NO_POOL") ? NULL : wm_pool_new(4);
    double *t = malloc((size_t)n * sizeof *t), total = 0;
    for (int i = 0; i < n; i++) {
        double t0 = now_us();
        wasi_ctx_t *ctx = host ? wasi_ctx_new(&wcfg, &loop) : NULL;
        cm_config_t cc = {.fuel = -1, .user = ctx, .prepared = pre, .pool = pool};
        cm_instance_t *inst;
        if (cm_instantiate(c, l, &cc, &inst, &err)) {
            fprintf(stderr, "error: %s\n", err.msg);
            return 1;
        }
        cm_instance_free(inst);
        wasi_ctx_free(ctx);
        t[i] = now_us() - t0;
        total += t[i];
    }
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    printf("component %s (%zu bytes%s%s%s): load %.0f us; instantiate+free over %d: mean %.1f us, "
           "median %.1f, p99 %.1f, best %.1f\n",
           argv[1], len, host ? ", WASI and wasi:http linked" : "", pre ? ", imports prepared" : "",
           pool ? ", pooled" : "", load, n, total / n, t[n / 2], t[n * 99 / 100], t[0]);

    /* The same instance reset to its snapshot each time, with a new WASI
     * context, as serve's serverless workers recycle instances. Nothing
     * runs in between, so this is the floor: a request adds the pages it
     * wrote. */
    wasi_ctx_t *ctx = host ? wasi_ctx_new(&wcfg, &loop) : NULL;
    cm_config_t cc = {.fuel = -1, .user = ctx, .prepared = pre, .pool = pool};
    cm_instance_t *inst;
    if (cm_instantiate(c, l, &cc, &inst, &err) || cm_instance_snapshot(inst, &err)) {
        fprintf(stderr, "error: %s\n", err.msg);
        return 1;
    }
    total = 0;
    for (int i = 0; i < n; i++) {
        double t0 = now_us();
        wasi_ctx_t *fresh = host ? wasi_ctx_new(&wcfg, &loop) : NULL;
        if (cm_instance_reset(inst, fresh, &err)) {
            fprintf(stderr, "error: %s\n", err.msg);
            return 1;
        }
        wasi_ctx_free(ctx);
        ctx = fresh;
        t[i] = now_us() - t0;
        total += t[i];
    }
    cm_instance_free(inst);
    wasi_ctx_free(ctx);
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    printf("component %s: reset to its snapshot over %d: mean %.1f us, median %.1f, p99 %.1f, "
           "best %.1f\n",
           argv[1], n, total / n, t[n / 2], t[n * 99 / 100], t[0]);
    uv_run(&loop, UV_RUN_NOWAIT);
    uv_loop_close(&loop);
    cm_prepared_free(pre);
    wm_pool_free(pool);
    cm_linker_free(l);
    cm_component_free(c);
    free(t);
    wh_free(bytes);
    return 0;
}
