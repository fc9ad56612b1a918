/* Tests for execution: calls, traps with their sites, stack exhaustion,
 * fuel, interruption from another thread, host functions that suspend, and
 * the compiler's value-moving paths (multi-value, if with parameters,
 * br_table with values, local.tee). Modules come from tests/wasm/wat/. */
#include "store_threads.h"
#include "wat_module.h"

#include <stdio.h>
#include <stdlib.h>

static wm_func_t *export_func(wat_fixture *f, const char *name)
{
    wm_extern_t ex;
    if (wm_instance_export(f->inst, name, &ex) != WH_OK || ex.kind != WM_EXTERN_FUNC)
        return NULL;
    return ex.of.func;
}

/* Calls an export with i32 arguments; returns the rc, the first result in *out. */
static wh_rc call_i32(wat_fixture *f, const char *name, int n, const int32_t *args, int64_t *out,
                      wh_err_t *err)
{
    wm_func_t *fn = export_func(f, name);
    if (!fn)
        return WH_NOTFOUND;
    wm_val_t a[4], r[2] = {0};
    for (int i = 0; i < n; i++)
        a[i] = (wm_val_t){.type = WM_I32, .of.i32 = (uint32_t)args[i]};
    wh_rc rc = wm_func_call(f->store, fn, a, (uint32_t)n, r, wm_func_type(fn)->nresults, err);
    if (rc == WH_OK && out)
        *out = r[0].type == WM_I64 ? (int64_t)r[0].of.i64 : (int64_t)(int32_t)r[0].of.i32;
    return rc;
}

#define CALL(f, name, out, ...)                                                                    \
    call_i32((f), (name), (int)(sizeof((int32_t[]){__VA_ARGS__}) / sizeof(int32_t)),               \
             (int32_t[]){__VA_ARGS__}, (out), NULL)

TH_TEST(exec_recursion_and_loops)
{
    wat_fixture f = {0};
    if (!wat_setup(&f, "loops", NULL, 0))
        return;
    int64_t r = 0;
    TH_EQ(CALL(&f, "down", &r, 1000), WH_OK);
    TH_EQ(r, 1000);
    TH_EQ(CALL(&f, "count", &r, 12345), WH_OK);
    TH_EQ(r, 12345);
    wat_teardown(&f);
}

TH_TEST(exec_deep_recursion_is_exhaustion_not_crash)
{
    wat_fixture f = {0};
    if (!wat_setup(&f, "loops", NULL, 0))
        return;
    wh_err_t e;
    int64_t r;
    TH_EQ(call_i32(&f, "down", 1, (int32_t[]){100000000}, &r, &e), WH_EXHAUSTED);
    TH_HAS(e.msg, "call stack exhausted");
    /* the store is usable again afterwards */
    TH_EQ(CALL(&f, "down", &r, 10), WH_OK);
    TH_EQ(r, 10);
    wat_teardown(&f);
}

TH_TEST(exec_traps_name_kind_and_site)
{
    wat_fixture f = {0};
    if (!wat_setup(&f, "loops", NULL, 0))
        return;
    wh_err_t e;
    int64_t r;
    TH_EQ(call_i32(&f, "div", 2, (int32_t[]){1, 0}, &r, &e), WH_TRAP);
    TH_HAS(e.msg, "integer divide by zero");
    wm_trap_site_t site;
    TH_OK(wm_store_trap_site(f.store, &site));
    TH_EQ(site.kind, WM_TRAP_DIV_ZERO);
    TH_EQ(site.func_index, 2); /* "div" is the third function */
    TH_OK(site.code_offset > 0);
    TH_EQ(call_i32(&f, "div", 2, (int32_t[]){INT32_MIN, -1}, &r, &e), WH_TRAP);
    TH_HAS(e.msg, "integer overflow");
    TH_OK(wm_store_trap_site(f.store, &site));
    TH_EQ(site.kind, WM_TRAP_INT_OVERFLOW);
    TH_EQ(CALL(&f, "div", &r, -7, 2), WH_OK);
    TH_EQ(r, -3);
    wat_teardown(&f);
}

