/*===- conv_gemm_channels.c - GEMM convolution, output channels on lanes ---===
 *
 * Part of patc. The same product as conv_gemm.c, C[M][N] = A[M][K] * B[K][N],
 * with the roles of the vector lanes swapped: the lanes hold 2 * PV_LANES
 * output channels and a register tile covers up to PAT_GEMM_CH_PX output
 * pixels (then 7, then what is left), one broadcast input value per pixel
 * and k. First written for 7x7 and 14x14 maps (N = 49, 196), where the
 * pixel-lane kernel's NR-column panels are up to a quarter empty and blocks
 * of 14 and 7 pixels divide N exactly; with input bands instead of im2col
 * (below) it is as fast or faster on larger maps too. Pointwise convs read B
 * straight from the input, without packing.
 *
 * Layers on small maps use each weight for few pixels, so their weights
 * mostly stream from L3 or memory once per run: the tile prefetches its
 * weight panel CH_PREFETCH rows ahead (7x7 conv chains: 1.2x ORT's time
 * without it, 0.85x with it; bench/run_dense_conv_bench.py).
 *
 * Weights are packed like the pixel-lane kernel's with MR = PAT_GEMM_CH_MR.
 *
 *===----------------------------------------------------------------------===*/

#include "conv_gemm_shared.h"
#include "pattern_simd.h"

#define CH_MR PAT_GEMM_CH_MR
#define CH_PX PAT_GEMM_CH_PX
/* K block of the im2col (non-pointwise) case. Pointwise convs run the whole
 * K at once: their weights are used by few pixels and mostly come from
 * L3 or memory, so each panel's weights are best read as one stream
 * (K blocks of 64 to keep them in L1 were 15-40% slower on 7x7 maps). */
#define CH_KC PAT_GEMM_KC
/* Weight rows ahead to prefetch (16, 32, 64, 128 measured; 64 best). */
#define CH_PREFETCH 64
/* Pointwise input rows ahead to prefetch. A 1x1 conv reads each pixel
 * block's input in place, one cache line per k at a stride of the whole
 * map (12.5 KB on 56x56), which no hardware prefetcher follows across
 * pages: dense ResNet-50 68.5 -> 63.8 ms at 16 (4: 64.2, 32: 65.0; Intel
 * AVX-512 core, 3 interleaved rounds of pat-run --bench 20). */
#ifndef CH_B_PREFETCH
#define CH_B_PREFETCH 16
#endif

#if CH_MR != 2 * PV_LANES
#error "PAT_GEMM_CH_MR must be two vectors"
#endif

/* tile[i][0..CH_MR) (+)= sum_k B(k, i) * a[k][0..CH_MR) for i < np,
 * where B(k, i) = b[k * b_stride + i] (packed or pointwise input), or, when
 * off is given, b[off[k] + i * sx] (the input itself, every tap in bounds).
 * Inlined with constant np, sx and off-ness so the accumulators stay in
 * registers. */
static inline __attribute__((always_inline)) void
channel_tile(int np, int sx, int64_t kc, const float *a, const float *b,
           int64_t b_stride, const int64_t *off, float *tile, int accumulate) {
  PV acc0[CH_PX], acc1[CH_PX];
#pragma GCC unroll 16
  for (int i = 0; i < np; ++i) {
    acc0[i] = accumulate ? PV_LOADU(tile + i * CH_MR) : PV_SET1(0.f);
    acc1[i] = accumulate ? PV_LOADU(tile + i * CH_MR + PV_LANES)
                         : PV_SET1(0.f);
  }
  for (int64_t k = 0; k < kc; ++k) {
    PV w0 = PV_LOADU(a + k * CH_MR);
    PV w1 = PV_LOADU(a + k * CH_MR + PV_LANES);
    PV_PREFETCH(a + (k + CH_PREFETCH) * CH_MR);
    PV_PREFETCH(a + (k + CH_PREFETCH) * CH_MR + PV_LANES);
    const float *bk = off ? b + off[k] : b + k * b_stride;
#if CH_B_PREFETCH
    if (!off) {
      PV_PREFETCH(bk + CH_B_PREFETCH * b_stride);
      PV_PREFETCH(bk + CH_B_PREFETCH * b_stride + np - 1);
    }
#endif
#pragma GCC unroll 16
    for (int i = 0; i < np; ++i) {
      PV x = PV_SET1(bk[i * sx]);
      acc0[i] = PV_FMA(x, w0, acc0[i]);
      acc1[i] = PV_FMA(x, w1, acc1[i]);
    }
  }
#pragma GCC unroll 16
  for (int i = 0; i < np; ++i) {
    PV_STOREU(tile + i * CH_MR, acc0[i]);
    PV_STOREU(tile + i * CH_MR + PV_LANES, acc1[i]);
  }
}

