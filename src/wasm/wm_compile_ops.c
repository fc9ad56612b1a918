/*
 * wm_compile_ops.c — the instructions of the compiler: reads each opcode,
 * validates it against the operand and control stacks and emits its code
 * (see wm_compile.c for the scheme).
 */
#include "wm_compile.h"

#include <string.h>

/* ---- instructions ---- */

/* Checks that the top of the stack has these types, leaving it as it is.
 * In unreachable code the stack is rebuilt with the types (spec: pop, push). */
/* In unreachable code the spec pushes back the declared types for br_if
 * and block parameters (retype) but what was popped for br_table. */
static wh_rc cc_keep_types_as(cc *c, const uint8_t *types, uint32_t n, bool retype)
{
    uint32_t saved = c->stack.len;
    if (cc_live(c)) {
        CHK(cc_pop_types(c, types, n));
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
        rc = cc_pop(c, types[i], &o);
        popped[i] = o.type;
    }
    if (!rc)
        cc_push_types(c, retype ? types : popped, n);
    if (popped != tmp)
        wh_free(popped);
    return rc;
}

wh_rc cc_keep_types(cc *c, const uint8_t *types, uint32_t n)
{
    return cc_keep_types_as(c, types, n, true);
}

static wh_rc op_block(cc *c, uint8_t op)
{
    const uint8_t *params, *results;
    uint32_t np, nr;
    CHK(cc_read_blocktype(c, &params, &np, &results, &nr));
    return cc_block_enter(c, op, params, np, results, nr);
}

/* Enters a block, loop, if (which pops its condition first), try or
 * try_table of the given type. */
wh_rc cc_block_enter(cc *c, uint8_t op, const uint8_t *params, uint32_t np, const uint8_t *results,
                     uint32_t nr)
{
    opnd cond = {0};
    if (op == 0x04)
        CHK(cc_pop(c, WM_I32, &cond));
    CHK(cc_keep_types(c, params, np));
    bool was_live = cc_live(c);
    uint32_t else_at = NONE, spill = NONE;
    if (was_live) {
        /* No deferred entry may cross into a block (see the file comment). */
        if (op == 0x04)
            cc_src(c, &cond); /* a constant condition gets its slot first */
        cc_materialize_from(c, 0);
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
                cc_emit_copy(c, o->type, sp, o->slot);
            o->kind = K_LOCAL;
            o->ref = sp;
            sp += wm__slots(o->type);
        }
        c->nspill += sp - spill;
    }
    if (was_live && op == 0x04)
        else_at = cc_emit_cond_branch(c, &cond, true);
    CHK(cc_push_ctrl(c, op, params, np, results, nr));
    ctrl *f = cc_top_ctrl(c);
    f->else_fixup = else_at;
    f->spill = spill;
    cc_no_fuse(c);
    if (op == 0x03)
        f->loop_ip = c->code.len; /* the backward branches check fuel (wm_interp.c) */
    f->hstart = c->code.len;
    return WH_OK;
}

static wh_rc op_else(cc *c)
{
    ctrl *f = cc_top_ctrl(c);
    if (f->op != 0x04)
        return cc_fail(c, WH_MALFORMED, "END opcode expected (else without a matching if)");
    uint32_t saved = c->stack.len;
    CHK(cc_pop_types(c, f->results, f->nresults));
    if (c->stack.len != f->height)
        return cc_fail(c, WH_INVALID, "type mismatch: values remain at the end of the then arm");
    c->stack.len = saved;
    if (cc_live(c)) {
        cc_materialize_from(c, f->height);
        cc_begin(c, WM_OP_BR);
        cc_target(c, f);
    }
    if (f->else_fixup != NONE)
        c->code.data[f->else_fixup] = c->code.len;
    f->else_fixup = NONE;
    f->op = 0x05;
    f->unreachable = false;
    c->stack.len = f->height;
    uint32_t sp = f->spill;
    for (uint32_t i = 0; i < f->nparams; i++) {
        opnd *o = cc_push(c, f->params[i]);
        if (sp != NONE) {
            o->kind = K_LOCAL;
            o->ref = sp;
            sp += wm__slots(f->params[i]);
        }
    }
    cc_no_fuse(c);
    return WH_OK;
}

