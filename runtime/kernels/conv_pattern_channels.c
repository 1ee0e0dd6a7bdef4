/*===- conv_pattern_channels.c - Channel-major pattern conv driver --------===
 *
 * Part of patc. Runs a pattern conv with its channel-major tile
 * (pat_pconv_layer::cm_tile, docs/sparsity.md): per image the input copy
 * the tile reads, if any (the flat tiles' copy of small stride-2 maps;
 * the others read the image), then work items of every filter at once,
 * accumulating in an aligned block at the end of the thread's scratch.
 *
 *===----------------------------------------------------------------------===*/

#include "conv_pattern_internal.h"

#include <string.h>

/* Channel-major tiles (pat_pconv_layer::cm_tile): one work item per output
 * row of one image (PAT_PCONV_CM_ROWS), or per block of flat positions. */
typedef struct cm_job {
  pat_ctx *ctx;
  const pat_pconv_layer *l;
  const float *image;    /* this image (flat copies: what each copies) */
  float *output;         /* this image's output */
  const float *residual; /* this image's residual, or NULL */
} cm_job;

/* Points the job at image b of the layer's input, output and residual. */
static void cm_job_image(cm_job *job, int64_t b, const float *input,
                         const float *residual, float *output) {
  const pat_conv2d_params *p = &job->l->conv;
  job->image = input + b * in_image_floats(p);
  job->output = output + b * out_image_floats(p);
  job->residual = residual ? residual + b * out_image_floats(p) : NULL;
}

/* Bytes of a channel-major tile's accumulators (every filter's block),
 * rounded up to whole cache lines. */
static size_t cm_acc_bytes(const pat_pconv_layer *l) {
  size_t floats = (size_t)l->conv.out_c * (size_t)l->cm_vecs * PV_LANES;
  return (floats * sizeof(float) + 63) / 64 * 64;
}

/* Thread tid's accumulators: the end of its scratch, past its flat copy
 * (patc sizes each thread's scratch for both; pat_pconv_channels_usable
 * checks it). */
static float *cm_acc(pat_ctx *ctx, const pat_pconv_layer *l, int tid) {
  return (float *)((char *)pat_scratch(ctx, tid) + ctx->scratch_bytes -
                   cm_acc_bytes(l));
}

/* Fills the accumulators of a block with the bias and the residual:
 * vector v is at offs[v] in the output plane (y * out_w + x). */
static void cm_init_block(const cm_job *job, float *acc, const int64_t *offs,
                          const PM *masks) {
  const pat_pconv_layer *l = job->l;
  const pat_conv2d_params *p = &l->conv;
  int64_t plane = p->out_h * p->out_w, span = l->cm_vecs * PV_LANES;
  for (int64_t o = 0; o < p->out_c; ++o) {
    PV b = PV_SET1(l->bias ? l->bias[o] : 0.f);
    const float *res = job->residual ? job->residual + o * plane : NULL;
    for (int64_t v = 0; v < l->cm_vecs; ++v)
      PV_STOREU(acc + o * span + v * PV_LANES,
                res ? PV_ADD(b, PV_LOADM(res + offs[v], masks[v])) : b);
  }
}

/* Stores the accumulators of a block, vector v at offs[v] in the output
 * plane, counts[v] floats of it (masks[v]), activation applied. */
static void cm_store_block(const cm_job *job, const float *acc,
                           const int64_t *offs, const int64_t *counts,
                           const PM *masks) {
  const pat_pconv_layer *l = job->l;
  const pat_conv2d_params *p = &l->conv;
  int64_t plane = p->out_h * p->out_w, span = l->cm_vecs * PV_LANES;
  int relu = p->act.kind == PAT_ACT_RELU;
  int other = !relu && p->act.kind != PAT_ACT_NONE;
  for (int64_t o = 0; o < p->out_c; ++o) {
    float *dst = job->output + o * plane;
    for (int64_t v = 0; v < l->cm_vecs; ++v) {
      PV x = PV_LOADU(acc + o * span + v * PV_LANES);
      PV_STOREM(dst + offs[v], relu ? PV_MAX0(x) : x, masks[v]);
      if (other && counts[v] > 0)
        pat_activation_f32(dst + offs[v], dst + offs[v], counts[v], p->act);
    }
  }
}

