/*
 * cm_parse.c — the component binary parser and validator (Binary.md): the
 * preamble, the sections of a component and of its nested components, core
 * modules (loaded with wm_module_load), core and component instances,
 * canonical definitions, imports and exports. Types are read in
 * cm_parse_valtypes.c, cm_parse_coretypes.c and cm_parse_comptypes.c,
 * aliases in cm_parse_alias.c.
 *
 * Each section entry becomes a cm__def of its scope, in binary order, after
 * every index it uses has been checked against its index space as it stands
 * at that point. What is not supported (async, threads, values, start) is
 * an error naming the construct and its byte offset, never a skip.
 */
#include "cm_parse.h"

#include <string.h>

static wh_rc push_def(cm__ctx *x, cm__scope *s, const cm__def *d)
{
    return wh_vec_push(&s->defs, *d) ? WH_OK : cm__nomem(x);
}

static uint32_t space_len(const cm__scope *s, uint8_t sort)
{
    switch (sort) {
    case CM_SORT_CORE_FUNC:
        return s->corefuncs.len;
    case CM_SORT_CORE_TABLE:
        return s->coretables.len;
    case CM_SORT_CORE_MEMORY:
        return s->coremems.len;
    case CM_SORT_CORE_GLOBAL:
        return s->coreglobals.len;
    case CM_SORT_CORE_TYPE:
        return s->coretypes.len;
    case CM_SORT_CORE_MODULE:
        return s->modules.len;
    case CM_SORT_CORE_INSTANCE:
        return s->coreinsts.len;
    case CM_SORT_FUNC:
        return s->funcs.len;
    case CM_SORT_VALUE:
        return s->nvalues;
    case CM_SORT_TYPE:
        return s->types.len;
    case CM_SORT_COMPONENT:
        return s->components.len;
    case CM_SORT_INSTANCE:
        return s->instances.len;
    default:
        return 0;
    }
}

static wh_rc check_index(cm__ctx *x, const cm__scope *s, uint8_t sort, uint32_t idx, uint32_t off)
{
    if (idx >= space_len(s, sort))
        return cm__fail(x, WH_INVALID, off, "unknown %s %u", cm__sort_names[sort], idx);
    return WH_OK;
}

/* The declaration an item of a component-level sort makes when it is
 * exported or passed by name. */
static wh_rc item_decl(cm__ctx *x, cm__scope *s, uint8_t sort, uint32_t idx, const char *name,
                       uint32_t off, cm__decl *d)
{
    TRY(check_index(x, s, sort, idx, off));
    memset(d, 0, sizeof *d);
    d->name = d->desc.name = name;
    switch (sort) {
    case CM_SORT_FUNC:
        d->desc.kind = CM_EXTERN_FUNC;
        d->desc.func = s->funcs.data[idx];
        return WH_OK;
    case CM_SORT_INSTANCE:
        d->desc.kind = CM_EXTERN_INSTANCE;
        d->desc.instance = s->instances.data[idx];
        return WH_OK;
    case CM_SORT_COMPONENT:
        d->desc.kind = CM_EXTERN_COMPONENT;
        d->component = s->components.data[idx];
        return WH_OK;
    case CM_SORT_CORE_MODULE:
        d->desc.kind = CM_EXTERN_MODULE;
        d->module = s->modules.data[idx];
        return WH_OK;
    case CM_SORT_TYPE: {
        const cm__typedef *td = &s->types.data[idx];
        d->desc.kind = CM_EXTERN_TYPE;
        if (td->kind == CM__T_RESOURCE) {
            d->desc.resource = td->of.res;
            d->vis = td->vis;
        } else if (td->kind == CM__T_VAL) {
            d->desc.type = d->eq = td->of.val;
        } else {
            /* refused by the caller (cm__vis_extern for an export) */
            d->other = td->kind == CM__T_FUNC       ? (const void *)td->of.func
                       : td->kind == CM__T_INSTANCE ? (const void *)td->of.inst
                                                    : (const void *)td->of.comp;
            d->other_kind = td->kind;
        }
        return WH_OK;
    }
    default:
        return cm__fail(x, WH_INVALID, off, "a %s cannot be exported or passed to a component",
                        cm__sort_names[sort]);
    }
}

/* ---- Core modules and instances ---- */

static wh_rc copy_core_items(cm__ctx *x, const wm_module_t *m, bool imports, cm__coreitem **out,
                             uint32_t *out_n)
{
    uint32_t n = imports ? wm_module_import_count(m) : wm_module_export_count(m);
    cm__coreitem *items = cm__alloc(x, sizeof *items * n);
    if (!items)
        return cm__nomem(x);
    for (uint32_t i = 0; i < n; i++) {
        wm_externdesc_t d;
        if (!(imports ? wm_module_import(m, i, &d) : wm_module_export(m, i, &d)))
            return cm__nomem(x);
        char *name = wh_arena_alloc(&x->c->arena, d.name_len + 1);
        char *mod = imports ? wh_arena_alloc(&x->c->arena, d.module_len + 1) : NULL;
        if (!name || (imports && !mod))
            return cm__nomem(x);
        memcpy(name, d.name, d.name_len);
        name[d.name_len] = 0;
        if (mod) {
            memcpy(mod, d.module, d.module_len);
            mod[d.module_len] = 0;
        }
        items[i] = (cm__coreitem){.module = mod,
                                  .name = name,
                                  .kind = d.kind,
                                  .func = d.kind == WM_EXTERN_FUNC ? d.type.func : NULL};
        if (d.kind == WM_EXTERN_TABLE)
            items[i].t.table = d.type.table;
        else if (d.kind == WM_EXTERN_MEMORY)
            items[i].t.memory = d.type.memory;
        else if (d.kind == WM_EXTERN_GLOBAL)
            items[i].t.global = d.type.global;
    }
    *out = items;
    *out_n = n;
    return WH_OK;
}

