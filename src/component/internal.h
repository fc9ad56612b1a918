/*
 * internal.h — the component layer's own structures: a parsed component as
 * an ordered list of definitions over index spaces (the instantiation plan),
 * the static type spaces, and the runtime objects. Nothing outside
 * src/component/ includes this.
 *
 * A component binary is a sequence of sections whose every entry adds an item
 * to one index space (core funcs, core instances, funcs, types, instances,
 * …). The parser keeps those entries, in binary order, as cm__def records
 * with every index checked; instantiating replays them in that order, which
 * is a valid order by construction (each entry refers only to earlier ones).
 * Types are resolved at parse time into cm_type_t / cm_functype_t /
 * instance and component types; resource types get a static identity
 * (cm_resource_t) that instantiation binds to a runtime one.
 */
#ifndef CM_INTERNAL_H
#define CM_INTERNAL_H

#include "cm.h"

/* Returns from the calling function with x's result code unless it is
 * WH_OK: the layer's way of passing an error up. */
#define TRY(x)                                                                                     \
    do {                                                                                           \
        wh_rc rc_ = (x);                                                                           \
        if (rc_)                                                                                   \
            return rc_;                                                                            \
    } while (0)

/* The index spaces ("sorts"). */
typedef enum {
    CM_SORT_CORE_FUNC,
    CM_SORT_CORE_TABLE,
    CM_SORT_CORE_MEMORY,
    CM_SORT_CORE_GLOBAL,
    CM_SORT_CORE_TYPE,
    CM_SORT_CORE_MODULE,
    CM_SORT_CORE_INSTANCE,
    CM_SORT_FUNC,
    CM_SORT_VALUE,
    CM_SORT_TYPE,
    CM_SORT_COMPONENT,
    CM_SORT_INSTANCE,
    CM_NSORTS
} cm__sort;

typedef struct cm__comp cm__comp;
typedef struct cm__comptype cm__comptype;
typedef struct cm__modtype cm__modtype; /* a core module type (cm_parse.h) */

/* An import or export declaration in a type, or an import of a component. */
typedef struct {
    const char *name;
    cm_externdesc_t desc;          /* desc.name == name */
    const cm__comptype *component; /* CM_EXTERN_COMPONENT */
    const cm__modtype *module;     /* CM_EXTERN_MODULE */
    const cm_type_t *eq;           /* CM_EXTERN_TYPE with (eq i) of a value type, else NULL */
    /* CM_EXTERN_TYPE of a resource: the name this import or export gives
     * the resource (Explainer.md external visibility: each import or export
     * of a type is a name of its own, distinct from the type it names) */
    const void *vis;
    /* CM_EXTERN_TYPE naming a function, component or instance type, which
     * is refused as unsupported once its visibility has been checked */
    const void *other;
    uint8_t other_kind; /* cm__tkind of other */
} cm__decl;

struct cm_instancetype {
    uint32_t n;
    cm__decl *exports;
    /* an instance type definition: the resource ids its `(sub resource)`
     * exports made, made fresh by each import or export of the type
     * (empty for the type of an actual instance) */
    uint32_t res_lo, res_hi;
};

struct cm__comptype {
    uint32_t nimports, nexports;
    cm__decl *imports, *exports;
    /* the resource ids made while reading it: those its exports name and
     * its imports do not are made fresh by each instantiation */
    uint32_t res_lo, res_hi;
};

/* An entry of the (component-level) type index space. */
typedef enum { CM__T_VAL, CM__T_FUNC, CM__T_COMPONENT, CM__T_INSTANCE, CM__T_RESOURCE } cm__tkind;
typedef struct {
    uint8_t kind; /* cm__tkind */
    /* resources: the name of the resource this index stands for (see
     * cm__decl.vis); aliases copy it, imports and exports make new ones */
    const void *vis;
    union {
        const cm_type_t *val;
        const cm_functype_t *func;
        const cm__comptype *comp;
        const cm_instancetype_t *inst;
        const cm_resource_t *res;
    } of;
} cm__typedef;

/* Canonical options (Binary.md canonopt). Indices are core funcs/memories. */
enum { CM_UTF8, CM_UTF16, CM_LATIN1_UTF16 };
#define CM_NONE UINT32_MAX
typedef struct {
    uint8_t encoding;
    uint32_t memory;      /* core memory index, or CM_NONE */
    uint32_t realloc;     /* core func index, or CM_NONE */
    uint32_t post_return; /* core func index, or CM_NONE */
} cm__opts;

/* A "with" argument or an inline export: a name and an item of a sort. */
typedef struct {
    const char *name;
    uint8_t sort; /* cm__sort */
    uint32_t index;
} cm__named;

