/*
 * cm_parse_comptypes.c — the type section's entries (Binary.md deftype):
 * value and function types are read by cm_parse_valtypes.c, component and
 * instance types here, each with its own scope of declarations (imports,
 * exports, types, aliases), and the extern types those declarations give.
 */
#include "cm_parse.h"

#include <stdio.h>
#include <string.h>

/* The scope ct levels out from s (0: s itself), or NULL. */
cm__scope *cm__outer_scope(cm__scope *s, uint32_t ct)
{
    while (s && ct--)
        s = s->outer;
    return s;
}

/* ---- Extern types and declarations ---- */

wh_rc cm__read_externtype(cm__ctx *x, cm__rd *r, cm__scope *s, cm__decl *d)
{
    uint32_t off = cm__off(r), idx;
    uint8_t kind, b;
    const cm__typedef *td = NULL;
    d->desc.name = d->name;
    TRY(cm__u8(x, r, &kind));
    switch (kind) {
    case 0x00:
        TRY(cm__u8(x, r, &b));
        if (b != 0x11)
            return cm__fail(x, WH_MALFORMED, off, "malformed core module extern type");
        TRY(cm__u32(x, r, &idx));
        if (idx >= s->coretypes.len)
            return cm__fail(x, WH_INVALID, off, "unknown core type %u", idx);
        if (!s->coretypes.data[idx].is_module)
            return cm__fail(x, WH_INVALID, off, "core type %u is not a module type", idx);
        d->desc.kind = CM_EXTERN_MODULE;
        d->module = s->coretypes.data[idx].module;
        return WH_OK;
    case 0x01:
    case 0x04:
    case 0x05: {
        static const uint8_t want[] = {
            [0x01] = CM__T_FUNC, [0x04] = CM__T_COMPONENT, [0x05] = CM__T_INSTANCE};
        static const char *const what[] = {
            [0x01] = "function", [0x04] = "component", [0x05] = "instance"};
        uint32_t ioff = cm__off(r);
        TRY(cm__u32(x, r, &idx));
        TRY(cm__type_at(x, s, idx, ioff, &td));
        if (td->kind != want[kind])
            return cm__fail(x, WH_INVALID, ioff, "type %u is not a %s type", idx, what[kind]);
        if (kind == 0x01) {
            d->desc.kind = CM_EXTERN_FUNC;
            d->desc.func = td->of.func;
        } else if (kind == 0x04) {
            d->desc.kind = CM_EXTERN_COMPONENT;
            d->component = td->of.comp;
        } else {
            /* Explainer.md: each import or export of an instance type has
             * resource types of its own */
            d->desc.kind = CM_EXTERN_INSTANCE;
            TRY(cm__subst_fresh_instance(x, td->of.inst, &d->desc.instance));
        }
        return WH_OK;
    }
    case 0x02:
        return cm__fail(x, WH_UNSUPPORTED, off, "value import or export");
    case 0x03:
        d->desc.kind = CM_EXTERN_TYPE;
        TRY(cm__u8(x, r, &b));
        if (b == 0x01) {
            d->desc.resource = cm__new_resource(x, NULL, NULL);
            d->vis = cm__new_vis(x);
            if (!d->desc.resource || !d->vis)
                return cm__nomem(x);
            cm__name_resource(x, d->desc.resource, d->name, s->kind);
            return WH_OK;
        }
        if (b != 0x00)
            return cm__fail(x, WH_MALFORMED, off, "unknown type bound 0x%02x", b);
        {
            uint32_t ioff = cm__off(r);
            TRY(cm__u32(x, r, &idx));
            TRY(cm__type_at(x, s, idx, ioff, &td));
            if (td->kind == CM__T_RESOURCE) {
                d->desc.resource = td->of.res;
                if (!(d->vis = cm__new_vis(x)))
                    return cm__nomem(x);
                cm__name_resource(x, td->of.res, d->name, s->kind);
            } else if (td->kind == CM__T_VAL) {
                d->eq = d->desc.type = cm__created_type(x, td->of.val, d->name);
                if (!d->eq)
                    return cm__nomem(x);
            } else {
                /* refused by cm__vis_extern, after the visibility check */
                d->other = td->kind == CM__T_FUNC       ? (const void *)td->of.func
                           : td->kind == CM__T_INSTANCE ? (const void *)td->of.inst
                                                        : (const void *)td->of.comp;
                d->other_kind = td->kind;
            }
        }
        return WH_OK;
    default:
        return cm__fail(x, WH_MALFORMED, off, "unknown extern kind 0x%02x", kind);
    }
}

