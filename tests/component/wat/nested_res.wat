;; Handle tables per component instance under snapshot and reset: a nested
;; definer ($Def) and a nested user ($User) each with a table of their own.
;; The user keeps the handle it allocates until "dealloc"; "alloc" returns
;; the index it got (1 in a fresh table) and the definer's live count.
(component
  (component $Def
    (core module $M
      (global $live (mut i32) (i32.const 0))
      (func (export "dtor") (param i32)
        (global.set $live (i32.sub (global.get $live) (i32.const 1))))
      (func (export "count") (result i32) (global.get $live))
      (func (export "inc") (global.set $live (i32.add (global.get $live) (i32.const 1)))))
    (core instance $m (instantiate $M))
    (type $R (resource (rep i32) (dtor (core func $m "dtor"))))
    (export $Re "r" (type $R))
    (core func $new (canon resource.new $R))
    (core module $Maker
      (import "" "new" (func $new (param i32) (result i32)))
      (import "" "inc" (func $inc))
      (func (export "make") (result i32) (call $inc) (call $new (i32.const 7))))
    (core instance $maker (instantiate $Maker
      (with "" (instance (export "new" (func $new)) (export "inc" (func $m "inc"))))))
    (func (export "make") (result (own $Re)) (canon lift (core func $maker "make")))
    (func (export "count") (result u32) (canon lift (core func $m "count"))))
  (component $User
    (import "def" (instance $def
      (export "r" (type $R (sub resource)))
      (export "make" (func (result (own $R))))))
    (alias export $def "r" (type $R))
    (core func $make (canon lower (func $def "make")))
    (core func $drop (canon resource.drop $R))
    (core module $M
      (import "" "make" (func $make (result i32)))
      (import "" "drop" (func $drop (param i32)))
      (global $h (mut i32) (i32.const 0))
      (func (export "alloc") (result i32)
        (global.set $h (call $make))
        (global.get $h))
      (func (export "dealloc") (call $drop (global.get $h))))
    (core instance $m (instantiate $M
      (with "" (instance (export "make" (func $make)) (export "drop" (func $drop))))))
    (func (export "alloc") (result u32) (canon lift (core func $m "alloc")))
    (func (export "dealloc") (canon lift (core func $m "dealloc"))))
  (instance $def (instantiate $Def))
  (instance $user (instantiate $User (with "def" (instance $def))))
  (export "alloc" (func $user "alloc"))
  (export "dealloc" (func $user "dealloc"))
  (export "count" (func $def "count")))
