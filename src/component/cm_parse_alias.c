/*
 * cm_parse_alias.c — sorts and aliases (Binary.md sort, alias): of an
 * instance's export, of a core instance's export, and of an item of an
 * enclosing scope (outer), where a type that refers to resources may not
 * be aliased out of a component definition.
 */
#include "cm_parse.h"

#include <stdio.h>
#include <string.h>

/* ---- Aliases ---- */

wh_rc cm__read_sort(cm__ctx *x, cm__rd *r, uint8_t *out)
{
    uint32_t off = cm__off(r);
    uint8_t b;
    TRY(cm__u8(x, r, &b));
    if (b == 0x00) {
        TRY(cm__u8(x, r, &b));
        switch (b) {
        case 0x00:
            *out = CM_SORT_CORE_FUNC;
            return WH_OK;
        case 0x01:
            *out = CM_SORT_CORE_TABLE;
            return WH_OK;
        case 0x02:
            *out = CM_SORT_CORE_MEMORY;
            return WH_OK;
        case 0x03:
            *out = CM_SORT_CORE_GLOBAL;
            return WH_OK;
        case 0x04:
            return cm__fail(x, WH_UNSUPPORTED, off, "core tag sort");
        case 0x10:
            *out = CM_SORT_CORE_TYPE;
            return WH_OK;
        case 0x11:
            *out = CM_SORT_CORE_MODULE;
            return WH_OK;
        case 0x12:
            *out = CM_SORT_CORE_INSTANCE;
            return WH_OK;
        default:
            return cm__fail(x, WH_MALFORMED, off, "unknown core sort 0x%02x", b);
        }
    }
    switch (b) {
    case 0x01:
        *out = CM_SORT_FUNC;
        return WH_OK;
    case 0x02:
        return cm__fail(x, WH_UNSUPPORTED, off, "value sort");
    case 0x03:
        *out = CM_SORT_TYPE;
        return WH_OK;
    case 0x04:
        *out = CM_SORT_COMPONENT;
        return WH_OK;
    case 0x05:
        *out = CM_SORT_INSTANCE;
        return WH_OK;
    default:
        return cm__fail(x, WH_MALFORMED, off, "unknown sort 0x%02x", b);
    }
}

static uint8_t sort_kind(uint8_t sort)
{
    switch (sort) {
    case CM_SORT_FUNC:
        return CM_EXTERN_FUNC;
    case CM_SORT_TYPE:
        return CM_EXTERN_TYPE;
    case CM_SORT_COMPONENT:
        return CM_EXTERN_COMPONENT;
    case CM_SORT_INSTANCE:
        return CM_EXTERN_INSTANCE;
    case CM_SORT_CORE_MODULE:
        return CM_EXTERN_MODULE;
    default:
        return 0xff;
    }
}

/* Does a declaration name a resource type, itself or in a type it uses?
 * *budget bounds the walk: instance and component types form a DAG that
 * may be exponential as a tree, and running out counts as "yes". */
static bool decl_has_resource(const cm__decl *d, uint32_t *budget);

static bool functype_has_resource(const cm_functype_t *f)
{
    for (uint32_t i = 0; f && i < f->nparams; i++)
        if (cm__has_handle(f->params[i]))
            return true;
    return f && f->result && cm__has_handle(f->result);
}

static bool decls_have_resource(const cm__decl *d, uint32_t n, uint32_t *budget)
{
    for (uint32_t i = 0; i < n; i++)
        if (decl_has_resource(&d[i], budget))
            return true;
    return false;
}

static bool decl_has_resource(const cm__decl *d, uint32_t *budget)
{
    if (!*budget)
        return true;
    --*budget;
    switch (d->desc.kind) {
    case CM_EXTERN_TYPE:
        return d->desc.resource || (d->desc.type && cm__has_handle(d->desc.type));
    case CM_EXTERN_FUNC:
        return functype_has_resource(d->desc.func);
    case CM_EXTERN_INSTANCE:
        return d->desc.instance &&
               decls_have_resource(d->desc.instance->exports, d->desc.instance->n, budget);
    case CM_EXTERN_COMPONENT:
        return d->component &&
               (decls_have_resource(d->component->imports, d->component->nimports, budget) ||
                decls_have_resource(d->component->exports, d->component->nexports, budget));
    default:
        return false;
    }
}

