;; The start function traps, so instantiation itself fails.
(module
  (memory (export "memory") 1)
  (func $start unreachable)
  (start $start)
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "execute") (param i32 i32) (result i64) (i64.const 0)))
