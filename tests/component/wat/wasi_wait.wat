;; Waits on a wasi:clocks timer through wasi:io/poll: wait(ns) subscribes,
;; checks the pollable is not ready yet, blocks on it (the call suspends in
;; the host), and returns whether it is ready afterwards. Used by
;; tests/wasi/test_wasi_wait.c.
(component
  (type $poll-t (instance
    (export "pollable" (type (sub resource)))
    (type $b (borrow 0))
    (export "[method]pollable.block" (func (param "self" $b)))
    (export "[method]pollable.ready" (func (param "self" $b) (result bool)))
  ))
  (import "wasi:io/poll@0.2.0" (instance $poll (type $poll-t)))
  (alias export $poll "pollable" (type $pollable))
  (type $clock-t (instance
    (alias outer 1 $pollable (type $pt))
    (export "pollable" (type (eq $pt)))
    (type $own (own 1))
    (export "subscribe-duration" (func (param "when" u64) (result $own)))
  ))
  (import "wasi:clocks/monotonic-clock@0.2.0" (instance $clock (type $clock-t)))
  (core func $block (canon lower (func $poll "[method]pollable.block")))
  (core func $ready (canon lower (func $poll "[method]pollable.ready")))
  (core func $sub (canon lower (func $clock "subscribe-duration")))
  (core func $drop (canon resource.drop $pollable))
  (core module $m
    (import "h" "block" (func $block (param i32)))
    (import "h" "ready" (func $ready (param i32) (result i32)))
    (import "h" "sub" (func $sub (param i64) (result i32)))
    (import "h" "drop" (func $drop (param i32)))
    ;; waits ns nanoseconds; returns 1 if the pollable was not ready before
    ;; blocking and is ready after
    (func (export "wait") (param i64) (result i32)
      (local $p i32) (local $before i32)
      (local.set $p (call $sub (local.get 0)))
      (local.set $before (call $ready (local.get $p)))
      (call $block (local.get $p))
      (i32.and (i32.eqz (local.get $before)) (call $ready (local.get $p)))
      (call $drop (local.get $p))))
  (core instance $h (export "block" (func $block)) (export "ready" (func $ready))
                    (export "sub" (func $sub)) (export "drop" (func $drop)))
  (core instance $i (instantiate $m (with "h" (instance $h))))
  (func (export "wait") (param "ns" u64) (result bool) (canon lift (core func $i "wait")))
)
