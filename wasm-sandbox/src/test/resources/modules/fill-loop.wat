;; memory.fill over the whole memory (16 pages), again and again: each one is charged its
;; size, so the loop runs out of fuel instead of running until its wall time.
(module
  (memory (export "memory") 16)
  (func (export "alloc") (param i32) (result i32) (i32.const 0))
  (func (export "execute") (param i32 i32) (result i64)
    (loop $again
      (memory.fill (i32.const 0) (i32.const 255) (i32.mul (memory.size) (i32.const 65536)))
      (br $again))
    (i64.const 0)))
