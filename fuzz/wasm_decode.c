/*
 * wasm_decode.c — libFuzzer target for the module decoder: any bytes go to
 * wm_module_load; a module that loads and needs no imports is also
 * instantiated in a fresh store (tables, memories, globals, segments),
 * without calling anything, so modules with a start function stop at load.
 */
#include "wasm/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wm_module_t *m = NULL;
    wh_err_t err;
    if (wm_module_load(data, size, NULL, &m, &err) != WH_OK)
        return 0;
    if (wm_module_import_count(m) == 0 && !m->has_start) {
        wm_store_t *s = wm_store_new(&(wm_store_config_t){.stack_slots = 4096, .max_frames = 64});
        wm_instance_t *inst = NULL;
        if (s)
            wm_instantiate(s, m, NULL, 0, &inst, &err);
        wm_store_free(s);
    }
    wm_module_free(m);
    return 0;
}
