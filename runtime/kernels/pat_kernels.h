/*===- pat_kernels.h - Kernel library called by generated code -------------===
 *
 * Part of patc. Every kernel takes its shapes as arguments; the generated
 * code passes compile-time constants. GEMM-based kernels take weights that
 * patc packed at compile time into MR-row panels (see PAT_GEMM_MR).
 *
 *===----------------------------------------------------------------------===*/

#ifndef PAT_KERNELS_H
#define PAT_KERNELS_H

#include "sanitizer_fence.h"
#include "pat_internal.h"
#include <stdint.h>

/* The target chooses the micro-kernel through -DPAT_ISA_*. patc packs the
 * weights with the same MR, so the two must agree (patc passes both). */
#if defined(PAT_ISA_AVX512)
#if !defined(__AVX512F__)
#error "PAT_ISA_AVX512 needs -mavx512f (target x86-64-v4)"
#endif
#define PAT_GEMM_MR 8
#define PAT_GEMM_NR 32
#define PAT_GEMM_CH_MR 32
#define PAT_GEMM_CH_PX 14
#elif defined(PAT_ISA_AVX2)
#if !defined(__AVX2__) || !defined(__FMA__)
#error "PAT_ISA_AVX2 needs -mavx2 -mfma (target x86-64-v3)"
#endif
#define PAT_GEMM_MR 6
#define PAT_GEMM_NR 16
#define PAT_GEMM_CH_MR 16
#define PAT_GEMM_CH_PX 6
#elif defined(PAT_ISA_NEON)
#if !defined(__aarch64__) || !defined(__ARM_NEON)
#error "PAT_ISA_NEON needs an AArch64 C compiler (target aarch64)"
#endif
/* 8 x 12: 24 accumulators, 3 B vectors and 2 A vectors of the 32. The
 * channel-lane tile takes 8 pixels, not 14: GCC keeps each pixel's input
 * value in a register of its own, and with 14 it spilled 5 accumulators. */
#define PAT_GEMM_MR 8
#define PAT_GEMM_NR 12
#define PAT_GEMM_CH_MR 8
#define PAT_GEMM_CH_PX 8
#else
#define PAT_ISA_GENERIC 1
#define PAT_GEMM_MR 4
#define PAT_GEMM_NR 16
#define PAT_GEMM_CH_MR 16
#define PAT_GEMM_CH_PX 4
#endif

#define PAT_GEMM_KC 256
#define PAT_GEMM_NC (PAT_GEMM_NR * 8)
/* Scratch each thread needs for one packed B block. */
#define PAT_GEMM_SCRATCH_BYTES                                                 \
  ((size_t)PAT_GEMM_KC * PAT_GEMM_NC * sizeof(float))

/* Fused activations (same order as patc's codegen). */
enum {
  PAT_ACT_NONE = 0,
  PAT_ACT_RELU,
  PAT_ACT_LEAKY_RELU,
  PAT_ACT_CLIP,
  PAT_ACT_SIGMOID,
  PAT_ACT_TANH,
  PAT_ACT_HARD_SIGMOID,
  PAT_ACT_HARD_SWISH
};

typedef struct pat_activation {
  int32_t kind;
  float alpha, beta;
} pat_activation;

/* out[i] = act(in[i]); in may equal out. */
PAT_HIDDEN void pat_activation_f32(const float *in, float *out, int64_t n,
                                   pat_activation act);

/* 2-D convolution, NCHW. */
typedef struct pat_conv2d_params {
  int64_t batch, in_c, in_h, in_w;
  int64_t out_c, out_h, out_w;
  int64_t kernel_h, kernel_w;
  int64_t stride_h, stride_w;
  int64_t pad_top, pad_left;
  int64_t dilation_h, dilation_w;
  int64_t groups;
  pat_activation act;
} pat_conv2d_params;

