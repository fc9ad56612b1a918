/* Tests for stores, runtime objects and wm_instantiate: import matching
 * (spec 4.5.1 limits subtyping), globals from constant expressions, data and
 * element initialisation, out-of-bounds segments, segment drops. */
#include "th.h"
#include "wasm_build.h"

#include <stdio.h>

static wm_module_t *load(const tb_module *b)
{
    wm_module_t *m = NULL;
    wh_err_t e;
    if (!TH_EQ(wm_module_load(b->bytes, b->len, NULL, &m, &e), WH_OK))
        fprintf(stderr, "    load: %s\n", e.msg);
    return m;
}

static wh_rc host_nop(wm_call_t *call, void *env, wm_slot *args)
{
    return WH_OK;
}

TH_TEST(store_defaults_and_fuel)
{
    wm_store_t *s = wm_store_new(NULL);
    if (!TH_OK(s))
        return;
    TH_EQ(s->stack_end - s->stack, WM_DEFAULT_STACK_SLOTS);
    TH_EQ(s->frames_end - s->frames, WM_DEFAULT_MAX_FRAMES);
    TH_EQ(wm_store_fuel(s), -1);
    wm_store_set_fuel(s, 100);
    TH_EQ(wm_store_fuel(s), 100);
    wm_store_set_fuel(s, -7);
    TH_EQ(wm_store_fuel(s), -1);
    wm_store_interrupt(s);
    TH_EQ(atomic_load(&s->interrupt), 1);
    wm_store_clear_interrupt(s);
    TH_EQ(atomic_load(&s->interrupt), 0);
    wm_trap_site_t site;
    TH_OK(!wm_store_trap_site(s, &site));
    /* the stack is usable memory */
    s->stack[0].i64 = 1;
    s->stack_end[-1].i64 = 2;
    wm_store_free(s);

    s = wm_store_new(&(wm_store_config_t){.stack_slots = 1024, .max_frames = 16});
    TH_EQ(s->stack_end - s->stack, 1024);
    TH_EQ(s->frames_end - s->frames, 16);
    wm_store_free(s);
    wm_store_free(NULL);
}

TH_TEST(memory_grow_keeps_base)
{
    wm_store_t *s = wm_store_new(NULL);
    wm_memory_t *mem = wm_memory_new(s, (wm_limits_t){.min = 1, .max = 3, .has_max = true});
    if (!TH_OK(mem))
        return;
    uint8_t *base = wm_memory_data(mem);
    TH_EQ(wm_memory_size(mem), 65536);
    base[65535] = 7;
    TH_EQ(wm_memory_grow(mem, 1), 1);
    TH_OK(wm_memory_data(mem) == base);
    TH_EQ(wm_memory_size(mem), 2 * 65536);
    TH_EQ(base[65536], 0);
    TH_EQ(base[2 * 65536 - 1], 0);
    base[2 * 65536 - 1] = 1; /* the new page is writable */
    TH_EQ(base[65535], 7);
    TH_EQ(wm_memory_grow(mem, 2), -1); /* 4 > max 3 */
    TH_EQ(wm_memory_grow(mem, 0), 2);
    TH_EQ(wm_memory_type(mem).min, 2);
    TH_EQ(wm_memory_grow(mem, 1), 2);
    TH_EQ(wm_memory_grow(mem, 1), -1);

    /* no maximum: up to 65536 pages */
    wm_memory_t *big = wm_memory_new(s, (wm_limits_t){.min = 0});
    TH_EQ(wm_memory_size(big), 0);
    TH_EQ(wm_memory_grow(big, 65537), -1);
    TH_EQ(wm_memory_grow(big, 2), 0);
    TH_EQ(wm_memory_size(big), 2 * 65536);
    TH_OK(!wm_memory_new(s, (wm_limits_t){.min = 2, .max = 1, .has_max = true}));
    TH_OK(!wm_memory_new(s, (wm_limits_t){.min = 65537}));
    wm_store_free(s);
}

