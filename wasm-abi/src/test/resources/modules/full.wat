;; Every optional part: split, merge, both host imports and a declared maximum memory.
(module
  (import "meshwork" "log" (func $log (param i32 i32)))
  (import "env" "abort" (func $abort (param i32 i32 i32 i32)))
  (memory (export "memory") 2 16)
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "execute") (param i32 i32) (result i64) (i64.const 0))
  (func (export "split") (param i32 i32) (result i64) (i64.const 0))
  (func (export "merge") (param i32 i32) (result i64) (i64.const 0)))