/* Returns true when the function's final end was reached. */
wh_rc cc_end(cc *c, bool *done)
{
    ctrl *f = cc_top_ctrl(c);
    if (f->op == 0x04) {
        /* An if without else passes its parameters through. */
        if (f->nparams != f->nresults || (f->nparams && memcmp(f->params, f->results, f->nparams)))
            return cc_fail(c, WH_INVALID, "type mismatch: if without else must not change types");
    }
    uint32_t saved = c->stack.len;
    CHK(cc_pop_types(c, f->results, f->nresults));
    if (c->stack.len != f->height)
        return cc_fail(c, WH_INVALID, "type mismatch: values remain at the end of the block");
    c->stack.len = saved;
    if (c->ctrls.len == 1) {
        if (cc_live(c))
            cc_emit_return(c);
        c->ctrls.len = 0;
        *done = true;
        return WH_OK;
    }
    if (cc_live(c))
        cc_materialize_from(c, f->height);
    if (f->op == 0x1f)
        CHK(cc_try_table_end(c, f));
    if (f->else_fixup != NONE)
        c->code.data[f->else_fixup] = c->code.len;
    cc_bind_chain(c, f->fixups, c->code.len);
    cc_bind_catches(c, f);
    uint32_t height = f->height;
    const uint8_t *results = f->results;
    uint32_t nr = f->nresults;
    c->ctrls.len--;
    c->stack.len = height;
    cc_push_types(c, results, nr);
    cc_no_fuse(c);
    return WH_OK;
}

static wh_rc op_br_if(cc *c)
{
    ctrl *f;
    opnd cond;
    CHK(cc_read_label(c, &f));
    CHK(cc_pop(c, WM_I32, &cond));
    uint32_t n;
    const uint8_t *types = cc_label_types(f, &n);
    CHK(cc_keep_types(c, types, n));
    if (!cc_live(c))
        return WH_OK;
    if (cc_needs_moves(c, f)) {
        uint32_t skip = cc_emit_cond_branch(c, &cond, true);
        cc_emit_br(c, f);
        c->code.data[skip] = c->code.len;
    } else {
        uint32_t at = cc_emit_cond_branch(c, &cond, false);
        if (f->op == 0x03) {
            c->code.data[at] = f->loop_ip;
        } else {
            c->code.data[at] = f->fixups;
            f->fixups = at;
        }
    }
    cc_no_fuse(c);
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
        rc = cc_read_label(c, &labels[i]);
    opnd idx;
    if (!rc)
        rc = cc_pop(c, WM_I32, &idx);
    uint32_t arity;
    const uint8_t *dtypes = rc ? NULL : cc_label_types(labels[n], &arity);
    for (uint32_t i = 0; i <= n && !rc; i++) {
        uint32_t k;
        const uint8_t *types = cc_label_types(labels[i], &k);
        if (k != arity)
            rc = cc_fail(c, WH_INVALID, "type mismatch: br_table targets differ in arity");
        else
            rc = cc_keep_types_as(c, types, k, false);
    }
    if (!rc && cc_live(c)) {
        uint32_t s = cc_src(c, &idx);
        cc_begin(c, WM_OP_BR_TABLE);
        cc_slotw(c, s);
        cc_word(c, n);
        uint32_t table = c->code.len;
        bool stubs = false;
        for (uint32_t i = 0; i <= n; i++) {
            if (cc_needs_moves(c, labels[i])) {
                cc_word(c, NONE);
                stubs = true;
            } else {
                cc_target(c, labels[i]);
            }
        }
        /* Targets that need values moved get a stub after the table. */
        for (uint32_t i = 0; stubs && i <= n && c->rc == WH_OK; i++) {
            if (c->code.data[table + i] == NONE && cc_needs_moves(c, labels[i])) {
                c->code.data[table + i] = c->code.len;
                cc_emit_br(c, labels[i]);
            }
        }
    }
    if (!rc)
        rc = cc_pop_types(c, dtypes, arity);
    wh_free(labels);
    CHK(rc);
    return cc_unreachable_now(c);
}

