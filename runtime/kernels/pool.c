/*===- pool.c - Max, average and global pooling ----------------------------===
 *
 * Part of patc. Max pools: bands of a plane's output rows per task; the
 * other pools: one plane per task.
 *
 *===----------------------------------------------------------------------===*/

#include "pattern_simd.h"
#include <float.h>
#include <math.h>

typedef struct pool_job {
  pat_ctx *ctx;
  const pat_pool2d_params *p;
  const void *in;
  void *out;
  int64_t bands; /* max pools: bands of output rows (max_pool_bands) */
} pool_job;

/* Max pools split each plane into one band of output rows per thread, the
 * bands' items first: thread t's home (thread_pool.c) is band t of every
 * plane, the rows the convs before it wrote on the same core (whole planes
 * per thread read half of them from the other core: VGG-16's last pools
 * had been slower on 2 threads than on 1; VGG-16 on 2 threads 0.978 of the
 * time with bands and the vectors below, docs/benchmarks.md). */
static int64_t max_pool_bands(const pat_ctx *ctx, const pat_pool2d_params *p) {
  int64_t bands = ctx->num_threads > 1 ? ctx->num_threads : 1;
  return bands < p->out_h ? bands : (p->out_h > 0 ? p->out_h : 1);
}

/* 2x2 window, stride 2, no padding, every window inside the input. */
static int is_plain_2x2(const pat_pool2d_params *p) {
  return p->kernel_h == 2 && p->kernel_w == 2 && p->stride_h == 2 &&
         p->stride_w == 2 && p->pad_top == 0 && p->pad_left == 0 &&
         p->dilation_h == 1 && p->dilation_w == 1 &&
         2 * p->out_h <= p->in_h && 2 * p->out_w <= p->in_w;
}

/* A 1x1 window without padding: a subsample (pat-subsample-pointwise
 * makes these from strided 1x1 convs). Copied, as the max of one value is
 * that value, NaN and -inf included. */
static int is_subsample(const pat_pool2d_params *p) {
  return p->kernel_h == 1 && p->kernel_w == 1 && p->pad_top == 0 &&
         p->pad_left == 0 && (p->out_h - 1) * p->stride_h < p->in_h &&
         (p->out_w - 1) * p->stride_w < p->in_w;
}

/* Output columns [*lo, *hi) whose whole window is inside the input row. */
static void inner_columns(const pat_pool2d_params *p, int64_t *lo,
                          int64_t *hi) {
  int64_t reach = (p->kernel_w - 1) * p->dilation_w, s = p->stride_w;
  *lo = (p->pad_left + s - 1) / s;
  int64_t last = p->in_w - 1 + p->pad_left - reach; /* ox * s <= last */
  *hi = last < 0 ? 0 : last / s + 1;
  if (*hi > p->out_w)
    *hi = p->out_w;
  if (*lo > *hi)
    *lo = *hi;
}

/* Vectors of the f32 max pool (each returns the first output column it did
 * not write; the u8 versions write none). PV_MAX is `a > b ? a : b`, the
 * scalar loops' comparison, so both give the same results, NaN included. */

/* Output columns from ox of a 3-wide, stride-2 window over the column
 * maxima c (output ox reads c[2 ox .. 2 ox + 2]), below hi. The loads reach
 * c[2 ox + 2 PV_LANES + 1]: the vectors stop one column short of hi so
 * that it stays inside the window of column hi - 1. */
static int64_t max3_stride2_f32(const float *c, float *o, int64_t ox,
                                int64_t hi, float lowest) {
  const PV low = PV_SET1(lowest);
  for (; ox + PV_LANES < hi; ox += PV_LANES) {
    const float *q = c + 2 * ox;
    PV a = PV_LOADU(q), b = PV_LOADU(q + PV_LANES);
    PV a2 = PV_LOADU(q + 2), b2 = PV_LOADU(q + 2 + PV_LANES);
    PV m = PV_MAX(PV_EVEN(a, b), low);
    m = PV_MAX(PV_ODD(a, b), m);
    PV_STOREU(o + ox, PV_MAX(PV_EVEN(a2, b2), m));
  }
  return ox;
}
static int64_t max3_stride2_u8(const uint8_t *c, uint8_t *o, int64_t ox,
                               int64_t hi, uint8_t lowest) {
  (void)c, (void)o, (void)hi, (void)lowest;
  return ox;
}

