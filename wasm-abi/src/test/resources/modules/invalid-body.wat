;; Parses, but fails validation: execute leaves an i32 where an i64 is due.
;; wat2wasm-flags: --no-check
(module
  (memory (export "memory") 1)
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "execute") (param i32 i32) (result i64) (i32.const 0)))
