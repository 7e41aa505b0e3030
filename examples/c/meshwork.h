/*
 * meshwork.h: the little a C job module needs to follow WASM-ABI version 1, with no
 * C library at all (build with clang --target=wasm32 -nostdlib; see examples/build.sh).
 *
 * It gives the module its `alloc` export (a bump allocator over linear memory: every
 * call runs in a fresh instance, so nothing is ever freed), memcpy/memset (which the
 * compiler may call on its own), frame-list helpers, and MW_RESULT to pack an output
 * address and length into the i64 that execute/split/merge return.
 *
 * A module includes this header once, from its single .c file.
 */
#ifndef MESHWORK_H
#define MESHWORK_H

#include <stddef.h>
#include <stdint.h>

#define MW_EXPORT(name) __attribute__((export_name(name)))
#define MW_PAGE 65536u

/* The output of a call: address in the high 32 bits, length in the low 32. */
#define MW_RESULT(ptr, len) ((((uint64_t)(uintptr_t)(ptr)) << 32) | (uint64_t)(uint32_t)(len))

/* A failed call traps; the executor reports the trap and the export that raised it. */
#define MW_FAIL() __builtin_trap()

extern unsigned char __heap_base;
static uintptr_t mw_next_free;

/* alloc(len): `len` writable bytes, 8-byte aligned; traps when memory cannot grow. */
MW_EXPORT("alloc") void *alloc(uint32_t len) {
  if (mw_next_free == 0) {
    mw_next_free = (uintptr_t)&__heap_base;
  }
  uintptr_t start = (mw_next_free + 7u) & ~(uintptr_t)7u;
  uint64_t end = (uint64_t)start + len;
  uint64_t have = (uint64_t)__builtin_wasm_memory_size(0) * MW_PAGE;
  if (end > have) {
    uint64_t pages = (end - have + MW_PAGE - 1) / MW_PAGE;
    if (__builtin_wasm_memory_grow(0, (size_t)pages) == (size_t)-1) {
      MW_FAIL();
    }
  }
  mw_next_free = (uintptr_t)end;
  return (void *)start;
}

void *memcpy(void *dst, const void *src, size_t n) {
  unsigned char *d = dst;
  const unsigned char *s = src;
  while (n--) {
    *d++ = *s++;
  }
  return dst;
}

void *memset(void *dst, int value, size_t n) {
  unsigned char *d = dst;
  while (n--) {
    *d++ = (unsigned char)value;
  }
  return dst;
}

static inline uint32_t mw_read_u32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void mw_write_u32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

/* Walks a frame list: a sequence of (u32 little-endian length, bytes). */
typedef struct {
  const uint8_t *at;
  const uint8_t *end;
} mw_frames;

/* Sets *frame and *len to the next frame; returns 0 at the end; traps on a malformed list. */
static inline int mw_next_frame(mw_frames *f, const uint8_t **frame, uint32_t *len) {
  if (f->at == f->end) {
    return 0;
  }
  if (f->end - f->at < 4) {
    MW_FAIL();
  }
  uint32_t n = mw_read_u32(f->at);
  if ((uint64_t)(f->end - f->at - 4) < n) {
    MW_FAIL();
  }
  *frame = f->at + 4;
  *len = n;
  f->at += 4 + (size_t)n;
  return 1;
}

#endif
