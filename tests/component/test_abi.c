/* Tests for the canonical ABI's lifting and lowering (cm_abi.c) against a
 * real linear memory and realloc (tests/component/wat/abimem.wat), with
 * expected bytes worked out from CanonicalABI.md. */
#include "component/cm_rt.h"
#include "th.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct {
    cm_instance_t inst;
    uint8_t *bytes;
    wm_module_t *mod;
    wm_instance_t *wi;
    cm__ropts opts;
    wh_arena_t arena;
    wh_err_t err;
    cm__cx cx;
} env;

static bool setup(env *e, uint8_t encoding)
{
    memset(e, 0, sizeof *e);
    char path[512];
    size_t len;
    snprintf(path, sizeof path, "%s/abimem.wasm", WH_TEST_WAT_DIR);
    if (!TH_EQ(wh_read_file(path, &e->bytes, &len, NULL), WH_OK) ||
        !TH_EQ(wm_module_load(e->bytes, len, NULL, &e->mod, NULL), WH_OK))
        return false;
    e->inst.store = wm_store_new(NULL);
    if (!TH_EQ(wm_instantiate(e->inst.store, e->mod, NULL, 0, &e->wi, NULL), WH_OK))
        return false;
    wm_extern_t x;
    wm_instance_export(e->wi, "memory", &x);
    e->opts.memory = x.of.memory;
    wm_instance_export(e->wi, "realloc", &x);
    e->opts.realloc = x.of.func;
    e->opts.encoding = encoding;
    wh_arena_init(&e->arena, 0);
    e->cx = (cm__cx){.inst = &e->inst, .opts = &e->opts, .arena = &e->arena, .err = &e->err};
    return true;
}

static void teardown(env *e)
{
    wm_store_free(e->inst.store);
    wm_module_free(e->mod);
    wh_free(e->bytes);
    wh_arena_free(&e->arena);
}

static uint8_t *mem(env *e)
{
    return wm_memory_data(e->opts.memory);
}

static cm_type_t mk(wh_arena_t *a, uint8_t kind, uint32_t n, const cm_type_t **elems)
{
    cm_type_t t = {.kind = kind, .n = n, .elems = elems};
    cm__layout(&t, a);
    return t;
}

static cm_val_t str(const char *s)
{
    return (cm_val_t){.kind = CM_STRING, .of.str = {s, strlen(s)}};
}

TH_TEST(abi_string_utf8_roundtrip_through_memory)
{
    env e;
    if (!setup(&e, CM_UTF8))
        return;
    cm_val_t v = str("h\xc3\xa9llo"), back;
    TH_EQ(cm__lower_mem(&e.cx, cm_prim(CM_STRING), &v, 16), WH_OK);
    uint32_t ptr, len;
    memcpy(&ptr, mem(&e) + 16, 4);
    memcpy(&len, mem(&e) + 20, 4);
    TH_EQ(len, 6); /* bytes, in UTF-8 */
    TH_OK(!memcmp(mem(&e) + ptr, "h\xc3\xa9llo", 6));
    TH_EQ(cm__lift_mem(&e.cx, cm_prim(CM_STRING), 16, &back), WH_OK);
    TH_EQ(back.of.str.len, 6);
    TH_OK(!memcmp(back.of.str.ptr, "h\xc3\xa9llo", 6));
    teardown(&e);
}

/* list<u8> and list<s8> are bytes on both sides (cm.h): lowered by one
 * copy into the guest, lifted as a copy that later guest writes leave
 * alone, through memory and flat. */
