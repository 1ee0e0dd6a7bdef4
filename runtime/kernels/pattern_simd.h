/*===- pattern_simd.h - Vector vocabulary of the pattern kernels -----------===
 *
 * Part of patc. The pattern-convolution tiles that patc generates are
 * written with these macros, so one generator serves every target:
 *   PV            a vector of PV_LANES floats
 *   PM            a lane mask (which lanes of a vector are valid)
 *   PV_SET1(x)    broadcast
 *   PV_LOADM(p, m)      lanes i with m set: p[i], others 0; never touches
 *                       memory of masked-off lanes (so borders need no
 *                       padding copy)
 *   PV_LOADU(p)         p[0 .. PV_LANES) (flat tiles: zero-padded input)
 *   PV_LOADM_S2(p, m)   same as PV_LOADM for p[2 * i] (stride-2 convolutions; larger
 *                       strides use the runtime's generic pattern kernel)
 *   PV_EVEN(lo, hi), PV_ODD(lo, hi)  the even (odd) elements of lo then
 *                       hi: one phase of 2 * PV_LANES consecutive floats
 *   PV_ALIGNR(hi, lo, q)  lanes q.. of lo followed by the first q lanes of
 *                       hi (0 < q < PV_LANES, a literal): the vector that
 *                       starts q elements after lo, without another load
 *   PV_FMA(a, b, c)     a * b + c
 *   PV_ADD(a, b)        a + b
 *   PV_MAX0(v)          max(v, 0)
 *   PV_MAX(a, b)        a > b ? a : b per lane (b where either is NaN;
 *                       the max pools)
 *   PV_STOREM(p, v, m)  store the lanes of m
 *   PV_STOREU(p, v)     store all lanes
 *   PV_PREFETCH(p)      hint: bring the cache line of p closer (no fault)
 *   PV_STREAM(p, v)     store all lanes past the caches where the ISA
 *                       can (x86 non-temporal stores; p aligned to a
 *                       whole vector), else PV_STOREU
 *   PV_STREAM_FENCE()   orders the streamed stores before later ones
 *                       (call it before other threads read them)
 *   PM_FIRST(n)         mask of lanes [0, n); PM_RANGE(lo, hi) lanes [lo, hi)
 *   PM_BITS(b)          mask of the lanes i whose bit i of b is set
 *
 *===----------------------------------------------------------------------===*/

#ifndef PAT_PATTERN_SIMD_H
#define PAT_PATTERN_SIMD_H

#include "pat_kernels.h"

/* Bits lo .. hi-1 of a mask of `lanes` lanes, lo and hi clamped to it: the
 * masks of the targets whose masks are lane bits (AVX-512, NEON, C). */
static inline uint32_t pv_lane_bits(int64_t lo, int64_t hi, int lanes) {
  if (lo < 0) lo = 0;
  if (hi > lanes) hi = lanes;
  if (hi <= lo) return 0;
  return (((uint32_t)1 << (hi - lo)) - 1) << lo;
}

#if defined(PAT_ISA_AVX512)
#include <immintrin.h>
#define PV_LANES 16
typedef __m512 PV;
typedef __mmask16 PM;
#define PV_SET1(x) _mm512_set1_ps(x)
#define PV_LOADM(p, m) _mm512_maskz_loadu_ps((m), (p))
#define PV_LOADU(p) _mm512_loadu_ps((p))
#define PV_ALIGNR(hi, lo, q)                                                  \
  _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(hi),           \
                                          _mm512_castps_si512(lo), (q)))
