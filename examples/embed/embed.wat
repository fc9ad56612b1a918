;; The module of embed.c: fib(n) computed in a loop, scaled_fib(n) =
;; host.scale(fib(n)) through a host function the embedder provides, and
;; fail, which traps. embed.c holds it assembled (wat2wasm embed.wat).
(module
  (import "host" "scale" (func $scale (param i32) (result i32)))
  (func $fib (export "fib") (param $n i32) (result i32)
    (local $a i32) (local $b i32) (local $t i32)
    (local.set $b (i32.const 1))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $t (i32.add (local.get $a) (local.get $b)))
        (local.set $a (local.get $b))
        (local.set $b (local.get $t))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $a))
  (func (export "scaled_fib") (param i32) (result i32)
    (call $scale (call $fib (local.get 0))))
  (func (export "fail") unreachable))