TH_TEST(exec_memory_bounds_at_the_edges)
{
    wat_fixture f = {0};
    if (!wat_setup(&f, "loops", NULL, 0))
        return;
    int64_t r;
    TH_EQ(CALL(&f, "load", &r, 65532), WH_OK);   /* last 4 bytes of page 1 */
    TH_EQ(CALL(&f, "load", &r, 65533), WH_TRAP); /* one byte past */
    TH_EQ(CALL(&f, "load", &r, -1), WH_TRAP);    /* 0xffffffff + 4 must not wrap */
    TH_EQ(CALL(&f, "load8", &r, 0), WH_OK);      /* offset 65535: the last byte */
    TH_EQ(CALL(&f, "load8", &r, 1), WH_TRAP);
    TH_EQ(CALL(&f, "load8", &r, -1), WH_TRAP); /* 0xffffffff + 65535 > 4 GiB */
    TH_EQ(CALL(&f, "grow", &r, 1), WH_OK);
    TH_EQ(r, 1);                               /* old size in pages */
    TH_EQ(CALL(&f, "load", &r, 65533), WH_OK); /* now in bounds */
    TH_EQ(CALL(&f, "grow", &r, 3), WH_OK);
    TH_EQ(r, -1); /* past the maximum of 4 */
    wat_teardown(&f);
}

TH_TEST(exec_memory_bounds_at_4gib)
{
    wat_fixture f = {0};
    if (!wat_setup(&f, "edge4g", NULL, 0))
        return;
    int64_t r;
    TH_EQ(CALL(&f, "store8", NULL, -1, 0x5a), WH_OK); /* byte 0xffffffff */
    TH_EQ(CALL(&f, "load8", &r, -1), WH_OK);
    TH_EQ(r, 0x5a);
    TH_EQ(CALL(&f, "load32", &r, -4), WH_OK); /* 0xfffffffc..0xffffffff */
    TH_EQ((uint32_t)r, 0x5a000000u);
    TH_EQ(CALL(&f, "load32", &r, -3), WH_TRAP); /* one byte past 4 GiB */
    TH_EQ(CALL(&f, "load32_off1", &r, -5), WH_OK);
    TH_EQ(CALL(&f, "load32_off1", &r, -4), WH_TRAP);   /* offset pushes it past */
    TH_EQ(CALL(&f, "load64_offmax", &r, 0), WH_TRAP);  /* 0 + 0xffffffff + 8 > 4 GiB */
    TH_EQ(CALL(&f, "load64_offmax", &r, -1), WH_TRAP); /* a 33-bit sum must not wrap */
    wat_teardown(&f);
}

TH_TEST(exec_fuel_stops_a_loop)
{
    wat_fixture f = {0};
    if (!wat_setup(&f, "loops", NULL, 0))
        return;
    wh_err_t e;
    wm_store_set_fuel(f.store, 1000);
    TH_EQ(call_i32(&f, "spin", 0, NULL, NULL, &e), WH_OUT_OF_FUEL);
    TH_HAS(e.msg, "out of fuel");
    TH_EQ(wm_store_fuel(f.store), 0);
    wm_store_set_fuel(f.store, 100000);
    int64_t r;
    TH_EQ(CALL(&f, "count", &r, 100), WH_OK);
    int64_t left = wm_store_fuel(f.store);
    TH_OK(left < 100000 && left > 100000 - 1000);
    wm_store_set_fuel(f.store, -1);
    wat_teardown(&f);
}

TH_TEST(exec_interrupt_from_another_thread)
{
    wat_fixture f = {0};
    if (!wat_setup(&f, "loops", NULL, 0))
        return;
    pthread_t t;
    pthread_create(&t, NULL, interrupt_later, f.store);
    wh_err_t e;
    TH_EQ(call_i32(&f, "spin", 0, NULL, NULL, &e), WH_INTERRUPTED);
    pthread_join(t, NULL);
    wm_store_clear_interrupt(f.store);
    int64_t r;
    TH_EQ(CALL(&f, "count", &r, 10), WH_OK);
    wat_teardown(&f);
}

/* A yield stops a loop at its header; resuming goes on from there, so no
 * iteration is lost or done twice, however often it happens. */
