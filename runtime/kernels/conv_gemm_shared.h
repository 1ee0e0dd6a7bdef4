/*===- conv_gemm_shared.h - What the two GEMM convolutions share ----------===
 *
 * Part of patc. What conv_gemm.c and conv_gemm_channels.c share: the
 * operands of a conv's per-group GEMM, and implicit im2col packing. The
 * kernels see a convolution's input as the matrix B[K][N] (K = channels *
 * taps, N = output pixels) and copy blocks of it into thread scratch as
 * panels of [kc][width] columns, zero where a tap falls into the padding.
 * The matrix itself is never materialised.
 *
 *===----------------------------------------------------------------------===*/

#ifndef PAT_CONV_GEMM_SHARED_H
#define PAT_CONV_GEMM_SHARED_H

#include "pat_kernels.h"
#include <string.h>
#if defined(PAT_ISA_AVX512) || defined(PAT_ISA_AVX2)
#include <immintrin.h>
#endif

/* Widest panel pack_b writes (the run tables live on the stack). */
#define PAT_IM2COL_MAX_WIDTH PAT_GEMM_NC

/* Geometry of the implicit im2col matrix of one (batch, group). */
typedef struct im2col_source {
  const float *input; /* first channel of the group */
  int64_t in_h, in_w, out_w;
  int64_t kernel_h, kernel_w, stride_h, stride_w;
  int64_t pad_top, pad_left, dilation_h, dilation_w;
  int is_pointwise; /* 1x1, stride 1, no padding: B is the input itself */
} im2col_source;

/* The geometry of p; `input` is set per (batch, group) by the caller. */
static inline void im2col_source_init(im2col_source *s,
                                      const pat_conv2d_params *p) {
  memset(s, 0, sizeof(*s));
  s->in_h = p->in_h;
  s->in_w = p->in_w;
  s->out_w = p->out_w;
  s->kernel_h = p->kernel_h;
  s->kernel_w = p->kernel_w;
  s->stride_h = p->stride_h;
  s->stride_w = p->stride_w;
  s->pad_top = p->pad_top;
  s->pad_left = p->pad_left;
  s->dilation_h = p->dilation_h;
  s->dilation_w = p->dilation_w;
  s->is_pointwise = p->kernel_h == 1 && p->kernel_w == 1 &&
                    p->stride_h == 1 && p->stride_w == 1 &&
                    p->pad_top == 0 && p->pad_left == 0 &&
                    p->out_h == p->in_h && p->out_w == p->in_w;
}

/* out[t] = row[t * stride] for t in [0, n). Stride 2 has vector paths that
 * only load elements the scalar loop would read: im2col packing of stride-2
 * convs (ResNet's first layer) was mostly this copy, one float at a time. */
static inline void copy_strided(float *out, const float *row, int64_t n,
                                int64_t stride) {
  int64_t t = 0;
  if (stride == 1) {
    memcpy(out, row, (size_t)n * sizeof(float));
    return;
  }
#if defined(PAT_ISA_AVX512)
  if (stride == 2) {
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18,
                                           20, 22, 24, 26, 28, 30);
    /* The last element read is row[2 * (t + 15) + 1]; the scalar loop reads
     * up to row[2 * (n - 1)], so stop one vector early. */
    for (; t + 16 < n; t += 16) {
      __m512 lo = _mm512_loadu_ps(row + 2 * t);
      __m512 hi = _mm512_loadu_ps(row + 2 * t + 16);
      _mm512_storeu_ps(out + t, _mm512_permutex2var_ps(lo, even, hi));
    }
    if (t < n) { /* the last 1..16 outputs: masked, reading up to row[2n-2] */
      int64_t need = 2 * (n - 1 - t) + 1; /* floats from row + 2t */
      __mmask16 mlo = (__mmask16)(need >= 16 ? 0xFFFF : (1u << need) - 1);
      __mmask16 mhi = (__mmask16)(need > 16 ? (1u << (need - 16)) - 1 : 0);
      __m512 lo = _mm512_maskz_loadu_ps(mlo, row + 2 * t);
      __m512 hi = _mm512_maskz_loadu_ps(mhi, row + 2 * t + 16);
      _mm512_mask_storeu_ps(out + t, (__mmask16)((1u << (n - t)) - 1),
                            _mm512_permutex2var_ps(lo, even, hi));
      return;
    }
  }
