/* Tests for the WebAssembly 3.0 features of the engine that the spec
 * scripts cannot reach: tail calls under suspension, fuel, interrupts and
 * yields (wat/tailcall.wat), and several memories in one instance, in
 * snapshots and imported twice (wat/multimem.wat, wat/aliasmem.wat). */
#include "store_threads.h"
#include "wat_module.h"

#include <pthread.h>
#include <string.h>

/* The kind of the store's last trap. */
static int trap_kind(const wm_store_t *s)
{
    wm_trap_site_t site = {0};
    wm_store_trap_site(s, &site);
    return site.kind;
}

/* ---- tail calls ---- */

/* A small frame stack: a loop of tail calls must not need more. */
static bool tail_setup(wat_fixture *f, host_state *hs)
{
    wm_store_config_t cfg = {.max_frames = 100};
    f->store = wm_store_new(&cfg);
    wm_extern_t imp = {.kind = WM_EXTERN_FUNC,
                       .of.func = wm_func_new_host(f->store, &t_get, host_get, hs)};
    return wat_setup(f, "tailcall", &imp, 1);
}

TH_TEST(tail_calls_run_in_constant_frames)
{
    host_state hs = {0};
    wat_fixture f = {0};
    if (!tail_setup(&f, &hs))
        return;
    wh_rc rc;
    /* a million calls deep, with a frame stack of 100 */
    TH_EQ(wat_call(f.store, f.inst, "even", 1, 1000000, 0, &rc), 1);
    TH_EQ(rc, WH_OK);
    TH_EQ(wat_call(f.store, f.inst, "odd", 1, 1000001, 0, &rc), 1);
    TH_EQ(rc, WH_OK);
    TH_EQ(wat_call(f.store, f.inst, "count", 2, 2000000, 5, &rc), 2000005);
    TH_EQ(rc, WH_OK);
    /* locals start at zero in the callee; arguments arrive in order */
    TH_EQ(wat_call(f.store, f.inst, "shape", 1, 3, 0, &rc), 3 + 50 + 600);
    TH_EQ(rc, WH_OK);
    wat_teardown(&f);
}

TH_TEST(tail_calls_indirect_and_their_traps)
{
    host_state hs = {0};
    wat_fixture f = {0};
    if (!tail_setup(&f, &hs))
        return;
    wh_rc rc;
    TH_EQ(wat_call(f.store, f.inst, "parity_via", 2, 0, 100001, &rc), 0); /* even(100001) */
    TH_EQ(rc, WH_OK);
    TH_EQ(wat_call(f.store, f.inst, "parity_via", 2, 1, 100001, &rc), 1); /* odd(100001) */
    TH_EQ(rc, WH_OK);
    wat_call(f.store, f.inst, "parity_via", 2, 2, 1, &rc);
    TH_EQ(rc, WH_TRAP);
    TH_EQ(trap_kind(f.store), WM_TRAP_NULL_ELEMENT);
    wat_call(f.store, f.inst, "parity_via", 2, 3, 1, &rc);
    TH_EQ(rc, WH_TRAP);
    TH_EQ(trap_kind(f.store), WM_TRAP_UNDEFINED_ELEMENT);
    wat_call(f.store, f.inst, "wrong_type", 0, 0, 0, &rc);
    TH_EQ(rc, WH_TRAP);
    TH_EQ(trap_kind(f.store), WM_TRAP_INDIRECT_MISMATCH);
    wat_teardown(&f);
}

/* A tail call into a host function that suspends: the call returns
 * WH_SUSPEND, and resuming calls the host again and returns its answer as
 * the tail-calling function's, from the entry frame and from below it. */
TH_TEST(tail_call_into_a_suspending_host_function)
{
    host_state hs = {0};
    wat_fixture f = {0};
    if (!tail_setup(&f, &hs))
        return;
    const char *names[] = {"tail_get", "below_tail_get"};
    const int32_t want[] = {(41 + 1) * 2, 1000 + (41 + 1) * 2};
    for (int k = 0; k < 2; k++) {
        hs = (host_state){.pending = 3};
        wm_extern_t ex;
        TH_EQ(wm_instance_export(f.inst, names[k], &ex), WH_OK);
        wm_val_t arg = {.type = WM_I32, .of.i32 = 41}, res = {0};
        wh_err_t e;
        wh_rc rc = wm_func_call(f.store, ex.of.func, &arg, 1, &res, 1, &e);
        int suspensions = 0;
        while (rc == WH_SUSPEND && suspensions < 10) {
            suspensions++;
            TH_OK(wm_store_suspended(f.store));
            TH_OK(!wm_store_yielded(f.store));
            rc = wm_store_resume(f.store, &res, 1, &e);
        }
        TH_EQ(rc, WH_OK);
        TH_EQ(suspensions, 3);
        TH_EQ(hs.calls, 4);
        TH_EQ((int32_t)res.of.i32, want[k]);
    }
    wat_teardown(&f);
}

