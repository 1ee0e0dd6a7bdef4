/*===- conv_pattern.c - Driver and generic kernel of pattern convs ---------===
 *
 * Part of patc. Work items are (image, row unit, filters), filters innermost
 * so that a thread's consecutive items reuse the same input rows from
 * cache. Row units are tiles of tile_rows interior rows (every tap row
 * inside the image), run tile_filters filters at a time, and single rows
 * (the rest, borders included), run one filter at a time. With column
 * strips (PAT_PCONV_COPY_STRIPS) a work item is a whole row unit instead:
 * its input rows are copied as strips, then all filters run strip by strip.
 * Flat tiles (small maps) get one item per filter group. Channel-major
 * tiles (stride 1 or 2) have their own driver, conv_pattern_channels.c.
 *
 *===----------------------------------------------------------------------===*/

#include "conv_pattern_internal.h"

#include <math.h>
#include <string.h>

void pat_pattern_conv2d_rows_generic(const pat_pconv_layer *l,
                                     const float *image,
                                     const float *residual_plane, float *plane,
                                     int64_t f, int64_t oy0, int64_t oy1) {
  const pat_conv2d_params *p = &l->conv;
  int64_t plane_in = p->in_h * p->in_w, P = l->num_patterns;
  float b = l->bias ? l->bias[l->reorder[f]] : 0.f;
  for (int64_t oy = oy0; oy < oy1; ++oy) {
    float *row = plane + oy * p->out_w;
    for (int64_t x = 0; x < p->out_w; ++x)
      row[x] = b;
    const float *w = l->weights + l->weight_start[f];
    for (int64_t pat = 0; pat < P; ++pat) {
      uint64_t mask = l->masks[pat];
      for (int32_t k = l->stride[f * (P + 1) + pat];
           k < l->stride[f * (P + 1) + pat + 1]; ++k) {
        const float *chan = image + (int64_t)l->index[k] * plane_in;
        for (int64_t t = 0; t < p->kernel_h * p->kernel_w; ++t) {
          if (!((mask >> t) & 1))
            continue;
          float wt = *w++;
          int64_t ky = t / p->kernel_w, kx = t % p->kernel_w;
          int64_t iy = oy * p->stride_h - p->pad_top + ky * p->dilation_h;
          if (iy < 0 || iy >= p->in_h)
            continue;
          int64_t ix0 = kx * p->dilation_w - p->pad_left, s = p->stride_w;
          /* ox is in the image iff 0 <= ix0 + ox * s < in_w. */
          int64_t lo = ix0 >= 0 ? 0 : (-ix0 + s - 1) / s;
          int64_t hi = p->in_w - ix0 <= 0 ? 0 : (p->in_w - ix0 + s - 1) / s;
          if (hi > p->out_w)
            hi = p->out_w;
          const float *src = chan + iy * p->in_w + ix0;
          for (int64_t ox = lo; ox < hi; ++ox)
            row[ox] += wt * src[ox * s];
        }
      }
    }
    if (residual_plane)
      for (int64_t x = 0; x < p->out_w; ++x)
        row[x] += residual_plane[oy * p->out_w + x];
    if (p->act.kind != PAT_ACT_NONE)
      pat_activation_f32(row, row, p->out_w, p->act);
  }
}

typedef struct pconv_job {
  pat_ctx *ctx;
  const pat_pconv_layer *l;
  const float *input; /* the batch's images, or one image's column phases */
  const float *residual; /* laid out as output, or NULL */
  float *output;
  int64_t filters, tiles, oy_lo, oy_hi;
  int64_t rest_rows;    /* rows of the one rest tile after the tiles, or 0 */
  int64_t covered_hi;   /* first row after the tiles (and the rest tile) */
  int64_t singles;      /* one-row items per filter: above oy_lo, from covered_hi */
  int64_t tile_filters; /* filters per row-tile work item */
  int64_t tile_items;   /* row-tile work items per image */
  int use_tiles;
  int striped; /* PAT_PCONV_COPY_STRIPS: items are whole row units */
  int64_t units;     /* with strips: the row-tile units (tiles, rest tile) */
  int64_t per_image; /* work items per image */
} pconv_job;

