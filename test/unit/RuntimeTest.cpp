//===- RuntimeTest.cpp - Thread pool, session ABI, concurrency --*- C++ -*-===//
//
// Part of patc. Links the runtime with test_model_stub.c, a hand-written
// "generated model" that doubles a 1024-float input through the arena.
//
//===----------------------------------------------------------------------===//

extern "C" {
#include "pat_internal.h"
extern char *pat_test_last_arena; // set by test_model_stub.c
}
#include <atomic>
#include <chrono>
#include <gtest/gtest.h>
#include <thread>
#include <vector>

namespace {

struct Coverage {
  std::vector<std::atomic<int>> hits;
  std::atomic<int> maxTid{0};
  explicit Coverage(size_t n) : hits(n) {}
};

void countRange(void *arg, int64_t begin, int64_t end, int tid) {
  auto *c = static_cast<Coverage *>(arg);
  for (int64_t i = begin; i < end; ++i)
    c->hits[i]++;
  int seen = c->maxTid.load();
  while (tid > seen && !c->maxTid.compare_exchange_weak(seen, tid)) {
  }
}

TEST(ThreadPool, EveryIndexRunsExactlyOnce) {
  for (int threads : {1, 2, 3, 8}) {
    pat_ctx ctx = {pat_thread_pool_create(threads), threads, 0, nullptr};
    ASSERT_NE(ctx.pool, nullptr);
    for (int64_t n : {0, 1, 7, 100, 4097})
      for (int64_t grain : {1, 5, 1000}) {
        Coverage c(n);
        pat_parallel_for(&ctx, n, grain, countRange, &c);
        for (int64_t i = 0; i < n; ++i)
          ASSERT_EQ(c.hits[i].load(), 1)
              << "threads " << threads << " n " << n << " grain " << grain;
        EXPECT_LT(c.maxTid.load(), threads);
      }
    pat_thread_pool_destroy(ctx.pool);
  }
}

// Loops back to back, as a model's layers run them: workers pick each new
// loop up while still spinning, or after sleeping when the gap is long (the
// pause below outlasts the spin), or never spin (8 threads, more than this
// machine's CPUs). Every loop must see every index exactly once.
TEST(ThreadPool, BackToBackLoops) {
  for (int threads : {2, 3, 8}) {
    pat_ctx ctx = {pat_thread_pool_create(threads), threads, 0, nullptr};
    ASSERT_NE(ctx.pool, nullptr);
    for (int loop = 0; loop < 3000; ++loop) {
      int64_t n = 1 + loop % 37;
      Coverage c(n);
      pat_parallel_for(&ctx, n, 1, countRange, &c);
      for (int64_t i = 0; i < n; ++i)
        ASSERT_EQ(c.hits[i].load(), 1) << "threads " << threads << " loop " << loop;
      if (loop % 500 == 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    pat_thread_pool_destroy(ctx.pool);
  }
}

TEST(ThreadPool, UsesMoreThanOneThread) {
  pat_ctx ctx = {pat_thread_pool_create(2), 2, 0, nullptr};
  Coverage c(1 << 16);
  // The caller's chunks wait (up to 10 s) until the worker has taken one:
  // a working pool hands it some of the chunks however loaded the machine
  // is. (A fixed 50 us per chunk let the caller finish all 8 chunks before
  // a descheduled worker woke, under a parallel ctest.)
  pat_parallel_for(&ctx, 1 << 16, 1, [](void *arg, int64_t b, int64_t e, int tid) {
    countRange(arg, b, e, tid);
    static std::atomic<bool> gaveUp{false}; // once: a broken pool fails fast
    auto *cov = static_cast<Coverage *>(arg);
    auto start = std::chrono::steady_clock::now();
    while (tid == 0 && cov->maxTid.load() < 1 && !gaveUp.load())
      if (std::chrono::steady_clock::now() - start > std::chrono::seconds(10))
        gaveUp = true;
      else
        std::this_thread::sleep_for(std::chrono::microseconds(50));
  }, &c);
  EXPECT_EQ(c.maxTid.load(), 1);
  pat_thread_pool_destroy(ctx.pool);
}

// Which thread ran each index, and the first index each thread ran.
struct Owners {
  std::vector<std::atomic<int>> tidOf;
  std::vector<std::atomic<int64_t>> firstOf;
  Owners(size_t n, int threads) : tidOf(n), firstOf(threads) {
    for (auto &t : tidOf)
      t = -1;
    for (auto &f : firstOf)
      f = -1;
  }
  void record(int64_t begin, int64_t end, int tid) {
    int64_t none = -1;
    firstOf[tid].compare_exchange_strong(none, begin);
    for (int64_t i = begin; i < end; ++i)
      tidOf[i] = tid;
  }
};

// Each thread starts at its home range, [n*t/T, n*(t+1)/T): the same part
// of a map stays on the same core from loop to loop. A thread that woke
// late starts where the others' takings from its home end, or, with its
// home emptied, elsewhere and runs none of it. (A shared counter handing
// out chunks in order fails this.)
TEST(ThreadPool, ThreadsStartAtTheirHomeRange) {
  for (int threads : {2, 3}) {
    pat_ctx ctx = {pat_thread_pool_create(threads), threads, 0, nullptr};
    for (int loop = 0; loop < 200; ++loop) {
      const int64_t n = 600;
      Owners o(n, threads);
      pat_parallel_for(&ctx, n, 1, [](void *arg, int64_t b, int64_t e, int tid) {
        static_cast<Owners *>(arg)->record(b, e, tid);
      }, &o);
      for (int t = 0; t < threads; ++t) {
        int64_t home = n * t / threads, homeEnd = n * (t + 1) / threads;
        int64_t first = o.firstOf[t];
        bool inHome = first >= home && first < homeEnd;
        // Before `first` in its home (or in all of it): others' indices.
        for (int64_t i = home; i < (inHome ? first : homeEnd); ++i)
          ASSERT_NE(o.tidOf[i].load(), t)
              << "thread " << t << " of " << threads << " started at "
              << first << ", not at its home " << home;
      }
    }
    pat_thread_pool_destroy(ctx.pool);
  }
}

// A thread done with its own range takes chunks of the others': the caller
// holds its first chunk (up to 10 s) until the worker has run part of the
// caller's home range.
TEST(ThreadPool, IdleThreadsTakeOverOthersChunks) {
  pat_ctx ctx = {pat_thread_pool_create(2), 2, 0, nullptr};
  const int64_t n = 1 << 12;
  Owners o(n, 2);
  pat_parallel_for(&ctx, n, 1, [](void *arg, int64_t b, int64_t e, int tid) {
    auto *own = static_cast<Owners *>(arg);
    own->record(b, e, tid);
    if (tid != 0 || b != 0)
      return;
    auto start = std::chrono::steady_clock::now();
    auto workerInCallersHome = [&] {
      for (int64_t i = e; i < (int64_t)own->tidOf.size() / 2; ++i)
        if (own->tidOf[i] == 1)
          return true;
      return false;
    };
    while (!workerInCallersHome() &&
           std::chrono::steady_clock::now() - start < std::chrono::seconds(10))
      std::this_thread::sleep_for(std::chrono::microseconds(200));
  }, &o);
  int64_t taken = 0;
  for (int64_t i = 0; i < n / 2; ++i)
    taken += o.tidOf[i] == 1;
  EXPECT_GT(taken, 0);
  for (int64_t i = 0; i < n; ++i)
    ASSERT_NE(o.tidOf[i].load(), -1) << i;
  pat_thread_pool_destroy(ctx.pool);
}

TEST(SessionAbi, ModelInfo) {
  const pat_model_info *info = pat_model_get_info();
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->abi_version, PAT_ABI_VERSION);
  EXPECT_EQ(info->num_inputs, 1);
  EXPECT_STREQ(info->inputs[0].name, "x");
  EXPECT_EQ(info->inputs[0].num_bytes, 4096);
}

TEST(SessionAbi, RunAndErrors) {
  pat_session_options opts = {3};
  pat_session *s = pat_session_create(&opts);
  ASSERT_NE(s, nullptr) << pat_last_error();
  EXPECT_EQ(pat_session_num_threads(s), 3);
  std::vector<float> in(1024), out(1024, -1.f);
  for (int i = 0; i < 1024; ++i)
    in[i] = (float)i;
  const void *ins[] = {in.data()};
  void *outs[] = {out.data()};
  ASSERT_EQ(pat_session_run(s, ins, outs), 0);
  for (int i = 0; i < 1024; ++i)
    ASSERT_EQ(out[i], 2.f * i);
  void *nullOuts[] = {nullptr};
  EXPECT_NE(pat_session_run(s, ins, nullOuts), 0);
  EXPECT_NE(std::string(pat_last_error()).find("output 0"), std::string::npos);
  EXPECT_NE(pat_session_run(nullptr, ins, outs), 0);
  pat_session_destroy(s);
  pat_session_destroy(nullptr); // allowed
  pat_session_options tooMany = {100000};
  EXPECT_EQ(pat_session_create(&tooMany), nullptr);
  EXPECT_NE(std::string(pat_last_error()).find("num_threads"), std::string::npos);
}

TEST(SessionArena, OnePerSessionAlignedAndReused) {
  pat_session *a = pat_session_create(nullptr);
  pat_session *b = pat_session_create(nullptr);
  ASSERT_TRUE(a && b);
  std::vector<float> in(1024, 1.f), out(1024);
  const void *ins[] = {in.data()};
  void *outs[] = {out.data()};
  ASSERT_EQ(pat_session_run(a, ins, outs), 0);
  char *arenaA = pat_test_last_arena;
  ASSERT_EQ(pat_session_run(b, ins, outs), 0);
  char *arenaB = pat_test_last_arena;
  ASSERT_EQ(pat_session_run(a, ins, outs), 0);
  EXPECT_EQ(pat_test_last_arena, arenaA) << "a session reuses its arena";
  EXPECT_NE(arenaA, arenaB) << "sessions must not share an arena";
  EXPECT_EQ(reinterpret_cast<uintptr_t>(arenaA) % 64, 0u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(arenaB) % 64, 0u);
  // The whole arena_bytes are usable: the stub wrote all 1024 floats there.
  for (int i = 0; i < 1024; ++i)
    ASSERT_EQ(reinterpret_cast<float *>(arenaA)[i], 2.f);
  pat_session_destroy(a);
  pat_session_destroy(b);
}

TEST(SessionAbi, DefaultOptionsUseAllCpus) {
  pat_session *s = pat_session_create(nullptr);
  ASSERT_NE(s, nullptr);
  EXPECT_GE(pat_session_num_threads(s), 1);
  pat_session_destroy(s);
}

TEST(SessionAbi, TwoSessionsRunConcurrently) {
  auto worker = [](float scale, bool *ok) {
    pat_session_options opts = {2};
    pat_session *s = pat_session_create(&opts);
    std::vector<float> in(1024, scale), out(1024);
    const void *ins[] = {in.data()};
    void *outs[] = {out.data()};
    *ok = s != nullptr;
    for (int r = 0; r < 200 && *ok; ++r) {
      *ok = pat_session_run(s, ins, outs) == 0;
      for (int i = 0; i < 1024 && *ok; ++i)
        *ok = out[i] == 2.f * scale;
    }
    pat_session_destroy(s);
  };
  bool ok1 = false, ok2 = false;
  std::thread a(worker, 1.f, &ok1), b(worker, 3.f, &ok2);
  a.join();
  b.join();
  EXPECT_TRUE(ok1);
  EXPECT_TRUE(ok2);
}

} // namespace
