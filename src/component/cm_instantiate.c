/*
 * cm_instantiate.c — runs a component's instantiation plan: the parsed
 * definitions, in order, over runtime index spaces. The root scope's
 * imports come from the linker, a nested component's from the arguments of
 * the `instantiate` that made it.
 *
 * Invariant: a scope's arrays hold, for every index defined so far, its
 * runtime item; a definition only reads earlier indices (the parser checked
 * them), so one pass in binary order suffices.
 */
#include "cm_linker.h"
#include "cm_rt.h"

#include <stdio.h>
#include <string.h>

typedef struct scope scope;
struct scope {
    const cm__comp *comp;
    /* The scope the component was defined in (not the one instantiating
     * it): outer aliases count their way out from here. */
    scope *parent;
    cm_instance_t *inst;
    cm__cinst *ci;           /* the component instance this scope is the run of */
    void **items[CM_NSORTS]; /* per sort: wm_func_t *, cm__coreinst *, cm_func_t *, … */
    /* a nested scope's imports: its instantiation's arguments in the parent */
    const cm__named *args;
    uint32_t nargs;
    const uint32_t *arg_of_import; /* resolved at load (may be NULL) */
    scope *arg_scope;
    cm__rinst *exports;
    wh_err_t *err;
};

/* A component as a runtime item (sort CM_SORT_COMPONENT): its definition
 * and the scope it was defined in. Explainer.md: "components containing
 * outer aliases effectively produce a closure at instantiation time"; a
 * component may be aliased or passed into another scope before it is
 * instantiated there, so that scope cannot stand in for its definer. */
typedef struct {
    const cm__comp *comp;
    scope *env;
} closure;

static wh_rc nomem(scope *s)
{
    return wh_err(s->err, WH_NOMEM, -1, "out of memory instantiating the component");
}

static const char *sort_name(uint8_t sort)
{
    static const char *const names[] = {"core func", "core table",  "core memory",   "core global",
                                        "core type", "core module", "core instance", "func",
                                        "value",     "type",        "component",     "instance"};
    return sort < CM_NSORTS ? names[sort] : "item";
}

/* ---- looking up exports ---- */

/* An export at a position cm__resolve found. */
static bool coreinst_at(const cm__coreinst *ci, uint32_t pos, wm_extern_t *out)
{
    if (pos & CM__INLINE_POS) {
        pos &= ~CM__INLINE_POS;
        if (ci->wi || pos >= ci->n)
            return false;
        *out = ci->items[pos];
        return true;
    }
    return ci->wi && wm_instance_export_at(ci->wi, pos, out) == WH_OK;
}

static bool coreinst_find(const cm__coreinst *ci, const char *name, wm_extern_t *out)
{
    if (ci->wi)
        return wm_instance_export(ci->wi, name, out) == WH_OK;
    for (uint32_t i = 0; i < ci->n; i++)
        if (!strcmp(ci->names[i], name)) {
            *out = ci->items[i];
            return true;
        }
    return false;
}

/* hint, hint_name: the position cm__resolve found (+ 1, or 0) and the
 * name it has there; used when the instance holds that very name there,
 * which holds unless the instance came from somewhere cm__resolve did not
 * foresee */
static bool rinst_find(const cm__rinst *ri, const char *name, uint32_t hint, const char *hint_name,
                       uint8_t *sort, void **item)
{
    if (hint && hint - 1 < ri->n && ri->names[hint - 1] == hint_name) {
        *sort = ri->sorts[hint - 1];
        *item = ri->items[hint - 1];
        return true;
    }
    for (uint32_t i = 0; i < ri->n; i++)
        if (!strcmp(ri->names[i], name)) {
            *sort = ri->sorts[i];
            *item = ri->items[i];
            return true;
        }
    return false;
}

static uint8_t core_sort_of(uint8_t kind)
{
    switch (kind) {
    case WM_EXTERN_FUNC:
        return CM_SORT_CORE_FUNC;
    case WM_EXTERN_TABLE:
        return CM_SORT_CORE_TABLE;
    case WM_EXTERN_MEMORY:
        return CM_SORT_CORE_MEMORY;
    default:
        return CM_SORT_CORE_GLOBAL;
    }
}

