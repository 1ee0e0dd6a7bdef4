/*===- conv_pattern.h - Pattern (PatDNN) convolution ------------------------===
 *
 * Part of patc. A pattern convolution's weights are in FKW storage (see
 * docs/sparsity.md): filters in FKR order, each filter's kernels grouped by
 * pattern, only the kept taps stored. patc generates, per layer, tile
 * functions whose loops are specialised to the layer's patterns; the driver
 * here splits the output into tiles over the thread pool, computes the
 * border masks, makes the input copy the tiles read where they read one
 * (tile_copy: stride-2 column phases, stride-1 column strips on wide maps,
 * flat tiles' padded phases), and runs the generic kernel where no tile
 * applies (strides above 2, kernels too wide for the load-mask table).
 * Stride-1 and stride-2 layers may instead have a channel-major tile
 * (cm_tile), which walks the kernels by input channel rather than by
 * filter; its driver is conv_pattern_channels.c.
 *
 *===----------------------------------------------------------------------===*/

#ifndef PAT_CONV_PATTERN_H
#define PAT_CONV_PATTERN_H

#include "pattern_simd.h"

#define PAT_PCONV_MAX_VECS 4    /* most vectors across a tile */
#define PAT_PCONV_MAX_FILTERS 2 /* most filters in a tile */
#define PAT_PCONV_MAX_MASKS 256 /* load masks of a tile */

/* One tile: rows [oy, oy + tile_rows) x columns [ox, ox + vecs*PV_LANES)
 * of storage filters filter .. filter + tile_filters - 1 (one-row tiles: one
 * filter). */
typedef struct pat_pconv_tile_args {
  const float *input; /* the image, [in_c][in_h][in_w] */
  float *output[PAT_PCONV_MAX_FILTERS]; /* per filter: its output plane */
  /* Per filter: the residual's plane (laid out as the output), which the
   * tiles of a layer with a residual add before the activation; else NULL. */
  const float *residual[PAT_PCONV_MAX_FILTERS];
  int64_t filter;     /* storage (FKW) index of the first filter */
  int64_t oy, ox;
  float bias[PAT_PCONV_MAX_FILTERS];
  PM store_mask[PAT_PCONV_MAX_VECS];
  /* Tiles load each input row as tile_base_vecs vectors per parity (input
   * column modulo stride_w): vector u of parity r starts at input column
   * ox * stride_w - pad_left + r + u * PV_LANES * stride_w. Its mask keeps
   * the lanes inside the image. Row tiles (all tap rows inside):
   * load_mask[r * base + u]. One-row tiles, which also run the border rows:
   * load_mask[(ky * stride_w + r) * base + u], zero for tap rows outside
   * the image. */
  PM load_mask[PAT_PCONV_MAX_MASKS];
} pat_pconv_tile_args;

typedef struct pat_pconv_layer pat_pconv_layer;
typedef void (*pat_pconv_tile_fn)(const pat_pconv_layer *layer,
                                  const pat_pconv_tile_args *args);

struct pat_pconv_layer {
  pat_conv2d_params conv; /* groups is 1 */
  int32_t num_patterns;
  const uint64_t *masks; /* [num_patterns], bit ky * kernel_w + kx */
  /* FKW arrays. patc links a layer that runs its channel-major tile without
   * them (all NULL, weights too; stride NULL says so): the cm_* arrays then
   * hold its kernels, and a scalar kernel over those runs it should the
   * tile not apply. */
  const int32_t *reorder, *offsets, *index, *stride;
  const int64_t *weight_start; /* first weight of each storage filter */
  const float *weights;
  const float *bias; /* by output channel, or NULL */
  int32_t tile_rows, tile_vecs;
  int32_t tile_base_vecs;     /* input vectors per row and parity */
  /* Filters per row tile: each aligned run of tile_filters storage filters
   * has the same index[] and stride[] entries (filter-level LRE). */
  int32_t tile_filters;
  pat_pconv_tile_fn tile;     /* tile_rows interior rows, or NULL */
  pat_pconv_tile_fn tile_row; /* any one row, or NULL (generic only) */
  int32_t tiles_apply_act;    /* the tiles already applied conv.act */
  /* Flat tiles (small maps): when flat_tile is set, each image is first
   * copied, zero-padded and split into stride_h x stride_w phases, into the
   * context's scratch. Phase (ry, rx) of channel c, at (c * stride_h *
   * stride_w + ry * stride_w + rx) * flat_phase_floats, holds padded pixel
   * (i * stride_h + ry, j * stride_w + rx) at i * flat_pitch + j (padded
   * pixel (r, q) is input (r - pad_top, q - pad_left), 0 outside). Output
   * (y, x) is flat position o = y * flat_pitch + x, and tap (ky, kx) reads
   * phase (ky * dilation_h % stride_h, kx * dilation_w % stride_w) at o +
   * (ky * dilation_h / stride_h) * flat_pitch + kx * dilation_w / stride_w,
   * so vectors run across rows and small maps waste few lanes. One call
   * computes a whole output plane of each of tile_filters filters. */
  int32_t flat_pitch, flat_phase_floats;
  pat_pconv_tile_fn flat_tile;
  /* The interior rows the tile_rows-row tiles leave over, when there are at
   * least two: one more tile of tile_rest_rows rows (same vecs and
   * filters) instead of that many one-row tiles. NULL: one-row tiles. */
  int32_t tile_rest_rows;
  pat_pconv_tile_fn tile_rest;
  /* The copy of each image the row tiles read (PAT_PCONV_COPY_*), made in
   * the context's scratch before the tiles run. */
  int32_t tile_copy;
  /* Channel-major tiles (stride 1 or 2 in both directions): when cm_tile
   * is set, each call computes a block of cm_vecs vectors of every filter
   * (cm_flat says which block and what it reads): per input channel it
   * loads the taps' input vectors once and adds them into each kernel's
   * filter. The accumulators (a->output[0]) are a buffer of
   * [out_c][cm_vecs * PV_LANES] floats at the end of the thread's scratch,
   * 64-byte aligned: the driver fills it with the bias and residual, and
   * after the call stores it into the output, activation applied.
   * (Accumulating into the output rows themselves, 112 unaligned bytes in
   * planes 3 KB apart, measured ~30% slower on a 128x56s2 layer: split
   * lines and masked loads and stores.) The kernels in channel-major order:
   * cm_stride[c * (num_patterns + 1) + p] is where channel c's kernels of
   * pattern p start (the last entry of a
   * channel is where the next one starts), cm_filter[k] kernel k's output
   * channel, cm_weights the kept taps kernel after kernel. */
  pat_pconv_tile_fn cm_tile;
  int32_t cm_vecs;
  const int32_t *cm_stride, *cm_filter;
  const float *cm_weights;
  /* PAT_PCONV_CM_* below. */
  int32_t cm_flat;
  /* PAT_PCONV_CM_FLAT_IMAGE: a tile over the first cm_tail_vecs vectors of
   * a block only (masks and accumulators laid out as cm_tile's), which runs
   * a block of at most cm_tail_vecs * PV_LANES outputs (the plane's last);
   * 0 and NULL when there is none. */
  int32_t cm_tail_vecs;
  pat_pconv_tile_fn cm_tail_tile;
  /* PAT_PCONV_CM_ROWS: output rows per block (0 or 1: one), each of
   * cm_vecs / cm_rows vectors: vector r * (cm_vecs / cm_rows) + h is row
   * a->oy + r, columns from a->ox + h * PV_LANES. */
  int32_t cm_rows;
};

