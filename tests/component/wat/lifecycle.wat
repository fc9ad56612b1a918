;; Exports wasmhttpd:http/lifecycle@0.1.0 with `init`: the stateful model.
(component
  (core module $m
    (func (export "init"))
    (func (export "handle") (param i32) (result i32) local.get 0)
  )
  (core instance $i (instantiate $m))
  (func $init (canon lift (core func $i "init")))
  (func $handle (param "n" u32) (result u32) (canon lift (core func $i "handle")))
  (instance $life (export "init" (func $init)) (export "handle" (func $handle)))
  (export "wasmhttpd:http/lifecycle@0.1.0" (instance $life))
)
