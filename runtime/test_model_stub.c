/*===- test_model_stub.c - A trivial "generated model" for unit tests ------===
 *
 * Part of patc. Lets the runtime's unit tests link pat_session_* without
 * patc: the model doubles its one float input of 1024 elements, in parallel.
 *
 *===----------------------------------------------------------------------===*/

#include "pat_kernels.h"

static const int64_t shape[] = {1024};
static const pat_tensor_info io[] = {{"x", PAT_DTYPE_FLOAT32, 1, shape, 4096}};
const pat_model_info pat_generated_model_info = {PAT_ABI_VERSION, 1, 1, io, io,
                                                 4096, 0, "test"};
const size_t pat_generated_scratch_bytes = 64;

typedef struct job {
  const float *in;
  float *tmp, *out;
} job;

static void twice(void *arg, int64_t begin, int64_t end, int tid) {
  job *j = (job *)arg;
  for (int64_t i = begin; i < end; ++i) {
    j->tmp[i] = j->in[i] * 2.f;
    j->out[i] = j->tmp[i];
  }
}

/* What the last run saw, for the tests to inspect. */
char *pat_test_last_arena;

void pat_generated_run(pat_ctx *ctx, const void *const *inputs,
                       void *const *outputs, char *arena) {
  pat_test_last_arena = arena;
  job j = {(const float *)inputs[0], (float *)arena, (float *)outputs[0]};
  pat_parallel_for(ctx, 1024, 16, twice, &j);
}