/* The tile sizes the blocking makes (block_pixels): CH_PX, 7 when
 * CH_PX is 14, and the rest of a run, 1 .. CH_PX - 1 (1 .. 6 for 14). */
#define PAT_CH_TILE_CASES_1_4(CALL)                                         \
  case 1: CALL(1); return;                                                     \
  case 2: CALL(2); return;                                                     \
  case 3: CALL(3); return;                                                     \
  case 4: CALL(4); return;
#define PAT_CH_TILE_CASES_1_7(CALL)                                         \
  PAT_CH_TILE_CASES_1_4(CALL)                                               \
  case 5: CALL(5); return;                                                     \
  case 6: CALL(6); return;                                                     \
  case 7: CALL(7); return;
#if CH_PX == 14
#define PAT_CH_TILE_SWITCH(np, CALL)                                        \
  switch (np) {                                                                \
    PAT_CH_TILE_CASES_1_7(CALL)                                             \
  case 14: CALL(14); return;                                                   \
  }
#elif CH_PX == 8
#define PAT_CH_TILE_SWITCH(np, CALL)                                        \
  switch (np) {                                                                \
    PAT_CH_TILE_CASES_1_7(CALL)                                             \
  case 8: CALL(8); return;                                                     \
  }
#elif CH_PX == 6
#define PAT_CH_TILE_SWITCH(np, CALL)                                        \
  switch (np) {                                                                \
    PAT_CH_TILE_CASES_1_4(CALL)                                             \
  case 5: CALL(5); return;                                                     \
  case 6: CALL(6); return;                                                     \
  }
#elif CH_PX == 4
#define PAT_CH_TILE_SWITCH(np, CALL)                                        \
  switch (np) {                                                                \
    PAT_CH_TILE_CASES_1_4(CALL)                                             \
  }
#else
#error "PAT_CH_TILE_SWITCH needs the cases of this CH_PX"
#endif

/* Pixels in the next block of a run of `left` pixels. */
static inline int64_t block_pixels(int64_t left) {
  if (left >= CH_PX)
    return CH_PX;
  return CH_PX == 14 && left >= 7 ? 7 : left;
}

/* B packed as [kc][b_stride] or read in place (pointwise). */
static void tile_strided(int np, int64_t kc, const float *a, const float *b,
                         int64_t b_stride, float *tile, int accumulate) {
#define PAT_CALL(n) channel_tile(n, 1, kc, a, b, b_stride, NULL, tile, accumulate)
  PAT_CH_TILE_SWITCH(np, PAT_CALL)
#undef PAT_CALL
}

/* B read from the input at the taps' offsets; pixel stride 1 or 2. */
static void tile_direct(int np, int sx, int64_t kc, const float *a,
                        const float *b, const int64_t *off, float *tile,
                        int accumulate) {
#define PAT_CALL(n) channel_tile(n, 1, kc, a, b, 0, off, tile, accumulate)
  if (sx == 1)
    PAT_CH_TILE_SWITCH(np, PAT_CALL)
#undef PAT_CALL
#define PAT_CALL(n) channel_tile(n, 2, kc, a, b, 0, off, tile, accumulate)
  PAT_CH_TILE_SWITCH(np, PAT_CALL)
#undef PAT_CALL
}

