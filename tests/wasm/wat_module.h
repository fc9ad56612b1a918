/*
 * wat_module.h — the engine tests' way to get a module of tests/wasm/wat/
 * (assembled at build time into WH_TEST_WAT_DIR), to instantiate it, to
 * call its i32 exports, and a host function that suspends.
 */
#ifndef WAT_MODULE_H
#define WAT_MODULE_H

#include "th.h"
#include "wasm/wm.h"

#include <stdio.h>
#include <string.h>

/* wat/NAME.wat, loaded; *bytes must outlive the module (wh_free after). */
static inline wm_module_t *wat_module(const char *name, uint8_t **bytes)
{
    char path[512];
    size_t len;
    wh_err_t e;
    snprintf(path, sizeof path, "%s/%s.wasm", WH_TEST_WAT_DIR, name);
    if (!TH_EQ(wh_read_file(path, bytes, &len, &e), WH_OK))
        return NULL;
    wm_module_t *m = NULL;
    TH_EQ(wm_module_load(*bytes, len, NULL, &m, &e), WH_OK);
    return m;
}

/* A module of wat/ and its instance, in a store of their own. */
typedef struct {
    uint8_t *bytes;
    wm_module_t *mod;
    wm_store_t *store;
    wm_instance_t *inst;
} wat_fixture;

/* Loads wat/NAME.wat and instantiates it with the n imports in f->store: one
 * the caller made (host functions belong to a store), or a new one when it is
 * NULL. The rest of f is set here; false (said by TH) when a step failed. */
static inline bool wat_setup(wat_fixture *f, const char *name, const wm_extern_t *imports,
                             uint32_t n)
{
    wm_store_t *store = f->store;
    memset(f, 0, sizeof *f);
    f->store = store ? store : wm_store_new(NULL);
    if (!(f->mod = wat_module(name, &f->bytes)))
        return false;
    wh_err_t e;
    if (!TH_EQ(wm_instantiate(f->store, f->mod, imports, n, &f->inst, &e), WH_OK)) {
        fprintf(stderr, "  instantiate: %s\n", e.msg);
        return false;
    }
    return true;
}

static inline void wat_teardown(wat_fixture *f)
{
    wm_store_free(f->store);
    wm_module_free(f->mod);
    wh_free(f->bytes);
}

/* A host function (t_get, env a host_state) that suspends `pending` times
 * before it answers x * 2. */
typedef struct {
    int pending, calls;
} host_state;

static inline wh_rc host_get(wm_call_t *call, void *env, wm_slot *args)
{
    (void)call;
    host_state *hs = env;
    hs->calls++;
    if (hs->pending > 0) {
        hs->pending--;
        return WH_SUSPEND;
    }
    args[0].i32 = args[0].i32 * 2;
    return WH_OK;
}

static const uint8_t p_i32[] = {WM_I32};
static const wm_functype_t t_get = {1, 1, p_i32, p_i32};

/* Calls export name with n (0 to 2) i32 arguments; its i32 result. *rc
 * says how the call ended. */
static inline int32_t wat_call(wm_store_t *s, wm_instance_t *inst, const char *name, int n,
                               int32_t a, int32_t b, wh_rc *rc)
{
    wm_extern_t ex;
    wh_err_t e;
    if (wm_instance_export(inst, name, &ex)) {
        *rc = WH_NOTFOUND;
        return -1;
    }
    wm_val_t args[2] = {{.type = WM_I32, .of.i32 = (uint32_t)a},
                        {.type = WM_I32, .of.i32 = (uint32_t)b}};
    wm_val_t r = {0};
    *rc =
        wm_func_call(s, ex.of.func, args, (uint32_t)n, &r, wm_func_type(ex.of.func)->nresults, &e);
    return (int32_t)r.of.i32;
}

#endif