#elif defined(PAT_ISA_AVX2)
  if (stride == 2) {
    for (; t + 8 < n; t += 8) {
      __m256 lo = _mm256_loadu_ps(row + 2 * t);
      __m256 hi = _mm256_loadu_ps(row + 2 * t + 8);
      /* [lo0 lo2 hi0 hi2 | lo4 lo6 hi4 hi6], then the 64-bit pairs in
       * order 0 2 1 3. */
      __m256 mixed = _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0));
      _mm256_storeu_ps(out + t, _mm256_castpd_ps(_mm256_permute4x64_pd(
                                    _mm256_castps_pd(mixed), 0xD8)));
    }
  }
#endif
  for (; t < n; ++t)
    out[t] = row[t * stride];
}

/* Where row k of B reads, for the K block [k0, k0 + kc): the channel's
 * plane offset and the tap's offset from the output pixel's input origin
 * (oy * stride_h, ox * stride_w). Dividing k by the tap counts per panel and
 * row cost ~10% of ResNet's first conv, so this is made once per block. */
typedef struct im2col_taps {
  int64_t plane[PAT_GEMM_KC], dy[PAT_GEMM_KC], dx[PAT_GEMM_KC];
} im2col_taps;

static inline void im2col_tap_table(const im2col_source *s, int64_t k0,
                                    int64_t kc, im2col_taps *t) {
  int64_t taps = s->kernel_h * s->kernel_w, plane = s->in_h * s->in_w;
  for (int64_t kk = 0; kk < kc; ++kk) {
    int64_t k = k0 + kk, tap = k % taps;
    t->plane[kk] = (k / taps) * plane;
    t->dy[kk] = (tap / s->kernel_w) * s->dilation_h - s->pad_top;
    t->dx[kk] = (tap % s->kernel_w) * s->dilation_w - s->pad_left;
  }
}

/* Writes B[k0:k0+kc][n0:n0+nc] as ceil(nc/width) panels of [kc][width],
 * the last one zero-filled past nc. width <= PAT_IM2COL_MAX_WIDTH; t is the
 * block's tap table (unused for pointwise sources). */
static inline void pack_b_taps(const im2col_source *s, const im2col_taps *t,
                               int64_t k0, int64_t kc, int64_t n0, int64_t nc,
                               int64_t width, float *dst) {
  int64_t panels = (nc + width - 1) / width;
  int64_t plane = s->in_h * s->in_w;
  if (s->is_pointwise) {
    for (int64_t p = 0; p < panels; ++p) {
      int64_t cols = nc - p * width < width ? nc - p * width : width;
      float *d = dst + p * kc * width;
      for (int64_t kk = 0; kk < kc; ++kk) {
        const float *src = s->input + (k0 + kk) * plane + n0 + p * width;
        memcpy(d + kk * width, src, (size_t)cols * sizeof(float));
        for (int64_t j = cols; j < width; ++j)
          d[kk * width + j] = 0.f;
      }
    }
    return;
  }
  /* Implicit im2col. Each panel's columns fall into a few runs that share
   * an output row; per (run, tap) the in-image part is found arithmetically,
   * so the copy loop has no bounds checks (contiguous at stride 1). */
  const int64_t *k_plane = t->plane, *k_dy = t->dy, *k_dx = t->dx;
  int64_t sw = s->stride_w;
  for (int64_t p = 0; p < panels; ++p) {
    int64_t j0 = p * width, cols = nc - j0 < width ? nc - j0 : width;
    int64_t run_start[PAT_IM2COL_MAX_WIDTH + 1], runs = 0;
    int64_t run_iy[PAT_IM2COL_MAX_WIDTH], run_ix[PAT_IM2COL_MAX_WIDTH];
    for (int64_t j = 0; j < cols;) {
      int64_t n = n0 + j0 + j, oy = n / s->out_w, ox = n % s->out_w;
      int64_t len = s->out_w - ox < cols - j ? s->out_w - ox : cols - j;
      run_start[runs] = j;
      run_iy[runs] = oy * s->stride_h;
      run_ix[runs++] = ox * sw;
      j += len;
    }
    run_start[runs] = cols;
    float *panel = dst + p * kc * width;
    for (int64_t kk = 0; kk < kc; ++kk) {
      const float *in = s->input + k_plane[kk];
      float *d = panel + kk * width;
      for (int64_t r = 0; r < runs; ++r) {
        int64_t len = run_start[r + 1] - run_start[r];
        float *out = d + run_start[r];
        int64_t iy = run_iy[r] + k_dy[kk];
        if (iy < 0 || iy >= s->in_h) {
          for (int64_t t = 0; t < len; ++t)
            out[t] = 0.f;
          continue;
        }
        int64_t ix0 = run_ix[r] + k_dx[kk];
        /* t is in the image iff 0 <= ix0 + t*stride < in_w; divide only
         * at the borders. */
        int64_t lo = ix0 >= 0 ? 0 : (-ix0 + sw - 1) / sw;
        int64_t hi = ix0 + (len - 1) * sw < s->in_w ? len
                     : s->in_w - ix0 <= 0     ? 0
                                              : (s->in_w - ix0 + sw - 1) / sw;
        lo = lo < len ? lo : len;
        hi = hi < len ? hi : len;
        hi = hi > lo ? hi : lo;
        const float *row = in + iy * s->in_w + ix0;
        for (int64_t t = 0; t < lo; ++t)
          out[t] = 0.f;
        copy_strided(out + lo, row + lo * sw, hi - lo, sw);
        for (int64_t t = hi; t < len; ++t)
          out[t] = 0.f;
      }
      for (int64_t j = cols; j < width; ++j)
        d[j] = 0.f;
    }
  }
}