static wh_rc section_core_module(cm__ctx *x, cm__rd *r, cm__scope *s)
{
    uint32_t off = cm__off(r);
    wm_module_t *m = NULL;
    wh_err_t merr;
    wh_rc rc = wm_module_load(r->p, (size_t)(r->end - r->p), NULL, &m, &merr);
    if (rc) {
        if (rc == WH_NOMEM)
            return cm__nomem(x);
        return cm__fail(x, rc, off + (merr.offset > 0 ? (uint32_t)merr.offset : 0),
                        "core module %u: %s", s->modules.len, merr.msg);
    }
    if (!wh_vec_push(&x->modules, m)) {
        wm_module_free(m);
        return cm__nomem(x);
    }
    r->p = r->end;
    cm__modtype *mt = cm__alloc(x, sizeof *mt);
    if (!mt)
        return cm__nomem(x);
    TRY(copy_core_items(x, m, true, &mt->imports, &mt->nimports));
    TRY(copy_core_items(x, m, false, &mt->exports, &mt->nexports));
    /* core wasm allows two imports of one name; a component does not */
    cm__nameset inames = {0};
    rc = WH_OK;
    for (uint32_t i = 0; i < mt->nimports && !rc; i++)
        rc = cm__core_import_name(x, &inames, mt->imports[i].module, mt->imports[i].name, off);
    cm__nameset_free(&inames);
    TRY(rc);
    cm__def d = {.op = CM__CORE_MODULE,
                 .sort = CM_SORT_CORE_MODULE,
                 .index = s->modules.len,
                 .offset = off,
                 .u.module = x->modules.len - 1};
    if (!wh_vec_push(&s->modules, mt) || !wh_vec_push(&s->module_ids, x->modules.len - 1))
        return cm__nomem(x);
    return push_def(x, s, &d);
}

static const cm__coreitem *find_core(const cm__coreinst *ci, const char *name)
{
    for (uint32_t i = 0; i < ci->n; i++)
        if (!strcmp(ci->exports[i].name, name))
            return &ci->exports[i];
    return NULL;
}

static const char *core_kind_name(uint8_t k)
{
    static const char *const names[] = {"func", "table", "memory", "global"};
    return k < 4 ? names[k] : "?";
}

/* Binary.md core:instance 0x00: instantiate a module, every import supplied
 * by the `with` instance named by its module name. */
static wh_rc core_instantiate(cm__ctx *x, cm__rd *r, cm__scope *s, uint32_t off, cm__def *d)
{
    uint32_t midx, n;
    TRY(cm__u32(x, r, &midx));
    TRY(check_index(x, s, CM_SORT_CORE_MODULE, midx, off));
    TRY(cm__count(x, r, 3, &n));
    cm__named *args = cm__alloc(x, sizeof *args * n);
    if (!args)
        return cm__nomem(x);
    cm__nameset seen = {0};
    wh_rc rc = WH_OK;
    for (uint32_t i = 0; i < n && !rc; i++) {
        uint32_t aoff = cm__off(r);
        uint8_t b;
        bool dup;
        if ((rc = cm__name(x, r, &args[i].name)) || (rc = cm__u8(x, r, &b)))
            break;
        if (b != 0x12) {
            rc = cm__fail(x, WH_MALFORMED, aoff, "core instantiate argument must be an instance");
            break;
        }
        args[i].sort = CM_SORT_CORE_INSTANCE;
        if ((rc = cm__u32(x, r, &args[i].index)) ||
            (rc = check_index(x, s, CM_SORT_CORE_INSTANCE, args[i].index, aoff)) ||
            (rc = cm__nameset_add_mode(x, &seen, args[i].name, true, &dup)))
            break;
        if (dup)
            rc = cm__fail(x, WH_INVALID, aoff, "duplicate core instantiate argument `%s`",
                          args[i].name);
    }
    cm__nameset_free(&seen);
    if (rc)
        return rc;
    const cm__modtype *mt = s->modules.data[midx];
    for (uint32_t i = 0; i < mt->nimports; i++) {
        const cm__coreitem *im = &mt->imports[i];
        const cm__named *a = NULL;
        for (uint32_t k = 0; k < n && !a; k++)
            if (!strcmp(args[k].name, im->module))
                a = &args[k];
        if (!a)
            return cm__fail(x, WH_INVALID, off,
                            "core module %u: missing argument `%s` for import %s.%s", midx,
                            im->module, im->module, im->name);
        const cm__coreitem *e = find_core(s->coreinsts.data[a->index], im->name);
        if (!e)
            return cm__fail(x, WH_INVALID, off,
                            "core module %u: import %s.%s: core instance %u has no such export",
                            midx, im->module, im->name, a->index);
        char why[160];
        if (!cm__core_item_matches(e, im, why, sizeof why))
            return cm__fail(x, WH_INVALID, off,
                            "core module %u: import %s.%s: incompatible import type (%s): %s", midx,
                            im->module, im->name, core_kind_name(im->kind), why);
    }
    cm__coreinst *ci = cm__alloc(x, sizeof *ci);
    if (!ci)
        return cm__nomem(x);
    ci->n = mt->nexports;
    ci->exports = mt->exports;
    if (!wh_vec_push(&s->coreinsts, ci))
        return cm__nomem(x);
    d->op = CM__CORE_INSTANTIATE;
    d->u.inst.of = midx;
    d->u.inst.nargs = n;
    d->u.inst.args = args;
    return WH_OK;
}

static wh_rc core_inline(cm__ctx *x, cm__rd *r, cm__scope *s, cm__def *d)
{
    static const uint8_t kinds[] = {[CM_SORT_CORE_FUNC] = WM_EXTERN_FUNC,
                                    [CM_SORT_CORE_TABLE] = WM_EXTERN_TABLE,
                                    [CM_SORT_CORE_MEMORY] = WM_EXTERN_MEMORY,
                                    [CM_SORT_CORE_GLOBAL] = WM_EXTERN_GLOBAL};
    uint32_t n;
    TRY(cm__count(x, r, 3, &n));
    cm__named *args = cm__alloc(x, sizeof *args * n);
    cm__coreinst *ci = cm__alloc(x, sizeof *ci);
    cm__coreitem *items = cm__alloc(x, sizeof *items * n);
    if (!args || !ci || !items)
        return cm__nomem(x);
    cm__nameset seen = {0};
    wh_rc rc = WH_OK;
    for (uint32_t i = 0; i < n && !rc; i++) {
        uint32_t eoff = cm__off(r);
        uint8_t b;
        bool dup;
        if ((rc = cm__name(x, r, &args[i].name)) || (rc = cm__u8(x, r, &b)))
            break;
        if (b > 0x03) {
            rc = cm__fail(x, b == 0x04 ? WH_UNSUPPORTED : WH_INVALID, eoff,
                          b == 0x04 ? "core tag export" : "core inline export of sort 0x%02x", b);
            break;
        }
        args[i].sort = (uint8_t)(CM_SORT_CORE_FUNC + b);
        if ((rc = cm__u32(x, r, &args[i].index)) ||
            (rc = check_index(x, s, args[i].sort, args[i].index, eoff)) ||
            (rc = cm__nameset_add_mode(x, &seen, args[i].name, true, &dup)))
            break;
        if (dup)
            rc = cm__fail(x, WH_INVALID, eoff, "duplicate export name `%s`", args[i].name);
        items[i] = (cm__coreitem){
            .name = args[i].name,
            .kind = kinds[args[i].sort],
            .func = args[i].sort == CM_SORT_CORE_FUNC ? s->corefuncs.data[args[i].index] : NULL};
        if (args[i].sort == CM_SORT_CORE_TABLE)
            items[i].t = s->coretables.data[args[i].index].t;
        else if (args[i].sort == CM_SORT_CORE_MEMORY)
            items[i].t = s->coremems.data[args[i].index].t;
        else if (args[i].sort == CM_SORT_CORE_GLOBAL)
            items[i].t = s->coreglobals.data[args[i].index].t;
    }
    cm__nameset_free(&seen);
    if (rc)
        return rc;
    ci->n = n;
    ci->exports = items;
    if (!wh_vec_push(&s->coreinsts, ci))
        return cm__nomem(x);
    d->op = CM__CORE_INLINE;
    d->u.inst.of = CM_NONE;
    d->u.inst.nargs = n;
    d->u.inst.args = args;
    return WH_OK;
}

