;; Float arguments and results, carried as bits so -0 and NaN survive.
(module
  (func (export "f32") (param f32) (result f32) (local.get 0))
  (func (export "f64") (param f64) (result f64) (local.get 0))
  (func (export "div32") (param f32 f32) (result f32)
    (f32.div (local.get 0) (local.get 1)))
  (func (export "div64") (param f64 f64) (result f64)
    (f64.div (local.get 0) (local.get 1)))
  (func (export "add64") (param f64 f64) (result f64)
    (f64.add (local.get 0) (local.get 1)))
  (func (export "neg32") (param f32) (result f32) (f32.neg (local.get 0))))