static wh_rc op_call(cc *c, const wm_functype_t *ft, bool indirect, uint32_t type_idx,
                     uint32_t table_idx, uint32_t func_idx)
{
    opnd elem = {0};
    if (indirect)
        CHK(cc_pop(c, cc_index_type(c, table_idx), &elem));
    CHK(cc_keep_types(c, ft->params, ft->nparams));
    if (cc_live(c)) {
        uint32_t first = c->stack.len - ft->nparams;
        cc_materialize_from(c, first);
        uint32_t argslot = ft->nparams ? c->stack.data[first].slot : cc_next_slot(c);
        uint32_t es = indirect ? cc_src(c, &elem) : 0;
        c->stack.len = first;
        if (indirect) {
            cc_addr64(c, &elem, WM_TRAP_UNDEFINED_ELEMENT);
            cc_begin(c, WM_OP_CALL_INDIRECT);
            cc_word(c, type_idx);
            cc_word(c, table_idx);
            cc_slotw(c, es);
            cc_slotw(c, argslot);
        } else {
            cc_begin(c, WM_OP_CALL);
            cc_word(c, func_idx);
            cc_slotw(c, argslot);
        }
        /* The callee's frame starts at argslot and its results land there. */
        uint32_t end = argslot + wm__types_slots(ft->params, ft->nparams);
        if (end > c->max_slot)
            c->max_slot = end;
    } else {
        CHK(cc_pop_types(c, ft->params, ft->nparams));
    }
    cc_push_types(c, ft->results, ft->nresults);
    cc_no_fuse(c);
    return WH_OK;
}

/* return_call, return_call_indirect (tail calls, WebAssembly 3.0): the
 * arguments go where a call's would, and the callee's results become this
 * function's, so they must have this function's result types. */
static wh_rc op_return_call(cc *c, const wm_functype_t *ft, bool indirect, uint32_t type_idx,
                            uint32_t table_idx, uint32_t func_idx)
{
    const wm_functype_t *self = c->fn->type;
    if (ft->nresults != self->nresults ||
        (ft->nresults && memcmp(ft->results, self->results, ft->nresults)))
        return cc_fail(c, WH_INVALID,
                       "type mismatch: tail call results differ from the function's");
    opnd elem = {0};
    if (indirect)
        CHK(cc_pop(c, cc_index_type(c, table_idx), &elem));
    CHK(cc_keep_types(c, ft->params, ft->nparams));
    if (cc_live(c)) {
        uint32_t first = c->stack.len - ft->nparams;
        cc_materialize_from(c, first);
        uint32_t argslot = ft->nparams ? c->stack.data[first].slot : cc_next_slot(c);
        uint32_t es = indirect ? cc_src(c, &elem) : 0;
        if (indirect) {
            cc_addr64(c, &elem, WM_TRAP_UNDEFINED_ELEMENT);
            cc_begin(c, WM_OP_RETURN_CALL_INDIRECT);
            cc_word(c, type_idx);
            cc_word(c, table_idx);
            cc_slotw(c, es);
            cc_slotw(c, argslot);
        } else {
            cc_begin(c, WM_OP_RETURN_CALL);
            cc_word(c, func_idx);
            cc_slotw(c, argslot);
        }
    }
    return cc_unreachable_now(c);
}