/* Output and residual planes and biases of storage filters [f, f + nf) of
 * one image, whose output is `out_image` ([out_c][out_h][out_w]) and
 * residual `res_image` (the same layout, or NULL). */
static void set_filters(const pat_pconv_layer *l, pat_pconv_tile_args *a,
                        float *out_image, const float *res_image, int64_t f,
                        int64_t nf) {
  const pat_conv2d_params *p = &l->conv;
  a->filter = f;
  for (int64_t i = 0; i < nf; ++i) {
    int32_t o = l->reorder[f + i];
    a->output[i] = out_image + o * p->out_h * p->out_w;
    a->residual[i] = res_image ? res_image + o * p->out_h * p->out_w : NULL;
    a->bias[i] = l->bias ? l->bias[o] : 0.f;
  }
}

/* The layer's activation over rows [oy, oy + rows) of the first nf output
 * planes of `a`, unless the tiles applied it already. */
static void finish_rows(const pat_pconv_layer *l, const pat_pconv_tile_args *a,
                        int64_t nf, int64_t oy, int64_t rows) {
  const pat_conv2d_params *p = &l->conv;
  if (p->act.kind == PAT_ACT_NONE || l->tiles_apply_act)
    return;
  for (int64_t i = 0; i < nf; ++i)
    pat_activation_f32(a->output[i] + oy * p->out_w,
                       a->output[i] + oy * p->out_w, rows * p->out_w, p->act);
}

/* Image b's residual ([out_c][out_h][out_w]), or NULL. In the stride-2
 * path job->output and job->residual already point at the current image and
 * b is 0. */
static const float *residual_image(const pconv_job *job, int64_t b) {
  const pat_conv2d_params *p = &job->l->conv;
  return job->residual ? job->residual + b * out_image_floats(p) : NULL;
}

/* Runs a generated tile over rows [oy, oy + rows) of storage filters
 * [f, f + nf), column block by column block. */
static void run_tiles(const pconv_job *job, int64_t b, int64_t f, int64_t nf,
                      int64_t oy, int64_t rows, pat_pconv_tile_fn fn) {
  const pat_pconv_layer *l = job->l;
  const pat_conv2d_params *p = &l->conv;
  pat_pconv_tile_args a;
  a.input = job->input + b * in_image_floats(p);
  set_filters(l, &a, job->output + b * out_image_floats(p),
              residual_image(job, b), f, nf);
  a.oy = oy;
  int64_t vecs = l->tile_vecs, s = p->stride_w, base = l->tile_base_vecs;
  int64_t span = vecs * PV_LANES;
  for (int64_t ox = 0; ox < p->out_w; ox += span) {
    a.ox = ox;
    for (int64_t v = 0; v < vecs; ++v) {
      int64_t cols = p->out_w - (ox + v * PV_LANES);
      a.store_mask[v] = PM_FIRST(cols < 0 ? 0 : cols);
    }
    for (int64_t r = 0; r < s; ++r)
      for (int64_t u = 0; u < base; ++u) {
        /* Lane i reads input column x0 + i * s. */
        int64_t x0 = ox * s - p->pad_left + r + u * PV_LANES * s;
        int64_t lo = x0 >= 0 ? 0 : (-x0 + s - 1) / s;
        int64_t hi = p->in_w - x0 <= 0 ? 0 : (p->in_w - x0 + s - 1) / s;
        PM m = PM_RANGE(lo, hi);
        if (rows > 1) {
          a.load_mask[r * base + u] = m;
          continue;
        }
        for (int64_t ky = 0; ky < p->kernel_h; ++ky) {
          int64_t iy = oy * p->stride_h - p->pad_top + ky * p->dilation_h;
          a.load_mask[(ky * s + r) * base + u] =
              iy >= 0 && iy < p->in_h ? m : PM_FIRST(0);
        }
      }
    fn(l, &a);
  }
  finish_rows(l, &a, nf, oy, rows);
}