wh_rc cm__add_decl_item(cm__ctx *x, cm__scope *s, const cm__decl *d, uint32_t off)
{
    bool ok = true;
    switch (d->desc.kind) {
    case CM_EXTERN_FUNC:
        ok = wh_vec_push(&s->funcs, d->desc.func);
        break;
    case CM_EXTERN_INSTANCE:
        ok = wh_vec_push(&s->instances, d->desc.instance);
        break;
    case CM_EXTERN_COMPONENT:
        ok = wh_vec_push(&s->components, d->component);
        break;
    case CM_EXTERN_TYPE: {
        cm__typedef td = {0};
        if (d->desc.resource) {
            td.kind = CM__T_RESOURCE;
            td.of.res = d->desc.resource;
            td.vis = d->vis;
        } else {
            td.kind = CM__T_VAL;
            td.of.val = d->desc.type;
        }
        ok = wh_vec_push(&s->types, td);
        break;
    }
    case CM_EXTERN_MODULE:
        /* not a module of the component's own: known at instantiation */
        if (s->kind == CM__SC_COMPONENT)
            ok = wh_vec_push(&s->modules, d->module) && wh_vec_push(&s->module_ids, CM_NONE);
        else
            s->ncoremodules_decl++;
        break;
    default:
        return cm__fail(x, WH_UNSUPPORTED, off, "value import or export");
    }
    return ok ? WH_OK : cm__nomem(x);
}

/* An import or export declaration of a component or instance type. */
static wh_rc read_decl(cm__ctx *x, cm__rd *r, cm__scope *ts, bool import)
{
    uint32_t off = cm__off(r);
    cm__decl d = {0};
    const char *impl;
    bool dup;
    TRY(cm__externname(x, r, import, &d.name, &impl));
    TRY(cm__nameset_add(x, import ? &ts->import_names : &ts->export_names, d.name, &dup));
    if (dup)
        return cm__fail(x, WH_INVALID, off, "duplicate %s name `%s`", import ? "import" : "export",
                        d.name);
    TRY(cm__read_externtype(x, r, ts, &d));
    TRY(cm__check_implements(x, d.name, impl, d.desc.kind, off));
    TRY(cm__check_annotated(x, ts, &d, import, off));
    TRY(cm__vis_extern(x, ts, &d, import, off));
    TRY(cm__add_decl_item(x, ts, &d, off));
    bool ok = import ? wh_vec_push(&ts->imports, d) : wh_vec_push(&ts->exports, d);
    return ok ? WH_OK : cm__nomem(x);
}