static wh_rc op_select(cc *c, bool typed)
{
    uint8_t t = T_ANY;
    if (typed) {
        uint32_t n;
        CHK(wm__read_u32(c->r, &n, c->err));
        if (n != 1)
            return cc_fail(c, WH_INVALID, "invalid result arity");
        CHK(wm__read_u8(c->r, &t, c->err));
        if (!cc_is_valtype(c, t))
            return cc_fail(c, WH_MALFORMED, "malformed value type");
    }
    opnd cond, a, b;
    CHK(cc_pop(c, WM_I32, &cond));
    CHK(cc_pop(c, t, &b));
    CHK(cc_pop(c, t, &a));
    if (!typed) {
        if (cc_is_ref(a.type) || cc_is_ref(b.type))
            return cc_fail(c, WH_INVALID, "type mismatch: select needs numeric operands");
        if (a.type != T_ANY && b.type != T_ANY && a.type != b.type)
            return cc_fail(c, WH_INVALID, "type mismatch: select operands differ");
        t = a.type != T_ANY ? a.type : b.type;
    }
    if (!cc_live(c)) {
        cc_push(c, t);
        return WH_OK;
    }
    uint32_t sa = cc_src(c, &a), sb = cc_src(c, &b), sc = cc_src(c, &cond);
    opnd *r = cc_push(c, t);
    cc_begin(c, wm__slots(t) == 2 ? WM_OP_SELECT2 : WM_OP_SELECT);
    cc_dst(c, r->slot);
    cc_slotw(c, sa);
    cc_slotw(c, sb);
    cc_slotw(c, sc);
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
        return cc_unop(c, WM_OP_##n, WM_##in, WM_##out);
        WM_SATOPS(SAT)
#undef SAT
    case 8: /* memory.init */
    case 9: /* data.drop */
        CHK(wm__read_u32(c->r, &a, c->err));
        if (sub == 8)
            CHK(cc_mem_index(c, &b));
        if (!c->m->has_datacount) {
            /* Malformed or invalid depends on whether data segments follow:
             * the decoder decides at the end (spec 5.5.13). */
            if (!c->m->data_use_without_count)
                c->m->data_use_without_count = c->op_offset + 1;
        } else if (a >= c->m->datacount) {
            return cc_fail(c, WH_INVALID, "unknown data segment %u", a);
        }
        if (sub == 9)
            return cc_generic(c, WM_OP_DATA_DROP, NULL, 0, 0, &a, 1, true);
        cc_addr64_at(c, 2, WM_TRAP_MEMORY_OOB);
        return CC_ON_MEM(c, b,
                         cc_generic(c, WM_OP_MEMORY_INIT,
                                    (const uint8_t[]){cc_addr_type(c, b), WM_I32, WM_I32}, 3, 0, &a,
                                    1, true));
    case 10: { /* memory.copy dst src: the length is i64 only between 64-bit memories */
        CHK(cc_mem_index(c, &a));
        CHK(cc_mem_index(c, &b));
        uint8_t ta = cc_addr_type(c, a), tb = cc_addr_type(c, b);
        const uint8_t in[] = {ta, tb, ta == WM_I64 && tb == WM_I64 ? WM_I64 : WM_I32};
        for (uint32_t k = 0; k < 3; k++)
            cc_addr64_at(c, k, WM_TRAP_MEMORY_OOB);
        if (a != b) /* between two memories: both named, no bracket */
            return cc_generic(c, WM_OP_MEMORY_COPY_MM, in, 3, 0, (const uint32_t[]){a, b}, 2, true);
        return CC_ON_MEM(c, a, cc_generic(c, WM_OP_MEMORY_COPY, in, 3, 0, NULL, 0, true));
    }
    case 11: { /* memory.fill */
        CHK(cc_mem_index(c, &a));
        uint8_t ta = cc_addr_type(c, a);
        cc_addr64_at(c, 0, WM_TRAP_MEMORY_OOB);
        cc_addr64_at(c, 2, WM_TRAP_MEMORY_OOB);
        return CC_ON_MEM(c, a,
                         cc_generic(c, WM_OP_MEMORY_FILL, (const uint8_t[]){ta, WM_I32, ta}, 3, 0,
                                    NULL, 0, true));
    }
    case 12: /* table.init elem table */
        CHK(wm__read_u32(c->r, &a, c->err));
        CHK(wm__read_u32(c->r, &b, c->err));
        CHK(cc_check_table(c, b));
        if (a >= c->m->nelems)
            return cc_fail(c, WH_INVALID, "unknown elem segment %u", a);
        if (c->m->elems[a].elemtype != c->m->tables[b].type.elem)
            return cc_fail(c, WH_INVALID, "type mismatch: element segment and table types differ");
        cc_addr64_at(c, 2, WM_TRAP_TABLE_OOB);
        return cc_generic(c, WM_OP_TABLE_INIT,
                          (const uint8_t[]){cc_index_type(c, b), WM_I32, WM_I32}, 3, 0,
                          (const uint32_t[]){b, a}, 2, true);
    case 13: /* elem.drop */
        CHK(wm__read_u32(c->r, &a, c->err));
        if (a >= c->m->nelems)
            return cc_fail(c, WH_INVALID, "unknown elem segment %u", a);
        return cc_generic(c, WM_OP_ELEM_DROP, NULL, 0, 0, &a, 1, true);
    case 14: /* table.copy dst src */
        CHK(wm__read_u32(c->r, &a, c->err));
        CHK(wm__read_u32(c->r, &b, c->err));
        CHK(cc_check_table(c, a));
        CHK(cc_check_table(c, b));
        if (c->m->tables[a].type.elem != c->m->tables[b].type.elem)
            return cc_fail(c, WH_INVALID, "type mismatch: tables of different types");
        uint8_t ta = cc_index_type(c, a), tb = cc_index_type(c, b);
        const uint8_t in[] = {ta, tb, ta == WM_I64 && tb == WM_I64 ? WM_I64 : WM_I32};
        for (uint32_t k = 0; k < 3; k++)
            cc_addr64_at(c, k, WM_TRAP_TABLE_OOB);
        return cc_generic(c, WM_OP_TABLE_COPY, in, 3, 0, (const uint32_t[]){a, b}, 2, true);
    case 15: /* table.grow */
    case 16: /* table.size */
    case 17: /* table.fill */ {
        CHK(wm__read_u32(c->r, &a, c->err));
        CHK(cc_check_table(c, a));
        uint8_t et = c->m->tables[a].type.elem, it = cc_index_type(c, a);
        if (sub == 15)
            return cc_generic(c, it == WM_I64 ? WM_OP_TABLE_GROW64 : WM_OP_TABLE_GROW,
                              (const uint8_t[]){et, it}, 2, it, &a, 1, true);
        if (sub == 16)
            return cc_generic(c, WM_OP_TABLE_SIZE, NULL, 0, it, &a, 1, true);
        cc_addr64_at(c, 0, WM_TRAP_TABLE_OOB);
        cc_addr64_at(c, 2, WM_TRAP_TABLE_OOB);
        return cc_generic(c, WM_OP_TABLE_FILL, (const uint8_t[]){it, et, it}, 3, 0, &a, 1, true);
    }
    default:
        return cc_fail(c, WH_MALFORMED, "illegal opcode 0xfc %u", sub);
    }
}

