/*
 * internal.h — structures shared by the files of the wasm layer. Nothing
 * outside src/wasm/ includes this.
 *
 * Index spaces (functions, tables, memories, globals) hold imports first,
 * then the module's own definitions, exactly as the spec numbers them.
 * A module owns all its memory through one arena; after wm_module_load it is
 * never written again, so threads may share it.
 */
#ifndef WM_INTERNAL_H
#define WM_INTERNAL_H

#include "wm.h"

#include <stdatomic.h>
#include <stdio.h>

/* Limits of this implementation (the spec leaves them to the host). */
#define WM_MAX_PAGES           65536u     /* 4 GiB of 32-bit memory */
/* A 64-bit memory stays below 4 GiB here: then an address or length with
 * any of its high 32 bits set is out of bounds whatever the rest, which
 * is all the interpreter checks of it (ADDR64, wm_compile.c). */
#define WM_MAX_PAGES64         65535u
#define WM_MAX_TABLE           10000000u  /* elements in one table */
#define WM_MAX_LOCALS          50000u     /* locals in one function */
#define WM_MAX_FUNC_SLOTS      (1u << 20) /* frame size of one function, in slots */
#define WM_DEFAULT_STACK_SLOTS (1u << 20)
#define WM_DEFAULT_MAX_FRAMES  20000u

/* ---- Reading the binary ----
 * A reader walks [p, end). base is the start of the whole module, so that
 * offsets in error messages are module-relative. */
typedef struct {
    const uint8_t *p, *end, *base;
} wm__reader;

static inline uint32_t wm__offset(const wm__reader *r)
{
    return (uint32_t)(r->p - r->base);
}

/* Each returns WH_MALFORMED with the spec's wording ("unexpected end",
 * "integer representation too long", "integer too large",
 * "malformed UTF-8 encoding") and the offset. */
wh_rc wm__read_u8(wm__reader *r, uint8_t *out, wh_err_t *err);
wh_rc wm__read_u32(wm__reader *r, uint32_t *out, wh_err_t *err);
wh_rc wm__read_u64(wm__reader *r, uint64_t *out, wh_err_t *err);
wh_rc wm__read_s32(wm__reader *r, int32_t *out, wh_err_t *err);
wh_rc wm__read_s33(wm__reader *r, int64_t *out, wh_err_t *err); /* block types */
wh_rc wm__read_s64(wm__reader *r, int64_t *out, wh_err_t *err);
wh_rc wm__read_f32(wm__reader *r, uint32_t *out_bits, wh_err_t *err);
wh_rc wm__read_f64(wm__reader *r, uint64_t *out_bits, wh_err_t *err);
wh_rc wm__read_bytes(wm__reader *r, uint32_t n, const uint8_t **out, wh_err_t *err);
/* A length-prefixed UTF-8 name, copied NUL-terminated into arena. */
wh_rc wm__read_name(wm__reader *r, wh_arena_t *arena, char **out, uint32_t *out_len, wh_err_t *err);

/* ---- Module ---- */

/* A constant expression. Most are one instruction: op is its opcode
 * (0x41 i32.const, 0x42 i64.const, 0x43 f32.const, 0x44 f64.const, 0xd0
 * ref.null, 0xd2 ref.func, 0x23 global.get) or WM__CE_V128 for v128.const;
 * val holds the constant's bits, index the function or global. Longer ones
 * (extended constant expressions, WebAssembly 3.0: i32/i64 add, sub, mul
 * over constants and global.get, as position-independent code computes
 * addresses) are WM__CE_EXPR: code holds index one-instruction items
 * (the binary operators with their opcode), run on a stack of at most
 * WM__CE_MAX_DEPTH values. */
#define WM__CE_V128 0xfd
#define WM__CE_EXPR 0x01
enum { WM__CE_MAX_DEPTH = 64 };
typedef struct wm__constexpr {
    uint8_t op;
    uint8_t type; /* the wm_valtype it produces */
    uint32_t index;
    wm_slot val[2];
    const struct wm__constexpr *code; /* WM__CE_EXPR */
} wm__constexpr;

typedef struct {
    char *module, *name; /* NUL-terminated, but may hold NUL bytes: see the lengths */
    uint32_t module_len, name_len;
    uint8_t kind;   /* wm_externkind */
    uint32_t index; /* index in its own index space (func 3 = 3rd function) */
} wm__import;

typedef struct {
    char *name;
    uint32_t name_len; /* names may hold NUL bytes */
    uint8_t kind;
    uint32_t index;
} wm__export;

