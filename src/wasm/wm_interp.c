/*
 * wm_interp.c — the interpreter loop over the code of wm_ir.h.
 *
 * Stackless: a wasm→wasm call pushes a wm__frame on the store's frame stack
 * and moves fp up to the callee's arguments; the C stack never grows with
 * wasm recursion. The loop keeps the hot state in locals (ip, fp, the
 * current code, memory base and size, fuel) and reloads the memory after
 * anything that can move or grow it: calls, returns and memory.grow.
 *
 * A host function that returns WH_SUSPEND leaves ip on its call
 * instruction; the state goes to the store and wm__resume re-enters the
 * loop there, which calls the host function again.
 *
 * Dispatch is computed goto with GCC/Clang (a table of label addresses
 * indexed by opcode) and a plain switch otherwise or with
 * -DWH_SWITCH_DISPATCH (Lua's vmdispatch/vmcase/vmbreak pattern).
 */
#include "internal.h"
#include "wm_ir.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define LIKELY(x)   __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#define NOINLINE    __attribute__((noinline))

#include "wm_float.h"

/* One inline function per numeric op, from the tables in wm_ops.h. */
#define SLOT_T(m) __typeof__(((wm_slot *)0)->m)
#define DEF_BIN(n, code, in, out, am, rm, expr)                                                    \
    typedef SLOT_T(am) n##_in;                                                                     \
    static inline SLOT_T(rm) op_##n(SLOT_T(am) a, SLOT_T(am) b)                                    \
    {                                                                                              \
        return (SLOT_T(rm))(expr);                                                                 \
    }
#define DEF_UN(n, code, in, out, am, rm, expr)                                                     \
    static inline SLOT_T(rm) op_##n(SLOT_T(am) a)                                                  \
    {                                                                                              \
        return (SLOT_T(rm))(expr);                                                                 \
    }
WM_BINOPS(DEF_BIN)
WM_UNOPS(DEF_UN)
#undef DEF_BIN
#undef DEF_UN

/* ---- trap sites ---- */

const char *wm_trap_text(wm_trapkind kind)
{
    static const char *const text[] = {
        [WM_TRAP_NONE] = "no trap",
        [WM_TRAP_UNREACHABLE] = WM_MSG_UNREACHABLE,
        [WM_TRAP_MEMORY_OOB] = WM_MSG_MEM_OOB,
        [WM_TRAP_TABLE_OOB] = WM_MSG_TABLE_OOB,
        [WM_TRAP_DIV_ZERO] = WM_MSG_DIV_ZERO,
        [WM_TRAP_INT_OVERFLOW] = WM_MSG_INT_OVERFLOW,
        [WM_TRAP_BAD_CONVERSION] = WM_MSG_BAD_CONVERSION,
        [WM_TRAP_UNDEFINED_ELEMENT] = WM_MSG_UNDEF_ELEM,
        [WM_TRAP_NULL_ELEMENT] = WM_MSG_UNINIT_ELEM,
        [WM_TRAP_INDIRECT_MISMATCH] = WM_MSG_INDIRECT_MISMATCH,
        [WM_TRAP_STACK_EXHAUSTED] = WM_MSG_EXHAUSTED,
        [WM_TRAP_OUT_OF_FUEL] = "out of fuel",
        [WM_TRAP_INTERRUPTED] = "interrupted",
        [WM_TRAP_HOST] = "host trap",
        [WM_TRAP_NULL_EXN] = WM_MSG_NULL_EXN,
        [WM_TRAP_EXCEPTION] = "uncaught exception",
    };
    return (unsigned)kind < WH_ARRAY_LEN(text) ? text[kind] : "unknown trap";
}

