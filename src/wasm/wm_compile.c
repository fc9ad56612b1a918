/*
 * wm_compile.c — validates a function body and translates it, in the same
 * pass, into the register-style code of wm_ir.h.
 *
 * Validation follows the algorithm of the spec's appendix (operand and
 * control stacks, polymorphic stack after unreachable code). Translation
 * gives every operand-stack position a fixed frame slot. Three things keep
 * the code short:
 *   - local.get and constants emit nothing: the stack entry remembers where
 *     the value is (a local's slot, or the constant) and the consumer reads it
 *     from there. Such deferred entries are written to their own slots
 *     ("materialized") before anything could change them: a local.set of
 *     that local, and the entry into any block (so no deferred entry ever
 *     crosses a control-flow merge).
 *   - local.set after an instruction rewrites that instruction's destination
 *     to the local, instead of copying.
 *   - a comparison followed by br_if or if becomes one compare-and-branch.
 * Code in unreachable positions is validated but not emitted.
 */
#include "internal.h"
#include "wm_ir.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define T_ANY 0 /* the unknown type of a polymorphic stack */
#define NONE UINT32_MAX
#define SPILL 0x80000000u /* slot numbers of the spill area, fixed up at the end */

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
} ctrl;

typedef struct {
    wm_module_t *m;
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
    WH_VEC(uint32_t) spill_refs;
    uint32_t max_slot, nspill;

    uint32_t op_offset;   /* byte offset of the instruction being compiled */
    uint32_t last_op;     /* position of the last emitted instruction, NONE after a label */
    uint32_t last_dst;    /* its destination slot */
    uint32_t last_dstpos; /* where that destination is written in the code */
} cc;

static const uint8_t one_type[][1] = {{WM_I32}, {WM_I64}, {WM_F32}, {WM_F64},
                                      {WM_V128}, {WM_FUNCREF}, {WM_EXTERNREF}};

static const char *tname(uint8_t t)
{
    switch (t) {
    case WM_I32: return "i32";
    case WM_I64: return "i64";
    case WM_F32: return "f32";
    case WM_F64: return "f64";
    case WM_V128: return "v128";
    case WM_FUNCREF: return "funcref";
    case WM_EXTERNREF: return "externref";
    default: return "any";
    }
}

static bool is_ref(uint8_t t)
{
    return t == WM_FUNCREF || t == WM_EXTERNREF;
}

static bool is_valtype(uint8_t t)
{
    return t == WM_I32 || t == WM_I64 || t == WM_F32 || t == WM_F64 || t == WM_V128 || is_ref(t);
}