static wh_rc section_core_instances(cm__ctx *x, cm__rd *r, cm__scope *s)
{
    uint32_t n;
    TRY(cm__count(x, r, 2, &n));
    for (uint32_t i = 0; i < n; i++) {
        uint32_t off = cm__off(r);
        uint8_t tag = 0;
        cm__def d = {.sort = CM_SORT_CORE_INSTANCE, .index = s->coreinsts.len, .offset = off};
        TRY(cm__u8(x, r, &tag));
        if (tag == 0x00)
            TRY(core_instantiate(x, r, s, off, &d));
        else if (tag == 0x01)
            TRY(core_inline(x, r, s, &d));
        else
            return cm__fail(x, WH_MALFORMED, off, "unknown core instance kind 0x%02x", tag);
        TRY(push_def(x, s, &d));
    }
    return WH_OK;
}

/* ---- Component instances ---- */

/* The resources an import declares, mapped to those the argument gives,
 * with the names (cm__decl.vis) they have on either side. */
static bool map_resources(cm__subst *sb, const cm__decl *im, const cm__decl *given)
{
    if (im->desc.kind == CM_EXTERN_TYPE) {
        if (im->desc.resource && given->desc.resource)
            return cm__subst_resource(sb, im->desc.resource, given->desc.resource) &&
                   cm__subst_vis(sb, im->vis, given->vis);
        return true;
    }
    if (im->desc.kind != CM_EXTERN_INSTANCE || !im->desc.instance || !given->desc.instance)
        return true;
    const cm_instancetype_t *want = im->desc.instance, *have = given->desc.instance;
    for (uint32_t i = 0; i < want->n; i++) {
        const cm__decl *w = &want->exports[i];
        if (w->desc.kind != CM_EXTERN_TYPE || !w->desc.resource)
            continue;
        for (uint32_t k = 0; k < have->n; k++)
            if (have->exports[k].desc.resource && !strcmp(have->exports[k].name, w->name) &&
                (!cm__subst_resource(sb, w->desc.resource, have->exports[k].desc.resource) ||
                 !cm__subst_vis(sb, w->vis, have->exports[k].vis)))
                return false;
    }
    return true;
}

/* The value types an import declares (eq), mapped to those the argument
 * gives once they are known to be equal, so that the instance's exports
 * refer to the argument's types (and to the names they have here). */
static bool map_values(cm__subst *sb, const cm__decl *im, const cm__decl *given)
{
    if (im->desc.kind == CM_EXTERN_TYPE)
        return cm__subst_value(sb, im->desc.type, given->desc.type);
    if (im->desc.kind != CM_EXTERN_INSTANCE || !im->desc.instance || !given->desc.instance)
        return true;
    const cm_instancetype_t *want = im->desc.instance, *have = given->desc.instance;
    for (uint32_t i = 0; i < want->n; i++) {
        const cm__decl *w = &want->exports[i];
        if (w->desc.kind != CM_EXTERN_TYPE || !w->desc.type)
            continue;
        for (uint32_t k = 0; k < have->n; k++)
            if (have->exports[k].desc.type && !strcmp(have->exports[k].name, w->name) &&
                !cm__subst_value(sb, w->desc.type, have->exports[k].desc.type))
                return false;
    }
    return true;
}

