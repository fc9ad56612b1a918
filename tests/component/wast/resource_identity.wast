;; Resource types are compared by identity where an argument must match
;; an import: an `(eq)` import wants the very resource of the import it
;; names, and each import of an instance type has resource types of its
;; own (the suite's validation/resources.wast has the invalid cases).

;; the same resource for an import and its `(eq)` twin
(component definition
  (import "T" (type $T (sub resource)))
  (component $eq
    (import "a" (type $a (sub resource)))
    (import "b" (type (eq $a))))
  (instance (instantiate $eq (with "a" (type $T)) (with "b" (type $T)))))
(assert_invalid
  (component
    (import "T" (type $T (sub resource)))
    (import "U" (type $U (sub resource)))
    (component $eq
      (import "a" (type $a (sub resource)))
      (import "b" (type (eq $a))))
    (instance (instantiate $eq (with "a" (type $T)) (with "b" (type $U)))))
  "resource types are not the same")

;; one instance type, two imports: a function goes with its own
;; instance's resource, not with the other's
(component definition
  (type $I (instance
    (export "r" (type $r (sub resource)))
    (export "f" (func (result (own $r))))))
  (import "i1" (instance $i1 (type $I)))
  (import "i2" (instance $i2 (type $I)))
  (component $C
    (import "r" (type $r (sub resource)))
    (import "f" (func (result (own $r)))))
  (instance (instantiate $C (with "r" (type $i1 "r")) (with "f" (func $i1 "f"))))
  (instance (instantiate $C (with "r" (type $i2 "r")) (with "f" (func $i2 "f")))))
(assert_invalid
  (component
    (type $I (instance
      (export "r" (type $r (sub resource)))
      (export "f" (func (result (own $r))))))
    (import "i1" (instance $i1 (type $I)))
    (import "i2" (instance $i2 (type $I)))
    (component $C
      (import "r" (type $r (sub resource)))
      (import "f" (func (result (own $r)))))
    (instance (instantiate $C (with "r" (type $i2 "r")) (with "f" (func $i1 "f")))))
  "resource types are not the same")
