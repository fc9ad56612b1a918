;; wat2wasm: --enable-exceptions
;; Exports a tag and a function that throws it (test_exc.c).
(module
  (tag $e (export "e") (param i32))
  (func (export "throw") (param i32) (throw $e (local.get 0))))