/* Column strips (PAT_PCONV_COPY_STRIPS). A strip band holds, per channel
 * c and strip s, at (c * strip_count + s) * strip_band_rows * pitch, the
 * input rows a unit of output rows reads, strip s's columns of each. */
static int64_t strip_pitch(const pat_pconv_layer *l) {
  return l->tile_vecs * PV_LANES + (l->conv.kernel_w - 1) * l->conv.dilation_w;
}

static int64_t strip_count(const pat_pconv_layer *l) {
  int64_t span = l->tile_vecs * PV_LANES;
  return (l->conv.out_w + span - 1) / span;
}

static int64_t strip_band_rows(const pat_pconv_layer *l, int64_t rows) {
  const pat_conv2d_params *p = &l->conv;
  return (rows - 1) * p->stride_h + (p->kernel_h - 1) * p->dilation_h + 1;
}

/* Whether a thread's scratch holds the strip band of the biggest unit. */
static int strips_fit(const pat_ctx *ctx, const pat_pconv_layer *l) {
  const pat_conv2d_params *p = &l->conv;
  size_t floats = (size_t)(p->in_c * strip_count(l) *
                           strip_band_rows(l, l->tile_rows) * strip_pitch(l));
  return floats * sizeof(float) <= ctx->scratch_bytes;
}

/* Copies into `band` (strips of `rows` rows) the input rows [iy0, iy0 + n)
 * of `image` (zero outside the image) as column strips. */
static void copy_strip_band(const pat_pconv_layer *l, const float *image,
                            float *band, int64_t rows, int64_t iy0,
                            int64_t n) {
  const pat_conv2d_params *p = &l->conv;
  int64_t pitch = strip_pitch(l), count = strip_count(l);
  int64_t span = l->tile_vecs * PV_LANES;
  /* Input row by input row (sequential reads the hardware prefetcher
   * follows), strip by strip. */
  for (int64_t c = 0; c < p->in_c; ++c)
    for (int64_t r = 0; r < n; ++r) {
      int64_t iy = iy0 + r;
      int inside = iy >= 0 && iy < p->in_h;
      const float *row = image + (c * p->in_h + (inside ? iy : 0)) * p->in_w;
      /* Each channel's rows are a short stream (a few KB) the hardware
       * prefetcher barely trains on: fetch the same row two channels
       * ahead. */
      if (inside && c + 2 < p->in_c)
        for (int64_t b = 0; b < p->in_w * 4; b += 64)
          PV_PREFETCH((const char *)(row + 2 * p->in_h * p->in_w) + b);
      for (int64_t s = 0; s < count; ++s) {
        float *dst = band + ((c * count + s) * rows + r) * pitch;
        if (!inside) {
          memset(dst, 0, (size_t)pitch * sizeof(float));
          continue;
        }
        /* Columns x0 + j of the input, of which [lo, hi) are in the image.
         * Vector by vector: a strip row is a few vectors, too short for
         * memcpy's call; masked-off lanes (outside the image or the strip
         * row) are neither read nor written. */
        int64_t x0 = s * span - p->pad_left;
        int64_t lo = x0 < 0 ? -x0 : 0, hi = p->in_w - x0;
        for (int64_t j = 0; j < pitch; j += PV_LANES) {
          PV v = j >= lo && j + PV_LANES <= hi
                     ? PV_LOADU(row + x0 + j)
                     : PV_LOADM(row + x0 + j, PM_RANGE(lo - j, hi - j));
          if (j + PV_LANES <= pitch)
            PV_STOREU(dst + j, v);
          else
            PV_STOREM(dst + j, v, PM_RANGE(0, pitch - j));
        }
      }
    }
}