static wm_extern_t core_item(scope *s, uint8_t sort, uint32_t index)
{
    wm_extern_t e = {0};
    void *p = s->items[sort][index];
    switch (sort) {
    case CM_SORT_CORE_FUNC:
        e.kind = WM_EXTERN_FUNC, e.of.func = p;
        break;
    case CM_SORT_CORE_TABLE:
        e.kind = WM_EXTERN_TABLE, e.of.table = p;
        break;
    case CM_SORT_CORE_MEMORY:
        e.kind = WM_EXTERN_MEMORY, e.of.memory = p;
        break;
    default:
        e.kind = WM_EXTERN_GLOBAL, e.of.global = p;
        break;
    }
    return e;
}

static void *extern_ptr(const wm_extern_t *e)
{
    switch (e->kind) {
    case WM_EXTERN_FUNC:
        return e->of.func;
    case WM_EXTERN_TABLE:
        return e->of.table;
    case WM_EXTERN_MEMORY:
        return e->of.memory;
    default:
        return e->of.global;
    }
}

/* ---- resources ---- */

/* Type items are the runtime resource type (cm__rres *) for a resource
 * type and NULL for any other: only resources have a runtime identity. A
 * resource type item also binds the scope's static resource type at that
 * index to it, which is how the types of this component instance's
 * functions find their runtime types. */
static wh_rc bind_resource(scope *s, const cm_resource_t *r, cm__rres *rt)
{
    if (r->id >= s->inst->comp->nresources)
        return wh_err(s->err, WH_INVALID, -1, "resource %s has no number", r->name);
    s->ci->res_bind[r->id] = rt;
    return WH_OK;
}

static wh_rc set_type_item(scope *s, uint32_t index, void *item, uint32_t off)
{
    const cm__typedef *t = &s->comp->types[index];
    s->items[CM_SORT_TYPE][index] = NULL;
    if (t->kind != CM__T_RESOURCE)
        return WH_OK;
    if (!item)
        return wh_err(s->err, WH_INVALID, off, "type %u: a resource type was expected", index);
    s->items[CM_SORT_TYPE][index] = item;
    return bind_resource(s, t->of.res, item);
}

static wh_rc new_rres(scope *s, const char *name, cm__cinst *impl, cm__rres **out)
{
    cm__rres *rr = cm__ialloc(s->inst, sizeof *rr);
    if (!rr)
        return nomem(s);
    rr->name = name ? name : "resource";
    rr->impl = impl;
    *out = rr;
    return WH_OK;
}

/* ---- options ---- */

static wh_rc resolve_opts(scope *s, const cm__opts *o, cm__ropts *out)
{
    out->encoding = o->encoding;
    out->memory = o->memory != CM_NONE ? s->items[CM_SORT_CORE_MEMORY][o->memory] : NULL;
    out->realloc = o->realloc != CM_NONE ? s->items[CM_SORT_CORE_FUNC][o->realloc] : NULL;
    out->post_return =
        o->post_return != CM_NONE ? s->items[CM_SORT_CORE_FUNC][o->post_return] : NULL;
    return WH_OK;
}

/* ---- imports ---- */

/* What the linker has for a function import: looked up and type-checked;
 * NULL with err set when it has nothing fitting. */
static const cm__lfunc *lookup_func(const cm_linker_t *l, const char *iface, const cm__decl *d,
                                    wh_err_t *err)
{
    cm__iface *f = l ? cm__linker_iface(l, iface) : NULL;
    const cm__lfunc *lf = f ? cm__linker_func(f, d->name) : NULL;
    if (!lf) {
        if (*iface)
            wh_err(err, WH_UNLINKABLE, -1, "%s#%s is not provided by the host", iface, d->name);
        else
            wh_err(err, WH_UNLINKABLE, -1, "%s is not provided by the host", d->name);
        return NULL;
    }
    char why[160];
    if (!cm__functype_eq(d->desc.func, lf->type, why, sizeof why)) {
        wh_err(err, WH_UNLINKABLE, -1, "%s%s%s has another type than the host's: %s", iface,
               *iface ? "#" : "", d->name, why);
        return NULL;
    }
    return lf;
}

static const cm__lres *lookup_resource(const cm_linker_t *l, const char *iface, const cm__decl *d,
                                       wh_err_t *err)
{
    cm__iface *f = l ? cm__linker_iface(l, iface) : NULL;
    const cm__lres *lr = f ? cm__linker_resource(f, d->name) : NULL;
    if (!lr)
        wh_err(err, WH_UNLINKABLE, -1, "%s#%s (resource) is not provided by the host", iface,
               d->name);
    return lr;
}

/* ---- imports resolved once (cm_prepare) ---- */

