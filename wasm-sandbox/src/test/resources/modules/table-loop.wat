;; A table of 100,000 entries (the most a module may declare) filled and copied whole,
;; again and again: each entry written costs one fuel.
(module
  (memory (export "memory") 1)
  (table $t 100000 funcref)
  (func $f)
  (elem declare func $f)
  (func (export "alloc") (param i32) (result i32) (i32.const 0))
  (func (export "execute") (param i32 i32) (result i64)
    (loop $again
      (table.fill $t (i32.const 0) (ref.func $f) (table.size $t))
      (table.copy $t $t (i32.const 1) (i32.const 0) (i32.sub (table.size $t) (i32.const 1)))
      (br $again))
    (i64.const 0)))