TH_TEST(table_and_global_objects)
{
    wm_store_t *s = wm_store_new(NULL);
    int x;
    wm_table_t *t =
        wm_table_new(s, (wm_tabletype_t){WM_EXTERNREF, {.min = 2, .max = 5, .has_max = true}}, &x);
    if (!TH_OK(t))
        return;
    void *r = NULL;
    TH_EQ(wm_table_size(t), 2);
    TH_OK(wm_table_get(t, 1, &r) && r == &x);
    TH_OK(!wm_table_get(t, 2, &r));
    TH_EQ(wm_table_grow(t, 3, NULL), 2);
    TH_EQ(wm_table_size(t), 5);
    TH_OK(wm_table_get(t, 4, &r) && r == NULL);
    TH_OK(wm_table_set(t, 4, &x));
    TH_OK(!wm_table_set(t, 5, &x));
    TH_EQ(wm_table_grow(t, 1, NULL), -1);
    TH_EQ(wm_table_type(t).limits.min, 5);
    TH_OK(!wm_table_new(s, (wm_tabletype_t){WM_FUNCREF, {.min = WM_MAX_TABLE + 1}}, NULL));

    wm_global_t *g = wm_global_new(s, (wm_globaltype_t){WM_I64, true},
                                   (wm_val_t){.type = WM_I64, .of.i64 = 1ull << 40});
    TH_EQ(wm_global_get(g).of.i64, 1ull << 40);
    TH_EQ(wm_global_set(g, (wm_val_t){.type = WM_I64, .of.i64 = 5}), WH_OK);
    TH_EQ(wm_global_get(g).of.i64, 5);
    TH_EQ(wm_global_set(g, (wm_val_t){.type = WM_I32, .of.i32 = 5}), WH_ARG);
    wm_global_t *c = wm_global_new(s, (wm_globaltype_t){WM_F32, false},
                                   (wm_val_t){.type = WM_F32, .of.i32 = 0x7fc00001});
    TH_EQ(wm_global_get(c).of.i32, 0x7fc00001); /* NaN payload kept */
    TH_EQ(wm_global_set(c, (wm_val_t){.type = WM_F32}), WH_ARG);
    TH_OK(!wm_global_new(s, (wm_globaltype_t){WM_I32, false}, (wm_val_t){.type = WM_I64}));
    wm_val_t v = {.type = WM_V128};
    for (int i = 0; i < 16; i++)
        v.of.v128[i] = (uint8_t)(i + 1);
    wm_global_t *vg = wm_global_new(s, (wm_globaltype_t){WM_V128, false}, v);
    TH_OK(!memcmp(wm_global_get(vg).of.v128, v.of.v128, 16));
    TH_EQ(vg->val[0].i64, 0x0807060504030201ull); /* low half first */
    wm_store_free(s);
}

/* (import "env" "base" (global i32)) (func $f) (global i64 (i64.const -2))
 * (global (mut f32) (f32.const 1.5)) (global i32 (global.get 0))
 * (global funcref (ref.func $f)) (global externref (ref.null extern)), all exported */
