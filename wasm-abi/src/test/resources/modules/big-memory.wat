;; Declares 300 MiB (4800 pages) of initial memory, above the 256 MiB default.
(module
  (memory (export "memory") 4800)
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "execute") (param i32 i32) (result i64) (i64.const 0)))
