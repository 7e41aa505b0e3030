;; execute calls env.abort the way AssemblyScript's runtime does: message and
;; file are AssemblyScript strings (UTF-16LE, byte length in the 4 bytes before
;; the pointer), then line 7, column 3.
(module
  (import "env" "abort" (func $abort (param i32 i32 i32 i32)))
  (memory (export "memory") 1)
  ;; "boom": 8 bytes at 16, length at 12.
  (data (i32.const 12) "\08\00\00\00b\00o\00o\00m\00")
  ;; "job.ts": 12 bytes at 48, length at 44.
  (data (i32.const 44) "\0c\00\00\00j\00o\00b\00.\00t\00s\00")
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "execute") (param i32 i32) (result i64)
    (call $abort (i32.const 16) (i32.const 48) (i32.const 7) (i32.const 3))
    (i64.const 0)))
