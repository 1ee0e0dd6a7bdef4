/*===- conv_direct.c - Depthwise and reference convolutions ----------------===
 *
 * Part of patc. Depthwise: one plane per task; for each tap, the range of
 * output columns whose input column is inside the image is computed once so
 * the inner loop has no bounds checks (and vectorises at stride 1).
 *
 *===----------------------------------------------------------------------===*/

#include "pat_kernels.h"
#include <string.h>

typedef struct depthwise_job {
  const pat_conv2d_params *p;
  const float *input, *weight, *bias;
  float *output;
} depthwise_job;

static int64_t ceil_div(int64_t a, int64_t b) {
  return a >= 0 ? (a + b - 1) / b : -((-a) / b);
}

static void depthwise_planes(void *arg, int64_t begin, int64_t end, int tid) {
  const depthwise_job *job = (const depthwise_job *)arg;
  const pat_conv2d_params *p = job->p;
  int64_t multiplier = p->out_c / p->groups;
  int64_t in_plane = p->in_h * p->in_w, out_plane = p->out_h * p->out_w;
  for (int64_t plane = begin; plane < end; ++plane) {
    int64_t b = plane / p->out_c, co = plane % p->out_c;
    const float *in = job->input + (b * p->in_c + co / multiplier) * in_plane;
    const float *w = job->weight + co * p->kernel_h * p->kernel_w;
    float *out = job->output + plane * out_plane;
    float bias = job->bias ? job->bias[co] : 0.f;
    for (int64_t i = 0; i < out_plane; ++i)
      out[i] = bias;
    for (int64_t ky = 0; ky < p->kernel_h; ++ky)
      for (int64_t kx = 0; kx < p->kernel_w; ++kx) {
        float wv = w[ky * p->kernel_w + kx];
        int64_t off = kx * p->dilation_w - p->pad_left;
        /* ox valid iff 0 <= ox*stride + off < in_w. */
        int64_t lo = ceil_div(-off, p->stride_w);
        int64_t hi = ceil_div(p->in_w - off, p->stride_w);
        lo = lo < 0 ? 0 : lo;
        hi = hi > p->out_w ? p->out_w : hi;
        for (int64_t oy = 0; oy < p->out_h; ++oy) {
          int64_t iy = oy * p->stride_h - p->pad_top + ky * p->dilation_h;
          if (iy < 0 || iy >= p->in_h)
            continue;
          const float *row = in + iy * p->in_w + off;
          float *orow = out + oy * p->out_w;
          if (p->stride_w == 1)
            for (int64_t ox = lo; ox < hi; ++ox)
              orow[ox] += wv * row[ox];
          else
            for (int64_t ox = lo; ox < hi; ++ox)
              orow[ox] += wv * row[ox * p->stride_w];
        }
      }
    if (p->act.kind != PAT_ACT_NONE)
      pat_activation_f32(out, out, out_plane, p->act);
  }
}

void pat_conv2d_depthwise_f32(pat_ctx *ctx, const pat_conv2d_params *p,
                              const float *input, const float *weight,
                              const float *bias, float *output) {
  depthwise_job job = {p, input, weight, bias, output};
  pat_parallel_for(ctx, p->batch * p->out_c, 1, depthwise_planes, &job);
}

void pat_conv2d_reference_f32(const pat_conv2d_params *p, const float *input,
                              const float *weight, const float *bias,
                              float *output) {
  int64_t cin_g = p->in_c / p->groups, cout_g = p->out_c / p->groups;
  for (int64_t b = 0; b < p->batch; ++b)
    for (int64_t co = 0; co < p->out_c; ++co) {
      int64_t g = co / cout_g;
      for (int64_t oy = 0; oy < p->out_h; ++oy)
        for (int64_t ox = 0; ox < p->out_w; ++ox) {
          float acc = bias ? bias[co] : 0.f;
          for (int64_t ci = 0; ci < cin_g; ++ci)
            for (int64_t ky = 0; ky < p->kernel_h; ++ky)
              for (int64_t kx = 0; kx < p->kernel_w; ++kx) {
                int64_t iy = oy * p->stride_h - p->pad_top + ky * p->dilation_h;
                int64_t ix = ox * p->stride_w - p->pad_left + kx * p->dilation_w;
                if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w)
                  continue;
                acc += input[((b * p->in_c + g * cin_g + ci) * p->in_h + iy) *
                                 p->in_w + ix] *
                       weight[((co * cin_g + ci) * p->kernel_h + ky) *
                                  p->kernel_w + kx];
              }
          float *o = output + ((b * p->out_c + co) * p->out_h + oy) * p->out_w + ox;
          pat_activation_f32(&acc, o, 1, p->act);
        }
    }
}
