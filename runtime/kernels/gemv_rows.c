/*===- gemv_rows.c - Fully connected layers that skip zero inputs ---------===
 *
 * Part of patc. A fully connected layer at batch 1 reads every weight once
 * and does one FMA with it, so it runs at the memory bandwidth (VGG-16's
 * first one: 411 MB per inference). After a ReLU about half of its inputs
 * are zero, and their weights need not be read at all if they are stored by
 * input: patc stores such a layer's weights as [K][N] (row k holds input
 * k's weight for every output) and this kernel streams only the rows of the
 * non-zero inputs, eight at a time, into accumulators for a block of
 * outputs. The skipped terms are exact zeros (patc uses it only for finite
 * weights), so only the summation order differs from a dot product. Meant
 * for one row of A (patc picks it at batch 1); more rows read the weights
 * once per row.
 *
 *===----------------------------------------------------------------------===*/

#include "pat_kernels.h"

typedef struct gemv_rows_job {
  const pat_gemm_params *p;
  const float *x, *w, *c;
  float *y;
  int64_t cols; /* outputs per task */
} gemv_rows_job;

#if defined(__GNUC__) || defined(__clang__)
#define GEMV_PREFETCH_L2(p) __builtin_prefetch((p), 0, 2)
#else
#define GEMV_PREFETCH_L2(p) ((void)(p))
#endif

#define GEMV_ROWS_BATCH 256 /* non-zero inputs gathered per add_rows call */
#define GEMV_ROWS_MAX_COLS 4096
/* Rows streamed together; add_rows writes their sum out term by term, so
 * changing this means changing that sum too. */
#define GEMV_ROWS_GROUP 8

/* acc[0..n) += the listed rows of w (ldw apart, from column 0) times their
 * inputs xs. Rows go eight at a time: more streams keep more reads in
 * flight, and while one group streams, the next group's rows are
 * prefetched into the L2 at the same columns, so a group starts without
 * waiting for its first lines. bench/fc_rows.c (VGG-16's first FC layer,
 * 45% zero inputs, rows of 4096 columns) on the Zen 4 VM, whose one core
 * reads ~29 GB/s: one row at a time 13 GB/s, four 21, eight 24, eight with
 * the next eight prefetched 28. */
static void add_rows(float *restrict acc, int64_t n, const float *w,
                     int64_t ldw, const int64_t *ks, const float *xs,
                     int count) {
  int i = 0;
  for (; i + GEMV_ROWS_GROUP <= count; i += GEMV_ROWS_GROUP) {
    const float *r[GEMV_ROWS_GROUP], *next[GEMV_ROWS_GROUP];
    float x[GEMV_ROWS_GROUP];
    for (int q = 0; q < GEMV_ROWS_GROUP; ++q) {
      int after = i + GEMV_ROWS_GROUP + q;
      r[q] = w + ks[i + q] * ldw;
      next[q] = w + ks[after < count ? after : i + q] * ldw;
      x[q] = xs[i + q];
    }
    int64_t j = 0;
    for (; j + 16 <= n; j += 16) {
      for (int q = 0; q < GEMV_ROWS_GROUP; ++q)
        GEMV_PREFETCH_L2(next[q] + j);
      for (int64_t e = j; e < j + 16; ++e)
        acc[e] += x[0] * r[0][e] + x[1] * r[1][e] + x[2] * r[2][e] +
                  x[3] * r[3][e] + x[4] * r[4][e] + x[5] * r[5][e] +
                  x[6] * r[6][e] + x[7] * r[7][e];
    }
    for (; j < n; ++j)
      for (int q = 0; q < GEMV_ROWS_GROUP; ++q)
        acc[j] += x[q] * r[q][j];
  }
  for (; i < count; ++i) {
    const float *restrict r = w + ks[i] * ldw;
    float x = xs[i];
    for (int64_t j = 0; j < n; ++j)
      acc[j] += x * r[j];
  }
}

/* Task t: output block t % blocks of row t / blocks of A. */
static void gemv_rows_tasks(void *arg, int64_t begin, int64_t end, int tid) {
  const gemv_rows_job *job = (const gemv_rows_job *)arg;
  const pat_gemm_params *p = job->p;
  float acc[GEMV_ROWS_MAX_COLS] __attribute__((aligned(64)));
  int64_t ks[GEMV_ROWS_BATCH];
  float xs[GEMV_ROWS_BATCH];
  int64_t blocks = (p->n + job->cols - 1) / job->cols;
  (void)tid;
  for (int64_t t = begin; t < end; ++t) {
    int64_t m = t / blocks, n0 = t % blocks * job->cols;
    int64_t n = p->n - n0 < job->cols ? p->n - n0 : job->cols;
    const float *x = job->x + m * p->a_sm, *w = job->w + n0;
    for (int64_t j = 0; j < n; ++j)
      acc[j] = 0.f;
    int count = 0;
    for (int64_t k = 0; k < p->k; ++k) {
      float v = x[k * p->a_sk];
      if (v == 0.f)
        continue;
      ks[count] = k;
      xs[count++] = v;
      if (count == GEMV_ROWS_BATCH) {
        add_rows(acc, n, w, p->n, ks, xs, count);
        count = 0;
      }
    }
    add_rows(acc, n, w, p->n, ks, xs, count);
    float *y = job->y + m * p->n + n0;
    for (int64_t j = 0; j < n; ++j) {
      float v = acc[j] * p->alpha;
      if (job->c)
        v += p->beta * job->c[m * p->c_sm + (n0 + j) * p->c_sn];
      y[j] = v;
    }
    pat_activation_f32(y, y, n, p->act);
  }
}

void pat_gemv_rows_f32(pat_ctx *ctx, const pat_gemm_params *p, const float *x,
                       const float *w, const float *c, float *y) {
  /* One block of outputs per thread (every block reads the same rows, so
   * they cost the same), at most GEMV_ROWS_MAX_COLS (16 KB of accumulators,
   * which stay in the L1), whole cache lines of each weight row. Longer
   * row segments stream better (bench/fc_rows.c: 4096 columns 8.2 ms,
   * 2048 8.7). Splitting K between 2 threads instead, so
   * that rows stay whole, measured the same as splitting the columns
   * (VGG-16 g1, 2 threads: 38.0 vs 38.1 ms). */
  if (p->m <= 0 || p->n <= 0)
    return;
  int64_t threads = ctx->num_threads > 0 ? ctx->num_threads : 1;
  int64_t cols = (p->n + threads - 1) / threads;
  cols = (cols + 15) / 16 * 16;
  if (cols > GEMV_ROWS_MAX_COLS)
    cols = GEMV_ROWS_MAX_COLS;
  gemv_rows_job job = {p, x, w, c, y, cols};
  pat_parallel_for(ctx, p->m * ((p->n + cols - 1) / cols), 1, gemv_rows_tasks,
                   &job);
}
