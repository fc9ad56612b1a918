;; wat2wasm: --enable-tail-call
;; Tail calls (return_call, return_call_indirect) for the engine's tests:
;; loops of tail calls far deeper than the frame stack, a tail call into a
;; host function that may suspend, locals that start at zero in every
;; callee, and indirect tail calls with their traps.
(module
  (import "host" "get" (func $get (param i32) (result i32)))
  (type $i2i (func (param i32) (result i32)))
  (table 3 funcref)
  (elem (i32.const 0) $even $odd)

  (func $even (export "even") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 1))
      (else (return_call $odd (i32.sub (local.get 0) (i32.const 1))))))
  (func $odd (export "odd") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (return_call $even (i32.sub (local.get 0) (i32.const 1))))))

  ;; counts down from n, adding 1 to acc each time: acc + n at the end
  (func $count (export "count") (param $n i32) (param $acc i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (local.get $acc))
      (else (return_call $count (i32.sub (local.get $n) (i32.const 1))
                                (i32.add (local.get $acc) (i32.const 1))))))
  (func $spin (export "spin") (return_call $spin))

  ;; the host's answer, through a tail call: from the entry function and
  ;; from a frame below it
  (func $tail_get (export "tail_get") (param i32) (result i32)
    (return_call $get (i32.add (local.get 0) (i32.const 1))))
  (func (export "below_tail_get") (param i32) (result i32)
    (i32.add (i32.const 1000) (call $tail_get (local.get 0))))

  ;; each callee's locals start at zero, though the caller's were set and
  ;; its frame (more locals, more operands) was in the same place
  (func $wide (param i32) (result i32) (local i64 i32 i32 i32)
    (local.set 2 (i32.const 77)) (local.set 3 (i32.const 88))
    (return_call $narrow (local.get 0) (i32.const 5) (i32.const 6)))
  (func $narrow (param i32 i32 i32) (result i32) (local i32 i32)
    ;; a + 10*b + 100*c + locals (must be 0)
    (i32.add (i32.add (local.get 0) (i32.mul (local.get 1) (i32.const 10)))
             (i32.add (i32.mul (local.get 2) (i32.const 100))
                      (i32.add (local.get 3) (local.get 4)))))
  (func (export "shape") (param i32) (result i32) (return_call $wide (local.get 0)))

  ;; indirect: slot 0 even, 1 odd, 2 null; slot 3 is out of the table
  (func (export "parity_via") (param $slot i32) (param $n i32) (result i32)
    (return_call_indirect (type $i2i) (local.get $n) (local.get $slot)))
  (func (export "wrong_type") (result i32)
    (return_call_indirect (result i32) (i32.const 0))))