/* A block of consecutive vectors from `offset` in the output plane, of
 * which the first `count` floats are outputs: each vector's offset, count
 * and mask. */
static void cm_contiguous_block(const pat_pconv_layer *l, int64_t offset,
                                int64_t count, int64_t *offs, int64_t *counts,
                                PM *masks) {
  for (int64_t v = 0; v < l->cm_vecs; ++v) {
    int64_t n = count - v * PV_LANES;
    n = n < 0 ? 0 : n > PV_LANES ? PV_LANES : n;
    offs[v] = offset + v * PV_LANES;
    counts[v] = n;
    masks[v] = PM_FIRST(n);
  }
}

/* The tile arguments every block of thread tid's work item shares: the
 * input the tile reads and the thread's accumulators. */
static void cm_args(const cm_job *job, int tid, pat_pconv_tile_args *a) {
  a->input = job->image; /* flat copies: cm_flat_tasks repoints it */
  a->output[0] = cm_acc(job->ctx, job->l, tid);
  a->oy = 0;
}

/* PAT_PCONV_CM_ROWS: groups [begin, end) of cm_rows output rows, blocks
 * of each group from column 0. */
static void cm_row_tasks(void *arg, int64_t begin, int64_t end, int tid) {
  const cm_job *job = (const cm_job *)arg;
  const pat_pconv_layer *l = job->l;
  const pat_conv2d_params *p = &l->conv;
  int64_t rows = l->cm_rows > 1 ? l->cm_rows : 1, across = l->cm_vecs / rows;
  int64_t span = across * PV_LANES;
  int64_t offs[PAT_PCONV_MAX_VECS], counts[PAT_PCONV_MAX_VECS];
  /* The tile reads input, output[0], oy, ox and the masks only. */
  pat_pconv_tile_args a;
  cm_args(job, tid, &a);
  float *acc = a.output[0];
  for (int64_t g = begin; g < end; ++g) {
    a.oy = g * rows;
    for (int64_t ox = 0; ox < p->out_w; ox += span) {
      int64_t count = p->out_w - ox < span ? p->out_w - ox : span;
      a.ox = ox;
      for (int64_t r = 0; r < rows; ++r) {
        /* Rows past the plane's last store nothing. */
        int64_t y = a.oy + r, n = y < p->out_h ? count : 0;
        for (int64_t h = 0; h < across; ++h) {
          int64_t v = r * across + h, m = n - h * PV_LANES;
          m = m < 0 ? 0 : m > PV_LANES ? PV_LANES : m;
          offs[v] = (y < p->out_h ? y : 0) * p->out_w + ox + h * PV_LANES;
          counts[v] = m;
          a.store_mask[v] = PM_FIRST(m);
        }
      }
      cm_init_block(job, acc, offs, a.store_mask);
      l->cm_tile(l, &a);
      cm_store_block(job, acc, offs, counts, a.store_mask);
    }
  }
}

/* Bits [lo, hi) of a block's lanes (at most 64: PAT_PCONV_MAX_VECS
 * vectors of at most 16 lanes); none if hi <= lo. */
static uint64_t cm_lane_range(int64_t lo, int64_t hi) {
  if (hi <= lo)
    return 0;
  uint64_t below_hi = hi >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << hi) - 1;
  return below_hi & ~(((uint64_t)1 << lo) - 1);
}

/* PAT_PCONV_CM_FLAT_IMAGE: blocks [begin, end) of cm_vecs vectors of the
 * output plane, each tap's lanes masked to those inside the image. */
