/*===- thread_pool.c - Fork-join thread pool for parallel loops ------------===
 *
 * Part of patc. Workers sleep on a condition variable between loops; a loop
 * hands out chunks through an atomic counter so uneven chunks balance. The
 * calling thread works as thread 0.
 *
 *===----------------------------------------------------------------------===*/

#include "pat_internal.h"
#include <pthread.h>
#include <stdlib.h>

struct pat_thread_pool {
  int32_t num_threads; /* including the caller */
  pthread_t *workers;
  pthread_mutex_t mutex;
  pthread_cond_t work_ready;
  pthread_cond_t work_done;
  uint64_t generation;
  int stopping;
  int busy_workers;
  /* The current loop. */
  pat_range_fn fn;
  void *arg;
  int64_t count, chunk;
  int64_t next; /* atomic */
};

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
    pthread_mutex_lock(&pool->mutex);
    while (pool->generation == seen && !pool->stopping)
      pthread_cond_wait(&pool->work_ready, &pool->mutex);
    if (pool->stopping) {
      pthread_mutex_unlock(&pool->mutex);
      return NULL;
    }
    seen = pool->generation;
    pthread_mutex_unlock(&pool->mutex);
    run_chunks(pool, start.tid);
    pthread_mutex_lock(&pool->mutex);
    if (--pool->busy_workers == 0)
      pthread_cond_signal(&pool->work_done);
    pthread_mutex_unlock(&pool->mutex);
  }
}

pat_thread_pool *pat_thread_pool_create(int32_t num_threads) {
  pat_thread_pool *pool = calloc(1, sizeof(*pool));
  if (!pool)
    return NULL;
  pool->num_threads = num_threads < 1 ? 1 : num_threads;
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
  pool->stopping = 1;
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
  pthread_mutex_lock(&pool->mutex);
  pool->busy_workers = pool->num_threads - 1;
  pool->generation++;
  pthread_cond_broadcast(&pool->work_ready);
  pthread_mutex_unlock(&pool->mutex);
  run_chunks(pool, 0);
  pthread_mutex_lock(&pool->mutex);
  while (pool->busy_workers > 0)
    pthread_cond_wait(&pool->work_done, &pool->mutex);
  pthread_mutex_unlock(&pool->mutex);
}