/* Exception handlers of a function (WM_FEATURE_EXCEPTIONS), looked up only
 * when an exception unwinds through it: code that throws nothing pays
 * nothing for them. A handler covers the code words [start, end) of a
 * try_table's body or a legacy try's body; handlers are listed inner
 * first (a handler is listed when its body closes, and bodies nest), so
 * the first one that covers a position and matches is the one. depth is
 * the try's nesting depth in the function; a legacy delegate is a handler
 * that sends the search on to the handlers at depth <= delegate only. */
enum { WM__CATCH, WM__CATCH_REF, WM__CATCH_ALL, WM__CATCH_ALL_REF };
#define WM__NO_DELEGATE  UINT32_MAX
#define WM__CATCH_RETURN UINT32_MAX /* a catch to the function's label: return */
typedef struct {
    uint8_t kind;      /* WM__CATCH... */
    uint32_t tag;      /* in the module's tag index space (not for the _ALL kinds) */
    uint32_t target;   /* code word to go on at, or WM__CATCH_RETURN */
    uint32_t slot;     /* where the payload goes, then the exnref (the label's slots) */
    uint32_t exn_slot; /* legacy catch: where rethrow finds the exception; else UINT32_MAX */
    uint32_t handler;  /* (while compiling: which handler it belongs to) */
} wm__catch;

typedef struct {
    uint32_t start, end;
    uint32_t depth;
    uint32_t delegate; /* WM__NO_DELEGATE, or the depth the search goes on at */
    uint32_t first, n; /* its catches in wm__func.catches, in order */
} wm__handler;

/* One source-map entry: code position → byte offset in the module. */
typedef struct {
    uint32_t ip, offset;
} wm__srcpos;

/* A function of the module's index space. For imports, only type_index and
 * type are set. The rest is filled by wm__compile_func. */
typedef struct {
    uint32_t type_index;
    const wm_functype_t *type;
    bool imported;
    uint32_t body_offset; /* where the body starts in the module bytes */
    /* compiled form */
    uint32_t *code;       /* the pre-decoded code, see wm_ir.h */
    uint32_t code_len;    /* in words */
    uint32_t param_slots; /* slots taken by the parameters */
    uint32_t local_slots; /* parameters + declared locals */
    uint32_t frame_slots; /* locals + the deepest operand stack */
    uint32_t result_slots;
    wm__srcpos *srcmap; /* sorted by ip, for trap sites */
    uint32_t nsrcmap;
    uint64_t *consts; /* copied to the frame's constant area on entry */
    uint32_t nconsts, const_base;
    wm__handler *handlers; /* exception handlers, inner first (see above) */
    uint32_t nhandlers;
    wm__catch *catches;
} wm__func;

/* A tag of the module's index space (imports first). */
typedef struct {
    uint32_t type_index;
    const wm_functype_t *type;
    bool imported;
} wm__tag;

typedef struct {
    wm_globaltype_t type;
    bool imported;
    wm__constexpr init; /* defined globals only */
} wm__global;

typedef struct {
    wm_tabletype_t type;
    bool imported;
} wm__table;

typedef struct {
    wm_limits_t limits;
    bool imported;
} wm__memory;

enum { WM__SEG_ACTIVE, WM__SEG_PASSIVE, WM__SEG_DECLARATIVE };

typedef struct {
    uint8_t mode;
    uint8_t elemtype; /* WM_FUNCREF or WM_EXTERNREF */
    uint32_t table;
    wm__constexpr offset; /* active only */
    uint32_t count;
    wm__constexpr *items; /* ref.func / ref.null / global.get each */
} wm__elem;

typedef struct {
    uint8_t mode; /* ACTIVE or PASSIVE */
    uint32_t memory;
    wm__constexpr offset;
    const uint8_t *bytes; /* copied into the module's arena */
    uint32_t len;
} wm__data;

struct wm_module {
    wh_arena_t arena;
    wm_config_t cfg;

    wm_functype_t *types;
    uint32_t ntypes;

    wm__import *imports;
    uint32_t nimports;

    wm__func *funcs; /* index space: imports first */
    uint32_t nfuncs, nfunc_imports;
    wm__table *tables;
    uint32_t ntables, ntable_imports;
    wm__memory *mems;
    uint32_t nmems, nmem_imports;
    wm__global *globals;
    uint32_t nglobals, nglobal_imports;
    wm__tag *tags;
    uint32_t ntags, ntag_imports;

    wm__export *exports;
    uint32_t nexports;

    bool has_start;
    uint32_t start;

