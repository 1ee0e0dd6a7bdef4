/*===- pat_runtime.h - The C ABI of every model compiled by patc -----------===
 *
 * Part of patc. A compiled model is a shared library that exports exactly the
 * functions below. The ABI is plain C99; all memory passed to
 * pat_session_run is owned by the caller.
 *
 *===----------------------------------------------------------------------===*/

#ifndef PAT_RUNTIME_H
#define PAT_RUNTIME_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PAT_ABI_VERSION 1

#if defined(__GNUC__)
#define PAT_EXPORT __attribute__((visibility("default")))
#else
#define PAT_EXPORT
#endif

/* Element types; the values are ONNX's TensorProto.DataType codes. */
typedef enum pat_dtype {
  PAT_DTYPE_FLOAT32 = 1,
  PAT_DTYPE_UINT8 = 2,
  PAT_DTYPE_INT8 = 3,
  PAT_DTYPE_INT32 = 6,
  PAT_DTYPE_INT64 = 7,
  PAT_DTYPE_BOOL = 9
} pat_dtype;

/* A model input or output: dense row-major tensor of static shape. */
typedef struct pat_tensor_info {
  const char *name;
  int32_t dtype; /* a pat_dtype */
  int32_t rank;
  const int64_t *shape;
  int64_t num_bytes;
} pat_tensor_info;

typedef struct pat_model_info {
  int32_t abi_version; /* PAT_ABI_VERSION */
  int32_t num_inputs;
  int32_t num_outputs;
  const pat_tensor_info *inputs;
  const pat_tensor_info *outputs;
  int64_t arena_bytes;  /* activation memory one session allocates */
  int64_t weight_bytes; /* read-only weights inside the library */
  const char *target;   /* the patc target the library was built for */
} pat_model_info;

typedef struct pat_session_options {
  int32_t num_threads; /* <= 0: one thread per online CPU */
} pat_session_options;

typedef struct pat_session pat_session;

/* Static description of the model. Never NULL. */
PAT_EXPORT const pat_model_info *pat_model_get_info(void);

/* Creates a session (its own arena and thread pool). `options` may be NULL.
 * Returns NULL on failure; see pat_last_error(). Sessions are independent:
 * two sessions may run at the same time in two threads. */
PAT_EXPORT pat_session *pat_session_create(const pat_session_options *options);

/* Runs the model. `inputs[i]` and `outputs[i]` point to caller-owned buffers
 * of pat_model_get_info()->inputs[i].num_bytes (outputs likewise), in model
 * order (NULL is allowed for a tensor of 0 bytes). One session must not run in two threads at once. Returns 0 on
 * success, non-zero on failure (see pat_last_error()). */
PAT_EXPORT int pat_session_run(pat_session *session, const void *const *inputs,
                               void *const *outputs);

/* Number of threads the session uses. */
PAT_EXPORT int32_t pat_session_num_threads(const pat_session *session);

PAT_EXPORT void pat_session_destroy(pat_session *session);

/* The last error of the calling thread, or "" if none. */
PAT_EXPORT const char *pat_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* PAT_RUNTIME_H */
