/*===- session.c - The exported C ABI of a compiled model ------------------===
 *
 * Part of patc.
 *
 *===----------------------------------------------------------------------===*/

#define _DEFAULT_SOURCE /* madvise */
#include "pat_internal.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

struct pat_session {
  pat_ctx ctx;
  char *arena;
};

static __thread char last_error[512];

void pat_set_error(const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  vsnprintf(last_error, sizeof(last_error), fmt, args);
  va_end(args);
}

const char *pat_last_error(void) { return last_error; }

const pat_model_info *pat_model_get_info(void) {
  return &pat_generated_model_info;
}

/* Large buffers (the arena, the scratch) start on a 2 MiB boundary and ask
 * for transparent huge pages where the system offers them (Linux, Android):
 * the pattern tiles hop between input channels megabytes apart, and with
 * 4 KiB pages those hops miss the first-level TLB (pruned VGG-16 at 1
 * thread: 78.4 -> 77.0 ms, medians of 10 interleaved rounds of pat-run
 * --bench 20). The hint may be refused; the memory is the same either way. */
static void *alloc_aligned(size_t bytes) {
  void *p = NULL;
  const size_t huge = (size_t)2 << 20;
  if (bytes >= 2 * huge) {
    bytes = (bytes + huge - 1) / huge * huge;
    if (posix_memalign(&p, huge, bytes) != 0)
      return NULL;
#ifdef MADV_HUGEPAGE
    (void)madvise(p, bytes, MADV_HUGEPAGE);
#endif
    return p;
  }
  if (posix_memalign(&p, 64, bytes ? bytes : 64) != 0)
    return NULL;
  return p;
}

pat_session *pat_session_create(const pat_session_options *options) {
  int32_t threads = options ? options->num_threads : 0;
  if (threads <= 0) {
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    threads = cpus > 0 ? (int32_t)cpus : 1;
  }
  if (threads > 256) {
    pat_set_error("num_threads = %d is more than 256", (int)threads);
    return NULL;
  }
  pat_session *s = calloc(1, sizeof(*s));
  if (!s) {
    pat_set_error("out of memory creating a session");
    return NULL;
  }
  s->ctx.num_threads = threads;
  s->ctx.scratch_bytes = (pat_generated_scratch_bytes + 63) / 64 * 64;
  s->arena = alloc_aligned((size_t)pat_generated_model_info.arena_bytes);
  s->ctx.scratch = alloc_aligned(s->ctx.scratch_bytes * (size_t)threads);
  s->ctx.pool = pat_thread_pool_create(threads);
  if (!s->arena || !s->ctx.scratch || !s->ctx.pool) {
    pat_set_error("out of memory creating a session (arena %lld bytes, "
                  "%d threads)",
                  (long long)pat_generated_model_info.arena_bytes,
                  (int)threads);
    pat_session_destroy(s);
    return NULL;
  }
  last_error[0] = '\0';
  return s;
}

pat_ctx *pat_session_ctx(pat_session *session) { return &session->ctx; }

char *pat_session_arena(pat_session *session) { return session->arena; }

int32_t pat_session_num_threads(const pat_session *session) {
  return session ? session->ctx.num_threads : 0;
}

int pat_session_run(pat_session *session, const void *const *inputs,
                    void *const *outputs) {
  if (!session || (!inputs && pat_generated_model_info.num_inputs > 0) ||
      !outputs) {
    pat_set_error("pat_session_run: session, inputs and outputs must be "
                  "non-NULL");
    return 1;
  }
  for (int i = 0; i < pat_generated_model_info.num_inputs; ++i)
    if (!inputs[i] && pat_generated_model_info.inputs[i].num_bytes > 0) {
      pat_set_error("pat_session_run: input %d ('%s') is NULL", i,
                    pat_generated_model_info.inputs[i].name);
      return 1;
    }
  for (int i = 0; i < pat_generated_model_info.num_outputs; ++i)
    if (!outputs[i] && pat_generated_model_info.outputs[i].num_bytes > 0) {
      pat_set_error("pat_session_run: output %d ('%s') is NULL", i,
                    pat_generated_model_info.outputs[i].name);
      return 1;
    }
  pat_generated_run(&session->ctx, inputs, outputs, session->arena);
  return 0;
}

void pat_session_destroy(pat_session *session) {
  if (!session)
    return;
  pat_thread_pool_destroy(session->ctx.pool);
  free(session->ctx.scratch);
  free(session->arena);
  free(session);
}
