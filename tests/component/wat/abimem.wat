;; A memory and a bump allocator, for canonical ABI tests: realloc ignores
;; the old block and hands out aligned space from offset 1024 up.
(module
  (memory (export "memory") 1)
  (global $next (mut i32) (i32.const 1024))
  (func (export "realloc") (param $old i32) (param $oldsz i32) (param $align i32) (param $size i32)
    (result i32) (local $p i32)
    (local.set $p (i32.and (i32.add (global.get $next) (i32.sub (local.get $align) (i32.const 1)))
                           (i32.sub (i32.const 0) (local.get $align))))
    (global.set $next (i32.add (local.get $p) (local.get $size)))
    (local.get $p)))
