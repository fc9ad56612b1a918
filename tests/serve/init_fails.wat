;; A wasi:http handler whose lifecycle init always fails with "init refused
;; by the test"; its handle never answers (the host then sends 500). For
;; tests/serve: a stateful server that cannot start, and init failing on
;; every fresh serverless instance.
(component
  (import "wasi:http/types@0.2.0" (instance $types
    (export "incoming-request" (type (sub resource)))
    (export "response-outparam" (type (sub resource)))))
  (alias export $types "incoming-request" (type $req))
  (alias export $types "response-outparam" (type $out))
  (core func $drop-req (canon resource.drop $req))
  (core func $drop-out (canon resource.drop $out))
  (core module $m
    (import "h" "drop-req" (func $drop-req (param i32)))
    (import "h" "drop-out" (func $drop-out (param i32)))
    (memory (export "memory") 1)
    ;; result<_, string> at 16: tag 1 (err), then the string's pointer and length
    (data (i32.const 16) "\01\00\00\00\40\00\00\00\18\00\00\00")
    (data (i32.const 64) "init refused by the test")
    (func (export "init") (result i32) (i32.const 16))
    (func (export "handle") (param i32 i32)
      (call $drop-req (local.get 0))
      (call $drop-out (local.get 1))))
  (core instance $h (export "drop-req" (func $drop-req)) (export "drop-out" (func $drop-out)))
  (core instance $i (instantiate $m (with "h" (instance $h))))
  (alias core export $i "memory" (core memory $mem))
  (type $init-t (func (result (result (error string)))))
  (func $init (type $init-t) (canon lift (core func $i "init") (memory $mem)))
  (type $handle-t (func (param "request" (own $req)) (param "response-out" (own $out))))
  (func $handle (type $handle-t) (canon lift (core func $i "handle")))
  (instance $life (export "init" (func $init)))
  (instance $handler (export "handle" (func $handle)))
  (export "wasmhttpd:http/lifecycle@0.1.0" (instance $life))
  (export "wasi:http/incoming-handler@0.2.0" (instance $handler))
)
