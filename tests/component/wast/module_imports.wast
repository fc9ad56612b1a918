;; Core modules as component imports and exports (Explainer.md: core module
;; imports, exports and instantiation arguments). A module given for an
;; import may export more and import less than the import's type says; its
;; exports are found by name, wherever they sit in the module actually given.
(component
  (component $C
    (import "m" (core module $M
      (import "cfg" "k" (global i32))
      (import "cfg" "unused" (func))
      (export "get" (func (result i32)))))
    (core module $Cfg
      (global (export "k") i32 (i32.const 5))
      (func (export "unused")))
    (core instance $cfg (instantiate $Cfg))
    (core instance $m (instantiate $M (with "cfg" (instance $cfg))))
    (alias core export $m "get" (core func $get))
    (func (export "get") (result u32) (canon lift (core func $get)))
    ;; the module passes on up, as given
    (export "m" (core module $M)))
  (core module $Impl
    (import "cfg" "k" (global $k i32))
    (func (export "first") (result i32) (i32.const 1))
    (func (export "second") (result i32) (i32.const 2))
    (func (export "get") (result i32) (i32.add (global.get $k) (i32.const 100))))
  (instance $c (instantiate $C (with "m" (core module $Impl))))
  (alias export $c "m" (core module $Again))
  ;; seen through $C's export, the module has the type $C declared: it
  ;; must be given everything that type imports
  (core module $K (global (export "k") i32 (i32.const 7)) (func (export "unused")))
  (core instance $k (instantiate $K))
  (core instance $again (instantiate $Again (with "cfg" (instance $k))))
  (func (export "get") (alias export $c "get"))
  (func (export "again") (result u32) (canon lift (core func $again "get"))))

(assert_return (invoke "get") (u32.const 105))
(assert_return (invoke "again") (u32.const 107))

;; The module given must fit the import's type.
(assert_invalid
  (component
    (core module $M (func (export "get") (result i64) (i64.const 0)))
    (component $C (import "m" (core module (export "get" (func (result i32))))))
    (instance (instantiate $C (with "m" (core module $M)))))
  "type mismatch in export `get`")
(assert_invalid
  (component
    (core module $M (import "x" "y" (memory 1)))
    (component $C (import "m" (core module (import "x" "y" (memory 0)))))
    (instance (instantiate $C (with "m" (core module $M)))))
  "type mismatch in import `x::y`")

;; The host provides no core modules.
(assert_unlinkable
  (component (import "m" (core module)))
  "core modules")
