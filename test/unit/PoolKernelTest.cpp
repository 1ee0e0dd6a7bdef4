//===- PoolKernelTest.cpp - Max pooling kernels -----------------*- C++ -*-===//
//
// Part of patc. A 1x1 max pool without padding is how pat-subsample-pointwise
// subsamples the input of a strided 1x1 conv; the kernel copies those
// pixels. Checked against direct indexing on odd sizes and uneven strides,
// with NaN and -inf inputs (the max of one value is that value), for f32
// and u8, on 1 and 2 threads. Max pools with windows (the vectors of the
// 3-wide stride-2 and the 2x2 windows, the column-maxima path, windows
// one by one) against a naive window maximum, on 1 to 3 threads (bands of
// rows per thread).
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

struct WindowShape {
  int64_t c, h, w, k, stride, pad, dilation;
};

pat_pool2d_params windowParams(const WindowShape &s) {
  pat_pool2d_params p = {};
  p.batch = 1;
  p.channels = s.c;
  p.in_h = s.h;
  p.in_w = s.w;
  p.kernel_h = p.kernel_w = s.k;
  p.stride_h = p.stride_w = s.stride;
  p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = s.pad;
  p.dilation_h = p.dilation_w = s.dilation;
  int64_t reach = (s.k - 1) * s.dilation + 1;
  p.out_h = (s.h + 2 * s.pad - reach) / s.stride + 1;
  p.out_w = (s.w + 2 * s.pad - reach) / s.stride + 1;
  return p;
}

/* The window's maximum by `v > best` from `lowest`, as the kernels compare; NaN if a NaN is in the window (whose result the test skips: the
 * column-maxima path may drop a NaN's column). */
template <typename T>
T naiveWindowMax(const pat_pool2d_params &p, const T *plane, int64_t oy,
                 int64_t ox, T lowest, bool *hasNaN) {
  T best = lowest;
  *hasNaN = false;
  for (int64_t ky = 0; ky < p.kernel_h; ++ky)
    for (int64_t kx = 0; kx < p.kernel_w; ++kx) {
      int64_t iy = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
      int64_t ix = ox * p.stride_w - p.pad_left + kx * p.dilation_w;
      if (iy < 0 || iy >= p.in_h || ix < 0 || ix >= p.in_w)
        continue;
      T v = plane[iy * p.in_w + ix];
      *hasNaN |= v != v;
      best = v > best ? v : best;
    }
  return best;
}

class WindowPool : public ::testing::TestWithParam<int> {};

TEST_P(WindowPool, MatchesTheNaiveWindowMaximum) {
  int threads = GetParam();
  std::mt19937 rng(11);
  std::normal_distribution<float> normal;
  const WindowShape shapes[] = {
      {3, 112, 112, 3, 2, 1, 1}, // ResNet's first pool: vectors + borders
      {2, 15, 67, 3, 2, 1, 1},   // odd width: a scalar tail after vectors
      {2, 9, 70, 3, 2, 0, 1},    // no padding
      {2, 8, 33, 3, 2, 1, 1},    // narrower than two vectors
      {2, 2, 40, 3, 2, 1, 1},    // fewer output rows than 3 threads
      {3, 56, 56, 2, 2, 0, 1},   // VGG's 2x2 windows
      {2, 6, 75, 2, 2, 0, 1},    // odd width: the last input column unused
      {2, 11, 13, 3, 1, 1, 1},   // stride 1: column maxima, no vectors
      {2, 10, 30, 2, 2, 1, 1},   // a padded 2x2: not the plain path
      {2, 12, 41, 3, 2, 2, 2},   // dilation 2
      {1, 5, 9, 5, 3, 2, 1},     // 5x5, stride 3
  };
  // An all -inf window is -inf (ONNX Runtime's result too).
  const float lowest = -std::numeric_limits<float>::infinity();
  for (const WindowShape &s : shapes) {
    pat_pool2d_params p = windowParams(s);
    size_t scratchBytes = 4096;
    std::vector<char> scratch(scratchBytes * threads);
    pat_ctx ctx = {pat_thread_pool_create(threads), threads, scratchBytes,
                   scratch.data()};
    int64_t inPlane = p.in_h * p.in_w, outPlane = p.out_h * p.out_w;
    std::vector<float> in(p.channels * inPlane);
    for (float &v : in)
      v = normal(rng);
    // A NaN and -inf here and there, and a whole plane of -inf.
    for (size_t i = 0; i < in.size(); i += 97)
      in[i] = std::numeric_limits<float>::quiet_NaN();
    for (size_t i = 13; i < in.size(); i += 89)
      in[i] = -std::numeric_limits<float>::infinity();
    std::fill(in.begin(), in.begin() + inPlane,
              -std::numeric_limits<float>::infinity());
    std::vector<uint8_t> in8(in.size());
    for (size_t i = 0; i < in.size(); ++i)
      in8[i] = (uint8_t)(i * 37 % 251);
    std::vector<float> out(p.channels * outPlane, 42.f);
    std::vector<uint8_t> out8(out.size(), 42);
    pat_max_pool2d_f32(&ctx, &p, in.data(), out.data());
    pat_max_pool2d_u8(&ctx, &p, in8.data(), out8.data());
    int64_t checked = 0;
    for (int64_t c = 0; c < p.channels; ++c)
      for (int64_t y = 0; y < p.out_h; ++y)
        for (int64_t x = 0; x < p.out_w; ++x) {
          bool hasNaN, unused;
          float want = naiveWindowMax(p, in.data() + c * inPlane, y, x,
                                      lowest, &hasNaN);
          uint8_t want8 = naiveWindowMax<uint8_t>(p, in8.data() + c * inPlane,
                                                  y, x, 0, &unused);
          int64_t o = c * outPlane + y * p.out_w + x;
          ASSERT_EQ(out8[o], want8) << "u8, shape " << s.w << " y " << y
                                    << " x " << x;
          if (hasNaN)
            continue;
          ASSERT_EQ(out[o], want) << "shape " << s.h << "x" << s.w << " k "
                                  << s.k << " s " << s.stride << ", channel "
                                  << c << " y " << y << " x " << x;
          ++checked;
        }
    EXPECT_GT(checked, (int64_t)out.size() / 2); // few windows hold a NaN
    pat_thread_pool_destroy(ctx.pool);
  }
}

INSTANTIATE_TEST_SUITE_P(Threads, WindowPool, ::testing::Values(1, 2, 3));

} // namespace