static void cm_image_tasks(void *arg, int64_t begin, int64_t end, int tid) {
  const cm_job *job = (const cm_job *)arg;
  const pat_pconv_layer *l = job->l;
  const pat_conv2d_params *p = &l->conv;
  int64_t span = l->cm_vecs * PV_LANES, plane = p->out_h * p->out_w;
  int64_t taps = p->kernel_h * p->kernel_w;
  const uint64_t lane_bits = ((uint64_t)1 << PV_LANES) - 1;
  int64_t offs[PAT_PCONV_MAX_VECS], counts[PAT_PCONV_MAX_VECS];
  pat_pconv_tile_args a;
  cm_args(job, tid, &a);
  float *acc = a.output[0];
  for (int64_t blk = begin; blk < end; ++blk) {
    int64_t o0 = blk * span, count = plane - o0 < span ? plane - o0 : span;
    /* Lane bits of each tap and vector: output (y, x) reads input
     * (y + ky - pad_top, x + kx - pad_left); a tap's lanes are those whose
     * tap row and tap column are both inside the image. Set a row piece
     * of the block at a time (a block spans a few rows at most). */
    uint64_t rows[PAT_PCONV_MAX_MASKS], cols[PAT_PCONV_MAX_MASKS];
    memset(rows, 0, (size_t)p->kernel_h * sizeof(rows[0]));
    memset(cols, 0, (size_t)p->kernel_w * sizeof(cols[0]));
    for (int64_t i = 0; i < count;) {
      int64_t y = (o0 + i) / p->out_w, x = (o0 + i) % p->out_w;
      int64_t len = p->out_w - x < count - i ? p->out_w - x : count - i;
      for (int64_t ky = 0; ky < p->kernel_h; ++ky) {
        int64_t iy = y + ky - p->pad_top;
        if (iy >= 0 && iy < p->in_h)
          rows[ky] |= cm_lane_range(i, i + len);
      }
      /* Lanes i + j, j in [0, len), whose tap column x + j + kx - pad_left
       * is in [0, in_w). */
      for (int64_t kx = 0; kx < p->kernel_w; ++kx) {
        int64_t lo = p->pad_left - kx - x, hi = p->in_w + p->pad_left - kx - x;
        lo = lo < 0 ? 0 : lo;
        hi = hi > len ? len : hi;
        cols[kx] |= cm_lane_range(i + lo, i + hi);
      }
      i += len;
    }
    for (int64_t t = 0; t < taps; ++t) {
      uint64_t bits = rows[t / p->kernel_w] & cols[t % p->kernel_w];
      for (int64_t v = 0; v < l->cm_vecs; ++v)
        a.load_mask[t * l->cm_vecs + v] =
            PM_BITS((uint32_t)((bits >> (v * PV_LANES)) & lane_bits));
    }
    a.ox = o0;
    cm_contiguous_block(l, o0, count, offs, counts, a.store_mask);
    cm_init_block(job, acc, offs, a.store_mask);
    if (l->cm_tail_tile && count <= l->cm_tail_vecs * PV_LANES)
      l->cm_tail_tile(l, &a);
    else
      l->cm_tile(l, &a);
    cm_store_block(job, acc, offs, counts, a.store_mask);
  }
}

/* Flat output positions of the plane, y * flat_pitch + x (cm_flat). */
static int64_t cm_flat_span(const pat_pconv_layer *l) {
  return (l->conv.out_h - 1) * l->flat_pitch + l->conv.out_w;
}

/* Runs BODY for each piece [x0, x1) of output row y that the flat block
 * [o0, o0 + span) holds, with y, x0, x1 and o (where x0 is in the block)
 * in scope. */
#define CM_FLAT_PIECES(l, o0, span, BODY)                                     \
  for (int64_t y = (o0) / (l)->flat_pitch;                                  \
       y < (l)->conv.out_h && y * (l)->flat_pitch < (o0) + (span); ++y) {   \
    int64_t x0 = (o0) - y * (l)->flat_pitch, x1 = x0 + (span);              \
    x0 = x0 < 0 ? 0 : x0;                                                   \
    x1 = x1 > (l)->conv.out_w ? (l)->conv.out_w : x1;                       \
    int64_t o = y * (l)->flat_pitch + x0 - (o0);                            \
    if (x0 < x1) {                                                          \
      BODY                                                                  \
    }                                                                       \
  }

/* Flat blocks [begin, end) of cm_vecs vectors each: accumulators filled
 * with the bias and residual, the tile, the output pieces stored. */
