;; Grows its table at run time: memory outside the limit, and Chicory keeps the growth.
(module
  (table 1 100000 funcref)
  (memory (export "memory") 1)
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "execute") (param i32 i32) (result i64)
    (drop (table.grow 0 (ref.null func) (i32.const 99999)))
    (i64.const 0)))
