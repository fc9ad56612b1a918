/*
 * cm_parse_subst.c — substitution of resource types in instance types, for
 * instantiating a component with type arguments (Binary.md instantiate:
 * each type import supplied by `with` is replaced, in the instance's
 * exports, by the actual type).
 *
 * Only types that hold a handle can change. A memo keeps shared subtypes
 * shared: the type graph is a DAG that may be exponential as a tree.
 */
#include "cm_parse.h"

#include <string.h>

#define TRY(x)                                                                                     \
    do {                                                                                           \
        wh_rc rc_ = (x);                                                                           \
        if (rc_)                                                                                   \
            return rc_;                                                                            \
    } while (0)

typedef struct {
    const void *from, *to;
} pent;

struct cm__subst {
    cm__ctx *x;
    pent *data;
    uint32_t len, cap; /* open addressing, cap a power of two */
    uint32_t depth;
};

static uint32_t phash(const void *p)
{
    uintptr_t v = (uintptr_t)p;
    return (uint32_t)((v >> 4) * 2654435761u);
}

static const void *pget(const cm__subst *sb, const void *k)
{
    if (!sb->cap)
        return NULL;
    for (uint32_t j = phash(k) & (sb->cap - 1); sb->data[j].from; j = (j + 1) & (sb->cap - 1))
        if (sb->data[j].from == k)
            return sb->data[j].to;
    return NULL;
}

static bool pput(cm__subst *sb, const void *k, const void *v)
{
    if (sb->len + 1 > sb->cap / 2) {
        uint32_t ncap = sb->cap ? sb->cap * 2 : 16;
        pent *nd = wh_calloc(ncap, sizeof *nd);
        if (!nd)
            return false;
        for (uint32_t i = 0; i < sb->cap; i++) {
            if (!sb->data[i].from)
                continue;
            uint32_t j = phash(sb->data[i].from) & (ncap - 1);
            while (nd[j].from)
                j = (j + 1) & (ncap - 1);
            nd[j] = sb->data[i];
        }
        wh_free(sb->data);
        sb->data = nd;
        sb->cap = ncap;
    }
    uint32_t j = phash(k) & (sb->cap - 1);
    while (sb->data[j].from && sb->data[j].from != k)
        j = (j + 1) & (sb->cap - 1);
    if (!sb->data[j].from)
        sb->len++;
    sb->data[j] = (pent){k, v};
    return true;
}

cm__subst *cm__subst_new(cm__ctx *x)
{
    cm__subst *sb = wh_calloc(1, sizeof *sb);
    if (sb)
        sb->x = x;
    return sb;
}

void cm__subst_free(cm__subst *sb)
{
    if (sb) {
        wh_free(sb->data);
        wh_free(sb);
    }
}

bool cm__subst_resource(cm__subst *sb, const cm_resource_t *from, const cm_resource_t *to)
{
    return from == to || pput(sb, from, to);
}

#define CM__MAX_SUBST_DEPTH 512

static wh_rc subst_type(cm__subst *sb, const cm_type_t *t, const cm_type_t **out)
{
    *out = t;
    if (!t || !cm__has_handle(t) || !sb->len)
        return WH_OK;
    const void *memo = pget(sb, t);
    if (memo) {
        *out = memo;
        return WH_OK;
    }
    if (sb->depth >= CM__MAX_SUBST_DEPTH)
        return cm__fail(sb->x, WH_UNSUPPORTED, 0, "types nested too deeply to instantiate");
    cm_type_t *v = NULL;
    if (t->kind == CM_OWN || t->kind == CM_BORROW) {
        const cm_resource_t *r = pget(sb, t->res);
        if (r) {
            if (!(v = cm__copy_type(sb->x, t)))
                return cm__nomem(sb->x);
            v->res = r;
        }
    } else if (t->elems) {
        uint32_t n = t->kind == CM_OPTION || t->kind == CM_LIST || t->kind == CM_STREAM ||
                             t->kind == CM_FUTURE
                         ? 1
                     : t->kind == CM_RESULT ? 2
                                            : t->n;
        const cm_type_t **elems = NULL;
        sb->depth++;
        for (uint32_t i = 0; i < n; i++) {
            const cm_type_t *e;
            wh_rc rc = subst_type(sb, t->elems[i], &e);
            if (rc) {
                sb->depth--;
                return rc;
            }
            if (e != t->elems[i] && !elems) {
                if (!(elems = cm__alloc(sb->x, sizeof *elems * n))) {
                    sb->depth--;
                    return cm__nomem(sb->x);
                }
                memcpy(elems, t->elems, sizeof *elems * n);
            }
            if (elems)
                elems[i] = e;
        }
        sb->depth--;
        if (elems) {
            /* handles are all i32: the layout does not change */
            if (!(v = cm__copy_type(sb->x, t)))
                return cm__nomem(sb->x);
            v->elems = elems;
        }
    }
    if (v)
        *out = v;
    return pput(sb, t, *out) ? WH_OK : cm__nomem(sb->x);
}