/* Per root import: what the linker gives it (an instance: one entry per
 * export of its type, NULL where the linker has nothing). */
typedef struct {
    const void **items; /* cm__lfunc or cm__lres */
    uint32_t n;
} prep_import;

struct cm_prepared {
    const cm_component_t *comp;
    const cm_linker_t *linker;
    prep_import *imports; /* one per root import */
    wh_arena_t arena;
};

wh_rc cm_prepare(const cm_component_t *c, const cm_linker_t *l, cm_prepared_t **out, wh_err_t *err)
{
    *out = NULL;
    cm_prepared_t *p = wh_calloc(1, sizeof *p);
    if (!p)
        return wh_err(err, WH_NOMEM, -1, "out of memory");
    p->comp = c;
    p->linker = l;
    wh_arena_init(&p->arena, 4096);
    const cm__comp *root = c->root;
    if (!(p->imports = wh_arena_calloc(&p->arena, (root->nimports + 1) * sizeof *p->imports)))
        goto nomem;
    for (uint32_t i = 0; i < root->nimports; i++) {
        const cm__decl *d = &root->imports[i];
        wh_err_t ignored;
        if (d->desc.kind == CM_EXTERN_FUNC) {
            if (!(p->imports[i].items = wh_arena_calloc(&p->arena, sizeof(void *))))
                goto nomem;
            p->imports[i].items[0] = lookup_func(l, "", d, &ignored);
            p->imports[i].n = 1;
        } else if (d->desc.kind == CM_EXTERN_INSTANCE) {
            const cm_instancetype_t *it = d->desc.instance;
            if (!(p->imports[i].items = wh_arena_calloc(&p->arena, (it->n + 1) * sizeof(void *))))
                goto nomem;
            p->imports[i].n = it->n;
            for (uint32_t k = 0; k < it->n; k++) {
                const cm__decl *e = &it->exports[k];
                if (e->desc.kind == CM_EXTERN_FUNC)
                    p->imports[i].items[k] = lookup_func(l, d->name, e, &ignored);
                else if (e->desc.kind == CM_EXTERN_TYPE && e->desc.resource)
                    p->imports[i].items[k] = lookup_resource(l, d->name, e, &ignored);
            }
        }
    }
    *out = p;
    return WH_OK;
nomem:
    cm_prepared_free(p);
    return wh_err(err, WH_NOMEM, -1, "out of memory");
}

void cm_prepared_free(cm_prepared_t *p)
{
    if (!p)
        return;
    wh_arena_free(&p->arena);
    wh_free(p);
}

/* What cm_prepare found for export k of root import imp (or the import
 * itself, k 0, for a function); NULL when there is nothing prepared. */
static const void *prepared(scope *s, uint32_t imp, uint32_t k)
{
    const cm_prepared_t *p = s->inst->cfg.prepared;
    if (!p || p->comp != s->inst->comp || p->linker != s->inst->linker || imp == UINT32_MAX ||
        k >= p->imports[imp].n)
        return NULL;
    return p->imports[imp].items[k];
}

/* imp, k: where the import is (see prepared), imp UINT32_MAX when unknown. */
static wh_rc host_func(scope *s, const char *iface, const cm__decl *d, uint32_t imp, uint32_t k,
                       cm_func_t **out)
{
    const cm__lfunc *lf = prepared(s, imp, k);
    if (!lf && !(lf = lookup_func(s->inst->linker, iface, d, s->err)))
        return s->err ? s->err->code : WH_UNLINKABLE;
    cm_func_t *fn = cm__func_new(s->inst);
    if (!fn)
        return nomem(s);
    fn->kind = CM__FN_HOST;
    fn->ci = s->ci;
    fn->type = d->desc.func;
    fn->fn = lf->fn;
    fn->env = lf->env;
    fn->name = lf->name;
    *out = fn;
    return WH_OK;
}

static wh_rc host_resource(scope *s, const char *iface, const cm__decl *d, uint32_t imp, uint32_t k)
{
    /* An export "(type (eq T))" of a resource an earlier import defined
     * (filesystem/types re-exporting wasi:io/error's error) is that same
     * resource, already bound: not a new one the host must provide. */
    if (s->ci->res_bind[d->desc.resource->id])
        return WH_OK;
    const cm__lres *lr = prepared(s, imp, k);
    if (!lr && !(lr = lookup_resource(s->inst->linker, iface, d, s->err)))
        return s->err ? s->err->code : WH_UNLINKABLE;
    cm__rres *rt = NULL;
    TRY(new_rres(s, lr->res.name, NULL, &rt));
    rt->host_dtor = lr->dtor;
    rt->host_env = lr->env;
    return bind_resource(s, d->desc.resource, rt);
}

