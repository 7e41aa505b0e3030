;; execute grows memory a page at a time until growing fails, then traps.
;; Declares 2 initial pages so a cap below 128 KiB refuses it before it runs.
(module
  (memory (export "memory") 2)
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "execute") (param i32 i32) (result i64)
    (loop $more
      (br_if $more (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
    unreachable))
