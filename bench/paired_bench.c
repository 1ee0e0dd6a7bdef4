/*===- paired_bench.c - In-process paired A/B timing of patc libraries ----===
 *
 * Part of patc. Loads two or more libraries of the same model (patc builds
 * of different commits or options) into one process and times them run
 * for run, alternating: iteration i runs every library once, in an order
 * that rotates with i, so a slow spell of a shared VM (which moves single
 * timings by 15-40% here) hits every library within the same few
 * milliseconds. Per library it prints the median and minimum run time and
 * the median of the per-iteration ratios to the first library, with the
 * ratios' quartiles: the paired ratio is the figure to compare builds by.
 * ab_bench.py alternates whole pat-run processes instead.
 *
 *   cc -O2 bench/paired_bench.c -Iruntime/include -ldl -lm -o /tmp/paired_bench
 *   /tmp/paired_bench A.so B.so [--runs 200] [--threads 1] [--warmup 5]
 *
 * A library given as LIB.so@T runs its session with T threads instead of
 * --threads: `A.so@1 A.so@2` measures one build's 2-thread speed-up.
 *
 * Inputs are the same pseudo-random floats (uniform in [-1, 1)) for every
 * library; outputs are compared against the first library's and a
 * mismatch beyond 1e-4 of the output's scale is reported (builds that
 * disagree are not worth timing).
 *
 *===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L
#include "pat_runtime.h"

#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_LIBS 8

typedef struct library {
  char path[4096];
  int threads;
  void *handle;
  const pat_model_info *(*get_info)(void);
  pat_session *(*create)(const pat_session_options *);
  int (*run)(pat_session *, const void *const *, void *const *);
  void (*destroy)(pat_session *);
  const char *(*last_error)(void);
  pat_session *session;
  void **outputs;
  double *ms; /* per iteration */
} library;

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* The q-quantile (0..1) of n values, sorted in place. */
static double quantile(double *v, int n, double q) {
  qsort(v, (size_t)n, sizeof(double), cmp_double);
  return v[(int)(q * (n - 1) + 0.5)];
}

/* Whether two libraries take and give tensors of the same types and sizes. */
static int same_interface(const pat_model_info *a, const pat_model_info *b) {
  if (a->num_inputs != b->num_inputs || a->num_outputs != b->num_outputs)
    return 0;
  for (int i = 0; i < a->num_inputs; ++i)
    if (a->inputs[i].num_bytes != b->inputs[i].num_bytes ||
        a->inputs[i].dtype != b->inputs[i].dtype)
      return 0;
  for (int o = 0; o < a->num_outputs; ++o)
    if (a->outputs[o].num_bytes != b->outputs[o].num_bytes ||
        a->outputs[o].dtype != b->outputs[o].dtype)
      return 0;
  return 1;
}

static int load(library *lib) {
  lib->handle = dlopen(lib->path, RTLD_NOW | RTLD_LOCAL);
  if (!lib->handle) {
    fprintf(stderr, "paired_bench: %s\n", dlerror());
    return 0;
  }
  *(void **)&lib->get_info = dlsym(lib->handle, "pat_model_get_info");
  *(void **)&lib->create = dlsym(lib->handle, "pat_session_create");
  *(void **)&lib->run = dlsym(lib->handle, "pat_session_run");
  *(void **)&lib->destroy = dlsym(lib->handle, "pat_session_destroy");
  *(void **)&lib->last_error = dlsym(lib->handle, "pat_last_error");
  if (!lib->get_info || !lib->create || !lib->run || !lib->destroy ||
      !lib->last_error) {
    fprintf(stderr, "paired_bench: %s is not a patc library\n", lib->path);
    return 0;
  }
  pat_session_options options = {lib->threads};
  lib->session = lib->create(&options);
  if (!lib->session) {
    fprintf(stderr, "paired_bench: %s: %s\n", lib->path, lib->last_error());
    return 0;
  }
  return 1;
}

