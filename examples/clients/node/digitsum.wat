;; digitsum: the job module of the Node.js example client (WASM-ABI version 1).
;;
;; It adds up every ASCII decimal digit ('0'..'9') in its input and ignores all
;; other bytes, so "a1b2\n34" gives 1+2+3+4 = 10. It is deliberately tiny and
;; hand-written: the point of the example is that a client in another language
;; can bring its own module, not that the module does anything clever.
;;
;;   execute(chunk)               -> the chunk's digit sum as ASCII decimal, e.g. "27"
;;   merge(frame list of sums)    -> the sum of those numbers, as ASCII decimal
;;
;; A digit sum of a concatenation is the sum of the parts' digit sums, whatever
;; the chunk boundaries are, and a sum of sums is a sum, so merge is associative
;; as the ABI requires and any split strategy gives the same final number.
;;
;; Memory layout: bytes [0, 32) are a scratch area where the single output
;; number is written (every call runs in a fresh instance and produces exactly
;; one output, so one fixed slot is enough). The heap used by alloc starts at 32.
(module
  (memory (export "memory") 1)

  ;; Next free heap address; a fresh instance starts with an empty heap.
  (global $heap (mut i32) (i32.const 32))

  ;; alloc(len): hands out [heap, heap+len) and grows memory when needed.
  ;; Nothing is ever freed: the instance is thrown away after one call.
  (func $alloc (export "alloc") (param $len i32) (result i32)
    (local $start i32)
    (local $end i64)
    (local $missing i64)
    (local.set $start (global.get $heap))
    ;; 64-bit arithmetic so that a huge len cannot wrap past 4 GiB unnoticed.
    (local.set $end
      (i64.add (i64.extend_i32_u (local.get $start)) (i64.extend_i32_u (local.get $len))))
    (local.set $missing
      (i64.sub (local.get $end)
               (i64.mul (i64.extend_i32_u (memory.size)) (i64.const 65536))))
    (if (i64.gt_s (local.get $missing) (i64.const 0))
      (then
        ;; memory.grow returns -1 when the sandbox refuses; trap rather than
        ;; hand out an address the host cannot write to.
        (if (i32.eq (memory.grow (i32.wrap_i64
                                   (i64.div_u (i64.add (local.get $missing) (i64.const 65535))
                                              (i64.const 65536))))
                    (i32.const -1))
          (then unreachable))))
    (global.set $heap (i32.wrap_i64 (local.get $end)))
    (local.get $start))

  ;; Writes $n as ASCII decimal at the end of the scratch area and returns the
  ;; ABI's packed (out_ptr << 32) | out_len.
  (func $emit (param $n i64) (result i64)
    (local $p i32)
    (local.set $p (i32.const 32))
    ;; Digits come out least significant first, so fill the slot backwards.
    ;; The do-while shape makes zero print as "0" rather than as nothing.
    (loop $more
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p)
        (i32.wrap_i64 (i64.add (i64.const 48) (i64.rem_u (local.get $n) (i64.const 10)))))
      (local.set $n (i64.div_u (local.get $n) (i64.const 10)))
      (br_if $more (i64.ne (local.get $n) (i64.const 0))))
    (i64.or (i64.shl (i64.extend_i32_u (local.get $p)) (i64.const 32))
            (i64.extend_i32_u (i32.sub (i32.const 32) (local.get $p)))))

  ;; execute(ptr, len): sum of the digit bytes in [ptr, ptr+len).
  (func (export "execute") (param $ptr i32) (param $len i32) (result i64)
    (local $end i32)
    (local $d i32)
    (local $sum i64)
    (local.set $end (i32.add (local.get $ptr) (local.get $len)))
    (block $done
      (loop $scan
        (br_if $done (i32.ge_u (local.get $ptr) (local.get $end)))
        ;; byte - '0' as unsigned is below 10 exactly for '0'..'9'.
        (local.set $d (i32.sub (i32.load8_u (local.get $ptr)) (i32.const 48)))
        (if (i32.lt_u (local.get $d) (i32.const 10))
          (then (local.set $sum (i64.add (local.get $sum) (i64.extend_i32_u (local.get $d))))))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 1)))
        (br $scan)))
    (call $emit (local.get $sum)))

  ;; merge(ptr, len): the input is a frame list (u32 little-endian length, then
  ;; that many bytes), each frame an ASCII decimal number made by execute or by
  ;; an earlier merge. Returns their sum. Anything malformed traps, so a bad
  ;; partial result fails the job loudly instead of being silently miscounted.
  (func (export "merge") (param $ptr i32) (param $len i32) (result i64)
    (local $end i32)
    (local $frame_end i32)
    (local $d i32)
    (local $value i64)
    (local $total i64)
    (local.set $end (i32.add (local.get $ptr) (local.get $len)))
    (block $done
      (loop $frame
        (br_if $done (i32.ge_u (local.get $ptr) (local.get $end)))
        ;; A frame header must fit before the end of the list.
        (if (i32.gt_u (i32.add (local.get $ptr) (i32.const 4)) (local.get $end))
          (then unreachable))
        ;; i32.load is little-endian and allows unaligned addresses.
        (local.set $frame_end
          (i32.add (i32.add (local.get $ptr) (i32.const 4)) (i32.load (local.get $ptr))))
        ;; The body must fit too; the second test catches a length that wrapped.
        (if (i32.or (i32.gt_u (local.get $frame_end) (local.get $end))
                    (i32.lt_u (local.get $frame_end) (local.get $ptr)))
          (then unreachable))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 4)))
        (local.set $value (i64.const 0))
        (block $number_done
          (loop $digit
            (br_if $number_done (i32.ge_u (local.get $ptr) (local.get $frame_end)))
            (local.set $d (i32.sub (i32.load8_u (local.get $ptr)) (i32.const 48)))
            (if (i32.ge_u (local.get $d) (i32.const 10))
              (then unreachable))
            (local.set $value
              (i64.add (i64.mul (local.get $value) (i64.const 10)) (i64.extend_i32_u (local.get $d))))
            (local.set $ptr (i32.add (local.get $ptr) (i32.const 1)))
            (br $digit)))
        (local.set $total (i64.add (local.get $total) (local.get $value)))
        (br $frame)))
    (call $emit (local.get $total)))
)