/* r[i] (row i of a PV_LANES x PV_LANES block) becomes column i. */
#if defined(PAT_ISA_AVX512)
/* Four rounds of shuffles: 32-bit and 64-bit interleaves within 128-bit
 * lanes, then two rounds of 128-bit lane selects. */
static inline void transpose_block(PV r[16]) {
  PV t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  /* r[4g + e], lane L: column 4L + e of rows 4g .. 4g + 3. */
  for (int i = 0; i < 16; i += 4) {
    __m512d a = _mm512_castps_pd(t[i]), b = _mm512_castps_pd(t[i + 2]);
    __m512d c = _mm512_castps_pd(t[i + 1]), d = _mm512_castps_pd(t[i + 3]);
    r[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, b));
    r[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, b));
    r[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(c, d));
    r[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(c, d));
  }
  for (int e = 0; e < 4; ++e) {
    PV v0 = _mm512_shuffle_f32x4(r[e], r[4 + e], 0x44);
    PV v1 = _mm512_shuffle_f32x4(r[e], r[4 + e], 0xEE);
    PV w0 = _mm512_shuffle_f32x4(r[8 + e], r[12 + e], 0x44);
    PV w1 = _mm512_shuffle_f32x4(r[8 + e], r[12 + e], 0xEE);
    t[e] = _mm512_shuffle_f32x4(v0, w0, 0x88);
    t[4 + e] = _mm512_shuffle_f32x4(v0, w0, 0xDD);
    t[8 + e] = _mm512_shuffle_f32x4(v1, w1, 0x88);
    t[12 + e] = _mm512_shuffle_f32x4(v1, w1, 0xDD);
  }
  for (int i = 0; i < 16; ++i)
    r[i] = t[i];
}
#elif defined(PAT_ISA_AVX2)
/* The same three rounds; the last selects 128-bit halves. */
static inline void transpose_block(PV r[8]) {
  PV t[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 8; i += 4) {
    __m256d a = _mm256_castps_pd(t[i]), b = _mm256_castps_pd(t[i + 2]);
    __m256d c = _mm256_castps_pd(t[i + 1]), d = _mm256_castps_pd(t[i + 3]);
    r[i] = _mm256_castpd_ps(_mm256_unpacklo_pd(a, b));
    r[i + 1] = _mm256_castpd_ps(_mm256_unpackhi_pd(a, b));
    r[i + 2] = _mm256_castpd_ps(_mm256_unpacklo_pd(c, d));
    r[i + 3] = _mm256_castpd_ps(_mm256_unpackhi_pd(c, d));
  }
  for (int e = 0; e < 4; ++e) {
    t[e] = _mm256_permute2f128_ps(r[e], r[4 + e], 0x20);
    t[4 + e] = _mm256_permute2f128_ps(r[e], r[4 + e], 0x31);
  }
  for (int i = 0; i < 8; ++i)
    r[i] = t[i];
}
#elif defined(PAT_ISA_NEON)
/* 4 x 4: interleave pairs of rows (trn), then pairs of 64-bit halves. */
static inline void transpose_block(PV r[4]) {
  float32x4x2_t t01 = vtrnq_f32(r[0], r[1]), t23 = vtrnq_f32(r[2], r[3]);
  float64x2_t a = vreinterpretq_f64_f32(t01.val[0]);
  float64x2_t b = vreinterpretq_f64_f32(t23.val[0]);
  float64x2_t c = vreinterpretq_f64_f32(t01.val[1]);
  float64x2_t d = vreinterpretq_f64_f32(t23.val[1]);
  r[0] = vreinterpretq_f32_f64(vzip1q_f64(a, b));
  r[1] = vreinterpretq_f32_f64(vzip1q_f64(c, d));
  r[2] = vreinterpretq_f32_f64(vzip2q_f64(a, b));
  r[3] = vreinterpretq_f32_f64(vzip2q_f64(c, d));
}
#else
static inline void transpose_block(PV r[PV_LANES]) {
  PV t[PV_LANES];
  for (int i = 0; i < PV_LANES; ++i)
    for (int j = 0; j < PV_LANES; ++j)
      t[j].v[i] = r[i].v[j];
  for (int i = 0; i < PV_LANES; ++i)
    r[i] = t[i];
}
#endif

