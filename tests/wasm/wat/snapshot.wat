;; Everything a call can change in a store, for the snapshot tests: memory
;; contents and size, mutable globals, a table's contents and size, and
;; passive segments (dropped or not). The start function writes memory and
;; a global, so the snapshot must keep what it did.
(module
  (memory (export "mem") 1 8)
  (global $g (mut i32) (i32.const 7))
  (global $h (mut i64) (i64.const 0))
  (table $t 2 10 funcref)
  (elem (table $t) (i32.const 0) func $one $two)
  (elem $pe func $two)
  (data (i32.const 10) "abc")
  (data $pd "xyz")
  (func $one (result i32) (i32.const 1))
  (func $two (result i32) (i32.const 2))
  (func $start
    (i32.store8 (i32.const 5000) (i32.const 0x77))
    (global.set $h (i64.const 5)))
  (start $start)
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "store8") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "get_g") (result i32) (global.get $g))
  (func (export "set_g") (param i32) (global.set $g (local.get 0)))
  (func (export "get_h") (result i32) (i32.wrap_i64 (global.get $h)))
  (func (export "set_h") (param i32) (global.set $h (i64.extend_i32_u (local.get 0))))
  (func (export "call_at") (param i32) (result i32) (call_indirect (result i32) (local.get 0)))
  (func (export "table_size") (result i32) (table.size $t))
  (func (export "table_grow") (param i32) (result i32)
    (table.grow $t (ref.null func) (local.get 0)))
  (func (export "swap_slot0") (table.set $t (i32.const 0) (ref.func $two)))
  (func (export "drop_passive") (data.drop $pd) (elem.drop $pe))
  ;; both trap once their segment was dropped
  (func (export "use_passive") (result i32)
    (memory.init $pd (i32.const 300) (i32.const 0) (i32.const 3))
    (table.init $t $pe (i32.const 1) (i32.const 0) (i32.const 1))
    (i32.load8_u (i32.const 301))))
