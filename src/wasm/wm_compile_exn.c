/*
 * wm_compile_exn.c — the exception-handling instructions of the compiler:
 * throw, throw_ref, try_table with its catch clauses, and the legacy try,
 * catch, catch_all, delegate and rethrow.
 *
 * No handler emits code on the normal path: a try_table or a try records
 * which code words its body covers and where each catch goes (wm__handler,
 * wm__catch in internal.h), and the interpreter reads that only while an
 * exception unwinds. A catch's values are written straight into its
 * label's slots, where a branch to that label would have moved them, and
 * the code goes on at the label. A legacy catch is a landing pad after
 * the try's body, entered the same way, with the payload at the block's
 * base slot; the exception itself goes to a spill slot of the try, which
 * rethrow reads.
 */
#include "wm_compile.h"

#include <string.h>

static wh_rc tag_index(cc *c, uint32_t *x)
{
    CHK(wm__read_u32(c->r, x, c->err));
    if (*x >= c->m->ntags)
        return cc_fail(c, WH_INVALID, "unknown tag %u", *x);
    return WH_OK;
}

static bool push_catch(cc *c, wm__catch cl)
{
    if (!wh_vec_push(&c->catches, cl)) {
        c->rc = WH_NOMEM;
        return false;
    }
    return true;
}

/* Points catch i at label f: known now for a loop or the function's label,
 * chained to the end label otherwise (cc_bind_catches). */
static void catch_target(cc *c, uint32_t i, ctrl *f)
{
    wm__catch *cl = &c->catches.data[i];
    if (f == c->ctrls.data) {
        cl->target = WM__CATCH_RETURN;
        cl->slot = 0 | ABSSLOT;
    } else if (f->op == 0x03) {
        cl->target = f->loop_ip;
        cl->slot = f->slot;
    } else {
        cl->target = f->cfix;
        cl->slot = f->slot;
        f->cfix = i;
    }
}

void cc_bind_catches(cc *c, ctrl *f)
{
    for (uint32_t i = f->cfix; i != NONE && c->rc == WH_OK;) {
        uint32_t next = c->catches.data[i].target;
        c->catches.data[i].target = c->code.len;
        i = next;
    }
    f->cfix = NONE;
}

static wh_rc add_handler(cc *c, ctrl *f, uint32_t delegate, uint32_t *out)
{
    wm__handler h = {.start = f->hstart,
                     .end = c->code.len,
                     .depth = (uint32_t)(f - c->ctrls.data),
                     .delegate = delegate};
    *out = c->handlers.len;
    if (!wh_vec_push(&c->handlers, h))
        return c->rc = WH_NOMEM;
    return WH_OK;
}

/* Does a label of these types take exactly want (then an exnref when ref)? */
static bool label_takes(const uint8_t *types, uint32_t n, const uint8_t *want, uint32_t nwant,
                        bool ref)
{
    if (n != nwant + (ref ? 1 : 0))
        return false;
    if (nwant && memcmp(types, want, nwant))
        return false;
    return !ref || types[nwant] == WM_EXNREF;
}

/* try_table bt catch* instr* end: the catches name labels outside the
 * try_table, checked here before it is entered. */
wh_rc cc_try_table(cc *c)
{
    const uint8_t *params, *results;
    uint32_t np, nr, n;
    CHK(cc_read_blocktype(c, &params, &np, &results, &nr));
    CHK(wm__read_u32(c->r, &n, c->err));
    if (n > (uint32_t)(c->r->end - c->r->p))
        return wh_err(c->err, WH_MALFORMED, wm__offset(c->r), "unexpected end");
    bool live = cc_live(c);
    uint32_t first = c->catches.len;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t kind;
        uint32_t tag = 0;
        ctrl *label;
        CHK(wm__read_u8(c->r, &kind, c->err));
        if (kind > WM__CATCH_ALL_REF)
            return cc_fail(c, WH_MALFORMED, "malformed catch clause kind %u", kind);
        if (kind == WM__CATCH || kind == WM__CATCH_REF)
            CHK(tag_index(c, &tag));
        CHK(cc_read_label(c, &label));
        uint32_t lt;
        const uint8_t *ltypes = cc_label_types(label, &lt);
        bool ok;
        if (kind == WM__CATCH || kind == WM__CATCH_REF) {
            const wm_functype_t *tt = c->m->tags[tag].type;
            ok = label_takes(ltypes, lt, tt->params, tt->nparams, kind == WM__CATCH_REF);
        } else {
            ok = label_takes(ltypes, lt, NULL, 0, kind == WM__CATCH_ALL_REF);
        }
        if (!ok)
            return cc_fail(c, WH_INVALID, "type mismatch in catch clause");
        if (!live)
            continue;
        wm__catch cl = {.kind = kind, .tag = tag, .exn_slot = NONE, .handler = NONE};
        if (!push_catch(c, cl))
            return c->rc;
        catch_target(c, c->catches.len - 1, label);
    }
    CHK(cc_block_enter(c, 0x1f, params, np, results, nr));
    ctrl *f = cc_top_ctrl(c);
    f->cfirst = first;
    f->ncatch = c->catches.len - first;
    return WH_OK;
}

