;; A job that meshwork bench --soak cancels while it runs: execute spins 2^16
;; loop iterations per input byte (a few hundred bytes make seconds), then
;; returns its input unchanged.
(module
  (memory (export "memory") 16)
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "execute") (param $ptr i32) (param $len i32) (result i64)
    (local $i i64)
    (local $n i64)
    (local.set $n (i64.shl (i64.extend_i32_u (local.get $len)) (i64.const 16)))
    (block $done
      (loop $next
        (br_if $done (i64.ge_u (local.get $i) (local.get $n)))
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (br $next)))
    (i64.or (i64.shl (i64.extend_i32_u (local.get $ptr)) (i64.const 32))
            (i64.extend_i32_u (local.get $len)))))
