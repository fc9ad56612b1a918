/*
 * cm_parse.h — what the component parser's files share (cm_parse.c,
 * cm_parse_valtypes.c, cm_parse_coretypes.c, cm_parse_comptypes.c,
 * cm_parse_alias.c, cm_parse_subst.c, cm_parse_util.c): the byte reader,
 * the parse context, the static index spaces of a scope and the core-level
 * types. Nothing outside the parser includes this.
 *
 * Invariant: every index space of a scope is a vector that grows as
 * definitions are read, so an index is valid exactly when it is below the
 * vector's length at the point it is read (each definition refers only to
 * earlier ones). Every object that outlives the parse lives in c->arena; the
 * vectors are wh_malloc'd and freed when their scope ends, on success or
 * failure.
 */
#ifndef CM_PARSE_H
#define CM_PARSE_H

#include "internal.h"

/* Nesting of components and types within each other. */
#define CM__MAX_DEPTH 64
/* A limit that keeps a hostile binary from making huge allocations: flat
 * values of all the types of a component together (one type keeps at most
 * CM__FLAT_CAP). */
#define CM__MAX_TOTAL_FLAT (64u << 20)
/* Types and declarations copied by substitution (cm_parse_subst.c), all
 * told: each import of an instance type copies what holds its resources,
 * and instance types that hold two of the one before double at every
 * level. */
#define CM__MAX_COPIED (1u << 18)
/* CanonicalABI.md: elem_size of every defvaltype is below 2^28. */
#define CM__MAX_ELEM_SIZE (1u << 28)

/* ---- Reading bytes ---- */
typedef struct {
    const uint8_t *start; /* the whole binary: offsets are relative to it */
    const uint8_t *p, *end;
} cm__rd;

/* ---- Core-level static types ---- */

/* An import or export of a core module, or an export of a core instance. */
typedef struct {
    const char *module; /* imports only */
    const char *name;
    uint8_t kind;              /* wm_externkind */
    const wm_functype_t *func; /* WM_EXTERN_FUNC */
    union {
        wm_tabletype_t table;   /* WM_EXTERN_TABLE */
        wm_limits_t memory;     /* WM_EXTERN_MEMORY */
        wm_globaltype_t global; /* WM_EXTERN_GLOBAL */
    } t;
} cm__coreitem;

struct cm__modtype {
    uint32_t nimports, nexports;
    cm__coreitem *imports, *exports;
};

typedef struct {
    uint32_t n;
    cm__coreitem *exports;
} cm__coreinst;

/* An entry of a core type index space: a function type or a module type. */
typedef struct {
    bool is_module;
    const wm_functype_t *func;
    const cm__modtype *module;
} cm__coretype;

/* ---- Scopes ----
 * A scope is a component (its definitions make runtime items) or a
 * component or instance type (declarations only). Each has its own index
 * spaces; outer aliases reach enclosing scopes through `outer`. */
typedef enum { CM__SC_COMPONENT, CM__SC_COMPTYPE, CM__SC_INSTTYPE } cm__sckind;

typedef struct {
    const char **data;
    uint32_t len, cap; /* open addressing; cap is 0 or a power of two */
} cm__nameset;

/* A set of pointers (open addressing; cap is 0 or a power of two). */
typedef struct {
    const void **data;
    uint32_t len, cap;
} cm__ptrset;

typedef struct cm__scope cm__scope;
struct cm__scope {
    cm__scope *outer;
    uint8_t kind; /* cm__sckind */
    WH_VEC(cm__typedef) types;
    WH_VEC(cm__coretype) coretypes;
    WH_VEC(const cm_instancetype_t *) instances;
    WH_VEC(const cm__comptype *) components;
    WH_VEC(const cm_functype_t *) funcs;
    WH_VEC(cm__decl) imports;
    WH_VEC(cm__decl) exports; /* type scopes: the declarations */
    cm__nameset import_names, export_names;
    /* Explainer.md external visibility, in component and component type
     * scopes: the types an import may refer to (named by an import) and
     * those an export may refer to (named by an import or an export).
     * Each holds record, variant, enum and flags types and resource names
     * (cm__decl.vis), and also the anonymous types already found to refer
     * only to members, so that no type is walked twice. */
    cm__ptrset vis_imported, vis_exported;
    uint32_t nvalues, ncoremodules_decl;
    /* component scopes only */
    cm__comp *comp;
    WH_VEC(cm__def) defs;
    WH_VEC(cm__export) cexports;
    WH_VEC(const cm__modtype *) modules;
    WH_VEC(uint32_t) module_ids;
    WH_VEC(const cm__coreinst *) coreinsts;
    WH_VEC(const wm_functype_t *) corefuncs;
    /* the types of the core tables, memories and globals (kind and t) */
    WH_VEC(cm__coreitem) coretables, coremems, coreglobals;
};

/* The state of one parse. */
typedef struct {
    cm_component_t *c;
    wh_err_t *err;
    uint32_t depth;
    uint64_t total_flat;
    uint64_t copied; /* see CM__MAX_COPIED */
    WH_VEC(cm__resdef *) resdefs; /* by resource id; NULL for abstract ones */
    WH_VEC(uint8_t) name_rank;    /* by resource id: where its name came from */
    WH_VEC(wm_module_t *) modules;
} cm__ctx;

