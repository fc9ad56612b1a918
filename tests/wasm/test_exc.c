/* Tests for exception handling as an embedder sees it: tags imported and
 * exported between instances and made by the host, an uncaught exception
 * as its own result (not a trap), exceptions across a host function's
 * frame, suspension inside try_table (also with a tail call in flight),
 * fuel, traps that no handler catches, and bounded exception storage.
 * wat/exc_thrower.wat and wat/exc_catcher.wat use the legacy syntax that
 * wat2wasm knows; the try_table module is written out in bytes. */
#include "wasm_build.h"
#include "wat_module.h"

#include <string.h>

static int trap_kind(const wm_store_t *s)
{
    wm_trap_site_t site = {0};
    wm_store_trap_site(s, &site);
    return site.kind;
}

/* p_i32 is wat_module.h's */
static const wm_functype_t t_i32_i32 = {1, 1, p_i32, p_i32};
static const wm_functype_t t_tag_i32 = {1, 0, p_i32, NULL};

/* ---- tags between instances, and the host's ---- */

typedef struct {
    wm_store_t *s;
    wm_func_t *thrower; /* exc_thrower's "throw" */
    wm_tag_t *host_tag;
    int calls;
} reenter_env;

/* Even x: calls exc_thrower's "throw" (wasm in a host frame), which throws
 * tag e uncaught there, and passes the exception on. Odd x: throws the
 * host's own tag with payload x. */
static wh_rc host_reenter(wm_call_t *call, void *env, wm_slot *args)
{
    reenter_env *r = env;
    r->calls++;
    uint32_t x = args[0].i32;
    if (x % 2 == 0) {
        wm_val_t a = {.type = WM_I32, .of.i32 = x};
        wh_err_t e;
        wh_rc rc = wm_func_call(wm_call_store(call), r->thrower, &a, 1, NULL, 0, &e);
        TH_EQ(rc, WH_EXCEPTION);
        return rc;
    }
    wm_slot payload = {.i32 = x};
    return wm_call_throw(call, r->host_tag, &payload);
}

typedef struct {
    uint8_t *b1, *b2;
    wm_module_t *m1, *m2;
    wm_store_t *s;
    wm_instance_t *thrower, *catcher;
    reenter_env env;
    wm_tag_t *tag_e;
} two_fixture;

static bool two_setup(two_fixture *f)
{
    memset(f, 0, sizeof *f);
    if (!(f->m1 = wat_module("exc_thrower", &f->b1)) ||
        !(f->m2 = wat_module("exc_catcher", &f->b2)))
        return false;
    f->s = wm_store_new(NULL);
    wh_err_t e;
    if (!TH_EQ(wm_instantiate(f->s, f->m1, NULL, 0, &f->thrower, &e), WH_OK))
        return false;
    wm_extern_t tag, thr;
    TH_EQ(wm_instance_export(f->thrower, "e", &tag), WH_OK);
    TH_EQ(tag.kind, WM_EXTERN_TAG);
    TH_EQ(wm_instance_export(f->thrower, "throw", &thr), WH_OK);
    f->tag_e = tag.of.tag;
    TH_OK(wm_functype_eq(wm_tag_type(f->tag_e), &t_tag_i32));
    f->env = (reenter_env){.s = f->s, .thrower = thr.of.func};
    f->env.host_tag = wm_tag_new(f->s, &t_tag_i32);
    TH_OK(f->env.host_tag != NULL);
    TH_OK(wm_tag_new(f->s, &t_i32_i32) == NULL); /* a tag type has no results */
    wm_extern_t imports[4] = {
        tag,
        thr,
        {.kind = WM_EXTERN_FUNC,
         .of.func = wm_func_new_host(f->s, &t_i32_i32, host_reenter, &f->env)},
        {.kind = WM_EXTERN_TAG, .of.tag = f->env.host_tag},
    };
    return TH_EQ(wm_instantiate(f->s, f->m2, imports, 4, &f->catcher, &e), WH_OK);
}

static void two_teardown(two_fixture *f)
{
    wm_store_free(f->s);
    wm_module_free(f->m1);
    wm_module_free(f->m2);
    wh_free(f->b1);
    wh_free(f->b2);
}