/* At a try_table's end: its handler, listed after every handler inside it. */
wh_rc cc_try_table_end(cc *c, ctrl *f)
{
    if (f->dead || !f->ncatch)
        return WH_OK;
    uint32_t h;
    CHK(add_handler(c, f, WM__NO_DELEGATE, &h));
    for (uint32_t i = 0; i < f->ncatch; i++)
        c->catches.data[f->cfirst + i].handler = h;
    return WH_OK;
}

wh_rc cc_try(cc *c)
{
    const uint8_t *params, *results;
    uint32_t np, nr;
    CHK(cc_read_blocktype(c, &params, &np, &results, &nr));
    return cc_block_enter(c, 0x06, params, np, results, nr);
}

/* The end of a try's body or of one of its catches: the values must be the
 * block's results; they go to its end (as at an else). */
static wh_rc close_arm(cc *c, ctrl *f)
{
    uint32_t saved = c->stack.len;
    CHK(cc_pop_types(c, f->results, f->nresults));
    if (c->stack.len != f->height)
        return cc_fail(c, WH_INVALID, "type mismatch: values remain at the end of the block");
    c->stack.len = saved;
    if (cc_live(c)) {
        cc_materialize_from(c, f->height);
        cc_begin(c, WM_OP_BR);
        cc_target(c, f);
    }
    return WH_OK;
}

/* catch x / catch_all after a try's body or another catch. */
wh_rc cc_catch(cc *c, bool all)
{
    uint32_t tag = 0;
    if (!all)
        CHK(tag_index(c, &tag));
    ctrl *f = cc_top_ctrl(c);
    if (f->op != 0x06 && f->op != 0x07)
        return cc_fail(c, WH_INVALID, "%s without a try", all ? "catch_all" : "catch");
    bool body = f->op == 0x06;
    uint32_t body_end = c->code.len;
    CHK(close_arm(c, f));
    if (body && !f->dead) {
        /* The handler covers the body only: a catch's own code is outside. */
        wm__handler h = {.start = f->hstart,
                         .end = body_end,
                         .depth = (uint32_t)(f - c->ctrls.data),
                         .delegate = WM__NO_DELEGATE};
        f->handler = c->handlers.len;
        if (!wh_vec_push(&c->handlers, h))
            return c->rc = WH_NOMEM;
        f->exn_slot = SPILL | c->nspill++;
    }
    f->op = all ? 0x19 : 0x07;
    f->unreachable = false;
    c->stack.len = f->height;
    if (!f->dead) {
        wm__catch cl = {.kind = all ? WM__CATCH_ALL : WM__CATCH,
                        .tag = tag,
                        .target = c->code.len,
                        .slot = cc_next_slot(c),
                        .exn_slot = f->exn_slot,
                        .handler = f->handler};
        if (!push_catch(c, cl))
            return c->rc;
    }
    if (!all)
        cc_push_types(c, c->m->tags[tag].type->params, c->m->tags[tag].type->nparams);
    cc_no_fuse(c);
    return WH_OK;
}

/* try ... delegate l: an exception from the body goes on to the handlers
 * outside label l (l counts from the try's parent), as if thrown there. */
wh_rc cc_delegate(cc *c)
{
    uint32_t l;
    ctrl *f = cc_top_ctrl(c);
    if (f->op != 0x06)
        return cc_fail(c, WH_INVALID, "delegate without a try");
    CHK(wm__read_u32(c->r, &l, c->err));
    if (l >= c->ctrls.len - 1)
        return cc_fail(c, WH_INVALID, "unknown label %u", l);
    uint32_t target = c->ctrls.len - 2 - l;
    if (!f->dead) {
        uint32_t h;
        CHK(add_handler(c, f, target, &h));
    }
    bool done = false;
    return cc_end(c, &done);
}

/* rethrow l: throws again the exception that the catch at label l caught. */
wh_rc cc_rethrow(cc *c)
{
    ctrl *f;
    CHK(cc_read_label(c, &f));
    if (f->op != 0x07 && f->op != 0x19)
        return cc_fail(c, WH_INVALID, "invalid rethrow label");
    if (cc_live(c)) {
        cc_begin(c, WM_OP_THROW_REF);
        cc_slotw(c, f->exn_slot);
    }
    return cc_unreachable_now(c);
}

/* throw x: the payload is in consecutive slots, as a call's arguments. */
wh_rc cc_throw(cc *c)
{
    uint32_t x;
    CHK(tag_index(c, &x));
    const wm_functype_t *ft = c->m->tags[x].type;
    CHK(cc_keep_types(c, ft->params, ft->nparams));
    if (cc_live(c)) {
        uint32_t first = c->stack.len - ft->nparams;
        cc_materialize_from(c, first);
        uint32_t argslot = ft->nparams ? c->stack.data[first].slot : cc_next_slot(c);
        cc_begin(c, WM_OP_THROW);
        cc_word(c, x);
        cc_slotw(c, argslot);
    }
    return cc_unreachable_now(c);
}

wh_rc cc_throw_ref(cc *c)
{
    opnd o;
    CHK(cc_pop(c, WM_EXNREF, &o));
    if (cc_live(c)) {
        uint32_t s = cc_src(c, &o);
        cc_begin(c, WM_OP_THROW_REF);
        cc_slotw(c, s);
    }
    return cc_unreachable_now(c);
}