/* ---- cm_parse_util.c ---- */
uint32_t cm__off(const cm__rd *r);
wh_rc cm__fail(cm__ctx *x, wh_rc rc, uint32_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
wh_rc cm__nomem(cm__ctx *x);
wh_rc cm__u8(cm__ctx *x, cm__rd *r, uint8_t *out);
wh_rc cm__u32(cm__ctx *x, cm__rd *r, uint32_t *out);
/* A vector count, checked against the bytes left (each item takes at least
 * min_size bytes), so that no huge allocation follows a bogus count. */
wh_rc cm__count(cm__ctx *x, cm__rd *r, uint32_t min_size, uint32_t *out);
/* A name (u32 length, UTF-8 without NUL), copied NUL-terminated into the arena. */
wh_rc cm__name(cm__ctx *x, cm__rd *r, const char **out);
/* nameattributes: the name, and the value of an `implements` attribute
 * (NULL without one); the other attributes are ignored. */
wh_rc cm__externname(cm__ctx *x, cm__rd *r, bool import, const char **out,
                     const char **out_implements);
/* ---- cm_parse_names.c ---- */
/* Checks an import or export name against the extern-name grammar
 * (Explainer.md): WH_INVALID naming the part that is wrong. */
wh_rc cm__check_name(cm__ctx *x, const char *name, bool import, uint32_t off);
/* Checks an annotated function name ([constructor]R, [method]R.m,
 * [static]R.m) against its type and the resource named R among the
 * scope's imports and exports so far. */
wh_rc cm__check_annotated(cm__ctx *x, const cm__scope *s, const cm__decl *d, bool import,
                          uint32_t off);
/* Binary.md: an `implements` attribute (impl, when not NULL) names an
 * interface and is only allowed on an instance with a plain name. */
wh_rc cm__check_implements(cm__ctx *x, const char *name, const char *impl, uint8_t kind,
                           uint32_t off);
/* Adds a name to a set under the spec's strong-uniqueness rule; false when an
 * equivalent name is already there. */
wh_rc cm__nameset_add(cm__ctx *x, cm__nameset *s, const char *name, bool *out_dup);
/* The same with plain string equality when exact is set (core names). */
wh_rc cm__nameset_add_mode(cm__ctx *x, cm__nameset *s, const char *name, bool exact, bool *out_dup);
void cm__nameset_free(cm__nameset *s);
/* Adds p to a set; *out_new says whether it was not there. */
bool cm__ptrset_add(cm__ptrset *s, const void *p, bool *out_new);
bool cm__ptrset_has(const cm__ptrset *s, const void *p);
void cm__ptrset_free(cm__ptrset *s);
void *cm__alloc(cm__ctx *x, size_t n);              /* zeroed, from the arena */
void *cm__dup(cm__ctx *x, const void *p, size_t n); /* p may be NULL when n is 0 */
void cm__scope_free(cm__scope *s);

extern const char *const cm__sort_names[CM_NSORTS];

/* ---- cm_parse_coretypes.c ---- */
/* Core subtyping (the WebAssembly spec's import matching): does have
 * match want? If not, why (n bytes) says how. */
bool cm__core_item_matches(const cm__coreitem *have, const cm__coreitem *want, char *why, size_t n);
/* Module subtyping (Explainer.md): a module of type have may stand for
 * one of type want when it imports no more (each import of have is one of
 * want's, with a type want's matches) and exports no less. */
bool cm__modtype_matches(const cm__modtype *have, const cm__modtype *want, char *why, size_t n);
/* Adds a core import's name to seen, refusing two that mangle alike. */
wh_rc cm__core_import_name(cm__ctx *x, cm__nameset *seen, const char *module, const char *name,
                           uint32_t off);
/* Reads a core:type into the scope's core type space. */
wh_rc cm__read_core_type(cm__ctx *x, cm__rd *r, cm__scope *s);

/* ---- cm_parse_comptypes.c ---- */
/* Reads a type definition (deftype) into the scope's type space. */
wh_rc cm__read_type(cm__ctx *x, cm__rd *r, cm__scope *s, cm__def *out_def);
/* Reads an externtype and fills a declaration (whose name is set); a
 * `(sub resource)` bound makes a fresh resource type. */
wh_rc cm__read_externtype(cm__ctx *x, cm__rd *r, cm__scope *s, cm__decl *d);
/* Adds a declared item (import or export declaration) to the index spaces. */
wh_rc cm__add_decl_item(cm__ctx *x, cm__scope *s, const cm__decl *d, uint32_t off);
/* The scope ct levels out from s (0: s itself), or NULL past the outermost. */
cm__scope *cm__outer_scope(cm__scope *s, uint32_t ct);

/* ---- cm_parse_alias.c ---- */
/* A sort (Binary.md sort, with core sorts behind 0x00) as a cm__sort. */
wh_rc cm__read_sort(cm__ctx *x, cm__rd *r, uint8_t *out);
/* Reads an alias (any kind) and adds its item; out_def may be NULL in type
 * scopes. */
wh_rc cm__read_alias(cm__ctx *x, cm__rd *r, cm__scope *s, cm__def *out_def);

/* ---- cm_parse_valtypes.c ---- */
/* A valtype: a primitive or an index of a defvaltype. */
wh_rc cm__read_valtype(cm__ctx *x, cm__rd *r, cm__scope *s, const cm_type_t **out);
/* A defvaltype whose opcode op (at offset off) was read. */
wh_rc cm__read_defvaltype(cm__ctx *x, cm__rd *r, cm__scope *s, uint8_t op, uint32_t off,
                          const cm_type_t **out);
/* A functype, after its 0x40. */
wh_rc cm__read_functype(cm__ctx *x, cm__rd *r, cm__scope *s, uint32_t off,
                        const cm_functype_t **out);
/* The type at index idx of the scope's type space (off: for the error). */
wh_rc cm__type_at(cm__ctx *x, cm__scope *s, uint32_t idx, uint32_t off, const cm__typedef **out);
/* Marks the resources an import brings in as the host's. */
void cm__mark_host(const cm__decl *d);
/* Does the type contain a string or list (anywhere), a borrow? */
bool cm__has_memory_type(const cm_type_t *t);
bool cm__has_borrow(const cm_type_t *t);
bool cm__has_handle(const cm_type_t *t);
/* A copy of a type made by the parser (or a primitive), to change. */
cm_type_t *cm__copy_type(cm__ctx *x, const cm_type_t *t);
/* CanonicalABI.md flatten_functype for a sync lift or lower. */
wh_rc cm__flatten_functype(cm__ctx *x, const cm_functype_t *ft, bool lower,
                           const wm_functype_t **out);
/* Names a resource as a declaration in scope kind sc does: a name from an
 * instance type (its WIT name) wins over a component-level one (which
 * wit-component makes up, "import-type-…"); otherwise the first name stays. */
void cm__name_resource(cm__ctx *x, const cm_resource_t *res, const char *name, uint8_t sc);
/* A fresh resource type. */
cm_resource_t *cm__new_resource(cm__ctx *x, const char *name, cm__resdef **out_def);
const char *cm__kind_name(uint8_t externkind);

/* A fresh name for a resource type (cm__decl.vis), or NULL (out of memory). */
const void *cm__new_vis(cm__ctx *x);
/* The resource name an own or borrow type refers to (cm__decl.vis). */
const void *cm__handle_vis(const cm_type_t *t);
void cm__set_handle_vis(cm_type_t *t, const void *vis);
/* The type an import or export of type t (eq t) makes: a type of its own,
 * equal to t, named `name` (t, a primitive, stays itself). */
const cm_type_t *cm__created_type(cm__ctx *x, const cm_type_t *t, const char *name);

/* ---- cm_parse_vis.c: external visibility of types (Explainer.md) ---- */
/* Checks that what the import or export d of scope s refers to has names
 * outside (WH_INVALID "<kind> not valid to be used as import|export"),
 * then records the names d itself gives. Instance type scopes check
 * nothing: their declarations are checked where the type is used. A
 * type import or export of a function, component or instance type is
 * then refused as unsupported (WH_UNSUPPORTED). */
wh_rc cm__vis_extern(cm__ctx *x, cm__scope *s, const cm__decl *d, bool import, uint32_t off);

/* ---- cm_parse_subst.c: resource types replaced in instance types ---- */
typedef struct cm__subst cm__subst;
cm__subst *cm__subst_new(cm__ctx *x);
void cm__subst_free(cm__subst *sb);
bool cm__subst_resource(cm__subst *sb, const cm_resource_t *from, const cm_resource_t *to);
/* Maps a resource name (cm__decl.vis) to another, in own and borrow types. */
bool cm__subst_vis(cm__subst *sb, const void *from, const void *to);
/* Maps an imported value type to the type an argument gives for it: the
 * types that refer to it are copied with the argument's type. */
bool cm__subst_value(cm__subst *sb, const cm_type_t *from, const cm_type_t *to);
wh_rc cm__subst_instance(cm__subst *sb, const cm_instancetype_t *it, const cm_instancetype_t **out);
/* Maps every resource type ct makes itself (one its exports name that is
 * not one of its imports') to a fresh one, for one instantiation of ct. */
wh_rc cm__subst_fresh(cm__subst *sb, const cm__comptype *ct);
/* The instance type it with the resource types its definition made
 * replaced by fresh ones (it itself when it made none). */
wh_rc cm__subst_fresh_instance(cm__ctx *x, const cm_instancetype_t *it,
                               const cm_instancetype_t **out);
/* Does have (an instantiation argument) fit want (the import it
 * satisfies), with the resources mapped so far substituted in want? *ok
 * says; why (n bytes) says how not. Errors are allocation failures. */
wh_rc cm__subst_check(cm__subst *sb, const cm__decl *want, const cm__decl *have, char *why,
                      size_t n, bool *ok);

#endif