/* Channel-major blocks (pat_pconv_layer::cm_flat). ROWS: one output row's
 * block from column a->ox, read from the image itself (stride 2: each tap
 * row's span loaded once and split into even and odd columns in
 * registers). */
#define PAT_PCONV_CM_ROWS 0
/* Small planes: the tile reads the flat tiles' copy (flat_pitch,
 * flat_phase_floats, with flat_tile NULL), and a block is cm_vecs vectors
 * of flat output positions from a->ox (o = y * flat_pitch + x): vectors
 * run across rows, as in flat tiles. */
#define PAT_PCONV_CM_FLAT_COPY 1
/* Stride 1, dilation 1, out_w == in_w: a block is cm_vecs vectors of the
 * output plane from position a->ox (o = y * out_w + x), read from the image
 * itself at o + (ky - pad_top) * in_w + kx - pad_left under the masks
 * a->load_mask[(ky * kernel_w + kx) * cm_vecs + v], which the driver sets
 * per block (lanes whose tap is inside the image): no lanes are lost at
 * row ends and no copy is made. */
#define PAT_PCONV_CM_FLAT_IMAGE 2

/* Row tiles read the input itself. */
#define PAT_PCONV_COPY_NONE 0
/* Stride 1, several column blocks of span = tile_vecs * PV_LANES output
 * columns: before a work item's output rows run, the input rows they read
 * (band_rows = (tile_rows - 1) * stride_h + (kernel_h - 1) * dilation_h + 1
 * at most) are copied into the thread's scratch as column strips, one per
 * block: strip s of channel c, at (c * strips + s) * band_rows * pitch with
 * pitch = span + (kernel_w - 1) * dilation_w, holds input columns s * span
 * - pad_left + j at j (0 outside the image), and a tile's a->input points at
 * its strip of channel 0. The rows of a strip are contiguous, so a tile
 * reads whole cache lines instead of a narrow piece of every wide row, and
 * the band stays in the core's L2 while every filter runs over it. */
#define PAT_PCONV_COPY_STRIPS 1
/* Stride 2: per channel c, phase q (input columns 2j + q at j) at (c * 2 +
 * q) * in_h * pitch, rows of pitch = (in_w + 1) / 2 floats; a tile's lanes
 * then load contiguous floats. */
#define PAT_PCONV_COPY_PHASES 2

/* act(conv(input) + bias + residual); `residual` (the output's shape) may
 * be NULL. A layer whose tiles were generated with a residual must get
 * one. */
PAT_HIDDEN void pat_pattern_conv2d_f32(pat_ctx *ctx, const pat_pconv_layer *l,
                                       const float *input,
                                       const float *residual, float *output);

/* Output rows [oy0, oy1) of storage filter f of one image, without
 * generated code; `plane` is that filter's output plane and `residual_plane`
 * the residual's (or NULL). */
PAT_HIDDEN void pat_pattern_conv2d_rows_generic(const pat_pconv_layer *l,
                                                const float *image,
                                                const float *residual_plane,
                                                float *plane, int64_t f,
                                                int64_t oy0, int64_t oy1);

#endif /* PAT_CONV_PATTERN_H */
