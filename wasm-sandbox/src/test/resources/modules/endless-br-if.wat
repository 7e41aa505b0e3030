;; execute spins forever on a conditional branch whose condition is always true:
;; fuel (or, with a large budget, the wall-time limit) stops it.
(module
  (memory (export "memory") 1)
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "execute") (param $ptr i32) (param $len i32) (result i64)
    (loop $forever
      (br_if $forever (i32.ne (local.get $len) (i32.const -1))))
    (i64.const 0)))