TH_TEST(abi_byte_lists)
{
    env e;
    if (!setup(&e, CM_UTF8))
        return;
    const cm_type_t *u8[] = {cm_prim(CM_U8)}, *s8[] = {cm_prim(CM_S8)};
    cm_type_t lu8 = mk(&e.arena, CM_LIST, 1, u8), ls8 = mk(&e.arena, CM_LIST, 1, s8);
    TH_OK(cm_type_is_bytes(&lu8) && cm_type_is_bytes(&ls8));
    const uint8_t data[5] = {0, 1, 0x7f, 0x80, 0xff};
    cm_val_t v = {.kind = CM_LIST, .of.bytes = {data, 5}}, back;
    TH_EQ(cm__lower_mem(&e.cx, &lu8, &v, 32), WH_OK);
    uint32_t ptr, len;
    memcpy(&ptr, mem(&e) + 32, 4);
    memcpy(&len, mem(&e) + 36, 4);
    TH_EQ(len, 5);
    TH_OK(!memcmp(mem(&e) + ptr, data, 5));
    TH_EQ(cm__lift_mem(&e.cx, &ls8, 32, &back), WH_OK);
    TH_EQ(back.kind, CM_LIST);
    TH_EQ(back.of.bytes.n, 5);
    TH_OK(!memcmp(back.of.bytes.ptr, data, 5));
    mem(&e)[ptr] = 9; /* the lifted value is a copy */
    TH_EQ(back.of.bytes.ptr[0], 0);
    /* flat: (ptr, len) */
    wm_slot flat[2];
    uint32_t i = 0;
    TH_EQ(cm__lower_flat(&e.cx, &lu8, &v, flat, 2, &i), WH_OK);
    TH_EQ(flat[1].i32, 5);
    TH_OK(!memcmp(mem(&e) + flat[0].i32, data, 5));
    i = 0;
    TH_EQ(cm__lift_flat(&e.cx, &lu8, flat, 2, &i, &back), WH_OK);
    TH_EQ(back.of.bytes.n, 5);
    TH_OK(!memcmp(back.of.bytes.ptr, data, 5));
    /* empty, and out of bounds */
    cm_val_t none = {.kind = CM_LIST, .of.bytes = {NULL, 0}};
    TH_EQ(cm__lower_mem(&e.cx, &lu8, &none, 40), WH_OK);
    TH_EQ(cm__lift_mem(&e.cx, &lu8, 40, &back), WH_OK);
    TH_EQ(back.of.bytes.n, 0);
    uint32_t far[2] = {0xfffffff0u, 64};
    memcpy(mem(&e) + 48, far, 8);
    TH_EQ(cm__lift_mem(&e.cx, &lu8, 48, &back), WH_TRAP);
    teardown(&e);
}

TH_TEST(abi_string_utf16_and_latin1)
{
    env e;
    if (!setup(&e, CM_UTF16))
        return;
    cm_val_t v = str("a\xf0\x9f\x98\x80"), back; /* 'a' and U+1F600: 3 UTF-16 units */
    TH_EQ(cm__lower_mem(&e.cx, cm_prim(CM_STRING), &v, 16), WH_OK);
    uint32_t ptr, len;
    memcpy(&ptr, mem(&e) + 16, 4);
    memcpy(&len, mem(&e) + 20, 4);
    TH_EQ(len, 3);
    const uint8_t want[] = {'a', 0, 0x3d, 0xd8, 0x00, 0xde}; /* D83D DE00 little-endian */
    TH_OK(!memcmp(mem(&e) + ptr, want, 6));
    TH_EQ(cm__lift_mem(&e.cx, cm_prim(CM_STRING), 16, &back), WH_OK);
    TH_EQ(back.of.str.len, 5);
    TH_OK(!memcmp(back.of.str.ptr, "a\xf0\x9f\x98\x80", 5));
    /* latin1+utf16: all below U+0100 stays Latin-1, one byte each, no tag */
    e.opts.encoding = CM_LATIN1_UTF16;
    cm_val_t l = str("caf\xc3\xa9");
    TH_EQ(cm__lower_mem(&e.cx, cm_prim(CM_STRING), &l, 24), WH_OK);
    memcpy(&ptr, mem(&e) + 24, 4);
    memcpy(&len, mem(&e) + 28, 4);
    TH_EQ(len, 4);
    TH_EQ(mem(&e)[ptr + 3], 0xe9);
    TH_EQ(cm__lift_mem(&e.cx, cm_prim(CM_STRING), 24, &back), WH_OK);
    TH_EQ(back.of.str.len, 5);
    /* beyond Latin-1 it is UTF-16 with the tag bit in the length */
    TH_EQ(cm__lower_mem(&e.cx, cm_prim(CM_STRING), &v, 32), WH_OK);
    memcpy(&len, mem(&e) + 36, 4);
    TH_EQ(len, 3u | 0x80000000u);
    TH_EQ(cm__lift_mem(&e.cx, cm_prim(CM_STRING), 32, &back), WH_OK);
    TH_EQ(back.of.str.len, 5);
    teardown(&e);
}

