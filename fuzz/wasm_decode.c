/*
 * wasm_decode.c — libFuzzer target for the module decoder: any bytes go to
 * wm_module_load; a module that loads and needs no imports is also
 * instantiated in a fresh store (tables, memories, globals, segments), so
 * modules with a start function stop at load. Then its first exported
 * functions whose parameters are numbers run with zeros under a little
 * fuel: enough to reach the interpreter's rarer paths (throw, unwinding
 * through frames, catches) that only running reaches.
 */
#include "wasm/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void call_exports(wm_store_t *s, const wm_module_t *m, wm_instance_t *inst)
{
    wm_val_t args[8], res[8];
    uint32_t tried = 0;
    for (uint32_t i = 0; i < wm_module_export_count(m) && tried < 4; i++) {
        wm_extern_t ex;
        if (wm_instance_export_at(inst, i, &ex) != WH_OK || ex.kind != WM_EXTERN_FUNC)
            continue;
        const wm_functype_t *t = wm_func_type(ex.of.func);
        bool numeric = t->nparams <= 8 && t->nresults <= 8;
        for (uint32_t k = 0; numeric && k < t->nparams; k++) {
            uint8_t p = t->params[k];
            numeric = p == WM_I32 || p == WM_I64 || p == WM_F32 || p == WM_F64;
            args[k] = (wm_val_t){.type = p};
        }
        if (!numeric)
            continue;
        tried++;
        wh_err_t err;
        wm_store_set_fuel(s, 10000);
        wm_func_call(s, ex.of.func, args, t->nparams, res, t->nresults, &err);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wm_module_t *m = NULL;
    wh_err_t err;
    if (wm_module_load(data, size, NULL, &m, &err) != WH_OK)
        return 0;
    if (wm_module_import_count(m) == 0 && !m->has_start) {
        wm_store_t *s = wm_store_new(&(wm_store_config_t){.stack_slots = 4096, .max_frames = 64});
        wm_instance_t *inst = NULL;
        if (s && wm_instantiate(s, m, NULL, 0, &inst, &err) == WH_OK)
            call_exports(s, m, inst);
        wm_store_free(s);
    }
    wm_module_free(m);
    return 0;
}
