;; execute calls itself without end: the call-stack limit (or a small fuel budget) stops it.
(module
  (memory (export "memory") 1)
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func $execute (export "execute") (param $ptr i32) (param $len i32) (result i64)
    (i64.add (i64.const 1)
      (call $execute (i32.add (local.get $ptr) (i32.const 1)) (local.get $len)))))