static wh_rc subst_func(cm__subst *sb, const cm_functype_t *f, const cm_functype_t **out)
{
    *out = f;
    if (!f)
        return WH_OK;
    const void *memo = pget(sb, f);
    if (memo) {
        *out = memo;
        return WH_OK;
    }
    cm_functype_t *nf = cm__alloc(sb->x, sizeof *nf);
    const cm_type_t **params = cm__alloc(sb->x, sizeof *params * f->nparams);
    if (!nf || !params)
        return cm__nomem(sb->x);
    bool changed = false;
    *nf = *f;
    for (uint32_t i = 0; i < f->nparams; i++) {
        TRY(subst_type(sb, f->params[i], &params[i]));
        changed |= params[i] != f->params[i];
    }
    TRY(subst_type(sb, f->result, &nf->result));
    changed |= nf->result != f->result;
    nf->params = params;
    if (changed)
        *out = nf;
    return pput(sb, f, *out) ? WH_OK : cm__nomem(sb->x);
}

wh_rc cm__subst_instance(cm__subst *sb, const cm_instancetype_t *it, const cm_instancetype_t **out)
{
    *out = it;
    if (!it || !sb->len)
        return WH_OK;
    const void *memo = pget(sb, it);
    if (memo) {
        *out = memo;
        return WH_OK;
    }
    if (sb->depth >= CM__MAX_SUBST_DEPTH)
        return cm__fail(sb->x, WH_UNSUPPORTED, 0, "instance types nested too deeply");
    cm_instancetype_t *nt = cm__alloc(sb->x, sizeof *nt);
    cm__decl *ex = cm__dup(sb->x, it->exports, sizeof(cm__decl) * it->n);
    if (!nt || !ex)
        return cm__nomem(sb->x);
    sb->depth++;
    wh_rc rc = WH_OK;
    for (uint32_t i = 0; i < it->n && !rc; i++) {
        cm__decl *d = &ex[i];
        switch (d->desc.kind) {
        case CM_EXTERN_FUNC:
            rc = subst_func(sb, d->desc.func, &d->desc.func);
            break;
        case CM_EXTERN_INSTANCE:
            rc = cm__subst_instance(sb, d->desc.instance, &d->desc.instance);
            break;
        case CM_EXTERN_TYPE:
            if (d->desc.resource) {
                const cm_resource_t *r = pget(sb, d->desc.resource);
                if (r)
                    d->desc.resource = r;
            } else if (!(rc = subst_type(sb, d->desc.type, &d->desc.type))) {
                d->eq = d->desc.type;
            }
            break;
        default:
            break;
        }
    }
    sb->depth--;
    if (rc)
        return rc;
    nt->n = it->n;
    nt->exports = ex;
    *out = nt;
    return pput(sb, it, nt) ? WH_OK : cm__nomem(sb->x);
}

/* ---- fresh resource types per instantiation ---- */

/* Adds the resources the declaration d brings in to set (mapped to
 * themselves); seen holds the instance types already walked, since
 * instance types form a DAG that may be exponential as a tree. */
static bool collect_resources(cm__subst *set, cm__subst *seen, const cm__decl *d)
{
    if (d->desc.kind == CM_EXTERN_TYPE && d->desc.resource)
        return pput(set, d->desc.resource, d->desc.resource);
    if (d->desc.kind != CM_EXTERN_INSTANCE || !d->desc.instance)
        return true;
    const cm_instancetype_t *it = d->desc.instance;
    if (pget(seen, it))
        return true;
    if (!pput(seen, it, it))
        return false;
    for (uint32_t i = 0; i < it->n; i++)
        if (!collect_resources(set, seen, &it->exports[i]))
            return false;
    return true;
}

static wh_rc fresh_decl(cm__subst *sb, const cm__subst *imported, cm__subst *seen,
                        const cm__comptype *ct, const cm__decl *d)
{
    if (d->desc.kind == CM_EXTERN_TYPE && d->desc.resource) {
        const cm_resource_t *r = d->desc.resource;
        if (r->id < ct->res_lo || r->id >= ct->res_hi || pget(imported, r) || pget(sb, r))
            return WH_OK;
        cm_resource_t *nr = cm__new_resource(sb->x, r->name, NULL);
        if (!nr || !pput(sb, r, nr))
            return cm__nomem(sb->x);
        return WH_OK;
    }
    if (d->desc.kind != CM_EXTERN_INSTANCE || !d->desc.instance)
        return WH_OK;
    const cm_instancetype_t *it = d->desc.instance;
    if (pget(seen, it))
        return WH_OK;
    if (!pput(seen, it, it))
        return cm__nomem(sb->x);
    for (uint32_t i = 0; i < it->n; i++)
        TRY(fresh_decl(sb, imported, seen, ct, &it->exports[i]));
    return WH_OK;
}

wh_rc cm__subst_fresh(cm__subst *sb, const cm__comptype *ct)
{
    if (ct->res_lo == ct->res_hi)
        return WH_OK; /* it makes no resource types */
    cm__subst *imported = cm__subst_new(sb->x), *seen = cm__subst_new(sb->x);
    wh_rc rc = imported && seen ? WH_OK : cm__nomem(sb->x);
    for (uint32_t i = 0; i < ct->nimports && !rc; i++)
        if (!collect_resources(imported, seen, &ct->imports[i]))
            rc = cm__nomem(sb->x);
    if (seen && seen->cap) { /* the export walk starts afresh */
        seen->len = 0;
        memset(seen->data, 0, sizeof *seen->data * seen->cap);
    }
    for (uint32_t i = 0; i < ct->nexports && !rc; i++)
        rc = fresh_decl(sb, imported, seen, ct, &ct->exports[i]);
    cm__subst_free(imported);
    cm__subst_free(seen);
    return rc;
}
