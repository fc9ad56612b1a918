;; Data segments for the data image's tests: active ones at both ends of
;; the first page and across the page boundary, a passive one, and what a
;; guest does to them afterwards.
(module
  (memory (export "mem") 2 4)
  (data (i32.const 0) "hello")
  (data (i32.const 65530) "0123456789")
  (data (i32.const 131071) "z")
  (data $p "passive")
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "store8") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  ;; active segments are dropped by instantiation: a non-empty init traps
  (func (export "init_active") (memory.init 0 (i32.const 100) (i32.const 0) (i32.const 1)))
  (func (export "init_passive") (memory.init $p (i32.const 200) (i32.const 0) (i32.const 7))))