/* Output rows [oy, oy + rows) of all filters of image b with column
 * strips: the unit's strip band is copied into the thread's scratch (it
 * stays in the core's L2), then every filter group runs over one strip
 * before the next, so each strip's band is reused from the L1 / L2. */
static void run_strip_unit(const pconv_job *job, int tid, int64_t b,
                           int64_t oy, int64_t rows, pat_pconv_tile_fn fn) {
  const pat_pconv_layer *l = job->l;
  const pat_conv2d_params *p = &l->conv;
  float *band = (float *)pat_scratch(job->ctx, tid);
  int64_t pitch = strip_pitch(l), count = strip_count(l);
  int64_t band_rows = strip_band_rows(l, l->tile_rows);
  int64_t span = l->tile_vecs * PV_LANES, base = l->tile_base_vecs;
  int64_t iy0 = oy * p->stride_h - p->pad_top;
  copy_strip_band(l, job->input + b * in_image_floats(p), band,
                  band_rows, iy0, strip_band_rows(l, rows));
  float *out_image = job->output + b * out_image_floats(p);
  const float *res_image = residual_image(job, b);
  int64_t nf = rows > 1 ? job->tile_filters : 1;
  pat_pconv_tile_args a;
  a.oy = oy;
  for (int64_t s = 0; s < count; ++s) {
    a.ox = s * span;
    a.input = band + s * band_rows * pitch;
    for (int64_t v = 0; v < l->tile_vecs; ++v) {
      int64_t cols = p->out_w - (a.ox + v * PV_LANES);
      a.store_mask[v] = PM_FIRST(cols < 0 ? 0 : cols);
    }
    /* Each load stays in its strip row; one-row tiles skip the tap rows
     * outside the image. */
    for (int64_t u = 0; u < base; ++u) {
      PM m = PM_RANGE(0, pitch - u * PV_LANES);
      if (rows > 1) {
        a.load_mask[u] = m;
        continue;
      }
      for (int64_t ky = 0; ky < p->kernel_h; ++ky) {
        int64_t iy = iy0 + ky * p->dilation_h;
        a.load_mask[ky * base + u] = iy >= 0 && iy < p->in_h ? m : PM_FIRST(0);
      }
    }
    for (int64_t f = 0; f < job->filters; f += nf) {
      set_filters(l, &a, out_image, res_image, f, nf);
      fn(l, &a);
    }
  }
  for (int64_t f = 0; f < job->filters; f += nf) {
    set_filters(l, &a, out_image, res_image, f, nf);
    finish_rows(l, &a, nf, oy, rows);
  }
}

/* Per image: job->tile_items row-tile items (tile unit major, filter group
 * minor; the last unit is the rest tile if there is one), then one item per
 * (single row, filter). With column strips: one item per unit (the row
 * tiles, the rest tile, then the single rows), all filters. */
static void pconv_tasks(void *arg, int64_t begin, int64_t end, int tid) {
  const pconv_job *job = (const pconv_job *)arg;
  const pat_pconv_layer *l = job->l;
  const pat_conv2d_params *p = &l->conv;
  for (int64_t t = begin; t < end; ++t) {
    int64_t b = t / job->per_image, item = t % job->per_image;
    if (job->striped) {
      /* One item per unit: the row tiles, the rest tile, single rows. */
      if (item < job->tiles)
        run_strip_unit(job, tid, b, job->oy_lo + item * l->tile_rows,
                       l->tile_rows, l->tile);
      else if (item < job->units)
        run_strip_unit(job, tid, b, job->oy_lo + item * l->tile_rows,
                       job->rest_rows, l->tile_rest);
      else {
        int64_t i = item - job->units;
        int64_t oy = i < job->oy_lo ? i : job->covered_hi + (i - job->oy_lo);
        run_strip_unit(job, tid, b, oy, 1, l->tile_row);
      }
      continue;
    }
    if (item < job->tile_items) {
      int64_t groups = job->filters / job->tile_filters;
      int64_t f = item % groups * job->tile_filters, unit = item / groups;
      int64_t oy = job->oy_lo + unit * l->tile_rows;
      if (unit < job->tiles)
        run_tiles(job, b, f, job->tile_filters, oy, l->tile_rows, l->tile);
      else
        run_tiles(job, b, f, job->tile_filters, oy, job->rest_rows,
                  l->tile_rest);
      continue;
    }
    item -= job->tile_items;
    int64_t f = item % job->filters, i = item / job->filters;
    /* Single rows: those above the tiles, then those below. */
    int64_t oy = i < job->oy_lo ? i : job->covered_hi + (i - job->oy_lo);
    if (job->use_tiles) {
      run_tiles(job, b, f, 1, oy, 1, l->tile_row);
    } else {
      const float *image = job->input + b * in_image_floats(p);
      int64_t at = (b * p->out_c + l->reorder[f]) * p->out_h * p->out_w;
      pat_pattern_conv2d_rows_generic(
          l, image, job->residual ? job->residual + at : NULL,
          job->output + at, f, oy, oy + 1);
    }
  }
}