/* Convolution as GEMM over an implicit im2col. `packed_weight` holds, per
 * group, ceil((out_c/groups)/MR) panels of [K][MR] with
 * K = (in_c/groups)*kernel_h*kernel_w. `bias` may be NULL. `residual` (may
 * be NULL) has the output's shape and is added before the activation:
 * output = act(conv + bias + residual). It must not overlap `output`. */
PAT_HIDDEN void pat_conv2d_gemm_f32(pat_ctx *ctx, const pat_conv2d_params *p,
                                    const float *input,
                                    const float *packed_weight,
                                    const float *bias, const float *residual,
                                    float *output);

/* The same convolution with output channels on the vector lanes
 * (conv_gemm_channels.c), blocks of PAT_GEMM_CH_PX pixels. Weights
 * packed as for pat_conv2d_gemm_f32 but with MR = PAT_GEMM_CH_MR. */
PAT_HIDDEN void pat_conv2d_gemm_channels_f32(pat_ctx *ctx,
                                          const pat_conv2d_params *p,
                                          const float *input,
                                          const float *packed_weight,
                                          const float *bias,
                                          const float *residual,
                                          float *output);

/* Depthwise convolution (in_c/groups == 1); weight is OIHW as in ONNX. */
PAT_HIDDEN void pat_conv2d_depthwise_f32(pat_ctx *ctx,
                                         const pat_conv2d_params *p,
                                         const float *input,
                                         const float *weight,
                                         const float *bias, float *output);

/* Plain reference convolution (used by tests, and as a last resort). */
PAT_HIDDEN void pat_conv2d_reference_f32(const pat_conv2d_params *p,
                                         const float *input,
                                         const float *weight,
                                         const float *bias, float *output);

/* Y[m][n] = act(alpha * sum_k A(m,k) B(k,n) + beta * C(m,n)), where
 * A(m,k) = a[m*a_sm + k*a_sk], B(k,n) = b[k*b_sk + n*b_sn] and
 * C(m,n) = c[m*c_sm + n*c_sn] (c may be NULL). Y is dense M x N. */
typedef struct pat_gemm_params {
  int64_t m, n, k;
  int64_t a_sm, a_sk, b_sk, b_sn, c_sm, c_sn;
  float alpha, beta;
  pat_activation act;
} pat_gemm_params;

PAT_HIDDEN void pat_gemm_f32(pat_ctx *ctx, const pat_gemm_params *p,
                             const float *a, const float *b, const float *c,
                             float *y);

/* The same Gemm with B stored by rows of K (w[k * n + j], b_sk = n, b_sn =
 * 1; the other B strides are ignored), skipping the rows whose input is
 * zero (gemv_rows.c). B must be finite. */
PAT_HIDDEN void pat_gemv_rows_f32(pat_ctx *ctx, const pat_gemm_params *p,
                                  const float *a, const float *w,
                                  const float *c, float *y);

/* Batched matmul with broadcast batch dims: out rank r >= 2; a_bstride and
 * b_bstride give, per batch dim, the element stride (0 if broadcast). */
PAT_HIDDEN void pat_matmul_f32(pat_ctx *ctx, int32_t batch_rank,
                               const int64_t *batch_shape,
                               const int64_t *a_bstride,
                               const int64_t *b_bstride, int64_t m, int64_t n,
                               int64_t k, const float *a, const float *b,
                               float *out);

/* Pooling over NCHW. */
typedef struct pat_pool2d_params {
  int64_t batch, channels, in_h, in_w, out_h, out_w;
  int64_t kernel_h, kernel_w, stride_h, stride_w;
  int64_t pad_top, pad_left, pad_bottom, pad_right;
  int64_t dilation_h, dilation_w;
  int32_t count_include_pad;
} pat_pool2d_params;

PAT_HIDDEN void pat_max_pool2d_f32(pat_ctx *ctx, const pat_pool2d_params *p,
                                   const float *in, float *out);
PAT_HIDDEN void pat_max_pool2d_u8(pat_ctx *ctx, const pat_pool2d_params *p,
                                  const uint8_t *in, uint8_t *out);
