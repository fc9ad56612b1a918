;; Outer aliases are resolved in the scope that defined the component, not
;; in the one that instantiates it (Explainer.md: a component with outer
;; aliases is a closure). Each component below is instantiated somewhere
;; else than where it was defined; resolving in the instantiating scope
;; made the first one instantiate itself until the stack ran out.

;; $A is defined in $root and instantiated in $B: its `alias outer $root
;; $Leaf` is $root's component 0, which in $B's index space is $A itself.
(component $root
  (component $Leaf
    (core module $m (func (export "f") (result i32) i32.const 42))
    (core instance $i (instantiate $m))
    (func (export "f") (result u32) (canon lift (core func $i "f"))))
  (component $A
    (alias outer $root $Leaf (component $L))
    (instance $l (instantiate $L))
    (export "f" (func $l "f")))
  (component $B
    (alias outer $root $A (component $A2))
    (instance $a (instantiate $A2))
    (export "f" (func $a "f")))
  (instance $b (instantiate $B))
  (export "f" (func $b "f")))
(assert_return (invoke "f") (u32.const 42))

;; A component passed as an instantiation argument, and one exported by the
;; instance that defined it and instantiated by the parent: both reach
;; their definer's items (a type and a component) through outer aliases.
(component $root
  (type $num u32)
  (component $Seven
    (core module $m (func (export "f") (result i32) i32.const 7))
    (core instance $i (instantiate $m))
    (func (export "f") (result u32) (canon lift (core func $i "f"))))
  (component $Uses
    (alias outer $root $num (type $n))
    (alias outer $root $Seven (component $S))
    (instance $s (instantiate $S))
    (export "f" (func $s "f") (func (result $n))))
  (component $Runner
    (import "c" (component $C (export "f" (func (result u32)))))
    (instance $c (instantiate $C))
    (export "f" (func $c "f")))
  (component $Maker
    (component $Eight
      (core module $m (func (export "f") (result i32) i32.const 8))
      (core instance $i (instantiate $m))
      (func (export "f") (result u32) (canon lift (core func $i "f"))))
    (component $Inner
      (alias outer $Maker $Eight (component $E))
      (instance $e (instantiate $E))
      (export "f" (func $e "f")))
    (export "inner" (component $Inner)))
  (instance $r (instantiate $Runner (with "c" (component $Uses))))
  (instance $m (instantiate $Maker))
  (alias export $m "inner" (component $I))
  (instance $i (instantiate $I))
  (export "passed" (func $r "f"))
  (export "exported" (func $i "f")))
(assert_return (invoke "passed") (u32.const 7))
(assert_return (invoke "exported") (u32.const 8))

;; An outer alias out of a component definition may not name a type that
;; refers to resources (resource types are generative; a component closes
;; over immutable definitions only); inside a type of the same component
;; it may.
(assert_invalid
  (component $C
    (type $R (resource (rep i32)))
    (type $F (func (param "r" (borrow $R))))
    (component (alias outer $C $F (type $f))))
  "refers to resources")
(component definition $Ok
  (type $R (resource (rep i32)))
  (type (instance (alias outer $Ok $R (type $r)) (export "f" (func (param "r" (own $r)))))))
