;; The `implements` attribute (Binary.md): the value names an interface,
;; and only an instance with a plain name may have one.
(component definition
  (import "a" (implements "a:b/c@1.2.3") (instance $a))
  (instance $i)
  (export "x" (implements "a:b/c") (instance $i))
  (instance (export "y" (implements "a:b/c@2.0.0") (instance $a)))
  (type (component (import "z" (implements "x:y/z") (instance)))))
(assert_invalid
  (component (import "a" (implements "a:b") (instance)))
  "must be an interface")
(assert_invalid
  (component (import "a" (implements "a:b/c@1.x") (instance)))
  "must be an interface")
(assert_invalid
  (component (type (instance (export "t" (implements "a:b/c") (type (sub resource))))))
  "only instances")
(assert_invalid
  (component (import "unlocked-dep=<a:b/c>" (implements "a:b/c") (instance)))
  "is not valid with `implements`")
