;; execute loops once per input byte and returns nothing. Its instruction count is
;; known exactly, which pins down the fuel unit (one fuel per instruction executed):
;; alloc runs 2 instructions; execute runs block, loop, then 4 + 5 per byte, a last
;; 4 when the loop exits, and i64.const + end: 9 * len + 8. A call costs 9 * len + 10.
(module
  (memory (export "memory") 1)
  (func (export "alloc") (param i32) (result i32) (i32.const 0))
  (func (export "execute") (param $ptr i32) (param $len i32) (result i64)
    (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i64.const 0)))
