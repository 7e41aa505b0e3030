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

static void compress(uint32_t h[8], const uint8_t *p) {
  uint32_t w[64];
  for (int i = 0; i < 16; i++) {
    w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 |
           (uint32_t)p[4 * i + 3];
  }
  for (int i = 16; i < 64; i++) {
    uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
  for (int i = 0; i < 64; i++) {
    uint32_t t1 = hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
    uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    hh = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
  h[4] += e;
  h[5] += f;
  h[6] += g;
  h[7] += hh;
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
