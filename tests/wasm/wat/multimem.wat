;; wat2wasm: --enable-multi-memory
;; Several memories for the engine's tests: memory 0 ($a, 2 pages) and
;; memory 1 ($b, 1 page, at most 3) with loads, stores, size, grow, fill,
;; copy within and between them, init from a segment, and a data segment
;; of its own. An access past memory 1's end traps though memory 0 is
;; larger; memory 0 is right again after every access to memory 1.
(module
  (memory $a (export "a") 2)
  (memory $b (export "b") 1 3)
  (data (memory $b) (i32.const 16) "\2a\00\00\00")
  (data $seg "hello")

  (func (export "load_b") (param i32) (result i32) (i32.load $b (local.get 0)))
  (func (export "load_a") (param i32) (result i32) (i32.load $a (local.get 0)))
  (func (export "store_b") (param i32 i32) (i32.store $b (local.get 0) (local.get 1)))
  (func (export "store_a") (param i32 i32) (i32.store $a (local.get 0) (local.get 1)))
  (func (export "store8_b") (param i32 i32) (i32.store8 $b offset=1 (local.get 0) (local.get 1)))
  (func (export "load16_b") (param i32) (result i32) (i32.load16_u $b offset=1 (local.get 0)))
  (func (export "size_a") (result i32) (memory.size $a))
  (func (export "size_b") (result i32) (memory.size $b))
  (func (export "grow_b") (param i32) (result i32) (memory.grow $b (local.get 0)))
  (func (export "fill_b") (param i32 i32 i32) (memory.fill $b (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy_b") (param i32 i32 i32) (memory.copy $b $b (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy_a_to_b") (param i32 i32 i32)
    (memory.copy $b $a (local.get 0) (local.get 1) (local.get 2)))
  (func (export "init_b") (param i32 i32 i32) (memory.init $b $seg (local.get 0) (local.get 1) (local.get 2)))

  ;; memory 1 then memory 0 in one function, with a loaded value kept in a
  ;; local and compared in a branch: b[x] + a[y], or -1 when b[x] is 0
  (func (export "mixed") (param $x i32) (param $y i32) (result i32) (local $v i32)
    (local.set $v (i32.load $b (local.get $x)))
    (if (i32.eqz (i32.load $b (local.get $x))) (then (return (i32.const -1))))
    (i32.add (local.get $v) (i32.load $a (local.get $y))))
  ;; a loop over memory 1 that sums n words from address 0
  (func (export "sum_b") (param $n i32) (result i32) (local $i i32) (local $s i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $s (i32.add (local.get $s)
                               (i32.load $b (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $s)))
