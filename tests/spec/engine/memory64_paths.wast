;; json-from-wast: --enable-memory64 --enable-multi-memory
;; 64-bit memories and tables through the compiler's operand forms: the
;; address as a local read in place, as a constant (in a loop, where
;; constants live in the frame's constant area), as a computed value; an
;; address with high bits set traps and leaves the local it came from as it
;; was; grow deltas of 2^32 or more fail with -1 as an i64; a copy between
;; a 32-bit and a 64-bit memory takes an i32 length.

(module
  (memory $m64 i64 1 2)
  (memory $m32 1)
  (table $t64 i64 2 funcref)
  (elem (table $t64) (i64.const 0) func $seven)
  (func $seven (result i32) (i32.const 7))
  (data (memory $m64) (i64.const 8) "\2a\00\00\00")

  ;; the address is the local itself
  (func (export "load_local") (param $a i64) (result i32)
    (i32.load (local.get $a)))
  ;; traps, then the caller reads the local back: not clobbered
  (func (export "local_after_trap") (param $a i64) (result i64)
    (drop (i32.load8_u (local.get $a)))
    (local.get $a))
  (func (export "store_local") (param $a i64) (param $v i32)
    (i32.store (local.get $a) (local.get $v)))
  ;; constants read in a loop
  (func (export "load_const_loop") (param $n i32) (result i32)
    (local $s i32)
    (loop $l
      (local.set $s (i32.add (local.get $s) (i32.load (i64.const 8))))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $s))
  (func (export "load_far_const") (result i32)
    (i32.load (i64.const 0x1_0000_0008)))
  (func (export "load_offset") (param $a i64) (result i32)
    (i32.load offset=0x1_0000_0000 (local.get $a)))
  (func (export "load_sum") (param $a i64) (param $b i64) (result i32)
    (i32.load (i64.add (local.get $a) (local.get $b))))
  (func (export "size") (result i64) (memory.size $m64))
  (func (export "grow") (param $d i64) (result i64) (memory.grow $m64 (local.get $d)))
  (func (export "fill") (param $d i64) (param $n i64)
    (memory.fill $m64 (local.get $d) (i32.const 0x55) (local.get $n)))
  (func (export "peek") (param $a i64) (result i32) (i32.load8_u $m64 (local.get $a)))
  ;; from the 64-bit memory to the 32-bit one: the length is an i32
  (func (export "copy_to32") (param $d i32) (param $s i64) (param $n i32) (result i32)
    (memory.copy $m32 $m64 (local.get $d) (local.get $s) (local.get $n))
    (i32.load $m32 (local.get $d)))
  (func (export "call") (param $i i64) (result i32)
    (call_indirect $t64 (result i32) (local.get $i)))
  (func (export "table_grow") (param $d i64) (result i64)
    (table.grow $t64 (ref.null func) (local.get $d)))
  (func (export "table_size") (result i64) (table.size $t64)))

(assert_return (invoke "load_local" (i64.const 8)) (i32.const 42))
(assert_trap (invoke "load_local" (i64.const 0x1_0000_0008)) "out of bounds memory access")
(assert_trap (invoke "load_local" (i64.const -1)) "out of bounds memory access")
(assert_trap (invoke "local_after_trap" (i64.const 0x8000_0000_0000_0008))
             "out of bounds memory access")
(assert_return (invoke "local_after_trap" (i64.const 9)) (i64.const 9))
(invoke "store_local" (i64.const 12) (i32.const 5))
(assert_return (invoke "load_local" (i64.const 12)) (i32.const 5))
(assert_trap (invoke "store_local" (i64.const 0x1_0000_000c) (i32.const 6))
             "out of bounds memory access")
(assert_return (invoke "load_local" (i64.const 12)) (i32.const 5))
(assert_return (invoke "load_const_loop" (i32.const 3)) (i32.const 126))
(assert_trap (invoke "load_far_const") "out of bounds memory access")
(assert_trap (invoke "load_offset" (i64.const 0)) "out of bounds memory access")
;; 0xffff_ffff_0000_0000 + 0x1_0000_0008 wraps to 8 as an i64 add: in bounds
(assert_return (invoke "load_sum" (i64.const 0xffff_ffff_0000_0000) (i64.const 0x1_0000_0008))
               (i32.const 42))
(assert_return (invoke "size") (i64.const 1))
(assert_return (invoke "grow" (i64.const 0x1_0000_0000)) (i64.const -1))
(assert_return (invoke "grow" (i64.const 2)) (i64.const -1))
(assert_return (invoke "grow" (i64.const 1)) (i64.const 1))
(assert_return (invoke "size") (i64.const 2))
(invoke "fill" (i64.const 0x1_fff0) (i64.const 0x10))
(assert_return (invoke "peek" (i64.const 0x1_ffff)) (i32.const 0x55))
(assert_trap (invoke "fill" (i64.const 0x1_fff0) (i64.const 0x1_0000_0000))
             "out of bounds memory access")
(assert_trap (invoke "fill" (i64.const 0x1_0000_0000) (i64.const 0))
             "out of bounds memory access")
(assert_return (invoke "copy_to32" (i32.const 100) (i64.const 8) (i32.const 4)) (i32.const 42))
(assert_trap (invoke "copy_to32" (i32.const 100) (i64.const 0x1_0000_0008) (i32.const 4))
             "out of bounds memory access")
(assert_return (invoke "call" (i64.const 0)) (i32.const 7))
(assert_trap (invoke "call" (i64.const 1)) "uninitialized element")
(assert_trap (invoke "call" (i64.const 0x1_0000_0000)) "undefined element")
(assert_return (invoke "table_grow" (i64.const 0x1_0000_0000)) (i64.const -1))
(assert_return (invoke "table_grow" (i64.const 3)) (i64.const 2))
(assert_return (invoke "table_size") (i64.const 5))

;; a 64-bit memory does not satisfy a 32-bit import, nor the reverse
(module $lib (memory (export "m64") i64 1) (memory (export "m32") 1))
(register "lib" $lib)
(assert_unlinkable (module (import "lib" "m64" (memory 1))) "incompatible import type")
(assert_unlinkable (module (import "lib" "m32" (memory i64 1))) "incompatible import type")
(module (import "lib" "m64" (memory i64 1)))
