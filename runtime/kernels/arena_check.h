/*===- arena_check.h - Address-sanitizer fences between arena tensors -----===
 *
 * Part of patc. All intermediate tensors share one arena, so a kernel that
 * reads or writes past its own tensors lands in another tensor's bytes,
 * where AddressSanitizer sees nothing wrong and the result is merely wrong
 * (or, for a read of stale data, right by luck). In a sanitizer build
 * (patc --cflags='-fsanitize=address ...'; the sanitized_kernels test) the
 * generated code calls PAT_ARENA_STEP before each layer with the arena
 * ranges, {offset, bytes, offset, bytes, ...}, of the tensors the layer
 * reads and writes: the rest of the arena is poisoned, so any access to it
 * is reported. In other builds PAT_ARENA_STEP is nothing.
 *
 *===----------------------------------------------------------------------===*/

#ifndef PAT_ARENA_CHECK_H
#define PAT_ARENA_CHECK_H

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

static inline void pat_arena_step(char *arena, int64_t arena_bytes,
                                  const int64_t *ranges, size_t count) {
  ASAN_POISON_MEMORY_REGION(arena, (size_t)arena_bytes);
  for (size_t i = 0; i + 1 < count; i += 2)
    ASAN_UNPOISON_MEMORY_REGION(arena + ranges[i], (size_t)ranges[i + 1]);
}

/* The ranges are a braced list, e.g. PAT_ARENA_STEP(arena, 4096, {0, 64}). */
#define PAT_ARENA_STEP(arena, arena_bytes, ...)                                \
  do {                                                                         \
    static const int64_t pat_ranges_[] = __VA_ARGS__;                          \
    pat_arena_step((arena), (arena_bytes), pat_ranges_,                        \
                   sizeof pat_ranges_ / sizeof pat_ranges_[0]);                \
  } while (0)
#else
#define PAT_ARENA_STEP(arena, arena_bytes, ...) ((void)0)
#endif

#endif /* PAT_ARENA_CHECK_H */
