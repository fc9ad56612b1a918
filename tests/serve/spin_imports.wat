;; A wasi:http handler made for another host's world: besides wasi:http it
;; imports two of Spin's own interfaces and a draft WASI one, as components
;; built with a Spin SDK do (they never call them here). For tests/serve:
;; `serve` refuses it at start, naming every import it lacks at once.
(component
  (import "wasi:http/types@0.2.0" (instance $types
    (export "incoming-request" (type (sub resource)))
    (export "response-outparam" (type (sub resource)))))
  (import "fermyon:spin/variables@2.0.0" (instance
    (export "get" (func (param "name" string) (result string)))))
  (import "spin:sqlite/sqlite@3.0.0" (instance
    (export "open" (func (param "database" string) (result u32)))))
  (import "wasi:config/store@0.2.0-draft-2024-09-27" (instance
    (export "get" (func (param "key" string) (result (option string))))))
  (alias export $types "incoming-request" (type $req))
  (alias export $types "response-outparam" (type $out))
  (core func $drop-req (canon resource.drop $req))
  (core func $drop-out (canon resource.drop $out))
  (core module $m
    (import "h" "drop-req" (func $drop-req (param i32)))
    (import "h" "drop-out" (func $drop-out (param i32)))
    (func (export "handle") (param i32 i32)
      (call $drop-req (local.get 0))
      (call $drop-out (local.get 1))))
  (core instance $h (export "drop-req" (func $drop-req)) (export "drop-out" (func $drop-out)))
  (core instance $i (instantiate $m (with "h" (instance $h))))
  (type $handle-t (func (param "request" (own $req)) (param "response-out" (own $out))))
  (func $handle (type $handle-t) (canon lift (core func $i "handle")))
  (instance $handler (export "handle" (func $handle)))
  (export "wasi:http/incoming-handler@0.2.0" (instance $handler))
)
