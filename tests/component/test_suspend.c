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

/* tests/component/wat/suspend.wat, loaded (NULL after a failed check). */
static cm_component_t *load_suspend(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/suspend.wasm", WH_TEST_COMPONENT_DIR);
    uint8_t *bytes;
    size_t len;
    wh_err_t err;
    if (!TH_EQ(wh_read_file(path, &bytes, &len, &err), WH_OK))
        return NULL;
    cm_component_t *c = NULL;
    TH_EQ(cm_component_load(bytes, len, &c, &err), WH_OK);
    wh_free(bytes);
    return c;
}

TH_TEST(suspend_through_a_component_call)
{
    wh_err_t err;
    cm_component_t *c = load_suspend();
    if (!c)
        return;
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

static wh_rc times_100(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result)
{
    *result = (cm_val_t){.kind = CM_U32, .of.u = args[0].of.u * 100};
    return WH_OK;
}

/* Imports resolved once (cm_prepare) give instances the same host
 * functions as resolving them each time; a preparation made for another
 * linker is not used; a linker that lacks an import is still refused. */
TH_TEST(prepared_imports)
{
    wh_err_t err;
    cm_component_t *c = load_suspend();
    if (!c)
        return;
    waiter w = {0};
    cm_linker_t *l = cm_linker_new(), *l2 = cm_linker_new(), *empty = cm_linker_new();
    TH_EQ(cm_linker_define_func(l, "", "wait", "func(n: u32) -> u32", wait_fn, &w, &err), WH_OK);
    TH_EQ(cm_linker_define_func(l2, "", "wait", "func(n: u32) -> u32", times_100, NULL, &err),
          WH_OK);
    cm_prepared_t *pre = NULL, *pre_empty = NULL;
    TH_EQ(cm_prepare(c, l, &pre, &err), WH_OK);
    TH_EQ(cm_prepare(c, empty, &pre_empty, &err), WH_OK); /* not an error yet */
    wh_arena_t arena;
    wh_arena_init(&arena, 0);
    cm_val_t arg = {.kind = CM_U32, .of.u = 4}, res = {0};
    cm_func_t *f;
    /* prepared, with its own linker: the host function of l */
    cm_config_t cc = {.fuel = -1, .prepared = pre};
    cm_instance_t *inst = NULL;
    TH_EQ(cm_instantiate(c, l, &cc, &inst, &err), WH_OK);
    if (inst && TH_EQ(cm_instance_func(inst, "run", &f), WH_OK)) {
        TH_EQ(cm_call(inst, f, &arg, &res, &arena, &err), WH_OK);
        TH_EQ(res.of.u, 41);
        TH_EQ(w.calls, 1);
    }
    cm_instance_free(inst);
    /* the same preparation with another linker: ignored, l2's function */
    TH_EQ(cm_instantiate(c, l2, &cc, &inst, &err), WH_OK);
    if (inst && TH_EQ(cm_instance_func(inst, "run", &f), WH_OK)) {
        TH_EQ(cm_call(inst, f, &arg, &res, &arena, &err), WH_OK);
        TH_EQ(res.of.u, 401);
        TH_EQ(w.calls, 1);
    }
    cm_instance_free(inst);
    /* a linker without the import, prepared or not: refused, named */
    cc.prepared = pre_empty;
    TH_EQ(cm_instantiate(c, empty, &cc, &inst, &err), WH_UNLINKABLE);
    TH_HAS(err.msg, "wait is not provided by the host");
    wh_arena_free(&arena);
    cm_prepared_free(pre);
    cm_prepared_free(pre_empty);
    cm_linker_free(l);
    cm_linker_free(l2);
    cm_linker_free(empty);
    cm_component_free(c);
}

/* A time slice that ends inside post-return: post-return is finished then
 * and there (the call it follows is over), so cm_call returns the result,
 * not WH_SUSPEND with nothing left to resume. tests/component/wat/
 * post_return.wat. */
TH_TEST(yield_inside_post_return)
{
    char path[512];
    snprintf(path, sizeof path, "%s/post_return.wasm", WH_TEST_COMPONENT_DIR);
    uint8_t *bytes;
    size_t len;
    wh_err_t err;
    cm_component_t *c = NULL;
    if (!TH_EQ(wh_read_file(path, &bytes, &len, &err), WH_OK) ||
        !TH_EQ(cm_component_load(bytes, len, &c, &err), WH_OK))
        return;
    cm_instance_t *inst;
    cm_func_t *run, *count;
    if (TH_EQ(cm_instantiate(c, NULL, NULL, &inst, &err), WH_OK)) {
        TH_EQ(cm_instance_func(inst, "run", &run), WH_OK);
        TH_EQ(cm_instance_func(inst, "count", &count), WH_OK);
        wh_arena_t arena;
        wh_arena_init(&arena, 1024);
        cm_val_t res = {0};
        /* "run" has no loop: the first loop header is post-return's */
        wm_store_yield(cm_instance_store(inst));
        TH_EQ(cm_call(inst, run, NULL, &res, &arena, &err), WH_OK);
        TH_EQ(res.of.u, 7);
        TH_OK(!wm_store_suspended(cm_instance_store(inst)));
        TH_EQ(cm_call(inst, count, NULL, &res, &arena, &err), WH_OK);
        TH_EQ(res.of.u, 100000);
        wh_arena_free(&arena);
        cm_instance_free(inst);
    }
    cm_component_free(c);
    wh_free(bytes);
}
