/*
 * sha256: a Meshwork job that hashes each chunk with SHA-256 and merges the chunk hashes
 * into a Merkle root, so the result commits to every chunk in order.
 *
 *   execute(chunk)  -> SHA-256(chunk), 32 bytes: one leaf
 *   merge(frames)   -> the leaves, in order, followed by their Merkle root:
 *                      32 * (leaves + 1) bytes; the root is the last 32
 *
 * The tree is RFC 9162's (Certificate Transparency): a leaf's hash is
 * SHA-256(0x00 || leaf), an inner node's is SHA-256(0x01 || left || right), and a list of
 * n > 1 leaves splits after the largest power of two below n. Here a leaf is a chunk's
 * 32-byte hash.
 *
 * merge must be associative, so it accepts its own output as well as leaves: a 32-byte
 * frame is one leaf, a longer frame (a multiple of 32 bytes) is an earlier merge's leaves
 * plus root, whose root it drops. Every merge rebuilds the root from the flat list of
 * leaves, so merging in any tree shape gives the same bytes.
 */
#include "../c/meshwork.h"

typedef struct {
  uint32_t h[8];
  uint8_t block[64];
  uint32_t used;
  uint64_t length;
} sha256_state;

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2};

static inline uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static inline uint32_t load_be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

#define BSIG0(x) (rotr(x, 2) ^ rotr(x, 13) ^ rotr(x, 22))
#define BSIG1(x) (rotr(x, 6) ^ rotr(x, 11) ^ rotr(x, 25))
#define SSIG0(x) (rotr(x, 7) ^ rotr(x, 18) ^ ((x) >> 3))
#define SSIG1(x) (rotr(x, 17) ^ rotr(x, 19) ^ ((x) >> 10))

/*
 * Round i + j of 64, with the working variables renamed instead of moved: where the textbook
 * round shifts a..h down by one, the next round names them one place further on. After eight
 * rounds the names are back where they started.
 */
#define ROUND(a, b, c, d, e, f, g, h, i, j, wj)                                        \
  do {                                                                                 \
    uint32_t t1 = (h) + BSIG1(e) + (((e) & (f)) ^ (~(e) & (g))) + K[(i) + (j)] + (wj); \
    uint32_t t2 = BSIG0(a) + (((a) & (b)) ^ ((a) & (c)) ^ ((b) & (c)));               \
    (d) += t1;                                                                         \
    (h) = t1 + t2;                                                                     \
  } while (0)

/*
 * Eight rounds per pass. The message schedule is a window of 16 words in locals, w0..w15 being
 * w[i..i+15]: a pass uses w0..w7, computes the eight words after the window and slides it on by
 * eight. The block is read once and nothing but the round constants is loaded after that, where
 * a schedule array in memory costs about five loads and stores per round.
 *
 * Not unrolled further: all 64 rounds written out (the round constants then inline) run faster
 * in V8, but make one function so large that the JVM stops inlining Chicory's helpers into it,
 * and there it runs at a fraction of this speed.
 */
static void compress(uint32_t state[8], const uint8_t *p) {
  uint32_t w0 = load_be32(p), w1 = load_be32(p + 4), w2 = load_be32(p + 8),
           w3 = load_be32(p + 12), w4 = load_be32(p + 16), w5 = load_be32(p + 20),
           w6 = load_be32(p + 24), w7 = load_be32(p + 28), w8 = load_be32(p + 32),
           w9 = load_be32(p + 36), w10 = load_be32(p + 40), w11 = load_be32(p + 44),
           w12 = load_be32(p + 48), w13 = load_be32(p + 52), w14 = load_be32(p + 56),
           w15 = load_be32(p + 60);
  uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
  uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
  for (int i = 0; i < 64; i += 8) {
    ROUND(a, b, c, d, e, f, g, h, i, 0, w0);
    ROUND(h, a, b, c, d, e, f, g, i, 1, w1);
    ROUND(g, h, a, b, c, d, e, f, i, 2, w2);
    ROUND(f, g, h, a, b, c, d, e, i, 3, w3);
    ROUND(e, f, g, h, a, b, c, d, i, 4, w4);
    ROUND(d, e, f, g, h, a, b, c, i, 5, w5);
    ROUND(c, d, e, f, g, h, a, b, i, 6, w6);
    ROUND(b, c, d, e, f, g, h, a, i, 7, w7);
    /* w[i+16..i+23]; the last two passes need none. */
    uint32_t n0 = SSIG1(w14) + w9 + SSIG0(w1) + w0;
    uint32_t n1 = SSIG1(w15) + w10 + SSIG0(w2) + w1;
    uint32_t n2 = SSIG1(n0) + w11 + SSIG0(w3) + w2;
    uint32_t n3 = SSIG1(n1) + w12 + SSIG0(w4) + w3;
    uint32_t n4 = SSIG1(n2) + w13 + SSIG0(w5) + w4;
    uint32_t n5 = SSIG1(n3) + w14 + SSIG0(w6) + w5;
    uint32_t n6 = SSIG1(n4) + w15 + SSIG0(w7) + w6;
    uint32_t n7 = SSIG1(n5) + n0 + SSIG0(w8) + w7;
    w0 = w8, w1 = w9, w2 = w10, w3 = w11, w4 = w12, w5 = w13, w6 = w14, w7 = w15;
    w8 = n0, w9 = n1, w10 = n2, w11 = n3, w12 = n4, w13 = n5, w14 = n6, w15 = n7;
  }
  state[0] += a;
  state[1] += b;
  state[2] += c;
  state[3] += d;
  state[4] += e;
  state[5] += f;
  state[6] += g;
  state[7] += h;
}

