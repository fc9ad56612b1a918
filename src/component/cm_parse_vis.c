/*
 * cm_parse_vis.c — external visibility of types (Explainer.md "External
 * Visibility of Types"): a record, variant, enum, flags or resource type
 * that an import or export refers to must have a name a client of the
 * component can use, that is be the type an import (for imports and
 * exports) or an export (for exports) of that type introduced, or an alias
 * of one. Anonymous types (tuple, list, option, result) need no name, but
 * what they hold does.
 *
 * Identity: a value type is its cm_type_t (an import or export of a type
 * makes a copy, cm__created_type, so the type it was made from stays
 * unnamed); a resource type is named through cm__decl.vis, carried by its
 * type index entries and by the own and borrow types made from them.
 *
 * Invariant: a type graph is a DAG that may be exponential as a tree and
 * very deep, so value types are walked with an explicit stack, and every
 * anonymous type found good joins the set and is never walked again (the
 * sets only grow, and a type found bad makes the whole component invalid).
 */
#include "cm_parse.h"

/* Instance types nested in each other (each level a type defined before). */
#define MAX_VIS_DEPTH 512

typedef WH_VEC(const cm_type_t *) tstack;

static bool is_named_kind(uint8_t k)
{
    return k == CM_RECORD || k == CM_VARIANT || k == CM_ENUM || k == CM_FLAGS;
}

static uint32_t nelems(const cm_type_t *t)
{
    if (!t->elems)
        return 0;
    switch (t->kind) {
    case CM_LIST:
    case CM_OPTION:
    case CM_STREAM:
    case CM_FUTURE:
    case CM_FIXED_LIST:
        return 1;
    case CM_RESULT:
    case CM_MAP:
        return 2;
    default:
        return t->n;
    }
}

/* Pushes what t refers to (its element types), or checks its resource name
 * for own and borrow: *ok becomes false when that is not in set. */
static bool push_contents(tstack *st, const cm__ptrset *set, const cm_type_t *t, bool *ok)
{
    if (t->kind == CM_OWN || t->kind == CM_BORROW) {
        if (!cm__ptrset_has(set, cm__handle_vis(t)))
            *ok = false;
        return true;
    }
    for (uint32_t i = nelems(t); i-- > 0;)
        if (t->elems[i] && !wh_vec_push(st, t->elems[i]))
            return false;
    return true;
}

/* Does t (contents_only: what t refers to, not t itself) refer only to
 * types named in set? */
static wh_rc walk(cm__ctx *x, cm__ptrset *set, const cm_type_t *t, bool contents_only, bool *ok)
{
    *ok = true;
    if (!t)
        return WH_OK;
    tstack st = {0};
    bool mem = true;
    if (contents_only)
        mem = push_contents(&st, set, t, ok);
    else
        mem = wh_vec_push(&st, t);
    while (mem && *ok && st.len) {
        const cm_type_t *u = st.data[--st.len];
        if (u->kind < CM_RECORD || u->kind == CM_ERROR_CONTEXT)
            continue; /* primitives */
        if (is_named_kind(u->kind)) {
            *ok = cm__ptrset_has(set, u);
            continue;
        }
        bool fresh;
        if (!cm__ptrset_add(set, u, &fresh)) {
            mem = false;
            break;
        }
        if (fresh)
            mem = push_contents(&st, set, u, ok);
    }
    wh_vec_free(&st);
    return mem ? WH_OK : cm__nomem(x);
}

static wh_rc func_named(cm__ctx *x, cm__ptrset *set, const cm_functype_t *f, bool *ok)
{
    *ok = true;
    for (uint32_t i = 0; f && i < f->nparams && *ok; i++)
        TRY(walk(x, set, f->params[i], false, ok));
    if (f && *ok)
        TRY(walk(x, set, f->result, false, ok));
    return WH_OK;
}

/* What the instance type refers to, through its exports (without naming
 * anything: this is a type, not an instance, being imported or exported). */
