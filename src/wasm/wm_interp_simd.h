/*
 * wm_interp_simd.h — handlers of the SIMD opcodes listed in wm_simd.h.
 * Included inside the interpreter's dispatch loop (wm_interp.c), where
 * vmcase, S(), NEXT(), EA() and TRAP() are defined. Empty until SIMD lands.
 */
