;; Uses a v128 instruction (SIMD), which Chicory's compiler does not translate.
(module
  (memory (export "memory") 1)
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "execute") (param i32 i32) (result i64)
    (drop (i32x4.splat (i32.const 1)))
    (i64.const 0)))
