/*
 * cm.h — the Component Model: load a component, link it to host functions,
 * instantiate it, and call its exports with typed values.
 *
 * Objects and lifetime
 *   cm_component_t  A parsed, validated component, compiled once into an
 *                   instantiation plan; its core modules are loaded (wm_module_t)
 *                   and shared by every instance. Read-only after load: several
 *                   threads may instantiate it at once. Copies what it needs.
 *   cm_linker_t     The host functions and resource types a component may
 *                   import, by full name ("wasi:http/types@0.2.0#[method]fields.get"),
 *                   matched semver-compatibly (0.2.x links to any 0.2.y).
 *                   Read-only once built; share it between threads.
 *   cm_instance_t   A running instance. Owns one wm_store_t (its core
 *                   instances, memories and stack) and its resource tables.
 *                   One thread at a time.
 *
 * Values cross the boundary as cm_val_t trees typed by cm_type_t (the
 * canonical ABI lifts and lowers them). Strings are UTF-8 on the host side
 * whatever the guest's encoding. Values a call returns live in the arena
 * passed to the call.
 *
 * Errors are wh_rc with a message in wh_err_t: WH_MALFORMED / WH_INVALID /
 * WH_UNSUPPORTED with the byte offset for a component that does not load,
 * WH_UNLINKABLE naming the first import the linker does not provide, WH_TRAP
 * and friends for calls.
 */
#ifndef CM_H
#define CM_H

#include "../base/wh_base.h"
#include "../wasm/wm.h"

/* ---- Types ---- */

typedef enum {
    CM_BOOL = 1,
    CM_S8,
    CM_U8,
    CM_S16,
    CM_U16,
    CM_S32,
    CM_U32,
    CM_S64,
    CM_U64,
    CM_F32,
    CM_F64,
    CM_CHAR,
    CM_STRING,
    CM_RECORD,
    CM_VARIANT,
    CM_LIST,
    CM_TUPLE,
    CM_FLAGS,
    CM_ENUM,
    CM_OPTION,
    CM_RESULT,
    CM_OWN,
    CM_BORROW,
    CM_ERROR_CONTEXT, /* parsed, not supported at run time yet */
    CM_STREAM,        /* idem (WASI 0.3) */
    CM_FUTURE,        /* idem */
    CM_FIXED_LIST,    /* list<T, N>: a value is of.list with exactly N elements */
    CM_MAP,           /* map<K, V>: a value is of.list of (key, value) CM_TUPLE values */
} cm_kind;

typedef struct cm_type cm_type_t;
typedef struct cm_resource cm_resource_t;

/* A value type. Types are immutable and owned by the component (or the
 * linker) that made them. */
struct cm_type {
    uint8_t kind;             /* cm_kind */
    uint32_t n;               /* record fields, variant cases, tuple elements, flags, enum cases;
                                 fixed-length list: 1 (its element), map: 2 (key, value) */
    uint32_t length;          /* fixed-length list: its length */
    const char **labels;      /* record fields, variant cases, flags, enum cases (n of them) */
    const cm_type_t **elems;  /* record/tuple: field types (n); variant: case payloads (n, NULL
                                 for none); list, option: elems[0]; result: elems[0] ok,
                                 elems[1] err (each may be NULL); map: elems[0] key, elems[1]
                                 value */
    const cm_resource_t *res; /* own, borrow */
    const char *name;         /* the name it was given in WIT, if known (for printing) */
    /* canonical ABI (CanonicalABI.md): size and alignment in linear memory,
     * and the flattened core types (WM_I32, WM_I64, WM_F32, WM_F64) */
    uint32_t size, align;
    uint32_t nflat;
    const uint8_t *flat;
};

/* A resource type as types see it: a name for messages and WIT, and its
 * place in the component's list of resource types. */
struct cm_resource {
    const char *name;
    uint32_t id; /* index in the owning component's resource list */
    bool host;   /* imported from the host (else defined by the component) */
};

