;; v128 values through the compiler's generic paths: a producer writing a
;; local that is also its source, select, local.tee, block and if
;; parameters, branches carrying values, calls, multiple results, globals,
;; deferred constants and memory bounds. The core suite's simd_*.wast
;; files test the instructions themselves.

(module
  (global $g (mut v128) (v128.const i32x4 1 2 3 4))
  (memory 1)

  (func (export "self_add") (param $x v128) (param $y v128) (result v128)
    (local.set $x (i32x4.add (local.get $x) (local.get $y)))
    (local.set $x (i8x16.shuffle 12 13 14 15 8 9 10 11 4 5 6 7 0 1 2 3
                    (local.get $x) (local.get $x)))
    (local.get $x))
  (func (export "self_lane") (param $x v128) (result v128)
    (local.set $x (i32x4.replace_lane 2 (local.get $x) (i32x4.extract_lane 0 (local.get $x))))
    (local.get $x))

  (func (export "select") (param v128 v128 i32) (result v128)
    (select (local.get 0) (local.get 1) (local.get 2)))
  (func (export "select_typed") (param v128 v128 i32) (result v128)
    (select (result v128) (local.get 0) (local.get 1) (local.get 2)))
  (func (export "tee") (param v128) (result v128) (local v128)
    (i64x2.add (local.tee 1 (local.get 0)) (local.get 1)))

  (func (export "block") (param v128 i32) (result v128)
    (local.get 0)
    (block (param v128) (result v128)
      (i32x4.add (v128.const i32x4 1 1 1 1))
      (br_if 0 (local.get 1))
      (i32x4.mul (v128.const i32x4 10 10 10 10))))
  (func (export "br_table") (param v128 i32) (result v128)
    (block (result v128)
      (block (result v128)
        (br_table 0 1 (local.get 0) (local.get 1)))
      (i8x16.neg)))
  (func (export "if") (param v128 i32) (result v128)
    (local.get 0)
    (if (param v128) (result v128) (local.get 1)
      (then (f32x4.neg))
      (else (f32x4.abs))))
  (func (export "loop") (param v128 i32) (result v128)
    (local.get 0)
    (loop $l (param v128) (result v128)
      (i32x4.add (v128.const i32x4 1 2 3 4))
      (local.tee 1 (i32.sub (local.get 1) (i32.const 1)))
      (br_if $l)))

  (func $swap (param v128 v128) (result v128 v128) (local.get 1) (local.get 0))
  (func (export "call") (param v128 v128) (result v128)
    (call $swap (local.get 0) (local.get 1))
    (i32x4.sub))
  (func (export "multi") (param v128 i32) (result i32 v128 i64)
    (local.get 1) (local.get 0) (i64.const 7))
  (func (export "multi_const") (result v128 i32 v128)
    (v128.const i64x2 1 2) (i32.const 3) (v128.const i64x2 4 5))

  (func (export "global") (param v128) (result v128)
    (global.set $g (i32x4.add (global.get $g) (local.get 0)))
    (global.get $g))

  (func (export "const_ops") (param v128) (result v128)
    (i8x16.swizzle (v128.const i8x16 0 10 20 30 40 50 60 70 80 90 100 110 120 130 140 150)
                   (local.get 0)))
  (func (export "const_both") (result v128)
    (i16x8.add (v128.const i16x8 1 2 3 4 5 6 7 8) (v128.const i16x8 8 7 6 5 4 3 2 1)))

  (func (export "store_load") (param i32 v128) (result v128)
    (v128.store offset=1 align=1 (local.get 0) (local.get 1))
    (v128.load offset=1 align=1 (local.get 0)))
  (func (export "lane_store_load") (param i32 v128) (result v128)
    (v128.store64_lane 1 (local.get 0) (local.get 1))
    (v128.load32_lane 3 (local.get 0) (local.get 1)))
)

(assert_return (invoke "self_add" (v128.const i32x4 1 2 3 4) (v128.const i32x4 10 20 30 40))
               (v128.const i32x4 44 33 22 11))
(assert_return (invoke "self_add" (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15)
                                  (v128.const i32x4 0 0 0 0))
               (v128.const i8x16 12 13 14 15 8 9 10 11 4 5 6 7 0 1 2 3))
(assert_return (invoke "self_lane" (v128.const i32x4 7 8 9 10)) (v128.const i32x4 7 8 7 10))

(assert_return (invoke "select" (v128.const i64x2 1 2) (v128.const i64x2 3 4) (i32.const 1))
               (v128.const i64x2 1 2))
(assert_return (invoke "select" (v128.const i64x2 1 2) (v128.const i64x2 3 4) (i32.const 0))
               (v128.const i64x2 3 4))
