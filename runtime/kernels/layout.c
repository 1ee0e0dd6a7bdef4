/*===- layout.c - Concat, transpose and pad --------------------------------===
 *
 * Part of patc. Element-type agnostic: they move elem_size-byte elements.
 *
 *===----------------------------------------------------------------------===*/

#include "pat_kernels.h"
#include <string.h>

#define PAT_MAX_RANK 8

void pat_concat(int64_t outer, int32_t num_inputs, const void *const *inputs,
                const int64_t *chunk_bytes, void *out) {
  char *dst = (char *)out;
  for (int64_t o = 0; o < outer; ++o)
    for (int32_t i = 0; i < num_inputs; ++i) {
      memcpy(dst, (const char *)inputs[i] + o * chunk_bytes[i],
             (size_t)chunk_bytes[i]);
      dst += chunk_bytes[i];
    }
}

void pat_transpose(int32_t rank, const int64_t *in_shape, const int64_t *perm,
                   int64_t elem_size, const void *in, void *out) {
  int64_t in_strides[PAT_MAX_RANK], out_shape[PAT_MAX_RANK],
      src_strides[PAT_MAX_RANK], idx[PAT_MAX_RANK];
  int64_t total = 1;
  for (int32_t d = rank - 1; d >= 0; --d) {
    in_strides[d] = total;
    total *= in_shape[d];
  }
  for (int32_t d = 0; d < rank; ++d) {
    out_shape[d] = in_shape[perm[d]];
    src_strides[d] = in_strides[perm[d]];
    idx[d] = 0;
  }
  const char *src = (const char *)in;
  char *dst = (char *)out;
  int64_t offset = 0;
  for (int64_t i = 0; i < total; ++i) {
    memcpy(dst + i * elem_size, src + offset * elem_size, (size_t)elem_size);
    for (int32_t d = rank - 1; d >= 0; --d) {
      offset += src_strides[d];
      if (++idx[d] < out_shape[d])
        break;
      offset -= src_strides[d] * out_shape[d];
      idx[d] = 0;
    }
  }
}

/* Source index along one dim for output index `o`, or -1 for the constant. */
static int64_t pad_source(int64_t o, int64_t begin, int64_t size,
                          int32_t mode) {
  int64_t i = o - begin;
  if (i >= 0 && i < size)
    return i;
  if (mode == 0 || size == 0)
    return -1;
  if (mode == 2) /* edge */
    return i < 0 ? 0 : size - 1;
  /* reflect, without repeating the edge */
  int64_t period = 2 * (size - 1);
  if (period == 0)
    return 0;
  i = i % period;
  if (i < 0)
    i += period;
  return i < size ? i : period - i;
}

void pat_pad(int32_t rank, const int64_t *in_shape, const int64_t *out_shape,
             const int64_t *pads_begin, int32_t mode, const void *value,
             int64_t elem_size, const void *in, void *out) {
  int64_t in_strides[PAT_MAX_RANK], idx[PAT_MAX_RANK];
  int64_t total = 1, stride = 1;
  for (int32_t d = rank - 1; d >= 0; --d) {
    in_strides[d] = stride;
    stride *= in_shape[d];
    total *= out_shape[d];
    idx[d] = 0;
  }
  const char *src = (const char *)in;
  char *dst = (char *)out;
  for (int64_t i = 0; i < total; ++i) {
    int64_t offset = 0;
    int inside = 1;
    for (int32_t d = 0; d < rank && inside; ++d) {
      int64_t s = pad_source(idx[d], pads_begin[d], in_shape[d], mode);
      if (s < 0)
        inside = 0;
      else
        offset += s * in_strides[d];
    }
    memcpy(dst + i * elem_size, inside ? src + offset * elem_size : value,
           (size_t)elem_size);
    for (int32_t d = rank - 1; d >= 0; --d) {
      if (++idx[d] < out_shape[d])
        break;
      idx[d] = 0;
    }
  }
}
