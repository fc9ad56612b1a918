;; Several results print one per line, in order.
(module
  (func (export "swap") (param i32 f64) (result f64 i32)
    (local.get 1) (local.get 0))
  (func (export "none")))