TH_TEST(instantiate_globals)
{
    tb_module b;
    TB_BUILD(&b, TB_SEC(1, 0x01, 0x60, 0x00, 0x00),
             TB_SEC(2, 0x01, 0x03, 'e', 'n', 'v', 0x04, 'b', 'a', 's', 'e', 0x03, 0x7f, 0x00),
             TB_SEC(3, 0x01, 0x00),
             TB_SEC(6, 0x05, 0x7e, 0x00, 0x42, 0x7e, 0x0b, 0x7d, 0x01, 0x43, 0x00, 0x00, 0xc0, 0x3f,
                    0x0b, 0x7f, 0x00, 0x23, 0x00, 0x0b, 0x70, 0x00, 0xd2, 0x00, 0x0b, 0x6f, 0x00,
                    0xd0, 0x6f, 0x0b),
             TB_SEC(7, 0x06, 0x03, 'i', '6', '4', 0x03, 0x01, 0x03, 'f', '3', '2', 0x03, 0x02, 0x03,
                    'g', 'e', 't', 0x03, 0x03, 0x02, 'f', 'r', 0x03, 0x04, 0x02, 'e', 'r', 0x03,
                    0x05, 0x01, 'f', 0x00, 0x00),
             TB_SEC(10, 0x01, 0x02, 0x00, 0x0b));
    wm_module_t *m = load(&b);
    wm_store_t *s = wm_store_new(NULL);
    if (!m || !s)
        return;
    wm_global_t *base = wm_global_new(s, (wm_globaltype_t){WM_I32, false},
                                      (wm_val_t){.type = WM_I32, .of.i32 = 42});
    wm_extern_t imp = {.kind = WM_EXTERN_GLOBAL, .of.global = base};
    wm_instance_t *inst = NULL;
    wh_err_t e;
    if (!TH_EQ(wm_instantiate(s, m, &imp, 1, &inst, &e), WH_OK)) {
        fprintf(stderr, "    %s\n", e.msg);
        return;
    }
    TH_OK(wm_instance_module(inst) == m);
    TH_OK(wm_instance_memory(inst) == NULL);
    wm_extern_t x, f;
    TH_EQ(wm_instance_export(inst, "f", &f), WH_OK);
    TH_EQ(f.kind, WM_EXTERN_FUNC);
    TH_EQ(wm_func_type(f.of.func)->nparams, 0);
    TH_OK(f.of.func->inst == inst && f.of.func->index == 0 && f.of.func->def == &m->funcs[0]);
    TH_EQ(wm_instance_export(inst, "i64", &x), WH_OK);
    TH_EQ(x.kind, WM_EXTERN_GLOBAL);
    TH_EQ(wm_global_get(x.of.global).type, WM_I64);
    TH_EQ(wm_global_get(x.of.global).of.i64, (uint64_t)-2);
    TH_EQ(wm_global_set(x.of.global, wm_global_get(x.of.global)), WH_ARG); /* immutable */
    TH_EQ(wm_instance_export(inst, "f32", &x), WH_OK);
    TH_EQ(wm_global_get(x.of.global).of.i32, 0x3fc00000);
    TH_OK(wm_global_type(x.of.global).mut);
    TH_EQ(wm_instance_export(inst, "get", &x), WH_OK);
    TH_EQ(wm_global_get(x.of.global).of.i32, 42);
    TH_EQ(wm_instance_export(inst, "fr", &x), WH_OK);
    TH_OK(wm_global_get(x.of.global).of.ref == f.of.func);
    TH_EQ(wm_instance_export(inst, "er", &x), WH_OK);
    TH_OK(wm_global_get(x.of.global).of.ref == NULL);
    TH_EQ(wm_global_get(x.of.global).type, WM_EXTERNREF);
    TH_EQ(wm_instance_export(inst, "nope", &x), WH_NOTFOUND);
    wm_store_free(s);
    wm_module_free(m);
}

/* (memory 1) (data (i32.const 16) "hello") (data "abc") */
TH_TEST(instantiate_data)
{
    tb_module b;
    TB_BUILD(&b, TB_SEC(5, 0x01, 0x00, 0x01), TB_SEC(12, 0x02),
             TB_SEC(11, 0x02, 0x00, 0x41, 0x10, 0x0b, 0x05, 'h', 'e', 'l', 'l', 'o', 0x01, 0x03,
                    'a', 'b', 'c'));
    wm_module_t *m = load(&b);
    wm_store_t *s = wm_store_new(NULL);
    wm_instance_t *inst = NULL;
    if (!m || !TH_EQ(wm_instantiate(s, m, NULL, 0, &inst, NULL), WH_OK))
        return;
    wm_memory_t *mem = wm_instance_memory(inst);
    if (!TH_OK(mem))
        return;
    const uint8_t *d = wm_memory_data(mem);
    TH_EQ(wm_memory_size(mem), 65536);
    TH_OK(!memcmp(d + 16, "hello", 5));
    TH_EQ(d[15], 0);
    TH_EQ(d[21], 0);
    TH_EQ(d[65535], 0);
    /* the active segment is dropped, the passive one stays */
    TH_EQ(inst->datas[0].len, 0);
    TH_EQ(inst->datas[1].len, 3);
    TH_OK(!memcmp(inst->datas[1].bytes, "abc", 3));
    wm_store_free(s);
    wm_module_free(m);
}

