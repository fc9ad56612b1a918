/*
 * cm_linker.c — the host's functions, resource types and named types, by
 * interface ("wasi:http/types@0.2.0"), and how a component's imports find
 * them: the same package and interface, and a semver-compatible version
 * (the same major version, and for 0.x the same minor: a guest built for
 * 0.2.0 links to a host providing 0.2.12).
 */
#include "cm_linker.h"
#include "cm_wit.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

cm_linker_t *cm_linker_new(void)
{
    cm_linker_t *l = wh_calloc(1, sizeof *l);
    if (l)
        wh_arena_init(&l->arena, 16384);
    return l;
}

void cm_linker_free(cm_linker_t *l)
{
    if (!l)
        return;
    for (uint32_t i = 0; i < l->ifaces.len; i++) {
        cm__iface *f = l->ifaces.data[i];
        wh_vec_free(&f->funcs);
        wh_vec_free(&f->resources);
        wh_vec_free(&f->types);
    }
    wh_vec_free(&l->ifaces);
    wh_arena_free(&l->arena);
    wh_free(l);
}

/* Splits "ns:pkg/iface@1.2.3" at the '@'; *ver is NULL without a version. */
static void split_version(const char *name, size_t *base_len, const char **ver)
{
    const char *at = strrchr(name, '@');
    *base_len = at ? (size_t)(at - name) : strlen(name);
    *ver = at ? at + 1 : NULL;
}

/* Parses "major.minor.patch" (a pre-release suffix is kept apart). */
static bool parse_semver(const char *v, unsigned long out[3], const char **pre)
{
    char *end;
    for (int i = 0; i < 3; i++) {
        out[i] = strtoul(v, &end, 10);
        if (end == v)
            return false;
        v = end;
        if (i < 2) {
            if (*v != '.')
                return false;
            v++;
        }
    }
    *pre = *v == '-' ? v : NULL;
    return *v == 0 || *v == '-' || *v == '+';
}

/* Can a host providing version `have` satisfy an import of version `want`? */
static bool compatible(const char *want, const char *have)
{
    if (!want || !have)
        return !want && !have;
    unsigned long w[3], h[3];
    const char *wpre, *hpre;
    if (!parse_semver(want, w, &wpre) || !parse_semver(have, h, &hpre))
        return !strcmp(want, have);
    if (wpre || hpre) /* pre-releases match only exactly */
        return !strcmp(want, have);
    if (w[0] != h[0])
        return false;
    return w[0] != 0 || w[1] == h[1];
}

cm__iface *cm__linker_iface(const cm_linker_t *l, const char *want)
{
    size_t wlen;
    const char *wver;
    split_version(want, &wlen, &wver);
    for (uint32_t i = 0; i < l->ifaces.len; i++) {
        cm__iface *f = l->ifaces.data[i];
        size_t hlen;
        const char *hver;
        split_version(f->name, &hlen, &hver);
        if (hlen == wlen && !memcmp(f->name, want, wlen) && compatible(wver, hver))
            return f;
    }
    return NULL;
}

static cm__iface *get_iface(cm_linker_t *l, const char *name, wh_err_t *err)
{
    for (uint32_t i = 0; i < l->ifaces.len; i++)
        if (!strcmp(l->ifaces.data[i]->name, name))
            return l->ifaces.data[i];
    cm__iface *f = wh_arena_calloc(&l->arena, sizeof *f);
    char *copy = f ? wh_arena_dup(&l->arena, name, strlen(name) + 1) : NULL;
    if (!copy || !wh_vec_push(&l->ifaces, f)) {
        wh_err(err, WH_NOMEM, -1, "out of memory");
        return NULL;
    }
    f->name = copy;
    return f;
}

static const char *dup(cm_linker_t *l, const char *s)
{
    return wh_arena_dup(&l->arena, s, strlen(s) + 1);
}

wh_rc cm_linker_define_func_type(cm_linker_t *l, const char *iface, const char *name,
                                 const cm_functype_t *type, cm_host_fn fn, void *env,
                                 wh_err_t *err)
{
    cm__iface *f = get_iface(l, iface, err);
    if (!f)
        return WH_NOMEM;
    if (cm__linker_func(f, name))
        return wh_err(err, WH_ARG, -1, "%s#%s is defined twice", iface, name);
    cm__lfunc lf = {.name = dup(l, name), .type = type, .fn = fn, .env = env};
    if (!lf.name || !wh_vec_push(&f->funcs, lf))
        return wh_err(err, WH_NOMEM, -1, "out of memory");
    return WH_OK;
}

