;; An atomic load (threads proposal), valid on an unshared memory.
;; wat2wasm-flags: --enable-threads
(module
  (memory (export "memory") 1)
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "execute") (param i32 i32) (result i64)
    (i64.extend_i32_u (i32.atomic.load (i32.const 0)))))