/* An imported instance at the root (import number imp): its functions and
 * resources from the host. */
static wh_rc import_instance(scope *s, const cm__decl *d, uint32_t imp, cm__rinst **out)
{
    const cm_instancetype_t *it = d->desc.instance;
    cm__rinst *ri = cm__ialloc(s->inst, sizeof *ri);
    if (!ri)
        return nomem(s);
    ri->names = cm__ialloc(s->inst, it->n * sizeof *ri->names);
    ri->sorts = cm__ialloc(s->inst, it->n);
    ri->items = cm__ialloc(s->inst, it->n * sizeof *ri->items);
    if (!ri->names || !ri->sorts || !ri->items)
        return nomem(s);
    /* Resources first: functions' types refer to them. */
    for (uint32_t i = 0; i < it->n; i++) {
        const cm__decl *e = &it->exports[i];
        if (e->desc.kind == CM_EXTERN_TYPE && e->desc.resource)
            TRY(host_resource(s, d->name, e, imp, i));
    }
    for (uint32_t i = 0; i < it->n; i++) {
        const cm__decl *e = &it->exports[i];
        ri->names[ri->n] = e->name;
        if (e->desc.kind == CM_EXTERN_FUNC) {
            cm_func_t *fn;
            TRY(host_func(s, d->name, e, imp, i, &fn));
            ri->sorts[ri->n] = CM_SORT_FUNC;
            ri->items[ri->n++] = fn;
        } else if (e->desc.kind == CM_EXTERN_TYPE) {
            ri->sorts[ri->n] = CM_SORT_TYPE;
            ri->items[ri->n++] = e->desc.resource ? s->ci->res_bind[e->desc.resource->id] : NULL;
        } else {
            return wh_err(s->err, WH_UNSUPPORTED, -1,
                          "%s exports %s, a kind of item the host cannot provide yet", d->name,
                          e->name);
        }
    }
    *out = ri;
    return WH_OK;
}

static const cm__named *find_arg(scope *s, const char *name)
{
    for (uint32_t i = 0; i < s->nargs; i++)
        if (!strcmp(s->args[i].name, name))
            return &s->args[i];
    return NULL;
}

static wh_rc do_import(scope *s, const cm__def *d)
{
    const cm__decl *decl = &s->comp->imports[d->u.import];
    void **slot = &s->items[d->sort][d->index];
    if (!s->parent) {
        switch (decl->desc.kind) {
        case CM_EXTERN_INSTANCE:
            return import_instance(s, decl, d->u.import, (cm__rinst **)slot);
        case CM_EXTERN_FUNC:
            return host_func(s, "", decl, d->u.import, 0, (cm_func_t **)slot);
        case CM_EXTERN_TYPE:
            if (decl->desc.resource)
                TRY(host_resource(s, "", decl, UINT32_MAX, 0));
            return set_type_item(
                s, d->index, decl->desc.resource ? s->ci->res_bind[decl->desc.resource->id] : NULL,
                d->offset);
        default:
            return wh_err(s->err, WH_UNLINKABLE, -1,
                          "import %s: the host can only provide instances, functions and types "
                          "(not core modules or components)",
                          decl->name);
        }
    }
    const cm__named *a =
        s->arg_of_import ? &s->args[s->arg_of_import[d->u.import]] : find_arg(s, decl->name);
    if (!a)
        return wh_err(s->err, WH_UNLINKABLE, -1, "nested component import %s has no argument",
                      decl->name);
    void *item = s->arg_scope->items[a->sort][a->index];
    if (d->sort == CM_SORT_TYPE) /* a type import is the argument's resource type */
        return set_type_item(s, d->index, item, d->offset);
    *slot = item;
    return WH_OK;
}

/* ---- definitions ---- */

static wh_rc run_scope(scope *s);