TH_TEST(exec_yield_suspends_at_a_loop_header)
{
    wat_fixture f = {0};
    if (!wat_setup(&f, "loops", NULL, 0))
        return;
    wh_err_t e;
    /* requested before the call: the first backward branch suspends */
    wm_store_yield(f.store);
    wm_val_t arg = {.type = WM_I32, .of.i32 = 10}, res = {0};
    wm_func_t *count = export_func(&f, "count");
    TH_EQ(wm_func_call(f.store, count, &arg, 1, &res, 1, &e), WH_SUSPEND);
    TH_OK(wm_store_yielded(f.store));
    TH_EQ(wm_store_resume(f.store, &res, 1, &e), WH_OK);
    TH_EQ(res.of.i32, 10);
    TH_OK(!wm_store_yielded(f.store));

    /* from another thread, many times during a long loop */
    arg.of.i32 = 300000000;
    int yields;
    TH_EQ(call_while_yielding(f.store, count, &arg, 1, &res, 1, &yields), WH_OK);
    TH_EQ(res.of.i32, 300000000);
    TH_OK(yields > 0);

    /* an interrupt wins over a yield */
    wm_store_clear_interrupt(f.store);
    wm_store_yield(f.store);
    wm_store_interrupt(f.store);
    TH_EQ(call_i32(&f, "spin", 0, NULL, NULL, &e), WH_INTERRUPTED);
    wm_store_clear_interrupt(f.store);
    wat_teardown(&f);
}

static wh_rc host_add(wm_call_t *call, void *env, wm_slot *args)
{
    if (args[0].i32 == 666)
        return wm_call_trap(call, "the host refuses %u", args[0].i32);
    args[0].i32 = args[0].i32 + args[1].i32;
    return WH_OK;
}

static const uint8_t p_i32x2[] = {WM_I32, WM_I32};
static const wm_functype_t t_add = {2, 1, p_i32x2, p_i32};

static bool setup_host(wat_fixture *f, host_state *hs)
{
    f->store = wm_store_new(NULL);
    wm_extern_t imp[2] = {
        {.kind = WM_EXTERN_FUNC, .of.func = wm_func_new_host(f->store, &t_get, host_get, hs)},
        {.kind = WM_EXTERN_FUNC, .of.func = wm_func_new_host(f->store, &t_add, host_add, NULL)}};
    return wat_setup(f, "host", imp, 2);
}

TH_TEST(exec_host_suspends_n_times_then_answers)
{
    host_state hs = {.pending = 3};
    wat_fixture f = {0};
    if (!setup_host(&f, &hs))
        return;
    wm_val_t arg = {.type = WM_I32, .of.i32 = 20}, res = {0};
    wh_err_t e;
    wh_rc rc = wm_func_call(f.store, export_func(&f, "twice"), &arg, 1, &res, 1, &e);
    int suspensions = 0;
    while (rc == WH_SUSPEND && suspensions < 10) {
        suspensions++;
        TH_OK(wm_store_suspended(f.store));
        rc = wm_store_resume(f.store, &res, 1, &e);
    }
    TH_EQ(rc, WH_OK);
    TH_EQ(suspensions, 3);
    TH_EQ(hs.calls, 5); /* 3 retries + 2 answers */
    TH_EQ(res.of.i32, 20 * 2 + 21 * 2);
    TH_OK(!wm_store_suspended(f.store));
    wat_teardown(&f);
}

TH_TEST(exec_host_suspends_deep_in_wasm_recursion)
{
    host_state hs = {.pending = 2};
    wat_fixture f = {0};
    if (!setup_host(&f, &hs))
        return;
    wm_val_t arg = {.type = WM_I32, .of.i32 = 5000}, res = {0};
    wh_err_t e;
    wh_rc rc = wm_func_call(f.store, export_func(&f, "deep"), &arg, 1, &res, 1, &e);
    while (rc == WH_SUSPEND)
        rc = wm_store_resume(f.store, &res, 1, &e);
    TH_EQ(rc, WH_OK);
    TH_EQ(res.of.i32, 5000 + 200);
    wat_teardown(&f);
}