void pat_pconv_phase_copy_tasks(void *arg, int64_t begin, int64_t end,
                                int tid) {
  const phase_job *job = (const phase_job *)arg;
  const pat_conv2d_params *p = job->p;
  int64_t pitch = phase_pitch(p);
  (void)tid;
  for (int64_t c = begin; c < end; ++c)
    for (int64_t q = 0; q < 2; ++q)
      for (int64_t y = 0; y < p->in_h; ++y) {
        const float *src = job->image + (c * p->in_h + y) * p->in_w + q;
        float *dst = job->phases + ((c * 2 + q) * p->in_h + y) * pitch;
        int64_t n = (p->in_w - q + 1) / 2; /* columns q, q + 2, ... */
        for (int64_t j = 0; j < n; ++j)
          dst[j] = src[2 * j];
        for (int64_t j = n; j < pitch; ++j)
          dst[j] = 0.f;
      }
}

/* Whether the scratch holds the column phases of one image. */
static int phases_fit(const pat_ctx *ctx, const pat_conv2d_params *p) {
  return phase_copy_floats(p) * sizeof(float) <=
         ctx->scratch_bytes * (size_t)ctx->num_threads;
}

/* Flat tiles: the zero-padded copy of one image, then whole output planes
 * of tile_filters filters per work item (flat_job). */

/* Padded columns and rows the taps read (the copy's extent). */
static int64_t flat_cols(const pat_conv2d_params *p) {
  return (p->out_w - 1) * p->stride_w + (p->kernel_w - 1) * p->dilation_w + 1;
}
static int64_t flat_rows(const pat_conv2d_params *p) {
  return (p->out_h - 1) * p->stride_h + (p->kernel_h - 1) * p->dilation_h + 1;
}

/* Channel c of the flat copy (see pat_pconv_layer::flat_tile) when
 * stride_w is 2: each padded row loaded once and split into its two column
 * phases in registers (PV_EVEN, PV_ODD), and every float of the channel's
 * phases stored once, zeros included (a memset per phase and a copy per
 * phase row had made the copy 18% of a 512-channel 14 -> 7 layer). */
