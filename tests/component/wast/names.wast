;; Import and export names follow the extern-name grammar (Explainer.md):
;; kebab-case labels whose fragments are all lowercase or all uppercase,
;; `ns:pkg/iface@semver` interface names, and for imports dependency, URL
;; and integrity names.
(component definition
  (import "a-B-3" (func))
  (import "[constructor]r-1" (func))
  (import "[method]r-1.get-X" (func))
  (import "[static]r.make" (func))
  (import "wasi:http/types@0.2.0-rc.1+build.5" (func))
  (import "unlocked-dep=<a:b@{>=1.2.3}>" (func))
  (import "locked-dep=<a:c@1.0.0>,integrity=<sha256-abc>" (func))
  (import "url=<https://example.com/x.wasm>" (func))
  (import "integrity=<sha384-xyz>" (func))
  (export "a-B-3" (func 0)))

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
