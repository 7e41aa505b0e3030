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

/* Two adjacent u32 entries, first in the low half (wasm is little-endian): one 64-bit load. */
static inline uint64_t load_pair(const uint32_t *p) {
  uint64_t v;
  __builtin_memcpy(&v, p, 8);
  return v;
}

#define LO(v) ((uint32_t)(v))
#define HI(v) ((uint32_t)((v) >> 32))

/*
 * c = a x b for a (n x k), b (k x m), c (n x m), all row-major.
 *
 * The kernel computes c in blocks of 4 rows x 4 columns held in 16 local accumulators, two steps
 * of t at a time: for each pair of steps it loads two entries of each of the 4 rows of a and 4
 * entries of each of 2 rows of b, eight 64-bit loads for 32 multiply-adds, and stores the block
 * once at the end. The naive loop does three memory accesses per multiply-add; this does a
 * quarter of one. Every engine gains (V8 by about a quarter, Chicory, whose loads and stores
 * are calls into its memory object, by more), and the arithmetic is the same.
 *
 * Leftovers: a last step of t when k is odd, columns past the last multiple of 4 one at a time,
 * and rows past the last multiple of 4 by repeating the last row (its duplicate results are
 * written to the same place, last by the real one).
 */
static void multiply(uint32_t n, uint32_t k, uint32_t m, const uint32_t *a, const uint32_t *b,
                     uint32_t *c) {
  for (uint32_t i = 0; i < n; i += 4) {
    uint32_t i1 = i + 1 < n ? i + 1 : i, i2 = i + 2 < n ? i + 2 : i, i3 = i + 3 < n ? i + 3 : i;
    const uint32_t *a0 = a + (size_t)i * k, *a1 = a + (size_t)i1 * k;
    const uint32_t *a2 = a + (size_t)i2 * k, *a3 = a + (size_t)i3 * k;
    uint32_t *c0 = c + (size_t)i * m, *c1 = c + (size_t)i1 * m;
    uint32_t *c2 = c + (size_t)i2 * m, *c3 = c + (size_t)i3 * m;
    uint32_t j = 0;
    for (; j + 4 <= m; j += 4) {
      uint32_t s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      uint32_t s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      const uint32_t *row = b + j; /* b[t][j..j+3] */
      uint32_t t = 0;
      for (; t + 2 <= k; t += 2, row += 2 * (size_t)m) {
        /* x: a[i..i+3][t] and z: a[i..i+3][t+1]; y: b[t][j..j+3] and v: b[t+1][j..j+3]. */
        uint64_t p0 = load_pair(a0 + t), p1 = load_pair(a1 + t);
        uint64_t p2 = load_pair(a2 + t), p3 = load_pair(a3 + t);
        uint64_t y01 = load_pair(row), y23 = load_pair(row + 2);
        uint64_t v01 = load_pair(row + m), v23 = load_pair(row + m + 2);
        uint32_t x0 = LO(p0), x1 = LO(p1), x2 = LO(p2), x3 = LO(p3);
        uint32_t z0 = HI(p0), z1 = HI(p1), z2 = HI(p2), z3 = HI(p3);
        uint32_t y0 = LO(y01), y1 = HI(y01), y2 = LO(y23), y3 = HI(y23);
        uint32_t v0 = LO(v01), v1 = HI(v01), v2 = LO(v23), v3 = HI(v23);
        s00 += x0 * y0 + z0 * v0;
        s01 += x0 * y1 + z0 * v1;
        s02 += x0 * y2 + z0 * v2;
        s03 += x0 * y3 + z0 * v3;
        s10 += x1 * y0 + z1 * v0;
        s11 += x1 * y1 + z1 * v1;
        s12 += x1 * y2 + z1 * v2;
        s13 += x1 * y3 + z1 * v3;
        s20 += x2 * y0 + z2 * v0;
        s21 += x2 * y1 + z2 * v1;
        s22 += x2 * y2 + z2 * v2;
        s23 += x2 * y3 + z2 * v3;
        s30 += x3 * y0 + z3 * v0;
        s31 += x3 * y1 + z3 * v1;
        s32 += x3 * y2 + z3 * v2;
        s33 += x3 * y3 + z3 * v3;
      }
      if (t < k) {
        uint32_t x0 = a0[t], x1 = a1[t], x2 = a2[t], x3 = a3[t];
        uint32_t y0 = row[0], y1 = row[1], y2 = row[2], y3 = row[3];
        s00 += x0 * y0, s01 += x0 * y1, s02 += x0 * y2, s03 += x0 * y3;
        s10 += x1 * y0, s11 += x1 * y1, s12 += x1 * y2, s13 += x1 * y3;
        s20 += x2 * y0, s21 += x2 * y1, s22 += x2 * y2, s23 += x2 * y3;
        s30 += x3 * y0, s31 += x3 * y1, s32 += x3 * y2, s33 += x3 * y3;
      }
      c3[j] = s30, c3[j + 1] = s31, c3[j + 2] = s32, c3[j + 3] = s33;
      c2[j] = s20, c2[j + 1] = s21, c2[j + 2] = s22, c2[j + 3] = s23;
      c1[j] = s10, c1[j + 1] = s11, c1[j + 2] = s12, c1[j + 3] = s13;
      c0[j] = s00, c0[j + 1] = s01, c0[j + 2] = s02, c0[j + 3] = s03;
    }
    for (; j < m; j++) {
      uint32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      const uint32_t *col = b + j;
      for (uint32_t t = 0; t < k; t++, col += m) {
        s0 += a0[t] * *col;
        s1 += a1[t] * *col;
        s2 += a2[t] * *col;
        s3 += a3[t] * *col;
      }
      c3[j] = s3, c2[j] = s2, c1[j] = s1, c0[j] = s0;
    }
  }
}

MW_EXPORT("execute") uint64_t execute(const uint8_t *in, uint32_t len) {
  problem p = parse(in, len);
  uint32_t *c = alloc(4 * p.n * p.m);
  multiply(p.n, p.k, p.m, (const uint32_t *)p.a, (const uint32_t *)p.b, c);
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
