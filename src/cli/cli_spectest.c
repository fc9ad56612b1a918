/*
 * cli_spectest.c — the `spectest` host module that the WebAssembly spec
 * scripts import from (the reference interpreter's spectest.ml defines the
 * same names and values).
 *
 * The print functions print nothing: the scripts only need them to exist
 * with the right types, and silence keeps the runner's output to results.
 */
#include "cli_wast.h"

#include <string.h>

/* Empty lists point at a real byte rather than NULL, so that comparing two
 * types with memcmp(p, q, 0) never receives a null pointer. */
static const uint8_t t_none[1] = {0};
static const uint8_t t_i32[] = {WM_I32};
static const uint8_t t_i64[] = {WM_I64};
static const uint8_t t_f32[] = {WM_F32};
static const uint8_t t_f64[] = {WM_F64};
static const uint8_t t_i32_f32[] = {WM_I32, WM_F32};
static const uint8_t t_f64_f64[] = {WM_F64, WM_F64};

static const struct {
    const char *name;
    wm_functype_t type;
} prints[] = {
    {"print", {0, 0, t_none, t_none}},
    {"print_i32", {1, 0, t_i32, t_none}},
    {"print_i64", {1, 0, t_i64, t_none}},
    {"print_f32", {1, 0, t_f32, t_none}},
    {"print_f64", {1, 0, t_f64, t_none}},
    {"print_i32_f32", {2, 0, t_i32_f32, t_none}},
    {"print_f64_f64", {2, 0, t_f64_f64, t_none}},
};

static wh_rc print_nothing(wm_call_t *call, void *env, wm_slot *args)
{
    (void)call, (void)env, (void)args;
    return WH_OK;
}

static bool add(cli_spectest_t *st, const char *name, uint8_t kind, void *obj)
{
    if (!obj)
        return false;
    cli_spectest_item *it = &st->items[st->n++];
    it->name = name;
    it->ext.kind = kind;
    switch (kind) {
    case WM_EXTERN_FUNC:
        it->ext.of.func = obj;
        break;
    case WM_EXTERN_TABLE:
        it->ext.of.table = obj;
        break;
    case WM_EXTERN_MEMORY:
        it->ext.of.memory = obj;
        break;
    default:
        it->ext.of.global = obj;
        break;
    }
    return true;
}

static wm_global_t *global(wm_store_t *s, uint8_t type, uint64_t bits)
{
    wm_val_t v;
    memset(&v, 0, sizeof v);
    v.type = type;
    if (type == WM_I32 || type == WM_F32)
        v.of.i32 = (uint32_t)bits;
    else
        v.of.i64 = bits;
    return wm_global_new(s, (wm_globaltype_t){.type = type, .mut = false}, v);
}

wh_rc cli_spectest_init(cli_spectest_t *st, wm_store_t *s, wh_err_t *err)
{
    st->n = 0;
    for (size_t i = 0; i < WH_ARRAY_LEN(prints); i++)
        if (!add(st, prints[i].name, WM_EXTERN_FUNC,
                 wm_func_new_host(s, &prints[i].type, print_nothing, NULL)))
            goto nomem;

    /* 666.6 rounded to each width: the bits of the nearest f32 and f64. */
    float f32 = 666.6f;
    double f64 = 666.6;
    uint32_t f32_bits;
    uint64_t f64_bits;
    memcpy(&f32_bits, &f32, 4);
    memcpy(&f64_bits, &f64, 8);
    if (!add(st, "global_i32", WM_EXTERN_GLOBAL, global(s, WM_I32, 666)) ||
        !add(st, "global_i64", WM_EXTERN_GLOBAL, global(s, WM_I64, 666)) ||
        !add(st, "global_f32", WM_EXTERN_GLOBAL, global(s, WM_F32, f32_bits)) ||
        !add(st, "global_f64", WM_EXTERN_GLOBAL, global(s, WM_F64, f64_bits)))
        goto nomem;

    wm_tabletype_t tt = {.elem = WM_FUNCREF, .limits = {.min = 10, .max = 20, .has_max = true}};
    if (!add(st, "table", WM_EXTERN_TABLE, wm_table_new(s, tt, NULL)))
        goto nomem;
    tt.limits.is64 = true; /* the same with i64 indices (memory64's scripts) */
    if (!add(st, "table64", WM_EXTERN_TABLE, wm_table_new(s, tt, NULL)))
        goto nomem;
    wm_limits_t ml = {.min = 1, .max = 2, .has_max = true};
    if (!add(st, "memory", WM_EXTERN_MEMORY, wm_memory_new(s, ml)))
        goto nomem;
    return WH_OK;

nomem:
    /* What was made stays in the store and goes with it. */
    st->n = 0;
    return wh_err(err, WH_NOMEM, -1, "out of memory creating the spectest module");
}

bool cli_spectest_find(const cli_spectest_t *st, const char *name, wm_extern_t *out)
{
    for (uint32_t i = 0; i < st->n; i++)
        if (!strcmp(st->items[i].name, name)) {
            *out = st->items[i].ext;
            return true;
        }
    return false;
}