/* (table 4 funcref) (func $f0) (func $f1) (func $f2)
 * (elem (i32.const 1) $f1 $f0) (elem func $f2) (elem declare func $f2)
 * (elem (i32.const 3) funcref (ref.func $f2)) */
TH_TEST(instantiate_elems)
{
    tb_module b;
    TB_BUILD(&b, TB_SEC(1, 0x01, 0x60, 0x00, 0x00), TB_SEC(3, 0x03, 0x00, 0x00, 0x00),
             TB_SEC(4, 0x01, 0x70, 0x00, 0x04),
             TB_SEC(7, 0x03, 0x02, 'f', '0', 0x00, 0x00, 0x02, 'f', '1', 0x00, 0x01, 0x01, 't',
                    0x01, 0x00),
             TB_SEC(9, 0x04, 0x00, 0x41, 0x01, 0x0b, 0x02, 0x01, 0x00, 0x01, 0x00, 0x01, 0x02, 0x03,
                    0x00, 0x01, 0x02, 0x04, 0x41, 0x03, 0x0b, 0x01, 0xd2, 0x02, 0x0b),
             TB_SEC(10, 0x03, 0x02, 0x00, 0x0b, 0x02, 0x00, 0x0b, 0x02, 0x00, 0x0b));
    wm_module_t *m = load(&b);
    wm_store_t *s = wm_store_new(NULL);
    wm_instance_t *inst = NULL;
    wh_err_t e;
    if (!m || !TH_EQ(wm_instantiate(s, m, NULL, 0, &inst, &e), WH_OK))
        return;
    wm_extern_t f0, f1, t;
    TH_EQ(wm_instance_export(inst, "f0", &f0), WH_OK);
    TH_EQ(wm_instance_export(inst, "f1", &f1), WH_OK);
    TH_EQ(wm_instance_export(inst, "t", &t), WH_OK);
    TH_EQ(t.kind, WM_EXTERN_TABLE);
    void *r;
    TH_EQ(wm_table_size(t.of.table), 4);
    TH_OK(wm_table_get(t.of.table, 0, &r) && r == NULL);
    TH_OK(wm_table_get(t.of.table, 1, &r) && r == f1.of.func);
    TH_OK(wm_table_get(t.of.table, 2, &r) && r == f0.of.func);
    TH_OK(wm_table_get(t.of.table, 3, &r) && r == inst->funcs[2]);
    TH_OK(inst->funcs[2] != NULL && inst->funcs[2] != f0.of.func && inst->funcs[2] != f1.of.func);
    /* active and declarative segments are dropped; the passive one keeps $f2 */
    TH_EQ(inst->elems[0].len, 0);
    TH_EQ(inst->elems[1].len, 1);
    TH_OK(inst->elems[1].refs[0] == inst->funcs[2]);
    TH_EQ(inst->elems[2].len, 0);
    TH_EQ(inst->elems[3].len, 0);
    wm_store_free(s);
    wm_module_free(m);
}

/* (import "env" "f" (func (param i32))) (import "env" "m" (memory 2 4))
 * (import "env" "g" (global (mut i64))) (import "env" "t" (table 1 externref)) */
static const wm_functype_t ft_i32 = {1, 0, (const uint8_t[]){WM_I32}, NULL};
static const wm_functype_t ft_void = {0, 0, NULL, NULL};

static void build_importer(tb_module *b)
{
    TB_BUILD(b, TB_SEC(1, 0x01, 0x60, 0x01, 0x7f, 0x00),
             TB_SEC(2, 0x04, 0x03, 'e', 'n', 'v', 0x01, 'f', 0x00, 0x00,    //
                    0x03, 'e', 'n', 'v', 0x01, 'm', 0x02, 0x01, 0x02, 0x04, //
                    0x03, 'e', 'n', 'v', 0x01, 'g', 0x03, 0x7e, 0x01,       //
                    0x03, 'e', 'n', 'v', 0x01, 't', 0x01, 0x6f, 0x00, 0x01));
}

