/*
 * matmul: a Meshwork job that multiplies two integer matrices, C = A x B, with the rows
 * of A split across chunks by the module's own `split` (split_strategy "wasm").
 *
 * Job input, all little-endian:
 *   u32 n, u32 k, u32 m        A is n x k, B is k x m
 *   B: k*m i32, row-major
 *   A: n*k i32, row-major
 * Result: C, n*m i32 row-major. Arithmetic wraps at 32 bits, as Java's int does.
 *
 *   split(input)  -> frames, each in the input's own format: a band of A's rows with all of B
 *   execute(band) -> that band's rows of C
 * There is no merge: the result is the chunk results concatenated in chunk order, which
 * is C's rows in order.
 */
#include "../c/meshwork.h"

/* Rows of A per chunk: about 256 KiB of A's rows each, at least one row. */
#define MW_BAND_BYTES (256u * 1024u)

typedef struct {
  uint32_t n, k, m;
  const uint8_t *b; /* k*m i32 */
  const uint8_t *a; /* n*k i32 */
} problem;

static problem parse(const uint8_t *in, uint32_t len) {
  if (len < 12) {
    MW_FAIL();
  }
  problem p;
  p.n = mw_read_u32(in);
  p.k = mw_read_u32(in + 4);
  p.m = mw_read_u32(in + 8);
  uint64_t need = 12 + 4 * ((uint64_t)p.k * p.m + (uint64_t)p.n * p.k);
  if (need != len) {
    MW_FAIL();
  }
  p.b = in + 12;
  p.a = p.b + 4 * (size_t)p.k * p.m;
  return p;
}

MW_EXPORT("execute") uint64_t execute(const uint8_t *in, uint32_t len) {
  problem p = parse(in, len);
  uint32_t *c = alloc(4 * p.n * p.m);
  memset(c, 0, 4 * (size_t)p.n * p.m);
  const uint32_t *a = (const uint32_t *)p.a;
  const uint32_t *b = (const uint32_t *)p.b;
  /* i-t-j order walks B and C row by row; unsigned arithmetic wraps like Java's int. */
  for (uint32_t i = 0; i < p.n; i++) {
    uint32_t *row = c + (size_t)i * p.m;
    for (uint32_t t = 0; t < p.k; t++) {
      uint32_t x = a[(size_t)i * p.k + t];
      const uint32_t *brow = b + (size_t)t * p.m;
      for (uint32_t j = 0; j < p.m; j++) {
        row[j] += x * brow[j];
      }
    }
  }
  return MW_RESULT(c, 4 * p.n * p.m);
}

MW_EXPORT("split") uint64_t split(const uint8_t *in, uint32_t len) {
  problem p = parse(in, len);
  uint32_t row_bytes = 4 * p.k;
  uint32_t band = row_bytes == 0 ? p.n : MW_BAND_BYTES / row_bytes;
  if (band == 0) {
    band = 1;
  }
  uint32_t bands = p.n == 0 ? 1 : (p.n + band - 1) / band;
  uint32_t b_bytes = 4 * p.k * p.m;
  uint64_t total = (uint64_t)bands * (4 + 12 + b_bytes) + (uint64_t)p.n * row_bytes;
  if (total > 0xFFFFFFFFu) {
    MW_FAIL();
  }
  uint8_t *out = alloc((uint32_t)total);
  uint8_t *w = out;
  for (uint32_t first = 0; first < p.n || (p.n == 0 && first == 0); first += band) {
    uint32_t rows = p.n - first < band ? p.n - first : band;
    mw_write_u32(w, 12 + b_bytes + rows * row_bytes);
    mw_write_u32(w + 4, rows);
    mw_write_u32(w + 8, p.k);
    mw_write_u32(w + 12, p.m);
    memcpy(w + 16, p.b, b_bytes);
    memcpy(w + 16 + b_bytes, p.a + (size_t)first * row_bytes, (size_t)rows * row_bytes);
    w += 16 + b_bytes + (size_t)rows * row_bytes;
    if (p.n == 0) {
      break;
    }
  }
  return MW_RESULT(out, (uint32_t)(w - out));
}
