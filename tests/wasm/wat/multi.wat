;; Multi-value blocks, if with parameters, br_table with values, locals
;; swapped through the stack: the compiler's value-moving paths.
(module
  (func (export "swap") (param i32 i32) (result i32 i32) (local.get 1) (local.get 0))
  (func (export "ifparams") (param i32 i32) (result i32)
    (local.get 0) (local.get 1)
    (if (param i32) (result i32) (then (i32.const 10) (i32.add)) (else (i32.const 20) (i32.sub))))
  (func (export "table") (param i32) (result i32)
    (block $a (result i32)
      (block $b (result i32)
        (block $c (result i32)
          (i32.const 7) (local.get 0) (br_table $a $b $c))
        (i32.const 100) (i32.add))
      (i32.const 1000) (i32.add)))
  (func (export "tee") (param i32) (result i32) (local i32)
    (local.get 0) (local.set 1)
    (local.get 1) (local.tee 0)
    (i32.const 5) (local.set 0)
    (local.get 0) (i32.add))
  (func (export "loopsum") (param i32) (result i64) (local i64)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get 0)))
        (local.set 1 (i64.add (local.get 1) (i64.extend_i32_u (local.get 0))))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br $l)))
    (local.get 1));; Results copied into slots 0..n when the operand stack sits low.
  (func (export "three") (result i32 i32 i32)
    (local i32)
    (loop $l
      (local.set 0 (i32.add (local.get 0) (i32.const 1000)))
      (br_if $l (i32.lt_u (local.get 0) (i32.const 3000))))
    (i32.const 7) (local.get 0) (i32.add (i32.const 5) (i32.const 6)))
  ;; A constant read in a loop lives in the frame; a callee's frame (which
  ;; starts at its arguments, with zeroed locals) must not overwrite it.
  (func $dec (param i32) (result i32) (local i32 i32 i32 i32)
    (i32.sub (local.get 0) (i32.const 1)))
  (func (export "constcall") (result i32) (local $i i32) (local $s i32)
    (loop $l
      (local.set $s (i32.add (local.get $s) (call $dec (i32.sub (i32.const 1000) (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 10))))
    (local.get $s)))
