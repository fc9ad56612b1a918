;; An export's ascribed type must be a supertype of the item's (Binary.md
;; export), and an ascribed instance type refers to the item's resources.
(component definition
  (type $R (resource (rep i32)))
  (core module $m (func (export "f") (result i32) unreachable))
  (core instance $i (instantiate $m))
  (export $R' "r" (type $R))
  (func $f (result (own $R')) (canon lift (core func $i "f")))
  (instance $bag (export "r" (type $R')) (export "f" (func $f)) (export "g" (func $f)))
  ;; "g" forgotten; "r" ascribed as an abstract resource
  (export $e "i" (instance $bag)
    (instance (export "r" (type (sub resource))) (export "f" (func (result (own 0))))))
  (alias export $e "f" (func $ef))
  (component $C
    (import "r" (type $r (sub resource)))
    (import "f" (func (result (own $r)))))
  ;; the ascribed "f" still returns the resource $R'
  (instance (instantiate $C (with "r" (type $R')) (with "f" (func $ef)))))
(assert_invalid
  (component
    (core module $m (func (export "f") (result i32) unreachable))
    (core instance $i (instantiate $m))
    (func $f (result u32) (canon lift (core func $i "f")))
    (export "f" (func $f) (func (result s32))))
  "ascribed type of export is not compatible")
(assert_invalid
  (component
    (type $T (record (field "a" u32)))
    (type $U (record (field "b" u32)))
    (export $T' "t" (type $T))
    (export $U' "u" (type $U))
    (export "v" (type $T') (type (eq $U'))))
  "ascribed type of export is not compatible")