/* c[ch][i] = act(tile[i][ch] + bias[ch] + residual[ch][i]) for ch < rows,
 * i < nc (c and residual with row stride ldc; bias, residual may be NULL):
 * the epilogue in the same pass as the transpose, PV_LANES x PV_LANES
 * blocks transposed in registers. ReLU is applied inline; other
 * activations run over the written rows afterwards. */
static void store_transposed(const float *tile, int64_t nc, int64_t rows,
                             float *c, int64_t ldc, const float *bias,
                             const float *residual, pat_activation act,
                             int stream) {
  for (int64_t ch0 = 0; ch0 < rows; ch0 += PV_LANES) {
    int64_t chs = rows - ch0 < PV_LANES ? rows - ch0 : PV_LANES;
    for (int64_t i0 = 0; i0 < nc; i0 += PV_LANES) {
      int64_t px = nc - i0 < PV_LANES ? nc - i0 : PV_LANES;
      int full = px == PV_LANES;
      PM first = PM_FIRST(px);
      PV r[PV_LANES];
      for (int64_t i = 0; i < PV_LANES; ++i)
        r[i] = i < px ? PV_LOADU(tile + (i0 + i) * CH_MR + ch0) : PV_SET1(0.f);
      transpose_block(r);
      for (int64_t ch = 0; ch < chs; ++ch) {
        int64_t row = (ch0 + ch) * ldc + i0;
        PV v = r[ch];
        if (bias)
          v = PV_ADD(v, PV_SET1(bias[ch0 + ch]));
        if (residual)
          v = PV_ADD(v, full ? PV_LOADU(residual + row)
                             : PV_LOADM(residual + row, first));
        if (act.kind == PAT_ACT_RELU)
          v = PV_MAX0(v);
        if (full && stream &&
            (uintptr_t)(c + row) % (PV_LANES * sizeof(float)) == 0)
          PV_STREAM(c + row, v);
        else if (full)
          PV_STOREU(c + row, v);
        else
          PV_STOREM(c + row, v, first);
      }
    }
  }
  if (act.kind != PAT_ACT_NONE && act.kind != PAT_ACT_RELU)
    for (int64_t ch = 0; ch < rows; ++ch)
      pat_activation_f32(c + ch * ldc, c + ch * ldc, nc, act);
}

typedef struct channels_job {
  pat_ctx *ctx;
  conv_gemm op; /* weights packed in panels of CH_MR rows */
  int64_t out_w;
  int64_t panels, panels_per_task, n_chunk, n_chunks;
  int64_t k_block;      /* K rows per block */
  int64_t b_floats;     /* scratch floats for B, before the accumulators */
  int banded;           /* B read from a padded band copy of the input */
  int64_t band_w;       /* floats per band row: the padded input row */
  /* Store the output past the caches (PV_STREAM). With several threads the
   * output and residual traffic of the transposed stores, not the FMAs,
   * bounds these layers, and skipping the read-for-ownership of each output
   * line pays; with one thread the output left in the cache for the next
   * layer pays more (pruned ResNet-50, Zen 5: 2 threads 5% faster, 1 thread
   * 3% slower when streamed; bench/paired_bench.c). */
  int stream;
} channels_job;

/* Copies channels [c0, c1) of the input rows that output rows [oy0, oy1]
 * read into band[c][row][x], zero-padded: band row 0 is input row
 * oy0 * stride_h - pad_top, band column 0 is input column -pad_left. Every
 * tap of every output pixel of those rows is then in the band. */
