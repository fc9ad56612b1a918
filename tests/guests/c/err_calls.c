/*
 * err_calls.c — imports wasmhttpd:test/host-echo and exports
 * wasmhttpd:test/bad-calls (world `err-calls`): each export calls an import
 * with arguments the host must refuse to lift, so the call traps before the
 * host function runs.
 */
#include "guest.h"

#define HE "wasmhttpd:test/host-echo@0.1.0"
#define BC "wasmhttpd:test/bad-calls@0.1.0#"

IMPORT(HE, "echo-string") void he_echo_string(const void *p, uint32_t len, void *ret);
IMPORT(HE, "echo-numbers")
void he_echo_numbers(int32_t a, int32_t b, int32_t c, int64_t d, float e, double f, int32_t g,
                     int32_t h, void *ret);

/* a string that runs past the end of memory */
EXPORT(BC "pass-bad-ptr") void *pass_bad_ptr(void)
{
    he_echo_string((const void *)0xffffff00u, 1000, ret_area);
    return ret_area;
}
EXPORT(BC "pass-bad-utf8") void *pass_bad_utf8(void)
{
    static const uint8_t bytes[] = {'o', 'k', 0xc3, 0x28};
    he_echo_string(bytes, sizeof bytes, ret_area);
    return ret_area;
}
/* a surrogate is not a char */
EXPORT(BC "pass-bad-char") int32_t pass_bad_char(void)
{
    he_echo_numbers(1, 2, 3, 4, 5, 6, 0xd800, 1, ret_area);
    return 0;
}
