/*===- fc_rows.c - How fast the weight rows of an FC layer stream ----------===
 *
 * Part of patc. runtime/kernels/gemv_rows.c reads only the weight rows of a
 * fully connected layer whose inputs are non-zero. This probe times ways of
 * streaming such rows on VGG-16's first FC layer (25088 x 4096 floats,
 * 45% of the inputs zero, as after its ReLU and max-pool on a random image):
 * rows one, four or eight at a time, with or without prefetching the next
 * eight rows into the L2, over blocks of 2048 or 4096 outputs. It prints
 * the best of 5 passes and the read rate on the rows read.
 *
 * build: cc -O3 -march=native -std=c99 -D_POSIX_C_SOURCE=200809L \
 *          bench/fc_rows.c -o /tmp/fc_rows
 *
 *===----------------------------------------------------------------------===*/

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { K = 25088, N = 4096 };

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

/* acc[0..n) += xs[i] * row ks[i] of w, `group` rows per pass over acc;
 * prefetch: the next group's rows into the L2 while a group streams. */
static inline void add_rows(float *restrict acc, int64_t n, const float *w,
                     const int *ks, const float *xs, int count, int group,
                     int prefetch) {
  int i = 0;
  for (; i + group <= count; i += group) {
    const float *r[8], *next[8];
    for (int q = 0; q < group; ++q) {
      r[q] = w + (int64_t)ks[i + q] * N;
      next[q] = w + (int64_t)ks[i + group + q < count ? i + group + q : i + q] * N;
    }
    for (int64_t j = 0; j < n; j += 16) {
      if (prefetch)
        for (int q = 0; q < group; ++q)
          __builtin_prefetch(next[q] + j, 0, 2);
      for (int64_t e = j; e < j + 16; ++e) {
        float s = 0.f;
        for (int q = 0; q < group; ++q)
          s += xs[i + q] * r[q][e];
        acc[e] += s;
      }
    }
  }
  for (; i < count; ++i)
    for (int64_t j = 0; j < n; ++j)
      acc[j] += xs[i] * w[(int64_t)ks[i] * N + j];
}

int main(void) {
  float *w;
  if (posix_memalign((void **)&w, 64, (size_t)K * N * sizeof(float)))
    return 1;
  for (size_t i = 0; i < (size_t)K * N; ++i)
    w[i] = (float)(i % 7) * 0.1f;
  int *ks = malloc(K * sizeof(int));
  float *xs = malloc(K * sizeof(float));
  int count = 0;
  srand(1);
  for (int k = 0; k < K; ++k)
    if (rand() % 100 >= 45) {
      ks[count] = k;
      xs[count++] = 1.f;
    }
  static float acc[N] __attribute__((aligned(64)));
  const struct { int group, prefetch; } ways[] = {{1, 0}, {4, 0}, {8, 0}, {8, 1}};
  for (int cols = 2048; cols <= N; cols *= 2)
    for (size_t v = 0; v < sizeof(ways) / sizeof(ways[0]); ++v) {
      double best = 1e30;
      for (int pass = 0; pass < 5; ++pass) {
        double t0 = now_ms();
        for (int n0 = 0; n0 < N; n0 += cols) {
          memset(acc, 0, sizeof(acc));
          /* Constant arguments, so that each way is compiled on its own
           * with its rows unrolled. */
          switch (ways[v].group * 2 + ways[v].prefetch) {
          case 2: add_rows(acc, cols, w + n0, ks, xs, count, 1, 0); break;
          case 8: add_rows(acc, cols, w + n0, ks, xs, count, 4, 0); break;
          case 16: add_rows(acc, cols, w + n0, ks, xs, count, 8, 0); break;
          default: add_rows(acc, cols, w + n0, ks, xs, count, 8, 1); break;
          }
        }
        double t = now_ms() - t0;
        best = t < best ? t : best;
      }
      printf("{\"cols\": %d, \"rows_at_once\": %d, \"prefetch_next\": %d, "
             "\"ms\": %.2f, \"gbs\": %.1f, \"check\": %g}\n",
             cols, ways[v].group, ways[v].prefetch, best,
             (double)count * N * sizeof(float) / best / 1e6, acc[0]);
    }
  return 0;
}
