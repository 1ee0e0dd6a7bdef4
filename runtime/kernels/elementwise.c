/*===- elementwise.c - Broadcasting binaries, batch norm, softmax ----------===
 *
 * Part of patc. Binaries walk the output with an index over all but the last
 * dim; the innermost loop is specialised for the common stride patterns
 * (both contiguous, one side a broadcast scalar) so it vectorises.
 *
 *===----------------------------------------------------------------------===*/

#include "pat_kernels.h"
#include <math.h>

#define PAT_BINARY_LOOP(T, EXPR)                                               \
  do {                                                                         \
    if (sa == 1 && sb == 1)                                                    \
      for (int64_t i = 0; i < len; ++i) {                                      \
        T x = a[i], y = b[i];                                                  \
        o[i] = (T)(EXPR);                                                      \
      }                                                                        \
    else if (sa == 1 && sb == 0)                                               \
      for (int64_t i = 0; i < len; ++i) {                                      \
        T x = a[i], y = b[0];                                                  \
        o[i] = (T)(EXPR);                                                      \
      }                                                                        \
    else if (sa == 0 && sb == 1)                                               \
      for (int64_t i = 0; i < len; ++i) {                                      \
        T x = a[0], y = b[i];                                                  \
        o[i] = (T)(EXPR);                                                      \
      }                                                                        \
    else                                                                       \
      for (int64_t i = 0; i < len; ++i) {                                      \
        T x = a[i * sa], y = b[i * sb];                                        \
        o[i] = (T)(EXPR);                                                      \
      }                                                                        \
  } while (0)

#define PAT_DEFINE_BINARY(SUFFIX, T)                                           \
  static void binary_row_##SUFFIX(int32_t op, const T *a, int64_t sa,          \
                                  const T *b, int64_t sb, T *o, int64_t len) { \
    switch (op) {                                                              \
    case PAT_BIN_ADD:                                                          \
      PAT_BINARY_LOOP(T, x + y);                                               \
      break;                                                                   \
    case PAT_BIN_SUB:                                                          \
      PAT_BINARY_LOOP(T, x - y);                                               \
      break;                                                                   \
    case PAT_BIN_MUL:                                                          \
      PAT_BINARY_LOOP(T, x * y);                                               \
      break;                                                                   \
    default:                                                                   \
      PAT_BINARY_LOOP(T, x / y);                                               \
      break;                                                                   \
    }                                                                          \
  }                                                                            \
  typedef struct binary_job_##SUFFIX {                                         \
    int32_t op;                                                                \
    const pat_broadcast *bc;                                                   \
    const T *a, *b;                                                            \
    T *out;                                                                    \
  } binary_job_##SUFFIX;                                                       \
  static void binary_rows_##SUFFIX(void *arg, int64_t begin, int64_t end,      \
                                   int tid) {                                  \
    const binary_job_##SUFFIX *job = (const binary_job_##SUFFIX *)arg;         \
    const pat_broadcast *bc = job->bc;                                         \
    int32_t last = bc->rank - 1;                                               \
    int64_t len = bc->rank ? bc->shape[last] : 1;                              \
    for (int64_t row = begin; row < end; ++row) {                              \
      int64_t a_off = 0, b_off = 0, rest = row;                                \
      for (int32_t d = last - 1; d >= 0; --d) {                                \
        int64_t idx = rest % bc->shape[d];                                     \
        rest /= bc->shape[d];                                                  \
        a_off += idx * bc->a_strides[d];                                       \
        b_off += idx * bc->b_strides[d];                                       \
      }                                                                        \
      binary_row_##SUFFIX(job->op, job->a + a_off,                             \
                          bc->rank ? bc->a_strides[last] : 0, job->b + b_off,  \
                          bc->rank ? bc->b_strides[last] : 0,                  \
                          job->out + row * len, len);                          \
    }                                                                          \
  }                                                                            \
  void pat_binary_##SUFFIX(pat_ctx *ctx, int32_t op, const pat_broadcast *bc,  \
                           const T *a, const T *b, T *out) {                   \
    binary_job_##SUFFIX job = {op, bc, a, b, out};                             \
    int64_t rows = 1;                                                          \
    for (int32_t d = 0; d + 1 < bc->rank; ++d)                                 \
      rows *= bc->shape[d];                                                    \
    int64_t len = bc->rank ? bc->shape[bc->rank - 1] : 1;                      \
    int64_t grain = len >= 4096 ? 1 : 4096 / (len ? len : 1);                  \
    pat_parallel_for(ctx, rows, grain, binary_rows_##SUFFIX, &job);            \
  }

PAT_DEFINE_BINARY(f32, float)
PAT_DEFINE_BINARY(u8, uint8_t)
PAT_DEFINE_BINARY(i8, int8_t)
PAT_DEFINE_BINARY(i32, int32_t)
PAT_DEFINE_BINARY(i64, int64_t)

typedef struct batch_norm_job {
  int64_t channels, inner;
  float epsilon;
  const float *in, *scale, *bias, *mean, *var;
  float *out;
} batch_norm_job;

static void batch_norm_planes(void *arg, int64_t begin, int64_t end, int tid) {
  const batch_norm_job *job = (const batch_norm_job *)arg;
  for (int64_t plane = begin; plane < end; ++plane) {
    int64_t c = plane % job->channels;
    float s = job->scale[c] / sqrtf(job->var[c] + job->epsilon);
    float t = job->bias[c] - job->mean[c] * s;
    const float *in = job->in + plane * job->inner;
    float *out = job->out + plane * job->inner;
    for (int64_t i = 0; i < job->inner; ++i)
      out[i] = in[i] * s + t;
  }
}

void pat_batch_norm_f32(pat_ctx *ctx, int64_t outer, int64_t channels,
                        int64_t inner, float epsilon, const float *in,
                        const float *scale, const float *bias,
                        const float *mean, const float *var, float *out) {
  batch_norm_job job = {channels, inner, epsilon, in, scale, bias, mean, var,
                        out};
  pat_parallel_for(ctx, outer * channels, 1, batch_norm_planes, &job);
}

typedef struct softmax_job {
  int64_t axis, inner;
  const float *in;
  float *out;
} softmax_job;

static void softmax_slices(void *arg, int64_t begin, int64_t end, int tid) {
  const softmax_job *job = (const softmax_job *)arg;
  for (int64_t slice = begin; slice < end; ++slice) {
    int64_t o = slice / job->inner, i = slice % job->inner;
    const float *in = job->in + o * job->axis * job->inner + i;
    float *out = job->out + o * job->axis * job->inner + i;
    float max = in[0];
    for (int64_t a = 1; a < job->axis; ++a)
      max = in[a * job->inner] > max ? in[a * job->inner] : max;
    float sum = 0.f;
    for (int64_t a = 0; a < job->axis; ++a) {
      float e = expf(in[a * job->inner] - max);
      out[a * job->inner] = e;
      sum += e;
    }
    float inv = 1.f / sum;
    for (int64_t a = 0; a < job->axis; ++a)
      out[a * job->inner] *= inv;
  }
}

void pat_softmax_f32(pat_ctx *ctx, int64_t outer, int64_t axis, int64_t inner,
                     const float *in, float *out) {
  softmax_job job = {axis, inner, in, out};
  pat_parallel_for(ctx, outer * inner, 16, softmax_slices, &job);
}
