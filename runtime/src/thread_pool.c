/*===- thread_pool.c - Fork-join thread pool for parallel loops ------------===
 *
 * Part of patc. Between loops, workers first spin for a while on the loop
 * counter (a model runs its layers' loops back to back, and waking a
 * sleeping thread costs tens of microseconds, more in a VM), then sleep on
 * a condition variable; the caller waits for the workers the same way. The
 * calling thread works as thread 0.
 *
 * A loop's indices are split into one contiguous home range per thread,
 * handed out in chunks through the range's atomic cursor; a thread done
 * with its own range takes chunks from the others' (uneven chunks and a
 * late or descheduled thread still balance). Home ranges keep the same
 * part of a map on the same core from layer to layer: a conv's thread reads
 * the rows it wrote in the layer before from its own cache. Handing every
 * chunk out through one shared counter had scattered them between the
 * cores (chains of 8 pruned 64x56 convs: 2 threads 1.64x faster than 1
 * with the shared counter, 1.91-1.99x with home ranges; docs/benchmarks.md).
 *
 *===----------------------------------------------------------------------===*/

#include "pat_internal.h"
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

/* A thread's home range of the current loop, [next, end): next is the
 * atomic cursor the owner and, once done with their own, the other threads
 * take chunks from. One cache line each, so that owners do not contend. */
typedef struct pat_home_range {
  int64_t next; /* atomic */
  int64_t end;
  char pad[64 - 2 * sizeof(int64_t)];
} pat_home_range;

struct pat_thread_pool {
  int32_t num_threads; /* including the caller */
  int spins;           /* PAT_POOL_SPINS, or 0 when oversubscribed */
  pthread_t *workers;
  pthread_mutex_t mutex;
  pthread_cond_t work_ready;
  pthread_cond_t work_done;
  uint64_t generation; /* atomic; written under mutex */
  int stopping;        /* atomic; written under mutex */
  int busy_workers;    /* atomic */
  /* The current loop. */
  pat_range_fn fn;
  void *arg;
  int64_t chunk;
  int32_t ranges;        /* home ranges: threads with one (from thread 0) */
  pat_home_range *homes; /* num_threads of them */
};

/* Spin iterations before sleeping (~50 us: a pause is ~10-140 cycles;
 * 20000 measured no better on ResNet-18/50 at 2 threads). Pools with
 * more threads than online CPUs never spin: a spinning thread would hold
 * the CPU the thread it waits for needs (ResNet-18, 4 threads on 2 CPUs:
 * 7.9 ms without spinning, 21.5 ms with). */
#ifndef PAT_POOL_SPINS
#define PAT_POOL_SPINS 5000
#endif

static inline void spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
  __asm__ __volatile__("yield");
#else
  __asm__ __volatile__("" ::: "memory");
#endif
}

typedef struct worker_start {
  pat_thread_pool *pool;
  int tid;
} worker_start;

/* Runs chunks of thread tid's home range, then of the others' in turn. */
static void run_chunks(pat_thread_pool *pool, int tid) {
  for (int32_t k = 0; k < pool->ranges; ++k) {
    int32_t r = (tid + k) % pool->ranges;
    pat_home_range *home = &pool->homes[r];
    for (;;) {
      int64_t begin =
          __atomic_fetch_add(&home->next, pool->chunk, __ATOMIC_RELAXED);
      if (begin >= home->end)
        break;
      int64_t end = begin + pool->chunk;
      pool->fn(pool->arg, begin, end < home->end ? end : home->end, tid);
    }
  }
}

static void *worker_main(void *p) {
  worker_start start = *(worker_start *)p;
  free(p);
  pat_thread_pool *pool = start.pool;
  uint64_t seen = 0;
  for (;;) {
    /* The acquire load pairs with the release store of a new generation:
     * the loop's fn, arg and counts are visible once it is seen. */
    for (int i = 0; i < pool->spins &&
                    __atomic_load_n(&pool->generation, __ATOMIC_ACQUIRE) == seen &&
                    !__atomic_load_n(&pool->stopping, __ATOMIC_ACQUIRE);
         ++i)
      spin_pause();
    pthread_mutex_lock(&pool->mutex);
    while (__atomic_load_n(&pool->generation, __ATOMIC_ACQUIRE) == seen &&
           !pool->stopping)
      pthread_cond_wait(&pool->work_ready, &pool->mutex);
    if (pool->stopping) {
      pthread_mutex_unlock(&pool->mutex);
      return NULL;
    }
    seen = pool->generation;
    pthread_mutex_unlock(&pool->mutex);
    run_chunks(pool, start.tid);
    if (__atomic_sub_fetch(&pool->busy_workers, 1, __ATOMIC_ACQ_REL) == 0) {
      /* Under the mutex, so a caller about to sleep cannot miss it. */
      pthread_mutex_lock(&pool->mutex);
      pthread_cond_signal(&pool->work_done);
      pthread_mutex_unlock(&pool->mutex);
    }
  }
}