/* The byte offset in the module of code position ip of wasm function f. */
static uint32_t code_offset(const wm__func *d, const uint32_t *ip)
{
    uint32_t pos = (uint32_t)(ip - d->code);
    uint32_t lo = 0, hi = d->nsrcmap, off = d->body_offset;
    while (lo < hi) { /* the last entry at or before pos */
        uint32_t mid = (lo + hi) / 2;
        if (d->srcmap[mid].ip <= pos) {
            off = d->srcmap[mid].offset;
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return off;
}

/* msg NULL: the kind's own text; else the host's message, already in place
 * or to be copied. */
static void record_trap(wm_store_t *s, wm_func_t *f, const uint32_t *ip, wm_trapkind kind,
                        const char *msg)
{
    if (!msg)
        msg = wm_trap_text(kind);
    if (msg != s->trap_msg)
        snprintf(s->trap_msg, sizeof s->trap_msg, "%s", msg);
    s->trap_site = (wm_trap_site_t){.kind = kind};
    s->has_trap_site = false;
    if (!f || !f->def)
        return;
    s->has_trap_site = true;
    s->trap_site.kind = kind;
    s->trap_site.func_index = f->index;
    s->trap_site.code_offset = code_offset(f->def, ip);
}

/* ---- exceptions ---- */

/* Where a throw happened, for the message if nothing catches it. */
static NOINLINE void throw_site(wm__exn *e, wm_func_t *f, const uint32_t *ip, uint32_t tag_index)
{
    e->func_index = f->index;
    e->offset = code_offset(f->def, ip);
    e->mod = f->inst->mod;
    e->tag_index = tag_index;
}

/* Ends the call with e uncaught: WH_EXCEPTION, the message naming the tag
 * (its index in the thrower's module, and its export name if it has one)
 * and where it was thrown. */
static NOINLINE void record_uncaught(wm_store_t *s, wm__exn *e)
{
    if (s->pending && s->pending != e)
        wm__exn_clear_pending(s);
    s->pending = e;
    char name[120] = "";
    const wm_module_t *m = e->mod;
    for (uint32_t i = 0; m && i < m->nexports; i++)
        if (m->exports[i].kind == WM_EXTERN_TAG && m->exports[i].index == e->tag_index)
            snprintf(name, sizeof name, " \"%s\"", m->exports[i].name);
    if (m)
        snprintf(s->trap_msg, sizeof s->trap_msg, "uncaught exception: tag %u%s", e->tag_index,
                 name);
    else
        snprintf(s->trap_msg, sizeof s->trap_msg,
                 "uncaught exception: a tag the host made, thrown by a host function");
    s->trap_site = (wm_trap_site_t){.kind = WM_TRAP_EXCEPTION,
                                    .func_index = m ? e->func_index : 0,
                                    .code_offset = m ? e->offset : 0};
    s->has_trap_site = m != NULL;
}

/* The catch of func's handlers that takes an exception of tag at code
 * position pos, or NULL. Handlers are inner first; a delegate sends the
 * search to the handlers at its target depth or outside (wm__handler). */
static const wm__catch *find_catch(const wm_func_t *func, uint32_t pos, const wm_tag_t *tag)
{
    const wm__func *d = func->def;
    uint32_t max_depth = UINT32_MAX;
    for (uint32_t i = 0; i < d->nhandlers; i++) {
        const wm__handler *h = &d->handlers[i];
        if (pos < h->start || pos >= h->end || h->depth > max_depth)
            continue;
        if (h->delegate != WM__NO_DELEGATE) {
            max_depth = h->delegate;
            continue;
        }
        for (uint32_t k = 0; k < h->n; k++) {
            const wm__catch *c = &d->catches[h->first + k];
            if (c->kind >= WM__CATCH_ALL || func->inst->tags[c->tag] == tag)
                return c;
        }
    }
    return NULL;
}

/* Where unwinding goes on: the frame that catches (its function, frame base
 * and record) and the code position there (WM__CATCH_RETURN: return from
 * it), or target UNCAUGHT when no frame catches. Returned by value: taking
 * the interpreter's locals by address would keep them out of registers. */
#define UNCAUGHT (UINT32_MAX - 1)
typedef struct {
    wm_func_t *func;
    wm_slot *fp;
    wm__frame *fr;
    uint32_t target;
} unwound;

/* Unwinds for exception e thrown at ip in the frame fp of func (or, with
 * skip, by a function that replaced that frame by a tail call): finds the
 * first handler that takes it, in that frame or a caller's down to base_fr,
 * and puts the payload and the exnref where the handler wants them. Code
 * without handlers costs one test per frame unwound. */
static NOINLINE unwound unwind(wm_store_t *s, wm__exn *e, const uint32_t *ip, bool skip,
                               wm_func_t *func, wm_slot *fp, wm__frame *fr, wm__frame *base_fr)
{
    const wm__catch *c = NULL;
    uint32_t pos = (uint32_t)(ip - func->def->code);
    for (;;) {
        if (!skip && func->def->nhandlers && (c = find_catch(func, pos, e->tag)))
            break;
        skip = false;
        if (fr == base_fr)
            return (unwound){func, fp, fr, UNCAUGHT};
        --fr;
        func = fr->func;
        fp = fr->fp;
        /* the call instruction is the one before the return address */
        pos = (uint32_t)(fr->ret_ip - func->def->code) - 1;
    }
    wm_slot *at = fp + c->slot;
    if (c->kind == WM__CATCH || c->kind == WM__CATCH_REF) {
        if (e->nslots)
            memcpy(at, e->payload, (size_t)e->nslots * sizeof *at);
        at += e->nslots;
    }
    if (c->kind == WM__CATCH_REF || c->kind == WM__CATCH_ALL_REF) {
        at->ref = e;
        e->escaped = true;
    }
    if (c->exn_slot != UINT32_MAX) { /* a legacy catch: rethrow may use it */
        fp[c->exn_slot].ref = e;
        e->escaped = true;
    }
    if (!e->escaped)
        wm__exn_drop(s, e);
    return (unwound){func, fp, fr, c->target};
}

static wh_rc trap_result(wm_store_t *s, wh_rc rc, wh_err_t *err)
{
    if (s->has_trap_site)
        return wh_err(err, rc, s->trap_site.code_offset, "%s (func %u, byte 0x%x)", s->trap_msg,
                      s->trap_site.func_index, s->trap_site.code_offset);
    return wh_err(err, rc, -1, "%s", s->trap_msg);
}

/* ---- the loop ---- */

#if defined(__GNUC__) && !defined(WH_SWITCH_DISPATCH)
/* Each code word holding an opcode holds its handler's offset from the
 * first handler instead (see wm__interp_handler), which saves the table
 * load on every dispatch. */
#define WM_THREADED   1
#define vmdispatch(o) goto *(void *)((char *)&&L_UNREACHABLE + (int32_t)(o));
#define vmcase(l)     L_##l:
#define vmbreak       goto *(void *)((char *)&&L_UNREACHABLE + (int32_t)*ip)
#define vmend
#else
#define vmdispatch(o)                                                                              \
    dispatch:                                                                                      \
    switch (o) {
#define vmcase(l) case WM_OP_##l:
#define vmbreak   goto dispatch
#define vmend                                                                                      \
    default:                                                                                       \
        TRAP(WM_TRAP_UNREACHABLE); /* never emitted: the compiler knows every opcode */            \
        }
#endif

#define NEXT(n)                                                                                    \
    do {                                                                                           \
        ip += (n);                                                                                 \
        vmbreak;                                                                                   \
    } while (0)
#define TRAP(kind)                                                                                 \
    do {                                                                                           \
        trap_kind = (kind);                                                                        \
        goto trap;                                                                                 \
    } while (0)
#define S(i) fp[ip[i]]
/* A branch. Going backwards closes a loop iteration: that is where fuel is
 * spent and an interrupt or a yield request is seen, so that no loop runs
 * unchecked. */
#define JUMP(t)                                                                                    \
    do {                                                                                           \
        const uint32_t *to_ = code + (t);                                                          \
        if (to_ <= ip) {                                                                           \
            if (UNLIKELY(--fuel < 0))                                                              \
                goto out_of_fuel;                                                                  \
            if (UNLIKELY(atomic_load_explicit(&s->interrupt, memory_order_relaxed))) {             \
                loop_ip = to_;                                                                     \
                goto interrupted;                                                                  \
            }                                                                                      \
        }                                                                                          \
        ip = to_;                                                                                  \
        vmbreak;                                                                                   \
    } while (0)
/* cmem is the memory the next access goes to: memory 0, or for one
 * instruction the memory MEM_USE swapped in. */
#define USE_MEM(m)                                                                                 \
    do {                                                                                           \
        cmem = (m);                                                                                \
        mem = cmem ? cmem->base : NULL;                                                            \
        memsize = cmem ? cmem->reach : 0;                                                          \
    } while (0)
#define RELOAD_MEM() USE_MEM(inst->mem0)
/* memsize is the memory's reach, not its size (wm__memory_touch): an
 * access past it first widens what the memory counts as touched, so that a
 * reset knows what to clear, or traps when it is past the size. */
#define IN_MEM(start, end) (LIKELY((end) <= memsize) || mem_touch(cmem, (start), (end), &memsize))
/* Effective address check: the 33-bit sum cannot wrap in 64 bits. */
#define EA(addr_slot, off, n)                                                                      \
    uint64_t ea = (uint64_t)fp[addr_slot].i32 + (off);                                             \
    if (!IN_MEM(ea, ea + (n)))                                                                     \
        TRAP(WM_TRAP_MEMORY_OOB);

static NOINLINE bool mem_touch(wm_memory_t *m, uint64_t start, uint64_t end, uint64_t *memsize)
{
    if (!m || !wm__memory_touch(m, start, end))
        return false;
    *memsize = m->reach;
    return true;
}

/* The callee of CALL_INDIRECT and RETURN_CALL_INDIRECT (type table elem
 * argslot), checked as call_indirect checks it; or the trap. */
static inline __attribute__((always_inline)) wm_trapkind
indirect_callee(const wm_instance_t *inst, const uint32_t *ip, const wm_slot *fp, wm_func_t **out)
{
    const wm_table_t *t = inst->tables[ip[2]];
    uint32_t i = fp[ip[3]].i32;
    if (UNLIKELY(i >= t->size))
        return WM_TRAP_UNDEFINED_ELEMENT;
    wm_func_t *callee = t->elems[i];
    if (UNLIKELY(!callee))
        return WM_TRAP_NULL_ELEMENT;
    const wm_functype_t *want = &inst->mod->types[ip[1]];
    if (UNLIKELY(callee->type != want && !wm_functype_eq(callee->type, want)))
        return WM_TRAP_INDIRECT_MISMATCH;
    *out = callee;
    return WM_TRAP_NONE;
}

/* Saves what wm__resume needs to go on at ip (a host call to retry, or a
 * loop header after a yield). */
static void suspend_at(wm_store_t *s, bool yielded, const uint32_t *ip, wm_func_t *func,
                       wm_slot *fp, wm__frame *fr, wm__frame *base_fr)
{
    s->suspended = true;
    s->yielded = yielded;
    s->susp_ip = ip;
    s->susp_fp = fp;
    s->susp_fr = fr;
    s->susp_base_fr = base_fr;
    /* the entry function's frame base: where its results go */
    s->susp_base = fr > base_fr ? base_fr->fp : fp;
    s->susp_func = func;
}

/* Runs from ip in func's frame fp until the frame at base_fr returns.
 * Called with out_offsets set, it only hands out its table of handler
 * offsets (labels are local to this function). */
static wh_rc run(wm_store_t *s, wm_func_t *func, const uint32_t *ip, wm_slot *fp, wm__frame *fr,
                 wm__frame *base_fr, wh_err_t *err, const int32_t **out_offsets)
{
#ifdef WM_THREADED
#define LBL(n, ...) [WM_OP_##n] = &&L_##n - &&L_UNREACHABLE,
#define LBL_IMM(n)  [WM_OP_##n##_IMM] = &&L_##n##_IMM - &&L_UNREACHABLE,
#define LBL_BR(n, ...)                                                                             \
    [WM_OP_BR_##n] = &&L_BR_##n - &&L_UNREACHABLE,                                                 \
    [WM_OP_BRN_##n] = &&L_BRN_##n - &&L_UNREACHABLE,                                               \
    [WM_OP_BR_##n##_IMM] = &&L_BR_##n##_IMM - &&L_UNREACHABLE,                                     \
    [WM_OP_BRN_##n##_IMM] = &&L_BRN_##n##_IMM - &&L_UNREACHABLE,
    static const int32_t offsets[WM_OP_COUNT] = {
        WM_IR_FIXED(LBL) WM_BINOPS(LBL) WM_UNOPS(LBL) WM_TRAPOPS(LBL) WM_TRUNCOPS(LBL)
            WM_SATOPS(LBL) WM_LOADS(LBL) WM_STORES(LBL) WM_IR_FUSED_BIN(LBL_IMM)
                WM_IR_FUSED_BR(LBL_BR) WM_IR_SIMD(LBL)};
#undef LBL
#undef LBL_IMM
#undef LBL_BR
    if (out_offsets) {
        *out_offsets = offsets;
        return WH_OK;
    }
#else
    (void)out_offsets;
#endif
    wm_instance_t *inst = func->inst;
    const uint32_t *code = func->def->code;
    wm_memory_t *cmem;
    uint8_t *mem;
    uint64_t memsize;
    wm_trapkind trap_kind = WM_TRAP_NONE;
    const uint32_t *loop_ip = NULL; /* where a yield resumes */
    wh_rc rc = WH_OK;
    bool metered = s->fuel >= 0;
    int64_t fuel = metered ? s->fuel : INT64_MAX;
    wm_func_t *callee;
    wm_slot *args;
    const uint32_t *next_ip = NULL;
    bool host_tail = false; /* the host function was tail-called */
    wm_slot *save_sp;       /* around a host call */
    wm__frame *save_fr;
    wm_call_t call;
    int irq;
    wm__exn *exn;
    uint32_t target;
    unwound uw;
    RELOAD_MEM();

    vmdispatch(*ip)
    {
        vmcase(UNREACHABLE) TRAP(WM_TRAP_UNREACHABLE);

        vmcase(BR) JUMP(ip[1]);
        vmcase(BR_IF)
        {
            if (S(1).i32)
                JUMP(ip[2]);
            NEXT(3);
        }
        vmcase(BR_UNLESS)
        {
            if (!S(1).i32)
                JUMP(ip[2]);
            NEXT(3);
        }
        vmcase(BR_TABLE)
        {
            uint32_t i = S(1).i32, n = ip[2];
            JUMP(ip[3 + (i < n ? i : n)]);
        }
#define H_BR1(name, test)                                                                          \
    vmcase(name)                                                                                   \
    {                                                                                              \
        if (test)                                                                                  \
            JUMP(ip[3]);                                                                           \
        NEXT(4);                                                                                   \
    }
#define IMM_AS(m) ((__typeof__(fp->m))(int64_t)(int32_t)ip[2])
#define H_BR(n, cmp, m, cast)                                                                      \
    H_BR1(BR_##n, cast(S(1).m) cmp cast(S(2).m))                                                   \
    H_BR1(BRN_##n, !(cast(S(1).m) cmp cast(S(2).m)))                                               \
    H_BR1(BR_##n##_IMM, cast(S(1).m) cmp cast(IMM_AS(m)))                                          \
    H_BR1(BRN_##n##_IMM, !(cast(S(1).m) cmp cast(IMM_AS(m))))
        WM_IR_FUSED_BR(H_BR)
#undef H_BR
#undef H_BR1
#undef IMM_AS

        vmcase(RETURN1)
        {
            fp[0] = S(1);
            goto do_return;
        }
        vmcase(RETURN)
        {
        do_return:
            if (fr == base_fr)
                goto done;
            fr--;
            ip = fr->ret_ip;
            fp = fr->fp;
            func = fr->func;
            code = func->def->code;
            /* Same instance: mem and memsize are already current, because
             * memory.grow and host calls reload them where they happen. */
            if (UNLIKELY(func->inst != inst)) {
                inst = func->inst;
                RELOAD_MEM();
            }
            vmbreak;
        }

        vmcase(CALL)
        {
            callee = inst->funcs[ip[1]];
            args = fp + ip[2];
            next_ip = ip + 3;
            goto do_call;
        }
        vmcase(CALL_INDIRECT)
        {
            if (UNLIKELY((trap_kind = indirect_callee(inst, ip, fp, &callee)) != WM_TRAP_NONE))
                goto trap;
            args = fp + ip[4];
            next_ip = ip + 5;
        do_call:
            if (UNLIKELY(--fuel < 0))
                goto out_of_fuel;
            if (callee->host) {
                host_tail = false;
                goto host_call;
            }
            const wm__func *d = callee->def;
            if (UNLIKELY(fr == s->frames_end || args + d->frame_slots > s->stack_end)) {
                rc = WH_EXHAUSTED;
                record_trap(s, func, ip, WM_TRAP_STACK_EXHAUSTED, NULL);
                goto save_fuel;
            }
            fr->ret_ip = next_ip;
            fr->fp = fp;
            fr->func = func;
            fr++;
            fp = args;
            /* Most functions declare few locals: a loop beats a memset call. */
            for (uint32_t k = d->param_slots; k < d->local_slots; k++)
                fp[k].i64 = 0;
            if (d->nconsts)
                memcpy(fp + d->const_base, d->consts, (size_t)d->nconsts * sizeof *fp);
            func = callee;
            code = d->code;
            ip = code;
            if (callee->inst != inst) {
                inst = callee->inst;
                RELOAD_MEM();
            }
            vmbreak;
        }

        /* Tail calls: the callee's frame replaces the caller's (same base,
         * no frame record), so a loop of tail calls runs in constant space.
         * Such a loop has no backward branch: fuel, interrupts and yields are
         * checked here instead. A yield or a suspending host callee leaves
         * ip on this instruction, whose arguments are still in place, so
         * resuming runs it again. */
        vmcase(RETURN_CALL)
        {
            callee = inst->funcs[ip[1]];
            args = fp + ip[2];
            goto do_tail_call;
        }
        vmcase(RETURN_CALL_INDIRECT)
        {
            if (UNLIKELY((trap_kind = indirect_callee(inst, ip, fp, &callee)) != WM_TRAP_NONE))
                goto trap;
            args = fp + ip[4];
        do_tail_call:
            /* A yield requested while the host called us waits (as at a loop
             * header): going to "interrupted" would come back here forever. */
            irq = atomic_load_explicit(&s->interrupt, memory_order_relaxed);
            if (UNLIKELY(irq) && ((irq & WM__STOP) || s->sp_top == NULL)) {
                loop_ip = ip;
                goto interrupted;
            }
            if (UNLIKELY(--fuel < 0))
                goto out_of_fuel;
            if (callee->host) {
                host_tail = true;
                goto host_call;
            }
            const wm__func *d = callee->def;
            if (UNLIKELY(fp + d->frame_slots > s->stack_end)) {
                rc = WH_EXHAUSTED;
                record_trap(s, func, ip, WM_TRAP_STACK_EXHAUSTED, NULL);
                goto save_fuel;
            }
            /* The arguments sit above the locals: moving them down in order
             * never overwrites one not yet moved. */
            for (uint32_t k = 0; k < d->param_slots; k++)
                fp[k] = args[k];
            for (uint32_t k = d->param_slots; k < d->local_slots; k++)
                fp[k].i64 = 0;
            if (d->nconsts)
                memcpy(fp + d->const_base, d->consts, (size_t)d->nconsts * sizeof *fp);
            func = callee;
            code = d->code;
            ip = code;
            if (callee->inst != inst) {
                inst = callee->inst;
                RELOAD_MEM();
            }
            vmbreak;
        }

        /* A host function, called (host_tail false) or tail-called. */
    host_call:
        /* A call back into wasm from the host function starts above us. */
        save_sp = s->sp_top;
        save_fr = s->fr_top;
        s->sp_top = fp + func->def->frame_slots;
        s->fr_top = fr;
        call = (wm_call_t){s, inst};
        if (metered)
            s->fuel = fuel;
        rc = callee->host(&call, callee->env, args);
        if (metered)
            fuel = s->fuel;
        s->sp_top = save_sp;
        s->fr_top = save_fr;
        if (UNLIKELY(rc != WH_OK)) {
            if (rc == WH_SUSPEND) {
                if (save_sp != NULL) {
                    rc = WH_TRAP;
                    record_trap(s, func, ip, WM_TRAP_HOST,
                                "a host function suspended inside a nested call");
                    goto save_fuel;
                }
                suspend_at(s, false, ip, func, fp, fr, base_fr);
                goto save_fuel;
            }
            if (rc == WH_EXCEPTION && s->pending) {
                /* thrown by the host function, or by wasm it called, and
                 * not caught there: it goes on in this frame (or, after a
                 * tail call into the host, in the caller's) */
                exn = s->pending;
                s->pending = NULL;
                rc = WH_OK;
                goto unwind_from;
            }
            record_trap(s, func, ip, WM_TRAP_HOST, s->trap_msg[0] ? s->trap_msg : wh_rc_name(rc));
            goto save_fuel;
        }
        RELOAD_MEM();
        if (host_tail) {
            /* Its results, at args, are this function's. */
            for (uint32_t k = 0; k < func->def->result_slots; k++)
                fp[k] = args[k];
            goto do_return;
        }
        ip = next_ip;
        vmbreak;

        /* ---- exceptions ---- */
        vmcase(THROW)
        {
            exn = wm__exn_new(s, inst->tags[ip[1]], fp + ip[2], fp + func->def->frame_slots);
            if (UNLIKELY(!exn)) {
                rc = WH_TRAP;
                record_trap(s, func, ip, WM_TRAP_HOST, "too many exceptions alive");
                goto save_fuel;
            }
            throw_site(exn, func, ip, ip[1]);
            host_tail = false;
            goto unwind_from;
        }
        vmcase(THROW_REF)
        {
            exn = S(1).ref;
            if (UNLIKELY(!exn))
                TRAP(WM_TRAP_NULL_EXN);
            host_tail = false;
        unwind_from:
            uw = unwind(s, exn, ip, host_tail, func, fp, fr, base_fr);
            target = uw.target;
            if (UNLIKELY(target == UNCAUGHT)) {
                record_uncaught(s, exn);
                rc = WH_EXCEPTION;
                goto save_fuel;
            }
            func = uw.func;
            fp = uw.fp;
            fr = uw.fr;
            code = func->def->code;
            inst = func->inst;
            RELOAD_MEM();
            ip = target == WM__CATCH_RETURN ? code : code + target;
            /* A handler may be a loop's label: like a backward branch, it
             * spends fuel and sees a stop request. */
            if (UNLIKELY(--fuel < 0))
                goto out_of_fuel;
            if (UNLIKELY(atomic_load_explicit(&s->interrupt, memory_order_relaxed) & WM__STOP)) {
                loop_ip = ip;
                goto interrupted;
            }
            if (target == WM__CATCH_RETURN)
                goto do_return;
            vmbreak;
        }

        vmcase(COPY)
        {
            S(1) = S(2);
            NEXT(3);
        }
        vmcase(COPY2)
        {
            fp[ip[1]] = fp[ip[2]];
            fp[ip[1] + 1] = fp[ip[2] + 1];
            NEXT(3);
        }
        vmcase(CONST32)
        {
            S(1).i64 = ip[2];
            NEXT(3);
        }
        vmcase(CONST64)
        {
            S(1).i64 = (uint64_t)ip[2] | (uint64_t)ip[3] << 32;
            NEXT(4);
        }
        vmcase(CONST128)
        {
            fp[ip[1]].i64 = (uint64_t)ip[2] | (uint64_t)ip[3] << 32;
            fp[ip[1] + 1].i64 = (uint64_t)ip[4] | (uint64_t)ip[5] << 32;
            NEXT(6);
        }
        vmcase(SELECT)
        {
            S(1) = S(4).i32 ? S(2) : S(3);
            NEXT(5);
        }
        vmcase(SELECT2)
        {
            uint32_t from = S(4).i32 ? ip[2] : ip[3];
            fp[ip[1]] = fp[from];
            fp[ip[1] + 1] = fp[from + 1];
            NEXT(5);
        }
        vmcase(GLOBAL_GET)
        {
            S(1) = inst->globals[ip[2]]->val[0];
            NEXT(3);
        }
        vmcase(GLOBAL_SET)
        {
            inst->globals[ip[1]]->val[0] = S(2);
            NEXT(3);
        }
        vmcase(GLOBAL_GET2)
        {
            wm_global_t *g = inst->globals[ip[2]];
            fp[ip[1]] = g->val[0];
            fp[ip[1] + 1] = g->val[1];
            NEXT(3);
        }
        vmcase(GLOBAL_SET2)
        {
            wm_global_t *g = inst->globals[ip[1]];
            g->val[0] = fp[ip[2]];
            g->val[1] = fp[ip[2] + 1];
            NEXT(3);
        }

        /* ---- memory ---- */
#define H_LOAD(n, code_, type, bytes, ctype, rm, conv)                                             \
    vmcase(n)                                                                                      \
    {                                                                                              \
        EA(ip[2], ip[3], bytes);                                                                   \
        ctype v;                                                                                   \
        memcpy(&v, mem + ea, bytes);                                                               \
        S(1).rm = conv;                                                                            \
        NEXT(4);                                                                                   \
    }
        WM_LOADS(H_LOAD)
#undef H_LOAD
#define H_STORE(n, code_, type, bytes, ctype, vm)                                                  \
    vmcase(n)                                                                                      \
    {                                                                                              \
        EA(ip[1], ip[3], bytes);                                                                   \
        ctype v = (ctype)S(2).vm;                                                                  \
        memcpy(mem + ea, &v, bytes);                                                               \
        NEXT(4);                                                                                   \
    }
        WM_STORES(H_STORE)
#undef H_STORE
        vmcase(MEMORY_SIZE)
        {
            S(1).i64 = cmem->size / WM_PAGE_SIZE;
            NEXT(2);
        }
        vmcase(MEMORY_GROW)
        {
            /* Any memory: memory 0 may be the same one imported twice. */
            int64_t old = wm_memory_grow(inst->mems[ip[3]], S(2).i32);
            S(1).i64 = (uint32_t)old;
            RELOAD_MEM();
            NEXT(4);
        }
        vmcase(MEMORY_GROW64)
        {
            /* A delta of 2^32 pages or more fails as any too large one. */
            uint64_t delta = S(2).i64;
            int64_t old = delta >> 32 ? -1 : wm_memory_grow(inst->mems[ip[3]], (uint32_t)delta);
            S(1).i64 = (uint64_t)old;
            RELOAD_MEM();
            NEXT(4);
        }
        vmcase(ADDR64)
        {
            if (UNLIKELY(S(1).i64 >> 32))
                TRAP((wm_trapkind)ip[2]);
            NEXT(3);
        }
        vmcase(MEM_USE)
        {
            USE_MEM(inst->mems[ip[1]]);
            NEXT(2);
        }
        vmcase(MEM_USE0)
        {
            RELOAD_MEM();
            NEXT(1);
        }
        vmcase(MEMORY_COPY_MM)
        {
            wm_memory_t *md = inst->mems[ip[1]], *ms = inst->mems[ip[2]];
            uint64_t d = S(3).i32, from = S(4).i32, n = S(5).i32;
            if (!wm__memory_touch(md, d, d + n) || !wm__memory_touch(ms, from, from + n))
                TRAP(WM_TRAP_MEMORY_OOB);
            memmove(md->base + d, ms->base + from, n);
            NEXT(6);
        }
        vmcase(MEMORY_FILL)
        {
            uint64_t d = S(1).i32, n = S(3).i32;
            if (!IN_MEM(d, d + n))
                TRAP(WM_TRAP_MEMORY_OOB);
            memset(mem + d, (int)(uint8_t)S(2).i32, n);
            NEXT(4);
        }
        vmcase(MEMORY_COPY)
        {
            uint64_t d = S(1).i32, from = S(2).i32, n = S(3).i32;
            if (!IN_MEM(d, d + n) || !IN_MEM(from, from + n))
                TRAP(WM_TRAP_MEMORY_OOB);
            memmove(mem + d, mem + from, n);
            NEXT(4);
        }
        vmcase(MEMORY_INIT)
        {
            wm__data_inst *seg = &inst->datas[ip[1]];
            uint64_t d = S(2).i32, from = S(3).i32, n = S(4).i32;
            if (!IN_MEM(d, d + n) || UNLIKELY(from + n > seg->len))
                TRAP(WM_TRAP_MEMORY_OOB);
            if (n)
                memcpy(mem + d, seg->bytes + from, n);
            NEXT(5);
        }
        vmcase(DATA_DROP)
        {
            inst->datas[ip[1]].len = 0;
            NEXT(2);
        }

        /* ---- tables and references ---- */
        vmcase(TABLE_GET)
        {
            wm_table_t *t = inst->tables[ip[2]];
            uint32_t i = S(3).i32;
            if (UNLIKELY(i >= t->size))
                TRAP(WM_TRAP_TABLE_OOB);
            S(1).ref = t->elems[i];
            NEXT(4);
        }
        vmcase(TABLE_SET)
        {
            wm_table_t *t = inst->tables[ip[1]];
            uint32_t i = S(2).i32;
            if (UNLIKELY(i >= t->size))
                TRAP(WM_TRAP_TABLE_OOB);
            t->elems[i] = S(3).ref;
            NEXT(4);
        }
        vmcase(TABLE_SIZE)
        {
            S(1).i64 = inst->tables[ip[2]]->size;
            NEXT(3);
        }
        vmcase(TABLE_GROW)
        {
            int64_t old = wm_table_grow(inst->tables[ip[2]], S(4).i32, S(3).ref);
            S(1).i64 = (uint32_t)old;
            NEXT(5);
        }
        vmcase(TABLE_GROW64)
        {
            uint64_t delta = S(4).i64;
            int64_t old =
                delta >> 32 ? -1 : wm_table_grow(inst->tables[ip[2]], (uint32_t)delta, S(3).ref);
            S(1).i64 = (uint64_t)old;
            NEXT(5);
        }
        vmcase(TABLE_FILL)
        {
            wm_table_t *t = inst->tables[ip[1]];
            uint64_t i = S(2).i32, n = S(4).i32;
            if (UNLIKELY(i + n > t->size))
                TRAP(WM_TRAP_TABLE_OOB);
            void *v = S(3).ref;
            for (uint64_t k = 0; k < n; k++)
                t->elems[i + k] = v;
            NEXT(5);
        }
        vmcase(TABLE_COPY)
        {
            wm_table_t *td = inst->tables[ip[1]], *ts = inst->tables[ip[2]];
            uint64_t d = S(3).i32, from = S(4).i32, n = S(5).i32;
            if (UNLIKELY(d + n > td->size || from + n > ts->size))
                TRAP(WM_TRAP_TABLE_OOB);
            if (n)
                memmove(td->elems + d, ts->elems + from, n * sizeof(void *));
            NEXT(6);
        }
        vmcase(TABLE_INIT)
        {
            wm_table_t *t = inst->tables[ip[1]];
            wm__elem_inst *seg = &inst->elems[ip[2]];
            uint64_t d = S(3).i32, from = S(4).i32, n = S(5).i32;
            if (UNLIKELY(d + n > t->size || from + n > seg->len))
                TRAP(WM_TRAP_TABLE_OOB);
            if (n)
                memcpy(t->elems + d, seg->refs + from, n * sizeof(void *));
            NEXT(6);
        }
        vmcase(ELEM_DROP)
        {
            inst->elems[ip[1]].len = 0;
            NEXT(2);
        }
        vmcase(REF_IS_NULL)
        {
            S(1).i64 = S(2).ref == NULL;
            NEXT(3);
        }
        vmcase(REF_FUNC)
        {
            S(1).ref = inst->funcs[ip[2]];
            NEXT(3);
        }

        /* ---- numeric ---- */
#define H_BIN(n, code_, in, out, am, rm, expr)                                                     \
    vmcase(n)                                                                                      \
    {                                                                                              \
        S(1).rm = op_##n(S(2).am, S(3).am);                                                        \
        NEXT(4);                                                                                   \
    }
        WM_BINOPS(H_BIN)
#undef H_BIN
#define H_UN(n, code_, in, out, am, rm, expr)                                                      \
    vmcase(n)                                                                                      \
    {                                                                                              \
        S(1).rm = op_##n(S(2).am);                                                                 \
        NEXT(3);                                                                                   \
    }
        WM_UNOPS(H_UN)
#undef H_UN
#define H_IMM(n)                                                                                   \
    vmcase(n##_IMM)                                                                                \
    {                                                                                              \
        n##_in a_;                                                                                 \
        memcpy(&a_, &S(2), sizeof a_);                                                             \
        __typeof__(op_##n(a_, a_)) r_ = op_##n(a_, (n##_in)(int64_t)(int32_t)ip[3]);               \
        memcpy(&S(1), &r_, sizeof r_);                                                             \
        NEXT(4);                                                                                   \
    }
        WM_IR_FUSED_BIN(H_IMM)
#undef H_IMM

        vmcase(I32_DIV_S)
        {
            int32_t a = (int32_t)S(2).i32, b = (int32_t)S(3).i32;
            if (UNLIKELY(b == 0))
                TRAP(WM_TRAP_DIV_ZERO);
            if (UNLIKELY(a == INT32_MIN && b == -1))
                TRAP(WM_TRAP_INT_OVERFLOW);
            S(1).i32 = (uint32_t)(a / b);
            NEXT(4);
        }
        vmcase(I32_DIV_U)
        {
            uint32_t a = S(2).i32, b = S(3).i32;
            if (UNLIKELY(b == 0))
                TRAP(WM_TRAP_DIV_ZERO);
            S(1).i32 = a / b;
            NEXT(4);
        }
        vmcase(I32_REM_S)
        {
            int32_t a = (int32_t)S(2).i32, b = (int32_t)S(3).i32;
            if (UNLIKELY(b == 0))
                TRAP(WM_TRAP_DIV_ZERO);
            S(1).i32 = b == -1 ? 0 : (uint32_t)(a % b);
            NEXT(4);
        }
        vmcase(I32_REM_U)
        {
            uint32_t a = S(2).i32, b = S(3).i32;
            if (UNLIKELY(b == 0))
                TRAP(WM_TRAP_DIV_ZERO);
            S(1).i32 = a % b;
            NEXT(4);
        }
        vmcase(I64_DIV_S)
        {
            int64_t a = (int64_t)S(2).i64, b = (int64_t)S(3).i64;
            if (UNLIKELY(b == 0))
                TRAP(WM_TRAP_DIV_ZERO);
            if (UNLIKELY(a == INT64_MIN && b == -1))
                TRAP(WM_TRAP_INT_OVERFLOW);
            S(1).i64 = (uint64_t)(a / b);
            NEXT(4);
        }
        vmcase(I64_DIV_U)
        {
            uint64_t a = S(2).i64, b = S(3).i64;
            if (UNLIKELY(b == 0))
                TRAP(WM_TRAP_DIV_ZERO);
            S(1).i64 = a / b;
            NEXT(4);
        }
        vmcase(I64_REM_S)
        {
            int64_t a = (int64_t)S(2).i64, b = (int64_t)S(3).i64;
            if (UNLIKELY(b == 0))
                TRAP(WM_TRAP_DIV_ZERO);
            S(1).i64 = b == -1 ? 0 : (uint64_t)(a % b);
            NEXT(4);
        }
        vmcase(I64_REM_U)
        {
            uint64_t a = S(2).i64, b = S(3).i64;
            if (UNLIKELY(b == 0))
                TRAP(WM_TRAP_DIV_ZERO);
            S(1).i64 = a % b;
            NEXT(4);
        }

        /* Trapping truncations: the ranges are the open intervals of values
         * whose truncation fits, written with exactly representable bounds. */
#define H_TRUNC(n, src_m, dst_m, ctype, lo, hi)                                                    \
    vmcase(n)                                                                                      \
    {                                                                                              \
        __typeof__(S(2).src_m) x = S(2).src_m;                                                     \
        if (UNLIKELY(x != x))                                                                      \
            TRAP(WM_TRAP_BAD_CONVERSION);                                                          \
        if (UNLIKELY(!(x > (lo) && x < (hi))))                                                     \
            TRAP(WM_TRAP_INT_OVERFLOW);                                                            \
        S(1).dst_m = (ctype)x;                                                                     \
        NEXT(3);                                                                                   \
    }
        H_TRUNC(I32_TRUNC_F32_S, f32, i32, int32_t, -2147483904.0f, 2147483648.0f)
        H_TRUNC(I32_TRUNC_F32_U, f32, i32, uint32_t, -1.0f, 4294967296.0f)
        H_TRUNC(I32_TRUNC_F64_S, f64, i32, int32_t, -2147483649.0, 2147483648.0)
        H_TRUNC(I32_TRUNC_F64_U, f64, i32, uint32_t, -1.0, 4294967296.0)
        H_TRUNC(I64_TRUNC_F32_S, f32, i64, int64_t, -9223373136366403584.0f, 9223372036854775808.0f)
        H_TRUNC(I64_TRUNC_F32_U, f32, i64, uint64_t, -1.0f, 18446744073709551616.0f)
        H_TRUNC(I64_TRUNC_F64_S, f64, i64, int64_t, -9223372036854777856.0, 9223372036854775808.0)
        H_TRUNC(I64_TRUNC_F64_U, f64, i64, uint64_t, -1.0, 18446744073709551616.0)
#undef H_TRUNC
#define H_SAT(n, src_m, dst_m, ctype, lo, hi, minv, maxv)                                          \
    vmcase(n)                                                                                      \
    {                                                                                              \
        __typeof__(S(2).src_m) x = S(2).src_m;                                                     \
        ctype r;                                                                                   \
        if (x != x)                                                                                \
            r = 0;                                                                                 \
        else if (!(x > (lo)))                                                                      \
            r = (minv);                                                                            \
        else if (!(x < (hi)))                                                                      \
            r = (maxv);                                                                            \
        else                                                                                       \
            r = (ctype)x;                                                                          \
        S(1).dst_m = r;                                                                            \
        NEXT(3);                                                                                   \
    }
        H_SAT(I32_TRUNC_SAT_F32_S, f32, i32, int32_t, -2147483904.0f, 2147483648.0f, INT32_MIN,
              INT32_MAX)
        H_SAT(I32_TRUNC_SAT_F32_U, f32, i32, uint32_t, -1.0f, 4294967296.0f, 0, UINT32_MAX)
        H_SAT(I32_TRUNC_SAT_F64_S, f64, i32, int32_t, -2147483649.0, 2147483648.0, INT32_MIN,
              INT32_MAX)
        H_SAT(I32_TRUNC_SAT_F64_U, f64, i32, uint32_t, -1.0, 4294967296.0, 0, UINT32_MAX)
        H_SAT(I64_TRUNC_SAT_F32_S, f32, i64, int64_t, -9223373136366403584.0f,
              9223372036854775808.0f, INT64_MIN, INT64_MAX)
        H_SAT(I64_TRUNC_SAT_F32_U, f32, i64, uint64_t, -1.0f, 18446744073709551616.0f, 0,
              UINT64_MAX)
        H_SAT(I64_TRUNC_SAT_F64_S, f64, i64, int64_t, -9223372036854777856.0, 9223372036854775808.0,
              INT64_MIN, INT64_MAX)
        H_SAT(I64_TRUNC_SAT_F64_U, f64, i64, uint64_t, -1.0, 18446744073709551616.0, 0, UINT64_MAX)
#undef H_SAT

#include "wm_interp_simd.h"
    }
    vmend

        trap : rc = WH_TRAP;
    record_trap(s, func, ip, trap_kind, NULL);
    goto save_fuel;
out_of_fuel:
    rc = WH_OUT_OF_FUEL;
    fuel = 0;
    record_trap(s, func, ip, WM_TRAP_OUT_OF_FUEL, NULL);
    goto save_fuel;
interrupted:
    if (!(atomic_load_explicit(&s->interrupt, memory_order_relaxed) & WM__STOP)) {
        /* a yield request: suspend at the loop header, unless the host
         * called us (then go on; the request waits until we are out) */
        if (s->sp_top != NULL) {
            ip = loop_ip;
            vmbreak;
        }
        atomic_fetch_and_explicit(&s->interrupt, ~WM__YIELD, memory_order_relaxed);
        suspend_at(s, true, loop_ip, func, fp, fr, base_fr);
        rc = WH_SUSPEND;
        goto save_fuel;
    }
    rc = WH_INTERRUPTED;
    record_trap(s, func, ip, WM_TRAP_INTERRUPTED, NULL);
    goto save_fuel;
done:
    rc = WH_OK;
save_fuel:
    if (metered)
        s->fuel = fuel;
    if (rc != WH_OK && rc != WH_SUSPEND)
        return trap_result(s, rc, err);
    return rc;
}

wh_rc wm__exec(wm_store_t *s, wm_func_t *f, wm_slot *base, wh_err_t *err)
{
    if (!s->sp_top && s->pending)
        wm__exn_clear_pending(s); /* a new call from the host */
    s->ran = true;
    s->has_trap_site = false;
    s->trap_site = (wm_trap_site_t){0};
    s->trap_msg[0] = 0;
    if (f->host) {
        wm_call_t call = {s, NULL};
        wh_rc rc = f->host(&call, f->env, base);
        if (rc == WH_SUSPEND) {
            if (s->sp_top != NULL)
                return wh_err(err, WH_TRAP, -1, "a host function suspended inside a nested call");
            s->suspended = true;
            s->yielded = false;
            s->susp_ip = NULL;
            s->susp_func = f;
            s->susp_base = base;
        } else if (rc == WH_EXCEPTION && s->pending) {
            record_uncaught(s, s->pending);
            return trap_result(s, rc, err);
        } else if (rc != WH_OK) {
            s->trap_site.kind = WM_TRAP_HOST;
            return wh_err(err, rc, -1, "%s", s->trap_msg[0] ? s->trap_msg : wh_rc_name(rc));
        }
        return rc;
    }
    const wm__func *d = f->def;
    wm__frame *fr = s->fr_top ? s->fr_top : s->frames;
    if (base + d->frame_slots > s->stack_end || fr >= s->frames_end)
        return wh_err(err, WH_EXHAUSTED, -1, WM_MSG_EXHAUSTED);
    memset(base + d->param_slots, 0, (size_t)(d->local_slots - d->param_slots) * sizeof *base);
    if (d->nconsts)
        memcpy(base + d->const_base, d->consts, (size_t)d->nconsts * sizeof *base);
    return run(s, f, d->code, base, fr, fr, err, NULL);
}

wh_rc wm__resume(wm_store_t *s, wh_err_t *err)
{
    s->suspended = false;
    if (!s->susp_ip)
        return wm__exec(s, s->susp_func, s->susp_base, err);
    return run(s, s->susp_func, s->susp_ip, s->susp_fp, s->susp_fr, s->susp_base_fr, err, NULL);
}

#ifdef WM_THREADED
static const int32_t *handler_offsets(void)
{
    static _Atomic(const int32_t *) table;
    const int32_t *t = atomic_load_explicit(&table, memory_order_relaxed);
    if (!t) {
        run(NULL, NULL, NULL, NULL, NULL, NULL, NULL, &t);
        atomic_store_explicit(&table, t, memory_order_relaxed);
    }
    return t;
}

uint32_t wm__interp_handler(uint32_t op)
{
    return (uint32_t)handler_offsets()[op];
}

uint32_t wm__interp_opcode(uint32_t word)
{
    const int32_t *t = handler_offsets();
    for (uint32_t op = 0; op < WM_OP_COUNT; op++)
        if ((uint32_t)t[op] == word)
            return op;
    return WM_OP_COUNT;
}
#else
uint32_t wm__interp_handler(uint32_t op)
{
    return op;
}

uint32_t wm__interp_opcode(uint32_t word)
{
    return word;
}
#endif
