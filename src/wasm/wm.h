/*
 * wm.h — the core WebAssembly engine: load (decode + validate + compile),
 * instantiate, call, and reach into memories, tables and globals.
 *
 * Objects and lifetime
 *   wm_module_t   A decoded, validated and compiled module. Read-only after
 *                 wm_module_load, so several threads may instantiate it at once.
 *                 It copies what it needs: the input bytes may be freed after load.
 *   wm_store_t    Owns every runtime object created in it (instances, functions,
 *                 memories, tables, globals) and the execution stack. Everything
 *                 is freed together by wm_store_free. A store is used by one
 *                 thread at a time; only wm_store_interrupt may be called from
 *                 another thread.
 *   wm_instance_t, wm_func_t, wm_memory_t, wm_table_t, wm_global_t, wm_tag_t
 *                 Borrowed pointers into their store; valid until it is freed.
 *                 Objects of one store may be imported by instances of the same
 *                 store only.
 *
 * Execution is stackless: wasm→wasm calls use the store's own stack, so deep
 * recursion ends in WH_EXHAUSTED ("call stack exhausted"), never in a C stack
 * overflow. A host function may return WH_SUSPEND; the call then returns
 * WH_SUSPEND to its caller with all state saved in the store, and
 * wm_store_resume retries that same host call later and goes on.
 *
 * Every function returns a wh_rc; details go to the wh_err_t passed last
 * (may be NULL). Traps use the WebAssembly spec's wording
 * ("integer divide by zero"), followed by where they happened.
 */
#ifndef WM_H
#define WM_H

#include "../base/wh_base.h"

#include <stdio.h>

/* Value types, with their binary encodings. */
typedef enum {
    WM_I32 = 0x7f,
    WM_I64 = 0x7e,
    WM_F32 = 0x7d,
    WM_F64 = 0x7c,
    WM_V128 = 0x7b,
    WM_FUNCREF = 0x70,
    WM_EXTERNREF = 0x6f,
    WM_EXNREF = 0x69, /* exception handling (WebAssembly 3.0): a caught exception */
} wm_valtype;

/* The kinds of imports and exports, with their binary encodings. */
typedef enum {
    WM_EXTERN_FUNC = 0,
    WM_EXTERN_TABLE = 1,
    WM_EXTERN_MEMORY = 2,
    WM_EXTERN_GLOBAL = 3,
    WM_EXTERN_TAG = 4, /* exception handling: an exception's tag */
} wm_externkind;

typedef struct wm_module wm_module_t;
typedef struct wm_store wm_store_t;
typedef struct wm_instance wm_instance_t;
typedef struct wm_func wm_func_t;
typedef struct wm_memory wm_memory_t;
typedef struct wm_table wm_table_t;
typedef struct wm_global wm_global_t;
typedef struct wm_tag wm_tag_t;
typedef struct wm_call wm_call_t;

/* One stack slot: the untyped cell host functions read and write. A v128
 * takes two consecutive slots (low half first). References are pointers:
 * a funcref is a wm_func_t *, an externref is the host's own pointer, an
 * exnref points to an exception the store owns (opaque), and NULL is the
 * null reference of any of them. */
typedef union {
    uint32_t i32;
    uint64_t i64;
    float f32;
    double f64;
    void *ref;
} wm_slot;

/* A typed value for wm_func_call. Floats are compared and kept as bits, so
 * NaN payloads survive: set .i32/.i64 with the bit pattern, or .f32/.f64. */
typedef struct {
    uint8_t type; /* wm_valtype */
    union {
        uint32_t i32;
        uint64_t i64;
        float f32;
        double f64;
        void *ref;
        uint8_t v128[16];
    } of;
} wm_val_t;

/* A function type. The arrays are borrowed: for a host function they must
 * live as long as the store that uses it (static tables are the norm). */
typedef struct {
    uint32_t nparams, nresults;
    const uint8_t *params;  /* wm_valtype each */
    const uint8_t *results; /* wm_valtype each */
} wm_functype_t;

bool wm_functype_eq(const wm_functype_t *a, const wm_functype_t *b);
/* "i32", "funcref", …; "?" for anything else. */
const char *wm_valtype_name(uint8_t t);

