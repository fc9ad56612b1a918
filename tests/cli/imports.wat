;; A module with imports, which `run` does not provide.
(module
  (import "env" "foo" (func))
  (import "env" "mem" (memory 1))
  (func (export "f")))
