/*
 * cm_rt.h — the component layer's runtime: instances, functions, resource
 * handles, and the canonical ABI entry points (cm_abi.c) that move values
 * between cm_val_t and a guest's core values and linear memory.
 */
#ifndef CM_RT_H
#define CM_RT_H

#include "internal.h"

typedef struct cm__cinst cm__cinst;

/* A resource type at run time: what dropping the last own handle does.
 * Each instantiation of a component makes its own (Explainer.md: resource
 * types are generative, fresh per component instance); they live in the
 * root instance's arena. */
typedef struct {
    const char *name;
    cm_host_dtor host_dtor; /* host resources */
    void *host_env;
    wm_func_t *guest_dtor; /* guest-defined resources with a destructor */
    cm__cinst *impl;       /* the component instance that defined it; NULL: the host */
} cm__rres;

/* One entry of a component instance's handle table (CanonicalABI.md
 * ResourceHandle). */
typedef struct {
    uint32_t rep;
    cm__rres *rt;
    bool used, own;
    uint32_t lend_count;   /* borrows of this own handle lent to calls still running */
    uint32_t borrow_scope; /* borrow handles: the call depth that created it */
    uint32_t next_free;
} cm__handle;

/* A component instance inside a root instance (cm_instance_t): the root
 * component's own, or one a nested `instantiate` made (CanonicalABI.md
 * ComponentInstance). Its parent is the instance whose instantiation made
 * it, which is what reentrance is judged by. Each has its own handle table
 * (index 0 never used) and its own binding of the component's static
 * resource types to runtime ones. */
struct cm__cinst {
    cm__cinst *parent; /* NULL for the root component's */
    uint32_t active;   /* lifted calls into it now running: 0 or 1, a second one traps */
    /* static resource id (cm_resource_t.id) → the runtime type it stands
     * for in this instance's definitions (NULL: not bound here) */
    cm__rres **res_bind;
    WH_VEC(cm__handle) handles; /* malloc'd: grows without bound */
    uint32_t free_handle;
    cm__cinst *next; /* every component instance of the root, for reset and free */
};

/* Canonical options, resolved to the objects they name. */
typedef struct {
    uint8_t encoding;
    wm_memory_t *memory;
    wm_func_t *realloc;
    wm_func_t *post_return;
} cm__ropts;

enum { CM__FN_LIFTED, CM__FN_HOST };

struct cm_func {
    const cm_functype_t *type;
    uint8_t kind;
    cm_instance_t *inst;
    /* lifted */
    wm_func_t *core;
    cm__ropts opts;
    /* lifted: the component instance whose core function it is; host: the
     * root's, whose imports name the function's types */
    cm__cinst *ci;
    /* host */
    cm_host_fn fn;
    void *env;
    const char *name; /* for messages */
};

/* A component instance's exports at run time (also an imported instance). */
typedef struct {
    uint32_t n;
    const char **names;
    uint8_t *sorts;
    void **items; /* cm_func_t *, cm__rinst *, a component (with the scope that defined it),
                     a cm__rres * for a resource type, a cm_type_t * for another type */
} cm__rinst;

/* A core instance: a real one, or a bag of exports (inline instance). */
typedef struct {
    wm_instance_t *wi;
    uint32_t n;
    const char **names;
    wm_extern_t *items;
} cm__coreinst;

/* An own handle lent out as a borrow: by index, since the table may grow
 * (and move) while the call runs. */
typedef struct {
    cm__cinst *ci;
    uint32_t index;
} cm__lender;

/* One level of calls crossing the boundary (host to guest, guest to guest
 * or guest to host), at its depth in cm_instance_t.frames. */
typedef struct {
    wh_arena_t arena;  /* a lowered call's lifted values; reset when it returns */
    uint32_t nborrows; /* borrow handles lent to the callee at this depth, still alive */
    /* own handles a lowered call at this depth lent as borrows (CanonicalABI.md
     * lift_borrow, add_lender): their lend_count drops when the call returns */
    WH_VEC(cm__lender) lenders;
} cm__frame;

/* How deep calls may nest, counting a lowered call and the lifted call it
 * makes as two levels. Each level is a nested interpreter run on the C
 * stack (measured: under 3.5 KiB per lowered-and-lifted pair in an
 * optimised build, about 25 KiB with ASan in a debug build), so the limit
 * keeps a hostile chain of instances from overflowing an 8 MiB stack: it
 * traps instead. Reentering an instance traps, so only a chain of 128
 * distinct instances calling each other in turn reaches it. */
#define CM__MAX_CALL_DEPTH 256