TH_TEST(tail_call_loops_spend_fuel)
{
    host_state hs = {0};
    wat_fixture f = {0};
    if (!tail_setup(&f, &hs))
        return;
    wh_rc rc;
    wm_store_set_fuel(f.store, 10000);
    wat_call(f.store, f.inst, "spin", 0, 0, 0, &rc);
    TH_EQ(rc, WH_OUT_OF_FUEL);
    TH_EQ(wm_store_fuel(f.store), 0);
    /* each tail call costs one unit, like a call */
    wm_store_set_fuel(f.store, 1000);
    TH_EQ(wat_call(f.store, f.inst, "count", 2, 500, 0, &rc), 500);
    TH_EQ(rc, WH_OK);
    int64_t left = wm_store_fuel(f.store);
    TH_OK(left <= 1000 - 500 && left > 1000 - 510);
    wm_store_set_fuel(f.store, -1);
    wat_teardown(&f);
}

TH_TEST(tail_call_loops_see_interrupts)
{
    host_state hs = {0};
    wat_fixture f = {0};
    if (!tail_setup(&f, &hs))
        return;
    pthread_t t;
    pthread_create(&t, NULL, interrupt_later, f.store);
    wh_rc rc;
    wat_call(f.store, f.inst, "spin", 0, 0, 0, &rc);
    pthread_join(t, NULL);
    TH_EQ(rc, WH_INTERRUPTED);
    wm_store_clear_interrupt(f.store);
    TH_EQ(wat_call(f.store, f.inst, "count", 2, 10, 0, &rc), 10);
    TH_EQ(rc, WH_OK);
    wat_teardown(&f);
}

/* A yield suspends a loop of tail calls at a tail call; resuming runs that
 * call, so no step is lost or done twice. */
TH_TEST(tail_call_loops_yield_and_resume)
{
    host_state hs = {0};
    wat_fixture f = {0};
    if (!tail_setup(&f, &hs))
        return;
    wm_extern_t ex;
    TH_EQ(wm_instance_export(f.inst, "count", &ex), WH_OK);
    wm_val_t args[2] = {{.type = WM_I32, .of.i32 = 10}, {.type = WM_I32, .of.i32 = 0}}, res = {0};
    wh_err_t e;
    wm_store_yield(f.store); /* before the call: the first tail call suspends */
    TH_EQ(wm_func_call(f.store, ex.of.func, args, 2, &res, 1, &e), WH_SUSPEND);
    TH_OK(wm_store_yielded(f.store));
    TH_EQ(wm_store_resume(f.store, &res, 1, &e), WH_OK);
    TH_EQ(res.of.i32, 10);

    args[0].of.i32 = 200000000;
    int yields;
    TH_EQ(call_while_yielding(f.store, ex.of.func, args, 2, &res, 1, &yields), WH_OK);
    TH_EQ(res.of.i32, 200000000);
    TH_OK(yields > 0);
    wat_teardown(&f);
}

TH_TEST(tail_calls_need_the_feature)
{
    /* (func (result i32) (return_call 0)) with the 2.0 rules: 0x12 is no
     * opcode there; with tail calls it loads */
    static const uint8_t b[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01,
                                0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, 0x03, 0x02, 0x01,
                                0x00, 0x0a, 0x06, 0x01, 0x04, 0x00, 0x12, 0x00, 0x0b};
    wm_module_t *m;
    wh_err_t e;
    wm_config_t v2 = {.features = 0};
    TH_EQ(wm_module_load(b, sizeof b, &v2, &m, &e), WH_MALFORMED);
    TH_HAS(e.msg, "illegal opcode 0x12");
    wm_config_t tc = {.features = WM_FEATURE_TAIL_CALL};
    TH_EQ(wm_module_load(b, sizeof b, &tc, &m, &e), WH_OK);
    wm_module_free(m);
}

/* ---- several memories ---- */

static uint8_t *mem_bytes(wm_instance_t *inst, const char *name)
{
    wm_extern_t ex;
    if (wm_instance_export(inst, name, &ex) != WH_OK || ex.kind != WM_EXTERN_MEMORY)
        return NULL;
    return wm_memory_data(ex.of.memory);
}