static wh_rc instantiate(cm__ctx *x, cm__rd *r, cm__scope *s, uint32_t off, cm__def *d)
{
    uint32_t cidx, n;
    TRY(cm__u32(x, r, &cidx));
    TRY(check_index(x, s, CM_SORT_COMPONENT, cidx, off));
    TRY(cm__count(x, r, 3, &n));
    cm__named *args = cm__alloc(x, sizeof *args * n);
    if (!args)
        return cm__nomem(x);
    cm__nameset seen = {0};
    wh_rc rc = WH_OK;
    for (uint32_t i = 0; i < n && !rc; i++) {
        uint32_t aoff = cm__off(r);
        bool dup;
        if ((rc = cm__name(x, r, &args[i].name)) || (rc = cm__read_sort(x, r, &args[i].sort)) ||
            (rc = cm__u32(x, r, &args[i].index)) ||
            (rc = check_index(x, s, args[i].sort, args[i].index, aoff)) ||
            (rc = cm__nameset_add(x, &seen, args[i].name, &dup)))
            break;
        if (dup)
            rc = cm__fail(x, WH_INVALID, aoff, "duplicate instantiate argument `%s`", args[i].name);
    }
    cm__nameset_free(&seen);
    if (rc)
        return rc;
    /* Every import of the component must be supplied, by an item of the
     * same kind (Binary.md instantiate). Types are compared by kind only;
     * the resource types supplied replace the imported ones in the
     * instance's exports, and the ones the component makes itself are
     * fresh for this instance (Explainer.md: resource types are
     * generative). */
    const cm__comptype *ct = s->components.data[cidx];
    cm__subst *sb = cm__subst_new(x);
    if (!sb)
        return cm__nomem(x);
    for (uint32_t i = 0; i < ct->nimports && !rc; i++) {
        const cm__decl *im = &ct->imports[i];
        const cm__named *a = NULL;
        for (uint32_t k = 0; k < n && !a; k++)
            if (!strcmp(args[k].name, im->name))
                a = &args[k];
        if (!a) {
            rc = cm__fail(x, WH_INVALID, off, "component %u: missing import argument `%s`", cidx,
                          im->name);
            break;
        }
        cm__decl given;
        if ((rc = item_decl(x, s, a->sort, a->index, a->name, off, &given)))
            break;
        if (given.other) {
            rc = cm__fail(x, WH_UNSUPPORTED, off,
                          "a function, component or instance type as instantiation argument");
            break;
        }
        if (given.desc.kind != im->desc.kind) {
            rc = cm__fail(x, WH_INVALID, off,
                          "component %u: import `%s` is a %s, but a %s was given", cidx, im->name,
                          cm__kind_name(im->desc.kind), cm__kind_name(given.desc.kind));
            break;
        }
        char why[200];
        if (im->desc.kind == CM_EXTERN_MODULE && im->module && given.module &&
            !cm__modtype_matches(given.module, im->module, why, sizeof why)) {
            rc = cm__fail(x, WH_INVALID, off, "component %u: import `%s`: %s", cidx, im->name, why);
            break;
        }
        if (!map_resources(sb, im, &given)) {
            rc = cm__nomem(x);
            break;
        }
        bool fits;
        if ((rc = cm__subst_check(sb, im, &given, why, sizeof why, &fits)))
            break;
        if (!fits)
            rc = cm__fail(x, WH_INVALID, off, "component %u: import `%s`: %s", cidx, im->name, why);
        else if (!map_values(sb, im, &given))
            rc = cm__nomem(x);
    }
    const cm_instancetype_t *exports = NULL;
    cm_instancetype_t all = {.n = ct->nexports, .exports = ct->exports};
    if (!rc)
        rc = cm__subst_fresh(sb, ct);
    if (!rc)
        rc = cm__subst_instance(sb, &all, &exports);
    cm__subst_free(sb);
    if (rc)
        return rc;
    cm_instancetype_t *it = cm__alloc(x, sizeof *it);
    if (!it)
        return cm__nomem(x);
    *it = *exports;
    if (!wh_vec_push(&s->instances, it))
        return cm__nomem(x);
    d->op = CM__INSTANTIATE;
    d->u.inst.of = cidx;
    d->u.inst.nargs = n;
    d->u.inst.args = args;
    return WH_OK;
}

static wh_rc inline_instance(cm__ctx *x, cm__rd *r, cm__scope *s, cm__def *d)
{
    uint32_t n;
    TRY(cm__count(x, r, 4, &n));
    cm__named *args = cm__alloc(x, sizeof *args * n);
    cm__decl *decls = cm__alloc(x, sizeof *decls * n);
    cm_instancetype_t *it = cm__alloc(x, sizeof *it);
    const cm__scope none = {.kind = CM__SC_INSTTYPE};
    if (!args || !decls || !it)
        return cm__nomem(x);
    cm__nameset seen = {0};
    wh_rc rc = WH_OK;
    for (uint32_t i = 0; i < n && !rc; i++) {
        uint32_t eoff = cm__off(r);
        const char *impl;
        bool dup;
        if ((rc = cm__externname(x, r, false, &args[i].name, &impl)) ||
            (rc = cm__read_sort(x, r, &args[i].sort)) || (rc = cm__u32(x, r, &args[i].index)) ||
            (rc = item_decl(x, s, args[i].sort, args[i].index, args[i].name, eoff, &decls[i])) ||
            (rc = cm__check_implements(x, args[i].name, impl, decls[i].desc.kind, eoff)) ||
            (rc = cm__nameset_add(x, &seen, args[i].name, &dup)))
            break;
        if (dup)
            rc = cm__fail(x, WH_INVALID, eoff, "duplicate export name `%s`", args[i].name);
        else if (decls[i].other)
            rc = cm__fail(x, WH_UNSUPPORTED, eoff,
                          "export of a function, component or instance type from an instance");
        else if (decls[i].desc.resource)
            cm__name_resource(x, decls[i].desc.resource, args[i].name, CM__SC_COMPONENT);
        /* a bag of exports gives no resource a name: an annotated function
         * name in it has nothing to refer to */
        if (!rc)
            rc = cm__check_annotated(x, &none, &decls[i], false, eoff);
    }
    cm__nameset_free(&seen);
    if (rc)
        return rc;
    it->n = n;
    it->exports = decls;
    if (!wh_vec_push(&s->instances, it))
        return cm__nomem(x);
    d->op = CM__INLINE;
    d->u.inst.of = CM_NONE;
    d->u.inst.nargs = n;
    d->u.inst.args = args;
    return WH_OK;
}

static wh_rc section_instances(cm__ctx *x, cm__rd *r, cm__scope *s)
{
    uint32_t n;
    TRY(cm__count(x, r, 2, &n));
    for (uint32_t i = 0; i < n; i++) {
        uint32_t off = cm__off(r);
        uint8_t tag = 0;
        cm__def d = {.sort = CM_SORT_INSTANCE, .index = s->instances.len, .offset = off};
        TRY(cm__u8(x, r, &tag));
        if (tag == 0x00)
            TRY(instantiate(x, r, s, off, &d));
        else if (tag == 0x01)
            TRY(inline_instance(x, r, s, &d));
        else
            return cm__fail(x, WH_MALFORMED, off, "unknown instance kind 0x%02x", tag);
        TRY(push_def(x, s, &d));
    }
    return WH_OK;
}

/* ---- Canonical definitions ---- */

