/*===- conv_direct.c - Depthwise and reference convolutions ----------------===
 *
 * Part of patc. Depthwise: one plane per task, row by row: every tap adds
 * into the output row while it is in L1 (tap by tap over the whole plane
 * streamed the plane through the cache once per tap). For each tap column
 * the range of output columns whose input column is inside the image is
 * computed once, so the inner loop has no bounds checks and vectorises.
 * Taps are added in the same (ky, kx) order as before and as the reference.
 *
 *===----------------------------------------------------------------------===*/

#include "pat_kernels.h"
#include "pattern_simd.h"
#include <string.h>

typedef struct depthwise_job {
  const pat_conv2d_params *p;
  const float *input, *weight, *bias;
  float *output;
} depthwise_job;

static int64_t ceil_div(int64_t a, int64_t b) {
  return a >= 0 ? (a + b - 1) / b : -((-a) / b);
}

#define DW_COLUMNS 16

/* Output columns [*lo, *hi) whose input column for tap column kx is inside
 * the image. */
static void column_range(const pat_conv2d_params *p, int64_t kx, int64_t *lo,
                         int64_t *hi) {
  int64_t off = kx * p->dilation_w - p->pad_left;
  *lo = ceil_div(-off, p->stride_w);
  *hi = ceil_div(p->in_w - off, p->stride_w);
  if (*lo < 0)
    *lo = 0;
  if (*hi > p->out_w)
    *hi = p->out_w;
}

/* The column range of tap column kx: from the per-plane cache of the
 * first DW_COLUMNS columns, computed for wider kernels. */
static inline void tap_columns(const pat_conv2d_params *p, int64_t kx,
                               const int64_t *col_lo, const int64_t *col_hi,
                               int64_t *lo, int64_t *hi) {
  if (kx < DW_COLUMNS) {
    *lo = col_lo[kx];
    *hi = col_hi[kx];
  } else {
    column_range(p, kx, lo, hi);
  }
}

/* Output row oy of a depthwise plane at stride 1 or 2, PV_LANES outputs at
 * a time: per tap one masked load (lanes whose input column is outside the
 * image read nothing and are zero, i.e. the padding) and one FMA; masked
 * stores end the row. */
static inline __attribute__((always_inline)) void
depthwise_row_vector(const pat_conv2d_params *p, int64_t kh, int64_t kw,
                     int64_t s, const int64_t *col_lo, const int64_t *col_hi,
                     const float *in, const float *w, float bias, int64_t oy,
                     float *orow, int relu) {
  for (int64_t ox = 0; ox < p->out_w; ox += PV_LANES) {
    /* The load mask of each tap column (the same for every tap row): the
     * block's lanes inside the column range. */
    PM masks[DW_COLUMNS];
    for (int64_t kx = 0; kx < kw && kx < DW_COLUMNS; ++kx)
      masks[kx] = PM_RANGE(col_lo[kx] - ox, col_hi[kx] - ox);
    PV acc = PV_SET1(bias);
    for (int64_t ky = 0; ky < kh; ++ky) {
      int64_t iy = oy * p->stride_h - p->pad_top + ky * p->dilation_h;
      if (iy < 0 || iy >= p->in_h)
        continue;
      const float *row = in + iy * p->in_w;
      for (int64_t kx = 0; kx < kw; ++kx) {
        /* Lane i reads input column x0 + i * s. */
        int64_t x0 = ox * s + kx * p->dilation_w - p->pad_left;
        int64_t lo, hi;
        PM m;
        if (kx < DW_COLUMNS) {
          m = masks[kx];
        } else {
          column_range(p, kx, &lo, &hi);
          m = PM_RANGE(lo - ox, hi - ox);
        }
        PV x = s == 1 ? PV_LOADM(row + x0, m) : PV_LOADM_S2(row + x0, m);
        acc = PV_FMA(PV_SET1(w[ky * kw + kx]), x, acc);
      }
    }
    if (relu)
      acc = PV_MAX0(acc);
    PV_STOREM(orow + ox, acc, PM_FIRST(p->out_w - ox));
  }
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
    /* Per tap column, the output columns whose input column is inside the
     * image (ox valid iff 0 <= ox*stride + off < in_w); the first
     * DW_COLUMNS columns' ranges computed once per plane. */
    int64_t col_lo[DW_COLUMNS], col_hi[DW_COLUMNS];
    for (int64_t kx = 0; kx < p->kernel_w && kx < DW_COLUMNS; ++kx)
      column_range(p, kx, &col_lo[kx], &col_hi[kx]);
    int vector = p->stride_w == 1 || p->stride_w == 2;
    int relu = p->act.kind == PAT_ACT_RELU;
    for (int64_t oy = 0; oy < p->out_h; ++oy) {
      float *orow = out + oy * p->out_w;
      if (vector) {
        /* 3x3 (MobileNet's) with constant loops: fully unrolled taps. */
        int64_t kh = p->kernel_h, kw = p->kernel_w, sw = p->stride_w;
#define DW_ROW(KH, KW, S)                                                      \
  depthwise_row_vector(p, KH, KW, S, col_lo, col_hi, in, w, bias, oy, orow, relu)
        if (kh == 3 && kw == 3 && sw == 1)
          DW_ROW(3, 3, 1);
        else if (kh == 3 && kw == 3 && sw == 2)
          DW_ROW(3, 3, 2);
        else if (sw == 1)
          DW_ROW(kh, kw, 1);
        else
          DW_ROW(kh, kw, 2);
#undef DW_ROW
        continue;
      }
      for (int64_t ox = 0; ox < p->out_w; ++ox)
        orow[ox] = bias;
      for (int64_t ky = 0; ky < p->kernel_h; ++ky) {
        int64_t iy = oy * p->stride_h - p->pad_top + ky * p->dilation_h;
        if (iy < 0 || iy >= p->in_h)
          continue;
        for (int64_t kx = 0; kx < p->kernel_w; ++kx) {
          float wv = w[ky * p->kernel_w + kx];
          int64_t off = kx * p->dilation_w - p->pad_left, lo, hi;
          tap_columns(p, kx, col_lo, col_hi, &lo, &hi);
          const float *row = in + iy * p->in_w + off;
          if (p->stride_w == 1)
            for (int64_t ox = lo; ox < hi; ++ox)
              orow[ox] += wv * row[ox];
          else
            for (int64_t ox = lo; ox < hi; ++ox)
              orow[ox] += wv * row[ox * p->stride_w];
        }
      }
    }
    if (p->act.kind != PAT_ACT_NONE && !(vector && relu))
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
