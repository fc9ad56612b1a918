;; Calls that would reenter a component instance trap (CanonicalABI.md
;; call_might_be_recursive): into itself, from an instance it contains or
;; that contains it, and into an instance running a call already. Calls
;; between sibling instances are fine.

;; A start function calling its own component's export, through a lowered
;; import: instantiation traps.
(assert_trap
  (component
    (core module $Impl (func (export "f")))
    (core instance $impl (instantiate $Impl))
    (func $f (canon lift (core func $impl "f")))
    (core func $f' (canon lower (func $f)))
    (core module $Starter
      (import "" "f" (func $f))
      (start $f))
    (core instance (instantiate $Starter (with "" (instance (export "f" (func $f')))))))
  "cannot enter component instance")

;; An export whose core code calls another export of the same instance.
(component
  (core module $Impl (func (export "f")))
  (core instance $impl (instantiate $Impl))
  (func $f (canon lift (core func $impl "f")))
  (core func $f' (canon lower (func $f)))
  (core module $Caller
    (import "" "f" (func $f))
    (func (export "g") (call $f)))
  (core instance $caller (instantiate $Caller (with "" (instance (export "f" (func $f'))))))
  (func (export "g") (canon lift (core func $caller "g")))
  (export "f" (func $f)))
(assert_trap (invoke "g") "cannot enter component instance")

;; A parent's core code calling its child's export.
(component
  (component $Child
    (core module $M (func (export "f")))
    (core instance $m (instantiate $M))
    (func (export "f") (canon lift (core func $m "f"))))
  (instance $child (instantiate $Child))
  (core func $f (canon lower (func $child "f")))
  (core module $Outer
    (import "" "f" (func $f))
    (func (export "g") (call $f)))
  (core instance $outer (instantiate $Outer (with "" (instance (export "f" (func $f))))))
  (func (export "g") (canon lift (core func $outer "g"))))
(assert_trap (invoke "g") "cannot enter component instance")

;; A child's core code calling its parent's function.
(component
  (core module $Inner (func (export "f")))
  (core instance $inner (instantiate $Inner))
  (func $f (canon lift (core func $inner "f")))
  (component $Child
    (import "f" (func $f))
    (core func $f' (canon lower (func $f)))
    (core module $M
      (import "" "f" (func $f))
      (func (export "g") (call $f)))
    (core instance $m (instantiate $M (with "" (instance (export "f" (func $f'))))))
    (func (export "g") (canon lift (core func $m "g"))))
  (instance $child (instantiate $Child (with "f" (func $f))))
  (export "g" (func $child "g")))
(assert_trap (invoke "g") "cannot enter component instance")

;; Siblings call each other (here at instantiation too, from a start
;; function), and one can be called again once its call has returned.
(component
  (component $Counter
    (core module $M
      (global $n (mut i32) (i32.const 0))
      (func (export "bump") (result i32)
        (global.set $n (i32.add (global.get $n) (i32.const 1)))
        (global.get $n)))
    (core instance $m (instantiate $M))
    (func (export "bump") (result u32) (canon lift (core func $m "bump"))))
  (component $User
    (import "bump" (func $bump (result u32)))
    (core func $bump' (canon lower (func $bump)))
    (core module $M
      (import "" "bump" (func $bump (result i32)))
      (func $start (drop (call $bump)))
      (start $start)
      (func (export "twice") (result i32) (drop (call $bump)) (call $bump)))
    (core instance $m (instantiate $M (with "" (instance (export "bump" (func $bump'))))))
    (func (export "twice") (result u32) (canon lift (core func $m "twice"))))
  (instance $counter (instantiate $Counter))
  (instance $user (instantiate $User (with "bump" (func $counter "bump"))))
  (export "twice" (func $user "twice"))
  (export "bump" (func $counter "bump")))
(assert_return (invoke "twice") (u32.const 3))
(assert_return (invoke "bump") (u32.const 4))
(assert_return (invoke "twice") (u32.const 6))