TH_TEST(abi_traps_on_bad_guest_data)
{
    env e;
    if (!setup(&e, CM_UTF8))
        return;
    cm_val_t v;
    /* a string pointing past the end of memory */
    uint32_t bad[2] = {65530, 100};
    memcpy(mem(&e) + 8, bad, 8);
    TH_EQ(cm__lift_mem(&e.cx, cm_prim(CM_STRING), 8, &v), WH_TRAP);
    TH_HAS(e.err.msg, "out of bounds");
    /* invalid UTF-8 */
    memcpy(mem(&e) + 100, "\xc0\x80", 2);
    uint32_t s2[2] = {100, 2};
    memcpy(mem(&e) + 8, s2, 8);
    TH_EQ(cm__lift_mem(&e.cx, cm_prim(CM_STRING), 8, &v), WH_TRAP);
    TH_HAS(e.err.msg, "invalid UTF-8");
    /* misaligned u32 */
    TH_EQ(cm__lift_mem(&e.cx, cm_prim(CM_U32), 2, &v), WH_TRAP);
    TH_HAS(e.err.msg, "aligned");
    /* a surrogate is not a char */
    uint32_t sur = 0xd800;
    memcpy(mem(&e) + 8, &sur, 4);
    TH_EQ(cm__lift_mem(&e.cx, cm_prim(CM_CHAR), 8, &v), WH_TRAP);
    /* discriminant out of range */
    const cm_type_t *opt_elems[] = {cm_prim(CM_U8)};
    cm_type_t opt = mk(&e.arena, CM_OPTION, 1, opt_elems);
    mem(&e)[8] = 2;
    TH_EQ(cm__lift_mem(&e.cx, &opt, 8, &v), WH_TRAP);
    TH_HAS(e.err.msg, "discriminant");
    /* an absurd list length is refused, not allocated */
    const cm_type_t *u8[] = {cm_prim(CM_U8)};
    cm_type_t l = mk(&e.arena, CM_LIST, 1, u8);
    uint32_t big[2] = {0, 0xffffffffu};
    memcpy(mem(&e) + 8, big, 8);
    TH_EQ(cm__lift_mem(&e.cx, &l, 8, &v), WH_TRAP);
    teardown(&e);
}

