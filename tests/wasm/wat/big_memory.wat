;; A memory larger than the pool keeps resident (8 pages: its pages are
;; dropped, not zeroed in place, when its store goes back to the pool).
(module
  (memory (export "mem") 8 16)
  (data (i32.const 16) "big")
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "store8") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size)))