/* A function type. */
typedef struct {
    uint32_t nparams;
    const char **names;
    const cm_type_t **params;
    const cm_type_t *result; /* NULL: no result */
} cm_functype_t;

/* The primitive types, shared. */
const cm_type_t *cm_prim(cm_kind kind);

/* Is t list<u8> or list<s8>, whose values are cm_val_t.of.bytes? */
static inline bool cm_type_is_bytes(const cm_type_t *t)
{
    return t->kind == CM_LIST && (t->elems[0]->kind == CM_U8 || t->elems[0]->kind == CM_S8);
}

/* ---- Values ---- */

typedef struct cm_val cm_val_t;
struct cm_val {
    uint8_t kind; /* cm_kind of its type */
    union {
        bool b;
        int64_t s;  /* s8 … s64 */
        uint64_t u; /* u8 … u64 */
        float f32;
        double f64;
        uint32_t ch; /* a Unicode scalar value */
        struct {
            const char *ptr; /* UTF-8, not NUL-terminated */
            size_t len;
        } str;
        struct {
            cm_val_t *v; /* list elements, record fields, tuple elements, map entries */
            uint32_t n;
        } list;
        /* A list<u8> or list<s8> is its bytes, never a list of values (see
         * cm_type_is_bytes): lifted, the bytes are a copy in the call's
         * arena; lowered, they are copied into the guest's memory. */
        struct {
            const uint8_t *ptr;
            uint32_t n;
        } bytes;
        struct {
            uint32_t tag; /* variant case, enum case; option: 0 none, 1 some;
                             result: 0 ok, 1 err */
            cm_val_t *v;  /* the payload, NULL when there is none */
        } var;
        uint32_t flags; /* bit i = flag i */
        struct {
            uint32_t rep; /* the resource's representation */
            const cm_resource_t *type;
        } handle;
    } of;
};

/* ---- Components ---- */

typedef struct cm_component cm_component_t;
typedef struct cm_linker cm_linker_t;
typedef struct cm_instance cm_instance_t;
typedef struct cm_func cm_func_t;
typedef struct cm_call cm_call_t;

/* Parses and validates a component and loads its core modules. A core
 * module instead of a component is WH_UNSUPPORTED with a message saying so. */
wh_rc cm_component_load(const uint8_t *bytes, size_t len, cm_component_t **out, wh_err_t *err);
void cm_component_free(cm_component_t *c);

/* Is this binary a component (layer 1) rather than a core module? */
bool cm_is_component(const uint8_t *bytes, size_t len);

/* The component's imports and exports, as the outside sees them. */
typedef enum {
    CM_EXTERN_FUNC,
    CM_EXTERN_INSTANCE,
    CM_EXTERN_TYPE,
    CM_EXTERN_COMPONENT,
    CM_EXTERN_MODULE,
    CM_EXTERN_VALUE,
} cm_externkind;

typedef struct cm_instancetype cm_instancetype_t;

typedef struct {
    const char *name;                  /* "wasi:http/types@0.2.0", "run" */
    uint8_t kind;                      /* cm_externkind */
    const cm_functype_t *func;         /* CM_EXTERN_FUNC */
    const cm_instancetype_t *instance; /* CM_EXTERN_INSTANCE */
    const cm_type_t *type;             /* CM_EXTERN_TYPE (NULL for a resource) */
    const cm_resource_t *resource;     /* CM_EXTERN_TYPE of a resource */
} cm_externdesc_t;

uint32_t cm_component_import_count(const cm_component_t *c);
uint32_t cm_component_export_count(const cm_component_t *c);
bool cm_component_import(const cm_component_t *c, uint32_t i, cm_externdesc_t *out);
bool cm_component_export(const cm_component_t *c, uint32_t i, cm_externdesc_t *out);

/* The exports of an instance type, in order. */
uint32_t cm_instancetype_count(const cm_instancetype_t *t);
bool cm_instancetype_export(const cm_instancetype_t *t, uint32_t i, cm_externdesc_t *out);

/* ---- Host functions ---- */

