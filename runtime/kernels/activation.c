/*===- activation.c - Fused and standalone activations ---------------------===
 *
 * Part of patc. The switch is outside the loops so each loop vectorises.
 *
 *===----------------------------------------------------------------------===*/

#include "pat_kernels.h"
#include <math.h>

void pat_activation_f32(const float *in, float *out, int64_t n,
                        pat_activation act) {
  float alpha = act.alpha, beta = act.beta;
  int64_t i;
  switch (act.kind) {
  case PAT_ACT_RELU:
    for (i = 0; i < n; ++i)
      out[i] = in[i] > 0.f ? in[i] : 0.f;
    break;
  case PAT_ACT_LEAKY_RELU:
    for (i = 0; i < n; ++i)
      out[i] = in[i] >= 0.f ? in[i] : alpha * in[i];
    break;
  case PAT_ACT_CLIP:
    for (i = 0; i < n; ++i) {
      float v = in[i] < alpha ? alpha : in[i];
      out[i] = v > beta ? beta : v;
    }
    break;
  case PAT_ACT_SIGMOID:
    for (i = 0; i < n; ++i)
      out[i] = 1.f / (1.f + expf(-in[i]));
    break;
  case PAT_ACT_TANH:
    for (i = 0; i < n; ++i)
      out[i] = tanhf(in[i]);
    break;
  case PAT_ACT_HARD_SIGMOID:
    for (i = 0; i < n; ++i) {
      float v = alpha * in[i] + beta;
      v = v < 0.f ? 0.f : v;
      out[i] = v > 1.f ? 1.f : v;
    }
    break;
  case PAT_ACT_HARD_SWISH:
    for (i = 0; i < n; ++i) {
      float v = in[i] * (1.f / 6.f) + 0.5f;
      v = v < 0.f ? 0.f : v;
      out[i] = in[i] * (v > 1.f ? 1.f : v);
    }
    break;
  default:
    if (in != out)
      for (i = 0; i < n; ++i)
        out[i] = in[i];
    break;
  }
}

#define PAT_DEFINE_CLIP(SUFFIX, T)                                             \
  void pat_clip_##SUFFIX(const T *in, T *out, int64_t n, T lo, T hi) {         \
    for (int64_t i = 0; i < n; ++i) {                                          \
      T v = in[i] < lo ? lo : in[i];                                           \
      out[i] = v > hi ? hi : v;                                                \
    }                                                                          \
  }
PAT_DEFINE_CLIP(f32, float)
PAT_DEFINE_CLIP(u8, uint8_t)
PAT_DEFINE_CLIP(i8, int8_t)
PAT_DEFINE_CLIP(i32, int32_t)
PAT_DEFINE_CLIP(i64, int64_t)
