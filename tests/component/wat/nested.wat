;; Nested components, instantiation with type arguments, outer aliases,
;; export and core export aliases, inline instances, a resource with a
;; destructor and its canon builtins, canon lower, export ascription.
(component $outer
  (import "wasi:http/types@0.2.0" (instance $types
    (export "fields" (type (sub resource)))
    (export "error-code" (type (eq 0)))
    (type $fields-own (own 0))
    (export "[constructor]fields" (func (result $fields-own)))
  ))
  (alias export $types "fields" (type $fields))
  (alias export $types "[constructor]fields" (func $new-fields))
  (type $u32-list (list u32))

  (core module $impl
    (import "host" "new-fields" (func $nf (result i32)))
    (import "host" "counter-new" (func $cn (param i32) (result i32)))
    (memory (export "memory") 1)
    (table (export "table") 1 funcref)
    (global (export "g") i32 (i32.const 7))
    (func (export "make") (result i32) i32.const 1 call $cn)
    (func (export "sum") (param i32 i32) (result i32) i32.const 0)
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) i32.const 0)
  )
  (core module $dtors (func (export "dtor") (param i32)))
  (core instance $dtors-i (instantiate $dtors))
  (type $counter (resource (rep i32) (dtor (core func $dtors-i "dtor"))))
  (core func $counter-new (canon resource.new $counter))
  (core func $counter-rep (canon resource.rep $counter))
  (core func $counter-drop (canon resource.drop $counter))
  (core func $fields-drop (canon resource.drop $fields))
  ;; what an export refers to must have a name outside (Explainer.md
  ;; external visibility): the resource's export names it
  (export $counter-e "counter" (type $counter))
  (core func $nf-lowered (canon lower (func $new-fields)))
  (core instance $host-args
    (export "new-fields" (func $nf-lowered))
    (export "counter-new" (func $counter-new)))
  (core instance $impl-i (instantiate $impl (with "host" (instance $host-args))))
  (alias core export $impl-i "memory" (core memory $mem))
  (alias core export $impl-i "table" (core table $tbl))
  (alias core export $impl-i "g" (core global $g))

  (type $counter-own (own $counter-e))
  (func $make (result $counter-own) (canon lift (core func $impl-i "make")))
  (func $sum (param "xs" $u32-list) (result u32)
    (canon lift (core func $impl-i "sum") (memory $mem) (realloc (core func $impl-i "realloc"))))

  (component $inner
    (import "counter" (type $c (sub resource)))
    (import "make" (func $mk (result (own $c))))
    (alias outer $outer $u32-list (type $outer-list))
    (type $sum-t (func (param "xs" $outer-list) (result u32)))
    (import "sum" (func $s (type $sum-t)))
    (export "counter" (type $c))
    (export "make" (func $mk))
    (export "sum" (func $s))
  )
  (instance $api (instantiate $inner
    (with "counter" (type $counter-e))
    (with "make" (func $make))
    (with "sum" (func $sum))))
  (alias export $api "sum" (func $api-sum))
  (instance $bundle (export "sum" (func $api-sum)) (export "make" (func $make))
    (export "counter" (type $counter)))
  (export "demo:counter/api@1.0.0" (instance $api))
  (export "bundle" (instance $bundle))
  (type $sum-t-outer (func (param "xs" $u32-list) (result u32)))
  (export "sum2" (func $api-sum) (func (type $sum-t-outer)))
)
