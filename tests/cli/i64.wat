;; i64 extremes: arguments come back unchanged, printed as signed decimals.
(module
  (func (export "id") (param i64) (result i64) (local.get 0))
  (func (export "add") (param i64 i64) (result i64)
    (i64.add (local.get 0) (local.get 1)))
  (func (export "min") (result i64) (i64.const -9223372036854775808))
  (func (export "max") (result i64) (i64.const 9223372036854775807)))