/* Explainer.md: an outer alias that crosses a component definition's
 * boundary may not name a type that refers to resources, since resource
 * types are generative and a component is a closure over immutable
 * definitions only. */
static bool type_has_resource(const cm__typedef *t)
{
    uint32_t budget = 100000;
    switch (t->kind) {
    case CM__T_RESOURCE:
        return true;
    case CM__T_VAL:
        return cm__has_handle(t->of.val);
    case CM__T_FUNC:
        return functype_has_resource(t->of.func);
    case CM__T_INSTANCE:
        return decls_have_resource(t->of.inst->exports, t->of.inst->n, &budget);
    default:
        return decls_have_resource(t->of.comp->imports, t->of.comp->nimports, &budget) ||
               decls_have_resource(t->of.comp->exports, t->of.comp->nexports, &budget);
    }
}

static wh_rc alias_outer(cm__ctx *x, cm__scope *s, uint8_t sort, uint32_t ct, uint32_t idx,
                         uint32_t off)
{
    cm__scope *o = cm__outer_scope(s, ct);
    if (!o)
        return cm__fail(x, WH_INVALID, off, "invalid outer alias count %u", ct);
    bool ok = true;
    switch (sort) {
    case CM_SORT_TYPE: {
        if (idx >= o->types.len)
            return cm__fail(x, WH_INVALID, off, "unknown type %u", idx);
        bool crosses = false;
        for (const cm__scope *t = s; t && t != o; t = t->outer)
            crosses |= t->kind == CM__SC_COMPONENT;
        if (crosses && type_has_resource(&o->types.data[idx]))
            return cm__fail(x, WH_INVALID, off,
                            "outer alias of type %u, which transitively refers to resources, "
                            "out of a component definition",
                            idx);
        ok = wh_vec_push(&s->types, o->types.data[idx]);
        break;
    }
    case CM_SORT_CORE_TYPE:
        if (idx >= o->coretypes.len)
            return cm__fail(x, WH_INVALID, off, "unknown core type %u", idx);
        ok = wh_vec_push(&s->coretypes, o->coretypes.data[idx]);
        break;
    case CM_SORT_COMPONENT:
        if (s->kind != CM__SC_COMPONENT)
            goto bad_sort;
        if (o->kind != CM__SC_COMPONENT || idx >= o->components.len)
            return cm__fail(x, WH_INVALID, off, "unknown component %u", idx);
        ok = wh_vec_push(&s->components, o->components.data[idx]);
        break;
    case CM_SORT_CORE_MODULE:
        if (s->kind != CM__SC_COMPONENT)
            goto bad_sort;
        if (o->kind != CM__SC_COMPONENT || idx >= o->modules.len)
            return cm__fail(x, WH_INVALID, off, "unknown core module %u", idx);
        ok = wh_vec_push(&s->modules, o->modules.data[idx]) &&
             wh_vec_push(&s->module_ids, o->module_ids.data[idx]);
        break;
    default:
    bad_sort:
        return cm__fail(x, WH_INVALID, off, "outer alias of a %s", cm__sort_names[sort]);
    }
    return ok ? WH_OK : cm__nomem(x);
}

static wh_rc alias_export(cm__ctx *x, cm__scope *s, uint8_t sort, uint32_t inst, const char *name,
                          uint32_t off)
{
    if (s->kind != CM__SC_COMPONENT && sort != CM_SORT_INSTANCE && sort != CM_SORT_TYPE)
        return cm__fail(x, WH_INVALID, off, "export alias of a %s in a type", cm__sort_names[sort]);
    if (inst >= s->instances.len)
        return cm__fail(x, WH_INVALID, off, "unknown instance %u", inst);
    const cm_instancetype_t *it = s->instances.data[inst];
    const cm__decl *d = NULL;
    for (uint32_t i = 0; i < it->n && !d; i++)
        if (!strcmp(it->exports[i].name, name))
            d = &it->exports[i];
    if (!d)
        return cm__fail(x, WH_INVALID, off, "instance %u has no export named `%s`", inst, name);
    if (d->desc.kind != sort_kind(sort))
        return cm__fail(x, WH_INVALID, off, "export `%s` of instance %u is a %s, not a %s", name,
                        inst, cm__kind_name(d->desc.kind), cm__sort_names[sort]);
    return cm__add_decl_item(x, s, d, off);
}

