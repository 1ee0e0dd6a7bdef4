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
  int64_t m, n, k;
  const float *a_packed; /* ceil(m/MR) panels of [k][MR] */
  const float *bias;
  const float *residual; /* NULL or m x n like c */
  pat_activation act;
  float *c; /* m x n, row stride n */
  im2col_source src;
  int64_t m_chunk, n_blocks;
} gemm_job;

static void store_partial(const float *tile, float *c, int64_t ldc,
                          int64_t rows, int64_t cols, int accumulate) {
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      c[i * ldc + j] = accumulate ? c[i * ldc + j] + tile[i * NR + j]
                                  : tile[i * NR + j];
}

static void gemm_tasks(void *arg, int64_t begin, int64_t end, int tid) {
  gemm_job *job = (gemm_job *)arg;
  float *bpack = (float *)pat_scratch(job->ctx, tid);
  float tile[MR * NR];
  for (int64_t task = begin; task < end; ++task) {
    int64_t m0 = (task / job->n_blocks) * job->m_chunk;
    int64_t m1 = m0 + job->m_chunk < job->m ? m0 + job->m_chunk : job->m;
    int64_t n0 = (task % job->n_blocks) * PAT_GEMM_NC;
    int64_t nc = job->n - n0 < PAT_GEMM_NC ? job->n - n0 : PAT_GEMM_NC;
    for (int64_t k0 = 0; k0 < job->k; k0 += PAT_GEMM_KC) {
      int64_t kc = job->k - k0 < PAT_GEMM_KC ? job->k - k0 : PAT_GEMM_KC;
      pack_b(&job->src, k0, kc, n0, nc, NR, bpack);
      for (int64_t mi = m0; mi < m1; mi += MR) {
        const float *a = job->a_packed + mi * job->k + k0 * MR;
        int64_t rows = m1 - mi < MR ? m1 - mi : MR;
        for (int64_t nj = 0; nj < nc; nj += NR) {
          int64_t cols = nc - nj < NR ? nc - nj : NR;
          float *c = job->c + mi * job->n + n0 + nj;
          const float *b = bpack + (nj / NR) * kc * NR;
          if (rows == MR && cols == NR) {
            pat_microkernel(kc, a, b, c, job->n, k0 > 0);
          } else {
            pat_microkernel(kc, a, b, tile, NR, 0);
            store_partial(tile, c, job->n, rows, cols, k0 > 0);
          }
          /* After the last K block, while the tile is in L1. */
          if (k0 + kc == job->k)
            gemm_epilogue(c, job->n, rows, cols,
                          job->bias ? job->bias + mi : NULL,
                          job->residual ? job->residual + mi * job->n + n0 + nj
                                        : NULL,
                          job->act);
        }
      }
    }
  }
}

void pat_conv2d_gemm_f32(pat_ctx *ctx, const pat_conv2d_params *p,
                         const float *input, const float *packed_weight,
                         const float *bias, const float *residual,
                         float *output) {
  int64_t cin_g = p->in_c / p->groups, cout_g = p->out_c / p->groups;
  int64_t k = cin_g * p->kernel_h * p->kernel_w;
  int64_t n = p->out_h * p->out_w;
  int64_t panels = (cout_g + MR - 1) / MR;
  gemm_job job;
  memset(&job, 0, sizeof(job));
  job.ctx = ctx;
  job.m = cout_g;
  job.n = n;
  job.k = k;
  job.act = p->act;
  job.n_blocks = (n + PAT_GEMM_NC - 1) / PAT_GEMM_NC;
  /* Split M too when there are too few N blocks to keep every thread busy. */
  int64_t want = ctx->num_threads > 1 ? 2 * (int64_t)ctx->num_threads : 1;
  int64_t m_splits = job.n_blocks >= want ? 1 : (want + job.n_blocks - 1) / job.n_blocks;
  int64_t m_chunk = (cout_g + m_splits - 1) / m_splits;
  job.m_chunk = (m_chunk + MR - 1) / MR * MR;
  int64_t m_blocks = (cout_g + job.m_chunk - 1) / job.m_chunk;
  im2col_source *s = &job.src;
  im2col_source_init(s, p);
  for (int64_t b = 0; b < p->batch; ++b)
    for (int64_t g = 0; g < p->groups; ++g) {
      s->input = input + (b * p->in_c + g * cin_g) * p->in_h * p->in_w;
      job.c = output + (b * p->out_c + g * cout_g) * n;
      job.a_packed = packed_weight + g * panels * MR * k;
      job.bias = bias ? bias + g * cout_g : NULL;
      job.residual = residual ? residual + (b * p->out_c + g * cout_g) * n
                              : NULL;
      pat_parallel_for(ctx, m_blocks * job.n_blocks, 1, gemm_tasks, &job);
    }
}
