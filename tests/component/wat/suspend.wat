;; An export that calls a host import, for suspension through a component
;; call: run(x) = wait(x) + 1, where the host's wait may ask to be retried.
(component
  (import "wait" (func $wait (param "n" u32) (result u32)))
  (core func $wait-lowered (canon lower (func $wait)))
  (core module $m
    (import "host" "wait" (func $wait (param i32) (result i32)))
    (func (export "run") (param i32) (result i32)
      (i32.add (call $wait (local.get 0)) (i32.const 1))))
  (core instance $i (instantiate $m
    (with "host" (instance (export "wait" (func $wait-lowered))))))
  (func (export "run") (param "x" u32) (result u32) (canon lift (core func $i "run"))))