TH_TEST(abi_record_variant_list_roundtrip)
{
    env e;
    if (!setup(&e, CM_UTF8))
        return;
    wh_arena_t *a = &e.arena;
    /* record { id: u16, name: string, tags: list<u32>, score: option<f64> } */
    const cm_type_t *u32e[] = {cm_prim(CM_U32)};
    cm_type_t lu32 = mk(a, CM_LIST, 1, u32e);
    const cm_type_t *f64e[] = {cm_prim(CM_F64)};
    cm_type_t of64 = mk(a, CM_OPTION, 1, f64e);
    const cm_type_t *fields[] = {cm_prim(CM_U16), cm_prim(CM_STRING), &lu32, &of64};
    cm_type_t rec = mk(a, CM_RECORD, 4, fields);
    TH_EQ(rec.size, 40); /* u16 at 0, string at 4, list at 12, option<f64> at 24 (16 bytes) */
    TH_EQ(rec.align, 8);
    cm_val_t tags[3] = {{.kind = CM_U32, .of.u = 7},
                        {.kind = CM_U32, .of.u = 0xffffffffu},
                        {.kind = CM_U32, .of.u = 0}};
    cm_val_t score = {.kind = CM_F64, .of.f64 = 2.5};
    cm_val_t fv[4] = {{.kind = CM_U16, .of.u = 65535},
                      str("x"),
                      {.kind = CM_LIST, .of.list = {tags, 3}},
                      {.kind = CM_OPTION, .of.var = {1, &score}}};
    cm_val_t v = {.kind = CM_RECORD, .of.list = {fv, 4}}, back;
    TH_EQ(cm__lower_mem(&e.cx, &rec, &v, 64), WH_OK);
    TH_EQ(cm__lift_mem(&e.cx, &rec, 64, &back), WH_OK);
    TH_EQ(back.of.list.n, 4);
    TH_EQ(back.of.list.v[0].of.u, 65535);
    TH_EQ(back.of.list.v[2].of.list.n, 3);
    TH_EQ(back.of.list.v[2].of.list.v[1].of.u, 0xffffffffu);
    TH_EQ(back.of.list.v[3].of.var.tag, 1);
    TH_OK(back.of.list.v[3].of.var.v->of.f64 == 2.5);
    /* flat: the same record is u16→i32, string→2, list→2, option<f64>→(i32, f64) */
    TH_EQ(rec.nflat, 7);
    wm_slot flat[7];
    uint32_t i = 0;
    TH_EQ(cm__lower_flat(&e.cx, &rec, &v, flat, 7, &i), WH_OK);
    TH_EQ(i, 7);
    TH_EQ(flat[0].i32, 65535);
    TH_EQ(flat[5].i32, 1);
    i = 0;
    TH_EQ(cm__lift_flat(&e.cx, &rec, flat, 7, &i, &back), WH_OK);
    TH_OK(back.of.list.v[3].of.var.v->of.f64 == 2.5);
    teardown(&e);
}

TH_TEST(abi_variant_payload_coercion_in_flat_form)
{
    env e;
    if (!setup(&e, CM_UTF8))
        return;
    /* variant { a(f32), b(u64) }: flat (i32, i64); a's f32 rides in the i64 */
    const cm_type_t *cases[] = {cm_prim(CM_F32), cm_prim(CM_U64)};
    cm_type_t var = mk(&e.arena, CM_VARIANT, 2, cases);
    cm_val_t pay = {.kind = CM_F32, .of.f32 = -1.5f}, v = {.kind = CM_VARIANT, .of.var = {0, &pay}};
    wm_slot flat[2];
    uint32_t i = 0;
    TH_EQ(cm__lower_flat(&e.cx, &var, &v, flat, 2, &i), WH_OK);
    TH_EQ(flat[1].i64, 0xbfc00000u); /* the f32's bits, zero-extended */
    cm_val_t back;
    i = 0;
    TH_EQ(cm__lift_flat(&e.cx, &var, flat, 2, &i, &back), WH_OK);
    TH_EQ(back.of.var.tag, 0);
    TH_OK(back.of.var.v->of.f32 == -1.5f);
    /* s8 lowers sign-extended to 32 bits */
    cm_val_t m = {.kind = CM_S8, .of.s = -2};
    i = 0;
    TH_EQ(cm__lower_flat(&e.cx, cm_prim(CM_S8), &m, flat, 1, &i), WH_OK);
    TH_EQ(flat[0].i32, 0xfffffffeu);
    teardown(&e);
}

static cm_type_t mk_fixed(wh_arena_t *a, const cm_type_t **elem, uint32_t length)
{
    cm_type_t t = {.kind = CM_FIXED_LIST, .n = 1, .length = length, .elems = elem};
    cm__layout(&t, a);
    return t;
}

static cm_val_t entry(cm_val_t *kv)
{
    return (cm_val_t){.kind = CM_TUPLE, .of.list = {kv, 2}};
}

/* map<string, u32> is list<tuple<string, u32>> in memory: 12-byte entries,
 * the value at offset 8, in the order given, a repeated key kept. */
