/*
 * grep: a Meshwork job that returns the lines of a text that contain a pattern.
 *
 * Job input: the pattern, a newline, then the text. Result: every line of the text that
 * contains the pattern as a plain byte substring, in order, each ending with "\n" (a last
 * line without one gets one). An empty pattern matches every line.
 *
 *   split(input)  -> frames, each "pattern\n" followed by whole lines of the text, about
 *                    64 KiB of text per frame (a longer line makes a frame of its own)
 *   execute(part) -> the matching lines of that part ("pattern\n" followed by lines)
 * There is no merge: the chunk results concatenated in chunk order are the matches in order.
 *
 * Every chunk must start with the pattern line. There are two ways to run it:
 *
 *   - Small inputs: split_strategy "wasm" over "pattern\n" + text. The module's own split
 *     repeats the pattern line in every part. It gets the whole input in its memory, so the
 *     input must fit the sandbox (256 MiB by default; a larger stored input is refused with
 *     INPUT_EXCEEDS_MEMORY).
 *       meshwork submit --wasm grep.wasm --input pattern-and-text.txt --split wasm
 *   - Inputs of any size: a host split ("lines") over the text alone, with the pattern line as
 *     the job's chunk_prefix, which the mesh puts before every chunk. split is not called.
 *       meshwork submit --wasm grep.wasm --input text.txt --split lines \
 *           --chunk-prefix $'pattern\n'
 *   Both give the same lines: execute sees the same "pattern\n" + whole lines either way.
 */
#include "../c/meshwork.h"

#define MW_PART_BYTES (64u * 1024u)

static uint32_t line_end(const uint8_t *text, uint32_t from, uint32_t len) {
  while (from < len && text[from] != '\n') {
    from++;
  }
  return from;
}

static uint32_t pattern_length(const uint8_t *in, uint32_t len) {
  uint32_t n = line_end(in, 0, len);
  if (n == len) {
    MW_FAIL(); /* no newline after the pattern */
  }
  return n;
}

static int contains(const uint8_t *line, uint32_t n, const uint8_t *pattern, uint32_t p) {
  if (p == 0) {
    return 1;
  }
  for (uint32_t i = 0; i + p <= n; i++) {
    if (line[i] == pattern[0]) {
      uint32_t j = 1;
      while (j < p && line[i + j] == pattern[j]) {
        j++;
      }
      if (j == p) {
        return 1;
      }
    }
  }
  return 0;
}

MW_EXPORT("execute") uint64_t execute(const uint8_t *in, uint32_t len) {
  uint32_t p = pattern_length(in, len);
  const uint8_t *text = in + p + 1;
  uint32_t n = len - p - 1;
  /* At most the whole text plus one newline. */
  uint8_t *out = alloc(n + 1);
  uint32_t w = 0;
  for (uint32_t start = 0; start < n;) {
    uint32_t end = line_end(text, start, n);
    if (contains(text + start, end - start, in, p)) {
      memcpy(out + w, text + start, end - start);
      w += end - start;
      out[w++] = '\n';
    }
    start = end + 1;
  }
  return MW_RESULT(out, w);
}

MW_EXPORT("split") uint64_t split(const uint8_t *in, uint32_t len) {
  uint32_t p = pattern_length(in, len);
  const uint8_t *text = in + p + 1;
  uint32_t n = len - p - 1;
  /* Each part repeats the pattern line and a 4-byte frame header. */
  uint64_t parts_max = n / MW_PART_BYTES + 2;
  uint64_t total = (uint64_t)n + parts_max * (4 + p + 1);
  if (total > 0xFFFFFFFFu) {
    MW_FAIL();
  }
  uint8_t *out = alloc((uint32_t)total);
  uint8_t *w = out;
  uint32_t start = 0;
  do {
    /* Whole lines up to the part size; at least one line. */
    uint32_t end = line_end(text, start, n);
    end = end < n ? end + 1 : n;
    while (end < n) {
      uint32_t next = line_end(text, end, n);
      next = next < n ? next + 1 : n;
      if (next - start > MW_PART_BYTES) {
        break;
      }
      end = next;
    }
    mw_write_u32(w, p + 1 + (end - start));
    memcpy(w + 4, in, p + 1);
    memcpy(w + 4 + p + 1, text + start, end - start);
    w += 4 + p + 1 + (end - start);
    start = end;
  } while (start < n);
  return MW_RESULT(out, (uint32_t)(w - out));
}