static void cm_flat_tasks(void *arg, int64_t begin, int64_t end, int tid) {
  const cm_job *job = (const cm_job *)arg;
  const pat_pconv_layer *l = job->l;
  const pat_conv2d_params *p = &l->conv;
  int64_t span = l->cm_vecs * PV_LANES, plane = p->out_h * p->out_w;
  pat_pconv_tile_args a;
  cm_args(job, tid, &a);
  float *acc = a.output[0];
  int relu = p->act.kind == PAT_ACT_RELU;
  int other = !relu && p->act.kind != PAT_ACT_NONE;
  /* Each thread reads its own copy of the image, made at the start of its
   * scratch: these maps have a few blocks, every one of which reads every
   * channel, so a copy split between threads has each read half of what
   * the other wrote, and waits for all of it (512x14s2: 2 threads took
   * longer than 1). */
  flat_job copy;
  copy.l = l;
  copy.image = job->image;
  copy.padded = (float *)pat_scratch(job->ctx, tid);
  pat_pconv_flat_pad_tasks(&copy, 0, p->in_c, tid);
  a.input = copy.padded;
  for (int64_t blk = begin; blk < end; ++blk) {
    int64_t o0 = blk * span;
    for (int64_t f = 0; f < p->out_c; ++f) {
      float *fa = acc + f * span;
      PV b = PV_SET1(l->bias ? l->bias[f] : 0.f);
      for (int64_t v = 0; v < l->cm_vecs; ++v)
        PV_STOREU(fa + v * PV_LANES, b);
      if (job->residual) {
        const float *res = job->residual + f * plane;
        CM_FLAT_PIECES(l, o0, span, {
          for (int64_t x = x0; x < x1; ++x)
            fa[o + x - x0] += res[y * p->out_w + x];
        })
      }
    }
    a.ox = o0;
    l->cm_tile(l, &a);
    for (int64_t f = 0; f < p->out_c; ++f) {
      const float *fa = acc + f * span;
      float *out = job->output + f * plane;
      CM_FLAT_PIECES(l, o0, span, {
        float *row = out + y * p->out_w + x0;
        for (int64_t j = 0; j < x1 - x0; j += PV_LANES) {
          PM m = PM_RANGE(0, x1 - x0 - j);
          PV x = PV_LOADM(fa + o + j, m);
          PV_STOREM(row + j, relu ? PV_MAX0(x) : x, m);
        }
        if (other)
          pat_activation_f32(row, row, x1 - x0, p->act);
      })
    }
  }
}

/* The channel-major arrays without a tile (a layer patc linked without
 * its FKW arrays, whose tile cannot run): output rows [begin, end) of one
 * image, kernel by kernel in channel-major order, scalar. */
static void cm_generic_rows(void *arg, int64_t begin, int64_t end, int tid) {
  const cm_job *job = (const cm_job *)arg;
  const pat_pconv_layer *l = job->l;
  const pat_conv2d_params *p = &l->conv;
  int64_t plane = p->out_h * p->out_w, plane_in = p->in_h * p->in_w;
  int64_t P = l->num_patterns, taps_all = p->kernel_h * p->kernel_w;
  (void)tid;
  for (int64_t o = 0; o < p->out_c; ++o)
    for (int64_t i = begin * p->out_w; i < end * p->out_w; ++i)
      job->output[o * plane + i] =
          (l->bias ? l->bias[o] : 0.f) +
          (job->residual ? job->residual[o * plane + i] : 0.f);
  const float *w = l->cm_weights;
  for (int64_t c = 0; c < p->in_c; ++c) {
    const float *chan = job->image + c * plane_in;
    for (int64_t pat = 0; pat < P; ++pat) {
      uint64_t mask = l->masks[pat];
      for (int32_t k = l->cm_stride[c * (P + 1) + pat];
           k < l->cm_stride[c * (P + 1) + pat + 1]; ++k) {
        float *out = job->output + (int64_t)l->cm_filter[k] * plane;
        for (int64_t t = 0; t < taps_all; ++t) {
          if (!((mask >> t) & 1))
            continue;
          float wt = *w++;
          int64_t ky = t / p->kernel_w, kx = t % p->kernel_w;
          for (int64_t oy = begin; oy < end; ++oy) {
            int64_t iy = oy * p->stride_h - p->pad_top + ky * p->dilation_h;
            if (iy < 0 || iy >= p->in_h)
              continue;
            for (int64_t ox = 0; ox < p->out_w; ++ox) {
              int64_t ix = ox * p->stride_w - p->pad_left + kx * p->dilation_w;
              if (ix >= 0 && ix < p->in_w)
                out[oy * p->out_w + ox] += wt * chan[iy * p->in_w + ix];
            }
          }
        }
      }
    }
  }
  if (p->act.kind != PAT_ACT_NONE)
    for (int64_t o = 0; o < p->out_c; ++o)
      pat_activation_f32(job->output + o * plane + begin * p->out_w,
                         job->output + o * plane + begin * p->out_w,
                         (end - begin) * p->out_w, p->act);
}