static wh_rc try_link(wm_store_t *s, const wm_module_t *m, const wm_extern_t *imps, uint32_t n,
                      wh_err_t *e)
{
    wm_instance_t *inst = (wm_instance_t *)&inst;
    wh_rc rc = wm_instantiate(s, m, imps, n, &inst, e);
    TH_OK(rc == WH_OK ? inst != NULL : inst == NULL);
    return rc;
}

TH_TEST(instantiate_import_matching)
{
    tb_module b;
    build_importer(&b);
    wm_module_t *m = load(&b);
    wm_store_t *s = wm_store_new(NULL);
    if (!m)
        return;
    wm_func_t *f = wm_func_new_host(s, &ft_i32, host_nop, NULL);
    wm_func_t *fv = wm_func_new_host(s, &ft_void, host_nop, NULL);
    TH_OK(wm_func_type(f) == &ft_i32);
    wm_memory_t *mem = wm_memory_new(s, (wm_limits_t){2, 4, true, false});
    wm_global_t *g = wm_global_new(s, (wm_globaltype_t){WM_I64, true}, (wm_val_t){.type = WM_I64});
    wm_table_t *t = wm_table_new(s, (wm_tabletype_t){WM_EXTERNREF, {.min = 1}}, NULL);
    wm_extern_t good[4] = {{WM_EXTERN_FUNC, .of.func = f},
                           {WM_EXTERN_MEMORY, .of.memory = mem},
                           {WM_EXTERN_GLOBAL, .of.global = g},
                           {WM_EXTERN_TABLE, .of.table = t}};
    wh_err_t e;
    TH_EQ(try_link(s, m, good, 4, &e), WH_OK);

    wm_extern_t imps[4];
#define VARY(i, field, value)                                                                      \
    (memcpy(imps, good, sizeof imps), imps[i].of.field = (value), try_link(s, m, imps, 4, &e))

    TH_EQ(VARY(0, func, fv), WH_UNLINKABLE);
    TH_HAS(e.msg, "incompatible import type");
    TH_HAS(e.msg, "\"env\" \"f\"");
    /* limits subtyping: min at least 2; a max is required, at most 4 */
    TH_EQ(VARY(1, memory, wm_memory_new(s, (wm_limits_t){1, 4, true, false})), WH_UNLINKABLE);
    TH_HAS(e.msg, "incompatible import type");
    TH_HAS(e.msg, "\"m\"");
    TH_EQ(VARY(1, memory, wm_memory_new(s, (wm_limits_t){2, 0, false, false})), WH_UNLINKABLE);
    TH_EQ(VARY(1, memory, wm_memory_new(s, (wm_limits_t){2, 5, true, false})), WH_UNLINKABLE);
    TH_EQ(VARY(1, memory, wm_memory_new(s, (wm_limits_t){3, 4, true, false})), WH_OK);
    TH_EQ(VARY(1, memory, wm_memory_new(s, (wm_limits_t){2, 2, true, false})), WH_OK);
    /* a 64-bit memory is not a 32-bit one, whatever its limits */
    TH_EQ(VARY(1, memory, wm_memory_new(s, (wm_limits_t){2, 4, true, true})), WH_UNLINKABLE);
    /* a memory that has grown to 3 pages has min 3 */
    wm_memory_t *grown = wm_memory_new(s, (wm_limits_t){1, 4, true, false});
    TH_EQ(VARY(1, memory, grown), WH_UNLINKABLE);
    wm_memory_grow(grown, 2);
    TH_EQ(VARY(1, memory, grown), WH_OK);
    /* globals: exact type and mutability */
    TH_EQ(VARY(2, global,
               wm_global_new(s, (wm_globaltype_t){WM_I64, false}, (wm_val_t){.type = WM_I64})),
          WH_UNLINKABLE);
    TH_HAS(e.msg, "\"g\"");
    TH_EQ(VARY(2, global,
               wm_global_new(s, (wm_globaltype_t){WM_I32, true}, (wm_val_t){.type = WM_I32})),
          WH_UNLINKABLE);
    /* tables: element type and limits */
    TH_EQ(VARY(3, table, wm_table_new(s, (wm_tabletype_t){WM_FUNCREF, {.min = 1}}, NULL)),
          WH_UNLINKABLE);
    TH_EQ(VARY(3, table, wm_table_new(s, (wm_tabletype_t){WM_EXTERNREF, {.min = 0}}, NULL)),
          WH_UNLINKABLE);
    TH_EQ(VARY(3, table, wm_table_new(s, (wm_tabletype_t){WM_EXTERNREF, {.min = 9}}, NULL)), WH_OK);
    /* wrong kind */
    memcpy(imps, good, sizeof imps);
    imps[0] = (wm_extern_t){WM_EXTERN_MEMORY, .of.memory = mem};
    TH_EQ(try_link(s, m, imps, 4, &e), WH_UNLINKABLE);
    TH_HAS(e.msg, "incompatible import type");
    /* missing ones */
    TH_EQ(try_link(s, m, good, 2, &e), WH_UNLINKABLE);
    TH_HAS(e.msg, "unknown import");
    TH_HAS(e.msg, "\"g\"");
    memcpy(imps, good, sizeof imps);
    imps[3].of.table = NULL;
    TH_EQ(try_link(s, m, imps, 4, &e), WH_UNLINKABLE);
    TH_HAS(e.msg, "unknown import");
    TH_EQ(try_link(s, m, NULL, 0, &e), WH_UNLINKABLE);
    wm_store_free(s);
    wm_module_free(m);
#undef VARY
}