/* Max pooling that also writes each maximum's flat input index (NCHW, or
 * N, C, W, H with column_major). */
PAT_HIDDEN void pat_max_pool2d_indices_f32(pat_ctx *ctx,
                                           const pat_pool2d_params *p,
                                           const float *in, float *out,
                                           int64_t *indices,
                                           int32_t column_major);
PAT_HIDDEN void pat_avg_pool2d_f32(pat_ctx *ctx, const pat_pool2d_params *p,
                                   const float *in, float *out);
/* Over `planes` contiguous planes of `plane_size` elements. */
PAT_HIDDEN void pat_global_avg_pool_f32(pat_ctx *ctx, int64_t planes,
                                        int64_t plane_size, const float *in,
                                        float *out);
PAT_HIDDEN void pat_global_max_pool_f32(pat_ctx *ctx, int64_t planes,
                                        int64_t plane_size, const float *in,
                                        float *out);

/* Inference batch norm over dim 1 of [outer, channels, inner]. */
PAT_HIDDEN void pat_batch_norm_f32(pat_ctx *ctx, int64_t outer,
                                   int64_t channels, int64_t inner,
                                   float epsilon, const float *in,
                                   const float *scale, const float *bias,
                                   const float *mean, const float *var,
                                   float *out);

/* Softmax over the middle dim of [outer, axis, inner]. */
PAT_HIDDEN void pat_softmax_f32(pat_ctx *ctx, int64_t outer, int64_t axis,
                                int64_t inner, const float *in, float *out);

/* Elementwise binary with numpy broadcasting. Shapes are given as the output
 * shape and, per operand, element strides (0 on broadcast dims). */
enum { PAT_BIN_ADD = 0, PAT_BIN_SUB, PAT_BIN_MUL, PAT_BIN_DIV };

typedef struct pat_broadcast {
  int32_t rank;
  const int64_t *shape;
  const int64_t *a_strides;
  const int64_t *b_strides;
} pat_broadcast;

#define PAT_DECLARE_BINARY(SUFFIX, T)                                          \
  PAT_HIDDEN void pat_binary_##SUFFIX(pat_ctx *ctx, int32_t op,                \
                                      const pat_broadcast *bc, const T *a,     \
                                      const T *b, T *out);
PAT_DECLARE_BINARY(f32, float)
PAT_DECLARE_BINARY(u8, uint8_t)
PAT_DECLARE_BINARY(i8, int8_t)
PAT_DECLARE_BINARY(i32, int32_t)
PAT_DECLARE_BINARY(i64, int64_t)

#define PAT_DECLARE_CLIP(SUFFIX, T)                                            \
  PAT_HIDDEN void pat_clip_##SUFFIX(const T *in, T *out, int64_t n, T lo,      \
                                    T hi);
PAT_DECLARE_CLIP(f32, float)
PAT_DECLARE_CLIP(u8, uint8_t)
PAT_DECLARE_CLIP(i8, int8_t)
PAT_DECLARE_CLIP(i32, int32_t)
PAT_DECLARE_CLIP(i64, int64_t)

/* Data movement; element-type agnostic (elem_size bytes per element). */
PAT_HIDDEN void pat_concat(int64_t outer, int32_t num_inputs,
                           const void *const *inputs,
                           const int64_t *chunk_bytes, void *out);
PAT_HIDDEN void pat_transpose(int32_t rank, const int64_t *in_shape,
                              const int64_t *perm, int64_t elem_size,
                              const void *in, void *out);
/* mode: 0 constant, 1 reflect, 2 edge. `value` points to one element. */
PAT_HIDDEN void pat_pad(int32_t rank, const int64_t *in_shape,
                        const int64_t *out_shape, const int64_t *pads_begin,
                        int32_t mode, const void *value, int64_t elem_size,
                        const void *in, void *out);

#endif /* PAT_KERNELS_H */
