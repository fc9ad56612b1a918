;; Traps: the spec's messages, and fuel running out in an endless loop.
(module
  (func (export "div") (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1)))
  (func (export "boom") (unreachable))
  (func (export "spin") (loop $l (br $l))))
