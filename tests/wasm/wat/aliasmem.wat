;; wat2wasm: --enable-multi-memory
;; One memory imported twice, as memory 0 and memory 1: growing it through
;; memory 1 must be seen by memory 0 in the same function.
(module
  (import "env" "m" (memory 1))
  (import "env" "m" (memory 1))
  (func (export "grow1_then_size0") (result i32)
    (drop (memory.grow 1 (i32.const 2)))
    (memory.size 0))
  (func (export "grow1_then_store0") (result i32)
    (drop (memory.grow 1 (i32.const 1)))
    ;; past the old end: traps unless memory 0's size was brought up to date
    (i32.store 0 (i32.const 200000) (i32.const 9))
    (i32.load 1 (i32.const 200000))))