static wh_rc core_instantiate(scope *s, const cm__def *d)
{
    const wm_module_t *m = s->items[CM_SORT_CORE_MODULE][d->u.inst.of];
    uint32_t n = wm_module_import_count(m);
    wm_extern_t *imports = wh_calloc(n ? n : 1, sizeof *imports);
    if (!imports)
        return nomem(s);
    wh_rc rc = WH_OK;
    const uint32_t *res = d->u.inst.resolved;
    for (uint32_t i = 0; i < n && !rc && res; i++) {
        const cm__coreinst *from =
            s->items[CM_SORT_CORE_INSTANCE][d->u.inst.args[res[2 * i]].index];
        if (!coreinst_at(from, res[2 * i + 1], &imports[i]))
            res = NULL; /* the wiring differs from what was resolved: look up by name */
    }
    for (uint32_t i = 0; i < n && !rc && !res; i++) {
        wm_externdesc_t id;
        wm_module_import(m, i, &id);
        const cm__coreinst *from = NULL;
        for (uint32_t k = 0; k < d->u.inst.nargs; k++)
            if (!strcmp(d->u.inst.args[k].name, id.module))
                from = s->items[CM_SORT_CORE_INSTANCE][d->u.inst.args[k].index];
        if (!from || !coreinst_find(from, id.name, &imports[i]))
            rc = wh_err(s->err, WH_UNLINKABLE, -1,
                        "core module %u imports %s.%s, which its instantiation does not supply",
                        d->u.inst.of, id.module, id.name);
    }
    wm_instance_t *wi = NULL;
    if (!rc)
        rc = wm_instantiate(s->inst->store, m, imports, n, &wi, s->err);
    wh_free(imports);
    if (rc)
        return rc;
    cm__coreinst *ci = cm__ialloc(s->inst, sizeof *ci);
    if (!ci)
        return nomem(s);
    ci->wi = wi;
    s->items[CM_SORT_CORE_INSTANCE][d->index] = ci;
    return WH_OK;
}

static wh_rc core_inline(scope *s, const cm__def *d)
{
    cm__coreinst *ci = cm__ialloc(s->inst, sizeof *ci);
    uint32_t n = d->u.inst.nargs;
    if (!ci || !(ci->names = cm__ialloc(s->inst, n * sizeof *ci->names)) ||
        !(ci->items = cm__ialloc(s->inst, n * sizeof *ci->items)))
        return nomem(s);
    for (uint32_t i = 0; i < n; i++) {
        ci->names[i] = d->u.inst.args[i].name;
        ci->items[i] = core_item(s, d->u.inst.args[i].sort, d->u.inst.args[i].index);
    }
    ci->n = n;
    s->items[CM_SORT_CORE_INSTANCE][d->index] = ci;
    return WH_OK;
}

static wh_rc alias_core_export(scope *s, const cm__def *d)
{
    const cm__coreinst *ci = s->items[CM_SORT_CORE_INSTANCE][d->u.alias.instance];
    wm_extern_t e;
    bool found = d->u.alias.resolved ? coreinst_at(ci, d->u.alias.resolved - 1, &e)
                                     : coreinst_find(ci, d->u.alias.name, &e);
    if (!found || core_sort_of(e.kind) != d->sort)
        return wh_err(s->err, WH_INVALID, d->offset, "core instance %u has no %s export %s",
                      d->u.alias.instance, sort_name(d->sort), d->u.alias.name);
    s->items[d->sort][d->index] = extern_ptr(&e);
    return WH_OK;
}

static wh_rc alias_export(scope *s, const cm__def *d)
{
    const cm__rinst *ri = s->items[CM_SORT_INSTANCE][d->u.alias.instance];
    uint8_t sort;
    void *item;
    if (!ri ||
        !rinst_find(ri, d->u.alias.name, d->u.alias.resolved, d->u.alias.resolved_name, &sort,
                    &item) ||
        sort != d->sort)
        return wh_err(s->err, WH_INVALID, d->offset, "instance %u has no %s export %s",
                      d->u.alias.instance, sort_name(d->sort), d->u.alias.name);
    if (d->sort == CM_SORT_TYPE)
        return set_type_item(s, d->index, item, d->offset);
    s->items[d->sort][d->index] = item;
    return WH_OK;
}

static wh_rc alias_outer(scope *s, const cm__def *d)
{
    scope *o = s;
    for (uint32_t i = 0; i < d->u.outer.count && o; i++)
        o = o->parent;
    if (!o)
        return wh_err(s->err, WH_INVALID, d->offset, "outer alias beyond the outermost scope");
    if (d->sort == CM_SORT_TYPE)
        return set_type_item(s, d->index, o->items[d->sort][d->u.outer.index], d->offset);
    s->items[d->sort][d->index] = o->items[d->sort][d->u.outer.index];
    return WH_OK;
}

