;; wordcount: a Meshwork job module (WASM-ABI version 1) that counts words.
;;
;; A word is a maximal run of bytes that are not whitespace, where whitespace is
;; space, \t, \n, \v, \f and \r (bytes 32 and 9..13): what `wc -w` counts for
;; ASCII text. Results travel as ASCII decimal digits, so they are easy to read
;; in a job result and to check by hand.
;;
;;   execute(chunk)            -> the chunk's word count, e.g. "42"
;;   merge(frame list of counts) -> their sum, e.g. "1337"
;;
;; Split the input with the host's `lines` strategy: its chunks are whole lines,
;; so no word straddles two chunks and the per-chunk counts add up exactly.
;; merge is associative (a sum of sums is a sum), as the ABI requires.
(module
  ;; One page to start with; alloc grows memory on demand. No maximum is
  ;; declared: the sandbox's memory limit is the cap.
  (memory (export "memory") 1)

  ;; Bump allocator: the next free address. Every call runs in a fresh
  ;; instance, so memory is never freed; it all goes away with the instance.
  ;; The first 1 KiB is left unused so that address 0 is never handed out.
  (global $next_free (mut i32) (i32.const 1024))

  ;; alloc(len) -> address of `len` writable bytes, 8-byte aligned, never
  ;; overlapping an earlier allocation. Traps if memory cannot grow enough.
  (func $alloc (export "alloc") (param $len i32) (result i32)
    (local $start i32)
    (local $end i64)
    (local $have i64)
    ;; Round the start up to a multiple of 8.
    (local.set $start
      (i32.and (i32.add (global.get $next_free) (i32.const 7)) (i32.const -8)))
    ;; Compute the end in 64 bits so a huge `len` cannot wrap around.
    (local.set $end
      (i64.add (i64.extend_i32_u (local.get $start)) (i64.extend_i32_u (local.get $len))))
    (local.set $have (i64.shl (i64.extend_i32_u (memory.size)) (i64.const 16)))
    (if (i64.gt_u (local.get $end) (local.get $have))
      (then
        ;; Grow by the missing bytes rounded up to whole 64 KiB pages.
        (if (i32.eq
              (memory.grow
                (i32.wrap_i64
                  (i64.shr_u
                    (i64.add (i64.sub (local.get $end) (local.get $have)) (i64.const 65535))
                    (i64.const 16))))
              (i32.const -1))
          (then unreachable))))
    (global.set $next_free (i32.wrap_i64 (local.get $end)))
    (local.get $start))

  ;; Writes `n` as ASCII decimal into freshly allocated memory and returns it
  ;; packed the ABI's way: (address << 32) | length.
  (func $decimal (param $n i64) (result i64)
    (local $buf i32)
    (local $p i32)
    ;; 20 digits hold any unsigned 64-bit number.
    (local.set $buf (call $alloc (i32.const 20)))
    (local.set $p (i32.add (local.get $buf) (i32.const 20)))
    ;; Emit digits from the least significant end, backwards; "0" for zero.
    (loop $digit
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p)
        (i32.add (i32.const 48) (i32.wrap_i64 (i64.rem_u (local.get $n) (i64.const 10)))))
      (local.set $n (i64.div_u (local.get $n) (i64.const 10)))
      (br_if $digit (i64.ne (local.get $n) (i64.const 0))))
    (i64.or
      (i64.shl (i64.extend_i32_u (local.get $p)) (i64.const 32))
      (i64.extend_i32_u (i32.sub (i32.add (local.get $buf) (i32.const 20)) (local.get $p)))))

  ;; execute(ptr, len): counts the words in [ptr, ptr+len).
  (func (export "execute") (param $ptr i32) (param $len i32) (result i64)
    (local $end i32)
    (local $byte i32)
    (local $in_word i32)
    (local $count i64)
    (local.set $end (i32.add (local.get $ptr) (local.get $len)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $ptr) (local.get $end)))
        (local.set $byte (i32.load8_u (local.get $ptr)))
        (if (i32.or
              (i32.eq (local.get $byte) (i32.const 32))
              ;; 9..13 are \t \n \v \f \r: one unsigned compare after subtracting 9.
              (i32.le_u (i32.sub (local.get $byte) (i32.const 9)) (i32.const 4)))
          (then (local.set $in_word (i32.const 0)))
          (else
            ;; The first byte of a word: count it once.
            (if (i32.eqz (local.get $in_word))
              (then
                (local.set $count (i64.add (local.get $count) (i64.const 1)))
                (local.set $in_word (i32.const 1))))))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 1)))
        (br $next)))
    (call $decimal (local.get $count)))

  ;; merge(ptr, len): the input is a frame list, each frame a u32 little-endian
  ;; length followed by that many bytes of ASCII decimal. Returns the sum.
  ;; A truncated frame or a byte that is not a digit traps: a result that is
  ;; not a count means something upstream is broken, and a trap says so.
  (func (export "merge") (param $ptr i32) (param $len i32) (result i64)
    (local $end i32)
    (local $frame_end i32)
    (local $byte i32)
    (local $value i64)
    (local $sum i64)
    (local.set $end (i32.add (local.get $ptr) (local.get $len)))
    (block $frames_done
      (loop $next_frame
        (br_if $frames_done (i32.ge_u (local.get $ptr) (local.get $end)))
        ;; The 4-byte length must fit in what is left.
        (if (i32.gt_u (i32.add (local.get $ptr) (i32.const 4)) (local.get $end))
          (then unreachable))
        (local.set $frame_end
          (i32.add (i32.add (local.get $ptr) (i32.const 4)) (i32.load (local.get $ptr))))
        ;; So must the frame's bytes (the second test catches wrap-around).
        (if (i32.or
              (i32.gt_u (local.get $frame_end) (local.get $end))
              (i32.lt_u (local.get $frame_end) (local.get $ptr)))
          (then unreachable))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 4)))
        ;; Parse the frame's digits; an empty frame counts as 0.
        (local.set $value (i64.const 0))
        (block $digits_done
          (loop $next_digit
            (br_if $digits_done (i32.ge_u (local.get $ptr) (local.get $frame_end)))
            (local.set $byte (i32.sub (i32.load8_u (local.get $ptr)) (i32.const 48)))
            (if (i32.gt_u (local.get $byte) (i32.const 9))
              (then unreachable))
            (local.set $value
              (i64.add
                (i64.mul (local.get $value) (i64.const 10))
                (i64.extend_i32_u (local.get $byte))))
            (local.set $ptr (i32.add (local.get $ptr) (i32.const 1)))
            (br $next_digit)))
        (local.set $sum (i64.add (local.get $sum) (local.get $value)))
        (br $next_frame)))
    (call $decimal (local.get $sum)))
)
