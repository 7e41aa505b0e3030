;; Two tables (reference types): a job module has at most one.
(module
  (table 1 funcref)
  (table 1 funcref)
  (memory (export "memory") 1)
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "execute") (param i32 i32) (result i64) (i64.const 0)))
