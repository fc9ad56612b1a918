/*
 * wm_simd.h — the v128 SIMD instructions of the interpreter's code, as an
 * X-macro list of internal opcodes: X(NAME). Their handlers are in
 * wm_interp_simd.h, their compilation in wm_compile_simd.c. Empty until SIMD
 * lands.
 */
#ifndef WM_SIMD_H
#define WM_SIMD_H

#define WM_IR_SIMD(X)

#endif
