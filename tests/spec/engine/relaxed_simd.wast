;; wast2json: --enable-relaxed-simd
;; The result this engine gives for each relaxed SIMD instruction, exactly,
;; where the spec's scripts accept any of a few (docs/engine.md lists the
;; choices): the out-of-range swizzle lane is 0, truncation saturates,
;; min and max are f32x4.min/max (NaN canonical, -0 below +0), the lane
;; selects are bitwise, q15mulr saturates, the multiply-adds round once,
;; the dot products read both operands as signed bytes.

(module
  (func (export "swizzle") (param v128 v128) (result v128)
    (i8x16.relaxed_swizzle (local.get 0) (local.get 1)))
  (func (export "trunc_s") (param v128) (result v128)
    (i32x4.relaxed_trunc_f32x4_s (local.get 0)))
  (func (export "trunc_u") (param v128) (result v128)
    (i32x4.relaxed_trunc_f32x4_u (local.get 0)))
  (func (export "trunc_s_zero") (param v128) (result v128)
    (i32x4.relaxed_trunc_f64x2_s_zero (local.get 0)))
  (func (export "trunc_u_zero") (param v128) (result v128)
    (i32x4.relaxed_trunc_f64x2_u_zero (local.get 0)))
  (func (export "f32_madd") (param v128 v128 v128) (result v128)
    (f32x4.relaxed_madd (local.get 0) (local.get 1) (local.get 2)))
  (func (export "f32_nmadd") (param v128 v128 v128) (result v128)
    (f32x4.relaxed_nmadd (local.get 0) (local.get 1) (local.get 2)))
  (func (export "f64_madd") (param v128 v128 v128) (result v128)
    (f64x2.relaxed_madd (local.get 0) (local.get 1) (local.get 2)))
  (func (export "f64_nmadd") (param v128 v128 v128) (result v128)
    (f64x2.relaxed_nmadd (local.get 0) (local.get 1) (local.get 2)))
  (func (export "laneselect8") (param v128 v128 v128) (result v128)
    (i8x16.relaxed_laneselect (local.get 0) (local.get 1) (local.get 2)))
  (func (export "laneselect64") (param v128 v128 v128) (result v128)
    (i64x2.relaxed_laneselect (local.get 0) (local.get 1) (local.get 2)))
  (func (export "f32_min") (param v128 v128) (result v128)
    (f32x4.relaxed_min (local.get 0) (local.get 1)))
  (func (export "f32_max") (param v128 v128) (result v128)
    (f32x4.relaxed_max (local.get 0) (local.get 1)))
  (func (export "f64_min") (param v128 v128) (result v128)
    (f64x2.relaxed_min (local.get 0) (local.get 1)))
  (func (export "f64_max") (param v128 v128) (result v128)
    (f64x2.relaxed_max (local.get 0) (local.get 1)))
  (func (export "q15mulr") (param v128 v128) (result v128)
    (i16x8.relaxed_q15mulr_s (local.get 0) (local.get 1))))

;; lanes at 16 and above (here 16, 31, 128, 255) give 0
(assert_return
  (invoke "swizzle" (v128.const i8x16 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16)
                    (v128.const i8x16 0 16 31 -128 -1 15 1 0 0 0 0 0 0 0 0 0))
  (v128.const i8x16 1 0 0 0 0 16 2 1 1 1 1 1 1 1 1 1))

;; NaN is 0, out of range saturates
(assert_return (invoke "trunc_s" (v128.const f32x4 nan 3e9 -3e9 -1.9))
               (v128.const i32x4 0 2147483647 -2147483648 -1))
(assert_return (invoke "trunc_u" (v128.const f32x4 nan 5e9 -1.0 4294967040.0))
               (v128.const i32x4 0 -1 0 -256))
(assert_return (invoke "trunc_s_zero" (v128.const f64x2 -1e10 nan))
               (v128.const i32x4 -2147483648 0 0 0))
(assert_return (invoke "trunc_u_zero" (v128.const f64x2 1e10 2.5))
               (v128.const i32x4 -1 2 0 0))

;; (1 + 2^-23)^2 = 1 + 2^-22 + 2^-46: rounded once, minus (1 + 2^-22), it
;; leaves 2^-46; rounded twice it would leave 0
(assert_return
  (invoke "f32_madd" (v128.const f32x4 0x1.000002p+0 0x1.000002p+0 1.0 2.0)
                     (v128.const f32x4 0x1.000002p+0 0x1.000002p+0 1.0 3.0)
                     (v128.const f32x4 -0x1.000004p+0 -0x1.000004p+0 0.5 -6.0))
  (v128.const f32x4 0x1p-46 0x1p-46 1.5 0.0))