void pat_pconv_run_channels_generic(pat_ctx *ctx, const pat_pconv_layer *l,
                                    const float *input, const float *residual,
                                    float *output) {
  const pat_conv2d_params *p = &l->conv;
  cm_job job;
  job.ctx = ctx;
  job.l = l;
  for (int64_t b = 0; b < p->batch; ++b) {
    cm_job_image(&job, b, input, residual, output);
    pat_parallel_for(ctx, p->out_h, 1, cm_generic_rows, &job);
  }
}

/* patc guarantees it; the check keeps a hand-written layer from
 * overrunning the store masks or its scratch. */
int pat_pconv_channels_usable(const pat_ctx *ctx, const pat_pconv_layer *l) {
  const pat_conv2d_params *p = &l->conv;
  if (!(l->cm_tile && l->cm_stride && l->cm_filter && l->cm_weights &&
        p->stride_h == p->stride_w &&
        (p->stride_w == 1 || p->stride_w == 2) && l->cm_vecs >= 1 &&
        l->cm_vecs <= PAT_PCONV_MAX_VECS &&
        (!l->cm_tail_tile ||
         (l->cm_tail_vecs >= 1 && l->cm_tail_vecs < l->cm_vecs)) &&
        (l->cm_rows <= 1 || (l->cm_flat == PAT_PCONV_CM_ROWS &&
                             l->cm_vecs % l->cm_rows == 0))))
    return 0;
  size_t copy;
  switch (l->cm_flat) {
  case PAT_PCONV_CM_ROWS: /* reads the image */
    copy = 0;
    break;
  case PAT_PCONV_CM_FLAT_COPY:
    if (!pat_pconv_flat_copy_ok(l))
      return 0;
    copy = flat_copy_floats(l);
    break;
  case PAT_PCONV_CM_FLAT_IMAGE:
    if (p->stride_w != 1 || p->dilation_h != 1 || p->dilation_w != 1 ||
        p->out_w != p->in_w ||
        p->kernel_h * p->kernel_w * l->cm_vecs > PAT_PCONV_MAX_MASKS)
      return 0;
    copy = 0;
    break;
  default:
    return 0;
  }
  return copy * sizeof(float) + cm_acc_bytes(l) <= ctx->scratch_bytes;
}

/* Channel-major tiles: per image, its rows or flat blocks (over the
 * flat copy, each thread's own, or the image). */
void pat_pconv_run_channels(pat_ctx *ctx, const pat_pconv_layer *l,
                            const float *input, const float *residual,
                            float *output) {
  const pat_conv2d_params *p = &l->conv;
  cm_job job;
  job.ctx = ctx;
  job.l = l;
  int64_t span = l->cm_vecs * PV_LANES;
  for (int64_t b = 0; b < p->batch; ++b) {
    cm_job_image(&job, b, input, residual, output);
    if (l->cm_flat == PAT_PCONV_CM_FLAT_COPY) {
      /* About one range of blocks per thread (each range makes its copy). */
      int64_t blocks = (cm_flat_span(l) + span - 1) / span;
      int64_t threads = ctx->num_threads > 0 ? ctx->num_threads : 1;
      pat_parallel_for(ctx, blocks, (blocks + threads - 1) / threads,
                       cm_flat_tasks, &job);
    } else if (l->cm_flat == PAT_PCONV_CM_FLAT_IMAGE) {
      pat_parallel_for(ctx, (p->out_h * p->out_w + span - 1) / span, 1,
                       cm_image_tasks, &job);
    } else {
      int64_t rows = l->cm_rows > 1 ? l->cm_rows : 1;
      pat_parallel_for(ctx, (p->out_h + rows - 1) / rows, 1, cm_row_tasks,
                       &job);
    }
  }
}
