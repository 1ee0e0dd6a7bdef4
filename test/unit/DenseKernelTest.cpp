//===- DenseKernelTest.cpp - Fully connected kernels vs reference -*- C++ -*-===//
//
// Part of patc. pat_gemv_rows_f32 (weights by input row, rows of zero inputs
// skipped) and pat_gemm_f32 (dot products) against a naive Gemm: inputs with
// no, half and only zeros, a NaN input, widths that are not a multiple of
// the vector or larger than one block of outputs, more non-zero inputs than
// one gathered batch, bias broadcasts, alpha/beta, activations, 1-3 threads.
//
//===----------------------------------------------------------------------===//

extern "C" {
#include "pat_kernels.h"
}
#include <cmath>
#include <gtest/gtest.h>
#include <random>
#include <vector>

namespace {

struct GemvCase {
  int64_t m, k, n;
  double zeroShare; ///< share of A's entries that are exactly 0
  int cKind;        ///< 0: no C, 1: C[n], 2: C[1], 3: C[m][n]
  float alpha, beta;
  int act;
};

/// Y = act(alpha * A B + beta * C), A [m][k], B [k][n], in double.
std::vector<float> reference(const GemvCase &c, const std::vector<float> &a,
                             const std::vector<float> &b,
                             const std::vector<float> &cv) {
  std::vector<float> y(c.m * c.n);
  for (int64_t i = 0; i < c.m; ++i)
    for (int64_t j = 0; j < c.n; ++j) {
      double s = 0;
      for (int64_t k = 0; k < c.k; ++k)
        s += double(a[i * c.k + k]) * b[k * c.n + j];
      double v = c.alpha * s;
      if (c.cKind == 1)
        v += c.beta * cv[j];
      else if (c.cKind == 2)
        v += c.beta * cv[0];
      else if (c.cKind == 3)
        v += c.beta * cv[i * c.n + j];
      if (c.act == PAT_ACT_RELU && v < 0)
        v = 0;
      y[i * c.n + j] = float(v);
    }
  return y;
}

void checkCase(const GemvCase &c, std::mt19937 &rng, pat_ctx *ctx,
               bool nanInput = false) {
  SCOPED_TRACE(::testing::Message()
               << "m " << c.m << " k " << c.k << " n " << c.n << " zeros "
               << c.zeroShare << " C " << c.cKind << " threads "
               << ctx->num_threads << (nanInput ? " NaN input" : ""));
  std::uniform_real_distribution<float> value(-1.f, 1.f);
  std::uniform_real_distribution<double> share(0.0, 1.0);
  std::vector<float> a(c.m * c.k), b(c.k * c.n), bt(c.n * c.k);
  for (float &v : a)
    v = share(rng) < c.zeroShare ? 0.f : value(rng);
  if (nanInput)
    a[c.k / 2] = NAN;
  for (int64_t k = 0; k < c.k; ++k)
    for (int64_t j = 0; j < c.n; ++j)
      bt[j * c.k + k] = b[k * c.n + j] = value(rng);
  std::vector<float> cv(c.cKind == 1 ? c.n : c.cKind == 2 ? 1 : c.m * c.n);
  for (float &v : cv)
    v = value(rng);
  pat_gemm_params p = {c.m, c.n, c.k, c.k, 1, c.n, 1,
                       c.cKind == 3 ? c.n : 0, c.cKind == 2 ? 0 : 1,
                       c.alpha, c.beta, {c.act, 0.f, 0.f}};
  const float *cp = c.cKind ? cv.data() : nullptr;
  std::vector<float> want = reference(c, a, b, cv);
  std::vector<float> rows(c.m * c.n, 1e30f);
  pat_gemv_rows_f32(ctx, &p, a.data(), b.data(), cp, rows.data());
  // pat_gemm_f32 on the [N][K] copy, as patc stores B for it.
  pat_gemm_params pt = p;
  pt.b_sk = 1;
  pt.b_sn = c.k;
  std::vector<float> dots(c.m * c.n, 1e30f);
  pat_gemm_f32(ctx, &pt, a.data(), bt.data(), cp, dots.data());
  for (int64_t i = 0; i < c.m * c.n; ++i) {
    if (nanInput && i / c.n == 0) {
      // The NaN input is not skipped: every output of its row is NaN.
      EXPECT_TRUE(std::isnan(rows[i])) << "output " << i;
      EXPECT_TRUE(std::isnan(dots[i])) << "output " << i;
      continue;
    }
    float tol = 1e-5f * (1.f + float(c.k));
    ASSERT_NEAR(rows[i], want[i], tol) << "gemv_rows output " << i;
    ASSERT_NEAR(dots[i], want[i], tol) << "gemm output " << i;
  }
}

class DenseKernels : public ::testing::TestWithParam<int> {};

TEST_P(DenseKernels, MatchReference) {
  int threads = GetParam();
  pat_ctx ctx = {pat_thread_pool_create(threads), threads, 64, nullptr};
  std::vector<char> scratch(64 * threads + 64);
  ctx.scratch = scratch.data();
  std::mt19937 rng(7);
  std::vector<GemvCase> cases = {
      {1, 1, 1, 0.0, 0, 1.f, 0.f, PAT_ACT_NONE},
      {1, 7, 15, 0.5, 1, 1.f, 1.f, PAT_ACT_NONE},      // odd widths
      {1, 100, 16, 0.5, 2, 0.5f, 2.f, PAT_ACT_RELU},   // C broadcast [1]
      {1, 100, 33, 1.0, 1, 1.f, 1.f, PAT_ACT_NONE},    // every input zero
      {1, 1037, 1000, 0.1, 1, 1.f, 1.f, PAT_ACT_RELU}, // > one gathered batch
      {1, 300, 5000, 0.45, 1, 1.f, 1.f, PAT_ACT_NONE}, // > one block of outputs
      {2, 64, 40, 0.5, 3, 1.f, 0.5f, PAT_ACT_NONE},    // two rows of A, C[m][n]
      {3, 19, 4097, 0.0, 0, 2.f, 0.f, PAT_ACT_RELU},
      {1, 2, 9000, 0.5, 1, 1.f, 1.f, PAT_ACT_NONE}, // 3 blocks at 1 thread
      {1, 0, 5, 0.0, 1, 1.f, 1.f, PAT_ACT_RELU},    // K of 0: beta * C
  };
  for (const GemvCase &c : cases)
    checkCase(c, rng, &ctx);
  checkCase({1, 50, 20, 0.5, 1, 1.f, 1.f, PAT_ACT_NONE}, rng, &ctx, true);
  std::uniform_int_distribution<int> dim(1, 70);
  for (int i = 0; i < 30; ++i) {
    GemvCase c = {1 + dim(rng) % 2, dim(rng) * 3, dim(rng) * 5, (dim(rng) % 3) / 2.0,
                  dim(rng) % 4, 1.f, 1.f, PAT_ACT_NONE};
    checkCase(c, rng, &ctx);
  }
  pat_thread_pool_destroy(ctx.pool);
}

INSTANTIATE_TEST_SUITE_P(Threads, DenseKernels, ::testing::Values(1, 2, 3));

} // namespace