TH_TEST(abi_map_roundtrip_through_memory_and_flat)
{
    env e;
    if (!setup(&e, CM_UTF8))
        return;
    const cm_type_t *kv[] = {cm_prim(CM_STRING), cm_prim(CM_U32)};
    cm_type_t m = mk(&e.arena, CM_MAP, 2, kv);
    TH_EQ(m.size, 8);
    TH_EQ(m.align, 4);
    TH_EQ(m.nflat, 2);
    cm_val_t p0[2] = {str("b"), {.kind = CM_U32, .of.u = 2}};
    cm_val_t p1[2] = {str("a"), {.kind = CM_U32, .of.u = 0xffffffffu}};
    cm_val_t p2[2] = {str("b"), {.kind = CM_U32, .of.u = 3}};
    cm_val_t ents[3] = {entry(p0), entry(p1), entry(p2)};
    cm_val_t v = {.kind = CM_MAP, .of.list = {ents, 3}}, back;
    TH_EQ(cm__lower_mem(&e.cx, &m, &v, 64), WH_OK);
    uint32_t ptr, len, val, kp, kl;
    memcpy(&ptr, mem(&e) + 64, 4);
    memcpy(&len, mem(&e) + 68, 4);
    TH_EQ(len, 3);
    TH_EQ(ptr % 4, 0);
    memcpy(&val, mem(&e) + ptr + 12 + 8, 4); /* entry 1's value */
    TH_EQ(val, 0xffffffffu);
    memcpy(&kp, mem(&e) + ptr + 24, 4); /* entry 2's key */
    memcpy(&kl, mem(&e) + ptr + 28, 4);
    TH_EQ(kl, 1);
    TH_EQ(mem(&e)[kp], 'b');
    TH_EQ(cm__lift_mem(&e.cx, &m, 64, &back), WH_OK);
    TH_EQ(back.kind, CM_MAP);
    TH_EQ(back.of.list.n, 3);
    TH_EQ(back.of.list.v[1].kind, CM_TUPLE);
    TH_EQ(back.of.list.v[1].of.list.n, 2);
    TH_OK(back.of.list.v[1].of.list.v[0].of.str.len == 1 &&
          back.of.list.v[1].of.list.v[0].of.str.ptr[0] == 'a');
    TH_EQ(back.of.list.v[1].of.list.v[1].of.u, 0xffffffffu);
    TH_EQ(back.of.list.v[2].of.list.v[1].of.u, 3);
    /* flat: (ptr, len) of the same array */
    wm_slot flat[2];
    uint32_t i = 0;
    TH_EQ(cm__lower_flat(&e.cx, &m, &v, flat, 2, &i), WH_OK);
    TH_EQ(i, 2);
    TH_EQ(flat[1].i32, 3);
    memcpy(&val, mem(&e) + flat[0].i32 + 8, 4);
    TH_EQ(val, 2);
    i = 0;
    TH_EQ(cm__lift_flat(&e.cx, &m, flat, 2, &i, &back), WH_OK);
    TH_EQ(back.of.list.n, 3);
    TH_EQ(back.of.list.v[0].of.list.v[1].of.u, 2);
    /* map<u8, u64>: 16-byte entries aligned to 8, the value at 8 */
    const cm_type_t *kv2[] = {cm_prim(CM_U8), cm_prim(CM_U64)};
    cm_type_t m2 = mk(&e.arena, CM_MAP, 2, kv2);
    cm_val_t q[2] = {{.kind = CM_U8, .of.u = 255}, {.kind = CM_U64, .of.u = 7}};
    cm_val_t ent2 = entry(q);
    cm_val_t v2 = {.kind = CM_MAP, .of.list = {&ent2, 1}};
    TH_EQ(cm__lower_mem(&e.cx, &m2, &v2, 72), WH_OK);
    memcpy(&ptr, mem(&e) + 72, 4);
    TH_EQ(ptr % 8, 0);
    TH_EQ(mem(&e)[ptr], 255);
    uint64_t v64;
    memcpy(&v64, mem(&e) + ptr + 8, 8);
    TH_EQ(v64, 7);
    teardown(&e);
}

/* A guest's map is checked before anything is allocated for it, and each
 * key and value is validated as its type says; a host value that is not
 * a map of pairs is refused. */