/* One definition: what it makes (sort, index in that space) and how. */
typedef enum {
    CM__CORE_MODULE,       /* module: m->modules[u.module] */
    CM__CORE_INSTANTIATE,  /* u.inst: module index, args name → core instance */
    CM__CORE_INLINE,       /* u.inst: args are the exports (core sorts) */
    CM__ALIAS_CORE_EXPORT, /* u.alias: core instance, name */
    CM__ALIAS_EXPORT,      /* u.alias: instance, name */
    CM__ALIAS_OUTER,       /* u.outer: count, index (types, components, modules) */
    CM__CANON_LIFT,        /* u.canon: core func, opts, type → func */
    CM__CANON_LOWER,       /* u.canon: func, opts → core func */
    CM__RESOURCE_NEW,      /* u.res: resource type → core func */
    CM__RESOURCE_DROP,
    CM__RESOURCE_REP,
    CM__TYPE,        /* u.type: a type definition (static) */
    CM__COMPONENT,   /* u.comp: a nested component */
    CM__INSTANTIATE, /* u.inst: component index, args → instance */
    CM__INLINE,      /* u.inst: exports → instance */
    CM__IMPORT,      /* u.import: index in imports */
    CM__EXPORT,      /* u.export: index in exports; makes an alias of the item */
} cm__op;

typedef struct {
    uint8_t op;      /* cm__op */
    uint8_t sort;    /* the sort of the item it makes */
    uint32_t index;  /* the item's index in that sort's space */
    uint32_t offset; /* where it is in the binary, for messages */
    union {
        uint32_t module;
        struct {
            uint32_t of; /* module or component index */
            uint32_t nargs;
            cm__named *args;
            /* filled by cm__resolve, NULL when not resolved ahead of time:
             * CORE_INSTANTIATE: per module import, the argument it comes
             * from and its export position there (CM__INLINE_POS set: a
             * position in an inline instance); INSTANTIATE: per import of
             * the nested component, the argument it takes */
            uint32_t *resolved;
        } inst;
        struct {
            uint32_t instance;
            const char *name;
            /* export position + 1 where cm__resolve knew it, or 0; for a
             * component-level instance also the name there (the pointer
             * the instance holds, so a match costs no string compare) */
            uint32_t resolved;
            const char *resolved_name;
        } alias;
        struct {
            uint32_t count, index;
        } outer;
        struct {
            uint32_t func; /* core func (lift) or func (lower) */
            cm__opts opts;
            const cm_functype_t *type; /* lift: the lifted type */
        } canon;
        const cm_resource_t *res;
        cm__typedef type;
        cm__comp *comp;
        uint32_t import;
        uint32_t export;
    } u;
} cm__def;

typedef struct {
    const char *name;
    uint8_t sort;
    uint32_t index;
    cm_externdesc_t desc; /* its type as seen from outside */
} cm__export;

/* One component scope: the top-level component or a nested one. */
struct cm__comp {
    cm__comp *parent;
    cm__def *defs;
    uint32_t ndefs;
    uint32_t count[CM_NSORTS]; /* size of each index space */
    cm__decl *imports;
    uint32_t nimports;
    cm__export *exports;
    uint32_t nexports;
    cm__typedef *types;   /* the type index space (count[CM_SORT_TYPE]) */
    uint32_t *module_ids; /* core module index → index in cm_component.modules */
    /* resource types defined here: rep is i32, dtor a core func index */
    uint32_t nresources;
};

/* A resource type defined by a component ((resource (rep i32) (dtor f))). */
typedef struct {
    cm_resource_t r;
    uint32_t dtor; /* core func index in the defining scope, or CM_NONE */
    const cm__comp *scope;
} cm__resdef;

struct cm_component {
    wh_arena_t arena; /* everything below lives here */
    cm__comp *root;
    wm_module_t **modules; /* every core module of every scope, loaded once */
    uint32_t nmodules;
    uint32_t nresources; /* static resource identities (cm_resource_t.id) */
};

/* Parses and validates bytes into c (wm_module_load for each core module).
 * Errors name the section and byte offset. */
wh_rc cm__parse(cm_component_t *c, const uint8_t *bytes, size_t len, wh_err_t *err);

/* Resolves core export names to positions once, at load time, so that
 * instantiating does no string lookups for them (cm_resolve.c). */
#define CM__INLINE_POS 0x80000000u
wh_rc cm__resolve(cm_component_t *c, wh_err_t *err);

/* Computes a value type's canonical ABI layout (size, align, flat types).
 * The parser calls it for every type it makes. A type that flattens to
 * more than CM__FLAT_CAP core values (list<u8, 268435455> is valid) gets
 * nflat CM__FLAT_MANY and no flat array: every function over it passes it
 * through memory, since CM_MAX_FLAT_PARAMS and CM_MAX_FLAT_RESULTS are far
 * below, so its flat values are never needed. */
wh_rc cm__layout(cm_type_t *t, wh_arena_t *arena);

#define CM__FLAT_CAP  16384
#define CM__FLAT_MANY (CM__FLAT_CAP + 1)

#define CM_MAX_FLAT_PARAMS  16
#define CM_MAX_FLAT_RESULTS 1

#endif