/* Binary.md canon: the builtins we do not run, by opcode. */
static const char *canon_builtin_name(uint8_t op)
{
    static const struct {
        uint8_t op;
        const char *name;
    } names[] = {
        {0x05, "task.cancel"},
        {0x06, "subtask.cancel"},
        {0x07, "resource.drop async"},
        {0x08, "backpressure.set"},
        {0x09, "task.return"},
        {0x0a, "context.get"},
        {0x0b, "context.set"},
        {0x0c, "thread.yield"},
        {0x0d, "subtask.drop"},
        {0x0e, "stream.new"},
        {0x0f, "stream.read"},
        {0x10, "stream.write"},
        {0x11, "stream.cancel-read"},
        {0x12, "stream.cancel-write"},
        {0x13, "stream.drop-readable"},
        {0x14, "stream.drop-writable"},
        {0x15, "future.new"},
        {0x16, "future.read"},
        {0x17, "future.write"},
        {0x18, "future.cancel-read"},
        {0x19, "future.cancel-write"},
        {0x1a, "future.drop-readable"},
        {0x1b, "future.drop-writable"},
        {0x1c, "error-context.new"},
        {0x1d, "error-context.debug-message"},
        {0x1e, "error-context.drop"},
        {0x1f, "waitable-set.new"},
        {0x20, "waitable-set.wait"},
        {0x21, "waitable-set.poll"},
        {0x22, "waitable-set.drop"},
        {0x23, "waitable.join"},
        {0x24, "backpressure.inc"},
        {0x25, "backpressure.dec"},
        {0x26, "thread.index"},
        {0x27, "thread.new-indirect"},
        {0x28, "thread.resume-later"},
        {0x29, "thread.suspend"},
        {0x2a, "thread.suspend-then-resume"},
        {0x2b, "thread.yield-then-resume"},
        {0x2c, "thread.suspend-then-promote"},
        {0x2d, "thread.yield-then-promote"},
        {0x40, "thread.spawn-ref"},
        {0x41, "thread.spawn-indirect"},
        {0x42, "thread.available-parallelism"},
    };
    for (size_t i = 0; i < WH_ARRAY_LEN(names); i++)
        if (names[i].op == op)
            return names[i].name;
    return NULL;
}

static wh_rc read_opts(cm__ctx *x, cm__rd *r, cm__scope *s, const char *what, cm__opts *o)
{
    uint32_t n;
    unsigned seen = 0;
    *o = (cm__opts){
        .encoding = CM_UTF8, .memory = CM_NONE, .realloc = CM_NONE, .post_return = CM_NONE};
    TRY(cm__count(x, r, 1, &n));
    for (uint32_t i = 0; i < n; i++) {
        uint32_t off = cm__off(r), idx;
        uint8_t op;
        TRY(cm__u8(x, r, &op));
        if (op > 0x07)
            return cm__fail(x, WH_MALFORMED, off, "unknown canonical option 0x%02x", op);
        unsigned bit = op <= 0x02 ? 1u : 1u << op;
        if (op == 0x06 || op == 0x07)
            return cm__fail(x, WH_UNSUPPORTED, off, "canonical option `%s` of %s",
                            op == 0x06 ? "async" : "callback", what);
        if (seen & bit)
            return cm__fail(x, WH_INVALID, off, "canonical option given twice in %s", what);
        seen |= bit;
        switch (op) {
        case 0x00:
        case 0x01:
        case 0x02:
            o->encoding = op == 0x00 ? CM_UTF8 : op == 0x01 ? CM_UTF16 : CM_LATIN1_UTF16;
            break;
        case 0x03:
            TRY(cm__u32(x, r, &idx));
            TRY(check_index(x, s, CM_SORT_CORE_MEMORY, idx, off));
            o->memory = idx;
            break;
        default: {
            static const uint8_t i32x4[] = {WM_I32, WM_I32, WM_I32, WM_I32};
            static const wm_functype_t realloc_type = {4, 1, i32x4, i32x4};
            TRY(cm__u32(x, r, &idx));
            TRY(check_index(x, s, CM_SORT_CORE_FUNC, idx, off));
            if (op == 0x04) {
                if (!wm_functype_eq(s->corefuncs.data[idx], &realloc_type))
                    return cm__fail(
                        x, WH_INVALID, off,
                        "realloc (core func %u) must have type [i32 i32 i32 i32] -> [i32]", idx);
                o->realloc = idx;
            } else {
                o->post_return = idx;
            }
        }
        }
    }
    return WH_OK;
}

/* CanonicalABI.md canonopt validation: what a lift or lower of ft needs. */
static wh_rc check_opts(cm__ctx *x, const cm__opts *o, const cm_functype_t *ft, bool lower,
                        uint32_t off, const char *what)
{
    bool params_mem = false;
    uint64_t nflat = 0;
    for (uint32_t i = 0; i < ft->nparams; i++) {
        params_mem |= cm__has_memory_type(ft->params[i]);
        nflat += ft->params[i]->nflat;
    }
    bool result_mem = cm__has_memory_type(ft->result);
    uint32_t nres = ft->result ? ft->result->nflat : 0;
    bool need_mem, need_realloc;
    if (lower) {
        need_mem =
            params_mem || result_mem || nflat > CM_MAX_FLAT_PARAMS || nres > CM_MAX_FLAT_RESULTS;
        need_realloc = result_mem;
    } else {
        need_realloc = params_mem || nflat > CM_MAX_FLAT_PARAMS;
        need_mem = need_realloc || result_mem || nres > CM_MAX_FLAT_RESULTS;
    }
    if (o->realloc != CM_NONE && o->memory == CM_NONE)
        return cm__fail(x, WH_INVALID, off, "%s: realloc requires a memory option", what);
    if (need_mem && o->memory == CM_NONE)
        return cm__fail(x, WH_INVALID, off, "%s: canonical option `memory` is required", what);
    if (need_realloc && o->realloc == CM_NONE)
        return cm__fail(x, WH_INVALID, off, "%s: canonical option `realloc` is required", what);
    return WH_OK;
}

static wh_rc canon_lift(cm__ctx *x, cm__rd *r, cm__scope *s, uint32_t off, cm__def *d)
{
    uint32_t f, t, toff;
    uint8_t b;
    TRY(cm__u8(x, r, &b));
    if (b != 0x00)
        return cm__fail(x, WH_MALFORMED, off, "canon lift: expected 0x00, got 0x%02x", b);
    TRY(cm__u32(x, r, &f));
    TRY(check_index(x, s, CM_SORT_CORE_FUNC, f, off));
    TRY(read_opts(x, r, s, "canon lift", &d->u.canon.opts));
    toff = cm__off(r);
    TRY(cm__u32(x, r, &t));
    TRY(check_index(x, s, CM_SORT_TYPE, t, toff));
    if (s->types.data[t].kind != CM__T_FUNC)
        return cm__fail(x, WH_INVALID, toff, "canon lift: type %u is not a function type", t);
    const cm_functype_t *ft = s->types.data[t].of.func;
    const wm_functype_t *flat;
    TRY(cm__flatten_functype(x, ft, false, &flat));
    if (!wm_functype_eq(flat, s->corefuncs.data[f]))
        return cm__fail(x, WH_INVALID, off,
                        "canon lift: core func %u does not have the flattened type of type %u", f,
                        t);
    TRY(check_opts(x, &d->u.canon.opts, ft, false, off, "canon lift"));
    if (d->u.canon.opts.post_return != CM_NONE) {
        const wm_functype_t want = {flat->nresults, 0, flat->results, NULL};
        if (!wm_functype_eq(s->corefuncs.data[d->u.canon.opts.post_return], &want))
            return cm__fail(x, WH_INVALID, off,
                            "canon lift: post-return (core func %u) must take the core results "
                            "and return nothing",
                            d->u.canon.opts.post_return);
    }
    d->op = CM__CANON_LIFT;
    d->sort = CM_SORT_FUNC;
    d->index = s->funcs.len;
    d->u.canon.func = f;
    d->u.canon.type = ft;
    return wh_vec_push(&s->funcs, ft) ? WH_OK : cm__nomem(x);
}