pat_thread_pool *pat_thread_pool_create(int32_t num_threads) {
  pat_thread_pool *pool = calloc(1, sizeof(*pool));
  if (!pool)
    return NULL;
  pool->num_threads = num_threads < 1 ? 1 : num_threads;
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  pool->spins = cpus > 0 && pool->num_threads > cpus ? 0 : PAT_POOL_SPINS;
  pthread_mutex_init(&pool->mutex, NULL);
  pthread_cond_init(&pool->work_ready, NULL);
  pthread_cond_init(&pool->work_done, NULL);
  pool->workers = calloc((size_t)pool->num_threads, sizeof(pthread_t));
  void *homes = NULL;
  if (posix_memalign(&homes, 64,
                     (size_t)pool->num_threads * sizeof(pat_home_range)) == 0)
    pool->homes = homes;
  if (!pool->workers || !pool->homes) {
    pat_thread_pool_destroy(pool);
    return NULL;
  }
  for (int t = 1; t < pool->num_threads; ++t) {
    worker_start *start = malloc(sizeof(*start));
    if (!start) {
      pool->num_threads = t;
      pat_thread_pool_destroy(pool);
      return NULL;
    }
    start->pool = pool;
    start->tid = t;
    if (pthread_create(&pool->workers[t], NULL, worker_main, start) != 0) {
      free(start);
      pool->num_threads = t;
      pat_thread_pool_destroy(pool);
      return NULL;
    }
  }
  return pool;
}

void pat_thread_pool_destroy(pat_thread_pool *pool) {
  if (!pool)
    return;
  pthread_mutex_lock(&pool->mutex);
  __atomic_store_n(&pool->stopping, 1, __ATOMIC_RELEASE);
  pthread_cond_broadcast(&pool->work_ready);
  pthread_mutex_unlock(&pool->mutex);
  for (int t = 1; t < pool->num_threads; ++t)
    pthread_join(pool->workers[t], NULL);
  pthread_mutex_destroy(&pool->mutex);
  pthread_cond_destroy(&pool->work_ready);
  pthread_cond_destroy(&pool->work_done);
  free(pool->workers);
  free(pool->homes);
  free(pool);
}

void pat_parallel_for(pat_ctx *ctx, int64_t n, int64_t grain, pat_range_fn fn,
                      void *arg) {
  if (n <= 0)
    return;
  if (grain < 1)
    grain = 1;
  pat_thread_pool *pool = ctx->pool;
  if (!pool || pool->num_threads == 1 || n <= grain) {
    fn(arg, 0, n, 0);
    return;
  }
  /* About four chunks per thread balances uneven work without much traffic
   * on the cursors. A range holds at least one chunk of `grain`: with fewer
   * indices than grain per thread, fewer threads have a home range. */
  int64_t threads = pool->num_threads;
  int64_t chunk = n / (threads * 4);
  chunk = chunk < grain ? grain : chunk;
  int64_t ranges = n / grain < threads ? n / grain : threads;
  pool->fn = fn;
  pool->arg = arg;
  pool->chunk = chunk;
  pool->ranges = (int32_t)ranges;
  for (int64_t r = 0; r < ranges; ++r) {
    pool->homes[r].next = n * r / ranges;
    pool->homes[r].end = n * (r + 1) / ranges;
  }
  __atomic_store_n(&pool->busy_workers, pool->num_threads - 1,
                   __ATOMIC_RELAXED);
  pthread_mutex_lock(&pool->mutex);
  __atomic_store_n(&pool->generation, pool->generation + 1, __ATOMIC_RELEASE);
  pthread_cond_broadcast(&pool->work_ready);
  pthread_mutex_unlock(&pool->mutex);
  run_chunks(pool, 0);
  for (int i = 0; i < pool->spins &&
                  __atomic_load_n(&pool->busy_workers, __ATOMIC_ACQUIRE) > 0;
       ++i)
    spin_pause();
  pthread_mutex_lock(&pool->mutex);
  while (__atomic_load_n(&pool->busy_workers, __ATOMIC_ACQUIRE) > 0)
    pthread_cond_wait(&pool->work_done, &pool->mutex);
  pthread_mutex_unlock(&pool->mutex);
}
