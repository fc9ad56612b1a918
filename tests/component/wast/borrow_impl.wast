;; Borrows across component instances (CanonicalABI.md lift_borrow,
;; lower_borrow). A borrow passed to the instance that defined the resource
;; arrives as the representation itself, with nothing to drop; one passed to
;; another instance is a handle that must be dropped before the call
;; returns. A borrowed own handle cannot be moved or dropped while the call
;; it is lent to runs, and is free again once it returns.
(component definition $Pair
  (component $Def
    (core module $M
      (func (export "rep") (param i32) (result i32) (local.get 0)))
    (core instance $m (instantiate $M))
    (type $R (resource (rep i32)))
    (export $Re "r" (type $R))
    (core func $new (canon resource.new $R))
    (core module $Maker
      (import "" "new" (func $new (param i32) (result i32)))
      (func (export "make") (param i32) (result i32) (call $new (local.get 0))))
    (core instance $maker (instantiate $Maker (with "" (instance (export "new" (func $new))))))
    (func (export "make") (param "rep" u32) (result (own $Re))
      (canon lift (core func $maker "make")))
    ;; the parameter is the representation: no handle, nothing to drop
    (func (export "rep") (param "h" (borrow $Re)) (result u32)
      (canon lift (core func $m "rep"))))
  (component $Keeper
    (import "def" (instance $def (export "r" (type (sub resource)))))
    (alias export $def "r" (type $R))
    (core func $drop (canon resource.drop $R))
    (core module $M
      (import "" "drop" (func $drop (param i32)))
      ;; the parameter is a handle in this instance's table: index 1
      (func (export "keep") (param i32) (result i32) (local.get 0))
      (func (export "drop") (param i32) (result i32) (call $drop (local.get 0)) (local.get 0)))
    (core instance $m (instantiate $M (with "" (instance (export "drop" (func $drop))))))
    (func (export "keep") (param "h" (borrow $R)) (result u32) (canon lift (core func $m "keep")))
    (func (export "drop") (param "h" (borrow $R)) (result u32) (canon lift (core func $m "drop"))))
  (component $User
    (import "def" (instance $def
      (export "r" (type $R (sub resource)))
      (export "make" (func (param "rep" u32) (result (own $R))))
      (export "rep" (func (param "h" (borrow $R)) (result u32)))))
    (alias export $def "r" (type $R))
    (import "keeper" (instance $keeper
      (alias outer $User $R (type $Rk))
      (export "keep" (func (param "h" (borrow $Rk)) (result u32)))
      (export "drop" (func (param "h" (borrow $Rk)) (result u32)))))
    (core func $make (canon lower (func $def "make")))
    (core func $rep (canon lower (func $def "rep")))
    (core func $keep (canon lower (func $keeper "keep")))
    (core func $kdrop (canon lower (func $keeper "drop")))
    (core func $drop (canon resource.drop $R))
    (core module $M
      (import "" "make" (func $make (param i32) (result i32)))
      (import "" "rep" (func $rep (param i32) (result i32)))
      (import "" "keep" (func $keep (param i32) (result i32)))
      (import "" "kdrop" (func $kdrop (param i32) (result i32)))
      (import "" "drop" (func $drop (param i32)))
      (func (export "via-def") (result i32) (local $h i32) (local $v i32)
        (local.set $h (call $make (i32.const 42)))
        (local.set $v (call $rep (local.get $h)))
        (local.set $v (i32.add (local.get $v) (call $rep (local.get $h))))
        (call $drop (local.get $h))
        (local.get $v))
      (func (export "via-keeper-dropped") (result i32) (local $h i32) (local $v i32)
        (local.set $h (call $make (i32.const 5)))
        (local.set $v (call $kdrop (local.get $h)))
        (call $drop (local.get $h))
        (local.get $v))
      (func (export "via-keeper-kept") (result i32)
        (call $keep (call $make (i32.const 6)))))
    (core instance $m (instantiate $M (with "" (instance
      (export "make" (func $make)) (export "rep" (func $rep)) (export "keep" (func $keep))
      (export "kdrop" (func $kdrop)) (export "drop" (func $drop))))))
    (func (export "via-def") (result u32) (canon lift (core func $m "via-def")))
    (func (export "via-keeper-dropped") (result u32)
      (canon lift (core func $m "via-keeper-dropped")))
    (func (export "via-keeper-kept") (result u32) (canon lift (core func $m "via-keeper-kept"))))
  (instance $def (instantiate $Def))
  (instance $keeper (instantiate $Keeper (with "def" (instance $def))))
  (instance $user (instantiate $User
    (with "def" (instance $def)) (with "keeper" (instance $keeper))))
  (export "via-def" (func $user "via-def"))
  (export "via-keeper-dropped" (func $user "via-keeper-dropped"))
  (export "via-keeper-kept" (func $user "via-keeper-kept")))

(component instance $p $Pair)
(assert_return (invoke "via-def") (u32.const 84))
(assert_return (invoke "via-def") (u32.const 84))
(assert_return (invoke "via-keeper-dropped") (u32.const 1))
(assert_trap (invoke "via-keeper-kept") "outlived")