static void flat_pad_channel_cols2(const flat_job *job, int64_t c) {
  const pat_pconv_layer *l = job->l;
  const pat_conv2d_params *p = &l->conv;
  int64_t sh = p->stride_h, pitch = l->flat_pitch, rows = flat_rows(p);
  int64_t phase_floats = l->flat_phase_floats;
  /* Padded columns [q_lo, q_hi) hold input columns from 0 (the others,
   * padding or past the copy's extent, are zero). */
  int64_t q_lo = p->pad_left, q_hi = p->pad_left + p->in_w;
  if (q_hi > flat_cols(p))
    q_hi = flat_cols(p);
  const float *src = job->image + c * p->in_h * p->in_w;
  float *chan = job->padded + c * sh * 2 * phase_floats;
  const PV zero = PV_SET1(0.f);
  for (int64_t ry = 0; ry < sh; ++ry) {
    float *even = chan + ry * 2 * phase_floats, *odd = even + phase_floats;
    int64_t i = 0;
    for (; i * sh + ry < rows; ++i) {
      int64_t iy = i * sh + ry - p->pad_top;
      int inside = iy >= 0 && iy < p->in_h;
      /* Padded column q of this row: row[q]. */
      const float *row = src + iy * p->in_w - p->pad_left;
      for (int64_t j = 0; j < pitch; j += PV_LANES) {
        PV e = zero, o = zero;
        if (inside) {
          int64_t q = 2 * j, q2 = q + PV_LANES;
          PV lo = PV_LOADM(row + q, PM_RANGE(q_lo - q, q_hi - q));
          PV hi = PV_LOADM(row + q2, PM_RANGE(q_lo - q2, q_hi - q2));
          e = PV_EVEN(lo, hi);
          o = PV_ODD(lo, hi);
        }
        PM m = PM_RANGE(0, pitch - j);
        PV_STOREM(even + i * pitch + j, e, m);
        PV_STOREM(odd + i * pitch + j, o, m);
      }
    }
    for (int64_t k = i * pitch; k < phase_floats; k += PV_LANES) {
      PM m = PM_RANGE(0, phase_floats - k);
      PV_STOREM(even + k, zero, m);
      PV_STOREM(odd + k, zero, m);
    }
  }
}

/* Writes the zero-padded, phase-split copy of channels [begin, end) that
 * the flat tiles read (see pat_pconv_layer::flat_tile): stride_w 2 through
 * flat_pad_channel_cols2, the others below. The column range of
 * each phase is worked out once per phase, not per row: with 7- and
 * 14-wide maps the row copies are a few floats, and three integer
 * divisions per row were most of this function's time. */
void pat_pconv_flat_pad_tasks(void *arg, int64_t begin, int64_t end,
                              int tid) {
  const flat_job *job = (const flat_job *)arg;
  const pat_pconv_layer *l = job->l;
  const pat_conv2d_params *p = &l->conv;
  int64_t sh = p->stride_h, sw = p->stride_w, pitch = l->flat_pitch;
  int64_t cols = flat_cols(p), rows = flat_rows(p);
  (void)tid;
  if (sw == 2) {
    for (int64_t c = begin; c < end; ++c)
      flat_pad_channel_cols2(job, c);
    return;
  }
  for (int64_t rx = 0; rx < sw; ++rx) {
    /* Phase columns j whose input column j * sw + x0 is inside the image
     * and the copy's extent. */
    int64_t x0 = rx - p->pad_left;
    int64_t lo = x0 >= 0 ? 0 : (-x0 + sw - 1) / sw;
    int64_t hi = (p->in_w - x0 + sw - 1) / sw;
    int64_t extent = (cols - rx + sw - 1) / sw;
    if (hi > extent)
      hi = extent;
    for (int64_t ry = 0; ry < sh; ++ry)
      for (int64_t c = begin; c < end; ++c) {
        const float *src = job->image + c * p->in_h * p->in_w;
        float *dst = job->padded +
                     ((c * sh + ry) * sw + rx) * (int64_t)l->flat_phase_floats;
        memset(dst, 0, (size_t)l->flat_phase_floats * sizeof(float));
        if (hi <= lo)
          continue;
        for (int64_t i = 0; i * sh + ry < rows; ++i) {
          int64_t iy = i * sh + ry - p->pad_top;
          if (iy < 0 || iy >= p->in_h)
            continue;
          const float *in = src + iy * p->in_w + x0;
          float *out = dst + i * pitch;
          if (sw == 1)
            memcpy(out + lo, in + lo, (size_t)(hi - lo) * sizeof(float));
          else /* 3 and more */
            for (int64_t j = lo; j < hi; ++j)
              out[j] = in[j * sw];
        }
      }
  }
}

