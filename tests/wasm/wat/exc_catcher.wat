;; wat2wasm: --enable-exceptions
;; Imports exc_thrower's tag and function and a host-made tag, and catches
;; with the legacy try/catch that toolchains emit (test_exc.c).
(module
  (import "a" "e" (tag $e (param i32)))
  (import "a" "throw" (func $throw (param i32)))
  (import "host" "reenter" (func $reenter (param i32) (result i32)))
  (import "host" "tag" (tag $h (param i32)))
  (func (export "catch_imported") (param i32) (result i32)
    (try (result i32) (do (call $throw (local.get 0)) (i32.const -1))
      (catch $e (i32.add (i32.const 1)))))
  ;; the host function calls back into wasm or throws itself
  (func (export "across_host") (param i32) (result i32)
    (try (result i32) (do (call $reenter (local.get 0)))
      (catch $e (i32.add (i32.const 100)))
      (catch $h (i32.add (i32.const 200)))))
  ;; n exceptions thrown and caught; a legacy catch keeps each one for a
  ;; rethrow that never comes, so the store has to free them
  (func (export "many") (param i32) (result i32)
    (local $i i32)
    (loop $l
      (try (do (call $throw (local.get $i))) (catch $e (drop)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get 0))))
    (local.get $i)))
