/* A host function that asks to wait, seen from the host's side of a
 * component call: cm_call returns WH_SUSPEND, cm_resume retries the host
 * function with the same arguments and finishes the call. Component from
 * tests/component/wat/suspend.wat. */
#include "component/cm.h"
#include "th.h"

#include <stdio.h>

typedef struct {
    int pending, calls;
    uint64_t seen;
} waiter;

static wh_rc wait_fn(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    waiter *w = env;
    w->calls++;
    w->seen = args[0].of.u;
    if (w->pending > 0) {
        w->pending--;
        return WH_SUSPEND;
    }
    *result = (cm_val_t){.kind = CM_U32, .of.u = args[0].of.u * 10};
    return WH_OK;
}

TH_TEST(suspend_through_a_component_call)
{
    char path[512];
    snprintf(path, sizeof path, "%s/suspend.wasm", WH_TEST_COMPONENT_DIR);
    uint8_t *bytes;
    size_t len;
    wh_err_t err;
    if (!TH_EQ(wh_read_file(path, &bytes, &len, &err), WH_OK))
        return;
    cm_component_t *c;
    TH_EQ(cm_component_load(bytes, len, &c, &err), WH_OK);
    wh_free(bytes);
    waiter w = {.pending = 2};
    cm_linker_t *l = cm_linker_new();
    TH_EQ(cm_linker_define_func(l, "", "wait", "func(n: u32) -> u32", wait_fn, &w, &err), WH_OK);
    cm_instance_t *inst;
    if (!TH_EQ(cm_instantiate(c, l, NULL, &inst, &err), WH_OK)) {
        fprintf(stderr, "  %s\n", err.msg);
        return;
    }
    cm_func_t *f;
    TH_EQ(cm_instance_func(inst, "run", &f), WH_OK);
    wh_arena_t arena;
    wh_arena_init(&arena, 0);
    cm_val_t arg = {.kind = CM_U32, .of.u = 4}, res = {0};
    wh_rc rc = cm_call(inst, f, &arg, &res, &arena, &err);
    int waits = 0;
    while (rc == WH_SUSPEND && waits < 10) {
        waits++;
        TH_EQ(cm_call(inst, f, &arg, &res, &arena, &err), WH_ARG); /* busy until resumed */
        rc = cm_resume(inst, &err);
    }
    TH_EQ(rc, WH_OK);
    TH_EQ(waits, 2);
    TH_EQ(w.calls, 3);
    TH_EQ(w.seen, 4);
    TH_EQ(res.of.u, 41);
    /* and the instance works normally afterwards */
    w.pending = 0;
    TH_EQ(cm_call(inst, f, &arg, &res, &arena, &err), WH_OK);
    TH_EQ(res.of.u, 41);
    wh_arena_free(&arena);
    cm_instance_free(inst);
    cm_linker_free(l);
    cm_component_free(c);
}
