/*===- gemm_microkernel.h - Register-blocked GEMM micro-kernels ------------===
 *
 * Part of patc. One MR x NR tile: c = (accumulate ? c : 0) + A * B where A is
 * a packed [kc][MR] panel and B a packed [kc][NR] panel. The accumulators
 * live in registers for the whole k loop.
 *
 *===----------------------------------------------------------------------===*/

#ifndef PAT_GEMM_MICROKERNEL_H
#define PAT_GEMM_MICROKERNEL_H

#include "pat_kernels.h"

#if defined(PAT_ISA_AVX512)
#include <immintrin.h>

static inline void pat_microkernel(int64_t kc, const float *a, const float *b,
                                   float *c, int64_t ldc, int accumulate) {
  __m512 acc[8][2];
  for (int i = 0; i < 8; ++i)
    acc[i][0] = acc[i][1] = _mm512_setzero_ps();
  for (int64_t k = 0; k < kc; ++k) {
    __m512 b0 = _mm512_loadu_ps(b + k * 32);
    __m512 b1 = _mm512_loadu_ps(b + k * 32 + 16);
    for (int i = 0; i < 8; ++i) {
      __m512 ai = _mm512_set1_ps(a[k * 8 + i]);
      acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
    }
  }
  for (int i = 0; i < 8; ++i) {
    float *row = c + i * ldc;
    if (accumulate) {
      acc[i][0] = _mm512_add_ps(acc[i][0], _mm512_loadu_ps(row));
      acc[i][1] = _mm512_add_ps(acc[i][1], _mm512_loadu_ps(row + 16));
    }
    _mm512_storeu_ps(row, acc[i][0]);
    _mm512_storeu_ps(row + 16, acc[i][1]);
  }
}

#elif defined(PAT_ISA_AVX2)
#include <immintrin.h>

static inline void pat_microkernel(int64_t kc, const float *a, const float *b,
                                   float *c, int64_t ldc, int accumulate) {
  __m256 acc[6][2];
  for (int i = 0; i < 6; ++i)
    acc[i][0] = acc[i][1] = _mm256_setzero_ps();
  for (int64_t k = 0; k < kc; ++k) {
    __m256 b0 = _mm256_loadu_ps(b + k * 16);
    __m256 b1 = _mm256_loadu_ps(b + k * 16 + 8);
    for (int i = 0; i < 6; ++i) {
      __m256 ai = _mm256_broadcast_ss(a + k * 6 + i);
      acc[i][0] = _mm256_fmadd_ps(ai, b0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(ai, b1, acc[i][1]);
    }
  }
  for (int i = 0; i < 6; ++i) {
    float *row = c + i * ldc;
    if (accumulate) {
      acc[i][0] = _mm256_add_ps(acc[i][0], _mm256_loadu_ps(row));
      acc[i][1] = _mm256_add_ps(acc[i][1], _mm256_loadu_ps(row + 8));
    }
    _mm256_storeu_ps(row, acc[i][0]);
    _mm256_storeu_ps(row + 8, acc[i][1]);
  }
}

#elif defined(PAT_ISA_NEON)
#include <arm_neon.h>

/* 8 x 12: A's 8 values in two vectors, each used by lane (fmla by
 * element), so no broadcasts. */
static inline void pat_microkernel(int64_t kc, const float *a, const float *b,
                                   float *c, int64_t ldc, int accumulate) {
  float32x4_t acc[8][3];
  for (int i = 0; i < 8; ++i)
    acc[i][0] = acc[i][1] = acc[i][2] = vdupq_n_f32(0.f);
  for (int64_t k = 0; k < kc; ++k) {
    float32x4_t b0 = vld1q_f32(b + k * 12);
    float32x4_t b1 = vld1q_f32(b + k * 12 + 4);
    float32x4_t b2 = vld1q_f32(b + k * 12 + 8);
    float32x4_t a0 = vld1q_f32(a + k * 8);
    float32x4_t a1 = vld1q_f32(a + k * 8 + 4);
#define PAT_NEON_ROW(i, av, lane)                                              \
  acc[i][0] = vfmaq_laneq_f32(acc[i][0], b0, av, lane);                        \
  acc[i][1] = vfmaq_laneq_f32(acc[i][1], b1, av, lane);                        \
  acc[i][2] = vfmaq_laneq_f32(acc[i][2], b2, av, lane);
    PAT_NEON_ROW(0, a0, 0) PAT_NEON_ROW(1, a0, 1)
    PAT_NEON_ROW(2, a0, 2) PAT_NEON_ROW(3, a0, 3)
    PAT_NEON_ROW(4, a1, 0) PAT_NEON_ROW(5, a1, 1)
    PAT_NEON_ROW(6, a1, 2) PAT_NEON_ROW(7, a1, 3)
#undef PAT_NEON_ROW
  }
  for (int i = 0; i < 8; ++i) {
    float *row = c + i * ldc;
    for (int j = 0; j < 3; ++j) {
      if (accumulate)
        acc[i][j] = vaddq_f32(acc[i][j], vld1q_f32(row + 4 * j));
      vst1q_f32(row + 4 * j, acc[i][j]);
    }
  }
}

#else /* Portable C; compilers vectorise the j loops. */

static inline void pat_microkernel(int64_t kc, const float *a, const float *b,
                                   float *c, int64_t ldc, int accumulate) {
  float acc[PAT_GEMM_MR][PAT_GEMM_NR] = {{0}};
  for (int64_t k = 0; k < kc; ++k)
    for (int i = 0; i < PAT_GEMM_MR; ++i) {
      float ai = a[k * PAT_GEMM_MR + i];
      for (int j = 0; j < PAT_GEMM_NR; ++j)
        acc[i][j] += ai * b[k * PAT_GEMM_NR + j];
    }
  for (int i = 0; i < PAT_GEMM_MR; ++i)
    for (int j = 0; j < PAT_GEMM_NR; ++j)
      c[i * ldc + j] = accumulate ? c[i * ldc + j] + acc[i][j] : acc[i][j];
}

#endif

#endif /* PAT_GEMM_MICROKERNEL_H */