(assert_return (invoke "select_typed" (v128.const i64x2 1 2) (v128.const i64x2 3 4) (i32.const 0))
               (v128.const i64x2 3 4))
(assert_return (invoke "tee" (v128.const i64x2 -1 0x4000000000000000))
               (v128.const i64x2 -2 0x8000000000000000))

(assert_return (invoke "block" (v128.const i32x4 1 2 3 4) (i32.const 1)) (v128.const i32x4 2 3 4 5))
(assert_return (invoke "block" (v128.const i32x4 1 2 3 4) (i32.const 0))
               (v128.const i32x4 20 30 40 50))
(assert_return (invoke "br_table" (v128.const i8x16 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16) (i32.const 0))
               (v128.const i8x16 -1 -2 -3 -4 -5 -6 -7 -8 -9 -10 -11 -12 -13 -14 -15 -16))
(assert_return (invoke "br_table" (v128.const i8x16 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16) (i32.const 1))
               (v128.const i8x16 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16))
(assert_return (invoke "br_table" (v128.const i8x16 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16) (i32.const 9))
               (v128.const i8x16 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16))
(assert_return (invoke "if" (v128.const f32x4 1 -2 nan -inf) (i32.const 1))
               (v128.const f32x4 -1 2 -nan inf))
(assert_return (invoke "if" (v128.const f32x4 1 -2 -nan -inf) (i32.const 0))
               (v128.const f32x4 1 2 nan inf))
(assert_return (invoke "loop" (v128.const i32x4 0 0 0 0) (i32.const 5))
               (v128.const i32x4 5 10 15 20))

(assert_return (invoke "call" (v128.const i32x4 1 2 3 4) (v128.const i32x4 10 20 30 40))
               (v128.const i32x4 9 18 27 36))
(assert_return (invoke "multi" (v128.const i16x8 1 2 3 4 5 6 7 8) (i32.const 42))
               (i32.const 42) (v128.const i16x8 1 2 3 4 5 6 7 8) (i64.const 7))
(assert_return (invoke "multi_const") (v128.const i64x2 1 2) (i32.const 3) (v128.const i64x2 4 5))

(assert_return (invoke "global" (v128.const i32x4 10 10 10 10)) (v128.const i32x4 11 12 13 14))
(assert_return (invoke "global" (v128.const i32x4 10 10 10 10)) (v128.const i32x4 21 22 23 24))

(assert_return (invoke "const_ops" (v128.const i8x16 15 14 13 12 11 10 9 8 7 6 5 4 3 2 16 255))
               (v128.const i8x16 150 140 130 120 110 100 90 80 70 60 50 40 30 20 0 0))
(assert_return (invoke "const_both") (v128.const i16x8 9 9 9 9 9 9 9 9))

(assert_return (invoke "store_load" (i32.const 65519) (v128.const i64x2 0x0123456789abcdef -1))
               (v128.const i64x2 0x0123456789abcdef -1))
(assert_trap (invoke "store_load" (i32.const 65520) (v128.const i64x2 0 0))
             "out of bounds memory access")
(assert_trap (invoke "store_load" (i32.const -1) (v128.const i64x2 0 0))
             "out of bounds memory access")
(assert_return (invoke "lane_store_load" (i32.const 100) (v128.const i32x4 1 2 3 4))
               (v128.const i32x4 1 2 3 3))
(assert_trap (invoke "lane_store_load" (i32.const 65529) (v128.const i32x4 1 2 3 4))
             "out of bounds memory access")

;; Validation of the immediates.
(assert_invalid
  (module (func (result i32) (i8x16.extract_lane_s 16 (v128.const i64x2 0 0))))
  "invalid lane index")
(assert_invalid
  (module (memory 1) (func (result v128)
    (v128.load32_lane align=8 0 (i32.const 0) (v128.const i64x2 0 0))))
  "alignment must not be larger than natural")
(assert_invalid
  (module (func (result v128) (i32x4.add (v128.const i64x2 0 0) (i32.const 0))))
  "type mismatch")

;; Relaxed SIMD is a WebAssembly 3.0 feature: a script that does not enable
;; it gets its opcodes refused as unknown (i16x8.relaxed_dot_i8x16_i7x16_s,
;; 0xfd 0x112, then i8x16.relaxed_swizzle, 0xfd 0x100).
(assert_malformed
  (module binary
    "\00\61\73\6d\01\00\00\00\01\07\01\60\02\7b\7b\01\7b\03\02\01\00"
    "\0a\0b\01\09\00\20\00\20\01\fd\92\02\0b")
  "illegal opcode")
(assert_malformed
  (module binary
    "\00\61\73\6d\01\00\00\00\01\07\01\60\02\7b\7b\01\7b\03\02\01\00"
    "\0a\0b\01\09\00\20\00\20\01\fd\80\02\0b")
  "illegal opcode")
