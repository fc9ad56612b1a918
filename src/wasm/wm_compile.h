/*
 * wm_compile.h — the compiler's private interface, shared by its files:
 * wm_compile.c (operand and control stacks, code emission, the entry
 * point), wm_compile_ops.c (the instructions) and wm_compile_simd.c (the
 * 0xfd prefix). See wm_compile.c for how stack code becomes slot code.
 */
#ifndef WM_COMPILE_H
#define WM_COMPILE_H

#include "internal.h"
#include "wm_ir.h"

#define T_ANY           0 /* the unknown type of a polymorphic stack */
#define NONE            UINT32_MAX
#define SPILL           0x80000000u /* slot numbers of the spill area, fixed up at the end */
#define CONSTSLOT       0x40000000u /* slot numbers of the constant area, likewise */
#define ABSSLOT         0x20000000u /* a frame position that is not renumbered (results) */
#define MAX_CONST_SLOTS 64          /* constants a function keeps in its frame */

enum { K_REG, K_LOCAL, K_CONST };

typedef struct {
    uint8_t type;
    uint8_t kind;
    uint32_t slot; /* this stack position's own slot */
    uint32_t ref;  /* K_LOCAL: the slot that holds the value */
    uint64_t k[2]; /* K_CONST: the value */
} opnd;

typedef struct {
    uint8_t op; /* 0 function, 0x02 block, 0x03 loop, 0x04 if, 0x05 else */
    bool unreachable;
    bool dead; /* entered from unreachable code: emit nothing inside */
    uint32_t nparams, nresults;
    const uint8_t *params, *results;
    uint32_t height;     /* operands below the block's parameters */
    uint32_t slot;       /* slot of its first parameter / result */
    uint32_t fixups;     /* chain of branch words waiting for the end label */
    uint32_t loop_ip;    /* loop: where branches go */
    uint32_t else_fixup; /* if: the branch to the else arm */
    uint32_t spill;      /* if with parameters: where they are kept for else */
    /* exception handling */
    uint32_t cfix;           /* chain of catches (cc.catches) that go to the end label */
    uint32_t hstart;         /* try_table, try: where the body's code starts */
    uint32_t handler;        /* try: its handler, once the body is closed */
    uint32_t exn_slot;       /* try: where its catches keep the exception for rethrow */
    uint32_t cfirst, ncatch; /* try_table: its catches */
} ctrl;

/* Optimisations that WH_COMPILER_NOOPT (a bit mask in the environment) turns
 * off, for tracking down a miscompilation: each must be semantically inert. */
enum {
    CC_NO_IMM = 1,       /* immediate operand forms */
    CC_NO_CONSTSLOT = 2, /* the frame's constant area */
    CC_NO_SETFUSE = 4,   /* local.set rewriting the producer's destination */
    CC_NO_BRFUSE = 8,    /* compare-and-branch */
    CC_NO_BRRET = 16,    /* a branch to a return becoming the return */
    CC_NO_DEFER = 32,    /* local.get read in place */
};

typedef struct {
    wm_module_t *m;
    unsigned noopt;
    wm__func *fn;
    wm__reader *r;
    wh_err_t *err;
    uint32_t func_index;
    wh_rc rc;

    uint8_t *ltype;  /* local types */
    uint32_t *lslot; /* local slots */
    uint32_t nlocals, local_slots;

    WH_VEC(opnd) stack;
    WH_VEC(ctrl) ctrls;
    WH_VEC(uint32_t) code;
    WH_VEC(wm__srcpos) srcmap;
    WH_VEC(uint32_t) relocs;   /* slot words to renumber at the end (see wm__compile_func) */
    WH_VEC(uint32_t) oppos;    /* where each instruction starts, for threading */
    WH_VEC(uint64_t) consts;   /* the constant area's values, a slot each */
    WH_VEC(wm__catch) catches; /* exception handling: see wm__handler */
    WH_VEC(wm__handler) handlers;
    uint32_t max_slot, nspill;

    uint32_t op_offset;   /* byte offset of the instruction being compiled */
    uint32_t last_op;     /* position of the last emitted instruction, NONE after a label */
    uint32_t last_dst;    /* its destination slot */
    uint32_t last_dstpos; /* where that destination is written in the code */
} cc;

#define CHK(x)                                                                                     \
    do {                                                                                           \
        wh_rc rc_ = (x);                                                                           \
        if (rc_)                                                                                   \
            return rc_;                                                                            \
    } while (0)