TH_TEST(exec_host_trap_message)
{
    host_state hs = {0};
    wat_fixture f = {0};
    if (!setup_host(&f, &hs))
        return;
    int64_t r;
    wh_err_t e;
    TH_EQ(CALL(&f, "sum", &r, 2, 3), WH_OK);
    TH_EQ(r, 5);
    TH_EQ(call_i32(&f, "sum", 2, (int32_t[]){666, 1}, &r, &e), WH_TRAP);
    TH_HAS(e.msg, "the host refuses 666");
    wm_trap_site_t site;
    TH_OK(wm_store_trap_site(f.store, &site));
    TH_EQ(site.kind, WM_TRAP_HOST);
    TH_EQ(site.func_index, 3); /* "sum", the caller of the host function */
    wat_teardown(&f);
}

TH_TEST(exec_multi_value_and_block_params)
{
    wat_fixture f = {0};
    if (!wat_setup(&f, "multi", NULL, 0))
        return;
    wm_val_t a[2] = {{.type = WM_I32, .of.i32 = 1}, {.type = WM_I32, .of.i32 = 2}}, r[2];
    TH_EQ(wm_func_call(f.store, export_func(&f, "swap"), a, 2, r, 2, NULL), WH_OK);
    TH_EQ(r[0].of.i32, 2);
    TH_EQ(r[1].of.i32, 1);
    int64_t v;
    TH_EQ(CALL(&f, "ifparams", &v, 5, 1), WH_OK);
    TH_EQ(v, 15);
    TH_EQ(CALL(&f, "ifparams", &v, 5, 0), WH_OK);
    TH_EQ(v, -15);
    TH_EQ(CALL(&f, "table", &v, 0), WH_OK);
    TH_EQ(v, 7);
    TH_EQ(CALL(&f, "table", &v, 1), WH_OK);
    TH_EQ(v, 1007);
    TH_EQ(CALL(&f, "table", &v, 2), WH_OK);
    TH_EQ(v, 1107);
    TH_EQ(CALL(&f, "table", &v, 99), WH_OK);
    TH_EQ(v, 1107);
    TH_EQ(CALL(&f, "tee", &v, 30), WH_OK);
    TH_EQ(v, 35);
    TH_EQ(CALL(&f, "loopsum", &v, 100000), WH_OK);
    TH_EQ(v, 100000LL * 100001 / 2);
    /* sum over i < 10 of (1000 - i) - 1 */
    TH_EQ(call_i32(&f, "constcall", 0, NULL, &v, NULL), WH_OK);
    TH_EQ(v, 10 * 999 - 45);
    wm_val_t r3[3];
    TH_EQ(wm_func_call(f.store, export_func(&f, "three"), NULL, 0, r3, 3, NULL), WH_OK);
    TH_EQ(r3[0].of.i32, 7);
    TH_EQ(r3[1].of.i32, 3000);
    TH_EQ(r3[2].of.i32, 11);
    wat_teardown(&f);
}

/* The reentering host function: calls the module's "sq" with its argument. */
static wh_rc host_reenter(wm_call_t *call, void *env, wm_slot *args)
{
    wm_func_t *sq = *(wm_func_t **)env;
    wm_val_t a = {.type = WM_I32, .of.i32 = args[0].i32}, r;
    wh_rc rc = wm_func_call(wm_call_store(call), sq, &a, 1, &r, 1, NULL);
    if (rc)
        return rc;
    args[0].i32 = r.of.i32 + 1000;
    return WH_OK;
}

TH_TEST(exec_host_reenters_the_module)
{
    wat_fixture f = {0};
    static wm_func_t *sq;
    f.store = wm_store_new(NULL);
    wm_extern_t imp = {.kind = WM_EXTERN_FUNC,
                       .of.func = wm_func_new_host(f.store, &t_get, host_reenter, &sq)};
    if (!wat_setup(&f, "reenter", &imp, 1))
        return;
    sq = export_func(&f, "sq");
    wm_val_t arg = {.type = WM_I32, .of.i32 = 7}, res[2] = {0};
    TH_EQ(wm_func_call(f.store, export_func(&f, "outer"), &arg, 1, res, 2, NULL), WH_OK);
    TH_EQ(res[0].of.i32, 8); /* computed before the host call */
    TH_EQ(res[1].of.i32, 49 + 1000);
    wat_teardown(&f);
}