wh_rc cc_body(cc *c)
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
            if (cc_live(c))
                cc_begin(c, WM_OP_UNREACHABLE);
            CHK(cc_unreachable_now(c));
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
            CHK(cc_end(c, &done));
            break;
        /* exception handling (wm_compile_exn.c) */
        case 0x06: /* try (legacy) */
        case 0x07: /* catch (legacy) */
        case 0x08: /* throw */
        case 0x09: /* rethrow (legacy) */
        case 0x0a: /* throw_ref */
        case 0x18: /* delegate (legacy) */
        case 0x19: /* catch_all (legacy) */
        case 0x1f: /* try_table */
            if (!(c->m->cfg.features & WM_FEATURE_EXCEPTIONS))
                return cc_fail(c, WH_MALFORMED, "illegal opcode 0x%02x", op);
            CHK(op == 0x06   ? cc_try(c)
                : op == 0x07 ? cc_catch(c, false)
                : op == 0x08 ? cc_throw(c)
                : op == 0x09 ? cc_rethrow(c)
                : op == 0x0a ? cc_throw_ref(c)
                : op == 0x18 ? cc_delegate(c)
                : op == 0x19 ? cc_catch(c, true)
                             : cc_try_table(c));
            break;
        case 0x0c: { /* br */
            ctrl *f;
            CHK(cc_read_label(c, &f));
            uint32_t n;
            const uint8_t *types = cc_label_types(f, &n);
            CHK(cc_keep_types(c, types, n));
            if (cc_live(c))
                cc_emit_br(c, f);
            CHK(cc_unreachable_now(c));
            break;
        }
        case 0x0d:
            CHK(op_br_if(c));
            break;
        case 0x0e:
            CHK(op_br_table(c));
            break;
        case 0x0f: /* return */
            CHK(cc_keep_types(c, c->fn->type->results, c->fn->type->nresults));
            if (cc_live(c))
                cc_emit_return(c);
            CHK(cc_unreachable_now(c));
            break;
        case 0x10: /* call */
            CHK(wm__read_u32(r, &idx, c->err));
            if (idx >= c->m->nfuncs)
                return cc_fail(c, WH_INVALID, "unknown function %u", idx);
            CHK(op_call(c, c->m->funcs[idx].type, false, 0, 0, idx));
            break;
        case 0x11: /* call_indirect */
            CHK(wm__read_u32(r, &idx, c->err));
            CHK(wm__read_u32(r, &idx2, c->err));
            CHK(cc_check_table(c, idx2));
            if (idx >= c->m->ntypes)
                return cc_fail(c, WH_INVALID, "unknown type %u", idx);
            if (c->m->tables[idx2].type.elem != WM_FUNCREF)
                return cc_fail(c, WH_INVALID, "type mismatch: call_indirect needs a funcref table");
            CHK(op_call(c, &c->m->types[idx], true, idx, idx2, 0));
            break;
        case 0x12: /* return_call */
            if (!(c->m->cfg.features & WM_FEATURE_TAIL_CALL))
                return cc_fail(c, WH_MALFORMED, "illegal opcode 0x%02x", op);
            CHK(wm__read_u32(r, &idx, c->err));
            if (idx >= c->m->nfuncs)
                return cc_fail(c, WH_INVALID, "unknown function %u", idx);
            CHK(op_return_call(c, c->m->funcs[idx].type, false, 0, 0, idx));
            break;
        case 0x13: /* return_call_indirect */
            if (!(c->m->cfg.features & WM_FEATURE_TAIL_CALL))
                return cc_fail(c, WH_MALFORMED, "illegal opcode 0x%02x", op);
            CHK(wm__read_u32(r, &idx, c->err));
            CHK(wm__read_u32(r, &idx2, c->err));
            CHK(cc_check_table(c, idx2));
            if (idx >= c->m->ntypes)
                return cc_fail(c, WH_INVALID, "unknown type %u", idx);
            if (c->m->tables[idx2].type.elem != WM_FUNCREF)
                return cc_fail(c, WH_INVALID,
                               "type mismatch: return_call_indirect needs a funcref table");
            CHK(op_return_call(c, &c->m->types[idx], true, idx, idx2, 0));
            break;
        case 0x1a: { /* drop */
            opnd o;
            CHK(cc_pop(c, T_ANY, &o));
            break;
        }
        case 0x1b:
        case 0x1c:
            CHK(op_select(c, op == 0x1c));
            break;
        case 0x20: { /* local.get */
            CHK(cc_local_index(c, &idx));
            opnd *o = cc_push(c, c->ltype[idx]);
            o->kind = K_LOCAL;
            o->ref = c->lslot[idx];
            if (c->noopt & CC_NO_DEFER)
                cc_materialize(c, o);
            break;
        }
        case 0x21:
        case 0x22:
            CHK(cc_local_index(c, &idx));
            CHK(cc_local_set(c, idx, op == 0x22));
            break;
        case 0x23: { /* global.get */
            CHK(cc_global_index(c, &idx));
            uint8_t t = c->m->globals[idx].type.type;
            CHK(cc_generic(c, wm__slots(t) == 2 ? WM_OP_GLOBAL_GET2 : WM_OP_GLOBAL_GET, NULL, 0, t,
                           &idx, 1, true));
            break;
        }
        case 0x24: { /* global.set */
            CHK(cc_global_index(c, &idx));
            wm_globaltype_t gt = c->m->globals[idx].type;
            if (!gt.mut)
                return cc_fail(c, WH_INVALID, "global is immutable");
            CHK(cc_generic(c, wm__slots(gt.type) == 2 ? WM_OP_GLOBAL_SET2 : WM_OP_GLOBAL_SET,
                           &gt.type, 1, 0, &idx, 1, true));
            break;
        }
        case 0x25: /* table.get */
        case 0x26: /* table.set */ {
            CHK(wm__read_u32(r, &idx, c->err));
            CHK(cc_check_table(c, idx));
            uint8_t et = c->m->tables[idx].type.elem, it = cc_index_type(c, idx);
            cc_addr64_at(c, op == 0x25 ? 0 : 1, WM_TRAP_TABLE_OOB);
            if (op == 0x25)
                CHK(cc_generic(c, WM_OP_TABLE_GET, (const uint8_t[]){it}, 1, et, &idx, 1, true));
            else
                CHK(cc_generic(c, WM_OP_TABLE_SET, (const uint8_t[]){it, et}, 2, 0, &idx, 1, true));
            break;
        }