TH_TEST(exc_tags_link_and_describe)
{
    two_fixture f;
    if (!two_setup(&f))
        return;
    /* the import and export lists name the tags and their types */
    wm_externdesc_t d;
    TH_OK(wm_module_import(f.m2, 0, &d));
    TH_EQ(d.kind, WM_EXTERN_TAG);
    TH_OK(wm_functype_eq(d.type.tag, &t_tag_i32));
    TH_OK(wm_module_export(f.m1, 0, &d));
    TH_EQ(d.kind, WM_EXTERN_TAG);
    TH_STR(d.name, "e");
    /* a tag of another type does not link */
    static const uint8_t p_i64[] = {WM_I64};
    static const wm_functype_t t_tag_i64 = {1, 0, p_i64, NULL};
    wm_extern_t thr;
    TH_EQ(wm_instance_export(f.thrower, "throw", &thr), WH_OK);
    wm_extern_t imports[4] = {
        {.kind = WM_EXTERN_TAG, .of.tag = wm_tag_new(f.s, &t_tag_i64)},
        thr,
        {.kind = WM_EXTERN_FUNC,
         .of.func = wm_func_new_host(f.s, &t_i32_i32, host_reenter, &f.env)},
        {.kind = WM_EXTERN_TAG, .of.tag = f.env.host_tag},
    };
    wm_instance_t *inst;
    wh_err_t e;
    TH_EQ(wm_instantiate(f.s, f.m2, imports, 4, &inst, &e), WH_UNLINKABLE);
    TH_HAS(e.msg, "incompatible import type");
    /* nor does a function in a tag's place */
    imports[0] = thr;
    TH_EQ(wm_instantiate(f.s, f.m2, imports, 4, &inst, &e), WH_UNLINKABLE);
    /* an exception of the imported tag is caught by it */
    wh_rc rc;
    TH_EQ(wat_call(f.s, f.catcher, "catch_imported", 1, 41, 0, &rc), 42);
    TH_EQ(rc, WH_OK);
    two_teardown(&f);
}

TH_TEST(exc_uncaught_is_its_own_result)
{
    two_fixture f;
    if (!two_setup(&f))
        return;
    wm_extern_t thr;
    TH_EQ(wm_instance_export(f.thrower, "throw", &thr), WH_OK);
    wm_val_t a = {.type = WM_I32, .of.i32 = 7};
    wh_err_t e;
    TH_EQ(wm_func_call(f.s, thr.of.func, &a, 1, NULL, 0, &e), WH_EXCEPTION);
    TH_HAS(e.msg, "uncaught exception: tag 0 \"e\"");
    TH_HAS(e.msg, "(func 0, byte 0x");
    TH_EQ(trap_kind(f.s), WM_TRAP_EXCEPTION);
    wm_tag_t *tag = NULL;
    const wm_slot *payload = NULL;
    TH_OK(wm_store_exception(f.s, &tag, &payload));
    TH_OK(tag == f.tag_e);
    TH_EQ(payload[0].i32, 7);
    /* the next call forgets it */
    wh_rc rc;
    TH_EQ(wat_call(f.s, f.catcher, "catch_imported", 1, 1, 0, &rc), 2);
    TH_EQ(rc, WH_OK);
    TH_OK(!wm_store_exception(f.s, NULL, NULL));
    two_teardown(&f);
}

/* wasm -> host -> wasm: the inner call's exception ends that call with
 * WH_EXCEPTION in the host function, which passes it on to the wasm that
 * called it; a host function's own throw is caught the same way. */
TH_TEST(exc_across_a_host_frame)
{
    two_fixture f;
    if (!two_setup(&f))
        return;
    wh_rc rc;
    TH_EQ(wat_call(f.s, f.catcher, "across_host", 1, 10, 0, &rc), 110);
    TH_EQ(rc, WH_OK);
    TH_EQ(wat_call(f.s, f.catcher, "across_host", 1, 11, 0, &rc), 211);
    TH_EQ(rc, WH_OK);
    TH_EQ(f.env.calls, 2);
    /* and wasm runs on in the same store afterwards */
    TH_EQ(wat_call(f.s, f.catcher, "catch_imported", 1, 5, 0, &rc), 6);
    TH_EQ(rc, WH_OK);
    two_teardown(&f);
}

/* Exceptions kept as exnrefs (here by legacy catches, for rethrow) are
 * freed by collections: a million of them leave a few thousand alive. */
TH_TEST(exc_storage_stays_bounded)
{
    two_fixture f;
    if (!two_setup(&f))
        return;
    wh_rc rc;
    TH_EQ(wat_call(f.s, f.catcher, "many", 1, 1000000, 0, &rc), 1000000);
    TH_EQ(rc, WH_OK);
    TH_OK(f.s->exns.len <= 2 * WM__EXN_GC_MIN);
    two_teardown(&f);
}

/* ---- try_table, suspension, tail calls (a module written in bytes) ---- */

typedef struct {
    int pending; /* suspensions left */
    bool throw_it;
    wm_tag_t *tag;
    int calls;
} susp_env;

/* Suspends `pending` times; then answers x * 2, or throws tag with x. */
static wh_rc host_susp_throw(wm_call_t *call, void *env, wm_slot *args)
{
    susp_env *h = env;
    h->calls++;
    if (h->pending > 0) {
        h->pending--;
        return WH_SUSPEND;
    }
    if (h->throw_it) {
        wm_slot x = args[0];
        return wm_call_throw(call, h->tag, &x);
    }
    args[0].i32 *= 2;
    return WH_OK;
}

