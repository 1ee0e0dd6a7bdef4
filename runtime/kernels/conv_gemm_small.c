/*===- conv_gemm_small.c - GEMM convolution for small feature maps ---------===
 *
 * Part of patc. The same product as conv_gemm.c, C[M][N] = A[M][K] * B[K][N],
 * with the roles of the vector lanes swapped: the lanes hold 2 * PV_LANES
 * output channels and a register tile covers up to PAT_GEMM_SMALL_PX output
 * pixels (then 7, then what is left), one broadcast input value per pixel
 * and k. On 7x7 and 14x14 maps (N = 49, 196) the wide kernel's NR-column
 * panels are up to a quarter empty; here blocks of 14 and 7 pixels divide N
 * exactly. Pointwise convs read B straight from the input, without packing.
 *
 * Such layers have few pixels per weight, so their weights mostly stream
 * from L3 or memory once per run: the tile prefetches its weight panel
 * SMALL_PREFETCH rows ahead (7x7 conv chains: 1.2x ORT's time without it,
 * 0.85x with it; bench/run_dense_conv_bench.py).
 *
 * Weights are packed like the wide kernel's with MR = PAT_GEMM_SMALL_MR.
 *
 *===----------------------------------------------------------------------===*/

#include "conv_gemm_shared.h"
#include "pattern_simd.h"

#define SMALL_MR PAT_GEMM_SMALL_MR
#define SMALL_PX PAT_GEMM_SMALL_PX
/* K block of the im2col (non-pointwise) case. Pointwise convs run the whole
 * K at once: their weights are used by few pixels and mostly come from
 * L3 or memory, so each panel's weights are best read as one stream
 * (K blocks of 64 to keep them in L1 were 15-40% slower on 7x7 maps). */
#define SMALL_KC PAT_GEMM_KC
/* Weight rows ahead to prefetch (16, 32, 64, 128 measured; 64 best). */
#define SMALL_PREFETCH 64

#if SMALL_MR != 2 * PV_LANES
#error "PAT_GEMM_SMALL_MR must be two vectors"
#endif

/* tile[i][0..SMALL_MR) (+)= sum_k b[k * b_stride + i] * a[k][0..SMALL_MR)
 * for i < np. Inlined with constant np so the accumulators stay in
 * registers. */
static inline __attribute__((always_inline)) void
small_tile(int np, int64_t kc, const float *a, const float *b,
           int64_t b_stride, float *tile, int accumulate) {
  PV acc0[SMALL_PX], acc1[SMALL_PX];
#pragma GCC unroll 16
  for (int i = 0; i < np; ++i) {
    acc0[i] = accumulate ? PV_LOADU(tile + i * SMALL_MR) : PV_SET1(0.f);
    acc1[i] = accumulate ? PV_LOADU(tile + i * SMALL_MR + PV_LANES)
                         : PV_SET1(0.f);
  }
  for (int64_t k = 0; k < kc; ++k) {
    PV w0 = PV_LOADU(a + k * SMALL_MR);
    PV w1 = PV_LOADU(a + k * SMALL_MR + PV_LANES);
    PV_PREFETCH(a + (k + SMALL_PREFETCH) * SMALL_MR);
    PV_PREFETCH(a + (k + SMALL_PREFETCH) * SMALL_MR + PV_LANES);
    const float *bk = b + k * b_stride;
#pragma GCC unroll 16
    for (int i = 0; i < np; ++i) {
      PV x = PV_SET1(bk[i]);
      acc0[i] = PV_FMA(x, w0, acc0[i]);
      acc1[i] = PV_FMA(x, w1, acc1[i]);
    }
  }
#pragma GCC unroll 16
  for (int i = 0; i < np; ++i) {
    PV_STOREU(tile + i * SMALL_MR, acc0[i]);
    PV_STOREU(tile + i * SMALL_MR + PV_LANES, acc1[i]);
  }
}

static void small_tile_any(int np, int64_t kc, const float *a, const float *b,
                           int64_t b_stride, float *tile, int accumulate) {
  switch (np) {
#define PAT_SMALL_CASE(n)                                                      \
  case n:                                                                      \
    small_tile(n, kc, a, b, b_stride, tile, accumulate);                                   \
    return;
    PAT_SMALL_CASE(1)
    PAT_SMALL_CASE(2)
    PAT_SMALL_CASE(3)
#if SMALL_PX >= 4
    PAT_SMALL_CASE(4)
#endif
#if SMALL_PX >= 5
    PAT_SMALL_CASE(5)
#endif
#if SMALL_PX >= 6
    PAT_SMALL_CASE(6)
#endif
#if SMALL_PX >= 7
    PAT_SMALL_CASE(7)
#endif
#if SMALL_PX >= 14
    PAT_SMALL_CASE(14)
#endif
#undef PAT_SMALL_CASE
  }
}

/* c[ch][i] = tile[i][ch] for ch < rows, i < nc; c has row stride ldc. */
static void store_transposed(const float *tile, int64_t nc, int64_t rows,
                             float *c, int64_t ldc) {
  for (int64_t ch = 0; ch < rows; ++ch) {
    float *row = c + ch * ldc;
    for (int64_t i = 0; i < nc; ++i)
      row[i] = tile[i * SMALL_MR + ch];
  }
}

typedef struct small_job {
  pat_ctx *ctx;
  int64_t m, n, k;
  const float *a_packed; /* ceil(m/SMALL_MR) panels of [k][SMALL_MR] */
  const float *bias;
  const float *residual; /* NULL or m x n like c */
  pat_activation act;
  float *c; /* m x n, row stride n */
  im2col_source src;
  int64_t panels, panels_per_task, n_chunk, n_chunks;
  int64_t bpack_floats; /* scratch floats before the accumulators */
} small_job;