typedef struct {
    uint64_t min, max; /* in pages for memories, elements for tables */
    bool has_max;
    bool is64; /* addressed (memory) or indexed (table) by i64: WM_FEATURE_MEMORY64 */
} wm_limits_t;

typedef struct {
    uint8_t elem; /* WM_FUNCREF or WM_EXTERNREF */
    wm_limits_t limits;
} wm_tabletype_t;

typedef struct {
    uint8_t type; /* wm_valtype */
    bool mut;
} wm_globaltype_t;

/* An import or export of any kind. */
typedef struct {
    uint8_t kind; /* wm_externkind */
    union {
        wm_func_t *func;
        wm_table_t *table;
        wm_memory_t *memory;
        wm_global_t *global;
        wm_tag_t *tag;
    } of;
} wm_extern_t;

/* ---- Modules ---- */

/* Features beyond WebAssembly 2.0 that a module may use (wm_config_t). */
enum {
    WM_FEATURE_TAIL_CALL = 1u << 0,    /* return_call, return_call_indirect */
    WM_FEATURE_MULTI_MEMORY = 1u << 1, /* several memories, memory index immediates */
    /* Tags, throw, throw_ref, try_table, exnref, and the legacy try, catch,
     * catch_all, delegate and rethrow that toolchains still emit. */
    WM_FEATURE_EXCEPTIONS = 1u << 2,
    /* global.get of any immutable global defined before, not only of
     * imported ones, in constant expressions (3.0; 2.0 calls it invalid) */
    WM_FEATURE_CONST_GLOBALS = 1u << 3,
    WM_FEATURE_RELAXED_SIMD = 1u << 4, /* 0xfd 0x100..0x113, deterministic (docs/engine.md) */
    WM_FEATURE_MEMORY64 = 1u << 5,     /* memories and tables with i64 addresses */
    /* Everything this engine implements; what a NULL config means. */
    WM_FEATURES_ALL = WM_FEATURE_TAIL_CALL | WM_FEATURE_MULTI_MEMORY | WM_FEATURE_EXCEPTIONS |
                      WM_FEATURE_CONST_GLOBALS | WM_FEATURE_RELAXED_SIMD | WM_FEATURE_MEMORY64,
};

typedef struct {
    /* WM_FEATURE_* bits; zero means exactly WebAssembly 2.0 (plus extended
     * constant expressions, which 2.0 modules cannot tell apart). A 2.0
     * module loads the same with any bits: they only accept more. */
    uint32_t features;
} wm_config_t;

/* Decodes, validates and compiles a module. On failure *out is NULL and err
 * names the section, function and byte offset: WH_MALFORMED for a binary that
 * does not decode, WH_INVALID for one that does not validate. cfg may be NULL:
 * then every feature of WM_FEATURES_ALL is on. */
wh_rc wm_module_load(const uint8_t *bytes, size_t len, const wm_config_t *cfg, wm_module_t **out,
                     wh_err_t *err);
void wm_module_free(wm_module_t *m);
/* Prints the interpreter's code of every defined function, for people
 * working on the engine (`wasmhttpd run --dump-ir`). */
void wm_module_dump(const wm_module_t *m, FILE *out);

/* Describes import or export i (0-based); NULL if i is out of range. */
typedef struct {
    const char *module; /* imports only; NULL for exports */
    const char *name;
    size_t module_len, name_len; /* names may hold NUL bytes (the spec allows any UTF-8) */
    uint8_t kind;                /* wm_externkind */
    union {
        const wm_functype_t *func;
        wm_tabletype_t table;
        wm_limits_t memory;
        wm_globaltype_t global;
        const wm_functype_t *tag; /* the tag's parameters; no results */
    } type;
} wm_externdesc_t;

uint32_t wm_module_import_count(const wm_module_t *m);
uint32_t wm_module_export_count(const wm_module_t *m);
bool wm_module_import(const wm_module_t *m, uint32_t i, wm_externdesc_t *out);
bool wm_module_export(const wm_module_t *m, uint32_t i, wm_externdesc_t *out);

/* ---- Stores ---- */

/* A pool of value stacks and memory reservations that stores reuse instead
 * of mapping new ones (wm_pool.c): for a host that makes and frees stores
 * at a high rate. A memory comes back zeroed, so nothing a store wrote is
 * seen by the next. Holds at most max of each. Not thread-safe: the stores
 * that use a pool are made and freed on the pool's thread, and freed
 * before it. */