static int64_t copy_band(const channels_job *job, int64_t c0, int64_t c1,
                         int64_t oy0, int64_t oy1, float *band) {
  const im2col_source *s = &job->op.src;
  int64_t rows = (oy1 - oy0) * s->stride_h +
                 (s->kernel_h - 1) * s->dilation_h + 1;
  int64_t iy0 = oy0 * s->stride_h - s->pad_top, w = job->band_w;
  int64_t left = s->pad_left < w ? s->pad_left : w;
  int64_t copy = s->in_w < w - left ? s->in_w : w - left;
  float *d = band;
  for (int64_t c = c0; c < c1; ++c) {
    const float *plane = s->input + c * s->in_h * s->in_w;
    for (int64_t r = 0; r < rows; ++r, d += w) {
      int64_t iy = iy0 + r;
      if (iy < 0 || iy >= s->in_h) {
        memset(d, 0, (size_t)w * sizeof(float));
        continue;
      }
      memset(d, 0, (size_t)left * sizeof(float));
      memcpy(d + left, plane + iy * s->in_w, (size_t)copy * sizeof(float));
      memset(d + left + copy, 0, (size_t)(w - left - copy) * sizeof(float));
    }
  }
  return rows * w;
}

/* A task: channel panels [p0, p1) times pixels [n0, n0 + nc). The products
 * accumulate in scratch as [panel][pixel][CH_MR] over the K blocks; each
 * panel is then written out transposed, with the epilogue, once. Per K
 * block, B is the pointwise input in place, a band copy of the input rows
 * (blocks of pixels within one output row, taps at offsets), or, as a
 * fallback, packed im2col columns. */
static void channel_tasks(void *arg, int64_t begin, int64_t end, int tid) {
  channels_job *job = (channels_job *)arg;
  const conv_gemm *op = &job->op;
  const im2col_source *s = &op->src;
  float *bbuf = (float *)pat_scratch(job->ctx, tid);
  float *acc = bbuf + job->b_floats;
  int64_t plane = s->in_h * s->in_w, taps = s->kernel_h * s->kernel_w;
  int64_t off[PAT_GEMM_KC];
  for (int64_t task = begin; task < end; ++task) {
    int64_t p0 = (task / job->n_chunks) * job->panels_per_task;
    int64_t p1 = p0 + job->panels_per_task < job->panels
                     ? p0 + job->panels_per_task
                     : job->panels;
    int64_t n0 = (task % job->n_chunks) * job->n_chunk;
    int64_t nc = op->n - n0 < job->n_chunk ? op->n - n0 : job->n_chunk;
    int64_t oy0 = n0 / job->out_w, oy1 = (n0 + nc - 1) / job->out_w;
    for (int64_t k0 = 0; k0 < op->k; k0 += job->k_block) {
      int64_t kc = op->k - k0 < job->k_block ? op->k - k0 : job->k_block;
      const float *b = bbuf;
      int64_t b_stride = nc;
      if (s->is_pointwise) {
        b = s->input + k0 * plane + n0;
        b_stride = plane;
      } else if (job->banded) {
        /* K blocks hold whole channels (k_block is a multiple of taps). */
        int64_t c0 = k0 / taps;
        int64_t band_plane =
            copy_band(job, c0, (k0 + kc) / taps, oy0, oy1, bbuf);
        for (int64_t kk = 0; kk < kc; ++kk) {
          int64_t tap = kk % taps;
          off[kk] = (kk / taps) * band_plane +
                    (tap / s->kernel_w) * s->dilation_h * job->band_w +
                    (tap % s->kernel_w) * s->dilation_w;
        }
      } else {
        pack_b(s, k0, kc, n0, nc, nc, bbuf);
      }
      for (int64_t p = p0; p < p1; ++p) {
        const float *a = op->a_packed + p * op->k * CH_MR + k0 * CH_MR;
        float *t = acc + (p - p0) * nc * CH_MR;
        int64_t np;
        if (!job->banded) {
          for (int64_t i = 0; i < nc; i += np) {
            np = block_pixels(nc - i);
            tile_strided((int)np, kc, a, b + i, b_stride, t + i * CH_MR,
                         k0 > 0);
          }
          continue;
        }
        /* Banded: blocks never cross an output row. */
        for (int64_t i = 0; i < nc; i += np) {
          int64_t n = n0 + i, oy = n / job->out_w, ox = n % job->out_w;
          int64_t run = job->out_w - ox < nc - i ? job->out_w - ox : nc - i;
          np = block_pixels(run);
          const float *base = bbuf + (oy - oy0) * s->stride_h * job->band_w +
                              ox * s->stride_w;
          tile_direct((int)np, (int)s->stride_w, kc, a, base, off,
                      t + i * CH_MR, k0 > 0);
        }
      }
    }
    for (int64_t p = p0; p < p1; ++p) {
      int64_t m0 = p * CH_MR;
      int64_t rows = op->m - m0 < CH_MR ? op->m - m0 : CH_MR;
      store_transposed(acc + (p - p0) * nc * CH_MR, nc, rows,
                       op->c + m0 * op->n + n0, op->n,
                       op->bias ? op->bias + m0 : NULL,
                       op->residual ? op->residual + m0 * op->n + n0 : NULL,
                       op->act, job->stream);
    }
  }
  if (job->stream)
    PV_STREAM_FENCE();
}

