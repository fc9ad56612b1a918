/*
 * cm_component.c — loading and freeing a component, and what it imports
 * and exports as the outside sees it.
 *
 * A component owns one arena (every parsed structure) and its loaded core
 * modules; both go in cm_component_free.
 */
#include "internal.h"

#include <string.h>

bool cm_is_component(const uint8_t *bytes, size_t len)
{
    static const uint8_t magic[4] = {0x00, 0x61, 0x73, 0x6d};
    return len >= 8 && !memcmp(bytes, magic, 4) && bytes[6] == 0x01 && bytes[7] == 0x00;
}

wh_rc cm_component_load(const uint8_t *bytes, size_t len, cm_component_t **out, wh_err_t *err)
{
    *out = NULL;
    wh_err_clear(err);
    cm_component_t *c = wh_calloc(1, sizeof *c);
    if (!c)
        return wh_err(err, WH_NOMEM, -1, "out of memory loading the component");
    wh_arena_init(&c->arena, 16384);
    wh_rc rc = cm__parse(c, bytes, len, err);
    if (!rc)
        rc = cm__resolve(c, err);
    if (rc) {
        cm_component_free(c);
        return rc;
    }
    *out = c;
    return WH_OK;
}

void cm_component_free(cm_component_t *c)
{
    if (!c)
        return;
    for (uint32_t i = 0; i < c->nmodules; i++)
        wm_module_free(c->modules[i]);
    wh_free(c->modules);
    wh_arena_free(&c->arena);
    wh_free(c);
}

uint32_t cm_component_import_count(const cm_component_t *c)
{
    return c && c->root ? c->root->nimports : 0;
}

uint32_t cm_component_export_count(const cm_component_t *c)
{
    return c && c->root ? c->root->nexports : 0;
}

bool cm_component_import(const cm_component_t *c, uint32_t i, cm_externdesc_t *out)
{
    if (i >= cm_component_import_count(c))
        return false;
    *out = c->root->imports[i].desc;
    out->name = c->root->imports[i].name;
    return true;
}

bool cm_component_export(const cm_component_t *c, uint32_t i, cm_externdesc_t *out)
{
    if (i >= cm_component_export_count(c))
        return false;
    *out = c->root->exports[i].desc;
    out->name = c->root->exports[i].name;
    return true;
}

uint32_t cm_instancetype_count(const cm_instancetype_t *t)
{
    return t ? t->n : 0;
}

bool cm_instancetype_export(const cm_instancetype_t *t, uint32_t i, cm_externdesc_t *out)
{
    if (!t || i >= t->n)
        return false;
    *out = t->exports[i].desc;
    out->name = t->exports[i].name;
    return true;
}
