;; Import and export names follow the extern-name grammar (Explainer.md):
;; kebab-case labels whose fragments are all lowercase or all uppercase,
;; `ns:pkg/iface@semver` interface names, and for imports dependency, URL
;; and integrity names.
(component definition
  (import "a-B-3" (func))
  (import "r-1" (type $r (sub resource)))
  (import "[constructor]r-1" (func (result (own $r))))
  (import "[method]r-1.get-X" (func (param "self" (borrow $r))))
  (import "[static]r-1.make" (func))
  (import "wasi:http/types@0.2.0-rc.1+build.5" (func))
  (import "unlocked-dep=<a:b@{>=1.2.3}>" (func))
  (import "locked-dep=<a:c@1.0.0>,integrity=<sha256-abc>" (func))
  (import "url=<https://example.com/x.wasm>" (func))
  (import "integrity=<sha384-xyz>" (func))
  (export "a-B-3" (func 0)))

;; annotated names must fit their function types and name a resource
(assert_invalid
  (component
    (import "r" (type $r (sub resource)))
    (import "[method]r.m" (func (param "this" (borrow $r)))))
  "called `self`")
(assert_invalid
  (component
    (import "r" (type $r (sub resource)))
    (import "s" (type $s (sub resource)))
    (import "[constructor]r" (func (result (result (own $s))))))
  "resource name")

(assert_invalid (component (import "a:b/c@01.0.0" (func))) "not a valid extern name")
(assert_invalid (component (import "a:b/c@1.0.0-" (func))) "not a valid extern name")
(assert_invalid (component (import "a:b/c@1.0.0-a..b" (func))) "not a valid extern name")
(assert_invalid (component (import "a:b/c@1.0" (func))) "not a valid extern name")
(assert_invalid (component (import "a-:b/c" (func))) "not a valid extern name")
(assert_invalid (component (import "[method]r" (func))) "annotated name")
(assert_invalid (component (import "[constructor]rX" (func))) "kebab case")
(assert_invalid (component (import "a_b" (func))) "kebab case")
;; dependency names are for imports only
(assert_invalid
  (component (import "f" (func $f)) (export "url=<x>" (func $f)))
  "kebab case")
