/*
 * host.c — imports wasmhttpd:test/host-echo and exports
 * wasmhttpd:test/host-calls (world `host`): each export passes its
 * arguments to the matching import and returns what the host gave back, so
 * values cross the boundary four times (host lowers into the guest, guest
 * lowers into the host call, host lowers its result into the guest through
 * cabi_realloc, host lifts the export's result).
 *
 * Strings pass through untouched, so the same source serves every string
 * encoding.
 *
 * Import signatures follow CanonicalABI.md flatten_functype in the 'lower'
 * context: a result of more than one flat value becomes a trailing return
 * pointer into this memory, which the host fills; more than 16 flat
 * parameters become one pointer to a tuple this guest lays out.
 */
#include "guest.h"

#define HE "wasmhttpd:test/host-echo@0.1.0"
#define HC "wasmhttpd:test/host-calls@0.1.0#"

IMPORT(HE, "echo-string") void he_echo_string(const void *p, uint32_t len, void *ret);
IMPORT(HE, "echo-bytes") void he_echo_bytes(const void *p, uint32_t len, void *ret);
IMPORT(HE, "echo-strings") void he_echo_strings(const void *p, uint32_t len, void *ret);
/* pair {a: u32 @0, b: string @4}, size 12 */
IMPORT(HE, "echo-pair") void he_echo_pair(uint32_t a, const void *p, uint32_t len, void *ret);
IMPORT(HE, "echo-pairs") void he_echo_pairs(const void *p, uint32_t len, void *ret);
/* item flattens to (i32 disc, i64, i32, i32); in memory disc @0, payload @8
 * (num: s64; text: string; both: pair), size 24 */
IMPORT(HE, "echo-item") void he_echo_item(int32_t disc, int64_t a, int32_t b, int32_t c, void *ret);
/* option<string>: disc @0, string @4 */
IMPORT(HE, "echo-option") void he_echo_option(int32_t disc, const void *p, uint32_t len, void *ret);
/* result<u32, string>: disc @0, payload @4 */
IMPORT(HE, "echo-result") void he_echo_result(int32_t disc, int32_t a, int32_t b, void *ret);
IMPORT(HE, "echo-mode") int32_t he_echo_mode(int32_t m);
IMPORT(HE, "echo-perms") int32_t he_echo_perms(int32_t p);
/* tuple<u8 @0, s16 @2, u32 @4, s64 @8, f32 @16, f64 @24, char @32, bool @36>, size 40 */
IMPORT(HE, "echo-numbers")
void he_echo_numbers(int32_t a, int32_t b, int32_t c, int64_t d, float e, double f, int32_t g,
                     int32_t h, void *ret);
/* 18 flat parameters: one pointer to {u32 × 16 @0..64, string @64}, size 72;
 * result tuple<u64 @0, string @8>, size 16 */
IMPORT(HE, "echo-many") void he_echo_many(const void *args, void *ret);
IMPORT(HE, "note") void he_note(const void *p, uint32_t len);

EXPORT(HC "call-string") void *call_string(const void *p, uint32_t len)
{
    he_echo_string(p, len, ret_area);
    return ret_area;
}
EXPORT(HC "call-bytes") void *call_bytes(const void *p, uint32_t len)
{
    he_echo_bytes(p, len, ret_area);
    return ret_area;
}
EXPORT(HC "call-strings") void *call_strings(const void *p, uint32_t len)
{
    he_echo_strings(p, len, ret_area);
    return ret_area;
}
EXPORT(HC "call-pair") void *call_pair(uint32_t a, const void *p, uint32_t len)
{
    he_echo_pair(a, p, len, ret_area);
    return ret_area;
}
EXPORT(HC "call-pairs") void *call_pairs(const void *p, uint32_t len)
{
    he_echo_pairs(p, len, ret_area);
    return ret_area;
}
EXPORT(HC "call-item") void *call_item(int32_t disc, int64_t a, int32_t b, int32_t c)
{
    he_echo_item(disc, a, b, c, ret_area);
    return ret_area;
}
EXPORT(HC "call-option") void *call_option(int32_t disc, const void *p, uint32_t len)
{
    he_echo_option(disc, p, len, ret_area);
    return ret_area;
}
EXPORT(HC "call-result") void *call_result(int32_t disc, int32_t a, int32_t b)
{
    he_echo_result(disc, a, b, ret_area);
    return ret_area;
}
EXPORT(HC "call-mode") int32_t call_mode(int32_t m)
{
    return he_echo_mode(m);
}
EXPORT(HC "call-perms") int32_t call_perms(int32_t p)
{
    return he_echo_perms(p);
}
EXPORT(HC "call-numbers")
void *call_numbers(int32_t a, int32_t b, int32_t c, int64_t d, float e, double f, int32_t g,
                   int32_t h)
{
    he_echo_numbers(a, b, c, d, e, f, g, h, ret_area);
    return ret_area;
}
EXPORT(HC "call-many") void *call_many(uint32_t n, const void *p, uint32_t len)
{
    static _Alignas(8) uint8_t args[72];
    for (uint32_t i = 0; i < 16; i++)
        ((uint32_t *)args)[i] = n + i;
    *(gstr *)(args + 64) = (gstr){p, len};
    he_echo_many(args, ret_area);
    return ret_area;
}

static uint32_t notes;

EXPORT(HC "call-note") int32_t call_note(const void *p, uint32_t len)
{
    he_note(p, len);
    return (int32_t)++notes;
}
