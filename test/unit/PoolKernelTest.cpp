//===- PoolKernelTest.cpp - Max pooling's subsample path --------*- C++ -*-===//
//
// Part of patc. A 1x1 max pool without padding is how pat-subsample-pointwise
// subsamples the input of a strided 1x1 conv; the kernel copies those
// pixels. Checked against direct indexing on odd sizes and uneven strides,
// with NaN and -inf inputs (the max of one value is that value), for f32
// and u8, on 1 and 2 threads.
//
//===----------------------------------------------------------------------===//

extern "C" {
#include "pat_kernels.h"
}
#include <cmath>
#include <gtest/gtest.h>
#include <limits>
#include <random>
#include <vector>

namespace {

pat_pool2d_params subsampleParams(int64_t c, int64_t h, int64_t w, int64_t sh,
                                  int64_t sw) {
  pat_pool2d_params p = {};
  p.batch = 2;
  p.channels = c;
  p.in_h = h;
  p.in_w = w;
  p.out_h = (h - 1) / sh + 1;
  p.out_w = (w - 1) / sw + 1;
  p.kernel_h = p.kernel_w = 1;
  p.stride_h = sh;
  p.stride_w = sw;
  p.dilation_h = p.dilation_w = 1;
  return p;
}

class SubsamplePool : public ::testing::TestWithParam<int> {};

TEST_P(SubsamplePool, CopiesEveryStrideThPixel) {
  int threads = GetParam();
  std::vector<char> scratch(4096 * threads);
  pat_ctx ctx = {pat_thread_pool_create(threads), threads, 4096,
                 scratch.data()};
  std::mt19937 rng(7);
  std::normal_distribution<float> normal;
  const int64_t shapes[][5] = {{3, 15, 15, 2, 2}, {1, 7, 9, 2, 3},
                               {5, 14, 14, 2, 2}, {2, 5, 1, 3, 1},
                               {4, 1, 11, 1, 4}};
  for (const auto &s : shapes) {
    pat_pool2d_params p = subsampleParams(s[0], s[1], s[2], s[3], s[4]);
    int64_t planes = p.batch * p.channels;
    std::vector<float> in(planes * p.in_h * p.in_w);
    for (float &v : in)
      v = normal(rng);
    in[0] = std::numeric_limits<float>::quiet_NaN();
    in[in.size() - 1] = -std::numeric_limits<float>::infinity();
    std::vector<float> out(planes * p.out_h * p.out_w, 42.f);
    std::vector<uint8_t> in8(in.size()), out8(out.size(), 42);
    for (size_t i = 0; i < in.size(); ++i)
      in8[i] = (uint8_t)(i * 37 % 251);
    pat_max_pool2d_f32(&ctx, &p, in.data(), out.data());
    pat_max_pool2d_u8(&ctx, &p, in8.data(), out8.data());
    for (int64_t pl = 0; pl < planes; ++pl)
      for (int64_t y = 0; y < p.out_h; ++y)
        for (int64_t x = 0; x < p.out_w; ++x) {
          int64_t at = (pl * p.in_h + y * p.stride_h) * p.in_w + x * p.stride_w;
          int64_t o = (pl * p.out_h + y) * p.out_w + x;
          if (std::isnan(in[at]))
            EXPECT_TRUE(std::isnan(out[o])) << "plane " << pl;
          else
            EXPECT_EQ(out[o], in[at]) << "plane " << pl << " y " << y
                                      << " x " << x;
          EXPECT_EQ(out8[o], in8[at]);
        }
  }
  pat_thread_pool_destroy(ctx.pool);
}

INSTANTIATE_TEST_SUITE_P(Threads, SubsamplePool, ::testing::Values(1, 2));

} // namespace
