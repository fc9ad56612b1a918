;; Functions over map<K, V> and list<T, N> (CanonicalABI.md): a map is
;; passed as the list<tuple<K, V>> it despecializes to, a fixed-length list
;; as a tuple of N elements: flat while the parameters fit in 16 core
;; values and a result in one, through memory beyond.
(component
  (core module $M
    (memory (export "mem") 1)
    (global $next (mut i32) (i32.const 4096))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $r i32)
      (global.set $next (i32.and (i32.add (global.get $next) (i32.const 7)) (i32.const -8)))
      (local.set $r (global.get $next))
      (global.set $next (i32.add (global.get $next) (local.get 3)))
      (local.get $r))

    ;; list<u32, 4>: four flat i32 parameters
    (func (export "sum4") (param i32 i32 i32 i32) (result i32)
      (i32.add (i32.add (local.get 0) (local.get 1)) (i32.add (local.get 2) (local.get 3))))

    ;; list<u32, 17>: 17 flat values are too many, the host stores them and
    ;; passes a pointer; the weight of each element tells them apart
    (func (export "sum17") (param $p i32) (result i32)
      (local $i i32) (local $s i32)
      (block $d (loop $l
        (br_if $d (i32.ge_u (local.get $i) (i32.const 17)))
        (local.set $s (i32.add (local.get $s)
          (i32.mul (i32.add (local.get $i) (i32.const 1))
            (i32.load (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
      (local.get $s))

    ;; list<u8, 1> as a result: one flat i32
    (func (export "one") (param i32) (result i32)
      (i32.add (local.get 0) (i32.const 1)))

    ;; list<u16, 3> as a result: three flat values, so through a pointer
    (func (export "three") (param $x i32) (result i32)
      (i32.store16 (i32.const 64) (local.get $x))
      (i32.store16 (i32.const 66) (i32.add (local.get $x) (i32.const 1)))
      (i32.store16 (i32.const 68) (i32.add (local.get $x) (i32.const 2)))
      (i32.const 64))

    ;; map<u8, u32>: (ptr, len) of 8-byte entries, the value at offset 4;
    ;; returns the sum of key * value
    (func (export "map-dot") (param $p i32) (param $n i32) (result i32)
      (local $i i32) (local $s i32) (local $e i32)
      (block $d (loop $l
        (br_if $d (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $e (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 3))))
        (local.set $s (i32.add (local.get $s)
          (i32.mul (i32.load8_u (local.get $e)) (i32.load offset=4 (local.get $e)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
      (local.get $s))

    ;; map<u8, u64> as a result: n entries of 16 bytes {i: i * 10}, the
    ;; value at offset 8, written at 1024; (ptr, len) at 128
    (func (export "map-make") (param $n i32) (result i32)
      (local $i i32) (local $e i32)
      (block $d (loop $l
        (br_if $d (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $e (i32.add (i32.const 1024) (i32.shl (local.get $i) (i32.const 4))))
        (i32.store8 (local.get $e) (local.get $i))
        (i64.store offset=8 (local.get $e) (i64.mul (i64.extend_i32_u (local.get $i)) (i64.const 10)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
      (i32.store (i32.const 128) (i32.const 1024))
      (i32.store (i32.const 132) (local.get $n))
      (i32.const 128))

    ;; map<string, string> in, map<string, string> out: each entry with
    ;; key and value swapped (entries of 16 bytes)
    (func (export "map-swap") (param $p i32) (param $n i32) (result i32)
      (local $i i32) (local $e i32) (local $o i32)
      (local.set $o (i32.const 2048))
      (block $d (loop $l
        (br_if $d (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $e (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 4))))
        (i64.store (i32.add (local.get $o) (i32.shl (local.get $i) (i32.const 4)))
          (i64.load offset=8 (local.get $e)))
        (i64.store offset=8 (i32.add (local.get $o) (i32.shl (local.get $i) (i32.const 4)))
          (i64.load (local.get $e)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
      (i32.store (i32.const 136) (local.get $o))
      (i32.store (i32.const 140) (local.get $n))
      (i32.const 136))

    ;; malformed results: a key that is no char, a map too long for the
    ;; canonical ABI, and one that runs past the end of memory
    (func (export "bad-key") (result i32)
      (i32.store (i32.const 256) (i32.const 0xd800))
      (i32.store8 (i32.const 260) (i32.const 1))
      (i32.store (i32.const 144) (i32.const 256))
      (i32.store (i32.const 148) (i32.const 1))
      (i32.const 144))
    (func (export "bad-value") (result i32)
      (i32.store (i32.const 256) (i32.const 65))
      (i32.store8 (i32.const 260) (i32.const 2))
      (i32.store (i32.const 144) (i32.const 256))
      (i32.store (i32.const 148) (i32.const 1))
      (i32.const 144))
    (func (export "huge") (result i32)
      (i32.store (i32.const 144) (i32.const 0))
      (i32.store (i32.const 148) (i32.const 0x7fffffff))
      (i32.const 144))
    (func (export "past-end") (result i32)
      (i32.store (i32.const 144) (i32.const 0))
      (i32.store (i32.const 148) (i32.const 1000000))
      (i32.const 144))
  )
  (core instance $m (instantiate $M))
  (func (export "sum4") (param "a" (list u32 4)) (result u32)
    (canon lift (core func $m "sum4")))
  (func (export "sum17") (param "a" (list u32 17)) (result u32)
    (canon lift (core func $m "sum17") (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
  (func (export "one") (param "x" u8) (result (list u8 1))
    (canon lift (core func $m "one")))
  (func (export "three") (param "x" u16) (result (list u16 3))
    (canon lift (core func $m "three") (memory (core memory $m "mem"))))
  (func (export "map-dot") (param "m" (map u8 u32)) (result u32)
    (canon lift (core func $m "map-dot") (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
  (func (export "map-make") (param "n" u32) (result (map u8 u64))
    (canon lift (core func $m "map-make") (memory (core memory $m "mem"))))
  (func (export "map-swap") (param "m" (map string string)) (result (map string string))
    (canon lift (core func $m "map-swap") (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
  (func (export "bad-key") (result (map char (option u8)))
    (canon lift (core func $m "bad-key") (memory (core memory $m "mem"))))
  (func (export "bad-value") (result (map char (option u8)))
    (canon lift (core func $m "bad-value") (memory (core memory $m "mem"))))
  (func (export "huge") (result (map u8 u8))
    (canon lift (core func $m "huge") (memory (core memory $m "mem"))))
  (func (export "past-end") (result (map u8 u8))
    (canon lift (core func $m "past-end") (memory (core memory $m "mem"))))
)

(assert_return
  (invoke "sum4" (list.const (u32.const 1) (u32.const 2) (u32.const 3) (u32.const 4)))
  (u32.const 10))
(assert_return
  (invoke "sum17" (list.const
    (u32.const 1) (u32.const 1) (u32.const 1) (u32.const 1) (u32.const 1) (u32.const 1)
    (u32.const 1) (u32.const 1) (u32.const 1) (u32.const 1) (u32.const 1) (u32.const 1)
    (u32.const 1) (u32.const 1) (u32.const 1) (u32.const 1) (u32.const 2)))
  (u32.const 170))
(assert_return (invoke "one" (u8.const 41)) (list.const (u8.const 42)))
(assert_return (invoke "three" (u16.const 7))
  (list.const (u16.const 7) (u16.const 8) (u16.const 9)))

(assert_return
  (invoke "map-dot" (list.const
    (tuple.const (u8.const 2) (u32.const 10))
    (tuple.const (u8.const 3) (u32.const 100))
    (tuple.const (u8.const 2) (u32.const 1))))
  (u32.const 322))
(assert_return (invoke "map-dot" (list.const)) (u32.const 0))
(assert_return (invoke "map-make" (u32.const 3))
  (list.const
    (tuple.const (u8.const 0) (u64.const 0))
    (tuple.const (u8.const 1) (u64.const 10))
    (tuple.const (u8.const 2) (u64.const 20))))
(assert_return (invoke "map-make" (u32.const 0)) (list.const))
(assert_return
  (invoke "map-swap" (list.const
    (tuple.const (str.const "a") (str.const "x"))
    (tuple.const (str.const "bc") (str.const ""))))
  (list.const
    (tuple.const (str.const "x") (str.const "a"))
    (tuple.const (str.const "") (str.const "bc"))))

(assert_trap (invoke "bad-key") "not a valid char")
(assert_trap (invoke "bad-value") "discriminant 2 out of range")
(assert_trap (invoke "huge") "exceeds the maximum length")
(assert_trap (invoke "past-end") "out of bounds")
