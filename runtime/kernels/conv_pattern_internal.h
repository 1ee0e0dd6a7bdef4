/*===- conv_pattern_internal.h - Shared by the pattern conv drivers -------===
 *
 * Part of patc. The input copies the pattern tiles read, made by
 * conv_pattern.c and used by its row and flat tiles and by the channel-major
 * driver (conv_pattern_channels.c), and that driver's entry points. Not
 * part of the runtime's interface.
 *
 *===----------------------------------------------------------------------===*/

#ifndef PAT_CONV_PATTERN_INTERNAL_H
#define PAT_CONV_PATTERN_INTERNAL_H

#include "conv_pattern.h"

/* Floats of one image of the input and of the output (and residual). */
static inline int64_t in_image_floats(const pat_conv2d_params *p) {
  return p->in_c * p->in_h * p->in_w;
}
static inline int64_t out_image_floats(const pat_conv2d_params *p) {
  return p->out_c * p->out_h * p->out_w;
}

/* Stride-2 column phases (PAT_PCONV_COPY_PHASES) of one image, made in the
 * scratch before its tiles run: channels [begin, end) per call of
 * pat_pconv_phase_copy_tasks (a pat_parallel_for body). */
typedef struct phase_job {
  const pat_conv2d_params *p;
  const float *image;
  float *phases;
} phase_job;

/* Row pitch of a column phase: the even columns, ceil(in_w / 2). */
static inline int64_t phase_pitch(const pat_conv2d_params *p) {
  return (p->in_w + 1) / 2;
}

/* Floats of one image's column phases. */
static inline size_t phase_copy_floats(const pat_conv2d_params *p) {
  return (size_t)(p->in_c * 2 * p->in_h * phase_pitch(p));
}

PAT_HIDDEN void pat_pconv_phase_copy_tasks(void *arg, int64_t begin,
                                           int64_t end, int tid);

/* Flat tiles' zero-padded, phase-split copy of one image (see
 * pat_pconv_layer::flat_tile), channels [begin, end) per call of
 * pat_pconv_flat_pad_tasks; the flat tiles' work items read the rest. */
typedef struct flat_job {
  const pat_pconv_layer *l;
  const float *image;
  float *padded, *output; /* output: this image's [out_c][out_h][out_w] */
  const float *residual;   /* this image's, or NULL */
} flat_job;

/* Floats of one image's flat copy. */
static inline size_t flat_copy_floats(const pat_pconv_layer *l) {
  const pat_conv2d_params *p = &l->conv;
  return (size_t)(p->in_c * p->stride_h * p->stride_w) *
         (size_t)l->flat_phase_floats;
}

/* Whether flat_pitch and flat_phase_floats fit the layer's geometry (the
 * copy stays inside flat_copy_floats). */
PAT_HIDDEN int pat_pconv_flat_copy_ok(const pat_pconv_layer *l);

PAT_HIDDEN void pat_pconv_flat_pad_tasks(void *arg, int64_t begin, int64_t end,
                                         int tid);

/* Whether the layer's channel-major tile applies (conv_pattern_channels.c),
 * and running the layer with it. */
PAT_HIDDEN int pat_pconv_channels_usable(const pat_ctx *ctx,
                                         const pat_pconv_layer *l);
PAT_HIDDEN void pat_pconv_run_channels(pat_ctx *ctx, const pat_pconv_layer *l,
                                       const float *input,
                                       const float *residual, float *output);

/* A layer patc linked with its channel-major arrays only (stride NULL), when
 * its tile cannot run: a scalar kernel over those arrays. */
PAT_HIDDEN void pat_pconv_run_channels_generic(pat_ctx *ctx,
                                               const pat_pconv_layer *l,
                                               const float *input,
                                               const float *residual,
                                               float *output);

#endif /* PAT_CONV_PATTERN_INTERNAL_H */
