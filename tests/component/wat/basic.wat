;; An instance import with a resource, one core module, a lifted function.
(component
  (import "wasi:io/error@0.2.0" (instance $err
    (export "error" (type (sub resource)))
  ))
  (core module $m
    (func (export "add") (param i32 i32) (result i32)
      local.get 0 local.get 1 i32.add)
  )
  (core instance $i (instantiate $m))
  (type $ft (func (param "a" u32) (param "b" u32) (result u32)))
  (func $add (type $ft) (canon lift (core func $i "add")))
  (export "add" (func $add))
)