static wh_rc alias_core_export(cm__ctx *x, cm__scope *s, uint8_t sort, uint32_t inst,
                               const char *name, uint32_t off)
{
    static const uint8_t kinds[] = {[CM_SORT_CORE_FUNC] = WM_EXTERN_FUNC,
                                    [CM_SORT_CORE_TABLE] = WM_EXTERN_TABLE,
                                    [CM_SORT_CORE_MEMORY] = WM_EXTERN_MEMORY,
                                    [CM_SORT_CORE_GLOBAL] = WM_EXTERN_GLOBAL};
    if (s->kind != CM__SC_COMPONENT)
        return cm__fail(x, WH_INVALID, off, "core export alias in a type");
    if (sort > CM_SORT_CORE_GLOBAL)
        return cm__fail(x, WH_INVALID, off, "core export alias of a %s", cm__sort_names[sort]);
    if (inst >= s->coreinsts.len)
        return cm__fail(x, WH_INVALID, off, "unknown core instance %u", inst);
    const cm__coreinst *ci = s->coreinsts.data[inst];
    const cm__coreitem *e = NULL;
    for (uint32_t i = 0; i < ci->n && !e; i++)
        if (!strcmp(ci->exports[i].name, name))
            e = &ci->exports[i];
    if (!e)
        return cm__fail(x, WH_INVALID, off, "core instance %u has no export named `%s`", inst,
                        name);
    if (e->kind != kinds[sort])
        return cm__fail(x, WH_INVALID, off, "export `%s` of core instance %u is not a %s", name,
                        inst, cm__sort_names[sort]);
    bool ok;
    switch (sort) {
    case CM_SORT_CORE_FUNC:
        ok = wh_vec_push(&s->corefuncs, e->func);
        break;
    case CM_SORT_CORE_TABLE:
        ok = wh_vec_push(&s->coretables, *e);
        break;
    case CM_SORT_CORE_MEMORY:
        ok = wh_vec_push(&s->coremems, *e);
        break;
    default:
        ok = wh_vec_push(&s->coreglobals, *e);
        break;
    }
    return ok ? WH_OK : cm__nomem(x);
}

wh_rc cm__read_alias(cm__ctx *x, cm__rd *r, cm__scope *s, cm__def *def)
{
    uint32_t off = cm__off(r);
    uint8_t sort, tag;
    TRY(cm__read_sort(x, r, &sort));
    uint32_t toff = cm__off(r);
    TRY(cm__u8(x, r, &tag));
    cm__def d = {.sort = sort, .offset = off};
    switch (tag) {
    case 0x00:
    case 0x01: {
        uint32_t inst;
        const char *name;
        TRY(cm__u32(x, r, &inst));
        TRY(cm__name(x, r, &name));
        d.op = tag == 0x00 ? CM__ALIAS_EXPORT : CM__ALIAS_CORE_EXPORT;
        d.u.alias.instance = inst;
        d.u.alias.name = name;
        if (tag == 0x00)
            TRY(alias_export(x, s, sort, inst, name, off));
        else
            TRY(alias_core_export(x, s, sort, inst, name, off));
        break;
    }
    case 0x02: {
        uint32_t ct, idx;
        TRY(cm__u32(x, r, &ct));
        TRY(cm__u32(x, r, &idx));
        d.op = CM__ALIAS_OUTER;
        d.u.outer.count = ct;
        d.u.outer.index = idx;
        TRY(alias_outer(x, s, sort, ct, idx, off));
        break;
    }
    default:
        return cm__fail(x, WH_MALFORMED, toff, "unknown alias kind 0x%02x", tag);
    }
    if (def)
        *def = d;
    return WH_OK;
}