static wh_rc inst_named(cm__ctx *x, cm__ptrset *set, const cm_instancetype_t *it, uint32_t depth,
                        uint32_t off, bool *ok)
{
    *ok = true;
    if (depth > MAX_VIS_DEPTH)
        return cm__fail(x, WH_UNSUPPORTED, off, "instance types nested too deeply");
    for (uint32_t i = 0; it && i < it->n && *ok; i++) {
        const cm__decl *e = &it->exports[i];
        switch (e->desc.kind) {
        case CM_EXTERN_FUNC:
            TRY(func_named(x, set, e->desc.func, ok));
            break;
        case CM_EXTERN_TYPE:
            if (e->desc.type)
                TRY(walk(x, set, e->desc.type, true, ok));
            break;
        case CM_EXTERN_INSTANCE:
            TRY(inst_named(x, set, e->desc.instance, depth + 1, off, ok));
            break;
        default:
            break;
        }
    }
    return WH_OK;
}

static wh_rc typedef_named(cm__ctx *x, cm__ptrset *set, uint8_t kind, const void *of, uint32_t off,
                           bool *ok)
{
    *ok = true;
    switch (kind) {
    case CM__T_FUNC:
        return func_named(x, set, of, ok);
    case CM__T_INSTANCE:
        return inst_named(x, set, of, 0, off, ok);
    default:
        return WH_OK; /* component types were checked as they were read */
    }
}

static bool add_name(cm__scope *s, bool import, const void *p)
{
    if (import && !cm__ptrset_add(&s->vis_imported, p, NULL))
        return false;
    return cm__ptrset_add(&s->vis_exported, p, NULL);
}

/* Checks d against the names of s and adds the names d gives; an instance
 * adds the names of its type exports, at any depth (seen: the instance
 * types already walked). */
static wh_rc vis_decl(cm__ctx *x, cm__scope *s, const cm__decl *d, bool import, cm__ptrset *seen,
                      uint32_t depth, uint32_t off, bool *ok)
{
    cm__ptrset *set = import ? &s->vis_imported : &s->vis_exported;
    *ok = true;
    switch (d->desc.kind) {
    case CM_EXTERN_FUNC:
        return func_named(x, set, d->desc.func, ok);
    case CM_EXTERN_TYPE:
        if (d->other)
            return typedef_named(x, set, d->other_kind, d->other, off, ok);
        if (d->desc.resource)
            return add_name(s, import, d->vis) ? WH_OK : cm__nomem(x);
        TRY(walk(x, set, d->desc.type, true, ok));
        if (*ok && d->desc.type && !add_name(s, import, d->desc.type))
            return cm__nomem(x);
        return WH_OK;
    case CM_EXTERN_INSTANCE: {
        const cm_instancetype_t *it = d->desc.instance;
        bool fresh;
        if (!it)
            return WH_OK;
        if (depth > MAX_VIS_DEPTH)
            return cm__fail(x, WH_UNSUPPORTED, off, "instance types nested too deeply");
        if (!cm__ptrset_add(seen, it, &fresh))
            return cm__nomem(x);
        for (uint32_t i = 0; fresh && i < it->n && *ok; i++)
            TRY(vis_decl(x, s, &it->exports[i], import, seen, depth + 1, off, ok));
        return WH_OK;
    }
    default:
        return WH_OK; /* components and modules are closed */
    }
}

wh_rc cm__vis_extern(cm__ctx *x, cm__scope *s, const cm__decl *d, bool import, uint32_t off)
{
    if (s->kind != CM__SC_INSTTYPE) {
        cm__ptrset seen = {0};
        bool ok;
        wh_rc rc = vis_decl(x, s, d, import, &seen, 0, off, &ok);
        cm__ptrset_free(&seen);
        if (rc)
            return rc;
        if (!ok)
            return cm__fail(x, WH_INVALID, off,
                            "%s not valid to be used as %s: `%s` refers to a record, variant, "
                            "enum, flags or resource type that no import%s names",
                            cm__kind_name(d->desc.kind), import ? "import" : "export", d->name,
                            import ? "" : " or export");
    }
    if (d->other)
        return cm__fail(x, WH_UNSUPPORTED, off,
                        "type import or export of a function, component or instance type");
    return WH_OK;
}
