;; late_borrow.wat — a borrow kept past the end of the call that lent it.
;;
;; The outer component defines a resource type and two functions:
;;   keep-borrow: makes a resource and lends it (borrow) to the inner
;;     component's `keep`, which returns without dropping the borrow handle
;;     it received: the call must trap when `keep` returns
;;     (CanonicalABI.md: a task may not return while it holds borrows).
;;   lend-borrow: the same with the inner `lend`, which drops the borrow
;;     before it returns: returns 1.
;; No imports, so `wasmhttpd run --invoke` can call both.
(component
  (type $r (resource (rep i32)))

  (component $inner
    (import "r" (type $r (sub resource)))
    (core func $drop (canon resource.drop $r))
    (core module $m
      (import "" "drop" (func $drop (param i32)))
      ;; the borrow handle stays in this instance's table
      (func (export "keep") (param i32) (result i32)
        local.get 0)
      (func (export "lend") (param i32) (result i32)
        local.get 0
        call $drop
        i32.const 7))
    (core instance $i (instantiate $m (with "" (instance (export "drop" (func $drop))))))
    (func (export "keep") (param "b" (borrow $r)) (result u32)
      (canon lift (core func $i "keep")))
    (func (export "lend") (param "b" (borrow $r)) (result u32)
      (canon lift (core func $i "lend"))))

  (instance $in (instantiate $inner (with "r" (type $r))))
  (alias export $in "keep" (func $keep))
  (alias export $in "lend" (func $lend))
  (core func $keep-lowered (canon lower (func $keep)))
  (core func $lend-lowered (canon lower (func $lend)))
  (core func $new (canon resource.new $r))
  (core func $drop (canon resource.drop $r))

  (core module $outer
    (import "" "new" (func $new (param i32) (result i32)))
    (import "" "drop" (func $drop (param i32)))
    (import "" "keep" (func $keep (param i32) (result i32)))
    (import "" "lend" (func $lend (param i32) (result i32)))
    (func (export "keep-borrow") (result i32)
      (local $h i32)
      (local.set $h (call $new (i32.const 42)))
      (drop (call $keep (local.get $h)))
      (call $drop (local.get $h))
      i32.const 1)
    (func (export "lend-borrow") (result i32)
      (local $h i32)
      (local.set $h (call $new (i32.const 42)))
      (drop (call $lend (local.get $h)))
      (call $drop (local.get $h))
      i32.const 1))
  (core instance $o (instantiate $outer
    (with "" (instance
      (export "new" (func $new))
      (export "drop" (func $drop))
      (export "keep" (func $keep-lowered))
      (export "lend" (func $lend-lowered))))))

  (func (export "keep-borrow") (result u32) (canon lift (core func $o "keep-borrow")))
  (func (export "lend-borrow") (result u32) (canon lift (core func $o "lend-borrow"))))