/* pack_b_taps with the block's tap table made here. */
static inline void pack_b(const im2col_source *s, int64_t k0, int64_t kc,
                          int64_t n0, int64_t nc, int64_t width, float *dst) {
  im2col_taps t;
  if (!s->is_pointwise)
    im2col_tap_table(s, k0, kc, &t);
  pack_b_taps(s, &t, k0, kc, n0, nc, width, dst);
}

/* One (batch, group) GEMM of a conv, C[M][N] = A[M][K] * B[K][N], as both
 * kernels see it. */
typedef struct conv_gemm {
  int64_t m, n, k;       /* output channels, output pixels, K of a group */
  const float *a_packed; /* the group's ceil(m/MR) panels of [k][MR] */
  const float *bias;     /* NULL or the group's m biases */
  const float *residual; /* NULL or m x n like c */
  pat_activation act;
  float *c;              /* m x n, row stride n */
  im2col_source src;     /* B */
} conv_gemm;

/* The size, in whole units, of as few chunks of at most `max` (a multiple
 * of unit) as cover n, made as even as whole units allow: 28 rows in at
 * most 9 are 4 chunks of 7, not 9 + 9 + 9 + 1, which left one of 2 threads
 * 18 rows and the other 10 (ResNet-50's 28x28 1x1 convs). */
static inline int64_t even_chunk(int64_t n, int64_t max, int64_t unit) {
  int64_t chunks = (n + max - 1) / max;
  int64_t size = (n + chunks - 1) / chunks;
  return (size + unit - 1) / unit * unit;
}

/* The per-group shapes of p; conv_gemm_select sets the operands. */
static inline void conv_gemm_init(conv_gemm *g, const pat_conv2d_params *p) {
  memset(g, 0, sizeof(*g));
  g->m = p->out_c / p->groups;
  g->n = p->out_h * p->out_w;
  g->k = p->in_c / p->groups * p->kernel_h * p->kernel_w;
  g->act = p->act;
  im2col_source_init(&g->src, p);
}

/* Points g at image `image`, group `group` of the conv's arguments; the
 * weights are packed in panels of `mr` rows. */
static inline void conv_gemm_select(conv_gemm *g, const pat_conv2d_params *p,
                                    int64_t image, int64_t group, int64_t mr,
                                    const float *input, const float *packed,
                                    const float *bias, const float *residual,
                                    float *output) {
  int64_t out0 = (image * p->out_c + group * g->m) * g->n;
  g->src.input = input + (image * p->in_c + group * (p->in_c / p->groups)) *
                             p->in_h * p->in_w;
  g->c = output + out0;
  g->a_packed = packed + group * ((g->m + mr - 1) / mr) * mr * g->k;
  g->bias = bias ? bias + group * g->m : NULL;
  g->residual = residual ? residual + out0 : NULL;
}

#endif /* PAT_CONV_GEMM_SHARED_H */
