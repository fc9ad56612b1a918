;; Integer arguments and results: i32 wraps modulo 2^32.
(module
  (func (export "sum") (param i32 i32 i32) (result i32)
    (i32.add (i32.add (local.get 0) (local.get 1)) (local.get 2)))
  (memory (export "mem") 1))