/* Output columns [0, n) of a 2x2, stride-2 window over rows r0 and r1. */
static int64_t max2x2_f32(const float *r0, const float *r1, float *o,
                          int64_t n) {
  int64_t ox = 0;
  for (; ox + PV_LANES <= n; ox += PV_LANES) {
    PV a0 = PV_LOADU(r0 + 2 * ox), b0 = PV_LOADU(r0 + 2 * ox + PV_LANES);
    PV a1 = PV_LOADU(r1 + 2 * ox), b1 = PV_LOADU(r1 + 2 * ox + PV_LANES);
    PV top = PV_MAX(PV_EVEN(a0, b0), PV_ODD(a0, b0));
    PV bottom = PV_MAX(PV_EVEN(a1, b1), PV_ODD(a1, b1));
    PV_STOREU(o + ox, PV_MAX(top, bottom));
  }
  return ox;
}
static int64_t max2x2_u8(const uint8_t *r0, const uint8_t *r1, uint8_t *o,
                         int64_t n) {
  (void)r0, (void)r1, (void)o, (void)n;
  return 0;
}

/* Max pooling, separably: per output row, the column maxima over the
 * window's rows that are inside the input (a vectorisable pass over whole
 * rows), then the maxima over each window's columns; bounds are checked
 * only for the border columns. `colmax` holds in_w values; rows too wide
 * for the scratch go window by window. Comparisons are `v > best` in
 * all. Each function does output rows [oy0, oy1) of one plane. */