    wm__elem *elems;
    uint32_t nelems;
    wm__data *datas;
    uint32_t ndatas;
    bool has_datacount;
    uint32_t datacount;
    /* Where a body first uses a data index (memory.init, data.drop) while
     * there is no data count section: its byte offset + 1, or 0. The
     * compiler sets it and goes on; at the end the decoder decides as the
     * spec's decoder does: with data segments the module is malformed
     * ("data count section required"), without them the index is unknown. */
    uint32_t data_use_without_count;

    /* ref.func x in a function body is valid only for functions "declared"
     * outside bodies (elements, exports, globals): spec C.refs. */
    bool *func_refs; /* nfuncs entries */

    /* The data image (wm_image.c): memory image_mem's initial contents;
     * image_view maps them read-only (NULL if that failed), for resets. */
    bool has_image;
    int image_fd;
    uint32_t image_mem;
    const uint8_t *image_view;
    size_t image_len;
};

/* The data image of a module (wm_image.c): made at the end of loading
 * (nothing when it does not apply), closed by wm_module_free; mapped over a
 * new instance's memory (false: copy the segments instead). */
void wm__image_build(wm_module_t *m);
void wm__image_free(wm_module_t *m);
bool wm__image_map(const wm_module_t *m, wm_memory_t *mem);

/* Compiles (validates and translates) the body of defined function
 * func_index; r spans exactly the body (locals and code, after its size).
 * Called by the decoder in code-section order, after every section before
 * the code section is decoded (data count included). */
wh_rc wm__compile_func(wm_module_t *m, uint32_t func_index, wm__reader *r, wh_err_t *err);

/* Prints the compiled code of function index (wm_dump.c), for debugging. */
void wm__dump_func(const wm_module_t *m, uint32_t index, FILE *out);

/* Number of 8-byte slots a value type takes (v128 takes 2). */
static inline uint32_t wm__slots(uint8_t t)
{
    return t == WM_V128 ? 2 : 1;
}
uint32_t wm__types_slots(const uint8_t *types, uint32_t n);

/* ---- Runtime objects ---- */

struct wm_func {
    const wm_functype_t *type;
    wm_instance_t *inst; /* NULL for host functions */
    const wm__func *def; /* compiled code of a wasm function */
    wm_host_fn host;
    void *env;
    uint32_t index; /* index in its module (wasm functions) */
};

struct wm_memory {
    uint8_t *base;        /* reserved so that growth never moves it */
    uint64_t size;        /* current size in bytes */
    wm_limits_t limits;   /* min is the current page count */
    size_t reserved;      /* bytes of address space reserved */
    size_t accessible;    /* bytes from base made readable (at least size: a
                             pooled reservation may have more, all zero) */
    uint64_t reach;       /* what was touched since the memory was made: */
    uint64_t wlo, whi;    /* [0, reach) and [wlo, whi) hold every byte read or
                             written (wm__memory_touch), so that a reset or a
                             pool clears only those; reach <= size */
    uint32_t touches;     /* far wm__memory_touch calls since the last reset */
    bool imaged;          /* [0, image_len) maps a data image (wm_image.c) */
    const uint8_t *image; /* the image's contents (read-only view), or NULL */
    size_t image_len;
    wm_store_t *store; /* for the store's memory limit */
};

struct wm_table {
    void **elems;
    uint32_t size, cap;
    wm_tabletype_t type; /* type.limits.min is the current size */
};

struct wm_global {
    wm_globaltype_t type;
    wm_slot val[2];
};

struct wm_tag {
    const wm_functype_t *type;
    uint32_t slots; /* of the payload */
};

/* A thrown exception (wm_exn.c). The store owns it; an exnref is a pointer
 * to one. One that was never seen as an exnref value (caught by catch or
 * catch_all) is freed as soon as it is caught; the others live until a
 * collection finds no reference to them (see wm__exn_new). */
typedef struct wm__exn {
    wm_tag_t *tag;
    uint32_t nslots;
    uint32_t idx;                /* its place in the store's list */
    bool escaped;                /* it has been an exnref value */
    bool marked;                 /* (collection) */
    uint32_t func_index, offset; /* where it was thrown (UINT32_MAX: by the host) */
    const wm_module_t *mod;      /* the thrower's module, for the tag's name */
    uint32_t tag_index;          /* the tag's index there */
    wm_slot payload[];
} wm__exn;

typedef struct {
    void **refs;
    uint32_t len; /* 0 after elem.drop */
} wm__elem_inst;

typedef struct {
    const uint8_t *bytes;
    uint32_t len; /* 0 after data.drop */
} wm__data_inst;

