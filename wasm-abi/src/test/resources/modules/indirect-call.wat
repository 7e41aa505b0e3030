;; A function table with an element segment and call_indirect, as C function pointers compile.
(module
  (type $unary (func (param i32) (result i32)))
  (table 2 2 funcref)
  (elem (i32.const 0) $double $square)
  (memory (export "memory") 1)
  (func $double (type $unary) (i32.mul (local.get 0) (i32.const 2)))
  (func $square (type $unary) (i32.mul (local.get 0) (local.get 0)))
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "execute") (param i32 i32) (result i64)
    (i64.extend_i32_u (call_indirect (type $unary) (local.get 1) (i32.const 1)))))
