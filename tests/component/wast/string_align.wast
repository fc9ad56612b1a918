;; String pointers in utf16 and latin1+utf16 memory are 2-aligned
;; (CanonicalABI.md load_string_from_range, store_string_*): a guest's
;; pointer and a realloc's result that are not trap, whatever the length
;; and, for latin1+utf16, whichever form the tagged length gives.

;; $Callee takes a string in `enc` and returns its length in code points;
;; its realloc returns the pointer in its global $at (1: odd).
;; $Caller passes the string at (ptr, tagged length) from its memory,
;; which holds "abc" at 2 (latin1) and "aé€" at 16 (utf16).
(component definition $Pair
  (component $Callee
    (core module $M
      (memory (export "mem") 1)
      (global $at (export "at") (mut i32) (i32.const 8))
      (func (export "f") (param $p i32) (param $n i32) (result i32)
        (i32.and (local.get $n) (i32.const 0x7fffffff)))
      (func (export "realloc") (param i32 i32 i32 i32) (result i32) (global.get $at))
      (func (export "set-at") (param i32) (global.set $at (local.get 0))))
    (core instance $m (instantiate $M))
    (func (export "utf16") (param "s" string) (result u32)
      (canon lift (core func $m "f") string-encoding=utf16
        (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
    (func (export "latin1") (param "s" string) (result u32)
      (canon lift (core func $m "f") string-encoding=latin1+utf16
        (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
    (func (export "set-at") (param "at" u32) (canon lift (core func $m "set-at"))))
  (component $Caller
    (import "utf16" (func $utf16 (param "s" string) (result u32)))
    (import "latin1" (func $latin1 (param "s" string) (result u32)))
    (core module $Libc
      (memory (export "mem") 1)
      (data (i32.const 2) "abc")
      (data (i32.const 16) "a\00\e9\00\ac\20"))
    (core instance $libc (instantiate $Libc))
    (core func $to16 (canon lower (func $utf16) string-encoding=latin1+utf16
      (memory (core memory $libc "mem"))))
    (core func $to-latin1 (canon lower (func $latin1) string-encoding=latin1+utf16
      (memory (core memory $libc "mem"))))
    (core module $Main
      (import "" "to16" (func $to16 (param i32 i32) (result i32)))
      (import "" "to-latin1" (func $to-latin1 (param i32 i32) (result i32)))
      (func (export "pass") (param $p i32) (param $n i32) (param $latin1 i32) (result i32)
        (if (result i32) (local.get $latin1)
          (then (call $to-latin1 (local.get $p) (local.get $n)))
          (else (call $to16 (local.get $p) (local.get $n))))))
    (core instance $main (instantiate $Main (with "" (instance
      (export "to16" (func $to16)) (export "to-latin1" (func $to-latin1))))))
    (func (export "pass") (param "p" u32) (param "n" u32) (param "latin1" bool) (result u32)
      (canon lift (core func $main "pass"))))
  (instance $callee (instantiate $Callee))
  (instance $caller (instantiate $Caller
    (with "utf16" (func $callee "utf16")) (with "latin1" (func $callee "latin1"))))
  (export "pass" (func $caller "pass"))
  (export "set-at" (func $callee "set-at")))

;; aligned: "abc" (latin1, 3 units) and "aé€" (utf16-tagged, 3 units)
(component instance $i $Pair)
(assert_return (invoke "pass" (u32.const 2) (u32.const 3) (bool.const false)) (u32.const 3))
(assert_return (invoke "pass" (u32.const 2) (u32.const 3) (bool.const true)) (u32.const 3))
(assert_return (invoke "pass" (u32.const 16) (u32.const 0x80000003) (bool.const true)) (u32.const 3))
(assert_return (invoke "pass" (u32.const 16) (u32.const 0x80000003) (bool.const false)) (u32.const 3))

;; the caller's latin1 pointer is odd ("bc" at 3): a trap, tag or no tag
(assert_trap (invoke "pass" (u32.const 3) (u32.const 2) (bool.const false)) "unaligned")
(component instance $i $Pair)
(assert_trap (invoke "pass" (u32.const 3) (u32.const 0) (bool.const true)) "unaligned")
(component instance $i $Pair)
(assert_trap (invoke "pass" (u32.const 17) (u32.const 0x80000001) (bool.const true)) "unaligned")

;; the callee's realloc returns an odd pointer: a latin1 string for a
;; latin1+utf16 callee, a utf16 one, and one for a utf16 callee
(component instance $i $Pair)
(invoke "set-at" (u32.const 9))
(assert_trap (invoke "pass" (u32.const 2) (u32.const 3) (bool.const true)) "unaligned")
(component instance $i $Pair)
(invoke "set-at" (u32.const 9))
(assert_trap (invoke "pass" (u32.const 16) (u32.const 0x80000003) (bool.const true)) "unaligned")
(component instance $i $Pair)
(invoke "set-at" (u32.const 9))
(assert_trap (invoke "pass" (u32.const 2) (u32.const 3) (bool.const false)) "unaligned")
