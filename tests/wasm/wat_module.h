/*
 * wat_module.h — the engine tests' way to get a module of tests/wasm/wat/
 * (assembled at build time into WH_TEST_WAT_DIR) and to call its i32
 * exports.
 */
#ifndef WAT_MODULE_H
#define WAT_MODULE_H

#include "th.h"
#include "wasm/wm.h"

#include <stdio.h>

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
