;; Calls host functions: "get" may suspend before answering, "add" is plain.
(module
  (import "host" "get" (func $get (param i32) (result i32)))
  (import "host" "add" (func $add (param i32 i32) (result i32)))
  (func (export "twice") (param i32) (result i32)
    (i32.add (call $get (local.get 0)) (call $get (i32.add (local.get 0) (i32.const 1)))))
  (func (export "sum") (param i32 i32) (result i32)
    (call $add (local.get 0) (local.get 1)))
  (func $deep (export "deep") (param i32) (result i32)
    ;; recurses n times, then asks the host once
    (if (result i32) (i32.eqz (local.get 0))
      (then (call $get (i32.const 100)))
      (else (i32.add (i32.const 1) (call $deep (i32.sub (local.get 0) (i32.const 1))))))))
