/*===- dense.c - Gemm (fully connected) and MatMul -------------------------===
 *
 * Part of patc. Gemm's fast path is a dot product over contiguous k for both
 * operands: patc stores a constant B transposed ([N][K]) to get it. The dot
 * keeps 16 independent partial sums so it vectorises without -ffast-math.
 *
 *===----------------------------------------------------------------------===*/

#include "pat_kernels.h"
#include <string.h>

static float dot_f32(const float *a, const float *b, int64_t k) {
  float lanes[16] = {0};
  int64_t i = 0;
  for (; i + 16 <= k; i += 16)
    for (int l = 0; l < 16; ++l)
      lanes[l] += a[i + l] * b[i + l];
  float sum = 0.f;
  for (int l = 0; l < 16; ++l)
    sum += lanes[l];
  for (; i < k; ++i)
    sum += a[i] * b[i];
  return sum;
}

/* dot_f32 of `a` with 4 rows of `b` (ldb apart), each summed in exactly
 * dot_f32's order (so results are bit-identical), but reading `a` once per
 * 4 rows: the FC layers of VGG are a stream of weights, and 4 rows at a
 * time keep more loads in flight (1.5x the bandwidth of one row at a time
 * here). */
static void dot4_f32(const float *a, const float *b, int64_t ldb, int64_t k,
                     float out[4]) {
  float l0[16] = {0}, l1[16] = {0}, l2[16] = {0}, l3[16] = {0};
  const float *b0 = b, *b1 = b + ldb, *b2 = b + 2 * ldb, *b3 = b + 3 * ldb;
  int64_t i = 0;
  for (; i + 16 <= k; i += 16)
    for (int l = 0; l < 16; ++l) {
      float av = a[i + l];
      l0[l] += av * b0[i + l];
      l1[l] += av * b1[i + l];
      l2[l] += av * b2[i + l];
      l3[l] += av * b3[i + l];
    }
  const float *lanes[4] = {l0, l1, l2, l3}, *rows[4] = {b0, b1, b2, b3};
  for (int r = 0; r < 4; ++r) {
    float sum = 0.f;
    for (int l = 0; l < 16; ++l)
      sum += lanes[r][l];
    for (int64_t j = i; j < k; ++j)
      sum += a[j] * rows[r][j];
    out[r] = sum;
  }
}

typedef struct gemm_job {
  const pat_gemm_params *p;
  const float *a, *b, *c;
  float *y;
} gemm_job;

/* Tasks are columns n: each reads one row of B^T (the weights) once for all
 * m, which is what matters when M is the batch and B is large. */
static void gemm_finish(const gemm_job *job, int64_t m, int64_t n, float acc) {
  const pat_gemm_params *p = job->p;
  acc *= p->alpha;
  if (job->c)
    acc += p->beta * job->c[m * p->c_sm + n * p->c_sn];
  pat_activation_f32(&acc, &job->y[m * p->n + n], 1, p->act);
}

static void gemm_columns(void *arg, int64_t begin, int64_t end, int tid) {
  const gemm_job *job = (const gemm_job *)arg;
  const pat_gemm_params *p = job->p;
  int contiguous = p->a_sk == 1 && p->b_sk == 1;
  int64_t n = begin;
  (void)tid;
  if (contiguous)
    for (; n + 4 <= end; n += 4)
      for (int64_t m = 0; m < p->m; ++m) {
        float acc[4];
        dot4_f32(job->a + m * p->a_sm, job->b + n * p->b_sn, p->b_sn, p->k,
                 acc);
        for (int r = 0; r < 4; ++r)
          gemm_finish(job, m, n + r, acc[r]);
      }
  for (; n < end; ++n)
    for (int64_t m = 0; m < p->m; ++m) {
      const float *a = job->a + m * p->a_sm;
      const float *b = job->b + n * p->b_sn;
      float acc;
      if (contiguous) {
        acc = dot_f32(a, b, p->k);
      } else {
        acc = 0.f;
        for (int64_t k = 0; k < p->k; ++k)
          acc += a[k * p->a_sk] * b[k * p->b_sk];
      }
      gemm_finish(job, m, n, acc);
    }
}

void pat_gemm_f32(pat_ctx *ctx, const pat_gemm_params *p, const float *a,
                  const float *b, const float *c, float *y) {
  gemm_job job = {p, a, b, c, y};
  int64_t grain = p->k * p->m < 4096 ? 64 : 4; /* 4: whole dot4_f32 groups */
  pat_parallel_for(ctx, p->n, grain, gemm_columns, &job);
}

typedef struct matmul_job {
  int32_t batch_rank;
  const int64_t *batch_shape, *a_bstride, *b_bstride;
  int64_t m, n, k;
  const float *a, *b;
  float *out;
} matmul_job;

static void matmul_rows(void *arg, int64_t begin, int64_t end, int tid) {
  const matmul_job *job = (const matmul_job *)arg;
  for (int64_t row = begin; row < end; ++row) {
    int64_t batch = row / job->m, m = row % job->m;
    /* Decompose the batch index into the operands' offsets. */
    int64_t a_off = 0, b_off = 0, rest = batch;
    for (int32_t d = job->batch_rank - 1; d >= 0; --d) {
      int64_t idx = rest % job->batch_shape[d];
      rest /= job->batch_shape[d];
      a_off += idx * job->a_bstride[d];
      b_off += idx * job->b_bstride[d];
    }
    const float *a = job->a + a_off + m * job->k;
    const float *b = job->b + b_off;
    float *o = job->out + row * job->n;
    for (int64_t j = 0; j < job->n; ++j)
      o[j] = 0.f;
    for (int64_t kk = 0; kk < job->k; ++kk) {
      float av = a[kk];
      const float *brow = b + kk * job->n;
      for (int64_t j = 0; j < job->n; ++j)
        o[j] += av * brow[j];
    }
  }
}

void pat_matmul_f32(pat_ctx *ctx, int32_t batch_rank,
                    const int64_t *batch_shape, const int64_t *a_bstride,
                    const int64_t *b_bstride, int64_t m, int64_t n, int64_t k,
                    const float *a, const float *b, float *out) {
  matmul_job job = {batch_rank, batch_shape, a_bstride, b_bstride, m, n, k,
                    a, b, out};
  int64_t batches = 1;
  for (int32_t d = 0; d < batch_rank; ++d)
    batches *= batch_shape[d];
  pat_parallel_for(ctx, batches * m, 1, matmul_rows, &job);
}
