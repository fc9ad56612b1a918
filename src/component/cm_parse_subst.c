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

#include <stdio.h>
#include <string.h>

typedef struct {
    const void *from, *to;
} pent;

struct cm__subst {
    cm__ctx *x;
    pent *data;
    uint32_t len, cap; /* open addressing, cap a power of two */
    uint32_t depth;
    bool values; /* value types are mapped too: any type may change */
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
    /* the first argument for an import stands: a later `(eq)` import of
     * the same resource is checked against it (cm__subst_check) */
    return from == to || pget(sb, from) || pput(sb, from, to);
}

bool cm__subst_vis(cm__subst *sb, const void *from, const void *to)
{
    return from == to || !from || !to || pput(sb, from, to);
}

bool cm__subst_value(cm__subst *sb, const cm_type_t *from, const cm_type_t *to)
{
    if (from == to || !from || !to)
        return true;
    sb->values = true;
    return pput(sb, from, to);
}

#define CM__MAX_SUBST_DEPTH 512

/* Counts n more copies against the parse's budget. */
static wh_rc count_copies(cm__subst *sb, uint64_t n)
{
    sb->x->copied += n;
    if (sb->x->copied > CM__MAX_COPIED)
        return cm__fail(sb->x, WH_UNSUPPORTED, 0,
                        "instance types too large to substitute (more than %u types and "
                        "declarations copied)",
                        CM__MAX_COPIED);
    return WH_OK;
}

static wh_rc subst_type(cm__subst *sb, const cm_type_t *t, const cm_type_t **out)
{
    *out = t;
    if (!t || !sb->len || (!sb->values && !cm__has_handle(t)) || cm_prim((cm_kind)t->kind) == t)
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
        const void *vis = cm__handle_vis(t) ? pget(sb, cm__handle_vis(t)) : NULL;
        if (r || vis) {
            if (!(v = cm__copy_type(sb->x, t)))
                return cm__nomem(sb->x);
            if (r)
                v->res = r;
            if (vis)
                cm__set_handle_vis(v, vis);
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
            /* handles are all i32, and a value type stands for an equal
             * one: the layout does not change */
            if (!(v = cm__copy_type(sb->x, t)))
                return cm__nomem(sb->x);
            v->elems = elems;
        }
    }
    if (v) {
        *out = v;
        TRY(count_copies(sb, 1));
    }
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
    TRY(count_copies(sb, 1 + (uint64_t)it->n));
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

