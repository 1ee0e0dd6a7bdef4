/*===- mem_bandwidth.c - Measures DRAM read bandwidth at 1..N threads -------===
 *
 * Part of patc's bench/. Batch-1 fully connected layers read every weight
 * once per inference (VGG-16's are 494 MB), so their speed is the memory
 * bandwidth, and how it grows with threads bounds the speed-up of such a
 * model. Each thread sums its own share of a 256 MB buffer (far larger than
 * any cache), four rows at a time like `dot4_f32`; the threads start
 * together on a barrier. Prints one JSON line per thread count:
 *   {"threads": 2, "gbs": 36.1, "median_gbs": 33.9}
 * in 1e9 bytes per second summed over the threads: the best and the median
 * of several timed passes (on a shared VM the bandwidth left to us varies
 * from pass to pass).
 *
 * usage: mem_bandwidth [MAX_THREADS]   (default 2)
 *
 *===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { kFloats = 64 << 20, kStreams = 4, kPasses = 7 };

static float *buffer;
static int num_threads;
static pthread_barrier_t barrier;
static double pass_seconds[kPasses];

static double seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

/* Sums `n` floats of each of kStreams rows `stride` apart; 16 partial sums
 * per row so the compiler vectorises the loop. */
static float sum_rows(const float *p, size_t n, size_t stride) {
  float acc[kStreams][16] = {{0}};
  for (size_t i = 0; i + 16 <= n; i += 16)
    for (int s = 0; s < kStreams; ++s)
      for (int l = 0; l < 16; ++l)
        acc[s][l] += p[s * stride + i + l];
  float total = 0.f;
  for (int s = 0; s < kStreams; ++s)
    for (int l = 0; l < 16; ++l)
      total += acc[s][l];
  return total;
}

static void *reader(void *arg) {
  size_t id = (size_t)arg, share = kFloats / num_threads;
  size_t row = share / kStreams;
  volatile float sink = 0.f;
  for (int pass = 0; pass < kPasses; ++pass) {
    pthread_barrier_wait(&barrier);
    double t0 = seconds();
    sink += sum_rows(buffer + id * share, row, row);
    pthread_barrier_wait(&barrier);
    if (id == 0)
      pass_seconds[pass] = seconds() - t0;
  }
  (void)sink;
  return NULL;
}

int main(int argc, char **argv) {
  int max_threads = argc > 1 ? atoi(argv[1]) : 2;
  if (max_threads < 1 || max_threads > 256) {
    fprintf(stderr, "usage: mem_bandwidth [MAX_THREADS (1-256)]\n");
    return 2;
  }
  buffer = malloc((size_t)kFloats * sizeof(float));
  pthread_t *threads = malloc((size_t)max_threads * sizeof(pthread_t));
  if (!buffer || !threads) {
    fprintf(stderr, "mem_bandwidth: out of memory\n");
    return 1;
  }
  for (size_t i = 0; i < kFloats; ++i)
    buffer[i] = (float)(i & 7);
  for (num_threads = 1; num_threads <= max_threads; ++num_threads) {
    pthread_barrier_init(&barrier, NULL, (unsigned)num_threads);
    for (int t = 0; t < num_threads; ++t)
      pthread_create(&threads[t], NULL, reader, (void *)(size_t)t);
    for (int t = 0; t < num_threads; ++t)
      pthread_join(threads[t], NULL);
    pthread_barrier_destroy(&barrier);
    /* Insertion sort of the few pass times: [0] best, [kPasses / 2] median. */
    for (int i = 1; i < kPasses; ++i)
      for (int j = i; j > 0 && pass_seconds[j] < pass_seconds[j - 1]; --j) {
        double t = pass_seconds[j];
        pass_seconds[j] = pass_seconds[j - 1];
        pass_seconds[j - 1] = t;
      }
    double bytes = (double)kFloats * sizeof(float);
    printf("{\"threads\": %d, \"gbs\": %.1f, \"median_gbs\": %.1f}\n",
           num_threads, bytes / pass_seconds[0] / 1e9,
           bytes / pass_seconds[kPasses / 2] / 1e9);
  }
  free(threads);
  free(buffer);
  return 0;
}
