/*
 * wm_module.c — freeing a loaded module and describing its imports and
 * exports. A module is read-only after wm_module_load, so these may run on
 * several threads at once.
 */
#include "internal.h"

void wm_module_free(wm_module_t *m)
{
    if (!m)
        return;
    wm__image_free(m);
    wh_arena_free(&m->arena);
    wh_free(m);
}

uint32_t wm_module_import_count(const wm_module_t *m)
{
    return m->nimports;
}

uint32_t wm_module_export_count(const wm_module_t *m)
{
    return m->nexports;
}

/* Fills the type part of a description for entry index of kind. */
static void describe(const wm_module_t *m, uint8_t kind, uint32_t index, wm_externdesc_t *out)
{
    out->kind = kind;
    switch (kind) {
    case WM_EXTERN_FUNC:
        out->type.func = m->funcs[index].type;
        break;
    case WM_EXTERN_TABLE:
        out->type.table = m->tables[index].type;
        break;
    case WM_EXTERN_MEMORY:
        out->type.memory = m->mems[index].limits;
        break;
    case WM_EXTERN_GLOBAL:
        out->type.global = m->globals[index].type;
        break;
    case WM_EXTERN_TAG:
        out->type.tag = m->tags[index].type;
        break;
    }
}

bool wm_module_import(const wm_module_t *m, uint32_t i, wm_externdesc_t *out)
{
    if (i >= m->nimports)
        return false;
    const wm__import *imp = &m->imports[i];
    out->module = imp->module;
    out->name = imp->name;
    out->module_len = imp->module_len;
    out->name_len = imp->name_len;
    describe(m, imp->kind, imp->index, out);
    return true;
}

bool wm_module_export(const wm_module_t *m, uint32_t i, wm_externdesc_t *out)
{
    if (i >= m->nexports)
        return false;
    const wm__export *ex = &m->exports[i];
    out->module = NULL;
    out->name = ex->name;
    out->module_len = 0;
    out->name_len = ex->name_len;
    describe(m, ex->kind, ex->index, out);
    return true;
}
