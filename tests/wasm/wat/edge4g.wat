;; A full 4 GiB memory: the last bytes below 2^32 are reachable, nothing past.
(module
  (memory 65536 65536)
  (func (export "load32") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "load32_off1") (param i32) (result i32) (i32.load offset=1 (local.get 0)))
  (func (export "load64_offmax") (param i32) (result i64) (i64.load offset=4294967295 (local.get 0)))
  (func (export "store8") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0))))