struct cm_instance {
    const cm_component_t *comp;
    const cm_linker_t *linker;
    wm_store_t *store;
    wh_arena_t arena; /* lives as long as the instance */
    cm__rinst *exports;
    cm__cinst *cinsts;          /* every component instance, the root's last */
    uint32_t depth;             /* nesting of calls crossing the boundary */
    WH_VEC(cm__frame *) frames; /* per depth, made on first use and kept */
    cm_config_t cfg;
    bool poisoned; /* a trap left it in an unknown state */
    /* a call the host made that is suspended (cm_resume finishes it) */
    struct {
        cm_func_t *f;
        wh_arena_t *arena;
        cm_val_t *result;
    } susp;
    /* a lowered call that suspended keeps its lifted arguments for the retry */
    const void *pending;
    cm_val_t *pending_args;
    /* cm_instance_snapshot: the arena at the snapshot */
    bool snapped;
    wh_arena_mark_t snap_mark;
};

struct cm_call {
    cm_instance_t *inst;
    wh_arena_t *arena;
    char trap[200];
};

/* Context of one lift or lower: the instance, the guest's memory and
 * realloc, the string encoding, and where host-side values are allocated.
 * Handles go to and from the table of ci, the component instance on the
 * guest side; the resource types named by the function's type are those
 * of tci, the instance whose definitions the type belongs to (the callee's
 * for a lowered call: its own static types, bound to runtime types there). */
typedef struct {
    cm_instance_t *inst;
    cm__cinst *ci, *tci;
    const cm__ropts *opts;
    wh_arena_t *arena;
    wh_err_t *err;
    uint32_t borrow_scope; /* borrows lowered now belong to this call */
} cm__cx;

/* Lifting: core values (flat, starting at *i) or memory → host values. */
wh_rc cm__lift_flat(cm__cx *cx, const cm_type_t *t, const wm_slot *vals, uint32_t nvals,
                    uint32_t *i, cm_val_t *out);
wh_rc cm__lift_mem(cm__cx *cx, const cm_type_t *t, uint32_t ptr, cm_val_t *out);
/* Lowering: host values → core values (flat) or memory. Flat slots written
 * are zero-extended to 64 bits. */
wh_rc cm__lower_flat(cm__cx *cx, const cm_type_t *t, const cm_val_t *v, wm_slot *vals,
                     uint32_t nvals, uint32_t *i);
wh_rc cm__lower_mem(cm__cx *cx, const cm_type_t *t, const cm_val_t *v, uint32_t ptr);
/* Calls realloc(0, 0, align, size) in the guest; traps if the result does not fit. */
wh_rc cm__guest_alloc(cm__cx *cx, uint32_t align, uint32_t size, uint32_t *out);

/* The frame of calls at depth, made on first use (cm_instance.c): WH_TRAP
 * beyond CM__MAX_CALL_DEPTH, WH_NOMEM. */
wh_rc cm__frame_get(cm_instance_t *inst, uint32_t depth, cm__frame **out, wh_err_t *err);
void cm__frames_free(cm_instance_t *inst);

/* Handles (cm_instance.c), in ci's table. A borrow made at call depth
 * scope counts in that frame until dropped. */
wh_rc cm__handle_new(cm_instance_t *inst, cm__cinst *ci, cm__rres *rt, uint32_t rep, bool own,
                     uint32_t scope, uint32_t *out, wh_err_t *err);
/* Lifts handle index of type rt out of ci's table (CanonicalABI.md
 * lift_own, lift_borrow): an own handle is removed, a borrow of an own
 * handle lends it to the call at depth scope. */
wh_rc cm__handle_take(cm_instance_t *inst, cm__cinst *ci, uint32_t index, cm__rres *rt, bool own,
                      uint32_t scope, uint32_t *out_rep, wh_err_t *err);
/* Ends the loans the call at depth made (its lenders). */
void cm__frame_unlend(cm__frame *f);

/* Runtime objects (cm_instance.c), allocated for the instance's lifetime. */
void *cm__ialloc(cm_instance_t *inst, size_t n);
cm_func_t *cm__func_new(cm_instance_t *inst);
/* A core function the guest calls to call callee (canon lower); caller is
 * the component instance whose core code calls it. */
wm_func_t *cm__lower_new(cm_instance_t *inst, cm_func_t *callee, const cm__ropts *opts,
                         cm__cinst *caller);
/* resource.new / resource.rep / resource.drop (op is the cm__op) of type
 * rt in ci's table. */
wm_func_t *cm__resource_builtin(cm_instance_t *inst, cm__cinst *ci, uint8_t op, cm__rres *rt);

/* A trap raised by the canonical ABI (bad pointer, bad UTF-8, …). */
wh_rc cm__trap(cm__cx *cx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
