;; A lifted function whose post-return loops: a time slice that ends while
;; post-return runs must not leave the call suspended (test_suspend.c).
;; "run" returns 7; post-return counts to 100,000 into a global, which
;; "count" reads.
(component
  (core module $m
    (global $n (mut i32) (i32.const 0))
    (func (export "run") (result i32) (i32.const 7))
    (func (export "post") (param i32)
      (global.set $n (i32.const 0))
      (loop $l
        (global.set $n (i32.add (global.get $n) (i32.const 1)))
        (br_if $l (i32.lt_u (global.get $n) (i32.const 100000)))))
    (func (export "count") (result i32) (global.get $n))
  )
  (core instance $i (instantiate $m))
  (func $run (result u32) (canon lift (core func $i "run") (post-return (core func $i "post"))))
  (func $count (result u32) (canon lift (core func $i "count")))
  (export "run" (func $run))
  (export "count" (func $count))
)
