/*===- conv_gemm.c - Convolution as a packed, blocked GEMM -----------------===
 *
 * Part of patc. C[M][N] = A[M][K] * B[K][N] with A the weights (packed at
 * compile time), B the input seen through an implicit im2col (packed per
 * block into thread scratch, never materialised whole) and C the NCHW output.
 * Work is split into (M-chunk, N-block) tasks over the thread pool.
 *
 *===----------------------------------------------------------------------===*/

#include "gemm_microkernel.h"
#include "conv_gemm_shared.h"
#include <string.h>

#define MR PAT_GEMM_MR
#define NR PAT_GEMM_NR

typedef struct gemm_job {
  pat_ctx *ctx;
  conv_gemm op; /* weights packed in panels of MR rows */
  int64_t m_chunk, n_blocks, n_block;
} gemm_job;

/* The epilogue on a rows x cols block of the result (row stride ldc):
 * c = act(c + bias[row] + residual), residual with c's layout. bias and
 * residual may be NULL. ReLU is inline: the call per block row costs more
 * than the work on these short rows. */
static inline void gemm_epilogue(float *c, int64_t ldc, int64_t rows,
                                 int64_t cols, const float *bias,
                                 const float *residual, pat_activation act) {
  for (int64_t i = 0; i < rows; ++i) {
    float *row = c + i * ldc;
    float b = bias ? bias[i] : 0.f;
    if (residual) {
      const float *r = residual + i * ldc;
      for (int64_t j = 0; j < cols; ++j)
        row[j] = (row[j] + b) + r[j];
    } else if (bias) {
      for (int64_t j = 0; j < cols; ++j)
        row[j] += b;
    }
    if (act.kind == PAT_ACT_RELU) {
      for (int64_t j = 0; j < cols; ++j)
        row[j] = row[j] > 0.f ? row[j] : 0.f;
    } else if (act.kind != PAT_ACT_NONE) {
      pat_activation_f32(row, row, cols, act);
    }
  }
}

static void store_partial(const float *tile, float *c, int64_t ldc,
                          int64_t rows, int64_t cols, int accumulate) {
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      c[i * ldc + j] = accumulate ? c[i * ldc + j] + tile[i * NR + j]
                                  : tile[i * NR + j];
}

static void gemm_tasks(void *arg, int64_t begin, int64_t end, int tid) {
  gemm_job *job = (gemm_job *)arg;
  const conv_gemm *op = &job->op;
  float *bpack = (float *)pat_scratch(job->ctx, tid);
  float tile[MR * NR];
  for (int64_t task = begin; task < end; ++task) {
    int64_t m0 = (task / job->n_blocks) * job->m_chunk;
    int64_t m1 = m0 + job->m_chunk < op->m ? m0 + job->m_chunk : op->m;
    int64_t n0 = (task % job->n_blocks) * job->n_block;
    int64_t nc = op->n - n0 < job->n_block ? op->n - n0 : job->n_block;
    for (int64_t k0 = 0; k0 < op->k; k0 += PAT_GEMM_KC) {
      int64_t kc = op->k - k0 < PAT_GEMM_KC ? op->k - k0 : PAT_GEMM_KC;
      pack_b(&op->src, k0, kc, n0, nc, NR, bpack);
      for (int64_t mi = m0; mi < m1; mi += MR) {
        const float *a = op->a_packed + mi * op->k + k0 * MR;
        int64_t rows = m1 - mi < MR ? m1 - mi : MR;
        for (int64_t nj = 0; nj < nc; nj += NR) {
          int64_t cols = nc - nj < NR ? nc - nj : NR;
          float *c = op->c + mi * op->n + n0 + nj;
          const float *b = bpack + (nj / NR) * kc * NR;
          if (rows == MR && cols == NR) {
            pat_microkernel(kc, a, b, c, op->n, k0 > 0);
          } else {
            pat_microkernel(kc, a, b, tile, NR, 0);
            store_partial(tile, c, op->n, rows, cols, k0 > 0);
          }
          /* After the last K block, while the tile is in L1. */
          if (k0 + kc == op->k)
            gemm_epilogue(c, op->n, rows, cols,
                          op->bias ? op->bias + mi : NULL,
                          op->residual ? op->residual + mi * op->n + n0 + nj
                                        : NULL,
                          op->act);
        }
      }
    }
  }
}

void pat_conv2d_gemm_f32(pat_ctx *ctx, const pat_conv2d_params *p,
                         const float *input, const float *packed_weight,
                         const float *bias, const float *residual,
                         float *output) {
  gemm_job job;
  memset(&job, 0, sizeof(job));
  job.ctx = ctx;
  conv_gemm_init(&job.op, p);
  int64_t m = job.op.m, n = job.op.n;
  /* Even blocks of whole NR tiles: 784 pixels in 224, 224, 224, 112
   * rather than 256, 256, 256, 16. */
  job.n_block = even_chunk(n, PAT_GEMM_NC, NR);
  job.n_blocks = (n + job.n_block - 1) / job.n_block;
  /* Split M too when there are too few N blocks to keep every thread busy. */
  int64_t want = ctx->num_threads > 1 ? 2 * (int64_t)ctx->num_threads : 1;
  int64_t m_splits = job.n_blocks >= want ? 1 : (want + job.n_blocks - 1) / job.n_blocks;
  int64_t m_chunk = (m + m_splits - 1) / m_splits;
  job.m_chunk = (m_chunk + MR - 1) / MR * MR;
  int64_t m_blocks = (m + job.m_chunk - 1) / job.m_chunk;
  for (int64_t b = 0; b < p->batch; ++b)
    for (int64_t g = 0; g < p->groups; ++g) {
      conv_gemm_select(&job.op, p, b, g, MR, input, packed_weight, bias,
                       residual, output);
      pat_parallel_for(ctx, m_blocks * job.n_blocks, 1, gemm_tasks, &job);
    }
}
