/*
 * wm_compile_simd.c — the 0xfd-prefixed (v128 SIMD) instructions. Not
 * implemented yet: a module that uses them is rejected with a clear error.
 */
#include "wm_compile.h"

wh_rc cc_simd(cc *c)
{
    return cc_fail(c, WH_UNSUPPORTED, "SIMD instructions are not supported yet");
}