#define PV_FMA(a, b, c) _mm512_fmadd_ps((a), (b), (c))
#define PV_ADD(a, b) _mm512_add_ps((a), (b))
#define PV_MAX0(v) _mm512_max_ps((v), _mm512_setzero_ps())
/* a > b ? a : b per lane (b where either is NaN), as maxps computes it. */
#define PV_MAX(a, b) _mm512_max_ps((a), (b))
#define PV_STOREM(p, v, m) _mm512_mask_storeu_ps((p), (m), (v))
#define PV_STOREU(p, v) _mm512_storeu_ps((p), (v))
static inline PM PM_RANGE(int64_t lo, int64_t hi) {
  return (PM)pv_lane_bits(lo, hi, PV_LANES);
}
#define PM_BITS(b) ((PM)(b))
#define PV_EVEN(lo, hi)                                                       \
  _mm512_permutex2var_ps((lo),                                                \
                         _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, \
                                           20, 22, 24, 26, 28, 30),           \
                         (hi))
#define PV_ODD(lo, hi)                                                        \
  _mm512_permutex2var_ps((lo),                                                \
                         _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, \
                                           21, 23, 25, 27, 29, 31),           \
                         (hi))
static inline PV PV_LOADM_S2(const float *p, PM m) {
  /* Lane i reads p[2i]: spread the mask onto even elements of two loads. */
  uint32_t wide = _pdep_u32(m, 0x55555555u);
  __m512 lo = _mm512_maskz_loadu_ps((__mmask16)wide, p);
  __m512 hi = _mm512_maskz_loadu_ps((__mmask16)(wide >> 16), p + 16);
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18,
                                         20, 22, 24, 26, 28, 30);
  return _mm512_permutex2var_ps(lo, even, hi);
}

#elif defined(PAT_ISA_AVX2)
#include <immintrin.h>
#define PV_LANES 8
typedef __m256 PV;
typedef __m256i PM;
#define PV_SET1(x) _mm256_set1_ps(x)
#define PV_LOADM(p, m) _mm256_maskload_ps((p), (m))
#define PV_LOADU(p) _mm256_loadu_ps((p))
/* AVX2 shifts bytes only inside 128-bit halves: mid = lo's high half then
 * hi's low half, and each half of the result is shifted out of (mid, lo)
 * for q < 4 or (hi, mid) for q >= 4. */
#define PV_ALIGNR(hi, lo, q)                                                  \
  _mm256_castsi256_ps(                                                        \
      (q) < 4 ? _mm256_alignr_epi8(PV_MID_(hi, lo), _mm256_castps_si256(lo),  \
                                   4 * ((q) & 3))                             \
              : _mm256_alignr_epi8(_mm256_castps_si256(hi), PV_MID_(hi, lo),  \
                                   4 * ((q) & 3)))
#define PV_MID_(hi, lo)                                                       \
  _mm256_castps_si256(_mm256_permute2f128_ps((lo), (hi), 0x21))
#define PV_FMA(a, b, c) _mm256_fmadd_ps((a), (b), (c))
#define PV_ADD(a, b) _mm256_add_ps((a), (b))
#define PV_MAX0(v) _mm256_max_ps((v), _mm256_setzero_ps())
#define PV_MAX(a, b) _mm256_max_ps((a), (b))
#define PV_STOREM(p, v, m) _mm256_maskstore_ps((p), (m), (v))
#define PV_STOREU(p, v) _mm256_storeu_ps((p), (v))
static inline PM PM_RANGE(int64_t lo, int64_t hi) {
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  if (lo < -1) lo = -1;
  if (hi > PV_LANES) hi = PV_LANES;
  __m256i ge = _mm256_cmpgt_epi32(lane, _mm256_set1_epi32((int)lo - 1));
  __m256i lt = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)hi), lane);
  return _mm256_and_si256(ge, lt);
}
static inline PM PM_BITS(uint32_t b) {
  const __m256i bit = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
  return _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32((int)b), bit),
                            bit);
}
/* shuffle_ps picks within 128-bit halves (lo0 lo2 hi0 hi2 | lo4 lo6 hi4
 * hi6); the 64-bit permute puts the halves' pairs in order. */
