/*===- arena_fence_check.c - Does PAT_ARENA_STEP fence the arena? ---------===
 *
 * Part of patc's tests (sanitized_kernels.sh). Built with
 * -fsanitize=address: PAT_ARENA_STEP leaves only the listed ranges of an
 * arena addressable. `arena_fence_check in` reads inside a listed range and
 * must exit 0; `arena_fence_check out` reads a byte between two listed
 * ranges (byte 61, just past the first range's bytes 0..59 and in the same
 * 8-byte shadow granule), and AddressSanitizer must stop it.
 *
 *===----------------------------------------------------------------------===*/

#include "arena_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc != 2 || (strcmp(argv[1], "in") && strcmp(argv[1], "out"))) {
    fprintf(stderr, "usage: arena_fence_check in|out\n");
    return 2;
  }
#ifndef PAT_ASAN
  fprintf(stderr, "arena_fence_check: not built with -fsanitize=address\n");
  return 2;
#else
  char *arena = calloc(1, 256);
  if (!arena)
    return 2;
  PAT_ARENA_STEP(arena, 256, {0, 60, 128, 64});
  volatile char *p = arena;
  int value = strcmp(argv[1], "in") == 0 ? p[130] : p[61];
  PAT_ARENA_STEP(arena, 256, {0, 256});
  free(arena);
  printf("read %d\n", value);
  return 0;
#endif
}
