;; A tail call (return_call), which Chicory 1.7's compiler does not translate.
;; wat2wasm-flags: --enable-tail-call
(module
  (memory (export "memory") 1)
  (func $zero (result i64) (i64.const 0))
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "execute") (param i32 i32) (result i64) (return_call $zero)))