#define LOAD(n, code, type, bytes, ...)                                                            \
    case code:                                                                                     \
        CHK(cc_read_memarg(c, cc_log2_bytes(bytes), &off, &idx));                                  \
        cc_addr64_at(c, 0, WM_TRAP_MEMORY_OOB);                                                    \
        CHK(CC_ON_MEM(c, idx,                                                                      \
                      cc_generic(c, WM_OP_##n, (const uint8_t[]){cc_addr_type(c, idx)}, 1,         \
                                 WM_##type, &off, 1, false)));                                     \
        break;
            WM_LOADS(LOAD)
#undef LOAD
#define STORE(n, code, type, bytes, ...)                                                           \
    case code:                                                                                     \
        CHK(cc_read_memarg(c, cc_log2_bytes(bytes), &off, &idx));                                  \
        cc_addr64_at(c, 1, WM_TRAP_MEMORY_OOB);                                                    \
        CHK(CC_ON_MEM(c, idx,                                                                      \
                      cc_generic(c, WM_OP_##n, (const uint8_t[]){cc_addr_type(c, idx), WM_##type}, \
                                 2, 0, &off, 1, false)));                                          \
        break;
            WM_STORES(STORE)
#undef STORE
        case 0x3f: /* memory.size */
            CHK(cc_mem_index(c, &idx));
            CHK(CC_ON_MEM(
                c, idx,
                cc_generic(c, WM_OP_MEMORY_SIZE, NULL, 0, cc_addr_type(c, idx), NULL, 0, true)));
            break;
        case 0x40: /* memory.grow: names its memory (the interpreter reloads memory 0 after) */
            CHK(cc_mem_index(c, &idx));
            if (cc_addr_type(c, idx) == WM_I64)
                CHK(cc_generic(c, WM_OP_MEMORY_GROW64, (const uint8_t[]){WM_I64}, 1, WM_I64, &idx,
                               1, false));
            else
                CHK(cc_generic(c, WM_OP_MEMORY_GROW, I3, 1, WM_I32, &idx, 1, false));
            break;
        case 0x41: {
            int32_t v;
            CHK(wm__read_s32(r, &v, c->err));
            CHK(cc_push_const(c, WM_I32, (uint32_t)v, 0));
            break;
        }
        case 0x42: {
            int64_t v;
            CHK(wm__read_s64(r, &v, c->err));
            CHK(cc_push_const(c, WM_I64, (uint64_t)v, 0));
            break;
        }
        case 0x43: {
            uint32_t v;
            CHK(wm__read_f32(r, &v, c->err));
            CHK(cc_push_const(c, WM_F32, v, 0));
            break;
        }
        case 0x44: {
            uint64_t v;
            CHK(wm__read_f64(r, &v, c->err));
            CHK(cc_push_const(c, WM_F64, v, 0));
            break;
        }
#define BIN(n, code, in, out, ...)                                                                 \
    case code:                                                                                     \
        CHK(cc_binop(c, WM_OP_##n, WM_##in, WM_##out));                                            \
        break;
#define UN(n, code, in, out, ...)                                                                  \
    case code:                                                                                     \
        CHK(cc_unop(c, WM_OP_##n, WM_##in, WM_##out));                                             \
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
        CHK(cc_pop(c, WM_##in, &o));                                                               \
        opnd *p = cc_push(c, WM_##out);                                                            \
        p->kind = o.kind;                                                                          \
        p->ref = o.ref;                                                                            \
        p->k[0] = o.k[0];                                                                          \
        if (o.kind == K_REG && cc_live(c) && o.slot != p->slot)                                    \
            cc_emit_copy(c, WM_##out, p->slot, o.slot);                                            \
        break;                                                                                     \
    }
            WM_REINTERPRETS(REINT)
#undef REINT
        case 0xd0: { /* ref.null */
            uint8_t t;
            CHK(wm__read_u8(r, &t, c->err));
            if (!cc_is_reftype(c, t))
                return cc_fail(c, WH_MALFORMED, "malformed reference type");
            CHK(cc_push_const(c, t, 0, 0));
            break;
        }
        case 0xd1: { /* ref.is_null */
            opnd o;
            CHK(cc_pop(c, T_ANY, &o));
            if (o.type != T_ANY && !cc_is_ref(o.type))
                return cc_fail(c, WH_INVALID, "type mismatch: ref.is_null needs a reference");
            if (!wh_vec_push(&c->stack, o)) /* put it back for cc_generic() */
                return c->rc = WH_NOMEM;
            CHK(cc_generic(c, WM_OP_REF_IS_NULL, &o.type, 1, WM_I32, NULL, 0, true));
            break;
        }
        case 0xd2: /* ref.func */
            CHK(wm__read_u32(r, &idx, c->err));
            if (idx >= c->m->nfuncs)
                return cc_fail(c, WH_INVALID, "unknown function %u", idx);
            if (!c->m->func_refs || !c->m->func_refs[idx])
                return cc_fail(c, WH_INVALID, "undeclared function reference");
            CHK(cc_generic(c, WM_OP_REF_FUNC, NULL, 0, WM_FUNCREF, &idx, 1, true));
            break;
        case 0xfc:
            CHK(op_misc(c));
            break;
        case 0xfd:
            CHK(cc_simd(c));
            break;
        default:
            return cc_fail(c, WH_MALFORMED, "illegal opcode 0x%02x", op);
        }
    }
    if (r->p != r->end)
        return wh_err(c->err, WH_MALFORMED, wm__offset(r),
                      "section size mismatch: "
                      "code after the end of func %u",
                      c->func_index);
    return WH_OK;
}
