;; Declares a tag and throws it (exception handling): a caught exception lives on the JVM heap.
;; wat2wasm-flags: --enable-exceptions
(module
  (tag $oops)
  (memory (export "memory") 1)
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "execute") (param i32 i32) (result i64) (throw $oops)))