static wh_rc read_scoped_type(cm__ctx *x, cm__rd *r, cm__scope *s, bool component, uint32_t off,
                              cm__typedef *out)
{
    if (x->depth >= CM__MAX_DEPTH)
        return cm__fail(x, WH_UNSUPPORTED, off, "types nested more than %u deep", CM__MAX_DEPTH);
    cm__scope ts = {.outer = s, .kind = component ? CM__SC_COMPTYPE : CM__SC_INSTTYPE};
    uint32_t n, res_lo = x->c->nresources;
    wh_rc rc = cm__count(x, r, 2, &n);
    x->depth++;
    for (uint32_t i = 0; !rc && i < n; i++) {
        uint32_t doff = cm__off(r);
        uint8_t tag = 0;
        if ((rc = cm__u8(x, r, &tag)))
            break;
        switch (tag) {
        case 0x00:
            rc = cm__read_core_type(x, r, &ts);
            break;
        case 0x01:
            rc = cm__read_type(x, r, &ts, NULL);
            break;
        case 0x02:
            rc = cm__read_alias(x, r, &ts, NULL);
            break;
        case 0x03:
            if (!component) {
                rc = cm__fail(x, WH_MALFORMED, doff, "import declaration in an instance type");
                break;
            }
            rc = read_decl(x, r, &ts, true);
            break;
        case 0x04:
            rc = read_decl(x, r, &ts, false);
            break;
        default:
            rc = cm__fail(x, WH_MALFORMED, doff, "unknown %s type declaration 0x%02x",
                          component ? "component" : "instance", tag);
        }
    }
    x->depth--;
    if (!rc) {
        cm__decl *ex = cm__dup(x, ts.exports.data, sizeof(cm__decl) * ts.exports.len);
        cm__decl *im = cm__dup(x, ts.imports.data, sizeof(cm__decl) * ts.imports.len);
        if (!ex || !im) {
            rc = cm__nomem(x);
        } else if (component) {
            cm__comptype *ct = cm__alloc(x, sizeof *ct);
            if (!ct) {
                rc = cm__nomem(x);
            } else {
                *ct = (cm__comptype){.nimports = ts.imports.len,
                                     .nexports = ts.exports.len,
                                     .imports = im,
                                     .exports = ex,
                                     .res_lo = res_lo,
                                     .res_hi = x->c->nresources};
                out->kind = CM__T_COMPONENT;
                out->of.comp = ct;
            }
        } else {
            cm_instancetype_t *it = cm__alloc(x, sizeof *it);
            if (!it) {
                rc = cm__nomem(x);
            } else {
                it->n = ts.exports.len;
                it->exports = ex;
                it->res_lo = res_lo;
                it->res_hi = x->c->nresources;
                out->kind = CM__T_INSTANCE;
                out->of.inst = it;
            }
        }
    }
    cm__scope_free(&ts);
    return rc;
}

wh_rc cm__read_type(cm__ctx *x, cm__rd *r, cm__scope *s, cm__def *out_def)
{
    uint32_t off = cm__off(r);
    uint8_t op;
    cm__typedef td = {0};
    TRY(cm__u8(x, r, &op));
    switch (op) {
    case 0x40:
        td.kind = CM__T_FUNC;
        TRY(cm__read_functype(x, r, s, off, &td.of.func));
        break;
    case 0x43:
        return cm__fail(x, WH_UNSUPPORTED, off, "async function type");
    case 0x41:
    case 0x42:
        TRY(read_scoped_type(x, r, s, op == 0x41, off, &td));
        break;
    case 0x3f: {
        if (s->kind != CM__SC_COMPONENT)
            return cm__fail(x, WH_INVALID, off,
                            "resource type definition inside a component or instance type");
        uint8_t rep, b;
        uint32_t roff = cm__off(r);
        TRY(cm__u8(x, r, &rep));
        if (rep != WM_I32)
            return cm__fail(x, WH_INVALID, roff, "resource representation must be i32");
        cm__resdef *def;
        cm_resource_t *res = cm__new_resource(x, NULL, &def);
        if (!res)
            return cm__nomem(x);
        def->scope = s->comp;
        uint32_t doff = cm__off(r);
        TRY(cm__u8(x, r, &b));
        if (b == 0x01) {
            uint32_t f;
            doff = cm__off(r);
            TRY(cm__u32(x, r, &f));
            if (f >= s->corefuncs.len)
                return cm__fail(x, WH_INVALID, doff, "unknown core func %u", f);
            static const uint8_t i32[] = {WM_I32};
            const wm_functype_t want = {1, 0, i32, NULL};
            if (!wm_functype_eq(s->corefuncs.data[f], &want))
                return cm__fail(x, WH_INVALID, doff,
                                "resource destructor (core func %u) must have type [i32] -> []", f);
            def->dtor = f;
        } else if (b != 0x00) {
            return cm__fail(x, WH_MALFORMED, doff, "expected 0x00 or 0x01, got 0x%02x", b);
        }
        s->comp->nresources++;
        td.kind = CM__T_RESOURCE;
        td.of.res = res;
        if (!(td.vis = cm__new_vis(x)))
            return cm__nomem(x);
        break;
    }
    default:
        td.kind = CM__T_VAL;
        TRY(cm__read_defvaltype(x, r, s, op, off, &td.of.val));
    }
    if (out_def) {
        out_def->op = CM__TYPE;
        out_def->sort = CM_SORT_TYPE;
        out_def->index = s->types.len;
        out_def->u.type = td;
    }
    if (!wh_vec_push(&s->types, td))
        return cm__nomem(x);
    return WH_OK;
}
