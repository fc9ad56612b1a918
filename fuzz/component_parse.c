/*
 * component_parse.c — libFuzzer target for the component parser: any bytes
 * go to cm_component_load; a component that loads is also walked through
 * its import and export descriptions, as `wasmhttpd inspect` does, and,
 * when it imports nothing, instantiated (its instantiation plan run: nested
 * components, core instances and their start functions, under fuel and a
 * memory limit) and freed. What validates must instantiate or fail with a
 * result code, never crash.
 */
#include "component/cm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t walk(const cm_externdesc_t *d, int depth)
{
    uint32_t n = 1;
    if (d->kind == CM_EXTERN_FUNC && d->func)
        n += d->func->nparams;
    if (d->kind == CM_EXTERN_INSTANCE && depth < 8)
        for (uint32_t i = 0; i < cm_instancetype_count(d->instance); i++) {
            cm_externdesc_t e;
            if (cm_instancetype_export(d->instance, i, &e))
                n += walk(&e, depth + 1);
        }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cm_component_t *c = NULL;
    wh_err_t err;
    if (cm_component_load(data, size, &c, &err) != WH_OK)
        return 0;
    uint32_t n = 0;
    for (uint32_t i = 0; i < cm_component_import_count(c); i++) {
        cm_externdesc_t d;
        if (cm_component_import(c, i, &d))
            n += walk(&d, 0);
    }
    for (uint32_t i = 0; i < cm_component_export_count(c); i++) {
        cm_externdesc_t d;
        if (cm_component_export(c, i, &d))
            n += walk(&d, 0);
    }
    if (cm_component_import_count(c) == 0) {
        cm_config_t cfg = {.fuel = 100000, .max_memory = 64u << 20};
        cm_instance_t *inst = NULL;
        if (cm_instantiate(c, NULL, &cfg, &inst, &err) == WH_OK)
            n += cm_instance_snapshot(inst, &err) == WH_OK;
        cm_instance_free(inst);
    }
    cm_component_free(c);
    return n == UINT32_MAX; /* keeps the walk from being optimised away */
}