#define PV_EVEN(lo, hi)                                                       \
  _mm256_castpd_ps(_mm256_permute4x64_pd(                                     \
      _mm256_castps_pd(_mm256_shuffle_ps((lo), (hi), 0x88)), 0xD8))
#define PV_ODD(lo, hi)                                                        \
  _mm256_castpd_ps(_mm256_permute4x64_pd(                                     \
      _mm256_castps_pd(_mm256_shuffle_ps((lo), (hi), 0xDD)), 0xD8))
static inline PV PV_LOADM_S2(const float *p, PM m) {
  const __m256i idx = _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14);
  return _mm256_mask_i32gather_ps(_mm256_setzero_ps(), p, idx,
                                  _mm256_castsi256_ps(m), 4);
}

#elif defined(PAT_ISA_NEON)
#include <arm_neon.h>
#define PV_LANES 4
typedef float32x4_t PV;
/* NEON has no masked loads or stores: a mask is lane bits, a full mask
 * takes one vector instruction and a partial one goes lane by lane (only
 * at borders). */
typedef uint32_t PM;
#define PV_FULL_ 0xFu
#define PV_SET1(x) vdupq_n_f32(x)
#define PV_LOADU(p) vld1q_f32((p))
/* vext: lanes q.. of lo, then lanes 0..q-1 of hi. */
#define PV_ALIGNR(hi, lo, q) vextq_f32((lo), (hi), (q))
#define PV_FMA(a, b, c) vfmaq_f32((c), (a), (b))
#define PV_ADD(a, b) vaddq_f32((a), (b))
#define PV_MAX0(v) vmaxq_f32((v), vdupq_n_f32(0.f))
/* a > b ? a : b (vmaxq would return NaN where either is NaN). */
#define PV_MAX(a, b) vbslq_f32(vcgtq_f32((a), (b)), (a), (b))
#define PV_STOREU(p, v) vst1q_f32((p), (v))
/* Lanes i of m from p[i * step], the others 0. */
static inline PV pv_load_lanes_(const float *p, PM m, int step) {
  PV r = vdupq_n_f32(0.f);
  if (m & 1) r = vld1q_lane_f32(p, r, 0);
  if (m & 2) r = vld1q_lane_f32(p + step, r, 1);
  if (m & 4) r = vld1q_lane_f32(p + 2 * step, r, 2);
  if (m & 8) r = vld1q_lane_f32(p + 3 * step, r, 3);
  return r;
}
static inline PV PV_LOADM(const float *p, PM m) {
  return m == PV_FULL_ ? vld1q_f32(p) : pv_load_lanes_(p, m, 1);
}
static inline void PV_STOREM(float *p, PV v, PM m) {
  if (m == PV_FULL_) {
    vst1q_f32(p, v);
    return;
  }
  if (m & 1) vst1q_lane_f32(p, v, 0);
  if (m & 2) vst1q_lane_f32(p + 1, v, 1);
  if (m & 4) vst1q_lane_f32(p + 2, v, 2);
  if (m & 8) vst1q_lane_f32(p + 3, v, 3);
}
static inline PM PM_RANGE(int64_t lo, int64_t hi) {
  return (PM)pv_lane_bits(lo, hi, PV_LANES);
}
#define PM_BITS(b) ((PM)(b)&PV_FULL_)
#define PV_EVEN(lo, hi) vuzp1q_f32((lo), (hi))
#define PV_ODD(lo, hi) vuzp2q_f32((lo), (hi))
static inline PV PV_LOADM_S2(const float *p, PM m) {
  if (m == PV_FULL_) {
    /* p[0..3] and p[4], p[5], p[6] (not p[7], which may be past the
     * row's end), then the even lanes. */
    PV hi = vcombine_f32(vld1_f32(p + 4), vld1_dup_f32(p + 6));
    return vuzp1q_f32(vld1q_f32(p), hi);
  }
  return pv_load_lanes_(p, m, 2);
}

