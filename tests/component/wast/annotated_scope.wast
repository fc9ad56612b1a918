;; An annotated name ([constructor]r, [method]r.m, [static]r.m) refers to a
;; resource named r by an import, for an import, or by an export, for an
;; export (Binary.md); a bag of exports names no resource.
(component definition
  (import "r" (type $r (sub resource)))
  (import "[static]r.make" (func (result (own $r))))
  (import "[method]r.get" (func (param "self" (borrow $r)) (result u32))))
(assert_invalid
  (component
    (import "r" (type $r (sub resource)))
    (import "f" (func $f (result (own $r))))
    (export "[static]r.make" (func $f)))
  "static resource name is not known")
(component definition
  (import "r" (type $r (sub resource)))
  (import "f" (func $f (result (own $r))))
  (export $r' "r" (type $r))
  (export "[static]r.make" (func $f) (func (result (own $r')))))
(assert_invalid
  (component
    (import "r" (type $r (sub resource)))
    (import "f" (func $f (result (own $r))))
    (instance (export "r" (type $r)) (export "[static]r.make" (func $f))))
  "static resource name is not known")
