;; late_borrow.wat — a borrow kept past the end of the call that lent it.
;;
;; Three sibling components (a parent may not call into its own child:
;; CanonicalABI.md call_might_be_recursive):
;;   $def defines a resource type and `make`, which returns an own handle;
;;   $inner takes borrows: `keep` returns without dropping the borrow handle
;;     it received, `lend` drops it first;
;;   $user makes a resource with `make` and lends it to `keep` (keep-borrow:
;;     the call must trap when `keep` returns, CanonicalABI.md: a task may
;;     not return while it holds borrows) or to `lend` (lend-borrow: returns
;;     1).
;; No imports, so `wasmhttpd run --invoke` can call both.
(component
  (component $def
    (type $r (resource (rep i32)))
    (export $r-e "r" (type $r))
    (core func $new (canon resource.new $r))
    (core module $m
      (import "" "new" (func $new (param i32) (result i32)))
      (func (export "make") (result i32) (call $new (i32.const 42))))
    (core instance $i (instantiate $m (with "" (instance (export "new" (func $new))))))
    (func (export "make") (result (own $r-e)) (canon lift (core func $i "make"))))

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

  (component $user
    (import "r" (type $r (sub resource)))
    (import "make" (func $make (result (own $r))))
    (import "keep" (func $keep (param "b" (borrow $r)) (result u32)))
    (import "lend" (func $lend (param "b" (borrow $r)) (result u32)))
    (core func $make-lowered (canon lower (func $make)))
    (core func $keep-lowered (canon lower (func $keep)))
    (core func $lend-lowered (canon lower (func $lend)))
    (core func $drop (canon resource.drop $r))
    (core module $m
      (import "" "make" (func $make (result i32)))
      (import "" "drop" (func $drop (param i32)))
      (import "" "keep" (func $keep (param i32) (result i32)))
      (import "" "lend" (func $lend (param i32) (result i32)))
      (func (export "keep-borrow") (result i32)
        (local $h i32)
        (local.set $h (call $make))
        (drop (call $keep (local.get $h)))
        (call $drop (local.get $h))
        i32.const 1)
      (func (export "lend-borrow") (result i32)
        (local $h i32)
        (local.set $h (call $make))
        (drop (call $lend (local.get $h)))
        (call $drop (local.get $h))
        i32.const 1))
    (core instance $i (instantiate $m
      (with "" (instance
        (export "make" (func $make-lowered))
        (export "drop" (func $drop))
        (export "keep" (func $keep-lowered))
        (export "lend" (func $lend-lowered))))))
    (func (export "keep-borrow") (result u32) (canon lift (core func $i "keep-borrow")))
    (func (export "lend-borrow") (result u32) (canon lift (core func $i "lend-borrow"))))

  (instance $d (instantiate $def))
  (alias export $d "r" (type $r))
  (instance $in (instantiate $inner (with "r" (type $r))))
  (instance $u (instantiate $user
    (with "r" (type $r))
    (with "make" (func $d "make"))
    (with "keep" (func $in "keep"))
    (with "lend" (func $in "lend"))))
  (export "keep-borrow" (func $u "keep-borrow"))
  (export "lend-borrow" (func $u "lend-borrow")))