(assert_return
  (invoke "f32_nmadd" (v128.const f32x4 0x1.000002p+0 0x1.000002p+0 1.0 2.0)
                      (v128.const f32x4 0x1.000002p+0 0x1.000002p+0 1.0 3.0)
                      (v128.const f32x4 0x1.000004p+0 0x1.000004p+0 0.5 6.0))
  (v128.const f32x4 -0x1p-46 -0x1p-46 -0.5 0.0))
(assert_return
  (invoke "f64_madd" (v128.const f64x2 0x1.0000000000001p+0 2.0)
                     (v128.const f64x2 0x1.0000000000001p+0 3.0)
                     (v128.const f64x2 -0x1.0000000000002p+0 1.0))
  (v128.const f64x2 0x1p-104 7.0))
(assert_return
  (invoke "f64_nmadd" (v128.const f64x2 0x1.0000000000001p+0 2.0)
                      (v128.const f64x2 0x1.0000000000001p+0 3.0)
                      (v128.const f64x2 0x1.0000000000002p+0 1.0))
  (v128.const f64x2 -0x1p-104 -5.0))

;; every bit of the mask picks, whatever the lane's top bit says
(assert_return
  (invoke "laneselect8" (v128.const i8x16 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1)
                        (v128.const i8x16 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0)
                        (v128.const i8x16 0x0f 0xf0 0x80 0x01 0 0 0 0 0 0 0 0 0 0 0 0xff))
  (v128.const i8x16 0x0f 0xf0 0x80 0x01 0 0 0 0 0 0 0 0 0 0 0 0xff))
(assert_return
  (invoke "laneselect64" (v128.const i64x2 0x1111111111111111 0x2222222222222222)
                         (v128.const i64x2 0x4444444444444444 0x8888888888888888)
                         (v128.const i64x2 0x00000000ffffffff 0x7fffffffffffffff))
  (v128.const i64x2 0x4444444411111111 0xa222222222222222))

;; a NaN in gives a NaN (canonical from canonical); -0 below +0
(assert_return (invoke "f32_min" (v128.const f32x4 nan 0.0 -0.0 1.0)
                                 (v128.const f32x4 1.0 -0.0 0.0 nan:0x200000))
               (v128.const f32x4 nan:canonical -0.0 -0.0 nan:arithmetic))
(assert_return (invoke "f32_max" (v128.const f32x4 nan 0.0 -0.0 1.0)
                                 (v128.const f32x4 1.0 -0.0 0.0 2.0))
               (v128.const f32x4 nan:canonical 0.0 0.0 2.0))
(assert_return (invoke "f64_min" (v128.const f64x2 -0.0 nan) (v128.const f64x2 0.0 1.0))
               (v128.const f64x2 -0.0 nan:canonical))
(assert_return (invoke "f64_max" (v128.const f64x2 -0.0 3.0) (v128.const f64x2 0.0 nan))
               (v128.const f64x2 0.0 nan:canonical))

;; -32768 * -32768 saturates to 32767
(assert_return (invoke "q15mulr" (v128.const i16x8 -32768 16384 0 0 0 0 0 0)
                                 (v128.const i16x8 -32768 16384 0 0 0 0 0 0))
               (v128.const i16x8 32767 8192 0 0 0 0 0 0))

;; The dot products, which wast2json 1.0.32 cannot write: "dot" is
;; i16x8.relaxed_dot_i8x16_i7x16_s, "dot_add" i32x4.relaxed_dot_i8x16_i7x16_add_s.
(module binary
  "\00\61\73\6d\01\00\00\00\01\0e\02\60\02\7b\7b\01\7b\60\03\7b\7b\7b\01\7b\03\03\02\00\01"
  "\07\11\02\03\64\6f\74\00\00\07\64\6f\74\5f\61\64\64\00\01\0a\17\02\09\00\20\00\20\01\fd"
  "\92\02\0b\0b\00\20\00\20\01\20\02\fd\93\02\0b")

;; signed by signed (the second operand's top bit is a sign, not a
;; magnitude): (-128)(-127) twice is 32512, (-128)(127) twice -32512,
;; 1*2 + 3*4 = 14, (-1)(-1) = 1; with 7-bit second operands as the
;; instruction means them, (-128)(63) twice is -16128
(assert_return
  (invoke "dot" (v128.const i8x16 -128 -128 -128 -128 1 3 -128 -128 0 0 0 0 0 0 0 -1)
                (v128.const i8x16 -127 -127 127 127 2 4 63 63 0 0 0 0 0 0 0 -1))
  (v128.const i16x8 32512 -32512 14 -16128 0 0 0 1))
;; four products summed exactly, then the accumulator added (wrapping)
(assert_return
  (invoke "dot_add" (v128.const i8x16 -128 -128 -128 -128 1 2 3 4 0 0 0 0 -1 0 0 0)
                    (v128.const i8x16 -127 -127 -127 -127 1 2 3 4 0 0 0 0 1 0 0 0)
                    (v128.const i32x4 1 -30 0x7fffffff 0))
  (v128.const i32x4 65025 0 0x7fffffff -1))
