/* Tests for wm_module_load on valid modules: index spaces, introspection,
 * constant expressions, every element segment encoding, func_refs. The
 * expected values come from the modules as written here and the spec's
 * rules, not from the decoder's output. */
#include "th.h"
#include "wasm_build.h"

#include <stdio.h>

static wm_module_t *load_ok(const tb_module *b)
{
    wm_module_t *m = NULL;
    wh_err_t e;
    wh_err_clear(&e);
    wh_rc rc = wm_module_load(b->bytes, b->len, NULL, &m, &e);
    if (!TH_EQ(rc, WH_OK))
        fprintf(stderr, "    load: %s at %lld\n", e.msg, (long long)e.offset);
    return m;
}

TH_TEST(decode_empty_module)
{
    static const uint8_t b[] = {TB_MAGIC};
    wm_module_t *m = NULL;
    TH_EQ(wm_module_load(b, sizeof b, NULL, &m, NULL), WH_OK);
    TH_OK(m != NULL);
    TH_EQ(wm_module_import_count(m), 0);
    TH_EQ(wm_module_export_count(m), 0);
    wm_externdesc_t d;
    TH_OK(!wm_module_import(m, 0, &d));
    TH_OK(!wm_module_export(m, 0, &d));
    wm_module_free(m);
    wm_module_free(NULL);
}

/* (type (func (param i32 i32) (result i32))) (type (func))
 * (import "env" "f" (func (type 0))) (import "env" "t" (table 1 10 funcref))
 * (import "env" "m" (memory 1)) (import "env" "g" (global i32))
 * (func (type 1)) (export "run" (func 1)) (export "mem" (memory 0))
 * (export "tab" (table 0)) (export "g" (global 0)) */
TH_TEST(decode_imports_exports)
{
    tb_module b;
    TB_BUILD(&b, TB_SEC(1, 0x02, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x00),
             TB_SEC(2, 0x04,                                                      //
                    0x03, 'e', 'n', 'v', 0x01, 'f', 0x00, 0x00,                   //
                    0x03, 'e', 'n', 'v', 0x01, 't', 0x01, 0x70, 0x01, 0x01, 0x0a, //
                    0x03, 'e', 'n', 'v', 0x01, 'm', 0x02, 0x00, 0x01,             //
                    0x03, 'e', 'n', 'v', 0x01, 'g', 0x03, 0x7f, 0x00),
             TB_SEC(3, 0x01, 0x01),
             TB_SEC(7, 0x04, 0x03, 'r', 'u', 'n', 0x00, 0x01, 0x03, 'm', 'e', 'm', 0x02, 0x00, 0x03,
                    't', 'a', 'b', 0x01, 0x00, 0x01, 'g', 0x03, 0x00),
             TB_SEC(10, 0x01, 0x02, 0x00, 0x0b));
    wm_module_t *m = load_ok(&b);
    if (!m)
        return;
    wm_externdesc_t d;
    TH_EQ(wm_module_import_count(m), 4);
    TH_EQ(wm_module_export_count(m), 4);

    TH_OK(wm_module_import(m, 0, &d));
    TH_STR(d.module, "env");
    TH_STR(d.name, "f");
    TH_EQ(d.kind, WM_EXTERN_FUNC);
    TH_EQ(d.type.func->nparams, 2);
    TH_EQ(d.type.func->nresults, 1);
    TH_EQ(d.type.func->params[1], WM_I32);
    TH_EQ(d.type.func->results[0], WM_I32);

    TH_OK(wm_module_import(m, 1, &d));
    TH_STR(d.name, "t");
    TH_EQ(d.kind, WM_EXTERN_TABLE);
    TH_EQ(d.type.table.elem, WM_FUNCREF);
    TH_EQ(d.type.table.limits.min, 1);
    TH_OK(d.type.table.limits.has_max);
    TH_EQ(d.type.table.limits.max, 10);

    TH_OK(wm_module_import(m, 2, &d));
    TH_EQ(d.kind, WM_EXTERN_MEMORY);
    TH_EQ(d.type.memory.min, 1);
    TH_OK(!d.type.memory.has_max);

    TH_OK(wm_module_import(m, 3, &d));
    TH_EQ(d.kind, WM_EXTERN_GLOBAL);
    TH_EQ(d.type.global.type, WM_I32);
    TH_OK(!d.type.global.mut);
    TH_OK(!wm_module_import(m, 4, &d));

    TH_OK(wm_module_export(m, 0, &d));
    TH_OK(d.module == NULL);
    TH_STR(d.name, "run");
    TH_EQ(d.kind, WM_EXTERN_FUNC);
    TH_EQ(d.type.func->nparams, 0); /* function 1 is the defined one, type 1 */
    TH_OK(wm_module_export(m, 1, &d));
    TH_STR(d.name, "mem");
    TH_EQ(d.kind, WM_EXTERN_MEMORY);
    TH_OK(wm_module_export(m, 2, &d));
    TH_EQ(d.kind, WM_EXTERN_TABLE);
    TH_EQ(d.type.table.limits.max, 10);
    TH_OK(wm_module_export(m, 3, &d));
    TH_STR(d.name, "g");
    TH_EQ(d.kind, WM_EXTERN_GLOBAL);
    TH_OK(!wm_module_export(m, 4, &d));

    /* Index spaces: imports first. */
    TH_EQ(m->nfuncs, 2);
    TH_EQ(m->nfunc_imports, 1);
    TH_OK(m->funcs[0].imported);
    TH_OK(!m->funcs[1].imported);
    TH_EQ(m->funcs[1].type_index, 1);
    TH_EQ(m->ntables, 1);
    TH_EQ(m->nmems, 1);
    TH_EQ(m->nglobals, 1);
    /* The body (0 locals, end) is the module's last two bytes. */
    TH_EQ(m->funcs[1].body_offset, b.len - 2);
    /* Exported functions are declared references; the import is not. */
    TH_OK(m->func_refs[1]);
    TH_OK(!m->func_refs[0]);
    wm_module_free(m);
}