TH_TEST(abi_map_limits_and_malformed_entries)
{
    env e;
    if (!setup(&e, CM_UTF8))
        return;
    const cm_type_t *kv[] = {cm_prim(CM_U8), cm_prim(CM_U8)};
    cm_type_t m = mk(&e.arena, CM_MAP, 2, kv);
    cm_val_t v;
    /* 2^31 - 1 entries of 2 bytes: beyond CanonicalABI.md's 2^28 - 1 bytes */
    uint32_t huge[2] = {0, 0x7fffffffu};
    memcpy(mem(&e) + 8, huge, 8);
    wh_arena_mark_t before = wh_arena_mark(&e.arena);
    TH_EQ(cm__lift_mem(&e.cx, &m, 8, &v), WH_TRAP);
    TH_HAS(e.err.msg, "exceeds the maximum length");
    /* nothing was allocated for its entries */
    TH_OK(wh_arena_mark(&e.arena).head == before.head &&
          wh_arena_mark(&e.arena).used - before.used < 256);
    /* within that length but past the end of the memory */
    uint32_t far[2] = {0, 1u << 20};
    memcpy(mem(&e) + 8, far, 8);
    TH_EQ(cm__lift_mem(&e.cx, &m, 8, &v), WH_TRAP);
    TH_HAS(e.err.msg, "out of bounds");
    TH_OK(wh_arena_mark(&e.arena).head == before.head &&
          wh_arena_mark(&e.arena).used - before.used < 256);
    /* misaligned entries of map<u32, u8> */
    const cm_type_t *kv4[] = {cm_prim(CM_U32), cm_prim(CM_U8)};
    cm_type_t m4 = mk(&e.arena, CM_MAP, 2, kv4);
    uint32_t odd[2] = {2, 1};
    memcpy(mem(&e) + 8, odd, 8);
    TH_EQ(cm__lift_mem(&e.cx, &m4, 8, &v), WH_TRAP);
    TH_HAS(e.err.msg, "aligned");
    /* a key that is no char: map<char, bool> */
    const cm_type_t *kvc[] = {cm_prim(CM_CHAR), cm_prim(CM_BOOL)};
    cm_type_t mc = mk(&e.arena, CM_MAP, 2, kvc);
    TH_EQ(mc.size, 8);
    uint32_t ent[2] = {0xdfff, 1};
    uint32_t at[2] = {256, 1};
    memcpy(mem(&e) + 256, ent, 8);
    memcpy(mem(&e) + 8, at, 8);
    TH_EQ(cm__lift_mem(&e.cx, &mc, 8, &v), WH_TRAP);
    TH_HAS(e.err.msg, "not a valid char");
    /* a key that is not UTF-8: map<string, u8> */
    const cm_type_t *kvs[] = {cm_prim(CM_STRING), cm_prim(CM_U8)};
    cm_type_t ms = mk(&e.arena, CM_MAP, 2, kvs);
    memcpy(mem(&e) + 300, "\xff", 1);
    uint32_t sent[3] = {300, 1, 0};
    memcpy(mem(&e) + 256, sent, 12);
    TH_EQ(cm__lift_mem(&e.cx, &ms, 8, &v), WH_TRAP);
    TH_HAS(e.err.msg, "invalid UTF-8");
    /* a value whose discriminant is out of range: map<u8, option<u8>> */
    const cm_type_t *u8e[] = {cm_prim(CM_U8)};
    cm_type_t ou8 = mk(&e.arena, CM_OPTION, 1, u8e);
    const cm_type_t *kvo[] = {cm_prim(CM_U8), &ou8};
    cm_type_t mo = mk(&e.arena, CM_MAP, 2, kvo);
    mem(&e)[256] = 1;
    mem(&e)[257] = 2;
    TH_EQ(cm__lift_mem(&e.cx, &mo, 8, &v), WH_TRAP);
    TH_HAS(e.err.msg, "discriminant 2 out of range");
    /* a host map whose entry is not a pair */
    cm_val_t one = {.kind = CM_U8, .of.u = 1};
    cm_val_t lone = {.kind = CM_TUPLE, .of.list = {&one, 1}};
    cm_val_t bad = {.kind = CM_MAP, .of.list = {&lone, 1}};
    TH_EQ(cm__lower_mem(&e.cx, &m, &bad, 8), WH_ARG);
    TH_HAS(e.err.msg, "not a (key, value) tuple");
    teardown(&e);
}

