/*===- thread_pool.c - Fork-join thread pool for parallel loops ------------===
 *
 * Part of patc. Between loops, workers first spin for a while on the loop
 * counter (a model runs its layers' loops back to back, and waking a
 * sleeping thread costs tens of microseconds, more in a VM), then sleep on
 * a condition variable; the caller waits for the workers the same way. A
 * loop hands out chunks through an atomic counter so uneven chunks
 * balance. The calling thread works as thread 0.
 *
 *===----------------------------------------------------------------------===*/

#include "pat_internal.h"
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

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
  int64_t count, chunk;
  int64_t next; /* atomic */
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

static void run_chunks(pat_thread_pool *pool, int tid) {
  for (;;) {
    int64_t begin = __atomic_fetch_add(&pool->next, pool->chunk,
                                       __ATOMIC_RELAXED);
    if (begin >= pool->count)
      return;
    int64_t end = begin + pool->chunk;
    pool->fn(pool->arg, begin, end < pool->count ? end : pool->count, tid);
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
  if (!pool->workers) {
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
   * on the counter. */
  int64_t chunk = n / ((int64_t)pool->num_threads * 4);
  pool->fn = fn;
  pool->arg = arg;
  pool->count = n;
  pool->chunk = chunk < grain ? grain : chunk;
  pool->next = 0;
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
