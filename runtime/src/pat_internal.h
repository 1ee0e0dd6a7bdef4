/*===- pat_internal.h - Runtime internals shared with generated code -------===
 *
 * Part of patc. Not installed for users: the generated model code and the
 * kernels include it, the public ABI is pat_runtime.h.
 *
 *===----------------------------------------------------------------------===*/

#ifndef PAT_INTERNAL_H
#define PAT_INTERNAL_H

#include "pat_runtime.h"
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define PAT_HIDDEN __attribute__((visibility("hidden")))
#else
#define PAT_HIDDEN
#endif

typedef struct pat_thread_pool pat_thread_pool;

/* What a kernel sees of its session: the pool and per-thread scratch. */
typedef struct pat_ctx {
  pat_thread_pool *pool;
  int32_t num_threads;
  size_t scratch_bytes; /* per thread */
  char *scratch;        /* num_threads * scratch_bytes, 64-byte aligned */
} pat_ctx;

/* Body of a parallel loop: handles indices [begin, end) on thread `tid`. */
typedef void (*pat_range_fn)(void *arg, int64_t begin, int64_t end, int tid);

/* Runs fn over [0, n) in chunks of at least `grain` indices on the
 * session's threads (the caller is thread 0) and returns when all are done.
 * Thread t starts on its home range [n*t/T, n*(t+1)/T) (with T threads, or
 * fewer when n / grain < T), then helps with the others'. */
PAT_HIDDEN void pat_parallel_for(pat_ctx *ctx, int64_t n, int64_t grain,
                                 pat_range_fn fn, void *arg);

/* The scratch area of thread `tid`. */
static inline void *pat_scratch(pat_ctx *ctx, int tid) {
  return ctx->scratch + (size_t)tid * ctx->scratch_bytes;
}

PAT_HIDDEN pat_thread_pool *pat_thread_pool_create(int32_t num_threads);
PAT_HIDDEN void pat_thread_pool_destroy(pat_thread_pool *pool);

PAT_HIDDEN void pat_set_error(const char *fmt, ...);

/* Defined by the generated model code. */
PAT_HIDDEN extern const pat_model_info pat_generated_model_info;
PAT_HIDDEN extern const size_t pat_generated_scratch_bytes;
PAT_HIDDEN void pat_generated_run(pat_ctx *ctx, const void *const *inputs,
                                  void *const *outputs, char *arena);

/* A session's kernel context and activation arena. Libraries built for
 * patc --tune (never those patc delivers) also export
 *   int pat_tune_layer(pat_session *, const void *const *inputs,
 *                      void *const *outputs, int32_t layer, int32_t variant,
 *                      void **result, int64_t *result_bytes)
 * which runs one candidate of one layer on the session's arena and points
 * *result at the float tensor it wrote (returns 0; 1 = no such layer or
 * variant). */
PAT_HIDDEN pat_ctx *pat_session_ctx(pat_session *session);
PAT_HIDDEN char *pat_session_arena(pat_session *session);

#endif /* PAT_INTERNAL_H */
