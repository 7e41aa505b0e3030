;; The start function writes "started" at address 0 before anything exported runs, and
;; execute returns those 7 bytes. Fuel: the start function runs i32.const, i64.const,
;; i64.store, end (4); alloc runs 2 and execute 2: a call costs 8.
(module
  (memory (export "memory") 1)
  (func $start
    ;; "started\0" as a little-endian i64
    (i64.store (i32.const 0) (i64.const 0x0064657472617473)))
  (start $start)
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "execute") (param i32 i32) (result i64) (i64.const 7)))
