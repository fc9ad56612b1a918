/*
 * err_values.c — exports wasmhttpd:test/bad-values (world `err-values`):
 * each function returns a value the canonical ABI must refuse to lift, so
 * the call traps (CanonicalABI.md load_string_from_range, load_list_from_range,
 * convert_i32_to_char, lift_flat_variant / load_variant, and the return
 * pointer's bounds check in lift_flat_values).
 *
 * Built in utf8 (bad-utf8: bytes that are not UTF-8) and utf16 (bad-utf8:
 * a lone surrogate). With -DBAD_REALLOC its cabi_realloc answers with a
 * pointer past the end of memory, so the host cannot lower take-string's
 * argument.
 */
#ifdef BAD_REALLOC
#define GUEST_CUSTOM_REALLOC
#endif
#include "guest.h"

#define BV "wasmhttpd:test/bad-values@0.1.0#"

#ifdef BAD_REALLOC
void *cabi_realloc(void *ptr, size_t old_size, size_t align, size_t new_size)
{
    (void)ptr;
    (void)old_size;
    (void)align;
    (void)new_size;
    return (void *)0xfffffff0u;
}
#endif

EXPORT(BV "bad-utf8") void *bad_utf8(void)
{
#if GUEST_ENC == ENC_UTF8
    static const uint8_t bytes[] = {'o', 'k', 0xff, 0xfe};
    *(gstr *)ret_area = (gstr){bytes, sizeof bytes};
#else
    static const uint16_t units[] = {'o', 'k', 0xd800};
    *(gstr *)ret_area = (gstr){units, 3};
#endif
    return ret_area;
}
/* the bytes would run past the end of memory */
EXPORT(BV "bad-string-ptr") void *bad_string_ptr(void)
{
    *(gstr *)ret_area = (gstr){(const void *)0xffffff00u, 1000};
    return ret_area;
}
EXPORT(BV "bad-list-ptr") void *bad_list_ptr(void)
{
    *(gstr *)ret_area = (gstr){(const void *)0x7ffffff0u, 100};
    return ret_area;
}
/* list<u32> must be 4-aligned */
EXPORT(BV "misaligned-list") void *misaligned_list(void)
{
    uint8_t *p = xmalloc(16);
    memset(p, 0, 16);
    *(gstr *)ret_area = (gstr){p + 2, 2};
    return ret_area;
}
/* the return pointer itself is past the end of memory */
EXPORT(BV "bad-retptr") void *bad_retptr(void)
{
    return (void *)0xfffffff0u;
}
EXPORT(BV "bad-char") int32_t bad_char(void)
{
    return 0x110000;
}
EXPORT(BV "surrogate-char") int32_t surrogate_char(void)
{
    return 0xd800;
}
/* color has three cases */
EXPORT(BV "bad-enum") int32_t bad_enum(void)
{
    return 3;
}
/* option<u32> in memory with discriminant 2 */
EXPORT(BV "bad-option") void *bad_option(void)
{
    memset(ret_area, 0, 8);
    ret_area[0] = 2;
    return ret_area;
}
EXPORT(BV "bad-result") void *bad_result(void)
{
    memset(ret_area, 0, 12);
    ret_area[0] = 2;
    return ret_area;
}
/* code units of s */
EXPORT(BV "take-string") int32_t take_string(const void *p, uint32_t len)
{
    return (int32_t)len;
}