/* Globals with every kind of 2.0 constant expression. */
TH_TEST(decode_global_constexprs)
{
    tb_module b;
    TB_BUILD(&b, TB_SEC(1, 0x01, 0x60, 0x00, 0x00),
             TB_SEC(2, 0x01, 0x03, 'e', 'n', 'v', 0x04, 'b', 'a', 's', 'e', 0x03, 0x7f, 0x00),
             TB_SEC(3, 0x01, 0x00),
             TB_SEC(6, 0x06,                                               //
                    0x7e, 0x00, 0x42, 0x7e, 0x0b,                          /* i64.const -2 */
                    0x7d, 0x01, 0x43, 0x00, 0x00, 0xc0, 0x3f, 0x0b,        /* mut f32 1.5 */
                    0x7f, 0x00, 0x23, 0x00, 0x0b,                          /* global.get 0 */
                    0x70, 0x00, 0xd2, 0x00, 0x0b,                          /* ref.func 0 */
                    0x6f, 0x00, 0xd0, 0x6f, 0x0b,                          /* ref.null extern */
                    0x7f, 0x00, 0x41, 0x80, 0x80, 0x80, 0x80, 0x78, 0x0b), /* INT32_MIN */
             TB_SEC(10, 0x01, 0x02, 0x00, 0x0b));
    wm_module_t *m = load_ok(&b);
    if (!m)
        return;
    TH_EQ(m->nglobals, 7);
    TH_EQ(m->nglobal_imports, 1);
    TH_EQ(m->globals[1].init.op, 0x42);
    TH_EQ(m->globals[1].init.val[0].i64, (uint64_t)-2);
    TH_EQ(m->globals[2].init.op, 0x43);
    TH_EQ(m->globals[2].init.val[0].i32, 0x3fc00000);
    TH_OK(m->globals[2].type.mut);
    TH_EQ(m->globals[3].init.op, 0x23);
    TH_EQ(m->globals[3].init.index, 0);
    TH_EQ(m->globals[4].init.op, 0xd2);
    TH_EQ(m->globals[4].init.type, WM_FUNCREF);
    TH_EQ(m->globals[5].init.op, 0xd0);
    TH_EQ(m->globals[5].init.type, WM_EXTERNREF);
    TH_EQ(m->globals[6].init.val[0].i32, 0x80000000u);
    TH_OK(m->func_refs[0]); /* named by ref.func in a global */
    wm_module_free(m);
}