typedef struct wm_pool wm_pool_t;
wm_pool_t *wm_pool_new(uint32_t max);
void wm_pool_free(wm_pool_t *p);

typedef struct {
    uint32_t stack_slots; /* value stack size in 8-byte slots; 0 = default (1 Mi) */
    uint32_t max_frames;  /* call depth limit; 0 = default (10,000... see wm_store.c) */
    uint64_t max_memory;  /* bytes of linear memory over all the store's memories; 0: no
                             limit. memory.grow past it returns -1 (as for a memory's
                             maximum); a module whose initial memory exceeds it does
                             not instantiate. */
    wm_pool_t *pool;      /* reuse stacks and memories from it, or NULL */
} wm_store_config_t;

/* cfg may be NULL for the defaults. NULL when out of memory. */
wm_store_t *wm_store_new(const wm_store_config_t *cfg);
void wm_store_free(wm_store_t *s);

/* Snapshots (wm_snapshot.c). wm_store_snapshot records the state of the
 * store's memories, tables, globals and segments; wm_store_reset brings it
 * back, so that the store is again as it was at the snapshot and nothing a
 * call wrote since is readable. Taken once after instantiation, they give
 * a fresh instance per use at the cost of what the use wrote, not of
 * instantiating. Both only between calls (not while one runs or is
 * suspended). A snapshot fails with WH_UNSUPPORTED for a store with
 * globals the host made (wm_global_new) and for a memory that maps a data
 * image once code has run; a reset that fails leaves the store unusable
 * (free it). Objects made after the snapshot are freed by the reset:
 * handles to them must not be used after it. */
wh_rc wm_store_snapshot(wm_store_t *s, wh_err_t *err);
wh_rc wm_store_reset(wm_store_t *s, wh_err_t *err);

/* Fuel: each loop iteration and call costs one unit; when fuel runs out the
 * call returns WH_OUT_OF_FUEL (a trap "out of fuel"). A negative value
 * (the default) means unlimited. */
void wm_store_set_fuel(wm_store_t *s, int64_t fuel);
/* Bytes of linear memory the store's memories hold now. */
uint64_t wm_store_memory_bytes(const wm_store_t *s);
int64_t wm_store_fuel(const wm_store_t *s);
/* Asks the running (or next) call in s to stop with WH_INTERRUPTED at its
 * next loop header or call. Safe from any thread and from signal handlers. */
void wm_store_interrupt(wm_store_t *s);
/* Clears both an interrupt and a yield request. */
void wm_store_clear_interrupt(wm_store_t *s);
/* Asks the running call in s to suspend at its next loop header (a
 * backward branch), so that its thread can do other work: the call returns
 * WH_SUSPEND as if a host function had suspended it, wm_store_yielded says
 * so, and wm_store_resume goes on from that loop header whenever the
 * embedder likes. While the code runs inside a host function (wasm called
 * from the host, which cannot suspend), the request waits until it is back
 * outside. Safe from any thread, like wm_store_interrupt; an interrupt
 * wins over a yield. */
void wm_store_yield(wm_store_t *s);
/* Is the suspended call suspended by a yield (no event to wait for)? */
bool wm_store_yielded(const wm_store_t *s);

/* Modules whose active data segments hold at least this many bytes (64 KiB
 * unless set) get a data image when they load: their instances map the
 * initial memory copy-on-write instead of copying the segments (Linux; see
 * wm_image.c). Process-wide, for tests and benchmarks; set it before
 * loading. 0 gives every module with data an image. */
void wm_set_data_image_min(size_t bytes);

/* ---- Instances ---- */

/* Instantiates m in s. imports has one entry per module import, in order.
 * Returns WH_UNLINKABLE when an import is missing or has the wrong type
 * ("incompatible import type"), WH_TRAP when a segment is out of bounds or
 * the start function traps (segments written before stay written, as the
 * spec says). On failure *out is NULL. */
wh_rc wm_instantiate(wm_store_t *s, const wm_module_t *m, const wm_extern_t *imports,
                     uint32_t nimports, wm_instance_t **out, wh_err_t *err);