static wh_rc canon_lift(scope *s, const cm__def *d)
{
    cm_func_t *f = cm__func_new(s->inst);
    if (!f)
        return nomem(s);
    f->kind = CM__FN_LIFTED;
    f->ci = s->ci;
    f->type = d->u.canon.type;
    f->core = s->items[CM_SORT_CORE_FUNC][d->u.canon.func];
    TRY(resolve_opts(s, &d->u.canon.opts, &f->opts));
    s->items[CM_SORT_FUNC][d->index] = f;
    return WH_OK;
}

static wh_rc canon_lower(scope *s, const cm__def *d)
{
    cm__ropts o;
    TRY(resolve_opts(s, &d->u.canon.opts, &o));
    wm_func_t *w = cm__lower_new(s->inst, s->items[CM_SORT_FUNC][d->u.canon.func], &o, s->ci);
    if (!w)
        return nomem(s);
    s->items[CM_SORT_CORE_FUNC][d->index] = w;
    return WH_OK;
}

static wh_rc define_type(scope *s, const cm__def *d)
{
    const cm__typedef *t = &d->u.type;
    if (t->kind != CM__T_RESOURCE)
        return set_type_item(s, d->index, NULL, d->offset);
    /* A resource defined here: a new runtime type, with its destructor,
     * fresh for each instance of this component. */
    const cm__resdef *rd = (const cm__resdef *)t->of.res;
    cm__rres *rt = NULL;
    TRY(new_rres(s, rd->r.name, s->ci, &rt));
    if (rd->dtor != CM_NONE)
        rt->guest_dtor = s->items[CM_SORT_CORE_FUNC][rd->dtor];
    return set_type_item(s, d->index, rt, d->offset);
}

static wh_rc inline_instance(scope *s, const cm__def *d)
{
    cm__rinst *ri = cm__ialloc(s->inst, sizeof *ri);
    uint32_t n = d->u.inst.nargs;
    if (!ri || !(ri->names = cm__ialloc(s->inst, n * sizeof *ri->names)) ||
        !(ri->sorts = cm__ialloc(s->inst, n)) ||
        !(ri->items = cm__ialloc(s->inst, n * sizeof *ri->items)))
        return nomem(s);
    for (uint32_t i = 0; i < n; i++) {
        ri->names[i] = d->u.inst.args[i].name;
        ri->sorts[i] = d->u.inst.args[i].sort;
        ri->items[i] = s->items[d->u.inst.args[i].sort][d->u.inst.args[i].index];
    }
    ri->n = n;
    s->items[CM_SORT_INSTANCE][d->index] = ri;
    return WH_OK;
}

/* Scopes live in the instance's arena, as long as the instance: a closure
 * made in one may be instantiated after its run has ended. */
/* ci_parent: the component instance instantiating this one (NULL for the
 * root). */
static wh_rc new_scope(const cm__comp *comp, scope *parent, cm__cinst *ci_parent,
                       cm_instance_t *inst, wh_err_t *err, scope **out)
{
    scope *s = cm__ialloc(inst, sizeof *s);
    uint32_t nres = inst->comp->nresources;
    if (!s || !(s->ci = cm__ialloc(inst, sizeof *s->ci)) ||
        !(s->ci->res_bind = cm__ialloc(inst, (nres ? nres : 1) * sizeof *s->ci->res_bind)))
        return wh_err(err, WH_NOMEM, -1, "out of memory instantiating the component");
    s->ci->parent = ci_parent;
    /* What the scope that defined it had bound: the types its outer
     * aliases and the types in them name. */
    if (parent)
        memcpy(s->ci->res_bind, parent->ci->res_bind, nres * sizeof *s->ci->res_bind);
    s->ci->next = inst->cinsts;
    inst->cinsts = s->ci;
    s->comp = comp;
    s->parent = parent;
    s->inst = inst;
    s->err = err;
    for (int k = 0; k < CM_NSORTS; k++)
        if (!(s->items[k] = cm__ialloc(inst, comp->count[k] * sizeof(void *))))
            return nomem(s);
    *out = s;
    return WH_OK;
}

static wh_rc define_component(scope *s, const cm__def *d)
{
    closure *c = cm__ialloc(s->inst, sizeof *c);
    if (!c)
        return nomem(s);
    c->comp = d->u.comp;
    c->env = s;
    s->items[CM_SORT_COMPONENT][d->index] = c;
    return WH_OK;
}