struct wm_instance {
    const wm_module_t *mod;
    wm_store_t *store;
    wm_func_t **funcs;
    wm_table_t **tables;
    wm_memory_t **mems;
    wm_global_t **globals;
    wm_tag_t **tags;
    wm_memory_t *mem0; /* mems[0] or NULL */
    wm__elem_inst *elems;
    wm__data_inst *datas;
    bool imaged; /* its memory holds the data image: no segment to copy */
};

/* A call frame on the store's frame stack. */
typedef struct {
    const uint32_t *ret_ip; /* where the caller goes on */
    wm_slot *fp;            /* the caller's frame base */
    wm_func_t *func;        /* the caller */
} wm__frame;

struct wm_call {
    wm_store_t *store;
    wm_instance_t *inst;
};

typedef struct wm__snapshot wm__snapshot; /* wm_snapshot.c */

struct wm_store {
    wh_arena_t arena;               /* small runtime objects */
    WH_VEC(wm_memory_t *) memories; /* unmapped on free */
    WH_VEC(wm_table_t *) tables;
    WH_VEC(wm_instance_t *) instances;

    wm_pool_t *pool; /* where the stack and memories go back, or NULL */

    /* execution state */
    wm_slot *stack, *stack_end;
    wm__frame *frames, *frames_end;
    int64_t fuel;         /* negative: unlimited */
    uint64_t mem_limit;   /* bytes over all memories; 0: none (wm_store_config_t) */
    uint64_t mem_used;    /* bytes of all memories now */
    atomic_int interrupt; /* WM__STOP | WM__YIELD */

    /* While a host function runs, a call it makes into wasm starts above the
     * caller's frame: sp_top and fr_top (NULL when nothing runs). */
    wm_slot *sp_top;
    wm__frame *fr_top;

    /* a suspended call (see wm_store_resume) */
    bool suspended;
    bool yielded;            /* it suspended at a wm_store_yield, not in a host call */
    const uint32_t *susp_ip; /* the call instruction to retry; NULL: a host entry */
    wm_slot *susp_fp, *susp_base;
    wm__frame *susp_fr, *susp_base_fr;
    wm_func_t *susp_func;  /* the function that was running */
    wm_func_t *entry_func; /* the function wm_func_call called */

    /* exceptions (wm_exn.c): every one alive, the one that ended the last
     * call uncaught (or that a host function throws), and the list's
     * length at which the next collection runs */
    WH_VEC(wm__exn *) exns;
    wm__exn *pending;
    uint32_t exn_gc_at;

    /* the last trap */
    bool has_trap_site;
    wm_trap_site_t trap_site;
    char trap_msg[200];

    bool ran;           /* wasm code has run in it (wm__exec) */
    bool host_globals;  /* the host made globals in it (wm_global_new) */
    wm__snapshot *snap; /* what wm_store_reset brings back, or NULL */
};

/* Memories up to this size are zeroed in place when reused (a pool slot,
 * a reset): cheaper than dropping their pages and faulting them back. */
enum { WM__KEEP_RESIDENT = 256 * 1024 };
/* In a bigger memory, touched pages up to this many bytes are reset in
 * place (and stay mapped, so the next use does not fault on them). */
enum { WM__KEEP_TOUCHED = 4 * 1024 * 1024 };
/* Below this many bytes zeroing them all costs less than asking which were
 * touched. */
enum { WM__PAGEMAP_MIN = 64 * 1024 };

/* Zeroes [off, off + len) of m (page-aligned): the pages touched in it in
 * place when they are at most WM__KEEP_TOUCHED bytes (wm_pagemap.c, with
 * the store's pool); else all in place when they are at most
 * WM__KEEP_RESIDENT bytes; else by dropping them. False when it could not
 * (wm_pool.c). */
bool wm__memory_zero(wm_memory_t *m, size_t off, size_t len);

/* Records an access to [start, end) of m before it happens, widening the
 * touched ranges (to WM__TOUCH_GRAIN); false when end is past the size: the
 * access is out of bounds. The interpreter checks accesses against the
 * reach it loaded and calls this only past it, so the check costs what a
 * bounds check costs. An access more than WM__TOUCH_FAR above the reach
 * widens the window instead, when that adds fewer bytes (C's malloc keeps a
 * footer at the end of the initial memory, a 64 MiB one too); accesses
 * there keep calling this, so after WM__TOUCH_CALLS of them between two
 * resets the reach takes the window in. */
enum { WM__TOUCH_GRAIN = 4096, WM__TOUCH_FAR = 1024 * 1024, WM__TOUCH_CALLS = 64 };
bool wm__memory_touch(wm_memory_t *m, uint64_t start, uint64_t end);

