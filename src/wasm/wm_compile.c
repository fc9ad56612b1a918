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
#include "wm_compile.h"
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t one_type[][1] = {{WM_I32},  {WM_I64},     {WM_F32},       {WM_F64},
                                      {WM_V128}, {WM_FUNCREF}, {WM_EXTERNREF}, {WM_EXNREF}};

const char *cc_tname(uint8_t t)
{
    return t == T_ANY ? "any" : wm_valtype_name(t);
}

bool cc_is_ref(uint8_t t)
{
    return t == WM_FUNCREF || t == WM_EXTERNREF || t == WM_EXNREF;
}

/* A reference type this module may use: exnref only with exceptions. */
bool cc_is_reftype(cc *c, uint8_t t)
{
    return t == WM_FUNCREF || t == WM_EXTERNREF ||
           (t == WM_EXNREF && (c->m->cfg.features & WM_FEATURE_EXCEPTIONS));
}

bool cc_is_valtype(cc *c, uint8_t t)
{
    return t == WM_I32 || t == WM_I64 || t == WM_F32 || t == WM_F64 || t == WM_V128 ||
           cc_is_reftype(c, t);
}

wh_rc cc_fail(cc *c, wh_rc rc, const char *fmt, ...)
{
    char msg[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return wh_err(c->err, rc, c->op_offset, "%s (func %u, byte 0x%x)", msg, c->func_index,
                  c->op_offset);
}

/* ---- emission ---- */

ctrl *cc_top_ctrl(cc *c)
{
    return &c->ctrls.data[c->ctrls.len - 1];
}

bool cc_live(cc *c)
{
    ctrl *f = cc_top_ctrl(c);
    return !f->unreachable && !f->dead;
}

void cc_word(cc *c, uint32_t w)
{
    if (!wh_vec_push(&c->code, w))
        c->rc = WH_NOMEM;
}

/* A word that names a slot: spill slots are renumbered at the end. */
void cc_slotw(cc *c, uint32_t s)
{
    if ((s >= c->local_slots || (s & (SPILL | CONSTSLOT | ABSSLOT))) &&
        !wh_vec_push(&c->relocs, c->code.len))
        c->rc = WH_NOMEM;
    cc_word(c, s);
}

void cc_begin(cc *c, wm_irop op)
{
    if (c->srcmap.len == 0 || c->srcmap.data[c->srcmap.len - 1].offset != c->op_offset) {
        wm__srcpos sp = {c->code.len, c->op_offset};
        if (!wh_vec_push(&c->srcmap, sp))
            c->rc = WH_NOMEM;
    }
    c->last_op = c->code.len;
    c->last_dst = NONE;
    if (!wh_vec_push(&c->oppos, c->code.len))
        c->rc = WH_NOMEM;
    cc_word(c, op);
}

/* The destination operand of the instruction just begun. */
void cc_dst(cc *c, uint32_t s)
{
    c->last_dst = s;
    c->last_dstpos = c->code.len;
    cc_slotw(c, s);
}

void cc_no_fuse(cc *c)
{
    c->last_op = NONE;
    c->last_dst = NONE;
}

void cc_emit_copy(cc *c, uint8_t type, uint32_t to, uint32_t from)
{
    cc_begin(c, wm__slots(type) == 2 ? WM_OP_COPY2 : WM_OP_COPY);
    cc_dst(c, to);
    cc_slotw(c, from);
}

void cc_emit_const(cc *c, uint8_t type, uint32_t to, const uint64_t k[2])
{
    if (type == WM_V128) {
        cc_begin(c, WM_OP_CONST128);
        cc_dst(c, to);
        cc_word(c, (uint32_t)k[0]);
        cc_word(c, (uint32_t)(k[0] >> 32));
        cc_word(c, (uint32_t)k[1]);
        cc_word(c, (uint32_t)(k[1] >> 32));
    } else if (type == WM_I32 || type == WM_F32) {
        cc_begin(c, WM_OP_CONST32);
        cc_dst(c, to);
        cc_word(c, (uint32_t)k[0]);
    } else {
        cc_begin(c, WM_OP_CONST64);
        cc_dst(c, to);
        cc_word(c, (uint32_t)k[0]);
        cc_word(c, (uint32_t)(k[0] >> 32));
    }
}

/* Puts a deferred entry into its own slot. */
void cc_materialize(cc *c, opnd *o)
{
    if (o->kind == K_REG)
        return;
    if (cc_live(c)) {
        if (o->kind == K_LOCAL)
            cc_emit_copy(c, o->type, o->slot, o->ref);
        else
            cc_emit_const(c, o->type, o->slot, o->k);
    }
    o->kind = K_REG;
}

void cc_materialize_from(cc *c, uint32_t height)
{
    for (uint32_t i = height; i < c->stack.len; i++)
        cc_materialize(c, &c->stack.data[i]);
}

/* The slot an instruction reads an operand from. */
/* The slot of a constant in the frame's constant area, which every call
 * fills from the function's table. Only constants read inside loops go
 * there: elsewhere an instruction that writes the constant costs the same
 * and nothing has to be copied on entry. NONE when it does not qualify. */
static uint32_t const_slot(cc *c, const opnd *o)
{
    bool in_loop = false;
    for (uint32_t i = 0; i < c->ctrls.len && !in_loop; i++)
        in_loop = c->ctrls.data[i].op == 0x03;
    if (!in_loop)
        return NONE;
    uint32_t n = wm__slots(o->type);
    for (uint32_t i = 0; i + n <= c->consts.len; i++)
        if (c->consts.data[i] == o->k[0] && (n == 1 || c->consts.data[i + 1] == o->k[1]))
            return CONSTSLOT | i;
    if (c->consts.len + n > MAX_CONST_SLOTS)
        return NONE;
    uint32_t at = c->consts.len;
    for (uint32_t i = 0; i < n; i++)
        if (!wh_vec_push(&c->consts, o->k[i]))
            c->rc = WH_NOMEM;
    return CONSTSLOT | at;
}

uint32_t cc_src(cc *c, opnd *o)
{
    if (o->kind == K_CONST) {
        uint32_t s = cc_live(c) && !(c->noopt & CC_NO_CONSTSLOT) ? const_slot(c, o) : NONE;
        if (s != NONE)
            return s;
        cc_materialize(c, o);
    }
    return o->kind == K_LOCAL ? o->ref : o->slot;
}

/* ---- the operand stack ---- */

uint32_t cc_next_slot(cc *c)
{
    if (c->stack.len == 0)
        return c->local_slots;
    opnd *t = &c->stack.data[c->stack.len - 1];
    return t->slot + wm__slots(t->type);
}

opnd *cc_push(cc *c, uint8_t type)
{
    opnd o = {.type = type, .kind = K_REG, .slot = cc_next_slot(c)};
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

wh_rc cc_pop(cc *c, uint8_t want, opnd *out)
{
    ctrl *f = cc_top_ctrl(c);
    if (c->stack.len == f->height) {
        if (f->unreachable) {
            *out = (opnd){.type = T_ANY, .kind = K_REG, .slot = cc_next_slot(c)};
            return WH_OK;
        }
        return cc_fail(c, WH_INVALID, "type mismatch: expected %s, but the stack is empty",
                       cc_tname(want));
    }
    *out = c->stack.data[--c->stack.len];
    if (want != T_ANY && out->type != T_ANY && out->type != want)
        return cc_fail(c, WH_INVALID, "type mismatch: expected %s, got %s", cc_tname(want),
                       cc_tname(out->type));
    return WH_OK;
}

wh_rc cc_pop_types(cc *c, const uint8_t *types, uint32_t n)
{
    opnd o;
    for (uint32_t i = n; i-- > 0;)
        CHK(cc_pop(c, types[i], &o));
    return WH_OK;
}

void cc_push_types(cc *c, const uint8_t *types, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        cc_push(c, types[i]);
}

/* ---- control ---- */

wh_rc cc_push_ctrl(cc *c, uint8_t op, const uint8_t *params, uint32_t np, const uint8_t *results,
                   uint32_t nr)
{
    ctrl *parent = c->ctrls.len ? cc_top_ctrl(c) : NULL;
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
              .spill = NONE,
              .cfix = NONE,
              .hstart = NONE,
              .handler = NONE,
              .exn_slot = NONE};
    f.slot = f.height < c->stack.len ? c->stack.data[f.height].slot : cc_next_slot(c);
    if (!wh_vec_push(&c->ctrls, f))
        return c->rc = WH_NOMEM;
    return WH_OK;
}

const uint8_t *cc_label_types(const ctrl *f, uint32_t *n)
{
    if (f->op == 0x03) {
        *n = f->nparams;
        return f->params;
    }
    *n = f->nresults;
    return f->results;
}

/* Appends a branch-target word: known for loops, chained for forward labels. */
void cc_target(cc *c, ctrl *f)
{
    if (f->op == 0x03) {
        cc_word(c, f->loop_ip);
    } else {
        uint32_t at = c->code.len;
        cc_word(c, f->fixups);
        f->fixups = at;
    }
}

void cc_bind_chain(cc *c, uint32_t chain, uint32_t to)
{
    while (chain != NONE && c->rc == WH_OK) {
        uint32_t next = c->code.data[chain];
        c->code.data[chain] = to;
        chain = next;
    }
}

/* Does branching to f need to move values, given the top of the stack? */
bool cc_needs_moves(cc *c, ctrl *f)
{
    if (f->op == 0 && c->ctrls.data == f)
        return true; /* a branch to the function is a return */
    uint32_t n;
    const uint8_t *types = cc_label_types(f, &n);
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
void cc_emit_moves(cc *c, ctrl *f)
{
    uint32_t n;
    const uint8_t *types = cc_label_types(f, &n);
    uint32_t base = c->stack.len - n, to = f->slot;
    for (uint32_t i = 0; i < n; i++) {
        opnd *o = &c->stack.data[base + i];
        if (o->kind == K_CONST)
            cc_emit_const(c, o->type, to, o->k);
        else if ((o->kind == K_LOCAL ? o->ref : o->slot) != to)
            cc_emit_copy(c, o->type, to, o->kind == K_LOCAL ? o->ref : o->slot);
        to += wm__slots(types[i]);
    }
}

/* Leaves the function with the top values as results. This may be one path
 * of several (br_if, br_table), so it must not change the stack entries. */
void cc_emit_return(cc *c)
{
    uint32_t n = c->fn->type->nresults;
    const uint8_t *types = c->fn->type->results;
    if (n == 0) {
        cc_begin(c, WM_OP_RETURN);
        return;
    }
    opnd *top = c->stack.data + c->stack.len - n;
    if (n == 1 && top->kind != K_CONST && wm__slots(types[0]) == 1) { /* RETURN1 moves one slot */
        cc_begin(c, WM_OP_RETURN1);
        cc_slotw(c, top->kind == K_LOCAL ? top->ref : top->slot);
        return;
    }
    /* Results go to slots [0, n), which may be locals: first copy locals to
     * the entries' own slots (all above the results), then move everything
     * down from the bottom, which never overwrites a source not yet read. */
    for (uint32_t i = 0; i < n; i++)
        if (top[i].kind == K_LOCAL)
            cc_emit_copy(c, top[i].type, top[i].slot, top[i].ref);
    uint32_t to = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (top[i].kind == K_CONST)
            cc_emit_const(c, top[i].type, to | ABSSLOT, top[i].k);
        else /* always: the operand stack may yet move up (see the end) */
            cc_emit_copy(c, top[i].type, to | ABSSLOT, top[i].slot);
        to += wm__slots(types[i]);
    }
    cc_begin(c, WM_OP_RETURN);
}

/* An unconditional branch to f, values already checked. */
void cc_emit_br(cc *c, ctrl *f)
{
    if (f == c->ctrls.data) {
        cc_emit_return(c);
        return;
    }
    cc_emit_moves(c, f);
    cc_begin(c, WM_OP_BR);
    cc_target(c, f);
}

wh_rc cc_unreachable_now(cc *c)
{
    ctrl *f = cc_top_ctrl(c);
    c->stack.len = f->height;
    f->unreachable = true;
    cc_no_fuse(c);
    return WH_OK;
}

wh_rc cc_read_label(cc *c, ctrl **out)
{
    uint32_t depth;
    CHK(wm__read_u32(c->r, &depth, c->err));
    if (depth >= c->ctrls.len)
        return cc_fail(c, WH_INVALID, "unknown label %u", depth);
    *out = &c->ctrls.data[c->ctrls.len - 1 - depth];
    return WH_OK;
}

/* Is the instruction just emitted a comparison that a branch can absorb? */
bool cc_fusable_compare(cc *c, opnd *cond, wm_irop *out_cmp, uint32_t *a, uint32_t *b, bool *imm)
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
#define FUSE_IMM(n, ...)                                                                           \
    case WM_OP_##n##_IMM:                                                                          \
        *out_cmp = WM_OP_BR_##n##_IMM;                                                             \
        break;
        WM_IR_FUSED_BR(FUSE_IMM)
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
uint32_t cc_emit_cond_branch(cc *c, opnd *cond, bool negate)
{
    wm_irop cmp;
    uint32_t a, b;
    bool imm;
    if (!(c->noopt & CC_NO_BRFUSE) && cc_fusable_compare(c, cond, &cmp, &a, &b, &imm)) {
        /* Drop the comparison and branch on its operands instead. BRN_x
         * follows BR_x in the enum. An _IMM comparison's second operand is
         * an immediate, which must not be taken for a slot. */
        c->code.len = c->last_op;
        c->oppos.len--; /* it was the last instruction begun */
        while (c->relocs.len && c->relocs.data[c->relocs.len - 1] >= c->code.len)
            c->relocs.len--;
        if (c->srcmap.len && c->srcmap.data[c->srcmap.len - 1].ip >= c->code.len)
            c->srcmap.len--;
        cc_begin(c, (wm_irop)(cmp + (negate ? 1 : 0)));
        cc_slotw(c, a);
        if (imm)
            cc_word(c, b);
        else
            cc_slotw(c, b);
    } else {
        uint32_t s = cc_src(c, cond);
        cc_begin(c, negate ? WM_OP_BR_UNLESS : WM_OP_BR_IF);
        cc_slotw(c, s);
    }
    uint32_t at = c->code.len;
    cc_word(c, NONE);
    return at;
}

wh_rc cc_read_blocktype(cc *c, const uint8_t **params, uint32_t *np, const uint8_t **results,
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
    if (cc_is_valtype(c, b)) {
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
        return cc_fail(c, WH_MALFORMED, "malformed block type");
    if ((uint64_t)idx >= c->m->ntypes)
        return cc_fail(c, WH_INVALID, "unknown type %lld", (long long)idx);
    const wm_functype_t *t = &c->m->types[idx];
    *params = t->params;
    *np = t->nparams;
    *results = t->results;
    *nr = t->nresults;
    return WH_OK;
}

wh_rc cc_check_memory(cc *c, uint32_t idx)
{
    if (idx >= c->m->nmems)
        return cc_fail(c, WH_INVALID, "unknown memory %u", idx);
    return WH_OK;
}

wh_rc cc_check_table(cc *c, uint32_t idx)
{
    if (idx >= c->m->ntables)
        return cc_fail(c, WH_INVALID, "unknown table %u", idx);
    return WH_OK;
}

/* memarg: alignment, then (multi-memory, when the alignment's bit 6 is
 * set) a memory index, then the offset. Without the feature a set bit 6 is
 * just an alignment too large, as in 2.0. */
wh_rc cc_read_memarg(cc *c, uint32_t natural_log2, uint32_t *offset, uint32_t *mem)
{
    uint32_t align;
    *mem = 0;
    CHK(wm__read_u32(c->r, &align, c->err));
    if ((c->m->cfg.features & WM_FEATURE_MULTI_MEMORY) && (align & 0x40) && align < 0x80) {
        align -= 0x40;
        CHK(wm__read_u32(c->r, mem, c->err));
    }
    if (*mem < c->m->nmems && c->m->mems[*mem].limits.is64) {
        /* A 64-bit memory is below 4 GiB here (WM_MAX_PAGES64): an offset
         * past 2^32 - 1 fails every access as that one does. */
        uint64_t off64;
        CHK(wm__read_u64(c->r, &off64, c->err));
        *offset = off64 > UINT32_MAX ? UINT32_MAX : (uint32_t)off64;
    } else {
        CHK(wm__read_u32(c->r, offset, c->err));
    }
    CHK(cc_check_memory(c, *mem));
    if (align > natural_log2)
        return cc_fail(c, WH_INVALID, "alignment must not be larger than natural");
    return WH_OK;
}

uint8_t cc_addr_type(cc *c, uint32_t mem)
{
    return mem < c->m->nmems && c->m->mems[mem].limits.is64 ? WM_I64 : WM_I32;
}

uint8_t cc_index_type(cc *c, uint32_t table)
{
    return table < c->m->ntables && c->m->tables[table].type.limits.is64 ? WM_I64 : WM_I32;
}

/* An i64 address, index or length of a 64-bit memory or table: memories
 * and tables here stay below 2^32 bytes or elements, so a value with any
 * high bit set is out of bounds whatever the rest, and the instruction
 * after, the 32-bit one, reads the low half. ADDR64 traps on the former
 * (with kind). o is an operand about to be consumed, on the stack or just
 * popped; one of another type is left to the instruction's validation. */
void cc_addr64(cc *c, opnd *o, wm_trapkind kind)
{
    if (!cc_live(c) || o->type != WM_I64 || (o->kind == K_CONST && !(o->k[0] >> 32)))
        return;
    uint32_t s = cc_src(c, o);
    cc_begin(c, WM_OP_ADDR64);
    cc_slotw(c, s);
    cc_word(c, kind);
}

/* The same for the operand depth places below the top of the stack. */
void cc_addr64_at(cc *c, uint32_t depth, wm_trapkind kind)
{
    ctrl *f = cc_top_ctrl(c);
    if (c->stack.len > f->height + depth)
        cc_addr64(c, &c->stack.data[c->stack.len - 1 - depth], kind);
}

/* The memory immediate of memory.size, memory.grow, memory.fill and the
 * like: an index with multi-memory, a zero byte in 2.0. */
wh_rc cc_mem_index(cc *c, uint32_t *mem)
{
    *mem = 0;
    if (c->m->cfg.features & WM_FEATURE_MULTI_MEMORY)
        CHK(wm__read_u32(c->r, mem, c->err));
    else
        CHK(cc_zero_byte(c));
    return cc_check_memory(c, *mem);
}

void cc_mem_use(cc *c, uint32_t mem)
{
    if (mem != 0 && cc_live(c)) {
        cc_begin(c, WM_OP_MEM_USE);
        cc_word(c, mem);
    }
}

wh_rc cc_mem_done(cc *c, uint32_t mem, wh_rc rc)
{
    if (!rc && mem != 0 && cc_live(c)) {
        cc_begin(c, WM_OP_MEM_USE0);
        cc_no_fuse(c);
    }
    return rc;
}

wh_rc cc_zero_byte(cc *c)
{
    uint8_t b;
    CHK(wm__read_u8(c->r, &b, c->err));
    if (b != 0)
        return cc_fail(c, WH_MALFORMED, "zero byte expected");
    return WH_OK;
}

uint32_t cc_log2_bytes(uint32_t n)
{
    return n == 1 ? 0 : n == 2 ? 1 : n == 4 ? 2 : 3;
}

/* ---- generic instruction shapes ---- */

wh_rc cc_binop(cc *c, wm_irop op, uint8_t in, uint8_t out)
{
    opnd a, b;
    CHK(cc_pop(c, in, &b));
    CHK(cc_pop(c, in, &a));
    if (!cc_live(c)) {
        cc_push(c, out);
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
        bool fits = !(c->noopt & CC_NO_IMM) &&
                    (in == WM_I32 || (int64_t)b.k[0] == (int64_t)(int32_t)b.k[0]);
        if (imm != WM_OP_COUNT && fits) {
            uint32_t sa = cc_src(c, &a);
            opnd *r = cc_push(c, out);
            cc_begin(c, imm);
            cc_dst(c, r->slot);
            cc_slotw(c, sa);
            cc_word(c, (uint32_t)b.k[0]);
            return WH_OK;
        }
    }
    uint32_t sa = cc_src(c, &a), sb = cc_src(c, &b);
    opnd *r = cc_push(c, out);
    cc_begin(c, op);
    cc_dst(c, r->slot);
    cc_slotw(c, sa);
    cc_slotw(c, sb);
    return WH_OK;
}

wh_rc cc_unop(cc *c, wm_irop op, uint8_t in, uint8_t out)
{
    opnd a;
    CHK(cc_pop(c, in, &a));
    if (!cc_live(c)) {
        cc_push(c, out);
        return WH_OK;
    }
    uint32_t sa = cc_src(c, &a);
    opnd *r = cc_push(c, out);
    cc_begin(c, op);
    cc_dst(c, r->slot);
    cc_slotw(c, sa);
    return WH_OK;
}

/* Pops n operands of the given types (listed bottom first) and emits
 * OP [dst] operands... [imms]. */
wh_rc cc_generic(cc *c, wm_irop op, const uint8_t *in, uint32_t nin, uint8_t out,
                 const uint32_t *imms, uint32_t nimm, bool imms_first)
{
    opnd ops[5];
    for (uint32_t i = nin; i-- > 0;)
        CHK(cc_pop(c, in[i], &ops[i]));
    if (!cc_live(c)) {
        if (out)
            cc_push(c, out);
        return WH_OK;
    }
    uint32_t s[5];
    for (uint32_t i = 0; i < nin; i++)
        s[i] = cc_src(c, &ops[i]);
    opnd *r = out ? cc_push(c, out) : NULL;
    cc_begin(c, op);
    if (r)
        cc_dst(c, r->slot);
    if (imms_first)
        for (uint32_t i = 0; i < nimm; i++)
            cc_word(c, imms[i]);
    for (uint32_t i = 0; i < nin; i++)
        cc_slotw(c, s[i]);
    if (!imms_first)
        for (uint32_t i = 0; i < nimm; i++)
            cc_word(c, imms[i]);
    return WH_OK;
}

wh_rc cc_push_const(cc *c, uint8_t type, uint64_t lo, uint64_t hi)
{
    opnd *o = cc_push(c, type);
    o->kind = K_CONST;
    o->k[0] = lo;
    o->k[1] = hi;
    return WH_OK;
}

/* ---- locals and globals ---- */

wh_rc cc_local_index(cc *c, uint32_t *idx)
{
    CHK(wm__read_u32(c->r, idx, c->err));
    if (*idx >= c->nlocals)
        return cc_fail(c, WH_INVALID, "unknown local %u", *idx);
    return WH_OK;
}

/* Writes the top value into local idx (tee keeps it on the stack). */
wh_rc cc_local_set(cc *c, uint32_t idx, bool tee)
{
    uint8_t t = c->ltype[idx];
    uint32_t ls = c->lslot[idx];
    opnd v;
    CHK(cc_pop(c, t, &v));
    if (cc_live(c)) {
        bool refs = false;
        for (uint32_t i = 0; i < c->stack.len; i++)
            refs |= c->stack.data[i].kind == K_LOCAL && c->stack.data[i].ref == ls;
        if (!refs && v.kind == K_REG && c->last_dst == v.slot && c->last_dst != NONE &&
            !(c->noopt & CC_NO_SETFUSE)) {
            c->code.data[c->last_dstpos] = ls; /* the producer writes the local */
            c->last_dst = NONE;
        } else {
            for (uint32_t i = 0; i < c->stack.len; i++)
                if (c->stack.data[i].kind == K_LOCAL && c->stack.data[i].ref == ls)
                    cc_materialize(c, &c->stack.data[i]);
            if (v.kind == K_CONST)
                cc_emit_const(c, t, ls, v.k);
            else if (cc_src(c, &v) != ls)
                cc_emit_copy(c, t, ls, cc_src(c, &v));
        }
    }
    if (tee) {
        opnd *o = cc_push(c, t);
        o->kind = K_LOCAL;
        o->ref = ls;
    }
    return WH_OK;
}

wh_rc cc_global_index(cc *c, uint32_t *idx)
{
    CHK(wm__read_u32(c->r, idx, c->err));
    if (*idx >= c->m->nglobals)
        return cc_fail(c, WH_INVALID, "unknown global %u", *idx);
    return WH_OK;
}

/* ---- the instruction loop ---- */

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
            return cc_fail(c, WH_MALFORMED, "too many locals");
        if (!cc_is_valtype(c, t))
            return cc_fail(c, WH_MALFORMED, "malformed value type 0x%02x", t);
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
    wh_vec_free(&c->relocs);
    wh_vec_free(&c->oppos);
    wh_vec_free(&c->consts);
    wh_vec_free(&c->catches);
    wh_vec_free(&c->handlers);
}

/* A slot word's final number (see the renumbering in wm__compile_func). */
static uint32_t final_slot(const cc *c, uint32_t w, uint32_t shift)
{
    if (w & ABSSLOT)
        return w & ~ABSSLOT;
    if (w & SPILL)
        return c->local_slots + (w & ~SPILL);
    if (w & CONSTSLOT)
        return c->local_slots + c->nspill + (w & ~CONSTSLOT);
    return w >= c->local_slots ? w + shift : w;
}

/* The handler table: each handler's catches together, in order, and their
 * slots renumbered. */
static wh_rc finish_handlers(cc *c, wm__func *fn, uint32_t shift)
{
    uint32_t nh = c->handlers.len, nc = c->catches.len;
    fn->nhandlers = nh;
    if (!nh)
        return WH_OK;
    fn->handlers = wh_arena_dup(&c->m->arena, c->handlers.data, nh * sizeof(wm__handler));
    fn->catches = nc ? wh_arena_calloc(&c->m->arena, nc * sizeof(wm__catch)) : NULL;
    if (!fn->handlers || (nc && !fn->catches))
        return WH_NOMEM;
    uint32_t k = 0;
    for (uint32_t h = 0; h < nh; h++) {
        fn->handlers[h].first = k;
        fn->handlers[h].n = 0;
        for (uint32_t i = 0; i < nc; i++) {
            wm__catch cl = c->catches.data[i];
            if (cl.handler != h)
                continue;
            cl.slot = final_slot(c, cl.slot, shift);
            if (cl.exn_slot != NONE)
                cl.exn_slot = final_slot(c, cl.exn_slot, shift);
            fn->catches[k++] = cl;
            fn->handlers[h].n++;
        }
    }
    return WH_OK;
}

wh_rc wm__compile_func(wm_module_t *m, uint32_t func_index, wm__reader *r, wh_err_t *err)
{
    static atomic_int noopt_env = -1; /* read once; a debugging aid, not a setting */
    int noopt = atomic_load_explicit(&noopt_env, memory_order_relaxed);
    if (noopt < 0) {
        const char *e = getenv("WH_COMPILER_NOOPT");
        noopt = e ? atoi(e) & 0xff : 0;
        atomic_store_explicit(&noopt_env, noopt, memory_order_relaxed);
    }
    cc c = {.m = m,
            .fn = &m->funcs[func_index],
            .r = r,
            .err = err,
            .func_index = func_index,
            .noopt = (unsigned)noopt,
            .last_op = NONE,
            .last_dst = NONE,
            .op_offset = wm__offset(r)};
    wm__func *fn = c.fn;
    fn->body_offset = wm__offset(r);
    wh_rc rc = read_locals(&c);
    if (!rc) {
        const wm_functype_t *ft = fn->type;
        rc = cc_push_ctrl(&c, 0, NULL, 0, ft->results, ft->nresults);
    }
    if (!rc)
        rc = cc_body(&c);
    if (!rc && c.rc)
        rc = wh_err(err, c.rc, c.op_offset, "out of memory compiling func %u", func_index);
    if (!rc) {
        fn->local_slots = c.local_slots;
        fn->result_slots = wm__types_slots(fn->type->results, fn->type->nresults);
        uint32_t frame = c.max_slot;
        if (frame < fn->result_slots)
            frame = fn->result_slots;
        /* Frame: locals, spill area, constant area, operand stack. The
         * operand stack must come last: a callee's frame starts inside it
         * (at its arguments) and may cover everything above. */
        uint32_t shift = c.nspill + c.consts.len;
        /* (a destination rewritten to a local stays) */
        for (uint32_t i = 0; i < c.relocs.len; i++) {
            uint32_t *w = &c.code.data[c.relocs.data[i]];
            *w = final_slot(&c, *w, shift);
        }
        if (finish_handlers(&c, fn, shift))
            rc = wh_err(err, WH_NOMEM, -1, "out of memory compiling func %u", func_index);
        fn->const_base = c.local_slots + c.nspill;
        fn->nconsts = c.consts.len;
        fn->frame_slots = frame + shift;
        if (!rc && fn->frame_slots > WM_MAX_FUNC_SLOTS)
            rc = cc_fail(&c, WH_INVALID, "function frame too large");
    }
    if (!rc) {
        size_t cb = (size_t)c.code.len * sizeof(uint32_t);
        size_t sb = (size_t)c.srcmap.len * sizeof(wm__srcpos);
        /* A branch to a return is that return (both fit in a BR's words). */
        for (uint32_t i = 0; i < c.oppos.len && !(c.noopt & CC_NO_BRRET); i++) {
            uint32_t at = c.oppos.data[i];
            if (c.code.data[at] != WM_OP_BR)
                continue;
            uint32_t to = c.code.data[at + 1];
            if (to < c.code.len &&
                (c.code.data[to] == WM_OP_RETURN1 || c.code.data[to] == WM_OP_RETURN)) {
                c.code.data[at] = c.code.data[to];
                c.code.data[at + 1] = c.code.data[to] == WM_OP_RETURN1 ? c.code.data[to + 1] : 0;
            }
        }
        /* Threaded code: each opcode becomes its handler's address. */
        for (uint32_t i = 0; i < c.oppos.len; i++)
            c.code.data[c.oppos.data[i]] = wm__interp_handler(c.code.data[c.oppos.data[i]]);
        fn->code = wh_arena_dup(&m->arena, c.code.data, cb);
        fn->consts = wh_arena_dup(&m->arena, c.consts.data, c.consts.len * sizeof(uint64_t));
        fn->srcmap = wh_arena_dup(&m->arena, c.srcmap.data, sb);
        fn->code_len = c.code.len;
        fn->nsrcmap = c.srcmap.len;
        if (!fn->code || (sb && !fn->srcmap) || (c.consts.len && !fn->consts))
            rc = wh_err(err, WH_NOMEM, -1, "out of memory compiling func %u", func_index);
    }
    cc_free(&c);
    return rc;
}