static wh_rc instantiate_nested(scope *s, const cm__def *d)
{
    const closure *c = s->items[CM_SORT_COMPONENT][d->u.inst.of];
    scope *child;
    TRY(new_scope(c->comp, c->env, s->ci, s->inst, s->err, &child));
    child->args = d->u.inst.args;
    child->nargs = d->u.inst.nargs;
    /* resolved at load when the index is a component defined right here */
    child->arg_of_import = d->u.inst.resolved;
    child->arg_scope = s;
    TRY(run_scope(child));
    s->items[CM_SORT_INSTANCE][d->index] = child->exports;
    return WH_OK;
}

static wh_rc make_exports(scope *s)
{
    const cm__comp *c = s->comp;
    cm__rinst *ri = cm__ialloc(s->inst, sizeof *ri);
    if (!ri || !(ri->names = cm__ialloc(s->inst, c->nexports * sizeof *ri->names)) ||
        !(ri->sorts = cm__ialloc(s->inst, c->nexports)) ||
        !(ri->items = cm__ialloc(s->inst, c->nexports * sizeof *ri->items)))
        return nomem(s);
    for (uint32_t i = 0; i < c->nexports; i++) {
        ri->names[i] = c->exports[i].name;
        ri->sorts[i] = c->exports[i].sort;
        ri->items[i] = s->items[c->exports[i].sort][c->exports[i].index];
    }
    ri->n = c->nexports;
    s->exports = ri;
    return WH_OK;
}

static wh_rc run_scope(scope *s)
{
    for (uint32_t i = 0; i < s->comp->ndefs; i++) {
        const cm__def *d = &s->comp->defs[i];
        switch (d->op) {
        case CM__CORE_MODULE: /* loaded with the component, shared by its instances */
            s->items[CM_SORT_CORE_MODULE][d->index] = s->inst->comp->modules[d->u.module];
            break;
        case CM__CORE_INSTANTIATE:
            TRY(core_instantiate(s, d));
            break;
        case CM__CORE_INLINE:
            TRY(core_inline(s, d));
            break;
        case CM__ALIAS_CORE_EXPORT:
            TRY(alias_core_export(s, d));
            break;
        case CM__ALIAS_EXPORT:
            TRY(alias_export(s, d));
            break;
        case CM__ALIAS_OUTER:
            TRY(alias_outer(s, d));
            break;
        case CM__CANON_LIFT:
            TRY(canon_lift(s, d));
            break;
        case CM__CANON_LOWER:
            TRY(canon_lower(s, d));
            break;
        case CM__RESOURCE_NEW:
        case CM__RESOURCE_DROP:
        case CM__RESOURCE_REP: {
            cm__rres *rt = s->ci->res_bind[d->u.res->id];
            if (!rt)
                return wh_err(s->err, WH_INVALID, d->offset, "resource %s is not bound here",
                              d->u.res->name ? d->u.res->name : "(unnamed)");
            wm_func_t *w = cm__resource_builtin(s->inst, s->ci, d->op, rt);
            if (!w)
                return nomem(s);
            s->items[CM_SORT_CORE_FUNC][d->index] = w;
            break;
        }
        case CM__TYPE:
            TRY(define_type(s, d));
            break;
        case CM__COMPONENT:
            TRY(define_component(s, d));
            break;
        case CM__INSTANTIATE:
            TRY(instantiate_nested(s, d));
            break;
        case CM__INLINE:
            TRY(inline_instance(s, d));
            break;
        case CM__IMPORT:
            TRY(do_import(s, d));
            break;
        case CM__EXPORT: {
            const cm__export *e = &s->comp->exports[d->u.export];
            if (d->sort == CM_SORT_TYPE)
                TRY(set_type_item(s, d->index, s->items[e->sort][e->index], d->offset));
            else
                s->items[d->sort][d->index] = s->items[e->sort][e->index];
            break;
        }
        default:
            return wh_err(s->err, WH_UNSUPPORTED, d->offset, "definition kind %u", d->op);
        }
    }
    return make_exports(s);
}

/* ---- the public API ---- */