/* (import "env" "m" (memory 1)) (import "env" "t" (table 2 funcref)) (func)
 * data and element segments of which the second is out of bounds. */
TH_TEST(instantiate_out_of_bounds_segments)
{
    wm_store_t *s = wm_store_new(NULL);
    wm_memory_t *mem = wm_memory_new(s, (wm_limits_t){.min = 1});
    wm_table_t *tab = wm_table_new(s, (wm_tabletype_t){WM_FUNCREF, {.min = 2}}, NULL);
    wm_extern_t imps[2] = {{WM_EXTERN_MEMORY, .of.memory = mem},
                           {WM_EXTERN_TABLE, .of.table = tab}};
    const tb_section types = TB_SEC(1, 0x01, 0x60, 0x00, 0x00);
    const tb_section imports = TB_SEC(2, 0x02, 0x03, 'e', 'n', 'v', 0x01, 'm', 0x02, 0x00, 0x01,
                                      0x03, 'e', 'n', 'v', 0x01, 't', 0x01, 0x70, 0x00, 0x02);
    const tb_section funcs = TB_SEC(3, 0x01, 0x00);
    const tb_section code = TB_SEC(10, 0x01, 0x02, 0x00, 0x0b);
    wm_instance_t *inst = NULL;
    wh_err_t e;
    uint8_t *d = wm_memory_data(mem);

    /* data "abc" at 0, then "xyz" at 65534: one byte too far */
    tb_module b;
    TB_BUILD(&b, types, imports, funcs, code,
             TB_SEC(11, 0x02, 0x00, 0x41, 0x00, 0x0b, 0x03, 'a', 'b', 'c', 0x00, 0x41, 0xfe, 0xff,
                    0x03, 0x0b, 0x03, 'x', 'y', 'z'));
    wm_module_t *m = load(&b);
    TH_EQ(wm_instantiate(s, m, imps, 2, &inst, &e), WH_TRAP);
    TH_HAS(e.msg, "out of bounds memory access");
    TH_OK(inst == NULL);
    TH_OK(!memcmp(d, "abc", 3)); /* the first segment stays written */
    TH_EQ(d[65534], 0);          /* nothing of the second one */
    TH_EQ(d[65535], 0);
    wm_module_free(m);

    /* empty segments: at the end is fine, past it traps */
    TB_BUILD(&b, types, imports, funcs, code,
             TB_SEC(11, 0x01, 0x00, 0x41, 0x80, 0x80, 0x04, 0x0b, 0x00));
    m = load(&b);
    TH_EQ(wm_instantiate(s, m, imps, 2, &inst, &e), WH_OK);
    wm_module_free(m);
    TB_BUILD(&b, types, imports, funcs, code,
             TB_SEC(11, 0x01, 0x00, 0x41, 0x81, 0x80, 0x04, 0x0b, 0x00));
    m = load(&b);
    TH_EQ(wm_instantiate(s, m, imps, 2, &inst, &e), WH_TRAP);
    wm_module_free(m);
    /* a negative offset is a large unsigned one */
    TB_BUILD(&b, types, imports, funcs, code, TB_SEC(11, 0x01, 0x00, 0x41, 0x7f, 0x0b, 0x01, 'q'));
    m = load(&b);
    TH_EQ(wm_instantiate(s, m, imps, 2, &inst, &e), WH_TRAP);
    wm_module_free(m);

    /* elements: [f] at 1 fits, then [f f] at 1 does not; the data segment
     * after them is never written, as elements are initialised first */
    d[100] = 0;
    TB_BUILD(&b, types, imports, funcs,
             TB_SEC(9, 0x02, 0x00, 0x41, 0x01, 0x0b, 0x01, 0x00, 0x00, 0x41, 0x01, 0x0b, 0x02, 0x00,
                    0x00),
             code, TB_SEC(11, 0x01, 0x00, 0x41, 0xe4, 0x00, 0x0b, 0x01, 'D'));
    m = load(&b);
    TH_EQ(wm_instantiate(s, m, imps, 2, &inst, &e), WH_TRAP);
    TH_HAS(e.msg, "out of bounds table access");
    void *r = NULL;
    TH_OK(wm_table_get(tab, 0, &r) && r == NULL);
    TH_OK(wm_table_get(tab, 1, &r) && r != NULL);
    TH_EQ(((wm_func_t *)r)->index, 0); /* the module's function 0 */
    TH_EQ(d[100], 0);
    wm_module_free(m);
    wm_store_free(s);
}

