;; wat2wasm-flags: --no-check
;; "alloc" is exported twice, which WebAssembly validation forbids and Chicory's parser lets
;; through: which of the two would the host call?
(module
  (memory (export "memory") 1)
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "alloc") (param i32) (result i32) (i32.const 2048))
  (func (export "execute") (param i32 i32) (result i64) (i64.const 0)))