int main(int argc, char **argv) {
  library libs[MAX_LIBS];
  int n = 0, runs = 200, threads = 1, warmup = 5;
  memset(libs, 0, sizeof(libs));
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--runs") && i + 1 < argc)
      runs = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
      threads = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--warmup") && i + 1 < argc)
      warmup = atoi(argv[++i]);
    else if (argv[i][0] == '-' || n == MAX_LIBS ||
             strlen(argv[i]) + 2 >= sizeof(libs[0].path)) {
      fprintf(stderr, "usage: paired_bench A.so B.so [...] [--runs N] "
                      "[--threads T] [--warmup W] (at most %d libraries)\n",
              MAX_LIBS);
      return 2;
    } else {
      /* dlopen searches the library path for names without a slash. */
      snprintf(libs[n].path, sizeof(libs[n].path), "%s%s",
               strchr(argv[i], '/') ? "" : "./", argv[i]);
      ++n;
    }
  }
  /* LIB.so@T: T threads for that library's session. */
  for (int l = 0; l < n; ++l) {
    char *at = strrchr(libs[l].path, '@');
    libs[l].threads = threads;
    if (at && !strchr(at, '/')) {
      char *end;
      long t = strtol(at + 1, &end, 10);
      if (*end || t < 1 || t > 256) {
        fprintf(stderr, "paired_bench: bad thread count in %s\n",
                libs[l].path);
        return 2;
      }
      *at = 0;
      libs[l].threads = (int)t;
    }
  }
  if (n < 1 || runs < 1 || threads < 1 || threads > 256 || warmup < 0) {
    fprintf(stderr, "paired_bench: give one or more libraries, --runs >= 1, "
                    "--threads 1..256 and --warmup >= 0\n");
    return 2;
  }
  for (int l = 0; l < n; ++l)
    if (!load(&libs[l]))
      return 1;
  /* One set of inputs (the first library's shapes; the others must agree). */
  const pat_model_info *info = libs[0].get_info();
  void **inputs = calloc((size_t)info->num_inputs + 1, sizeof(void *));
  unsigned seed = 12345;
  for (int i = 0; i < info->num_inputs; ++i) {
    int64_t bytes = info->inputs[i].num_bytes;
    inputs[i] = calloc((size_t)bytes + 4, 1);
    if (info->inputs[i].dtype == PAT_DTYPE_FLOAT32)
      for (int64_t k = 0; k < bytes / 4; ++k) {
        seed = seed * 1103515245u + 12345u;
        ((float *)inputs[i])[k] = (float)((seed >> 8) & 0xffff) / 32768.f - 1.f;
      }
  }
  for (int l = 0; l < n; ++l) {
    const pat_model_info *li = libs[l].get_info();
    if (!same_interface(li, info)) {
      fprintf(stderr,
              "paired_bench: %s is not the same model as %s (its inputs or "
              "outputs differ)\n",
              libs[l].path, libs[0].path);
      return 1;
    }
    libs[l].outputs = calloc((size_t)li->num_outputs + 1, sizeof(void *));
    for (int o = 0; o < li->num_outputs; ++o)
      libs[l].outputs[o] = calloc((size_t)li->outputs[o].num_bytes + 4, 1);
    libs[l].ms = calloc((size_t)runs, sizeof(double));
  }
  /* At least one run before the outputs are compared. */
  for (int w = 0; w < (warmup > 0 ? warmup : 1); ++w)
    for (int l = 0; l < n; ++l)
      if (libs[l].run(libs[l].session, (const void *const *)inputs,
                      libs[l].outputs) != 0) {
        fprintf(stderr, "paired_bench: %s: %s\n", libs[l].path,
                libs[l].last_error());
        return 1;
      }
  /* Outputs against the first library's (float outputs only). */
  for (int l = 1; l < n; ++l)
    for (int o = 0; o < info->num_outputs; ++o) {
      if (info->outputs[o].dtype != PAT_DTYPE_FLOAT32)
        continue;
      const float *a = libs[0].outputs[o], *b = libs[l].outputs[o];
      double scale = 0, diff = 0;
      for (int64_t k = 0; k < info->outputs[o].num_bytes / 4; ++k) {
        scale = fmax(scale, fabs(a[k]));
        diff = fmax(diff, fabs((double)a[k] - b[k]));
      }
      if (diff > 1e-4 * (scale > 1 ? scale : 1))
        printf("warning: %s output %d differs from %s's by %g (scale %g)\n",
               libs[l].path, o, libs[0].path, diff, scale);
    }
  /* With several threads, a library's idle workers spin for a while after
   * its run (PAT_POOL_SPINS) and would compete with the next library's: a
   * pause lets them sleep, and an untimed run wakes the next library's
   * workers, so that its timed run finds them spinning, as in a steady
   * stream of inferences. */
  struct timespec rest = {0, 500000};
  for (int r = 0; r < runs; ++r)
    for (int k = 0; k < n; ++k) {
      library *lib = &libs[(r + k) % n];
      if (lib->threads > 1) {
        nanosleep(&rest, NULL);
        lib->run(lib->session, (const void *const *)inputs, lib->outputs);
      }
      double t0 = now_ms();
      lib->run(lib->session, (const void *const *)inputs, lib->outputs);
      lib->ms[r] = now_ms() - t0;
    }
  printf("%d paired runs\n", runs);
  printf("| library | threads | median (ms) | min (ms) | median ratio to "
         "first | ratio quartiles |\n|---|---|---|---|---|---|\n");
  double *ratio = calloc((size_t)runs, sizeof(double));
  double *sorted = calloc((size_t)runs, sizeof(double));
  for (int l = 0; l < n; ++l) {
    for (int r = 0; r < runs; ++r)
      ratio[r] = libs[l].ms[r] / libs[0].ms[r];
    memcpy(sorted, libs[l].ms, (size_t)runs * sizeof(double));
    double med = quantile(sorted, runs, 0.5), min = sorted[0];
    double q1 = quantile(ratio, runs, 0.25), q3 = quantile(ratio, runs, 0.75);
    double rm = quantile(ratio, runs, 0.5);
    printf("| %s | %d | %.3f | %.3f | %.3f | %.3f - %.3f |\n", libs[l].path,
           libs[l].threads, med, min, rm, q1, q3);
  }
  for (int l = 0; l < n; ++l)
    libs[l].destroy(libs[l].session);
  return 0;
}
