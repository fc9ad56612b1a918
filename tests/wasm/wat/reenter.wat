;; A host function that calls back into the module while the module waits
;; for it: the outer call's results must come from its own frame.
(module
  (import "host" "reenter" (func $reenter (param i32) (result i32)))
  (func (export "sq") (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
  (func (export "outer") (param i32) (result i32 i32)
    (i32.add (local.get 0) (i32.const 1))
    (call $reenter (local.get 0))))