/* list<T, N> is N elements in place (no pointer), flat as N times T's
 * flat values; a host list of another length is refused. */
TH_TEST(abi_fixed_list_in_place_and_flat)
{
    env e;
    if (!setup(&e, CM_UTF8))
        return;
    const cm_type_t *u16e[] = {cm_prim(CM_U16)};
    cm_type_t l3 = mk_fixed(&e.arena, u16e, 3);
    TH_EQ(l3.size, 6);
    TH_EQ(l3.align, 2);
    TH_EQ(l3.nflat, 3);
    cm_val_t el[3] = {
        {.kind = CM_U16, .of.u = 1}, {.kind = CM_U16, .of.u = 0xffff}, {.kind = CM_U16, .of.u = 3}};
    cm_val_t v = {.kind = CM_FIXED_LIST, .of.list = {el, 3}}, back;
    memset(mem(&e) + 16, 0xaa, 8);
    TH_EQ(cm__lower_mem(&e.cx, &l3, &v, 16), WH_OK);
    const uint8_t want[] = {1, 0, 0xff, 0xff, 3, 0, 0xaa};
    TH_OK(!memcmp(mem(&e) + 16, want, sizeof want)); /* 6 bytes, nothing after */
    TH_EQ(cm__lift_mem(&e.cx, &l3, 16, &back), WH_OK);
    TH_EQ(back.kind, CM_FIXED_LIST);
    TH_EQ(back.of.list.n, 3);
    TH_EQ(back.of.list.v[1].of.u, 0xffff);
    /* list<string, 2>: flat (ptr, len, ptr, len) */
    const cm_type_t *se[] = {cm_prim(CM_STRING)};
    cm_type_t ls = mk_fixed(&e.arena, se, 2);
    TH_EQ(ls.nflat, 4);
    TH_EQ(ls.size, 16);
    cm_val_t ss[2] = {str("ab"), str("xyz")};
    cm_val_t sv = {.kind = CM_FIXED_LIST, .of.list = {ss, 2}};
    wm_slot flat[4];
    uint32_t i = 0;
    TH_EQ(cm__lower_flat(&e.cx, &ls, &sv, flat, 4, &i), WH_OK);
    TH_EQ(i, 4);
    TH_EQ(flat[1].i32, 2);
    TH_EQ(flat[3].i32, 3);
    TH_OK(!memcmp(mem(&e) + flat[2].i32, "xyz", 3));
    i = 0;
    TH_EQ(cm__lift_flat(&e.cx, &ls, flat, 4, &i, &back), WH_OK);
    TH_EQ(i, 4);
    TH_EQ(back.of.list.n, 2);
    TH_OK(back.of.list.v[1].of.str.len == 3 && !memcmp(back.of.list.v[1].of.str.ptr, "xyz", 3));
    /* the wrong number of elements from the host */
    cm_val_t two = {.kind = CM_FIXED_LIST, .of.list = {el, 2}};
    TH_EQ(cm__lower_mem(&e.cx, &l3, &two, 16), WH_ARG);
    TH_HAS(e.err.msg, "fixed length of 3");
    /* an element that is no char traps */
    const cm_type_t *ce[] = {cm_prim(CM_CHAR)};
    cm_type_t lc = mk_fixed(&e.arena, ce, 2);
    uint32_t chars[2] = {'a', 0x110000};
    memcpy(mem(&e) + 32, chars, 8);
    TH_EQ(cm__lift_mem(&e.cx, &lc, 32, &back), WH_TRAP);
    TH_HAS(e.err.msg, "not a valid char");
    teardown(&e);
}
