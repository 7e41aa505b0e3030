;; Declares a shared memory (threads proposal).
;; wat2wasm-flags: --enable-threads
(module
  (memory (export "memory") 1 1 shared)
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "execute") (param i32 i32) (result i64) (i64.const 0)))
