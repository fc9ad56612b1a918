;; The component of embed_component.c, in the component text format (made
;; into a binary with `jco parse adder.wat -o adder.wasm`): exports add and
;; scaled-add, which multiplies the sum by what its import `factor` (a
;; function of the embedder's) returns.
(component
  (import "factor" (func $factor (result u32)))
  (core func $factor-lowered (canon lower (func $factor)))
  (core module $m
    (import "host" "factor" (func $factor (result i32)))
    (func (export "add") (param i32 i32) (result i32)
      (i32.add (local.get 0) (local.get 1)))
    (func (export "scaled-add") (param i32 i32) (result i32)
      (i32.mul (i32.add (local.get 0) (local.get 1)) (call $factor))))
  (core instance $host (export "factor" (func $factor-lowered)))
  (core instance $i (instantiate $m (with "host" (instance $host))))
  (type $ft (func (param "a" u32) (param "b" u32) (result u32)))
  (func $add (type $ft) (canon lift (core func $i "add")))
  (func $scaled-add (type $ft) (canon lift (core func $i "scaled-add")))
  (export "add" (func $add))
  (export "scaled-add" (func $scaled-add)))