static void flat_tasks(void *arg, int64_t begin, int64_t end, int tid) {
  const flat_job *job = (const flat_job *)arg;
  const pat_pconv_layer *l = job->l;
  const pat_conv2d_params *p = &l->conv;
  int64_t nf = l->tile_filters;
  (void)tid;
  for (int64_t g = begin; g < end; ++g) {
    pat_pconv_tile_args a;
    a.input = job->padded;
    set_filters(l, &a, job->output, job->residual, g * nf, nf);
    a.oy = a.ox = 0;
    l->flat_tile(l, &a);
    finish_rows(l, &a, nf, 0, p->out_h);
  }
}

static void run_flat(pat_ctx *ctx, const pat_pconv_layer *l,
                     const float *input, const float *residual,
                     float *output) {
  const pat_conv2d_params *p = &l->conv;
  flat_job job;
  job.l = l;
  job.padded = (float *)ctx->scratch; /* all threads' scratch, see patc */
  for (int64_t b = 0; b < p->batch; ++b) {
    job.image = input + b * in_image_floats(p);
    job.output = output + b * out_image_floats(p);
    job.residual = residual ? residual + b * out_image_floats(p) : NULL;
    pat_parallel_for(ctx, p->in_c, 16, pat_pconv_flat_pad_tasks, &job);
    pat_parallel_for(ctx, p->out_c / l->tile_filters, 1, flat_tasks, &job);
  }
}

/* Whether the flat tile's padded copy fits the scratch and its geometry
 * agrees with the layer (patc guarantees both; a hand-written layer could
 * get them wrong). */
int pat_pconv_flat_copy_ok(const pat_pconv_layer *l) {
  const pat_conv2d_params *p = &l->conv;
  int64_t sh = p->stride_h, sw = p->stride_w;
  if (sh < 1 || sw < 1)
    return 0;
  int64_t pitch = (flat_cols(p) + sw - 1) / sw;
  int64_t phase_rows = (flat_rows(p) + sh - 1) / sh;
  return l->flat_pitch == pitch &&
         (int64_t)l->flat_phase_floats >= phase_rows * pitch;
}

static int flat_usable(const pat_ctx *ctx, const pat_pconv_layer *l) {
  const pat_conv2d_params *p = &l->conv;
  if (!l->flat_tile || l->tile_filters < 1 ||
      l->tile_filters > PAT_PCONV_MAX_FILTERS || p->out_c % l->tile_filters)
    return 0;
  return pat_pconv_flat_copy_ok(l) &&
         flat_copy_floats(l) * sizeof(float) <=
             ctx->scratch_bytes * (size_t)ctx->num_threads;
}

