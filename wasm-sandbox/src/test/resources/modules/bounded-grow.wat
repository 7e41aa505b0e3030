;; Declares at most 3 pages; execute grows until memory.grow returns -1 and
;; reports how many pages it got as one byte: past its own declared maximum,
;; memory.grow fails the spec's way (-1) instead of ending the call.
(module
  (memory (export "memory") 1 3)
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "execute") (param i32 i32) (result i64)
    (loop $more
      (br_if $more (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
    (i32.store8 (i32.const 0) (i32.add (i32.const 48) (memory.size)))
    (i64.const 1)))