/* A task: channel panels [p0, p1) times pixels [n0, n0 + nc). The products
 * accumulate in scratch as [panel][pixel][SMALL_MR] over the K blocks; each
 * panel is then written out transposed, once. */
static void small_tasks(void *arg, int64_t begin, int64_t end, int tid) {
  small_job *job = (small_job *)arg;
  float *bpack = (float *)pat_scratch(job->ctx, tid);
  float *acc = bpack + job->bpack_floats;
  int64_t plane = job->src.in_h * job->src.in_w;
  int64_t k_block = job->src.is_pointwise ? job->k : SMALL_KC;
  for (int64_t task = begin; task < end; ++task) {
    int64_t p0 = (task / job->n_chunks) * job->panels_per_task;
    int64_t p1 = p0 + job->panels_per_task < job->panels
                     ? p0 + job->panels_per_task
                     : job->panels;
    int64_t n0 = (task % job->n_chunks) * job->n_chunk;
    int64_t nc = job->n - n0 < job->n_chunk ? job->n - n0 : job->n_chunk;
    for (int64_t k0 = 0; k0 < job->k; k0 += k_block) {
      int64_t kc = job->k - k0 < k_block ? job->k - k0 : k_block;
      const float *b;
      int64_t b_stride;
      if (job->src.is_pointwise) {
        b = job->src.input + k0 * plane + n0;
        b_stride = plane;
      } else {
        pack_b(&job->src, k0, kc, n0, nc, nc, bpack);
        b = bpack;
        b_stride = nc;
      }
      for (int64_t p = p0; p < p1; ++p) {
        const float *a = job->a_packed + p * job->k * SMALL_MR + k0 * SMALL_MR;
        float *t = acc + (p - p0) * nc * SMALL_MR;
        for (int64_t i = 0, np; i < nc; i += np) {
          np = nc - i >= SMALL_PX ? SMALL_PX : nc - i >= 7 ? 7 : nc - i;
          small_tile_any((int)np, kc, a, b + i, b_stride, t + i * SMALL_MR, k0 > 0);
        }
      }
    }
    for (int64_t p = p0; p < p1; ++p) {
      int64_t rows = job->m - p * SMALL_MR < SMALL_MR ? job->m - p * SMALL_MR
                                                      : SMALL_MR;
      store_transposed(acc + (p - p0) * nc * SMALL_MR, nc, rows,
                       job->c + p * SMALL_MR * job->n + n0, job->n);
    }
    int64_t m1 = p1 * SMALL_MR < job->m ? p1 * SMALL_MR : job->m;
    gemm_epilogue(job->c, job->n, p0 * SMALL_MR, m1, n0, nc, job->bias,
                  job->residual, job->act);
  }
}

void pat_conv2d_gemm_small_f32(pat_ctx *ctx, const pat_conv2d_params *p,
                               const float *input, const float *packed_weight,
                               const float *bias, const float *residual,
                               float *output) {
  int64_t cin_g = p->in_c / p->groups, cout_g = p->out_c / p->groups;
  int64_t k = cin_g * p->kernel_h * p->kernel_w;
  int64_t n = p->out_h * p->out_w;
  if (n == 0 || cout_g == 0)
    return;
  small_job job;
  memset(&job, 0, sizeof(job));
  job.ctx = ctx;
  job.m = cout_g;
  job.n = n;
  job.k = k;
  job.act = p->act;
  job.panels = (cout_g + SMALL_MR - 1) / SMALL_MR;
  im2col_source_init(&job.src, p);
  /* Pixel chunks: whole pixel blocks. The scratch holds the chunk's packed
   * input block ([SMALL_KC][chunk], im2col only; at most half the scratch)
   * and its accumulators for panels_per_task panels. */
  int64_t scratch_floats = (int64_t)(ctx->scratch_bytes / sizeof(float));
  int64_t max_chunk = PAT_IM2COL_MAX_WIDTH;
  if (!job.src.is_pointwise && scratch_floats / 2 / SMALL_KC < max_chunk)
    max_chunk = scratch_floats / 2 / SMALL_KC;
  max_chunk = max_chunk / SMALL_PX * SMALL_PX;
  job.n_chunk = n < max_chunk ? n : max_chunk;
  job.n_chunks = (n + job.n_chunk - 1) / job.n_chunk;
  job.bpack_floats = job.src.is_pointwise ? 0 : SMALL_KC * job.n_chunk;
  int64_t max_panels =
      (scratch_floats - job.bpack_floats) / (job.n_chunk * SMALL_MR);
  /* Split the channel panels until every thread has two tasks. */
  int64_t want = ctx->num_threads > 1 ? 2 * (int64_t)ctx->num_threads : 1;
  int64_t groups_wanted = (want + job.n_chunks - 1) / job.n_chunks;
  if (groups_wanted > job.panels)
    groups_wanted = job.panels;
  job.panels_per_task = (job.panels + groups_wanted - 1) / groups_wanted;
  if (job.panels_per_task > max_panels)
    job.panels_per_task = max_panels;
  int64_t panel_groups =
      (job.panels + job.panels_per_task - 1) / job.panels_per_task;
  for (int64_t b = 0; b < p->batch; ++b)
    for (int64_t g = 0; g < p->groups; ++g) {
      job.src.input = input + (b * p->in_c + g * cin_g) * p->in_h * p->in_w;
      job.c = output + (b * p->out_c + g * cout_g) * n;
      job.a_packed = packed_weight + g * job.panels * SMALL_MR * k;
      job.bias = bias ? bias + g * cout_g : NULL;
      job.residual = residual ? residual + (b * p->out_c + g * cout_g) * n
                              : NULL;
      pat_parallel_for(ctx, panel_groups * job.n_chunks, 1, small_tasks, &job);
    }
}