/* Appends a code section holding these bodies (each: locals, code). */
static size_t code_section(uint8_t *out, const uint8_t *const *bodies, const size_t *lens, size_t n)
{
    size_t o = 0;
    out[o++] = (uint8_t)n;
    for (size_t i = 0; i < n; i++) {
        out[o++] = (uint8_t)lens[i]; /* each body is under 128 bytes */
        memcpy(out + o, bodies[i], lens[i]);
        o += lens[i];
    }
    return o;
}

/*   import h.get: [i32] -> [i32] (func 0)
 *   tag 0: [i32], exported "e"; tag 1: []
 *   a (func 1) [i32] -> [i32]: block i32 { try_table (catch 0 0) { get(x);
 *       throw 0 } unreachable } + 1000
 *   inner (func 2) [i32] -> [i32]: block { try_table (catch_all 0) {
 *       return_call get(x) } } -1  (its handler must not see get's throw:
 *       the tail call has replaced its frame)
 *   b (func 3) [i32] -> [i32]: block i32 { try_table (catch 0 0) {
 *       return inner(x) } unreachable } + 2000
 *   c (func 4) [] -> [i32]: loop { try_table (catch_all 0) { throw 1 } }
 *   d (func 5) [] -> [i32]: block { try_table (catch_all 0) {
 *       throw_ref (ref.null exn) } } 5
 *   f (func 6) [] -> [i32]: block { try_table (catch_all 0) { unreachable } } 6 */
static wm_module_t *table_module(void)
{
    const uint8_t *bodies[6];
    size_t lens[6], k = 0;
#define ADD(...)                                                                                   \
    do {                                                                                           \
        static const uint8_t b_[] = {__VA_ARGS__};                                                 \
        bodies[k] = b_;                                                                            \
        lens[k++] = sizeof b_;                                                                     \
    } while (0)
    ADD(0x00, 0x02, 0x7f, 0x1f, 0x40, 0x01, 0x00, 0x00, 0x00, 0x20, 0x00, 0x10, 0x00, 0x08, 0x00,
        0x0b, 0x00, 0x0b, 0x41, 0xe8, 0x07, 0x6a, 0x0b);
    ADD(0x00, 0x02, 0x40, 0x1f, 0x40, 0x01, 0x02, 0x00, 0x20, 0x00, 0x12, 0x00, 0x0b, 0x0b, 0x41,
        0x7f, 0x0b);
    ADD(0x00, 0x02, 0x7f, 0x1f, 0x40, 0x01, 0x00, 0x00, 0x00, 0x20, 0x00, 0x10, 0x02, 0x0f, 0x0b,
        0x00, 0x0b, 0x41, 0xd0, 0x0f, 0x6a, 0x0b);
    ADD(0x00, 0x03, 0x40, 0x1f, 0x40, 0x01, 0x02, 0x00, 0x08, 0x01, 0x0b, 0x0b, 0x41, 0x00, 0x0b);
    ADD(0x00, 0x02, 0x40, 0x1f, 0x40, 0x01, 0x02, 0x00, 0xd0, 0x69, 0x0a, 0x0b, 0x0b, 0x41, 0x05,
        0x0b);
    ADD(0x00, 0x02, 0x40, 0x1f, 0x40, 0x01, 0x02, 0x00, 0x00, 0x0b, 0x0b, 0x41, 0x06, 0x0b);
#undef ADD
    uint8_t code[512];
    size_t clen = code_section(code, bodies, lens, k);
    tb_module tm;
    TB_BUILD(&tm,
             TB_SEC(1, 0x04, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x00, 0x60, 0x00, 0x00,
                    0x60, 0x00, 0x01, 0x7f),
             TB_SEC(2, 0x01, 0x01, 'h', 0x03, 'g', 'e', 't', 0x00, 0x00),
             TB_SEC(3, 0x06, 0x00, 0x00, 0x00, 0x03, 0x03, 0x03),
             TB_SEC(13, 0x02, 0x00, 0x01, 0x00, 0x02),
             TB_SEC(7, 0x06, 0x01, 'a', 0x00, 0x01, 0x01, 'b', 0x00, 0x03, 0x01, 'c', 0x00, 0x04,
                    0x01, 'd', 0x00, 0x05, 0x01, 'f', 0x00, 0x06, 0x01, 'e', 0x04, 0x00));
    memcpy(tm.bytes + tm.len, (const uint8_t[]){10}, 1);
    tm.len++;
    tm.bytes[tm.len++] = (uint8_t)clen; /* under 128 bytes */
    memcpy(tm.bytes + tm.len, code, clen);
    tm.len += clen;
    wm_module_t *m = NULL;
    wh_err_t e;
    TH_EQ(wm_module_load(tm.bytes, tm.len, NULL, &m, &e), WH_OK);
    if (!m)
        fprintf(stderr, "%s\n", e.msg);
    /* without the feature, the tag section is not there */
    wm_config_t cfg = {.features = WM_FEATURE_TAIL_CALL};
    wm_module_t *m2 = NULL;
    TH_EQ(wm_module_load(tm.bytes, tm.len, &cfg, &m2, &e), WH_MALFORMED);
    return m;
}

