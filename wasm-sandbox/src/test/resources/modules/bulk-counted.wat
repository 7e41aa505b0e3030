;; Bulk instructions cost 1 plus their length. execute fills its input with '*', copies it
;; right behind itself and returns both copies: alloc runs 2 instructions; execute runs
;; 4 + len for the fill, 6 + len for the copy, 9 to pack the result and its end:
;; 20 + 2 * len. A call costs 22 + 2 * len.
;; merge (used here only as a second entry point) fills len entries of a table of 1000:
;; i32.const, ref.null, local.get, table.fill, i64.const, end: 6 + len; a call costs 8 + len.
(module
  (memory (export "memory") 1)
  (table $t 1000 funcref)
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "execute") (param $ptr i32) (param $len i32) (result i64)
    (memory.fill (local.get $ptr) (i32.const 42) (local.get $len))
    (memory.copy (i32.add (local.get $ptr) (local.get $len)) (local.get $ptr) (local.get $len))
    (i64.or
      (i64.shl (i64.extend_i32_u (local.get $ptr)) (i64.const 32))
      (i64.extend_i32_u (i32.shl (local.get $len) (i32.const 1)))))
  (func (export "merge") (param $ptr i32) (param $len i32) (result i64)
    (table.fill $t (i32.const 0) (ref.null func) (local.get $len))
    (i64.const 0)))
