;; A table of ten million entries: every instance would allocate it outside the memory limit.
(module
  (table 10000000 funcref)
  (memory (export "memory") 1)
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "execute") (param i32 i32) (result i64) (i64.const 0)))