static wh_rc canon_lower(cm__ctx *x, cm__rd *r, cm__scope *s, uint32_t off, cm__def *d)
{
    uint32_t f;
    uint8_t b;
    TRY(cm__u8(x, r, &b));
    if (b != 0x00)
        return cm__fail(x, WH_MALFORMED, off, "canon lower: expected 0x00, got 0x%02x", b);
    TRY(cm__u32(x, r, &f));
    TRY(check_index(x, s, CM_SORT_FUNC, f, off));
    TRY(read_opts(x, r, s, "canon lower", &d->u.canon.opts));
    if (d->u.canon.opts.post_return != CM_NONE)
        return cm__fail(x, WH_INVALID, off, "canon lower: post-return is only allowed on lift");
    const cm_functype_t *ft = s->funcs.data[f];
    TRY(check_opts(x, &d->u.canon.opts, ft, true, off, "canon lower"));
    const wm_functype_t *flat;
    TRY(cm__flatten_functype(x, ft, true, &flat));
    d->op = CM__CANON_LOWER;
    d->sort = CM_SORT_CORE_FUNC;
    d->index = s->corefuncs.len;
    d->u.canon.func = f;
    d->u.canon.type = ft;
    return wh_vec_push(&s->corefuncs, flat) ? WH_OK : cm__nomem(x);
}

static wh_rc canon_resource(cm__ctx *x, cm__rd *r, cm__scope *s, uint8_t op, uint32_t off,
                            cm__def *d)
{
    static const uint8_t i32[] = {WM_I32};
    static const wm_functype_t to_i32 = {1, 1, i32, i32}, drop = {1, 0, i32, NULL};
    static const char *const names[] = {"resource.new", "resource.drop", "resource.rep"};
    const char *name = names[op - 2];
    uint32_t t;
    TRY(cm__u32(x, r, &t));
    TRY(check_index(x, s, CM_SORT_TYPE, t, off));
    if (s->types.data[t].kind != CM__T_RESOURCE)
        return cm__fail(x, WH_INVALID, off, "canon %s: type %u is not a resource type", name, t);
    const cm_resource_t *res = s->types.data[t].of.res;
    if (op != 0x03) {
        const cm__resdef *def = x->resdefs.data[res->id];
        if (!def || def->scope != s->comp)
            return cm__fail(x, WH_INVALID, off,
                            "canon %s: type %u is not a resource defined by this component", name,
                            t);
    }
    d->op = op == 0x02 ? CM__RESOURCE_NEW : op == 0x03 ? CM__RESOURCE_DROP : CM__RESOURCE_REP;
    d->sort = CM_SORT_CORE_FUNC;
    d->index = s->corefuncs.len;
    d->u.res = res;
    return wh_vec_push(&s->corefuncs, op == 0x03 ? &drop : &to_i32) ? WH_OK : cm__nomem(x);
}

static wh_rc section_canons(cm__ctx *x, cm__rd *r, cm__scope *s)
{
    uint32_t n;
    TRY(cm__count(x, r, 1, &n));
    for (uint32_t i = 0; i < n; i++) {
        uint32_t off = cm__off(r);
        uint8_t op;
        cm__def d = {.offset = off};
        TRY(cm__u8(x, r, &op));
        switch (op) {
        case 0x00:
            TRY(canon_lift(x, r, s, off, &d));
            break;
        case 0x01:
            TRY(canon_lower(x, r, s, off, &d));
            break;
        case 0x02:
        case 0x03:
        case 0x04:
            TRY(canon_resource(x, r, s, op, off, &d));
            break;
        default: {
            const char *name = canon_builtin_name(op);
            if (name)
                return cm__fail(x, WH_UNSUPPORTED, off, "canonical builtin `%s`", name);
            return cm__fail(x, WH_MALFORMED, off, "unknown canonical definition 0x%02x", op);
        }
        }
        TRY(push_def(x, s, &d));
    }
    return WH_OK;
}

/* ---- Imports and exports ---- */

static wh_rc section_imports(cm__ctx *x, cm__rd *r, cm__scope *s)
{
    uint32_t n;
    TRY(cm__count(x, r, 3, &n));
    for (uint32_t i = 0; i < n; i++) {
        uint32_t off = cm__off(r);
        cm__decl dcl = {0};
        const char *impl;
        bool dup;
        TRY(cm__externname(x, r, true, &dcl.name, &impl));
        TRY(cm__nameset_add(x, &s->import_names, dcl.name, &dup));
        if (dup)
            return cm__fail(x, WH_INVALID, off, "duplicate import name `%s`", dcl.name);
        TRY(cm__read_externtype(x, r, s, &dcl));
        TRY(cm__check_implements(x, dcl.name, impl, dcl.desc.kind, off));
        TRY(cm__check_annotated(x, s, &dcl, true, off));
        TRY(cm__vis_extern(x, s, &dcl, true, off));
        if (!s->outer)
            cm__mark_host(&dcl);
        uint8_t sort = dcl.desc.kind == CM_EXTERN_FUNC       ? CM_SORT_FUNC
                       : dcl.desc.kind == CM_EXTERN_INSTANCE ? CM_SORT_INSTANCE
                       : dcl.desc.kind == CM_EXTERN_TYPE     ? CM_SORT_TYPE
                       : dcl.desc.kind == CM_EXTERN_MODULE   ? CM_SORT_CORE_MODULE
                                                             : CM_SORT_COMPONENT;
        cm__def d = {.op = CM__IMPORT,
                     .sort = sort,
                     .index = space_len(s, sort),
                     .offset = off,
                     .u.import = s->imports.len};
        TRY(cm__add_decl_item(x, s, &dcl, off));
        if (!wh_vec_push(&s->imports, dcl))
            return cm__nomem(x);
        TRY(push_def(x, s, &d));
    }
    return WH_OK;
}

/* Is the item's type (have) a subtype of the type ascribed to its export
 * (asc)? The resource types asc declares stand for have's; an ascribed
 * instance type then refers to have's resources (a resource type
 * ascribed `(sub resource)` stays a type of its own). */