/* The ranges of m touched since it was made, as offset, length pairs (at
 * most 2): the rest of its accessible bytes are zero or its data image's.
 * wm__memory_clean forgets them (when a memory is made). */
int wm__memory_dirty(wm_memory_t *m, size_t ranges[4]);
void wm__memory_clean(wm_memory_t *m);

/* Which pages of [base, base + len) were touched (wm_pagemap.c): fills runs
 * with offset, length pairs (at most max) and returns their number; with
 * written_only, only pages that are not the file's (in a private file
 * mapping: the ones written). -1 when there are more runs or the kernel
 * cannot tell (fd < 0, or before Linux 6.7). */
int wm__pagemap_open(void);
int wm__pagemap_touched(int fd, const uint8_t *base, size_t len, bool written_only, uint64_t *runs,
                        int max);
/* The pool's pagemap descriptor, or -1 (no pool, or it could not open it). */
int wm__pool_pagemap(const wm_pool_t *p);
/* Unmaps a memory of s, or gives it to the store's pool. */
void wm__memory_release(wm_store_t *s, wm_memory_t *m);
void wm__snapshot_free(wm__snapshot *sn);

/* Allocates a zeroed object in the store's arena (NULL when out of memory). */
void *wm__store_alloc(wm_store_t *s, size_t n);

/* Runs f with its arguments in base[0..] (on the store's stack), leaving
 * the results there. Returns WH_OK, WH_SUSPEND, or a trap code with err set. */
wh_rc wm__exec(wm_store_t *s, wm_func_t *f, wm_slot *base, wh_err_t *err);
/* The pool (wm_pool.c): a stack or a memory reservation to reuse (NULL:
 * none fits), and giving them back (false: the caller unmaps it). */
wm_slot *wm__pool_take_stack(wm_pool_t *p, size_t bytes);
bool wm__pool_give_stack(wm_pool_t *p, wm_slot *base, size_t bytes);
uint8_t *wm__pool_take_memory(wm_pool_t *p, size_t reserved, size_t size, size_t *accessible);
bool wm__pool_give_memory(wm_pool_t *p, wm_memory_t *m);

/* The bits of wm_store_t.interrupt: stop the call (a deadline), or
 * suspend it so that others may run (a time slice ended). */
enum { WM__STOP = 1, WM__YIELD = 2 };

/* Exceptions (wm_exn.c). wm__exn_new makes one with tag's payload copied
 * from payload; first, when many are alive, it frees those that nothing
 * references: it looks for them in the store's stack below roots_top (the
 * running frame's end), in globals, exnref tables, other exceptions and
 * the pending one. NULL when there are too many even so (or no memory).
 * wm__exn_drop frees one caught without becoming an exnref;
 * wm__exn_free_all frees them all (a store freed or reset). */
enum { WM__EXN_GC_MIN = 1024, WM__EXN_MAX = 1u << 20 };
wm__exn *wm__exn_new(wm_store_t *s, wm_tag_t *tag, const wm_slot *payload,
                     const wm_slot *roots_top);
void wm__exn_drop(wm_store_t *s, wm__exn *e);
void wm__exn_free_all(wm_store_t *s);
/* Clears the pending exception (a new call from the host starts). */
void wm__exn_clear_pending(wm_store_t *s);

/* Goes on with a suspended call. */
wh_rc wm__resume(wm_store_t *s, wh_err_t *err);

/* The word the interpreter dispatches on for an opcode (a handler's
 * offset with computed goto, the opcode itself with the switch), and back. */
uint32_t wm__interp_handler(uint32_t op);
uint32_t wm__interp_opcode(uint32_t word);

/* Trap texts, as the spec words them (wast assert_trap compares them). */
#define WM_MSG_UNREACHABLE       "unreachable"
#define WM_MSG_MEM_OOB           "out of bounds memory access"
#define WM_MSG_TABLE_OOB         "out of bounds table access"
#define WM_MSG_DIV_ZERO          "integer divide by zero"
#define WM_MSG_INT_OVERFLOW      "integer overflow"
#define WM_MSG_BAD_CONVERSION    "invalid conversion to integer"
#define WM_MSG_UNDEF_ELEM        "undefined element"
#define WM_MSG_UNINIT_ELEM       "uninitialized element"
#define WM_MSG_INDIRECT_MISMATCH "indirect call type mismatch"
#define WM_MSG_EXHAUSTED         "call stack exhausted"
#define WM_MSG_NULL_EXN          "null exception reference"

#endif
