/* Snapshot and reset of an instance whose nested component instances hold
 * handle tables of their own (tests/component/wat/nested_res.wat): a live
 * handle in a nested table refuses the snapshot, and a reset empties every
 * table, so the next handle is index 1 again. */
#include "component/cm.h"
#include "th.h"

#include <stdio.h>

static cm_component_t *load_nested_res(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/nested_res.wasm", WH_TEST_COMPONENT_DIR);
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

/* Calls a function without arguments; its u32 result, or -1. */
static int64_t call0(cm_instance_t *inst, const char *name)
{
    cm_func_t *f;
    wh_err_t err = {0};
    wh_arena_t arena;
    cm_val_t res = {0};
    if (!TH_EQ(cm_instance_func(inst, name, &f), WH_OK))
        return -1;
    wh_arena_init(&arena, 0);
    wh_rc rc = cm_call(inst, f, NULL, &res, &arena, &err);
    wh_arena_free(&arena);
    if (!TH_EQ(rc, WH_OK)) {
        fprintf(stderr, "  %s: %s\n", name, err.msg);
        return -1;
    }
    return cm_func_type(f)->result ? (int64_t)res.of.u : 0;
}

TH_TEST(snapshot_reset_clears_nested_handle_tables)
{
    wh_err_t err;
    cm_component_t *c = load_nested_res();
    if (!c)
        return;
    cm_instance_t *inst;
    if (!TH_EQ(cm_instantiate(c, NULL, NULL, &inst, &err), WH_OK)) {
        fprintf(stderr, "  %s\n", err.msg);
        cm_component_free(c);
        return;
    }
    TH_EQ(call0(inst, "alloc"), 1); /* the user's own table starts at 1 */
    TH_EQ(call0(inst, "count"), 1);
    /* the nested user still holds its handle */
    TH_EQ(cm_instance_snapshot(inst, &err), WH_INVALID);
    TH_EQ(call0(inst, "dealloc"), 0);
    TH_EQ(call0(inst, "count"), 0);
    TH_EQ(cm_instance_snapshot(inst, &err), WH_OK);
    for (int round = 0; round < 3; round++) {
        /* a handle left behind at each round: the reset forgets it */
        TH_EQ(call0(inst, "alloc"), 1);
        TH_EQ(call0(inst, "count"), 1);
        TH_EQ(cm_instance_reset(inst, NULL, &err), WH_OK);
        TH_EQ(call0(inst, "count"), 0);
    }
    cm_instance_free(inst);
    cm_component_free(c);
}