static wh_rc check_ascription(cm__ctx *x, cm__decl *asc, const cm__decl *have, uint32_t off)
{
    char why[200];
    bool ok = true;
    if (asc->desc.kind == CM_EXTERN_MODULE && asc->module && have->module &&
        !cm__modtype_matches(have->module, asc->module, why, sizeof why))
        return cm__fail(x, WH_INVALID, off,
                        "export `%s`: ascribed type of export is not compatible: %s", asc->name,
                        why);
    cm__subst *sb = cm__subst_new(x);
    wh_rc rc = sb ? WH_OK : cm__nomem(x);
    if (!rc && !map_resources(sb, asc, have))
        rc = cm__nomem(x);
    if (!rc)
        rc = cm__subst_check(sb, asc, have, why, sizeof why, &ok);
    if (!rc && ok && asc->desc.kind == CM_EXTERN_INSTANCE)
        rc = cm__subst_instance(sb, asc->desc.instance, &asc->desc.instance);
    cm__subst_free(sb);
    if (!rc && !ok)
        rc = cm__fail(x, WH_INVALID, off,
                      "export `%s`: ascribed type of export is not compatible: %s", asc->name, why);
    return rc;
}

static wh_rc section_exports(cm__ctx *x, cm__rd *r, cm__scope *s)
{
    uint32_t n;
    TRY(cm__count(x, r, 4, &n));
    for (uint32_t i = 0; i < n; i++) {
        uint32_t off = cm__off(r), ioff;
        const char *name;
        uint8_t sort, has_type;
        uint32_t idx;
        bool dup;
        cm__decl dcl;
        const char *impl;
        TRY(cm__externname(x, r, false, &name, &impl));
        TRY(cm__nameset_add(x, &s->export_names, name, &dup));
        if (dup)
            return cm__fail(x, WH_INVALID, off, "duplicate export name `%s`", name);
        ioff = cm__off(r);
        TRY(cm__read_sort(x, r, &sort));
        TRY(cm__u32(x, r, &idx));
        TRY(item_decl(x, s, sort, idx, name, ioff, &dcl));
        TRY(cm__check_implements(x, name, impl, dcl.desc.kind, off));
        uint32_t toff = cm__off(r);
        TRY(cm__u8(x, r, &has_type));
        if (has_type == 0x01) {
            /* An ascribed type replaces the inferred one, of which it must
             * be a supertype (Binary.md export): the check of an
             * instantiation argument against its import. */
            cm__decl asc = {.name = name};
            TRY(cm__read_externtype(x, r, s, &asc));
            if (asc.desc.kind != dcl.desc.kind)
                return cm__fail(x, WH_INVALID, toff, "export `%s`: a %s ascribed to a %s", name,
                                cm__kind_name(asc.desc.kind), cm__kind_name(dcl.desc.kind));
            if (asc.desc.kind == CM_EXTERN_TYPE && !asc.desc.resource != !dcl.desc.resource)
                return cm__fail(x, WH_INVALID, toff,
                                "export `%s`: a resource type and a value type do not match", name);
            TRY(check_ascription(x, &asc, &dcl, toff));
            dcl = asc;
        } else if (has_type != 0x00) {
            return cm__fail(x, WH_MALFORMED, toff, "expected 0x00 or 0x01, got 0x%02x", has_type);
        }
        if (dcl.desc.kind == CM_EXTERN_TYPE && has_type == 0x00) {
            /* the export is a new name of its own for the type (an
             * ascription made one already) */
            if (dcl.desc.resource) {
                if (!(dcl.vis = cm__new_vis(x)))
                    return cm__nomem(x);
            } else if (dcl.desc.type) {
                dcl.desc.type = dcl.eq = cm__created_type(x, dcl.desc.type, name);
                if (!dcl.desc.type)
                    return cm__nomem(x);
            }
        }
        if (dcl.desc.kind == CM_EXTERN_TYPE && dcl.desc.resource)
            cm__name_resource(x, dcl.desc.resource, name, CM__SC_COMPONENT);
        TRY(cm__check_annotated(x, s, &dcl, false, off));
        TRY(cm__vis_extern(x, s, &dcl, false, off));
        cm__def d = {.op = CM__EXPORT,
                     .sort = sort,
                     .index = space_len(s, sort),
                     .offset = off,
                     .u.export = s->cexports.len};
        if (sort == CM_SORT_CORE_MODULE) {
            if (!wh_vec_push(&s->modules, s->modules.data[idx]) ||
                !wh_vec_push(&s->module_ids, s->module_ids.data[idx]))
                return cm__nomem(x);
        } else {
            TRY(cm__add_decl_item(x, s, &dcl, off));
        }
        cm__export e = {.name = name, .sort = sort, .index = idx, .desc = dcl.desc};
        if (!wh_vec_push(&s->cexports, e) || !wh_vec_push(&s->exports, dcl))
            return cm__nomem(x);
        TRY(push_def(x, s, &d));
    }
    return WH_OK;
}

/* ---- Components ---- */

static wh_rc parse_component(cm__ctx *x, cm__rd *r, cm__scope *outer, cm__comp **out,
                             const cm__comptype **out_type);

static wh_rc section_component(cm__ctx *x, cm__rd *r, cm__scope *s)
{
    uint32_t off = cm__off(r);
    cm__comp *child;
    const cm__comptype *ct;
    if (x->depth >= CM__MAX_DEPTH)
        return cm__fail(x, WH_UNSUPPORTED, off, "components nested more than %u deep",
                        CM__MAX_DEPTH);
    x->depth++;
    wh_rc rc = parse_component(x, r, s, &child, &ct);
    x->depth--;
    if (rc)
        return rc;
    child->parent = s->comp;
    cm__def d = {.op = CM__COMPONENT,
                 .sort = CM_SORT_COMPONENT,
                 .index = s->components.len,
                 .offset = off,
                 .u.comp = child};
    if (!wh_vec_push(&s->components, ct))
        return cm__nomem(x);
    return push_def(x, s, &d);
}