typedef struct {
    wm_module_t *m;
    wm_store_t *s;
    wm_instance_t *inst;
    susp_env h;
} table_fixture;

static bool table_setup(table_fixture *f)
{
    memset(f, 0, sizeof *f);
    if (!(f->m = table_module()))
        return false;
    f->s = wm_store_new(NULL);
    wm_extern_t imp = {.kind = WM_EXTERN_FUNC,
                       .of.func = wm_func_new_host(f->s, &t_i32_i32, host_susp_throw, &f->h)};
    wh_err_t e;
    if (!TH_EQ(wm_instantiate(f->s, f->m, &imp, 1, &f->inst, &e), WH_OK))
        return false;
    wm_extern_t tag;
    TH_EQ(wm_instance_export(f->inst, "e", &tag), WH_OK);
    f->h.tag = tag.of.tag;
    return true;
}

static void table_teardown(table_fixture *f)
{
    wm_store_free(f->s);
    wm_module_free(f->m);
}

/* Calls export name(x), resuming while it suspends; the suspensions. */
static int call_resuming(table_fixture *f, const char *name, int32_t x, wm_val_t *res, wh_rc *rc)
{
    wm_extern_t ex;
    TH_EQ(wm_instance_export(f->inst, name, &ex), WH_OK);
    wm_val_t arg = {.type = WM_I32, .of.i32 = (uint32_t)x};
    wh_err_t e;
    *rc = wm_func_call(f->s, ex.of.func, &arg, 1, res, 1, &e);
    int n = 0;
    while (*rc == WH_SUSPEND && n < 10) {
        n++;
        *rc = wm_store_resume(f->s, res, 1, &e);
    }
    return n;
}

/* A host call inside try_table suspends three times; after the resumes,
 * the wasm throws, and its handler catches. */
TH_TEST(exc_try_table_catches_after_a_resume)
{
    table_fixture f;
    if (!table_setup(&f))
        return;
    f.h.pending = 3;
    wm_val_t res = {0};
    wh_rc rc;
    TH_EQ(call_resuming(&f, "a", 21, &res, &rc), 3);
    TH_EQ(rc, WH_OK);
    TH_EQ((int32_t)res.of.i32, 21 * 2 + 1000);
    TH_EQ(f.h.calls, 4);
    table_teardown(&f);
}

/* inner tail-calls the host inside its own try_table; the host suspends,
 * then throws: the tail call has replaced inner's frame, so b's handler
 * catches, not inner's catch_all. */
TH_TEST(exc_tail_call_in_flight_skips_the_replaced_frame)
{
    table_fixture f;
    if (!table_setup(&f))
        return;
    f.h.pending = 2;
    f.h.throw_it = true;
    wm_val_t res = {0};
    wh_rc rc;
    TH_EQ(call_resuming(&f, "b", 9, &res, &rc), 2);
    TH_EQ(rc, WH_OK);
    TH_EQ((int32_t)res.of.i32, 9 + 2000);
    table_teardown(&f);
}

static int32_t call0(table_fixture *f, const char *name, wh_rc *rc)
{
    wm_extern_t ex;
    TH_EQ(wm_instance_export(f->inst, name, &ex), WH_OK);
    wm_val_t res = {0};
    wh_err_t e;
    *rc = wm_func_call(f->s, ex.of.func, NULL, 0, &res, 1, &e);
    return (int32_t)res.of.i32;
}

/* A loop made of throw and catch alone spends fuel like any loop; a null
 * throw_ref and unreachable trap, and no handler sees a trap. */
TH_TEST(exc_fuel_and_traps)
{
    table_fixture f;
    if (!table_setup(&f))
        return;
    wh_rc rc;
    wm_store_set_fuel(f.s, 5000);
    call0(&f, "c", &rc);
    TH_EQ(rc, WH_OUT_OF_FUEL);
    wm_store_set_fuel(f.s, -1);
    call0(&f, "d", &rc);
    TH_EQ(rc, WH_TRAP);
    TH_EQ(trap_kind(f.s), WM_TRAP_NULL_EXN);
    call0(&f, "f", &rc);
    TH_EQ(rc, WH_TRAP);
    TH_EQ(trap_kind(f.s), WM_TRAP_UNREACHABLE);
    /* every exception of the loop was caught without an exnref: freed */
    TH_EQ(f.s->exns.len, 0);
    table_teardown(&f);
}