void pat_pattern_conv2d_f32(pat_ctx *ctx, const pat_pconv_layer *l,
                            const float *input, const float *residual,
                            float *output) {
  const pat_conv2d_params *p = &l->conv;
  if (flat_usable(ctx, l)) {
    run_flat(ctx, l, input, residual, output);
    return;
  }
  if (pat_pconv_channels_usable(ctx, l)) {
    pat_pconv_run_channels(ctx, l, input, residual, output);
    return;
  }
  if (!l->stride) { /* linked with the channel-major arrays only */
    if (l->cm_stride && l->cm_filter && l->cm_weights) {
      pat_pconv_run_channels_generic(ctx, l, input, residual, output);
    } else { /* no weights at all: a malformed layer, visibly wrong */
      for (int64_t i = 0; i < p->batch * out_image_floats(p); ++i)
        output[i] = NAN;
    }
    return;
  }
  pconv_job job;
  job.ctx = ctx;
  job.l = l;
  job.input = input;
  job.residual = residual;
  job.output = output;
  job.filters = p->out_c;
  job.oy_lo = job.oy_hi = 0;
  job.tiles = 0;
  job.tile_filters = 1;
  /* patc only emits tiles within these limits; the check keeps a
   * hand-written layer from overrunning the mask table. Tiles made for
   * column phases need stride 2 and room for the phase copy. */
  int phased = l->tile_copy == PAT_PCONV_COPY_PHASES;
  int striped = l->tile_copy == PAT_PCONV_COPY_STRIPS;
  int phases_ok = phased    ? p->stride_w == 2 && phases_fit(ctx, p)
                  : striped ? p->stride_w == 1 && l->tile_rows >= 1 &&
                                  l->tile_vecs >= 1 && strips_fit(ctx, l)
                            : l->tile_copy == PAT_PCONV_COPY_NONE;
  job.use_tiles = l->tile_row && l->tile_vecs >= 1 &&
                  l->tile_vecs <= PAT_PCONV_MAX_VECS &&
                  l->tile_base_vecs >= l->tile_vecs &&
                  p->stride_w >= 1 && p->stride_w <= 2 &&
                  p->kernel_h * p->stride_w * l->tile_base_vecs <=
                      PAT_PCONV_MAX_MASKS &&
                  phases_ok;
  if (job.use_tiles && l->tile && l->tile_rows > 1) {
    /* Interior rows: every tap row of the kernel is inside the image. */
    int64_t top = p->pad_top, reach = (p->kernel_h - 1) * p->dilation_h;
    int64_t lo = (top + p->stride_h - 1) / p->stride_h;
    int64_t last = p->in_h - 1 + top - reach; /* oy * stride_h <= last */
    int64_t hi = last < 0 ? 0 : last / p->stride_h + 1;
    if (hi > p->out_h)
      hi = p->out_h;
    if (lo < hi) {
      job.oy_lo = lo;
      job.oy_hi = hi;
      job.tiles = (hi - lo) / l->tile_rows;
    }
  }
  if (job.tiles && l->tile_filters > 1 &&
      l->tile_filters <= PAT_PCONV_MAX_FILTERS &&
      job.filters % l->tile_filters == 0)
    job.tile_filters = l->tile_filters;
  else if (job.tiles && l->tile_filters != 1)
    job.tiles = 0; /* the row tile was generated for tile_filters filters */
  job.rest_rows = 0;
  if (job.tiles && l->tile_rest && l->tile_rest_rows >= 2 &&
      l->tile_rest_rows < l->tile_rows &&
      l->tile_rest_rows == (job.oy_hi - job.oy_lo) % l->tile_rows)
    job.rest_rows = l->tile_rest_rows;
  if (!job.tiles)
    job.oy_lo = job.oy_hi = 0;
  job.covered_hi = job.oy_lo + job.tiles * l->tile_rows + job.rest_rows;
  job.singles = job.oy_lo + (p->out_h - job.covered_hi);
  job.tile_items = (job.tiles + (job.rest_rows ? 1 : 0)) *
                   (job.filters / job.tile_filters);
  job.striped = job.use_tiles && striped;
  job.units = job.tiles + (job.rest_rows ? 1 : 0);
  job.per_image = job.striped ? job.units + job.singles
                              : job.tile_items + job.singles * job.filters;
  int64_t items = job.per_image;
  if (!(job.use_tiles && phased)) {
    pat_parallel_for(ctx, p->batch * items, 1, pconv_tasks, &job);
    return;
  }
  /* One image at a time: its column phases, then its tiles. */
  phase_job copy;
  copy.p = p;
  copy.phases = (float *)ctx->scratch; /* all threads' scratch, see patc */
  job.input = copy.phases;
  for (int64_t b = 0; b < p->batch; ++b) {
    copy.image = input + b * in_image_floats(p);
    pat_parallel_for(ctx, p->in_c, 16, pat_pconv_phase_copy_tasks, &copy);
    job.output = output + b * out_image_floats(p);
    job.residual = residual ? residual + b * out_image_floats(p) : NULL;
    pat_parallel_for(ctx, items, 1, pconv_tasks, &job);
  }
}
