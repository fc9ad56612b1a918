;; Instantiation arguments are type-checked against the imports they
;; satisfy, resource types by identity: each instance of a component that
;; defines a resource has a resource type of its own.
(assert_invalid
  (component
    (component $Def
      (type $R (resource (rep i32)))
      (export $R' "r" (type $R))
      (core func $new (canon resource.new $R))
      (core module $M
        (import "" "new" (func $new (param i32) (result i32)))
        (func (export "make") (result i32) (call $new (i32.const 1))))
      (core instance $m (instantiate $M (with "" (instance (export "new" (func $new))))))
      (func (export "make") (result (own $R')) (canon lift (core func $m "make"))))
    (component $User
      (import "r" (type $R (sub resource)))
      (import "make" (func (result (own $R)))))
    (instance $d1 (instantiate $Def))
    (instance $d2 (instantiate $Def))
    ;; d1's maker returns d1's resource, not d2's
    (instance (instantiate $User
      (with "r" (type $d2 "r"))
      (with "make" (func $d1 "make")))))
  "type mismatch")

(component
  (component $Def
    (type $R (resource (rep i32)))
    (export $R' "r" (type $R))
    (core func $new (canon resource.new $R))
    (core module $M
      (import "" "new" (func $new (param i32) (result i32)))
      (func (export "make") (result i32) (call $new (i32.const 1))))
    (core instance $m (instantiate $M (with "" (instance (export "new" (func $new))))))
    (func (export "make") (result (own $R')) (canon lift (core func $m "make"))))
  (component $User
    (import "r" (type $R (sub resource)))
    (import "make" (func (result (own $R)))))
  (instance $d1 (instantiate $Def))
  (instance (instantiate $User (with "r" (type $d1 "r")) (with "make" (func $d1 "make")))))

(assert_invalid
  (component
    (import "f" (func $f (param "a" u32)))
    (component $C (import "f" (func (param "a" u32) (result u32))))
    (instance (instantiate $C (with "f" (func $f)))))
  "expected a result")
(assert_invalid
  (component
    (import "i" (instance $i (export "a" (func))))
    (component $C (import "i" (instance (export "b" (func)))))
    (instance (instantiate $C (with "i" (instance $i)))))
  "missing expected export")