/* wat_call with three arguments. */
static int32_t call3(wm_store_t *s, wm_instance_t *inst, const char *name, int32_t x, int32_t y,
                     int32_t z, wh_rc *rc)
{
    wm_extern_t ex;
    wh_err_t e;
    if (wm_instance_export(inst, name, &ex)) {
        *rc = WH_NOTFOUND;
        return -1;
    }
    wm_val_t args[3] = {{.type = WM_I32, .of.i32 = (uint32_t)x},
                        {.type = WM_I32, .of.i32 = (uint32_t)y},
                        {.type = WM_I32, .of.i32 = (uint32_t)z}};
    *rc = wm_func_call(s, ex.of.func, args, 3, NULL, 0, &e);
    return 0;
}

TH_TEST(multi_memory_accesses_go_to_their_memory)
{
    wat_fixture f = {0};
    if (!wat_setup(&f, "multimem", NULL, 0))
        return;
    wh_rc rc;
    uint8_t *a = mem_bytes(f.inst, "a"), *b = mem_bytes(f.inst, "b");
    if (!TH_OK(a && b && a != b))
        goto out;
    /* the data segment went to memory 1 only */
    TH_EQ(wat_call(f.store, f.inst, "load_b", 1, 16, 0, &rc), 42);
    TH_EQ(wat_call(f.store, f.inst, "load_a", 1, 16, 0, &rc), 0);
    TH_EQ(wm_instance_memory(f.inst) == NULL ? 0 : wm_memory_size(wm_instance_memory(f.inst)),
          2 * 65536);
    wat_call(f.store, f.inst, "store_b", 2, 100, 0x11223344, &rc);
    wat_call(f.store, f.inst, "store_a", 2, 100, 0x55667788, &rc);
    TH_EQ(rc, WH_OK);
    uint32_t va, vb;
    memcpy(&va, a + 100, 4);
    memcpy(&vb, b + 100, 4);
    TH_EQ(va, 0x55667788);
    TH_EQ(vb, 0x11223344);
    wat_call(f.store, f.inst, "store8_b", 2, 200, 0xab, &rc);
    TH_EQ(b[201], 0xab);
    TH_EQ(a[201], 0);
    TH_EQ(wat_call(f.store, f.inst, "load16_b", 1, 200, 0, &rc), 0xab);
    /* a value loaded from memory 1 kept in a local, then memory 0 */
    TH_EQ(wat_call(f.store, f.inst, "mixed", 2, 100, 100, &rc), 0x11223344 + 0x55667788);
    TH_EQ(wat_call(f.store, f.inst, "mixed", 2, 104, 100, &rc), -1);
    TH_EQ(rc, WH_OK);

    /* bounds are memory 1's: 1 page, where memory 0 has 2 */
    wat_call(f.store, f.inst, "load_b", 1, 65533, 0, &rc);
    TH_EQ(rc, WH_TRAP);
    TH_EQ(trap_kind(f.store), WM_TRAP_MEMORY_OOB);
    TH_EQ(wat_call(f.store, f.inst, "load_a", 1, 65533, 0, &rc), 0); /* memory 0 is fine there */
    TH_EQ(rc, WH_OK);

    /* sizes and growth, each its own */
    TH_EQ(wat_call(f.store, f.inst, "size_a", 0, 0, 0, &rc), 2);
    TH_EQ(wat_call(f.store, f.inst, "size_b", 0, 0, 0, &rc), 1);
    TH_EQ(wat_call(f.store, f.inst, "grow_b", 1, 1, 0, &rc), 1);
    TH_EQ(wat_call(f.store, f.inst, "grow_b", 1, 5, 0, &rc), -1); /* max 3 */
    TH_EQ(wat_call(f.store, f.inst, "size_b", 0, 0, 0, &rc), 2);
    TH_EQ(wat_call(f.store, f.inst, "size_a", 0, 0, 0, &rc), 2);
    wat_call(f.store, f.inst, "store_b", 2, 65536 + 8, 7, &rc);
    TH_EQ(rc, WH_OK);
    TH_EQ(wat_call(f.store, f.inst, "load_b", 1, 65536 + 8, 0, &rc), 7);

    /* fill, copy within memory 1 and from memory 0, init from a segment */
    call3(f.store, f.inst, "fill_b", 300, 0x5a, 10, &rc);
    TH_EQ(b[300], 0x5a);
    TH_EQ(b[309], 0x5a);
    TH_EQ(b[310], 0);
    TH_EQ(a[300], 0);
    call3(f.store, f.inst, "copy_b", 400, 300, 4, &rc);
    TH_EQ(b[403], 0x5a);
    a[500] = 'x';
    a[501] = 'y';
    call3(f.store, f.inst, "copy_a_to_b", 600, 500, 2, &rc);
    TH_EQ(rc, WH_OK);
    TH_OK(b[600] == 'x' && b[601] == 'y');
    call3(f.store, f.inst, "copy_a_to_b", 2 * 65536 - 1, 500, 2, &rc);
    TH_EQ(rc, WH_TRAP); /* past memory 1's end, though within memory 0 */
    call3(f.store, f.inst, "init_b", 700, 1, 4, &rc);
    TH_EQ(rc, WH_OK);
    TH_OK(!memcmp(b + 700, "ello", 4));
    TH_OK(memcmp(a + 700, "ello", 4) != 0);

    /* a loop over memory 1 */
    for (int i = 0; i < 4; i++) {
        uint32_t v = (uint32_t)(i + 1);
        memcpy(b + 4 * i, &v, 4);
    }
    TH_EQ(wat_call(f.store, f.inst, "sum_b", 1, 4, 0, &rc), 1 + 2 + 3 + 4);
out:
    wat_teardown(&f);
}

