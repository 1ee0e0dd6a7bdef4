/*===- sanitizer_fence_check.c - Do the sanitizer fences fence? -----------===
 *
 * Part of patc's tests (sanitized_kernels.sh). Built with
 * -fsanitize=address -DPAT_SANITIZE_WEIGHTS: PAT_FENCE leaves only the
 * listed ranges of an arena addressable, PAT_FENCE_WEIGHTS those of the
 * weight blob. `sanitizer_fence_check in` reads inside listed ranges and must
 * exit 0; `sanitizer_fence_check arena` reads a byte between two listed ranges
 * (byte 61, just past the first range's bytes 0..59 and in the same 8-byte
 * shadow granule), `sanitizer_fence_check weights` a weight byte past its
 * range, and AddressSanitizer must stop both.
 *
 *===----------------------------------------------------------------------===*/

#include "sanitizer_fence.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* As in generated code. */
static const char pat_weights[256] = {1};
#define PAT_WEIGHT_BYTES 256

int main(int argc, char **argv) {
  if (argc != 2 || (strcmp(argv[1], "in") && strcmp(argv[1], "arena") &&
                    strcmp(argv[1], "weights"))) {
    fprintf(stderr, "usage: sanitizer_fence_check in|arena|weights\n");
    return 2;
  }
#if !defined(PAT_ASAN) || !defined(PAT_SANITIZE_WEIGHTS)
  fprintf(stderr, "sanitizer_fence_check: not built with -fsanitize=address "
                  "-DPAT_SANITIZE_WEIGHTS\n");
  return 2;
#else
  char *arena = calloc(1, 256);
  if (!arena)
    return 2;
  PAT_FENCE(arena, 256, {0, 60, 128, 64});
  PAT_FENCE_WEIGHTS({64, 32});
  volatile char *p = arena;
  const volatile char *w = pat_weights;
  /* An index the compiler cannot see, as in a kernel: ASan does not check
   * an access it proves to be inside a global. */
  volatile int zero = 0;
  int at = zero;
  int value = strcmp(argv[1], "in") == 0      ? p[130 + at] + w[70 + at]
              : strcmp(argv[1], "arena") == 0 ? p[61 + at]
                                              : w[100 + at];
  PAT_FENCE(arena, 256, {0, 256});
  PAT_FENCE_WEIGHTS({0, PAT_WEIGHT_BYTES});
  free(arena);
  printf("read %d\n", value);
  return 0;
#endif
}