void pat_conv2d_gemm_channels_f32(pat_ctx *ctx, const pat_conv2d_params *p,
                               const float *input, const float *packed_weight,
                               const float *bias, const float *residual,
                               float *output) {
  channels_job job;
  memset(&job, 0, sizeof(job));
  job.ctx = ctx;
  job.stream = ctx->num_threads > 1;
  conv_gemm_init(&job.op, p);
  int64_t n = job.op.n;
  if (n == 0 || job.op.m == 0)
    return;
  job.panels = (job.op.m + CH_MR - 1) / CH_MR;
  /* Pixel chunks of whole output rows where a row fits; the scratch holds
   * B for one K block (at most half of it: a band copy or packed columns)
   * and the chunk's accumulators for panels_per_task panels. */
  int64_t scratch_floats = (int64_t)(ctx->scratch_bytes / sizeof(float));
  int64_t half = scratch_floats / 2, taps = p->kernel_h * p->kernel_w;
  int64_t max_chunk = PAT_IM2COL_MAX_WIDTH;
  job.out_w = p->out_w;
  if (p->out_w <= max_chunk) /* even chunks of whole rows */
    max_chunk = even_chunk(p->out_h, max_chunk / p->out_w, 1) * p->out_w;
  job.n_chunk = n < max_chunk ? n : max_chunk;
  job.n_chunks = (n + job.n_chunk - 1) / job.n_chunk;
  job.k_block = job.op.k;
  if (!job.op.src.is_pointwise) {
    /* The band of a chunk: the input rows its output rows read. */
    int64_t chunk_rows = (job.n_chunk + p->out_w - 1) / p->out_w + 1;
    int64_t band_rows = (chunk_rows - 1) * p->stride_h +
                        (p->kernel_h - 1) * p->dilation_h + 1;
    job.band_w = (p->out_w - 1) * p->stride_w +
                 (p->kernel_w - 1) * p->dilation_w + 1;
    int64_t channels = half / (band_rows * job.band_w);
    if (channels > PAT_GEMM_KC / taps)
      channels = PAT_GEMM_KC / taps;
    job.banded = (p->stride_w == 1 || p->stride_w == 2) && channels >= 1;
    if (job.banded) {
      job.k_block = channels * taps;
      job.b_floats = channels * band_rows * job.band_w;
    } else {
      /* Packed columns [CH_KC][chunk]: shrink the chunk to fit. */
      job.k_block = CH_KC;
      int64_t fit = half / CH_KC / CH_PX * CH_PX;
      if (job.n_chunk > fit)
        job.n_chunk = fit;
      job.n_chunks = (n + job.n_chunk - 1) / job.n_chunk;
      job.b_floats = CH_KC * job.n_chunk;
    }
  }
  int64_t max_panels =
      (scratch_floats - job.b_floats) / (job.n_chunk * CH_MR);
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
      conv_gemm_select(&job.op, p, b, g, CH_MR, input, packed_weight, bias,
                       residual, output);
      pat_parallel_for(ctx, panel_groups * job.n_chunks, 1, channel_tasks, &job);
    }
}
