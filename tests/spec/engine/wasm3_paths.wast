;; wast2json: --enable-tail-call --enable-multi-memory
;; Tail calls and several memories across instances: a tail call into a
;; function of another instance (whose memory 0 is not the caller's), and
;; into an imported host function; a memory of one instance imported as
;; memory 0 of another that defines memory 1 as well, grown there and seen
;; by its owner, and a copy between the two.

(module $lib
  (memory (export "mem") 1 4)
  (data (i32.const 0) "\07\00\00\00")
  ;; reads its own memory 0 at address a, plus b
  (func (export "peek_add") (param $a i32) (param $b i32) (result i32)
    (i32.add (i32.load (local.get $a)) (local.get $b)))
  (func (export "size") (result i32) (memory.size))
  (func $down (export "down") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.load (i32.const 0)))
      (else (return_call $down (i32.sub (local.get 0) (i32.const 1)))))))
(register "lib" $lib)

(module $user
  (import "lib" "peek_add" (func $peek_add (param i32 i32) (result i32)))
  (import "lib" "down" (func $down (param i32) (result i32)))
  (import "spectest" "print_i32" (func $print (param i32)))
  (import "lib" "mem" (memory $theirs 1))
  (memory $mine 1)
  (data (memory $mine) (i32.const 0) "\64\00\00\00")
  ;; the callee reads its own memory (7), not ours (100)
  (func (export "tail_other") (param i32) (result i32)
    (return_call $peek_add (i32.const 0) (local.get 0)))
  ;; after a tail call into the other instance returns to us, our memory
  ;; 0 must be current again
  (func (export "after_other") (result i32)
    (i32.add (call $tail_mid) (i32.load $theirs (i32.const 0))))
  (func $tail_mid (result i32) (return_call $down (i32.const 100000)))
  (func (export "tail_host") (param i32) (return_call $print (local.get 0)))
  ;; grows the imported memory through index 0 ($theirs); the owner sees it
  (func (export "grow_theirs") (result i32) (memory.grow $theirs (i32.const 1)))
  (func (export "mine_size") (result i32) (memory.size $mine))
  (func (export "load_mine") (result i32) (i32.load $mine (i32.const 0)))
  (func (export "copy_mine_to_theirs")
    (memory.copy $theirs $mine (i32.const 8) (i32.const 0) (i32.const 4))))

(assert_return (invoke "tail_other" (i32.const 5)) (i32.const 12))
(assert_return (invoke "after_other") (i32.const 14))
(assert_return (invoke "tail_host" (i32.const 3)))
(assert_return (invoke "load_mine") (i32.const 100))
(assert_return (invoke "grow_theirs") (i32.const 1))
(assert_return (invoke $lib "size") (i32.const 2))
(assert_return (invoke "mine_size") (i32.const 1))
(invoke "copy_mine_to_theirs")
(assert_return (invoke $lib "peek_add" (i32.const 8) (i32.const 0)) (i32.const 100))