TH_TEST(multi_memory_snapshot_resets_every_memory)
{
    wat_fixture f = {0};
    if (!wat_setup(&f, "multimem", NULL, 0))
        return;
    wh_err_t e;
    wh_rc rc;
    if (!TH_EQ(wm_store_snapshot(f.store, &e), WH_OK))
        goto out;
    wat_call(f.store, f.inst, "store_b", 2, 16, 99, &rc);
    wat_call(f.store, f.inst, "store_a", 2, 16, 98, &rc);
    wat_call(f.store, f.inst, "grow_b", 1, 2, 0, &rc);
    call3(f.store, f.inst, "fill_b", 3 * 65536 - 8, 1, 8, &rc);
    TH_EQ(rc, WH_OK);
    TH_EQ(wm_store_reset(f.store, &e), WH_OK);
    TH_EQ(wat_call(f.store, f.inst, "load_b", 1, 16, 0, &rc), 42);
    TH_EQ(wat_call(f.store, f.inst, "load_a", 1, 16, 0, &rc), 0);
    TH_EQ(wat_call(f.store, f.inst, "size_b", 0, 0, 0, &rc), 1);
    TH_EQ(wat_call(f.store, f.inst, "size_a", 0, 0, 0, &rc), 2);
    /* grown again, the new pages are zero */
    TH_EQ(wat_call(f.store, f.inst, "grow_b", 1, 2, 0, &rc), 1);
    TH_EQ(wat_call(f.store, f.inst, "load_b", 1, 3 * 65536 - 4, 0, &rc), 0);
out:
    wat_teardown(&f);
}

TH_TEST(multi_memory_one_memory_imported_twice)
{
    uint8_t *bytes;
    wm_module_t *m = wat_module("aliasmem", &bytes);
    if (!m)
        return;
    wm_store_t *s = wm_store_new(NULL);
    wm_extern_t imp[2];
    imp[0] = (wm_extern_t){
        .kind = WM_EXTERN_MEMORY,
        .of.memory = wm_memory_new(s, (wm_limits_t){.min = 1, .max = 10, .has_max = true})};
    imp[1] = imp[0];
    wm_instance_t *inst;
    wh_err_t e;
    wh_rc rc;
    if (TH_EQ(wm_instantiate(s, m, imp, 2, &inst, &e), WH_OK)) {
        TH_EQ(wat_call(s, inst, "grow1_then_size0", 0, 0, 0, &rc), 3);
        TH_EQ(rc, WH_OK);
        TH_EQ(wat_call(s, inst, "grow1_then_store0", 0, 0, 0, &rc), 9);
        TH_EQ(rc, WH_OK);
    }
    wm_store_free(s);
    wm_module_free(m);
    wh_free(bytes);
}

TH_TEST(multi_memory_needs_the_feature)
{
    /* two memories, and i32.load with a memory index (flags 0x42, memory 1) */
    static const uint8_t b[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06,
                                0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00,
                                0x05, 0x05, 0x02, 0x00, 0x01, 0x00, 0x01, 0x0a, 0x0a, 0x01,
                                0x08, 0x00, 0x20, 0x00, 0x28, 0x42, 0x01, 0x00, 0x0b};
    wm_module_t *m;
    wh_err_t e;
    wm_config_t v2 = {.features = 0};
    TH_EQ(wm_module_load(b, sizeof b, &v2, &m, &e), WH_INVALID);
    TH_HAS(e.msg, "multiple memories");
    wm_config_t mm = {.features = WM_FEATURE_MULTI_MEMORY};
    TH_EQ(wm_module_load(b, sizeof b, &mm, &m, &e), WH_OK);
    wm_module_free(m);
}