/* All eight element segment encodings (spec 5.5.12). */
TH_TEST(decode_elem_encodings)
{
    tb_module b;
    TB_BUILD(&b, TB_SEC(1, 0x01, 0x60, 0x00, 0x00), TB_SEC(3, 0x03, 0x00, 0x00, 0x00),
             TB_SEC(4, 0x02, 0x70, 0x00, 0x04, 0x6f, 0x00, 0x02),
             TB_SEC(9, 0x08,                                                    //
                    0x00, 0x41, 0x01, 0x0b, 0x02, 0x01, 0x00,                   /* 0 */
                    0x01, 0x00, 0x01, 0x02,                                     /* 1 */
                    0x02, 0x00, 0x41, 0x00, 0x0b, 0x00, 0x01, 0x00,             /* 2 */
                    0x03, 0x00, 0x01, 0x02,                                     /* 3 */
                    0x04, 0x41, 0x03, 0x0b, 0x01, 0xd2, 0x02, 0x0b,             /* 4 */
                    0x05, 0x70, 0x02, 0xd0, 0x70, 0x0b, 0xd2, 0x01, 0x0b,       /* 5 */
                    0x06, 0x01, 0x41, 0x00, 0x0b, 0x6f, 0x01, 0xd0, 0x6f, 0x0b, /* 6 */
                    0x07, 0x70, 0x01, 0xd2, 0x00, 0x0b),                        /* 7 */
             TB_SEC(10, 0x03, 0x02, 0x00, 0x0b, 0x02, 0x00, 0x0b, 0x02, 0x00, 0x0b));
    wm_module_t *m = load_ok(&b);
    if (!m)
        return;
    TH_EQ(m->nelems, 8);
    static const uint8_t modes[8] = {WM__SEG_ACTIVE,      WM__SEG_PASSIVE,    WM__SEG_ACTIVE,
                                     WM__SEG_DECLARATIVE, WM__SEG_ACTIVE,     WM__SEG_PASSIVE,
                                     WM__SEG_ACTIVE,      WM__SEG_DECLARATIVE};
    static const uint32_t counts[8] = {2, 1, 1, 1, 1, 2, 1, 1};
    for (int i = 0; i < 8; i++) {
        TH_EQ(m->elems[i].mode, modes[i]);
        TH_EQ(m->elems[i].count, counts[i]);
    }
    TH_EQ(m->elems[0].offset.val[0].i32, 1);
    TH_EQ(m->elems[0].items[0].op, 0xd2);
    TH_EQ(m->elems[0].items[0].index, 1);
    TH_EQ(m->elems[0].items[1].index, 0);
    TH_EQ(m->elems[0].elemtype, WM_FUNCREF);
    TH_EQ(m->elems[4].offset.val[0].i32, 3);
    TH_EQ(m->elems[5].items[0].op, 0xd0);
    TH_EQ(m->elems[5].items[1].op, 0xd2);
    TH_EQ(m->elems[6].table, 1);
    TH_EQ(m->elems[6].elemtype, WM_EXTERNREF);
    for (int i = 0; i < 3; i++)
        TH_OK(m->func_refs[i]);
    wm_module_free(m);
}

TH_TEST(decode_data_and_datacount)
{
    tb_module b;
    TB_BUILD(&b, TB_SEC(5, 0x01, 0x01, 0x01, 0x02), TB_SEC(12, 0x02),
             TB_SEC(11, 0x02, 0x00, 0x41, 0x10, 0x0b, 0x03, 'a', 'b', 'c', 0x01, 0x02, 'x', 'y'));
    wm_module_t *m = load_ok(&b);
    if (!m)
        return;
    TH_OK(m->has_datacount);
    TH_EQ(m->datacount, 2);
    TH_EQ(m->ndatas, 2);
    TH_EQ(m->datas[0].mode, WM__SEG_ACTIVE);
    TH_EQ(m->datas[0].offset.val[0].i32, 16);
    TH_EQ(m->datas[0].len, 3);
    TH_OK(!memcmp(m->datas[0].bytes, "abc", 3));
    /* copied: the segment does not point into the input */
    TH_OK(m->datas[0].bytes < b.bytes || m->datas[0].bytes >= b.bytes + b.len);
    TH_EQ(m->datas[1].mode, WM__SEG_PASSIVE);
    TH_EQ(m->datas[1].len, 2);
    TH_EQ(m->mems[0].limits.max, 2);
    wm_module_free(m);
}

/* Custom sections may appear anywhere, even between ordered sections. */
TH_TEST(decode_custom_sections_anywhere)
{
    tb_module b;
    TB_BUILD(&b, TB_SEC(0, 0x01, 'a', 1, 2, 3), TB_SEC(1, 0x01, 0x60, 0x00, 0x00), TB_SEC(0, 0x00),
             TB_SEC(3, 0x01, 0x00), TB_SEC(0, 0x02, 0xc3, 0xa9), TB_SEC(10, 0x01, 0x02, 0x00, 0x0b),
             TB_SEC(0, 0x01, 'z'));
    wm_module_t *m = load_ok(&b);
    if (m)
        TH_EQ(m->nfuncs, 1);
    wm_module_free(m);
}