static wh_rc fresh_decl(cm__subst *sb, const cm__subst *imported, cm__subst *seen, uint32_t lo,
                        uint32_t hi, const cm__decl *d)
{
    if (d->desc.kind == CM_EXTERN_TYPE && d->desc.resource) {
        const cm_resource_t *r = d->desc.resource;
        if (r->id < lo || r->id >= hi || (imported && pget(imported, r)) || pget(sb, r))
            return WH_OK;
        cm_resource_t *nr = cm__new_resource(sb->x, r->name, NULL);
        if (!nr || !pput(sb, r, nr))
            return cm__nomem(sb->x);
        /* it keeps the standing of the name it copies (cm__name_resource) */
        sb->x->name_rank.data[nr->id] = sb->x->name_rank.data[r->id];
        nr->host = r->host;
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
        TRY(fresh_decl(sb, imported, seen, lo, hi, &it->exports[i]));
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
        rc = fresh_decl(sb, imported, seen, ct->res_lo, ct->res_hi, &ct->exports[i]);
    cm__subst_free(imported);
    cm__subst_free(seen);
    return rc;
}

wh_rc cm__subst_fresh_instance(cm__ctx *x, const cm_instancetype_t *it,
                               const cm_instancetype_t **out)
{
    *out = it;
    if (!it || it->res_lo == it->res_hi)
        return WH_OK;
    cm__subst *sb = cm__subst_new(x), *seen = cm__subst_new(x);
    wh_rc rc = sb && seen ? WH_OK : cm__nomem(x);
    for (uint32_t i = 0; i < it->n && !rc; i++)
        rc = fresh_decl(sb, NULL, seen, it->res_lo, it->res_hi, &it->exports[i]);
    if (!rc)
        rc = cm__subst_instance(sb, it, out);
    cm__subst_free(sb);
    cm__subst_free(seen);
    return rc;
}

/* ---- instantiation arguments against the imports they satisfy ---- */

static const char *kind_word(uint8_t k)
{
    static const char *const names[] = {
        [CM_BOOL] = "bool",     [CM_S8] = "s8",         [CM_U8] = "u8",
        [CM_S16] = "s16",       [CM_U16] = "u16",       [CM_S32] = "s32",
        [CM_U32] = "u32",       [CM_S64] = "s64",       [CM_U64] = "u64",
        [CM_F32] = "f32",       [CM_F64] = "f64",       [CM_CHAR] = "char",
        [CM_STRING] = "string", [CM_RECORD] = "record", [CM_VARIANT] = "variant",
        [CM_LIST] = "list",     [CM_TUPLE] = "tuple",   [CM_FLAGS] = "flags",
        [CM_ENUM] = "enum",     [CM_OPTION] = "option", [CM_RESULT] = "result",
        [CM_OWN] = "own",       [CM_BORROW] = "borrow", [CM_ERROR_CONTEXT] = "error-context",
        [CM_STREAM] = "stream", [CM_FUTURE] = "future", [CM_FIXED_LIST] = "fixed-length list",
        [CM_MAP] = "map"};
    return k < sizeof names / sizeof *names && names[k] ? names[k] : "type";
}

/* Are want and have the same type (Explainer.md: value types match
 * structurally, resource types by identity)? */
static bool val_eq(const cm_type_t *want, const cm_type_t *have, char *why, size_t n,
                   uint32_t depth)
{
    if (want == have)
        return true;
    if (!want || !have) {
        snprintf(why, n, want ? "expected a type, found none" : "expected no type, found one");
        return false;
    }
    if (depth > CM__MAX_SUBST_DEPTH) {
        snprintf(why, n, "types nested too deeply to compare");
        return false;
    }
    if (want->kind != have->kind) {
        snprintf(why, n, "expected %s, found %s", kind_word(want->kind), kind_word(have->kind));
        return false;
    }
    switch (want->kind) {
    case CM_OWN:
    case CM_BORROW:
        if (want->res != have->res) {
            snprintf(why, n, "expected resource `%s`, found another resource `%s`",
                     want->res->name ? want->res->name : "",
                     have->res->name ? have->res->name : "");
            return false;
        }
        return true;
    case CM_LIST:
    case CM_OPTION:
    case CM_STREAM:
    case CM_FUTURE:
        return val_eq(want->elems ? want->elems[0] : NULL, have->elems ? have->elems[0] : NULL, why,
                      n, depth + 1);
    case CM_FIXED_LIST:
        if (want->length != have->length) {
            snprintf(why, n, "expected a list of %u, found one of %u", want->length, have->length);
            return false;
        }
        return val_eq(want->elems[0], have->elems[0], why, n, depth + 1);
    case CM_MAP:
        return val_eq(want->elems[0], have->elems[0], why, n, depth + 1) &&
               val_eq(want->elems[1], have->elems[1], why, n, depth + 1);
    case CM_RESULT:
        if (!val_eq(want->elems[0], have->elems[0], why, n, depth + 1) ||
            !val_eq(want->elems[1], have->elems[1], why, n, depth + 1)) {
            char sub[120];
            snprintf(sub, sizeof sub, "%s", why);
            snprintf(why, n, "type mismatch in result: %s", sub);
            return false;
        }
        return true;
    case CM_RECORD:
    case CM_VARIANT:
    case CM_TUPLE:
    case CM_FLAGS:
    case CM_ENUM:
        if (want->n != have->n) {
            snprintf(why, n, "expected %u %s, found %u", want->n,
                     want->kind == CM_VARIANT ? "cases" : "fields", have->n);
            return false;
        }
        for (uint32_t i = 0; i < want->n; i++) {
            const char *wl = want->labels ? want->labels[i] : NULL;
            const char *hl = have->labels ? have->labels[i] : NULL;
            if ((wl || hl) && (!wl || !hl || strcmp(wl, hl))) {
                snprintf(why, n, "expected name `%s`, found `%s`", wl ? wl : "", hl ? hl : "");
                return false;
            }
            const cm_type_t *we = want->elems ? want->elems[i] : NULL;
            const cm_type_t *he = have->elems ? have->elems[i] : NULL;
            if (!val_eq(we, he, why, n, depth + 1)) {
                char sub[120];
                snprintf(sub, sizeof sub, "%s", why);
                snprintf(why, n, "type mismatch in %s %u: %s", kind_word(want->kind), i, sub);
                return false;
            }
        }
        return true;
    default:
        return true; /* the same primitive */
    }
}

static bool func_eq(const cm_functype_t *want, const cm_functype_t *have, char *why, size_t n)
{
    char sub[120];
    if (want->nparams != have->nparams) {
        snprintf(why, n, "expected %u parameters, found %u", want->nparams, have->nparams);
        return false;
    }
    for (uint32_t i = 0; i < want->nparams; i++) {
        const char *wn = want->names ? want->names[i] : NULL;
        const char *hn = have->names ? have->names[i] : NULL;
        if (wn && hn && strcmp(wn, hn)) {
            snprintf(why, n, "expected parameter named `%s`, found `%s`", wn, hn);
            return false;
        }
        if (!val_eq(want->params[i], have->params[i], sub, sizeof sub, 0)) {
            snprintf(why, n, "type mismatch in function parameter `%s`: %s", wn ? wn : "", sub);
            return false;
        }
    }
    if (!want->result != !have->result) {
        snprintf(why, n,
                 want->result ? "expected a result, found none" : "expected no result, found one");
        return false;
    }
    if (!val_eq(want->result, have->result, sub, sizeof sub, 0)) {
        snprintf(why, n, "type mismatch with result type: %s", sub);
        return false;
    }
    return true;
}

static wh_rc check_decl(cm__subst *sb, const cm__decl *want, const cm__decl *have, char *why,
                        size_t n, bool *ok, uint32_t depth)
{
    *ok = true;
    if (want->desc.kind != have->desc.kind) {
        snprintf(why, n, "expected a %s, found a %s", cm__kind_name(want->desc.kind),
                 cm__kind_name(have->desc.kind));
        *ok = false;
        return WH_OK;
    }
    if (depth > CM__MAX_SUBST_DEPTH)
        return cm__fail(sb->x, WH_UNSUPPORTED, 0, "instance types nested too deeply to compare");
    switch (want->desc.kind) {
    case CM_EXTERN_FUNC: {
        const cm_functype_t *wf;
        TRY(subst_func(sb, want->desc.func, &wf));
        *ok = !wf || !have->desc.func || func_eq(wf, have->desc.func, why, n);
        return WH_OK;
    }
    case CM_EXTERN_TYPE: {
        if (!want->desc.resource != !have->desc.resource) {
            snprintf(why, n,
                     want->desc.resource ? "expected a resource type, found a value type"
                                         : "expected a value type, found a resource type");
            *ok = false;
            return WH_OK;
        }
        if (want->desc.resource) {
            /* the argument's resource stands for the import's, unless an
             * earlier import (this one is `(eq)` to) got another */
            const cm_resource_t *m = pget(sb, want->desc.resource);
            if (m && m != have->desc.resource) {
                snprintf(why, n, "resource types are not the same (`%s` and `%s`)",
                         m->name ? m->name : "",
                         have->desc.resource->name ? have->desc.resource->name : "");
                *ok = false;
            }
            return WH_OK;
        }
        const cm_type_t *wt;
        TRY(subst_type(sb, want->desc.type, &wt));
        *ok = val_eq(wt, have->desc.type, why, n, 0);
        return WH_OK;
    }
    case CM_EXTERN_INSTANCE: {
        const cm_instancetype_t *w = want->desc.instance, *h = have->desc.instance;
        if (!w || !h)
            return WH_OK;
        for (uint32_t i = 0; i < w->n && *ok; i++) {
            const cm__decl *we = &w->exports[i], *he = NULL;
            for (uint32_t k = 0; k < h->n && !he; k++)
                if (!strcmp(h->exports[k].name, we->name))
                    he = &h->exports[k];
            if (!he) {
                snprintf(why, n, "missing expected export `%s`", we->name);
                *ok = false;
                return WH_OK;
            }
            char sub[160];
            TRY(check_decl(sb, we, he, sub, sizeof sub, ok, depth + 1));
            if (!*ok)
                snprintf(why, n, "type mismatch in instance export `%s`: %s", we->name, sub);
        }
        return WH_OK;
    }
    default:
        return WH_OK; /* modules are checked by the caller; components by kind only */
    }
}

wh_rc cm__subst_check(cm__subst *sb, const cm__decl *want, const cm__decl *have, char *why,
                      size_t n, bool *ok)
{
    return check_decl(sb, want, have, why, n, ok, 0);
}