/* Looks up an export by name; WH_NOTFOUND if there is none. The _n form
 * takes a length, for names that hold NUL bytes. */
wh_rc wm_instance_export(const wm_instance_t *inst, const char *name, wm_extern_t *out);
wh_rc wm_instance_export_n(const wm_instance_t *inst, const char *name, size_t len,
                           wm_extern_t *out);
/* The same by position in the module's export list (wm_module_export_index
 * finds it once, so that repeated lookups cost nothing); WH_NOTFOUND past
 * the end. */
wh_rc wm_instance_export_at(const wm_instance_t *inst, uint32_t i, wm_extern_t *out);
int64_t wm_module_export_index(const wm_module_t *m, const char *name, size_t len);
const wm_module_t *wm_instance_module(const wm_instance_t *inst);
/* The instance's memory 0, or NULL if it has none. */
wm_memory_t *wm_instance_memory(const wm_instance_t *inst);

/* ---- Functions ---- */

/* A host function receives its arguments in args[0..] (a v128 takes two
 * slots) and writes its results over them, from args[0]; the array has room
 * for max(params, results). It returns WH_OK, WH_TRAP (after wm_call_trap),
 * or WH_SUSPEND to be called again with the same arguments on resume. */
typedef wh_rc (*wm_host_fn)(wm_call_t *call, void *env, wm_slot *args);

/* The caller's instance (NULL when the host function was called directly
 * through wm_func_call) and its memory 0 (NULL if none). */
