/*===- sanitizer_fence.h - AddressSanitizer fences around each layer ------===
 *
 * Part of patc. All intermediate tensors share one arena and all weights
 * one blob, so a kernel that reads or writes past its own tensor lands in a
 * neighbour's bytes, where AddressSanitizer sees nothing wrong and the
 * result is merely wrong (or, for a read of stale data, right by luck). In
 * a sanitizer build (patc --cflags='-fsanitize=address ...'; the
 * sanitized_kernels test) the generated code fences each layer before it
 * runs: PAT_FENCE(base, bytes, {offset, bytes, ...}) poisons [base,
 * base + bytes) except the listed ranges, those of the tensors the layer
 * reads and writes, so any other access there is reported. In other builds
 * the fences are empty.
 *
 * PAT_FENCE_WEIGHTS does the same for the weight blob, with the blobs the
 * layer reads, but only with -DPAT_SANITIZE_WEIGHTS: the blob is shared by
 * every session of the model, so two sessions running at once would poison
 * each other's weights.
 *
 *===----------------------------------------------------------------------===*/

#ifndef PAT_SANITIZER_FENCE_H
#define PAT_SANITIZER_FENCE_H

#include <stddef.h>
#include <stdint.h>

#if defined(__SANITIZE_ADDRESS__)
#define PAT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PAT_ASAN 1
#endif
#endif

#ifdef PAT_ASAN
#include <sanitizer/asan_interface.h>

static inline void pat_fence(const void *base, int64_t bytes,
                             const int64_t *ranges, size_t count) {
  const char *b = (const char *)base;
  ASAN_POISON_MEMORY_REGION(b, (size_t)bytes);
  for (size_t i = 0; i + 1 < count; i += 2)
    ASAN_UNPOISON_MEMORY_REGION(b + ranges[i], (size_t)ranges[i + 1]);
}

/* The ranges are a braced list, e.g. PAT_FENCE(arena, 4096, {0, 64}). */
#define PAT_FENCE(base, bytes, ...)                                            \
  do {                                                                         \
    static const int64_t pat_ranges_[] = __VA_ARGS__;                          \
    pat_fence((base), (bytes), pat_ranges_,                                    \
              sizeof pat_ranges_ / sizeof pat_ranges_[0]);                     \
  } while (0)
#else
#define PAT_FENCE(base, bytes, ...) ((void)0)
#endif

/* Generated code defines pat_weights and PAT_WEIGHT_BYTES. */
#if defined(PAT_ASAN) && defined(PAT_SANITIZE_WEIGHTS)
#define PAT_FENCE_WEIGHTS(...) PAT_FENCE(pat_weights, PAT_WEIGHT_BYTES, __VA_ARGS__)
#else
#define PAT_FENCE_WEIGHTS(...) ((void)0)
#endif

#endif /* PAT_SANITIZER_FENCE_H */