#else
/* Portable C: the C compiler vectorises these loops where it can. */
#define PV_LANES 8
typedef struct { float v[PV_LANES]; } PV;
typedef uint32_t PM;
static inline PV PV_SET1(float x) {
  PV r;
  for (int i = 0; i < PV_LANES; ++i) r.v[i] = x;
  return r;
}
static inline PV PV_LOADM(const float *p, PM m) {
  PV r;
  for (int i = 0; i < PV_LANES; ++i) r.v[i] = (m >> i) & 1 ? p[i] : 0.f;
  return r;
}
static inline PV PV_LOADU(const float *p) {
  PV r;
  for (int i = 0; i < PV_LANES; ++i) r.v[i] = p[i];
  return r;
}
static inline PV PV_ALIGNR(PV hi, PV lo, int q) {
  PV r;
  for (int i = 0; i < PV_LANES; ++i)
    r.v[i] = i + q < PV_LANES ? lo.v[i + q] : hi.v[i + q - PV_LANES];
  return r;
}
static inline PV PV_FMA(PV a, PV b, PV c) {
  for (int i = 0; i < PV_LANES; ++i) c.v[i] += a.v[i] * b.v[i];
  return c;
}
static inline PV PV_ADD(PV a, PV b) {
  for (int i = 0; i < PV_LANES; ++i) a.v[i] += b.v[i];
  return a;
}
static inline PV PV_MAX0(PV v) {
  for (int i = 0; i < PV_LANES; ++i) v.v[i] = v.v[i] > 0.f ? v.v[i] : 0.f;
  return v;
}
static inline PV PV_MAX(PV a, PV b) {
  for (int i = 0; i < PV_LANES; ++i) a.v[i] = a.v[i] > b.v[i] ? a.v[i] : b.v[i];
  return a;
}
static inline void PV_STOREM(float *p, PV v, PM m) {
  for (int i = 0; i < PV_LANES; ++i)
    if ((m >> i) & 1) p[i] = v.v[i];
}
static inline void PV_STOREU(float *p, PV v) {
  for (int i = 0; i < PV_LANES; ++i) p[i] = v.v[i];
}
static inline PM PM_RANGE(int64_t lo, int64_t hi) {
  return pv_lane_bits(lo, hi, PV_LANES);
}
#define PM_BITS(b) ((PM)(b) & ((1u << PV_LANES) - 1))
static inline PV pv_phase_(PV lo, PV hi, int q) {
  PV r;
  for (int i = 0; i < PV_LANES; ++i) {
    int e = 2 * i + q;
    r.v[i] = e < PV_LANES ? lo.v[e] : hi.v[e - PV_LANES];
  }
  return r;
}
#define PV_EVEN(lo, hi) pv_phase_((lo), (hi), 0)
#define PV_ODD(lo, hi) pv_phase_((lo), (hi), 1)
static inline PV PV_LOADM_S2(const float *p, PM m) {
  PV r;
  for (int i = 0; i < PV_LANES; ++i) r.v[i] = (m >> i) & 1 ? p[2 * i] : 0.f;
  return r;
}
#endif

#define PM_FIRST(n) PM_RANGE(0, (n))

#if defined(PAT_ISA_AVX512)
#define PV_STREAM(p, v) _mm512_stream_ps((p), (v))
#define PV_STREAM_FENCE() _mm_sfence()
#elif defined(PAT_ISA_AVX2)
#define PV_STREAM(p, v) _mm256_stream_ps((p), (v))
#define PV_STREAM_FENCE() _mm_sfence()
#else
#define PV_STREAM(p, v) PV_STOREU((p), (v))
#define PV_STREAM_FENCE() ((void)0)
#endif

#if defined(__GNUC__) || defined(__clang__)
#define PV_PREFETCH(p) __builtin_prefetch((p))
#else
#define PV_PREFETCH(p) ((void)(p))
#endif

#endif /* PAT_PATTERN_SIMD_H */