wh_rc cm_linker_define_resource(cm_linker_t *l, const char *iface, const char *name,
                                cm_host_dtor dtor, void *env, wh_err_t *err)
{
    cm__iface *f = get_iface(l, iface, err);
    if (!f)
        return WH_NOMEM;
    if (cm__linker_resource(f, name))
        return wh_err(err, WH_ARG, -1, "resource %s#%s is defined twice", iface, name);
    cm__lres *r = wh_arena_calloc(&l->arena, sizeof *r);
    if (!r || !(r->res.name = dup(l, name)) || !wh_vec_push(&f->resources, r))
        return wh_err(err, WH_NOMEM, -1, "out of memory");
    r->res.host = true;
    r->res.id = UINT32_MAX; /* host resources are not numbered by a component */
    r->dtor = dtor;
    r->env = env;
    return WH_OK;
}

const cm__lfunc *cm__linker_func(const cm__iface *f, const char *name)
{
    for (uint32_t i = 0; i < f->funcs.len; i++)
        if (!strcmp(f->funcs.data[i].name, name))
            return &f->funcs.data[i];
    return NULL;
}

const cm__lres *cm__linker_resource(const cm__iface *f, const char *name)
{
    for (uint32_t i = 0; i < f->resources.len; i++)
        if (!strcmp(f->resources.data[i]->res.name, name))
            return f->resources.data[i];
    return NULL;
}

/* ---- structural type equality, for checking imports ---- */

