/* Tests for cm__layout against CanonicalABI.md's rules, with values worked
 * out by hand from the spec's definitions. */
#include "component/internal.h"
#include "th.h"

static cm_type_t mk(wh_arena_t *a, uint8_t kind, uint32_t n, const cm_type_t **elems)
{
    cm_type_t t = {.kind = kind, .n = n, .elems = elems};
    cm__layout(&t, a);
    return t;
}

TH_TEST(layout_record_pads_fields_and_size)
{
    wh_arena_t a;
    wh_arena_init(&a, 0);
    const cm_type_t *f[] = {cm_prim(CM_U8), cm_prim(CM_U32), cm_prim(CM_U16)};
    cm_type_t r = mk(&a, CM_RECORD, 3, f);
    TH_EQ(r.align, 4);
    TH_EQ(r.size, 12); /* u8 at 0, u32 at 4, u16 at 8, rounded up to 4 */
    TH_EQ(r.nflat, 3);
    cm_type_t empty = mk(&a, CM_RECORD, 0, NULL);
    TH_EQ(empty.size, 0);
    TH_EQ(empty.align, 1);
    wh_arena_free(&a);
}

TH_TEST(layout_result_joins_payload_flats)
{
    wh_arena_t a;
    wh_arena_init(&a, 0);
    const cm_type_t *rs[] = {cm_prim(CM_U64), cm_prim(CM_STRING)};
    cm_type_t r = mk(&a, CM_RESULT, 2, rs);
    TH_EQ(r.align, 8);
    TH_EQ(r.size, 16); /* tag, then the payload at 8 */
    TH_EQ(r.nflat, 3);
    TH_EQ(r.flat[0], WM_I32);
    TH_EQ(r.flat[1], WM_I64); /* u64 joined with a string's pointer */
    TH_EQ(r.flat[2], WM_I32);
    const cm_type_t *fu[] = {cm_prim(CM_F32), cm_prim(CM_U32)};
    cm_type_t v = mk(&a, CM_VARIANT, 2, fu);
    TH_EQ(v.nflat, 2);
    TH_EQ(v.flat[1], WM_I32); /* f32 and i32 join to i32 */
    const cm_type_t *fl[] = {cm_prim(CM_F32), cm_prim(CM_F64)};
    cm_type_t w = mk(&a, CM_VARIANT, 2, fl);
    TH_EQ(w.flat[1], WM_I64);
    const cm_type_t *none[] = {NULL, NULL};
    cm_type_t e = mk(&a, CM_RESULT, 2, none);
    TH_EQ(e.size, 1);
    TH_EQ(e.nflat, 1);
    wh_arena_free(&a);
}

TH_TEST(layout_option_flags_enum_list)
{
    wh_arena_t a;
    wh_arena_init(&a, 0);
    const cm_type_t *f64[] = {cm_prim(CM_F64)};
    cm_type_t o = mk(&a, CM_OPTION, 1, f64);
    TH_EQ(o.size, 16);
    TH_EQ(o.flat[1], WM_F64);
    cm_type_t fl9 = mk(&a, CM_FLAGS, 9, NULL);
    TH_EQ(fl9.size, 2);
    cm_type_t fl32 = mk(&a, CM_FLAGS, 32, NULL);
    TH_EQ(fl32.size, 4);
    cm_type_t en = mk(&a, CM_ENUM, 300, NULL);
    TH_EQ(en.size, 2); /* 300 cases need a u16 */
    const cm_type_t *u8[] = {cm_prim(CM_U8)};
    cm_type_t l = mk(&a, CM_LIST, 1, u8);
    TH_EQ(l.size, 8);
    TH_EQ(l.nflat, 2);
    wh_arena_free(&a);
}

static cm_type_t mk_fixed(wh_arena_t *a, const cm_type_t **elem, uint32_t length)
{
    cm_type_t t = {.kind = CM_FIXED_LIST, .n = 1, .length = length, .elems = elem};
    cm__layout(&t, a);
    return t;
}

/* CanonicalABI.md: map<K, V> lays out as list<tuple<K, V>>; list<T, N> as
 * N T's in place, aligned as T, flat as N times T's flat values. */
TH_TEST(layout_map_and_fixed_list)
{
    wh_arena_t a;
    wh_arena_init(&a, 0);
    const cm_type_t *kv[] = {cm_prim(CM_U8), cm_prim(CM_U64)};
    cm_type_t m = mk(&a, CM_MAP, 2, kv);
    TH_EQ(m.size, 8);
    TH_EQ(m.align, 4);
    TH_EQ(m.nflat, 2);
    TH_EQ(m.flat[0], WM_I32);
    TH_EQ(m.flat[1], WM_I32);
    const cm_type_t *f64[] = {cm_prim(CM_F64)};
    cm_type_t l = mk_fixed(&a, f64, 3);
    TH_EQ(l.size, 24);
    TH_EQ(l.align, 8);
    TH_EQ(l.nflat, 3);
    TH_EQ(l.flat[2], WM_F64);
    /* in a record: record { a: list<u8, 3>, b: u32 } pads the list to 4 */
    const cm_type_t *u8[] = {cm_prim(CM_U8)};
    cm_type_t l3 = mk_fixed(&a, u8, 3);
    const cm_type_t *f[] = {&l3, cm_prim(CM_U32)};
    cm_type_t r = mk(&a, CM_RECORD, 2, f);
    TH_EQ(r.size, 8);
    TH_EQ(r.nflat, 4);
    /* in a variant: its flat values join with the other case's */
    const cm_type_t *cases[] = {&l, cm_prim(CM_U32)};
    cm_type_t v = mk(&a, CM_VARIANT, 2, cases);
    TH_EQ(v.nflat, 4);
    TH_EQ(v.flat[1], WM_I64); /* f64 joined with i32 */
    TH_EQ(v.flat[2], WM_F64);
    wh_arena_free(&a);
}

/* A type valid at the spec's limit (list<u8, 2^28 - 1>) flattens to more
 * values than any function passes flat: its count saturates and no flat
 * array is made, and so for whatever holds it. */
TH_TEST(layout_huge_fixed_list_saturates_flat_count)
{
    wh_arena_t a;
    wh_arena_init(&a, 0);
    const cm_type_t *u8[] = {cm_prim(CM_U8)};
    cm_type_t big = mk_fixed(&a, u8, (1u << 28) - 1);
    TH_EQ(big.size, (1u << 28) - 1);
    TH_EQ(big.nflat, CM__FLAT_MANY);
    TH_OK(big.flat == NULL);
    cm_type_t edge = mk_fixed(&a, u8, CM__FLAT_CAP);
    TH_EQ(edge.nflat, CM__FLAT_CAP);
    TH_OK(edge.flat != NULL);
    const cm_type_t *f[] = {&edge, cm_prim(CM_U8)};
    cm_type_t r = mk(&a, CM_RECORD, 2, f);
    TH_EQ(r.nflat, CM__FLAT_MANY);
    const cm_type_t *o[] = {&big};
    cm_type_t opt = mk(&a, CM_OPTION, 1, o);
    TH_EQ(opt.nflat, CM__FLAT_MANY);
    TH_EQ(opt.size, (1u << 28));
    wh_arena_free(&a);
}
