/*
 * cm_instantiate_bench.c — how long instantiating a component takes, the
 * cost a serverless request pays before its handler runs: load once, then
 * instantiate and free N times and print the mean and the best, in
 * microseconds. A component that needs no host imports is required (the
 * test guests' types_utf8.wasm is one).
 *
 *   cm_instantiate_bench COMPONENT.wasm [N]
 */
#include "component/cm.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: cm_instantiate_bench COMPONENT.wasm [N]\n");
        return 2;
    }
    int n = argc > 2 ? atoi(argv[2]) : 2000;
    uint8_t *bytes;
    size_t len;
    wh_err_t err;
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
    double best = 1e18, total = 0;
    for (int i = 0; i < n; i++) {
        double t0 = now_us();
        cm_instance_t *inst;
        if (cm_instantiate(c, NULL, NULL, &inst, &err)) {
            fprintf(stderr, "error: %s\n", err.msg);
            return 1;
        }
        cm_instance_free(inst);
        double t = now_us() - t0;
        total += t;
        if (t < best)
            best = t;
    }
    printf("component %s (%zu bytes): load %.0f us; instantiate+free: mean %.1f us, best %.1f us "
           "over %d\n",
           argv[1], len, load, total / n, best, n);
    cm_component_free(c);
    wh_free(bytes);
    return 0;
}
