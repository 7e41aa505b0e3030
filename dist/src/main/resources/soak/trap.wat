;; A job that fails on purpose in meshwork bench --soak: execute traps at once
;; (unreachable), so every attempt fails with a trap and the job fails.
(module
  (memory (export "memory") 1)
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "execute") (param i32 i32) (result i64) unreachable))