/* A host function gets its arguments lifted from the guest and writes its
 * result (if its type has one) into *result, allocating what it points to
 * with cm_call_alloc. It returns WH_OK, WH_TRAP (through cm_call_trap) or
 * WH_SUSPEND to be called again, with the same arguments, on resume. */
typedef wh_rc (*cm_host_fn)(cm_call_t *call, void *env, const cm_val_t *args, cm_val_t *result);

void *cm_call_alloc(cm_call_t *call, size_t n);
cm_instance_t *cm_call_instance(cm_call_t *call);
wh_rc cm_call_trap(cm_call_t *call, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Destructor of a host resource, called when the guest drops its last own
 * handle; may be NULL. inst is the instance whose handle was dropped (its
 * cm_instance_user pointer is how a host finds its per-instance state).
 * Handles still alive when an instance is freed get no call: a host frees
 * its own per-instance objects when it frees the instance. */
typedef void (*cm_host_dtor)(void *env, cm_instance_t *inst, uint32_t rep);

cm_linker_t *cm_linker_new(void);
void cm_linker_free(cm_linker_t *l);
/* Defines a host function. iface is "wasi:http/types@0.2.0" (or "" for a
 * top-level import), name is the function's name in it
 * ("[method]fields.get"). sig is its type in WIT syntax, with names of types
 * defined in the same interface by cm_linker_define_type, e.g.
 * "func(self: borrow<fields>, name: string) -> list<list<u8>>". */
wh_rc cm_linker_define_func(cm_linker_t *l, const char *iface, const char *name, const char *sig,
                            cm_host_fn fn, void *env, wh_err_t *err);
/* The same with a type built in C (it must outlive the linker). */
wh_rc cm_linker_define_func_type(cm_linker_t *l, const char *iface, const char *name,
                                 const cm_functype_t *type, cm_host_fn fn, void *env,
                                 wh_err_t *err);
/* Defines a named type of an interface, in WIT syntax: "record { a: u32 }",
 * "variant { none, some(string) }", "resource", "list<u8>". */
wh_rc cm_linker_define_type(cm_linker_t *l, const char *iface, const char *name, const char *def,
                            wh_err_t *err);
wh_rc cm_linker_define_resource(cm_linker_t *l, const char *iface, const char *name,
                                cm_host_dtor dtor, void *env, wh_err_t *err);
/* Does l provide import `index` of c (see cm_component_import)? When not,
 * why (n bytes) says what is missing. Instantiation has the final word;
 * this is for `inspect`. */
bool cm_linker_provides(const cm_linker_t *l, const cm_component_t *c, uint32_t index, char *why,
                        size_t n);

/* ---- Instances ---- */

/* What the linker gives a component's root imports, looked up and
 * type-checked once (like wasmtime's InstancePre), so that instantiating
 * does no name lookups or type comparisons for them. Read-only once made:
 * shared by every instance and thread. The component and the linker must
 * outlive it, and the linker must not change after. An import the linker
 * does not provide is not an error here: instantiating still reports it. */
typedef struct cm_prepared cm_prepared_t;
wh_rc cm_prepare(const cm_component_t *c, const cm_linker_t *l, cm_prepared_t **out, wh_err_t *err);
void cm_prepared_free(cm_prepared_t *p);

typedef struct {
    int64_t fuel;                  /* per call; negative: unlimited */
    uint64_t max_memory;           /* bytes of linear memory; 0: no limit beyond the module's */
    void *user;                    /* the embedder's, for host functions (cm_instance_user);
                                      set before instantiation, since start functions may
                                      already call imports */
    const cm_prepared_t *prepared; /* made by cm_prepare for the same component
                                      and linker, or NULL */
    wm_pool_t *pool;               /* stacks and memories to reuse (wm.h; the calling
                                      thread's), or NULL */
} cm_config_t;

/* Instantiates c with the host functions of l (which may be NULL when the
 * component imports nothing). WH_UNLINKABLE names the first missing or
 * mistyped import. */
wh_rc cm_instantiate(const cm_component_t *c, const cm_linker_t *l, const cm_config_t *cfg,
                     cm_instance_t **out, wh_err_t *err);
void cm_instance_free(cm_instance_t *inst);
/* The embedder's pointer from cm_config_t.user. */
void *cm_instance_user(const cm_instance_t *inst);
/* A fresh instance per use without instantiating again. cm_instance_snapshot
 * records the instance as it is (right after cm_instantiate, or after an
 * init call, between calls and with no live handle: WH_INVALID otherwise;
 * the handles are what the embedder gave for other objects of its own);
 * cm_instance_reset brings that
 * state back (memories, tables, globals: wm_store_snapshot; an empty
 * handle table) and gives it user as its cm_config_t.user, the previous
 * one being the embedder's to free after the reset. Handles the host
 * holds into the instance are gone. A reset refuses (and the instance must
 * be freed) while a call runs or is suspended, and after a trap. */
wh_rc cm_instance_snapshot(cm_instance_t *inst, wh_err_t *err);
wh_rc cm_instance_reset(cm_instance_t *inst, void *user, wh_err_t *err);
wm_store_t *cm_instance_store(cm_instance_t *inst);

/* Finds an exported function: "name" at the top level, or
 * "interface#name" inside an exported instance ("wasi:cli/run@0.2.0#run").
 * WH_NOTFOUND if there is none. */
wh_rc cm_instance_func(cm_instance_t *inst, const char *name, cm_func_t **out);
const cm_functype_t *cm_func_type(const cm_func_t *f);

/* Calls f. args has f's parameter count; *result receives the result (if
 * any), allocated in arena, which must stay alive while the result is used.
 * The guest's post-return runs before this returns. WH_SUSPEND when a
 * host function the guest called asked to wait: finish with cm_resume. */
wh_rc cm_call(cm_instance_t *inst, cm_func_t *f, const cm_val_t *args, cm_val_t *result,
              wh_arena_t *arena, wh_err_t *err);

/* Finishes a call that returned WH_SUSPEND (a host function asked to wait):
 * calls that host function again and goes on. The result lands where the
 * suspended cm_call was told, in its arena. Returns what cm_call would
 * have, possibly WH_SUSPEND again. */
wh_rc cm_resume(cm_instance_t *inst, wh_err_t *err);

/* Calls the function an expression "NAME(WAVE ARGS)" names (as
 * cm_instance_func finds it) and prints its result in WAVE and a newline to
 * out (nothing for a function without result). WH_ARG for an expression
 * that does not parse or fit the function's type, WH_NOTFOUND for no such
 * function, else what cm_call returns. */
wh_rc cm_invoke(cm_instance_t *inst, const char *expr, FILE *out, wh_err_t *err);

/* ---- WAVE: the WebAssembly Value Encoding (text values, as wasmtime's
 * `run --invoke` takes them) ---- */

/* Parses one value of type t ("[1, 2]", "{a: 1, b: \"x\"}", "some(5)",
 * "ok(\"y\")", "{flag-a, flag-c}", "'c'", "(1, \"x\")"). Values are
 * allocated in arena. Errors say where in text and what was expected. */
wh_rc cm_wave_parse(const char *text, size_t len, const cm_type_t *t, wh_arena_t *arena,
                    cm_val_t *out, wh_err_t *err);
/* Splits "name(arg, arg, …)" into the name and the text of each argument
 * (nesting and strings respected). *out_args points into text. */
wh_rc cm_wave_split_call(const char *text, wh_arena_t *arena, const char **out_name,
                         size_t *out_name_len, const char ***out_args, size_t **out_arg_lens,
                         uint32_t *out_nargs, wh_err_t *err);
/* Prints v (of type t) in WAVE to out. */
void cm_wave_print(FILE *out, const cm_val_t *v, const cm_type_t *t);

/* ---- WIT ---- */

/* Prints a type in WIT syntax ("list<tuple<string, u32>>"; a named type by
 * its name). */
void cm_wit_print_type(FILE *out, const cm_type_t *t);
void cm_wit_print_func(FILE *out, const char *name, const cm_functype_t *f);

#endif