static void sha256_init(sha256_state *s) {
  static const uint32_t IV[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  for (int i = 0; i < 8; i++) {
    s->h[i] = IV[i];
  }
  s->used = 0;
  s->length = 0;
}

static void sha256_update(sha256_state *s, const uint8_t *p, size_t n) {
  s->length += n;
  if (s->used > 0) {
    while (n > 0 && s->used < 64) {
      s->block[s->used++] = *p++;
      n--;
    }
    if (s->used < 64) {
      return;
    }
    compress(s->h, s->block);
    s->used = 0;
  }
  while (n >= 64) {
    compress(s->h, p);
    p += 64;
    n -= 64;
  }
  while (n > 0) {
    s->block[s->used++] = *p++;
    n--;
  }
}

static void sha256_final(sha256_state *s, uint8_t out[32]) {
  uint64_t bits = s->length * 8;
  uint8_t pad = 0x80;
  sha256_update(s, &pad, 1);
  uint8_t zero = 0;
  while (s->used != 56) {
    sha256_update(s, &zero, 1);
  }
  uint8_t len[8];
  for (int i = 0; i < 8; i++) {
    len[i] = (uint8_t)(bits >> (56 - 8 * i));
  }
  sha256_update(s, len, 8);
  for (int i = 0; i < 8; i++) {
    out[4 * i] = (uint8_t)(s->h[i] >> 24);
    out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
    out[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
    out[4 * i + 3] = (uint8_t)s->h[i];
  }
}

MW_EXPORT("execute") uint64_t execute(const uint8_t *in, uint32_t len) {
  uint8_t *out = alloc(32);
  sha256_state s;
  sha256_init(&s);
  sha256_update(&s, in, len);
  sha256_final(&s, out);
  return MW_RESULT(out, 32);
}

/* RFC 9162 MTH over leaves[0..n), each a 32-byte value, into out. */
static void merkle_root(const uint8_t *leaves, uint32_t n, uint8_t out[32]) {
  sha256_state s;
  sha256_init(&s);
  if (n == 0) {
    sha256_final(&s, out);
    return;
  }
  if (n == 1) {
    uint8_t prefix = 0x00;
    sha256_update(&s, &prefix, 1);
    sha256_update(&s, leaves, 32);
    sha256_final(&s, out);
    return;
  }
  uint32_t k = 1;
  while (k * 2 < n) {
    k *= 2;
  }
  uint8_t left[32], right[32];
  merkle_root(leaves, k, left);
  merkle_root(leaves + 32 * (size_t)k, n - k, right);
  uint8_t prefix = 0x01;
  sha256_update(&s, &prefix, 1);
  sha256_update(&s, left, 32);
  sha256_update(&s, right, 32);
  sha256_final(&s, out);
}

MW_EXPORT("merge") uint64_t merge(const uint8_t *in, uint32_t len) {
  /* The leaves can take at most the input's size; one more hash for the root. */
  uint8_t *out = alloc(len + 32);
  uint32_t leaves = 0;
  mw_frames frames = {in, in + len};
  const uint8_t *frame;
  uint32_t n;
  while (mw_next_frame(&frames, &frame, &n)) {
    if (n == 32) {
      memcpy(out + 32 * (size_t)leaves, frame, 32);
      leaves++;
    } else if (n >= 64 && n % 32 == 0) {
      memcpy(out + 32 * (size_t)leaves, frame, n - 32);
      leaves += n / 32 - 1;
    } else {
      MW_FAIL();
    }
  }
  merkle_root(out, leaves, out + 32 * (size_t)leaves);
  return MW_RESULT(out, 32 * (leaves + 1));
}