static wh_rc fail(cc *c, wh_rc rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static wh_rc fail(cc *c, wh_rc rc, const char *fmt, ...)
{
    char msg[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return wh_err(c->err, rc, c->op_offset, "%s (func %u, byte 0x%x)", msg, c->func_index,
                  c->op_offset);
}

#define CHK(x)                                                                                     \
    do {                                                                                           \
        wh_rc rc_ = (x);                                                                           \
        if (rc_)                                                                                   \
            return rc_;                                                                            \
    } while (0)

/* ---- emission ---- */

static ctrl *top_ctrl(cc *c)
{
    return &c->ctrls.data[c->ctrls.len - 1];
}

static bool live(cc *c)
{
    ctrl *f = top_ctrl(c);
    return !f->unreachable && !f->dead;
}

static void word(cc *c, uint32_t w)
{
    if (!wh_vec_push(&c->code, w))
        c->rc = WH_NOMEM;
}

/* A word that names a slot: spill slots are renumbered at the end. */
static void slotw(cc *c, uint32_t s)
{
    if ((s & SPILL) && !wh_vec_push(&c->spill_refs, c->code.len))
        c->rc = WH_NOMEM;
    word(c, s);
}

static void begin(cc *c, wm_irop op)
{
    if (c->srcmap.len == 0 || c->srcmap.data[c->srcmap.len - 1].offset != c->op_offset) {
        wm__srcpos sp = {c->code.len, c->op_offset};
        if (!wh_vec_push(&c->srcmap, sp))
            c->rc = WH_NOMEM;
    }
    c->last_op = c->code.len;
    c->last_dst = NONE;
    word(c, op);
}

/* The destination operand of the instruction just begun. */
static void dst(cc *c, uint32_t s)
{
    c->last_dst = s;
    c->last_dstpos = c->code.len;
    slotw(c, s);
}

static void no_fuse(cc *c)
{
    c->last_op = NONE;
    c->last_dst = NONE;
}

static void emit_copy(cc *c, uint8_t type, uint32_t to, uint32_t from)
{
    begin(c, wm__slots(type) == 2 ? WM_OP_COPY2 : WM_OP_COPY);
    dst(c, to);
    slotw(c, from);
}

static void emit_const(cc *c, uint8_t type, uint32_t to, const uint64_t k[2])
{
    if (type == WM_V128) {
        begin(c, WM_OP_CONST128);
        dst(c, to);
        word(c, (uint32_t)k[0]);
        word(c, (uint32_t)(k[0] >> 32));
        word(c, (uint32_t)k[1]);
        word(c, (uint32_t)(k[1] >> 32));
    } else if (type == WM_I32 || type == WM_F32) {
        begin(c, WM_OP_CONST32);
        dst(c, to);
        word(c, (uint32_t)k[0]);
    } else {
        begin(c, WM_OP_CONST64);
        dst(c, to);
        word(c, (uint32_t)k[0]);
        word(c, (uint32_t)(k[0] >> 32));
    }
}

/* Puts a deferred entry into its own slot. */
static void materialize(cc *c, opnd *o)
{
    if (o->kind == K_REG)
        return;
    if (live(c)) {
        if (o->kind == K_LOCAL)
            emit_copy(c, o->type, o->slot, o->ref);
        else
            emit_const(c, o->type, o->slot, o->k);
    }
    o->kind = K_REG;
}

static void materialize_from(cc *c, uint32_t height)
{
    for (uint32_t i = height; i < c->stack.len; i++)
        materialize(c, &c->stack.data[i]);
}

/* The slot an instruction reads an operand from. */
static uint32_t src(cc *c, opnd *o)
{
    if (o->kind == K_CONST)
        materialize(c, o);
    return o->kind == K_LOCAL ? o->ref : o->slot;
}

/* ---- the operand stack ---- */

static uint32_t next_slot(cc *c)
{
    if (c->stack.len == 0)
        return c->local_slots;
    opnd *t = &c->stack.data[c->stack.len - 1];
    return t->slot + wm__slots(t->type);
}

static opnd *push(cc *c, uint8_t type)
{
    opnd o = {.type = type, .kind = K_REG, .slot = next_slot(c)};
    uint32_t end = o.slot + wm__slots(type);
    if (end > c->max_slot)
        c->max_slot = end;
    if (!wh_vec_push(&c->stack, o)) {
        c->rc = WH_NOMEM;
        static opnd sink;
        return &sink;
    }
    return &c->stack.data[c->stack.len - 1];
}

static wh_rc pop(cc *c, uint8_t want, opnd *out)
{
    ctrl *f = top_ctrl(c);
    if (c->stack.len == f->height) {
        if (f->unreachable) {
            *out = (opnd){.type = T_ANY, .kind = K_REG, .slot = next_slot(c)};
            return WH_OK;
        }
        return fail(c, WH_INVALID, "type mismatch: expected %s, but the stack is empty",
                    tname(want));
    }
    *out = c->stack.data[--c->stack.len];
    if (want != T_ANY && out->type != T_ANY && out->type != want)
        return fail(c, WH_INVALID, "type mismatch: expected %s, got %s", tname(want),
                    tname(out->type));
    return WH_OK;
}

static wh_rc pop_types(cc *c, const uint8_t *types, uint32_t n)
{
    opnd o;
    for (uint32_t i = n; i-- > 0;)
        CHK(pop(c, types[i], &o));
    return WH_OK;
}

static void push_types(cc *c, const uint8_t *types, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        push(c, types[i]);
}

/* ---- control ---- */

static wh_rc push_ctrl(cc *c, uint8_t op, const uint8_t *params, uint32_t np,
                       const uint8_t *results, uint32_t nr)
{
    ctrl *parent = c->ctrls.len ? top_ctrl(c) : NULL;
    ctrl f = {.op = op,
              .dead = parent && (parent->unreachable || parent->dead),
              .nparams = np,
              .nresults = nr,
              .params = params,
              .results = results,
              .height = c->stack.len - np,
              .fixups = NONE,
              .loop_ip = NONE,
              .else_fixup = NONE,
              .spill = NONE};
    f.slot = f.height < c->stack.len ? c->stack.data[f.height].slot : next_slot(c);
    if (!wh_vec_push(&c->ctrls, f))
        return c->rc = WH_NOMEM;
    return WH_OK;
}

static const uint8_t *label_types(const ctrl *f, uint32_t *n)
{
    if (f->op == 0x03) {
        *n = f->nparams;
        return f->params;
    }
    *n = f->nresults;
    return f->results;
}

/* Appends a branch-target word: known for loops, chained for forward labels. */
static void target(cc *c, ctrl *f)
{
    if (f->op == 0x03) {
        word(c, f->loop_ip);
    } else {
        uint32_t at = c->code.len;
        word(c, f->fixups);
        f->fixups = at;
    }
}

static void bind_chain(cc *c, uint32_t chain, uint32_t to)
{
    while (chain != NONE && c->rc == WH_OK) {
        uint32_t next = c->code.data[chain];
        c->code.data[chain] = to;
        chain = next;
    }
}

/* Does branching to f need to move values, given the top of the stack? */
static bool needs_moves(cc *c, ctrl *f)
{
    if (f->op == 0 && c->ctrls.data == f)
        return true; /* a branch to the function is a return */
    uint32_t n;
    const uint8_t *types = label_types(f, &n);
    uint32_t base = c->stack.len - n, to = f->slot;
    for (uint32_t i = 0; i < n; i++) {
        opnd *o = &c->stack.data[base + i];
        if (o->kind != K_REG || o->slot != to)
            return true;
        to += wm__slots(types[i]);
    }
    return false;
}

/* Moves the values a branch to f carries into f's slots. */
static void emit_moves(cc *c, ctrl *f)
{
    uint32_t n;
    const uint8_t *types = label_types(f, &n);
    uint32_t base = c->stack.len - n, to = f->slot;
    for (uint32_t i = 0; i < n; i++) {
        opnd *o = &c->stack.data[base + i];
        if (o->kind == K_CONST)
            emit_const(c, o->type, to, o->k);
        else if ((o->kind == K_LOCAL ? o->ref : o->slot) != to)
            emit_copy(c, o->type, to, o->kind == K_LOCAL ? o->ref : o->slot);
        to += wm__slots(types[i]);
    }
}

/* Leaves the function with the top values as results. This may be one path
 * of several (br_if, br_table), so it must not change the stack entries. */
static void emit_return(cc *c)
{
    uint32_t n = c->fn->type->nresults;
    const uint8_t *types = c->fn->type->results;
    opnd *top = c->stack.data + c->stack.len - n;
    if (n == 1 && top->kind != K_CONST) {
        begin(c, WM_OP_RETURN1);
        slotw(c, top->kind == K_LOCAL ? top->ref : top->slot);
        return;
    }
    /* Results go to slots [0, n), which may be locals: first copy locals to
     * the entries' own slots (all above the results), then move everything
     * down from the bottom, which never overwrites a source not yet read. */
    for (uint32_t i = 0; i < n; i++)
        if (top[i].kind == K_LOCAL)
            emit_copy(c, top[i].type, top[i].slot, top[i].ref);
    uint32_t to = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (top[i].kind == K_CONST)
            emit_const(c, top[i].type, to, top[i].k);
        else if (top[i].slot != to)
            emit_copy(c, top[i].type, to, top[i].slot);
        to += wm__slots(types[i]);
    }
    begin(c, WM_OP_RETURN);
}

/* An unconditional branch to f, values already checked. */
static void emit_br(cc *c, ctrl *f)
{
    if (f == c->ctrls.data) {
        emit_return(c);
        return;
    }
    emit_moves(c, f);
    begin(c, WM_OP_BR);
    target(c, f);
}

static wh_rc unreachable_now(cc *c)
{
    ctrl *f = top_ctrl(c);
    c->stack.len = f->height;
    f->unreachable = true;
    no_fuse(c);
    return WH_OK;
}

static wh_rc read_label(cc *c, ctrl **out)
{
    uint32_t depth;
    CHK(wm__read_u32(c->r, &depth, c->err));
    if (depth >= c->ctrls.len)
        return fail(c, WH_INVALID, "unknown label %u", depth);
    *out = &c->ctrls.data[c->ctrls.len - 1 - depth];
    return WH_OK;
}

/* Is the instruction just emitted a comparison that a branch can absorb? */
static bool fusable_compare(cc *c, opnd *cond, wm_irop *out_cmp, uint32_t *a, uint32_t *b,
                            bool *imm)
{
    if (c->last_op == NONE || cond->kind != K_REG || c->last_dst != cond->slot)
        return false;
    uint32_t op = c->code.data[c->last_op];
    switch (op) {
#define FUSE(n, ...)                                                                               \
    case WM_OP_##n:                                                                                \
        *out_cmp = WM_OP_BR_##n;                                                                   \
        break;
        WM_IR_FUSED_BR(FUSE)
#undef FUSE
#define FUSE_IMM(n)                                                                                \
    case WM_OP_##n##_IMM:                                                                          \
        *out_cmp = WM_OP_BR_##n##_IMM;                                                             \
        break;
        FUSE_IMM(I32_EQ) FUSE_IMM(I32_NE) FUSE_IMM(I32_LT_S) FUSE_IMM(I32_LT_U)
        FUSE_IMM(I32_GT_S) FUSE_IMM(I32_GT_U) FUSE_IMM(I32_LE_S) FUSE_IMM(I32_LE_U)
        FUSE_IMM(I32_GE_S) FUSE_IMM(I32_GE_U)
#undef FUSE_IMM
    default:
        return false;
    }
    *imm = (*out_cmp - WM_OP_BR_I32_EQ) % 4 == 2;
    *a = c->code.data[c->last_op + 2];
    *b = c->code.data[c->last_op + 3];
    return true;
}

/* Emits "branch to the chained target if cond is nonzero (or zero when
 * negate)", fusing a preceding comparison. Returns the word to patch. */
static uint32_t emit_cond_branch(cc *c, opnd *cond, bool negate)
{
    wm_irop cmp;
    uint32_t a, b;
    bool imm;
    if (fusable_compare(c, cond, &cmp, &a, &b, &imm)) {
        /* Drop the comparison and branch on its operands instead. BRN_x
         * follows BR_x in the enum. An _IMM comparison's second operand is
         * an immediate, which must not be taken for a slot. */
        c->code.len = c->last_op;
        if (c->srcmap.len && c->srcmap.data[c->srcmap.len - 1].ip >= c->code.len)
            c->srcmap.len--;
        begin(c, (wm_irop)(cmp + (negate ? 1 : 0)));
        slotw(c, a);
        if (imm)
            word(c, b);
        else
            slotw(c, b);
    } else {
        uint32_t s = src(c, cond);
        begin(c, negate ? WM_OP_BR_UNLESS : WM_OP_BR_IF);
        slotw(c, s);
    }
    uint32_t at = c->code.len;
    word(c, NONE);
    return at;
}

static wh_rc read_blocktype(cc *c, const uint8_t **params, uint32_t *np, const uint8_t **results,
                            uint32_t *nr)
{
    if (c->r->p >= c->r->end)
        return wh_err(c->err, WH_MALFORMED, wm__offset(c->r), "unexpected end");
    uint8_t b = *c->r->p;
    *np = *nr = 0;
    *params = *results = NULL;
    if (b == 0x40) {
        c->r->p++;
        return WH_OK;
    }
    if (is_valtype(b)) {
        c->r->p++;
        for (size_t i = 0; i < WH_ARRAY_LEN(one_type); i++)
            if (one_type[i][0] == b)
                *results = one_type[i];
        *nr = 1;
        return WH_OK;
    }
    int64_t idx;
    CHK(wm__read_s33(c->r, &idx, c->err));
    if (idx < 0)
        return fail(c, WH_MALFORMED, "malformed block type");
    if ((uint64_t)idx >= c->m->ntypes)
        return fail(c, WH_INVALID, "unknown type %lld", (long long)idx);
    const wm_functype_t *t = &c->m->types[idx];
    *params = t->params;
    *np = t->nparams;
    *results = t->results;
    *nr = t->nresults;
    return WH_OK;
}

static wh_rc check_memory(cc *c, uint32_t idx)
{
    if (idx >= c->m->nmems)
        return fail(c, WH_INVALID, "unknown memory %u", idx);
    return WH_OK;
}

static wh_rc check_table(cc *c, uint32_t idx)
{
    if (idx >= c->m->ntables)
        return fail(c, WH_INVALID, "unknown table %u", idx);
    return WH_OK;
}

static wh_rc read_memarg(cc *c, uint32_t natural_log2, uint32_t *offset)
{
    uint32_t align;
    CHK(wm__read_u32(c->r, &align, c->err));
    CHK(wm__read_u32(c->r, offset, c->err));
    CHK(check_memory(c, 0));
    if (align > natural_log2)
        return fail(c, WH_INVALID, "alignment must not be larger than natural");
    return WH_OK;
}

static wh_rc zero_byte(cc *c)
{
    uint8_t b;
    CHK(wm__read_u8(c->r, &b, c->err));
    if (b != 0)
        return fail(c, WH_MALFORMED, "zero byte expected");
    return WH_OK;
}

static uint32_t log2_bytes(uint32_t n)
{
    return n == 1 ? 0 : n == 2 ? 1 : n == 4 ? 2 : 3;
}

/* ---- generic instruction shapes ---- */

static wh_rc binop(cc *c, wm_irop op, uint8_t in, uint8_t out)
{
    opnd a, b;
    CHK(pop(c, in, &b));
    CHK(pop(c, in, &a));
    if (!live(c)) {
        push(c, out);
        return WH_OK;
    }
    /* i32/i64 op with a constant right operand: the immediate form. */
    if (b.kind == K_CONST && a.kind != K_CONST) {
        wm_irop imm = WM_OP_COUNT;
        switch (op) {
#define IMM(n)                                                                                     \
    case WM_OP_##n:                                                                                \
        imm = WM_OP_##n##_IMM;                                                                     \
        break;
            WM_IR_FUSED_BIN(IMM)
#undef IMM
        default:
            break;
        }
        bool fits = in == WM_I32 || (int64_t)b.k[0] == (int64_t)(int32_t)b.k[0];
        if (imm != WM_OP_COUNT && fits) {
            uint32_t sa = src(c, &a);
            opnd *r = push(c, out);
            begin(c, imm);
            dst(c, r->slot);
            slotw(c, sa);
            word(c, (uint32_t)b.k[0]);
            return WH_OK;
        }
    }
    uint32_t sa = src(c, &a), sb = src(c, &b);
    opnd *r = push(c, out);
    begin(c, op);
    dst(c, r->slot);
    slotw(c, sa);
    slotw(c, sb);
    return WH_OK;
}

static wh_rc unop(cc *c, wm_irop op, uint8_t in, uint8_t out)
{
    opnd a;
    CHK(pop(c, in, &a));
    if (!live(c)) {
        push(c, out);
        return WH_OK;
    }
    uint32_t sa = src(c, &a);
    opnd *r = push(c, out);
    begin(c, op);
    dst(c, r->slot);
    slotw(c, sa);
    return WH_OK;
}

/* Pops n operands of the given types (listed bottom first) and emits
 * OP [dst] operands... [imms]. */
static wh_rc generic(cc *c, wm_irop op, const uint8_t *in, uint32_t nin, uint8_t out,
                     const uint32_t *imms, uint32_t nimm, bool imms_first)
{
    opnd ops[5];
    for (uint32_t i = nin; i-- > 0;)
        CHK(pop(c, in[i], &ops[i]));
    if (!live(c)) {
        if (out)
            push(c, out);
        return WH_OK;
    }
    uint32_t s[5];
    for (uint32_t i = 0; i < nin; i++)
        s[i] = src(c, &ops[i]);
    opnd *r = out ? push(c, out) : NULL;
    begin(c, op);
    if (r)
        dst(c, r->slot);
    if (imms_first)
        for (uint32_t i = 0; i < nimm; i++)
            word(c, imms[i]);
    for (uint32_t i = 0; i < nin; i++)
        slotw(c, s[i]);
    if (!imms_first)
        for (uint32_t i = 0; i < nimm; i++)
            word(c, imms[i]);
    return WH_OK;
}

static wh_rc push_const(cc *c, uint8_t type, uint64_t lo, uint64_t hi)
{
    opnd *o = push(c, type);
    o->kind = K_CONST;
    o->k[0] = lo;
    o->k[1] = hi;
    return WH_OK;
}

/* ---- locals and globals ---- */

static wh_rc local_index(cc *c, uint32_t *idx)
{
    CHK(wm__read_u32(c->r, idx, c->err));
    if (*idx >= c->nlocals)
        return fail(c, WH_INVALID, "unknown local %u", *idx);
    return WH_OK;
}

/* Writes the top value into local idx (tee keeps it on the stack). */
static wh_rc local_set(cc *c, uint32_t idx, bool tee)
{
    uint8_t t = c->ltype[idx];
    uint32_t ls = c->lslot[idx];
    opnd v;
    CHK(pop(c, t, &v));
    if (live(c)) {
        bool refs = false;
        for (uint32_t i = 0; i < c->stack.len; i++)
            refs |= c->stack.data[i].kind == K_LOCAL && c->stack.data[i].ref == ls;
        if (!refs && v.kind == K_REG && c->last_dst == v.slot && c->last_dst != NONE) {
            c->code.data[c->last_dstpos] = ls; /* the producer writes the local */
            c->last_dst = NONE;
        } else {
            for (uint32_t i = 0; i < c->stack.len; i++)
                if (c->stack.data[i].kind == K_LOCAL && c->stack.data[i].ref == ls)
                    materialize(c, &c->stack.data[i]);
            if (v.kind == K_CONST)
                emit_const(c, t, ls, v.k);
            else if (src(c, &v) != ls)
                emit_copy(c, t, ls, src(c, &v));
        }
    }
    if (tee) {
        opnd *o = push(c, t);
        o->kind = K_LOCAL;
        o->ref = ls;
    }
    return WH_OK;
}

static wh_rc global_index(cc *c, uint32_t *idx)
{
    CHK(wm__read_u32(c->r, idx, c->err));
    if (*idx >= c->m->nglobals)
        return fail(c, WH_INVALID, "unknown global %u", *idx);
    return WH_OK;
}

/* ---- the instruction loop ---- */

/* compile_body: see below */
static wh_rc compile_body(cc *c);

static wh_rc read_locals(cc *c)
{
    const wm_functype_t *ft = c->fn->type;
    uint32_t ngroups;
    CHK(wm__read_u32(c->r, &ngroups, c->err));
    uint64_t total = ft->nparams;
    const uint8_t *save = c->r->p;
    for (uint32_t i = 0; i < ngroups; i++) {
        uint32_t n;
        uint8_t t;
        CHK(wm__read_u32(c->r, &n, c->err));
        CHK(wm__read_u8(c->r, &t, c->err));
        total += n;
        if (total > WM_MAX_LOCALS)
            return fail(c, WH_MALFORMED, "too many locals");
        if (!is_valtype(t))
            return fail(c, WH_MALFORMED, "malformed value type 0x%02x", t);
    }
    c->nlocals = (uint32_t)total;
    c->ltype = wh_malloc(total + 1);
    c->lslot = wh_malloc((total + 1) * sizeof(uint32_t));
    if (!c->ltype || !c->lslot)
        return c->rc = WH_NOMEM;
    uint32_t k = 0, slot = 0;
    for (uint32_t i = 0; i < ft->nparams; i++, k++) {
        c->ltype[k] = ft->params[i];
        c->lslot[k] = slot;
        slot += wm__slots(ft->params[i]);
    }
    c->fn->param_slots = slot;
    c->r->p = save;
    for (uint32_t i = 0; i < ngroups; i++) {
        uint32_t n;
        uint8_t t;
        wm__read_u32(c->r, &n, NULL);
        wm__read_u8(c->r, &t, NULL);
        for (uint32_t j = 0; j < n; j++, k++) {
            c->ltype[k] = t;
            c->lslot[k] = slot;
            slot += wm__slots(t);
        }
    }
    c->local_slots = slot;
    c->max_slot = slot;
    return WH_OK;
}

static void cc_free(cc *c)
{
    wh_free(c->ltype);
    wh_free(c->lslot);
    wh_vec_free(&c->stack);
    wh_vec_free(&c->ctrls);
    wh_vec_free(&c->code);
    wh_vec_free(&c->srcmap);
    wh_vec_free(&c->spill_refs);
}

wh_rc wm__compile_func(wm_module_t *m, uint32_t func_index, wm__reader *r, wh_err_t *err)
{
    cc c = {.m = m,
            .fn = &m->funcs[func_index],
            .r = r,
            .err = err,
            .func_index = func_index,
            .last_op = NONE,
            .last_dst = NONE,
            .op_offset = wm__offset(r)};
    wm__func *fn = c.fn;
    fn->body_offset = wm__offset(r);
    wh_rc rc = read_locals(&c);
    if (!rc) {
        const wm_functype_t *ft = fn->type;
        rc = push_ctrl(&c, 0, NULL, 0, ft->results, ft->nresults);
    }
    if (!rc)
        rc = compile_body(&c);
    if (!rc && c.rc)
        rc = wh_err(err, c.rc, c.op_offset, "out of memory compiling func %u", func_index);
    if (!rc) {
        fn->local_slots = c.local_slots;
        fn->result_slots = wm__types_slots(fn->type->results, fn->type->nresults);
        uint32_t frame = c.max_slot;
        if (frame < fn->result_slots)
            frame = fn->result_slots;
        for (uint32_t i = 0; i < c.spill_refs.len; i++)
            c.code.data[c.spill_refs.data[i]] = frame + (c.code.data[c.spill_refs.data[i]] & ~SPILL);
        fn->frame_slots = frame + c.nspill;
        if (fn->frame_slots > WM_MAX_FUNC_SLOTS)
            rc = fail(&c, WH_INVALID, "function frame too large");
    }
    if (!rc) {
        size_t cb = (size_t)c.code.len * sizeof(uint32_t);
        size_t sb = (size_t)c.srcmap.len * sizeof(wm__srcpos);
        fn->code = wh_arena_dup(&m->arena, c.code.data, cb);
        fn->srcmap = wh_arena_dup(&m->arena, c.srcmap.data, sb);
        fn->code_len = c.code.len;
        fn->nsrcmap = c.srcmap.len;
        if (!fn->code || (sb && !fn->srcmap))
            rc = wh_err(err, WH_NOMEM, -1, "out of memory compiling func %u", func_index);
    }
    cc_free(&c);
    return rc;
}

/* ---- instructions ---- */

/* Checks that the top of the stack has these types, leaving it as it is.
 * In unreachable code the stack is rebuilt with the types (spec: pop, push). */
/* In unreachable code the spec pushes back the declared types for br_if
 * and block parameters (retype) but what was popped for br_table. */
static wh_rc keep_types_as(cc *c, const uint8_t *types, uint32_t n, bool retype)
{
    uint32_t saved = c->stack.len;
    if (live(c)) {
        CHK(pop_types(c, types, n));
        c->stack.len = saved;
        return WH_OK;
    }
    /* Unreachable: pop what is there (possibly nothing: the polymorphic
     * bottom) and push it back, unknown types staying unknown. */
    uint8_t tmp[16], *popped = n <= 16 ? tmp : wh_malloc(n);
    if (!popped)
        return c->rc = WH_NOMEM;
    wh_rc rc = WH_OK;
    for (uint32_t i = n; i-- > 0 && !rc;) {
        opnd o;
        rc = pop(c, types[i], &o);
        popped[i] = o.type;
    }
    if (!rc)
        push_types(c, retype ? types : popped, n);
    if (popped != tmp)
        wh_free(popped);
    return rc;
}

static wh_rc keep_types(cc *c, const uint8_t *types, uint32_t n)
{
    return keep_types_as(c, types, n, true);
}

static wh_rc op_block(cc *c, uint8_t op)
{
    const uint8_t *params, *results;
    uint32_t np, nr;
    CHK(read_blocktype(c, &params, &np, &results, &nr));
    opnd cond = {0};
    if (op == 0x04)
        CHK(pop(c, WM_I32, &cond));
    CHK(keep_types(c, params, np));
    bool was_live = live(c);
    uint32_t else_at = NONE, spill = NONE;
    if (was_live) {
        /* No deferred entry may cross into a block (see the file comment). */
        if (op == 0x04)
            src(c, &cond); /* a constant condition gets its slot first */
        materialize_from(c, 0);
    }
    if (op == 0x04 && np > 0) {
        /* The else arm needs the parameters again after the then arm has
         * overwritten their slots: keep copies in the spill area, written
         * before the branch so that both arms see them. */
        spill = SPILL | c->nspill;
        uint32_t sp = spill;
        for (uint32_t i = c->stack.len - np; i < c->stack.len; i++) {
            opnd *o = &c->stack.data[i];
            if (was_live)
                emit_copy(c, o->type, sp, o->slot);
            o->kind = K_LOCAL;
            o->ref = sp;
            sp += wm__slots(o->type);
        }
        c->nspill += sp - spill;
    }
    if (was_live && op == 0x04)
        else_at = emit_cond_branch(c, &cond, true);
    CHK(push_ctrl(c, op, params, np, results, nr));
    ctrl *f = top_ctrl(c);
    f->else_fixup = else_at;
    f->spill = spill;
    no_fuse(c);
    if (op == 0x03) {
        f->loop_ip = c->code.len;
        if (was_live)
            begin(c, WM_OP_LOOP_CHECK);
        no_fuse(c);
    }
    return WH_OK;
}

static wh_rc op_else(cc *c)
{
    ctrl *f = top_ctrl(c);
    if (f->op != 0x04)
        return fail(c, WH_MALFORMED, "else without matching if");
    uint32_t saved = c->stack.len;
    CHK(pop_types(c, f->results, f->nresults));
    if (c->stack.len != f->height)
        return fail(c, WH_INVALID, "type mismatch: values remain at the end of the then arm");
    c->stack.len = saved;
    if (live(c)) {
        materialize_from(c, f->height);
        begin(c, WM_OP_BR);
        target(c, f);
    }
    if (f->else_fixup != NONE)
        c->code.data[f->else_fixup] = c->code.len;
    f->else_fixup = NONE;
    f->op = 0x05;
    f->unreachable = false;
    c->stack.len = f->height;
    uint32_t sp = f->spill;
    for (uint32_t i = 0; i < f->nparams; i++) {
        opnd *o = push(c, f->params[i]);
        if (sp != NONE) {
            o->kind = K_LOCAL;
            o->ref = sp;
            sp += wm__slots(f->params[i]);
        }
    }
    no_fuse(c);
    return WH_OK;
}

/* Returns true when the function's final end was reached. */
static wh_rc op_end(cc *c, bool *done)
{
    ctrl *f = top_ctrl(c);
    if (f->op == 0x04) {
        /* An if without else passes its parameters through. */
        if (f->nparams != f->nresults || memcmp(f->params, f->results, f->nparams))
            return fail(c, WH_INVALID, "type mismatch: if without else must not change types");
    }
    uint32_t saved = c->stack.len;
    CHK(pop_types(c, f->results, f->nresults));
    if (c->stack.len != f->height)
        return fail(c, WH_INVALID, "type mismatch: values remain at the end of the block");
    c->stack.len = saved;
    if (c->ctrls.len == 1) {
        if (live(c))
            emit_return(c);
        c->ctrls.len = 0;
        *done = true;
        return WH_OK;
    }
    if (live(c))
        materialize_from(c, f->height);
    if (f->else_fixup != NONE)
        c->code.data[f->else_fixup] = c->code.len;
    bind_chain(c, f->fixups, c->code.len);
    uint32_t height = f->height;
    const uint8_t *results = f->results;
    uint32_t nr = f->nresults;
    c->ctrls.len--;
    c->stack.len = height;
    push_types(c, results, nr);
    no_fuse(c);
    return WH_OK;
}

static wh_rc op_br_if(cc *c)
{
    ctrl *f;
    opnd cond;
    CHK(read_label(c, &f));
    CHK(pop(c, WM_I32, &cond));
    uint32_t n;
    const uint8_t *types = label_types(f, &n);
    CHK(keep_types(c, types, n));
    if (!live(c))
        return WH_OK;
    if (needs_moves(c, f)) {
        uint32_t skip = emit_cond_branch(c, &cond, true);
        emit_br(c, f);
        c->code.data[skip] = c->code.len;
    } else {
        uint32_t at = emit_cond_branch(c, &cond, false);
        if (f->op == 0x03) {
            c->code.data[at] = f->loop_ip;
        } else {
            c->code.data[at] = f->fixups;
            f->fixups = at;
        }
    }
    no_fuse(c);
    return WH_OK;
}

static wh_rc op_br_table(cc *c)
{
    uint32_t n;
    CHK(wm__read_u32(c->r, &n, c->err));
    if (n > (uint32_t)(c->r->end - c->r->p))
        return wh_err(c->err, WH_MALFORMED, wm__offset(c->r), "unexpected end");
    ctrl **labels = wh_malloc(((size_t)n + 1) * sizeof *labels);
    if (!labels)
        return c->rc = WH_NOMEM;
    wh_rc rc = WH_OK;
    for (uint32_t i = 0; i <= n && !rc; i++)
        rc = read_label(c, &labels[i]);
    opnd idx;
    if (!rc)
        rc = pop(c, WM_I32, &idx);
    uint32_t arity;
    const uint8_t *dtypes = rc ? NULL : label_types(labels[n], &arity);
    for (uint32_t i = 0; i <= n && !rc; i++) {
        uint32_t k;
        const uint8_t *types = label_types(labels[i], &k);
        if (k != arity)
            rc = fail(c, WH_INVALID, "type mismatch: br_table targets differ in arity");
        else
            rc = keep_types_as(c, types, k, false);
    }
    if (!rc && live(c)) {
        uint32_t s = src(c, &idx);
        begin(c, WM_OP_BR_TABLE);
        slotw(c, s);
        word(c, n);
        uint32_t table = c->code.len;
        bool stubs = false;
        for (uint32_t i = 0; i <= n; i++) {
            if (needs_moves(c, labels[i])) {
                word(c, NONE);
                stubs = true;
            } else {
                target(c, labels[i]);
            }
        }
        /* Targets that need values moved get a stub after the table. */
        for (uint32_t i = 0; stubs && i <= n && c->rc == WH_OK; i++) {
            if (c->code.data[table + i] == NONE && needs_moves(c, labels[i])) {
                c->code.data[table + i] = c->code.len;
                emit_br(c, labels[i]);
            }
        }
    }
    if (!rc)
        rc = pop_types(c, dtypes, arity);
    wh_free(labels);
    CHK(rc);
    return unreachable_now(c);
}

static wh_rc op_call(cc *c, const wm_functype_t *ft, bool indirect, uint32_t type_idx,
                     uint32_t table_idx, uint32_t func_idx)
{
    opnd elem = {0};
    if (indirect)
        CHK(pop(c, WM_I32, &elem));
    CHK(keep_types(c, ft->params, ft->nparams));
    if (live(c)) {
        uint32_t first = c->stack.len - ft->nparams;
        materialize_from(c, first);
        uint32_t argslot = ft->nparams ? c->stack.data[first].slot : next_slot(c);
        uint32_t es = indirect ? src(c, &elem) : 0;
        c->stack.len = first;
        if (indirect) {
            begin(c, WM_OP_CALL_INDIRECT);
            word(c, type_idx);
            word(c, table_idx);
            slotw(c, es);
            slotw(c, argslot);
        } else {
            begin(c, WM_OP_CALL);
            word(c, func_idx);
            slotw(c, argslot);
        }
        /* The callee's frame starts at argslot and its results land there. */
        uint32_t end = argslot + wm__types_slots(ft->params, ft->nparams);
        if (end > c->max_slot)
            c->max_slot = end;
    } else {
        CHK(pop_types(c, ft->params, ft->nparams));
    }
    push_types(c, ft->results, ft->nresults);
    no_fuse(c);
    return WH_OK;
}

static wh_rc op_select(cc *c, bool typed)
{
    uint8_t t = T_ANY;
    if (typed) {
        uint32_t n;
        CHK(wm__read_u32(c->r, &n, c->err));
        if (n != 1)
            return fail(c, WH_INVALID, "invalid result arity");
        CHK(wm__read_u8(c->r, &t, c->err));
        if (!is_valtype(t))
            return fail(c, WH_MALFORMED, "malformed value type");
    }
    opnd cond, a, b;
    CHK(pop(c, WM_I32, &cond));
    CHK(pop(c, t, &b));
    CHK(pop(c, t, &a));
    if (!typed) {
        if (is_ref(a.type) || is_ref(b.type))
            return fail(c, WH_INVALID, "type mismatch: select needs numeric operands");
        if (a.type != T_ANY && b.type != T_ANY && a.type != b.type)
            return fail(c, WH_INVALID, "type mismatch: select operands differ");
        t = a.type != T_ANY ? a.type : b.type;
    }
    if (!live(c)) {
        push(c, t);
        return WH_OK;
    }
    uint32_t sa = src(c, &a), sb = src(c, &b), sc = src(c, &cond);
    opnd *r = push(c, t);
    begin(c, wm__slots(t) == 2 ? WM_OP_SELECT2 : WM_OP_SELECT);
    dst(c, r->slot);
    slotw(c, sa);
    slotw(c, sb);
    slotw(c, sc);
    return WH_OK;
}

static const uint8_t I3[] = {WM_I32, WM_I32, WM_I32};

static wh_rc op_misc(cc *c)
{
    uint32_t sub, a, b;
    CHK(wm__read_u32(c->r, &sub, c->err));
    switch (sub) {
#define SAT(n, code, in, out)                                                                      \
    case code:                                                                                     \
        return unop(c, WM_OP_##n, WM_##in, WM_##out);
        WM_SATOPS(SAT)
#undef SAT
    case 8: /* memory.init */
    case 9: /* data.drop */
        CHK(wm__read_u32(c->r, &a, c->err));
        if (sub == 8)
            CHK(zero_byte(c));
        if (!c->m->has_datacount)
            return fail(c, WH_MALFORMED, "data count section required");
        if (a >= c->m->datacount)
            return fail(c, WH_INVALID, "unknown data segment %u", a);
        if (sub == 9)
            return generic(c, WM_OP_DATA_DROP, NULL, 0, 0, &a, 1, true);
        CHK(check_memory(c, 0));
        return generic(c, WM_OP_MEMORY_INIT, I3, 3, 0, &a, 1, true);
    case 10: /* memory.copy */
        CHK(zero_byte(c));
        CHK(zero_byte(c));
        CHK(check_memory(c, 0));
        return generic(c, WM_OP_MEMORY_COPY, I3, 3, 0, NULL, 0, true);
    case 11: /* memory.fill */
        CHK(zero_byte(c));
        CHK(check_memory(c, 0));
        return generic(c, WM_OP_MEMORY_FILL, I3, 3, 0, NULL, 0, true);
    case 12: /* table.init elem table */
        CHK(wm__read_u32(c->r, &a, c->err));
        CHK(wm__read_u32(c->r, &b, c->err));
        CHK(check_table(c, b));
        if (a >= c->m->nelems)
            return fail(c, WH_INVALID, "unknown elem segment %u", a);
        if (c->m->elems[a].elemtype != c->m->tables[b].type.elem)
            return fail(c, WH_INVALID, "type mismatch: element segment and table types differ");
        return generic(c, WM_OP_TABLE_INIT, I3, 3, 0, (const uint32_t[]){b, a}, 2, true);
    case 13: /* elem.drop */
        CHK(wm__read_u32(c->r, &a, c->err));
        if (a >= c->m->nelems)
            return fail(c, WH_INVALID, "unknown elem segment %u", a);
        return generic(c, WM_OP_ELEM_DROP, NULL, 0, 0, &a, 1, true);
    case 14: /* table.copy dst src */
        CHK(wm__read_u32(c->r, &a, c->err));
        CHK(wm__read_u32(c->r, &b, c->err));
        CHK(check_table(c, a));
        CHK(check_table(c, b));
        if (c->m->tables[a].type.elem != c->m->tables[b].type.elem)
            return fail(c, WH_INVALID, "type mismatch: tables of different types");
        return generic(c, WM_OP_TABLE_COPY, I3, 3, 0, (const uint32_t[]){a, b}, 2, true);
    case 15: /* table.grow */
    case 16: /* table.size */
    case 17: /* table.fill */ {
        CHK(wm__read_u32(c->r, &a, c->err));
        CHK(check_table(c, a));
        uint8_t et = c->m->tables[a].type.elem;
        if (sub == 15)
            return generic(c, WM_OP_TABLE_GROW, (const uint8_t[]){et, WM_I32}, 2, WM_I32, &a, 1,
                           true);
        if (sub == 16)
            return generic(c, WM_OP_TABLE_SIZE, NULL, 0, WM_I32, &a, 1, true);
        return generic(c, WM_OP_TABLE_FILL, (const uint8_t[]){WM_I32, et, WM_I32}, 3, 0, &a, 1,
                       true);
    }
    default:
        return fail(c, WH_MALFORMED, "illegal opcode 0xfc %u", sub);
    }
}

static wh_rc compile_body(cc *c)
{
    wm__reader *r = c->r;
    bool done = false;
    while (!done) {
        if (c->rc)
            return wh_err(c->err, c->rc, c->op_offset, "out of memory compiling func %u",
                          c->func_index);
        c->op_offset = wm__offset(r);
        uint8_t op;
        uint32_t idx, idx2, off;
        if (r->p >= r->end)
            return wh_err(c->err, WH_MALFORMED, wm__offset(r),
                          "unexpected end of section or function");
        op = *r->p++;
        switch (op) {
        case 0x00: /* unreachable */
            if (live(c))
                begin(c, WM_OP_UNREACHABLE);
            CHK(unreachable_now(c));
            break;
        case 0x01: /* nop */
            break;
        case 0x02:
        case 0x03:
        case 0x04:
            CHK(op_block(c, op));
            break;
        case 0x05:
            CHK(op_else(c));
            break;
        case 0x0b:
            CHK(op_end(c, &done));
            break;
        case 0x0c: { /* br */
            ctrl *f;
            CHK(read_label(c, &f));
            uint32_t n;
            const uint8_t *types = label_types(f, &n);
            CHK(keep_types(c, types, n));
            if (live(c))
                emit_br(c, f);
            CHK(unreachable_now(c));
            break;
        }
        case 0x0d:
            CHK(op_br_if(c));
            break;
        case 0x0e:
            CHK(op_br_table(c));
            break;
        case 0x0f: /* return */
            CHK(keep_types(c, c->fn->type->results, c->fn->type->nresults));
            if (live(c))
                emit_return(c);
            CHK(unreachable_now(c));
            break;
        case 0x10: /* call */
            CHK(wm__read_u32(r, &idx, c->err));
            if (idx >= c->m->nfuncs)
                return fail(c, WH_INVALID, "unknown function %u", idx);
            CHK(op_call(c, c->m->funcs[idx].type, false, 0, 0, idx));
            break;
        case 0x11: /* call_indirect */
            CHK(wm__read_u32(r, &idx, c->err));
            CHK(wm__read_u32(r, &idx2, c->err));
            CHK(check_table(c, idx2));
            if (idx >= c->m->ntypes)
                return fail(c, WH_INVALID, "unknown type %u", idx);
            if (c->m->tables[idx2].type.elem != WM_FUNCREF)
                return fail(c, WH_INVALID, "type mismatch: call_indirect needs a funcref table");
            CHK(op_call(c, &c->m->types[idx], true, idx, idx2, 0));
            break;
        case 0x1a: { /* drop */
            opnd o;
            CHK(pop(c, T_ANY, &o));
            break;
        }
        case 0x1b:
        case 0x1c:
            CHK(op_select(c, op == 0x1c));
            break;
        case 0x20: { /* local.get */
            CHK(local_index(c, &idx));
            opnd *o = push(c, c->ltype[idx]);
            o->kind = K_LOCAL;
            o->ref = c->lslot[idx];
            break;
        }
        case 0x21:
        case 0x22:
            CHK(local_index(c, &idx));
            CHK(local_set(c, idx, op == 0x22));
            break;
        case 0x23: { /* global.get */
            CHK(global_index(c, &idx));
            uint8_t t = c->m->globals[idx].type.type;
            CHK(generic(c, wm__slots(t) == 2 ? WM_OP_GLOBAL_GET2 : WM_OP_GLOBAL_GET, NULL, 0, t,
                        &idx, 1, true));
            break;
        }
        case 0x24: { /* global.set */
            CHK(global_index(c, &idx));
            wm_globaltype_t gt = c->m->globals[idx].type;
            if (!gt.mut)
                return fail(c, WH_INVALID, "global is immutable");
            CHK(generic(c, wm__slots(gt.type) == 2 ? WM_OP_GLOBAL_SET2 : WM_OP_GLOBAL_SET,
                        &gt.type, 1, 0, &idx, 1, true));
            break;
        }
        case 0x25: /* table.get */
        case 0x26: /* table.set */ {
            CHK(wm__read_u32(r, &idx, c->err));
            CHK(check_table(c, idx));
            uint8_t et = c->m->tables[idx].type.elem;
            if (op == 0x25)
                CHK(generic(c, WM_OP_TABLE_GET, (const uint8_t[]){WM_I32}, 1, et, &idx, 1, true));
            else
                CHK(generic(c, WM_OP_TABLE_SET, (const uint8_t[]){WM_I32, et}, 2, 0, &idx, 1,
                            true));
            break;
        }
#define LOAD(n, code, type, bytes, ...)                                                            \
    case code:                                                                                     \
        CHK(read_memarg(c, log2_bytes(bytes), &off));                                              \
        CHK(generic(c, WM_OP_##n, (const uint8_t[]){WM_I32}, 1, WM_##type, &off, 1, false));      \
        break;
            WM_LOADS(LOAD)
#undef LOAD
#define STORE(n, code, type, bytes, ...)                                                           \
    case code:                                                                                     \
        CHK(read_memarg(c, log2_bytes(bytes), &off));                                              \
        CHK(generic(c, WM_OP_##n, (const uint8_t[]){WM_I32, WM_##type}, 2, 0, &off, 1, false));   \
        break;
            WM_STORES(STORE)
#undef STORE
        case 0x3f: /* memory.size */
            CHK(zero_byte(c));
            CHK(check_memory(c, 0));
            CHK(generic(c, WM_OP_MEMORY_SIZE, NULL, 0, WM_I32, NULL, 0, true));
            break;
        case 0x40: /* memory.grow */
            CHK(zero_byte(c));
            CHK(check_memory(c, 0));
            CHK(generic(c, WM_OP_MEMORY_GROW, I3, 1, WM_I32, NULL, 0, true));
            break;
        case 0x41: {
            int32_t v;
            CHK(wm__read_s32(r, &v, c->err));
            CHK(push_const(c, WM_I32, (uint32_t)v, 0));
            break;
        }
        case 0x42: {
            int64_t v;
            CHK(wm__read_s64(r, &v, c->err));
            CHK(push_const(c, WM_I64, (uint64_t)v, 0));
            break;
        }
        case 0x43: {
            uint32_t v;
            CHK(wm__read_f32(r, &v, c->err));
            CHK(push_const(c, WM_F32, v, 0));
            break;
        }
        case 0x44: {
            uint64_t v;
            CHK(wm__read_f64(r, &v, c->err));
            CHK(push_const(c, WM_F64, v, 0));
            break;
        }
#define BIN(n, code, in, out, ...)                                                                 \
    case code:                                                                                     \
        CHK(binop(c, WM_OP_##n, WM_##in, WM_##out));                                               \
        break;
#define UN(n, code, in, out, ...)                                                                  \
    case code:                                                                                     \
        CHK(unop(c, WM_OP_##n, WM_##in, WM_##out));                                                \
        break;
            WM_BINOPS(BIN)
            WM_UNOPS(UN)
            WM_TRAPOPS(BIN)
            WM_TRUNCOPS(UN)
#undef BIN
#undef UN
#define REINT(code, in, out)                                                                       \
    case code: {                                                                                   \
        opnd o;                                                                                    \
        CHK(pop(c, WM_##in, &o));                                                                  \
        opnd *p = push(c, WM_##out);                                                               \
        p->kind = o.kind;                                                                          \
        p->ref = o.ref;                                                                            \
        p->k[0] = o.k[0];                                                                          \
        if (o.kind == K_REG && live(c) && o.slot != p->slot)                                       \
            emit_copy(c, WM_##out, p->slot, o.slot);                                               \
        break;                                                                                     \
    }
            WM_REINTERPRETS(REINT)
#undef REINT
        case 0xd0: { /* ref.null */
            uint8_t t;
            CHK(wm__read_u8(r, &t, c->err));
            if (!is_ref(t))
                return fail(c, WH_MALFORMED, "malformed reference type");
            CHK(push_const(c, t, 0, 0));
            break;
        }
        case 0xd1: { /* ref.is_null */
            opnd o;
            CHK(pop(c, T_ANY, &o));
            if (o.type != T_ANY && !is_ref(o.type))
                return fail(c, WH_INVALID, "type mismatch: ref.is_null needs a reference");
            c->stack.len++; /* put it back for generic() */
            c->stack.data[c->stack.len - 1] = o;
            CHK(generic(c, WM_OP_REF_IS_NULL, &o.type, 1, WM_I32, NULL, 0, true));
            break;
        }
        case 0xd2: /* ref.func */
            CHK(wm__read_u32(r, &idx, c->err));
            if (idx >= c->m->nfuncs)
                return fail(c, WH_INVALID, "unknown function %u", idx);
            if (!c->m->func_refs || !c->m->func_refs[idx])
                return fail(c, WH_INVALID, "undeclared function reference");
            CHK(generic(c, WM_OP_REF_FUNC, NULL, 0, WM_FUNCREF, &idx, 1, true));
            break;
        case 0xfc:
            CHK(op_misc(c));
            break;
        case 0xfd:
            return fail(c, WH_UNSUPPORTED, "SIMD instructions are not supported yet");
        default:
            return fail(c, WH_MALFORMED, "illegal opcode 0x%02x", op);
        }
    }
    if (r->p != r->end)
        return wh_err(c->err, WH_MALFORMED, wm__offset(r), "section size mismatch: "
                      "code after the end of func %u", c->func_index);
    return WH_OK;
}