wh_rc cm_instantiate(const cm_component_t *c, const cm_linker_t *l, const cm_config_t *cfg,
                     cm_instance_t **out, wh_err_t *err)
{
    *out = NULL;
    cm_instance_t *inst = wh_calloc(1, sizeof *inst);
    if (!inst)
        return wh_err(err, WH_NOMEM, -1, "out of memory");
    inst->comp = c;
    inst->linker = l;
    if (cfg)
        inst->cfg = *cfg;
    else
        inst->cfg.fuel = -1;
    wh_arena_init(&inst->arena, 8192);
    wm_store_config_t scfg = {.max_memory = inst->cfg.max_memory, .pool = inst->cfg.pool};
    inst->store = wm_store_new(&scfg);
    if (inst->store && inst->cfg.fuel >= 0)
        wm_store_set_fuel(inst->store, inst->cfg.fuel);
    if (!inst->store) {
        cm_instance_free(inst);
        return wh_err(err, WH_NOMEM, -1, "out of memory");
    }
    scope *root;
    wh_rc rc = new_scope(c->root, NULL, NULL, inst, err, &root);
    if (!rc)
        rc = run_scope(root);
    if (rc) {
        cm_instance_free(inst);
        return rc;
    }
    inst->exports = root->exports;
    *out = inst;
    return WH_OK;
}

void cm_instance_free(cm_instance_t *inst)
{
    if (!inst)
        return;
    wm_store_free(inst->store);
    for (cm__cinst *ci = inst->cinsts; ci; ci = ci->next)
        wh_vec_free(&ci->handles);
    cm__frames_free(inst);
    wh_arena_free(&inst->arena);
    wh_free(inst);
}

wh_rc cm_instance_snapshot(cm_instance_t *inst, wh_err_t *err)
{
    if (inst->depth || inst->susp.f || inst->poisoned)
        return wh_err(err, WH_INVALID, -1, "an instance is snapshotted between calls only");
    for (const cm__cinst *ci = inst->cinsts; ci; ci = ci->next)
        for (uint32_t i = 1; i < ci->handles.len; i++)
            if (ci->handles.data[i].used)
                return wh_err(err, WH_INVALID, -1,
                              "it still holds handle %u (a resource it did not drop)", i);
    wh_rc rc = wm_store_snapshot(inst->store, err);
    if (rc)
        return rc;
    inst->snapped = true;
    inst->snap_mark = wh_arena_mark(&inst->arena);
    return WH_OK;
}

wh_rc cm_instance_reset(cm_instance_t *inst, void *user, wh_err_t *err)
{
    if (!inst->snapped)
        return wh_err(err, WH_INVALID, -1, "the instance has no snapshot");
    if (inst->depth || inst->susp.f || inst->pending)
        return wh_err(err, WH_INVALID, -1, "an instance is reset between calls only");
    if (inst->poisoned)
        return wh_err(err, WH_INVALID, -1, "a trapped instance cannot be reset");
    wh_rc rc = wm_store_reset(inst->store, err);
    if (rc)
        return rc;
    if (inst->cfg.fuel >= 0)
        wm_store_set_fuel(inst->store, inst->cfg.fuel);
    /* index 0 is never used: a table that had it keeps just it */
    for (cm__cinst *ci = inst->cinsts; ci; ci = ci->next) {
        if (ci->handles.len > 1)
            ci->handles.len = 1;
        ci->free_handle = 0;
    }
    for (uint32_t i = 0; i < inst->frames.len; i++) {
        inst->frames.data[i]->nborrows = 0;
        inst->frames.data[i]->lenders.len = 0;
        wh_arena_reset(&inst->frames.data[i]->arena);
    }
    inst->pending_args = NULL;
    wh_arena_rollback(&inst->arena, inst->snap_mark);
    inst->cfg.user = user;
    return WH_OK;
}

void *cm_instance_user(const cm_instance_t *inst)
{
    return inst->cfg.user;
}

wm_store_t *cm_instance_store(cm_instance_t *inst)
{
    return inst->store;
}

wh_rc cm_instance_func(cm_instance_t *inst, const char *name, cm_func_t **out)
{
    const char *hash = strchr(name, '#');
    const cm__rinst *ri = inst->exports;
    uint8_t sort;
    void *item;
    if (hash) {
        char iface[256];
        size_t n = (size_t)(hash - name);
        if (n >= sizeof iface)
            return WH_NOTFOUND;
        memcpy(iface, name, n);
        iface[n] = 0;
        if (!rinst_find(ri, iface, 0, NULL, &sort, &item) || sort != CM_SORT_INSTANCE)
            return WH_NOTFOUND;
        ri = item;
        name = hash + 1;
    }
    if (!rinst_find(ri, name, 0, NULL, &sort, &item) || sort != CM_SORT_FUNC)
        return WH_NOTFOUND;
    *out = item;
    return WH_OK;
}

const cm_functype_t *cm_func_type(const cm_func_t *f)
{
    return f->type;
}