#define PAT_DEFINE_MAX_POOL(SUFFIX, T, LOWEST)                                 \
  static void max_pool_windows_##SUFFIX(const pat_pool2d_params *p,            \
                                        const T *in, T *out, int64_t oy0,      \
                                        int64_t oy1) {                         \
    for (int64_t oy = oy0; oy < oy1; ++oy)                                     \
      for (int64_t ox = 0; ox < p->out_w; ++ox) {                              \
        T best = LOWEST;                                                       \
        for (int64_t ky = 0; ky < p->kernel_h; ++ky) {                         \
          int64_t iy = oy * p->stride_h - p->pad_top + ky * p->dilation_h;     \
          for (int64_t kx = 0; iy >= 0 && iy < p->in_h && kx < p->kernel_w;    \
               ++kx) {                                                         \
            int64_t ix = ox * p->stride_w - p->pad_left + kx * p->dilation_w;  \
            if (ix >= 0 && ix < p->in_w && in[iy * p->in_w + ix] > best)       \
              best = in[iy * p->in_w + ix];                                    \
          }                                                                    \
        }                                                                      \
        out[oy * p->out_w + ox] = best;                                        \
      }                                                                        \
  }                                                                            \
  static void max_pool_plane_##SUFFIX(const pat_pool2d_params *p, const T *in, \
                                      T *out, T *colmax, int64_t oy0,          \
                                      int64_t oy1) {                           \
    int64_t lo, hi;                                                            \
    inner_columns(p, &lo, &hi);                                                \
    for (int64_t oy = oy0; oy < oy1; ++oy) {                                   \
      T *o = out + oy * p->out_w;                                              \
      int rows = 0;                                                            \
      for (int64_t ky = 0; ky < p->kernel_h; ++ky) {                           \
        int64_t iy = oy * p->stride_h - p->pad_top + ky * p->dilation_h;       \
        if (iy < 0 || iy >= p->in_h)                                           \
          continue;                                                            \
        const T *row = in + iy * p->in_w;                                      \
        if (rows++ == 0)                                                       \
          for (int64_t x = 0; x < p->in_w; ++x)                                \
            colmax[x] = row[x];                                                \
        else                                                                   \
          for (int64_t x = 0; x < p->in_w; ++x)                                \
            colmax[x] = row[x] > colmax[x] ? row[x] : colmax[x];               \
      }                                                                        \
      if (!rows) {                                                             \
        for (int64_t ox = 0; ox < p->out_w; ++ox)                              \
          o[ox] = LOWEST;                                                      \
        continue;                                                              \
      }                                                                        \
      /* Border columns [0, lo) and [hi, out_w): windows that reach        \
       * outside the row. */                                                   \
      const int64_t border[2][2] = {{0, lo}, {hi, p->out_w}};                  \
      for (int side = 0; side < 2; ++side)                                     \
        for (int64_t ox = border[side][0]; ox < border[side][1]; ++ox) {       \
          T best = LOWEST;                                                     \
          for (int64_t kx = 0; kx < p->kernel_w; ++kx) {                       \
            int64_t ix = ox * p->stride_w - p->pad_left + kx * p->dilation_w;  \
            if (ix >= 0 && ix < p->in_w)                                       \
              best = colmax[ix] > best ? colmax[ix] : best;                    \
          }                                                                    \
          o[ox] = best;                                                        \
        }                                                                      \
      /* Inner columns; ResNet's 3-wide window unrolled so it vectorises. */   \
      const T *c = colmax - p->pad_left;                                       \
      int64_t s = p->stride_w;                                                 \
      if (p->kernel_w == 3 && p->dilation_w == 1) {                            \
        int64_t ox = s == 2 ? max3_stride2_##SUFFIX(c, o, lo, hi, LOWEST) : lo; \
        for (; ox < hi; ++ox) {                                                \
          T m = LOWEST;                                                        \
          m = c[ox * s] > m ? c[ox * s] : m;                                   \
          m = c[ox * s + 1] > m ? c[ox * s + 1] : m;                           \
          o[ox] = c[ox * s + 2] > m ? c[ox * s + 2] : m;                       \
        }                                                                      \
      } else {                                                                 \
        for (int64_t ox = lo; ox < hi; ++ox) {                                 \
          T best = LOWEST;                                                     \
          for (int64_t kx = 0; kx < p->kernel_w; ++kx) {                       \
            T v = c[ox * s + kx * p->dilation_w];                              \
            best = v > best ? v : best;                                        \
          }                                                                    \
          o[ox] = best;                                                        \
        }                                                                      \
      }                                                                        \
    }                                                                          \
  }                                                                            \
  /* Items [begin, end) of max_pool_bands: row band major, plane minor. */    \
  static void max_pool_items_##SUFFIX(void *arg, int64_t begin, int64_t end,   \
                                      int tid) {                               \
    const pool_job *job = (const pool_job *)arg;                               \
    const pat_pool2d_params *p = job->p;                                       \
    T *colmax = (size_t)p->in_w * sizeof(T) <= job->ctx->scratch_bytes         \
                    ? (T *)pat_scratch(job->ctx, tid)                          \
                    : NULL;                                                    \
    int64_t planes = p->batch * p->channels;                                   \
    const int subsample = is_subsample(p), plain_2x2 = is_plain_2x2(p);       \
    for (int64_t item = begin; item < end; ++item) {                           \
      int64_t plane = item % planes, band = item / planes;                     \
      int64_t oy0 = p->out_h * band / job->bands;                              \
      int64_t oy1 = p->out_h * (band + 1) / job->bands;                        \
      const T *in = (const T *)job->in + plane * p->in_h * p->in_w;            \
      T *out = (T *)job->out + plane * p->out_h * p->out_w;                    \
      if (subsample) {                                                         \
        for (int64_t oy = oy0; oy < oy1; ++oy) {                               \
          const T *r = in + oy * p->stride_h * p->in_w;                        \
          T *o = out + oy * p->out_w;                                          \
          for (int64_t ox = 0; ox < p->out_w; ++ox)                            \
            o[ox] = r[ox * p->stride_w];                                       \
        }                                                                      \
        continue;                                                              \
      }                                                                        \
      if (plain_2x2) {                                                         \
        /* The common VGG/ResNet case, branch-free. */                         \
        for (int64_t oy = oy0; oy < oy1; ++oy) {                               \
          const T *r0 = in + 2 * oy * p->in_w, *r1 = r0 + p->in_w;             \
          T *o = out + oy * p->out_w;                                          \
          for (int64_t ox = max2x2_##SUFFIX(r0, r1, o, p->out_w);              \
               ox < p->out_w; ++ox) {                                          \
            T a = r0[2 * ox] > r0[2 * ox + 1] ? r0[2 * ox] : r0[2 * ox + 1];   \
            T b = r1[2 * ox] > r1[2 * ox + 1] ? r1[2 * ox] : r1[2 * ox + 1];   \
            o[ox] = a > b ? a : b;                                             \
          }                                                                    \
        }                                                                      \
        continue;                                                              \
      }                                                                        \
      if (colmax)                                                              \
        max_pool_plane_##SUFFIX(p, in, out, colmax, oy0, oy1);                 \
      else                                                                     \
        max_pool_windows_##SUFFIX(p, in, out, oy0, oy1);                       \
    }                                                                          \
  }                                                                            \
  void pat_max_pool2d_##SUFFIX(pat_ctx *ctx, const pat_pool2d_params *p,       \
                               const T *in, T *out) {                          \
    pool_job job = {ctx, p, in, out, max_pool_bands(ctx, p)};                  \
    pat_parallel_for(ctx, job.bands * p->batch * p->channels, 1,              \
                     max_pool_items_##SUFFIX, &job);                           \
  }

PAT_DEFINE_MAX_POOL(f32, float, -INFINITY)
PAT_DEFINE_MAX_POOL(u8, uint8_t, 0)

typedef struct indices_job {
  const pat_pool2d_params *p;
  const float *in;
  float *out;
  int64_t *indices;
  int32_t column_major;
} indices_job;

static void max_pool_indices_planes(void *arg, int64_t begin, int64_t end,
                                    int tid) {
  const indices_job *job = (const indices_job *)arg;
  const pat_pool2d_params *p = job->p;
  int64_t in_plane = p->in_h * p->in_w, out_plane = p->out_h * p->out_w;
  for (int64_t plane = begin; plane < end; ++plane) {
    const float *in = job->in + plane * in_plane;
    for (int64_t oy = 0; oy < p->out_h; ++oy)
      for (int64_t ox = 0; ox < p->out_w; ++ox) {
        float best = -FLT_MAX;
        int64_t best_at = -1;
        for (int64_t ky = 0; ky < p->kernel_h; ++ky) {
          int64_t iy = oy * p->stride_h - p->pad_top + ky * p->dilation_h;
          for (int64_t kx = 0; iy >= 0 && iy < p->in_h && kx < p->kernel_w; ++kx) {
            int64_t ix = ox * p->stride_w - p->pad_left + kx * p->dilation_w;
            if (ix >= 0 && ix < p->in_w && (best_at < 0 || in[iy * p->in_w + ix] > best)) {
              best = in[iy * p->in_w + ix];
              best_at = iy * p->in_w + ix;
            }
          }
        }
        job->out[plane * out_plane + oy * p->out_w + ox] = best;
        /* Flat index into the whole input: NCHW, or N, C, W, H order. */
        int64_t y = best_at / p->in_w, x = best_at % p->in_w;
        job->indices[plane * out_plane + oy * p->out_w + ox] =
            plane * in_plane +
            (job->column_major ? x * p->in_h + y : best_at);
      }
  }
}

void pat_max_pool2d_indices_f32(pat_ctx *ctx, const pat_pool2d_params *p,
                                const float *in, float *out, int64_t *indices,
                                int32_t column_major) {
  indices_job job = {p, in, out, indices, column_major};
  pat_parallel_for(ctx, p->batch * p->channels, 1, max_pool_indices_planes,
                   &job);
}

static void avg_pool_planes(void *arg, int64_t begin, int64_t end, int tid) {
  const pool_job *job = (const pool_job *)arg;
  const pat_pool2d_params *p = job->p;
  for (int64_t plane = begin; plane < end; ++plane) {
    const float *in = (const float *)job->in + plane * p->in_h * p->in_w;
    float *out = (float *)job->out + plane * p->out_h * p->out_w;
    for (int64_t oy = 0; oy < p->out_h; ++oy)
      for (int64_t ox = 0; ox < p->out_w; ++ox) {
        int64_t y0 = oy * p->stride_h - p->pad_top;
        int64_t x0 = ox * p->stride_w - p->pad_left;
        float sum = 0.f;
        int64_t count = 0;
        for (int64_t ky = 0; ky < p->kernel_h; ++ky)
          for (int64_t kx = 0; kx < p->kernel_w; ++kx) {
            int64_t iy = y0 + ky, ix = x0 + kx;
            if (iy >= 0 && iy < p->in_h && ix >= 0 && ix < p->in_w) {
              sum += in[iy * p->in_w + ix];
              ++count;
            }
          }
        if (p->count_include_pad) {
          /* The window counts its padded cells but not what lies beyond
           * the explicit padding (ceil_mode overhang). */
          int64_t ylo = y0 < -p->pad_top ? -p->pad_top : y0;
          int64_t xlo = x0 < -p->pad_left ? -p->pad_left : x0;
          int64_t yhi = y0 + p->kernel_h, xhi = x0 + p->kernel_w;
          if (yhi > p->in_h + p->pad_bottom)
            yhi = p->in_h + p->pad_bottom;
          if (xhi > p->in_w + p->pad_right)
            xhi = p->in_w + p->pad_right;
          count = (yhi - ylo) * (xhi - xlo);
        }
        out[oy * p->out_w + ox] = count > 0 ? sum / (float)count : 0.f;
      }
  }
}

void pat_avg_pool2d_f32(pat_ctx *ctx, const pat_pool2d_params *p,
                        const float *in, float *out) {
  pool_job job = {ctx, p, in, out};
  pat_parallel_for(ctx, p->batch * p->channels, 1, avg_pool_planes, &job);
}

typedef struct global_job {
  int64_t plane_size;
  const float *in;
  float *out;
  int is_max;
} global_job;

static void global_planes(void *arg, int64_t begin, int64_t end, int tid) {
  const global_job *job = (const global_job *)arg;
  for (int64_t plane = begin; plane < end; ++plane) {
    const float *in = job->in + plane * job->plane_size;
    if (job->is_max) {
      float best = -FLT_MAX;
      for (int64_t i = 0; i < job->plane_size; ++i)
        best = in[i] > best ? in[i] : best;
      job->out[plane] = best;
    } else {
      float lanes[8] = {0};
      int64_t i = 0;
      for (; i + 8 <= job->plane_size; i += 8)
        for (int l = 0; l < 8; ++l)
          lanes[l] += in[i + l];
      float sum = 0.f;
      for (int l = 0; l < 8; ++l)
        sum += lanes[l];
      for (; i < job->plane_size; ++i)
        sum += in[i];
      job->out[plane] = sum / (float)job->plane_size;
    }
  }
}

void pat_global_avg_pool_f32(pat_ctx *ctx, int64_t planes, int64_t plane_size,
                             const float *in, float *out) {
  global_job job = {plane_size, in, out, 0};
  pat_parallel_for(ctx, planes, 16, global_planes, &job);
}

void pat_global_max_pool_f32(pat_ctx *ctx, int64_t planes, int64_t plane_size,
                             const float *in, float *out) {
  global_job job = {plane_size, in, out, 1};
  pat_parallel_for(ctx, planes, 16, global_planes, &job);
}