const char *cc_tname(uint8_t t);
bool cc_is_ref(uint8_t t);
bool cc_is_reftype(cc *c, uint8_t t);
bool cc_is_valtype(cc *c, uint8_t t);
wh_rc cc_fail(cc *c, wh_rc rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
ctrl *cc_top_ctrl(cc *c);
bool cc_live(cc *c);
void cc_word(cc *c, uint32_t w);
void cc_slotw(cc *c, uint32_t s);
void cc_begin(cc *c, wm_irop op);
void cc_dst(cc *c, uint32_t s);
void cc_no_fuse(cc *c);
void cc_emit_copy(cc *c, uint8_t type, uint32_t to, uint32_t from);
void cc_emit_const(cc *c, uint8_t type, uint32_t to, const uint64_t k[2]);
void cc_materialize(cc *c, opnd *o);
void cc_materialize_from(cc *c, uint32_t height);
uint32_t cc_src(cc *c, opnd *o);
uint32_t cc_next_slot(cc *c);
opnd *cc_push(cc *c, uint8_t type);
wh_rc cc_pop(cc *c, uint8_t want, opnd *out);
wh_rc cc_pop_types(cc *c, const uint8_t *types, uint32_t n);
void cc_push_types(cc *c, const uint8_t *types, uint32_t n);
wh_rc cc_push_ctrl(cc *c, uint8_t op, const uint8_t *params, uint32_t np, const uint8_t *results,
                   uint32_t nr);
const uint8_t *cc_label_types(const ctrl *f, uint32_t *n);
void cc_target(cc *c, ctrl *f);
void cc_bind_chain(cc *c, uint32_t chain, uint32_t to);
bool cc_needs_moves(cc *c, ctrl *f);
void cc_emit_moves(cc *c, ctrl *f);
void cc_emit_return(cc *c);
void cc_emit_br(cc *c, ctrl *f);
wh_rc cc_unreachable_now(cc *c);
wh_rc cc_read_label(cc *c, ctrl **out);
bool cc_fusable_compare(cc *c, opnd *cond, wm_irop *out_cmp, uint32_t *a, uint32_t *b, bool *imm);
uint32_t cc_emit_cond_branch(cc *c, opnd *cond, bool negate);
wh_rc cc_read_blocktype(cc *c, const uint8_t **params, uint32_t *np, const uint8_t **results,
                        uint32_t *nr);
wh_rc cc_check_memory(cc *c, uint32_t idx);
wh_rc cc_check_table(cc *c, uint32_t idx);
wh_rc cc_read_memarg(cc *c, uint32_t natural_log2, uint32_t *offset, uint32_t *mem);
uint8_t cc_addr_type(cc *c, uint32_t mem);
uint8_t cc_index_type(cc *c, uint32_t table);
void cc_addr64(cc *c, opnd *o, wm_trapkind kind);
void cc_addr64_at(cc *c, uint32_t depth, wm_trapkind kind);
wh_rc cc_mem_index(cc *c, uint32_t *mem);
void cc_mem_use(cc *c, uint32_t mem);
wh_rc cc_mem_done(cc *c, uint32_t mem, wh_rc rc);
/* Compiles expr, an instruction on memory mem, between MEM_USE mem and
 * MEM_USE0 when mem is not memory 0 (wm_ir.h); its value is expr's. */
#define CC_ON_MEM(c, mem, expr) (cc_mem_use((c), (mem)), cc_mem_done((c), (mem), (expr)))
wh_rc cc_zero_byte(cc *c);
uint32_t cc_log2_bytes(uint32_t n);
wh_rc cc_binop(cc *c, wm_irop op, uint8_t in, uint8_t out);
wh_rc cc_unop(cc *c, wm_irop op, uint8_t in, uint8_t out);
wh_rc cc_generic(cc *c, wm_irop op, const uint8_t *in, uint32_t nin, uint8_t out,
                 const uint32_t *imms, uint32_t nimm, bool imms_first);
wh_rc cc_push_const(cc *c, uint8_t type, uint64_t lo, uint64_t hi);
wh_rc cc_local_index(cc *c, uint32_t *idx);
wh_rc cc_local_set(cc *c, uint32_t idx, bool tee);
wh_rc cc_global_index(cc *c, uint32_t *idx);

/* The instruction loop (wm_compile_ops.c), the SIMD instructions
 * (wm_compile_simd.c, after the 0xfd prefix) and exception handling
 * (wm_compile_exn.c). */
wh_rc cc_body(cc *c);
wh_rc cc_simd(cc *c);
wh_rc cc_keep_types(cc *c, const uint8_t *types, uint32_t n);
wh_rc cc_block_enter(cc *c, uint8_t op, const uint8_t *params, uint32_t np, const uint8_t *results,
                     uint32_t nr);
wh_rc cc_end(cc *c, bool *done);
void cc_bind_catches(cc *c, ctrl *f);
wh_rc cc_try_table(cc *c);
wh_rc cc_try(cc *c);
wh_rc cc_catch(cc *c, bool all);
wh_rc cc_delegate(cc *c);
wh_rc cc_rethrow(cc *c);
wh_rc cc_throw(cc *c);
wh_rc cc_throw_ref(cc *c);
wh_rc cc_try_table_end(cc *c, ctrl *f);

#endif
