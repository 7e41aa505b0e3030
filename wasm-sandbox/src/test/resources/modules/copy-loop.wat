;; memory.copy of the whole memory (16 pages) but one byte onto itself, again and again.
(module
  (memory (export "memory") 16)
  (func (export "alloc") (param i32) (result i32) (i32.const 0))
  (func (export "execute") (param i32 i32) (result i64)
    (loop $again
      (memory.copy
        (i32.const 1)
        (i32.const 0)
        (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 1)))
      (br $again))
    (i64.const 0)))