/* Every allocation of load and instantiate may fail: the result must be
 * WH_NOMEM (or success), never a crash or a leak. */
TH_TEST(load_and_instantiate_out_of_memory)
{
    tb_module b;
    TB_BUILD(&b, TB_SEC(1, 0x01, 0x60, 0x00, 0x00), TB_SEC(3, 0x02, 0x00, 0x00),
             TB_SEC(4, 0x01, 0x70, 0x00, 0x04), TB_SEC(5, 0x01, 0x00, 0x01),
             TB_SEC(6, 0x01, 0x70, 0x00, 0xd2, 0x01, 0x0b),
             TB_SEC(7, 0x02, 0x01, 'a', 0x00, 0x00, 0x01, 'b', 0x02, 0x00),
             TB_SEC(9, 0x02, 0x00, 0x41, 0x00, 0x0b, 0x02, 0x00, 0x01, 0x01, 0x00, 0x01, 0x01),
             TB_SEC(12, 0x02), TB_SEC(10, 0x02, 0x02, 0x00, 0x0b, 0x02, 0x00, 0x0b),
             TB_SEC(11, 0x02, 0x00, 0x41, 0x00, 0x0b, 0x02, 'h', 'i', 0x01, 0x01, '!'));
    bool succeeded = false;
    for (uint64_t n = 1; n < 200 && !succeeded; n++) {
        wm_module_t *m = NULL;
        wm_store_t *s = NULL;
        wm_instance_t *inst = NULL;
        wh_rc rc, rc2 = WH_NOMEM;
        wh_alloc_fail_after(n);
        rc = wm_module_load(b.bytes, b.len, NULL, &m, NULL);
        if (rc == WH_OK && (s = wm_store_new(NULL)))
            rc2 = wm_instantiate(s, m, NULL, 0, &inst, NULL);
        wh_alloc_fail_after(0);
        TH_OK(rc == WH_OK || rc == WH_NOMEM);
        TH_OK(rc2 == WH_OK || rc2 == WH_NOMEM);
        if (rc2 == WH_OK) {
            succeeded = true;
            TH_OK(!memcmp(wm_memory_data(wm_instance_memory(inst)), "hi", 2));
        }
        wm_store_free(s);
        wm_module_free(m);
    }
    TH_OK(succeeded);
}