static bool str_eq(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

bool cm__type_eq(const cm_type_t *a, const cm_type_t *b)
{
    if (a == b)
        return true;
    if (!a || !b || a->kind != b->kind)
        return false;
    switch (a->kind) {
    case CM_OWN:
    case CM_BORROW:
        /* Resources are matched by name within the interface being linked. */
        return str_eq(a->res->name, b->res->name);
    case CM_LIST:
    case CM_OPTION:
        return cm__type_eq(a->elems[0], b->elems[0]);
    case CM_RESULT:
    case CM_MAP:
        return cm__type_eq(a->elems[0], b->elems[0]) && cm__type_eq(a->elems[1], b->elems[1]);
    case CM_FIXED_LIST:
        return a->length == b->length && cm__type_eq(a->elems[0], b->elems[0]);
    case CM_RECORD:
    case CM_VARIANT:
    case CM_TUPLE:
    case CM_FLAGS:
    case CM_ENUM:
        if (a->n != b->n)
            return false;
        for (uint32_t i = 0; i < a->n; i++) {
            if (a->labels && b->labels && !str_eq(a->labels[i], b->labels[i]))
                return false;
            if (a->elems && b->elems && !cm__type_eq(a->elems[i], b->elems[i]))
                return false;
            if (!a->elems != !b->elems)
                return false;
        }
        return true;
    default:
        return true; /* the same primitive */
    }
}

bool cm__functype_eq(const cm_functype_t *a, const cm_functype_t *b, char *why, size_t whylen)
{
    if (a->nparams != b->nparams) {
        snprintf(why, whylen, "%u parameters, the host has %u", a->nparams, b->nparams);
        return false;
    }
    for (uint32_t i = 0; i < a->nparams; i++) {
        if (!cm__type_eq(a->params[i], b->params[i])) {
            snprintf(why, whylen, "parameter %u (%s) has another type", i,
                     a->names && a->names[i] ? a->names[i] : "?");
            return false;
        }
    }
    if (!cm__type_eq(a->result, b->result)) {
        snprintf(why, whylen, "the result has another type");
        return false;
    }
    return true;
}

/* ---- definitions written in WIT ---- */

static const cm_type_t *scope_type(void *ctx, const char *name, size_t len)
{
    const cm__iface *f = ctx;
    for (uint32_t i = 0; i < f->types.len; i++)
        if (strlen(f->types.data[i].name) == len && !memcmp(f->types.data[i].name, name, len))
            return f->types.data[i].type;
    return NULL;
}

static const cm_resource_t *scope_resource(void *ctx, const char *name, size_t len)
{
    const cm__iface *f = ctx;
    for (uint32_t i = 0; i < f->resources.len; i++) {
        const cm__lres *r = f->resources.data[i];
        if (strlen(r->res.name) == len && !memcmp(r->res.name, name, len))
            return &r->res;
    }
    return NULL;
}

wh_rc cm_linker_define_func(cm_linker_t *l, const char *iface, const char *name, const char *sig,
                            cm_host_fn fn, void *env, wh_err_t *err)
{
    cm__iface *f = get_iface(l, iface, err);
    if (!f)
        return WH_NOMEM;
    cm__wit_scope scope = {f, scope_type, scope_resource};
    cm_functype_t *ft;
    wh_rc rc = cm__wit_parse_func(sig, strlen(sig), &scope, &l->arena, &ft, err);
    if (rc) {
        if (err) {
            /* Say which definition failed, keeping the parser's detail. */
            char msg[sizeof err->msg + 128];
            int n = snprintf(msg, sizeof msg, "%s#%s: %s", iface, name, err->msg);
            if (n > 0) {
                size_t k = (size_t)n < sizeof err->msg ? (size_t)n : sizeof err->msg - 1;
                memcpy(err->msg, msg, k);
                err->msg[k] = 0;
            }
        }
        return rc;
    }
    return cm_linker_define_func_type(l, iface, name, ft, fn, env, err);
}

wh_rc cm_linker_define_type(cm_linker_t *l, const char *iface, const char *name, const char *def,
                            wh_err_t *err)
{
    cm__iface *f = get_iface(l, iface, err);
    if (!f)
        return WH_NOMEM;
    cm__wit_scope scope = {f, scope_type, scope_resource};
    const cm_type_t *t;
    bool is_resource = false;
    wh_rc rc = cm__wit_parse_typedef(name, def, strlen(def), &scope, &l->arena, &t, &is_resource,
                                     err);
    if (rc)
        return rc;
    if (is_resource)
        return cm_linker_define_resource(l, iface, name, NULL, NULL, err);
    if (scope_type(f, name, strlen(name)))
        return wh_err(err, WH_ARG, -1, "type %s#%s is defined twice", iface, name);
    cm__ltype lt = {.name = dup(l, name), .type = t};
    if (!lt.name || !wh_vec_push(&f->types, lt))
        return wh_err(err, WH_NOMEM, -1, "out of memory");
    return WH_OK;
}

/* ---- what the host provides, for `inspect` ---- */

/* Is r exported by an import before import `upto`, or earlier in the same
 * instance type (before export `before`)? Then it is that resource again
 * (`type headers = fields`, a `use` of another interface's resource), not
 * one the host must define under this name. */
static bool seen_resource(const cm_component_t *c, uint32_t upto, const cm_instancetype_t *it,
                          uint32_t before, const cm_resource_t *r)
{
    for (uint32_t i = 0; i <= upto; i++) {
        cm_externdesc_t imp;
        if (!cm_component_import(c, i, &imp) || imp.kind != CM_EXTERN_INSTANCE)
            continue;
        uint32_t n = i == upto ? before : cm_instancetype_count(imp.instance);
        for (uint32_t k = 0; k < n; k++) {
            cm_externdesc_t e;
            if (cm_instancetype_export(i == upto ? it : imp.instance, k, &e) && e.resource == r)
                return true;
        }
    }
    return false;
}

bool cm_linker_provides(const cm_linker_t *l, const cm_component_t *c, uint32_t index, char *why,
                        size_t n)
{
    cm_externdesc_t imp;
    if (!cm_component_import(c, index, &imp)) {
        snprintf(why, n, "no such import");
        return false;
    }
    if (imp.kind != CM_EXTERN_INSTANCE && imp.kind != CM_EXTERN_FUNC) {
        snprintf(why, n, "the host provides only functions and instances");
        return false;
    }
    const cm__iface *f = cm__linker_iface(l, imp.kind == CM_EXTERN_INSTANCE ? imp.name : "");
    if (!f) {
        snprintf(why, n, "no such interface");
        return false;
    }
    if (imp.kind == CM_EXTERN_FUNC) {
        const cm__lfunc *lf = cm__linker_func(f, imp.name);
        if (!lf) {
            snprintf(why, n, "no such function");
            return false;
        }
        return cm__functype_eq(imp.func, lf->type, why, n);
    }
    for (uint32_t i = 0; i < cm_instancetype_count(imp.instance); i++) {
        cm_externdesc_t e;
        if (!cm_instancetype_export(imp.instance, i, &e))
            continue;
        if (e.kind == CM_EXTERN_FUNC) {
            const cm__lfunc *lf = cm__linker_func(f, e.name);
            char detail[160];
            if (!lf) {
                snprintf(why, n, "no function %s", e.name);
                return false;
            }
            if (!cm__functype_eq(e.func, lf->type, detail, sizeof detail)) {
                snprintf(why, n, "%s has another type: %s", e.name, detail);
                return false;
            }
        } else if (e.kind == CM_EXTERN_TYPE && e.resource && !cm__linker_resource(f, e.name) &&
                   !seen_resource(c, index, imp.instance, i, e.resource)) {
            snprintf(why, n, "no resource %s", e.name);
            return false;
        }
    }
    return true;
}
