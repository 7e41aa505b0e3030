;; execute logs "hello" 100 times and then one 4 KiB line, and returns "ok".
(module
  (import "meshwork" "log" (func $log (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello")
  (data (i32.const 32) "ok")
  (func (export "alloc") (param i32) (result i32) (i32.const 8192))
  (func (export "execute") (param i32 i32) (result i64)
    (local $i i32)
    (call $log (i32.const 0) (i32.const 4096))
    (loop $again
      (call $log (i32.const 16) (i32.const 5))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (i32.const 100))))
    (i64.or (i64.shl (i64.const 32) (i64.const 32)) (i64.const 2))))