wm_instance_t *wm_call_instance(wm_call_t *call);
wm_memory_t *wm_call_memory(wm_call_t *call);
wm_store_t *wm_call_store(wm_call_t *call);
/* Records a trap message and returns WH_TRAP, for `return wm_call_trap(...)`. */
wh_rc wm_call_trap(wm_call_t *call, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Creates a host function in s. type is borrowed (see wm_functype_t). */
wm_func_t *wm_func_new_host(wm_store_t *s, const wm_functype_t *type, wm_host_fn fn, void *env);
const wm_functype_t *wm_func_type(const wm_func_t *f);

/* Calls f with nargs typed args; on WH_OK writes nresults results. The types
 * and counts must match f's type (else WH_ARG). Returns WH_TRAP,
 * WH_EXHAUSTED, WH_OUT_OF_FUEL or WH_INTERRUPTED with err set,
 * WH_EXCEPTION when a wasm exception was thrown and not caught (not a trap:
 * err names the tag and where it was thrown; wm_store_exception gives it), or
 * WH_SUSPEND: then the store holds the suspended call; finish it with
 * wm_store_resume (or drop it with wm_store_abort) before calling again. */
wh_rc wm_func_call(wm_store_t *s, wm_func_t *f, const wm_val_t *args, uint32_t nargs,
                   wm_val_t *results, uint32_t nresults, wh_err_t *err);
/* Resumes a suspended call: the host function that suspended is called
 * again. Same results as wm_func_call. */
wh_rc wm_store_resume(wm_store_t *s, wm_val_t *results, uint32_t nresults, wh_err_t *err);
/* Abandons a suspended call. */
void wm_store_abort(wm_store_t *s);
bool wm_store_suspended(const wm_store_t *s);

/* What stopped a call. */
typedef enum {
    WM_TRAP_NONE,
    WM_TRAP_UNREACHABLE,
    WM_TRAP_MEMORY_OOB,        /* "out of bounds memory access" */
    WM_TRAP_TABLE_OOB,         /* "out of bounds table access" */
    WM_TRAP_DIV_ZERO,          /* "integer divide by zero" */
    WM_TRAP_INT_OVERFLOW,      /* "integer overflow" */
    WM_TRAP_BAD_CONVERSION,    /* "invalid conversion to integer" */
    WM_TRAP_UNDEFINED_ELEMENT, /* call_indirect past the end of the table */
    WM_TRAP_NULL_ELEMENT,      /* call_indirect of a null entry ("uninitialized element") */
    WM_TRAP_INDIRECT_MISMATCH, /* "indirect call type mismatch" */
    WM_TRAP_STACK_EXHAUSTED,   /* "call stack exhausted" */
    WM_TRAP_OUT_OF_FUEL,
    WM_TRAP_INTERRUPTED,
    WM_TRAP_HOST,      /* a host function returned WH_TRAP */
    WM_TRAP_NULL_EXN,  /* throw_ref of null: "null exception reference" */
    WM_TRAP_EXCEPTION, /* not a trap: an exception no handler caught (WH_EXCEPTION) */
} wm_trapkind;

/* The spec's wording for a trap kind ("integer divide by zero"). */
const char *wm_trap_text(wm_trapkind kind);

/* The last trap in s: its kind, and where it happened (the function's index
 * in its module and the byte offset of the instruction in the module
 * binary; both 0 for a trap outside wasm code). */
typedef struct {
    wm_trapkind kind;
    uint32_t func_index;
    uint32_t code_offset;
} wm_trap_site_t;
bool wm_store_trap_site(const wm_store_t *s, wm_trap_site_t *out);

/* ---- Tags and exceptions (WM_FEATURE_EXCEPTIONS) ----
 *
 * A tag is an exception's identity and the types of its payload. Wasm code
 * catches an exception only by the tag it was thrown with (or catch_all);
 * a trap is never an exception and no handler sees it. */

/* Creates a tag in s whose payload has type's parameters (type must have
 * no results, else NULL). type is borrowed (see wm_functype_t). */
wm_tag_t *wm_tag_new(wm_store_t *s, const wm_functype_t *type);
const wm_functype_t *wm_tag_type(const wm_tag_t *t);

/* The exception that ended the last call with WH_EXCEPTION: its tag and
 * payload (the tag's parameters in slots, as host functions see them; a
 * v128 takes two). False if the last call did not end so. The payload
 * holds until the next call in s. */
bool wm_store_exception(const wm_store_t *s, wm_tag_t **out_tag, const wm_slot **out_payload);

/* For a host function: throws an exception of tag with payload (the tag's
 * parameter slots), to be caught by the wasm code that called it. Returns
 * WH_EXCEPTION, for `return wm_call_throw(...)`; or WH_NOMEM. A host
 * function that gets WH_EXCEPTION from a wm_func_call it made may return
 * WH_EXCEPTION too: that exception then goes on to its own caller. */
wh_rc wm_call_throw(wm_call_t *call, wm_tag_t *tag, const wm_slot *payload);

/* ---- Memories ---- */

#define WM_PAGE_SIZE 65536u

/* Creates a memory of lim.min pages, growable to lim.max (or 65536 pages). */
wm_memory_t *wm_memory_new(wm_store_t *s, wm_limits_t lim);
/* The memory's bytes, for a host that reads or writes guest memory.
 * wm_memory_at checks that [off, off + len) is inside the memory (NULL if
 * not) and tells the memory which bytes may change, so that a reset clears
 * only what was touched: the way to reach guest memory on a hot path.
 * wm_memory_data gives the whole memory, all of which then counts as
 * touched. Either pointer holds until the memory grows or is reset. */
uint8_t *wm_memory_at(wm_memory_t *m, uint64_t off, uint64_t len);
uint8_t *wm_memory_data(wm_memory_t *m);
uint64_t wm_memory_size(const wm_memory_t *m); /* in bytes */
/* Grows by delta pages; returns the old size in pages, or -1 if it cannot. */
int64_t wm_memory_grow(wm_memory_t *m, uint64_t delta);
wm_limits_t wm_memory_type(const wm_memory_t *m);

/* ---- Tables ---- */

wm_table_t *wm_table_new(wm_store_t *s, wm_tabletype_t type, void *init);
uint32_t wm_table_size(const wm_table_t *t);
bool wm_table_get(const wm_table_t *t, uint32_t i, void **out);
bool wm_table_set(wm_table_t *t, uint32_t i, void *ref);
int64_t wm_table_grow(wm_table_t *t, uint32_t delta, void *init); /* old size or -1 */
wm_tabletype_t wm_table_type(const wm_table_t *t);

/* ---- Globals ---- */

wm_global_t *wm_global_new(wm_store_t *s, wm_globaltype_t type, wm_val_t init);
wm_val_t wm_global_get(const wm_global_t *g);
wh_rc wm_global_set(wm_global_t *g, wm_val_t v); /* WH_ARG if immutable or mistyped */
wm_globaltype_t wm_global_type(const wm_global_t *g);

#endif