static wh_rc read_section(cm__ctx *x, cm__rd *r, cm__scope *s, uint8_t id, uint32_t off)
{
    uint32_t n;
    switch (id) {
    case 0: {
        const char *name;
        TRY(cm__name(x, r, &name));
        r->p = r->end; /* custom sections, component-name included, do not affect validity */
        return WH_OK;
    }
    case 1:
        return section_core_module(x, r, s);
    case 2:
        return section_core_instances(x, r, s);
    case 3:
        TRY(cm__count(x, r, 2, &n));
        for (uint32_t i = 0; i < n; i++)
            TRY(cm__read_core_type(x, r, s));
        return WH_OK;
    case 4:
        return section_component(x, r, s);
    case 5:
        return section_instances(x, r, s);
    case 6:
        TRY(cm__count(x, r, 4, &n));
        for (uint32_t i = 0; i < n; i++) {
            cm__def d;
            uint8_t sort;
            TRY(cm__read_alias(x, r, s, &d));
            sort = d.sort;
            d.index = space_len(s, sort) - 1;
            TRY(push_def(x, s, &d));
        }
        return WH_OK;
    case 7:
        TRY(cm__count(x, r, 1, &n));
        for (uint32_t i = 0; i < n; i++) {
            cm__def d = {.offset = cm__off(r)};
            TRY(cm__read_type(x, r, s, &d));
            TRY(push_def(x, s, &d));
        }
        return WH_OK;
    case 8:
        return section_canons(x, r, s);
    case 9:
        return cm__fail(x, WH_UNSUPPORTED, off, "start section (component start functions)");
    case 10:
        return section_imports(x, r, s);
    case 11:
        return section_exports(x, r, s);
    case 12:
        return cm__fail(x, WH_UNSUPPORTED, off, "value section");
    default:
        return cm__fail(x, WH_MALFORMED, off, "unknown section id %u", id);
    }
}

static wh_rc check_preamble(cm__ctx *x, cm__rd *r)
{
    static const uint8_t magic[4] = {0x00, 0x61, 0x73, 0x6d};
    uint32_t off = cm__off(r);
    if (r->end - r->p < 8 || memcmp(r->p, magic, 4) != 0)
        return cm__fail(x, WH_MALFORMED, off, "magic header not detected");
    const uint8_t *v = r->p + 4;
    /* Binary.md: the preamble is exactly this; anything else is not a
     * component of this format (malformed), a core module included */
    if (v[2] == 0x00 && v[3] == 0x00)
        return cm__fail(x, WH_MALFORMED, off,
                        "this is a core module, not a component (expected a version header for "
                        "a component)");
    if (v[2] != 0x01 || v[3] != 0x00)
        return cm__fail(x, WH_MALFORMED, off + 6, "unknown binary layer 0x%02x%02x", v[3], v[2]);
    if (v[0] != 0x0d || v[1] != 0x00)
        return cm__fail(x, WH_MALFORMED, off + 4,
                        "unknown binary version 0x%02x%02x (only 0x000d is a component)", v[1],
                        v[0]);
    r->p += 8;
    return WH_OK;
}

static wh_rc finish_comp(cm__ctx *x, cm__scope *s, cm__comp *comp, uint32_t res_lo,
                         const cm__comptype **out_type)
{
    comp->ndefs = s->defs.len;
    comp->defs = cm__dup(x, s->defs.data, sizeof(cm__def) * s->defs.len);
    comp->nimports = s->imports.len;
    comp->imports = cm__dup(x, s->imports.data, sizeof(cm__decl) * s->imports.len);
    comp->nexports = s->cexports.len;
    comp->exports = cm__dup(x, s->cexports.data, sizeof(cm__export) * s->cexports.len);
    comp->types = cm__dup(x, s->types.data, sizeof(cm__typedef) * s->types.len);
    comp->module_ids = cm__dup(x, s->module_ids.data, sizeof(uint32_t) * s->module_ids.len);
    cm__decl *exdecls = cm__dup(x, s->exports.data, sizeof(cm__decl) * s->exports.len);
    cm__comptype *ct = cm__alloc(x, sizeof *ct);
    if (!comp->defs || !comp->imports || !comp->exports || !comp->types || !comp->module_ids ||
        !exdecls || !ct)
        return cm__nomem(x);
    for (int sort = 0; sort < CM_NSORTS; sort++)
        comp->count[sort] = space_len(s, (uint8_t)sort);
    *ct = (cm__comptype){.nimports = comp->nimports,
                         .nexports = s->exports.len,
                         .imports = comp->imports,
                         .exports = exdecls,
                         .res_lo = res_lo,
                         .res_hi = x->c->nresources};
    *out_type = ct;
    return WH_OK;
}

static wh_rc parse_component(cm__ctx *x, cm__rd *r, cm__scope *outer, cm__comp **out,
                             const cm__comptype **out_type)
{
    cm__comp *comp = cm__alloc(x, sizeof *comp);
    if (!comp)
        return cm__nomem(x);
    cm__scope s = {.outer = outer, .kind = CM__SC_COMPONENT, .comp = comp};
    uint32_t res_lo = x->c->nresources;
    wh_rc rc = check_preamble(x, r);
    while (!rc && r->p < r->end) {
        uint32_t off = cm__off(r), size;
        uint8_t id;
        if ((rc = cm__u8(x, r, &id)) || (rc = cm__u32(x, r, &size)))
            break;
        if (size > (size_t)(r->end - r->p)) {
            rc = cm__fail(x, WH_MALFORMED, off, "section %u of %u bytes runs past the end", id,
                          size);
            break;
        }
        cm__rd sr = {.start = r->start, .p = r->p, .end = r->p + size};
        if ((rc = read_section(x, &sr, &s, id, off)))
            break;
        if (sr.p != sr.end) {
            rc = cm__fail(x, WH_MALFORMED, cm__off(&sr), "section size mismatch (section %u)", id);
            break;
        }
        r->p = sr.end;
    }
    if (!rc)
        rc = finish_comp(x, &s, comp, res_lo, out_type);
    cm__scope_free(&s);
    *out = rc ? NULL : comp;
    return rc;
}

wh_rc cm__parse(cm_component_t *c, const uint8_t *bytes, size_t len, wh_err_t *err)
{
    if (len > UINT32_MAX)
        return wh_err(err, WH_UNSUPPORTED, -1, "component larger than 4 GiB");
    cm__ctx x = {.c = c, .err = err};
    cm__rd r = {.start = bytes, .p = bytes, .end = bytes + len};
    const cm__comptype *ct;
    wh_rc rc = parse_component(&x, &r, NULL, &c->root, &ct);
    /* The loaded core modules belong to c whether or not parsing succeeded,
     * so that cm_component_free releases them either way. */
    c->modules = x.modules.data;
    c->nmodules = x.modules.len;
    wh_vec_free(&x.resdefs);
    wh_vec_free(&x.name_rank);
    return rc;
}
