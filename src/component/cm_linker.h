/*
 * cm_linker.h — the linker's structures, shared by cm_linker.c (defining)
 * and cm_instance.c (resolving imports).
 */
#ifndef CM_LINKER_H
#define CM_LINKER_H

#include "internal.h"

typedef struct {
    const char *name;
    const cm_functype_t *type;
    cm_host_fn fn;
    void *env;
} cm__lfunc;

typedef struct {
    cm_resource_t res;
    cm_host_dtor dtor;
    void *env;
} cm__lres;

typedef struct {
    const char *name;
    const cm_type_t *type;
} cm__ltype;

typedef struct {
    const char *name; /* "wasi:http/types@0.2.0", or "" for top-level imports */
    WH_VEC(cm__lfunc) funcs;
    WH_VEC(cm__lres *) resources;
    WH_VEC(cm__ltype) types;
} cm__iface;

struct cm_linker {
    wh_arena_t arena;
    WH_VEC(cm__iface *) ifaces;
};

/* The interface that satisfies an import named want (semver-compatible). */
cm__iface *cm__linker_iface(const cm_linker_t *l, const char *want);
const cm__lfunc *cm__linker_func(const cm__iface *f, const char *name);
const cm__lres *cm__linker_resource(const cm__iface *f, const char *name);

/* Structural equality; resources compare by name. why gets the first
 * difference for the error message. */
bool cm__type_eq(const cm_type_t *a, const cm_type_t *b);
bool cm__functype_eq(const cm_functype_t *a, const cm_functype_t *b, char *why, size_t whylen);

#endif
