;; execute calls a helper once per input byte, then traps on a load past the end of memory.
;; It pins down the fuel reported for a trap: everything executed before it, with the
;; trapping straight-line segment charged in full. alloc runs 2 instructions; $step runs 4
;; per call; execute runs block and loop (2), then 4 + 4 (+ 4 in $step) per byte, a last 4
;; when the loop exits, and the 5 instructions of the last segment: 12 * len + 11.
;; A call reports 12 * len + 13.
(module
  (memory (export "memory") 1)
  (func (export "alloc") (param i32) (result i32) (i32.const 0))
  (func $step (param $x i32) (result i32)
    (i32.add (local.get $x) (i32.const 1)))
  (func (export "execute") (param $ptr i32) (param $len i32) (result i64)
    (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (local.set $i (call $step (local.get $i)))
        (br $next)))
    (drop (i32.load (i32.const 65536)))
    (i64.const 0)))
