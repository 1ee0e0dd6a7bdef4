//===- ConvKernelTest.cpp - Conv kernels against the reference --*- C++ -*-===//
//
// Part of patc. Random shapes, including the edges: stride 2, padding,
// dilation, groups, 1 channel, odd widths, 1x1, whole-zero weights. Built
// once per target the machine runs (runtime_unit_tests: generic;
// runtime_conv_tests_avx2/avx512: the SIMD micro-kernels and packing paths),
// PAT_GEMM_MR coming from the header as in patc's packing.
//
//===----------------------------------------------------------------------===//

extern "C" {
#include "pat_kernels.h"
}
#include "compiler/codegen/WeightPacking.h"
#include <algorithm>
#include <gtest/gtest.h>
#include <random>
#include <vector>

namespace {

struct ConvCase {
  int64_t batch, cin, h, w, cout, kh, kw, stride, pad, dilation, groups;
  bool bias;
  int act;
  bool zeroWeights;
};

pat_conv2d_params paramsFor(const ConvCase &c) {
  pat_conv2d_params p = {};
  p.batch = c.batch;
  p.in_c = c.cin;
  p.in_h = c.h;
  p.in_w = c.w;
  p.out_c = c.cout;
  p.kernel_h = c.kh;
  p.kernel_w = c.kw;
  p.stride_h = p.stride_w = c.stride;
  p.pad_top = p.pad_left = c.pad;
  p.dilation_h = p.dilation_w = c.dilation;
  p.groups = c.groups;
  p.out_h = (c.h + 2 * c.pad - c.dilation * (c.kh - 1) - 1) / c.stride + 1;
  p.out_w = (c.w + 2 * c.pad - c.dilation * (c.kw - 1) - 1) / c.stride + 1;
  p.act = {c.act, 0.1f, 0.5f};
  return p;
}

void checkCase(const ConvCase &c, std::mt19937 &rng, pat_ctx *ctx) {
  pat_conv2d_params p = paramsFor(c);
  std::normal_distribution<float> dist(0.f, 1.f);
  std::vector<float> in(p.batch * p.in_c * p.in_h * p.in_w);
  std::vector<float> w(p.out_c * (p.in_c / p.groups) * p.kernel_h * p.kernel_w);
  std::vector<float> bias(p.out_c);
  for (float &v : in)
    v = dist(rng);
  for (float &v : w)
    v = c.zeroWeights ? 0.f : dist(rng);
  for (float &v : bias)
    v = dist(rng);
  size_t outSize = p.batch * p.out_c * p.out_h * p.out_w;
  // The output 64-byte aligned, as the arena's tensors are (the
  // channel-lane kernel streams whole aligned vectors with several threads).
  std::vector<float> ref(outSize), gotStorage(outSize + 16, 1e30f);
  float *got = gotStorage.data() +
               (16 - reinterpret_cast<uintptr_t>(gotStorage.data()) / 4 % 16) % 16;
  const float *b = c.bias ? bias.data() : nullptr;
  pat_conv2d_reference_f32(&p, in.data(), w.data(), b, ref.data());
  int64_t shape[] = {p.out_c, p.in_c / p.groups, p.kernel_h, p.kernel_w};
  auto expectNear = [&](const std::vector<float> &want, const char *what) {
    for (size_t i = 0; i < outSize; ++i)
      ASSERT_NEAR(got[i], want[i], 1e-4f * (1.f + std::abs(want[i])))
          << what << ": element " << i << " of cin " << c.cin << " h " << c.h
          << " w " << c.w << " cout " << c.cout << " k " << c.kh << "x"
          << c.kw << " stride " << c.stride << " pad " << c.pad << " dil "
          << c.dilation << " groups " << c.groups;
  };
  if (p.in_c / p.groups == 1 && p.groups > 1) {
    pat_conv2d_depthwise_f32(ctx, &p, in.data(), w.data(), b, got);
    expectNear(ref, "depthwise");
    return;
  }
  // With a residual: act(conv + bias + residual), the activation applied
  // after the add.
  std::vector<float> residual(outSize), want(outSize);
  for (float &v : residual)
    v = dist(rng);
  pat_conv2d_params linear = p;
  linear.act = {PAT_ACT_NONE, 0.f, 0.f};
  pat_conv2d_reference_f32(&linear, in.data(), w.data(), b, want.data());
  for (size_t i = 0; i < outSize; ++i)
    want[i] += residual[i];
  pat_activation_f32(want.data(), want.data(), (int64_t)outSize, p.act);

  // Both GEMM kernels (pixels on the lanes; channels on the lanes), each
  // with its own weight packing, with and without the residual.
  using GemmKernel = void (*)(pat_ctx *, const pat_conv2d_params *,
                              const float *, const float *, const float *,
                              const float *, float *);
  struct {
    const char *name;
    GemmKernel kernel;
    int mr;
  } kernels[] = {{"gemm_pixels", pat_conv2d_gemm_f32, PAT_GEMM_MR},
                 {"gemm_channels", pat_conv2d_gemm_channels_f32, PAT_GEMM_CH_MR}};
  for (const auto &k : kernels) {
    SCOPED_TRACE(k.name);
    std::vector<float> packed =
        pat::packConvWeightsForGemm(w, shape, p.groups, k.mr);
    std::fill(got, got + outSize, 1e30f);
    k.kernel(ctx, &p, in.data(), packed.data(), b, nullptr, got);
    expectNear(ref, "no residual");
    std::fill(got, got + outSize, 1e30f);
    k.kernel(ctx, &p, in.data(), packed.data(), b, residual.data(),
             got);
    expectNear(want, "with residual");
  }
}

class ConvKernels : public ::testing::TestWithParam<int> {};

TEST_P(ConvKernels, MatchReference) {
  int threads = GetParam();
  pat_ctx ctx = {pat_thread_pool_create(threads), threads,
                 PAT_GEMM_SCRATCH_BYTES, nullptr};
  std::vector<char> scratch(PAT_GEMM_SCRATCH_BYTES * threads + 64);
  ctx.scratch = scratch.data();
  std::mt19937 rng(42);
  std::vector<ConvCase> cases = {
      {1, 1, 5, 7, 3, 3, 3, 1, 1, 1, 1, true, PAT_ACT_NONE, false},  // 1 channel
      {1, 3, 17, 13, 8, 3, 3, 2, 1, 1, 1, true, PAT_ACT_RELU, false}, // stride 2
      {2, 5, 9, 11, 7, 3, 3, 1, 2, 2, 1, false, PAT_ACT_NONE, false}, // dilation
      {1, 16, 8, 8, 33, 1, 1, 1, 0, 1, 1, true, PAT_ACT_CLIP, false}, // 1x1
      {1, 16, 9, 9, 20, 1, 1, 2, 0, 1, 1, true, PAT_ACT_NONE, false}, // 1x1 s2
      {1, 8, 10, 10, 8, 3, 3, 1, 1, 1, 2, true, PAT_ACT_LEAKY_RELU, false}, // groups
      {1, 8, 11, 9, 8, 3, 3, 1, 1, 1, 8, true, PAT_ACT_HARD_SWISH, false},  // depthwise
      {1, 8, 12, 12, 16, 3, 3, 2, 1, 1, 8, false, PAT_ACT_NONE, false}, // dw multiplier 2
      {1, 4, 6, 6, 5, 5, 5, 1, 2, 1, 1, true, PAT_ACT_SIGMOID, false},  // 5x5
      {1, 6, 7, 7, 9, 3, 3, 1, 1, 1, 1, true, PAT_ACT_NONE, true},      // zero layer
      {1, 300, 6, 5, 13, 3, 3, 1, 1, 1, 1, true, PAT_ACT_TANH, false},  // K > KC
      {1, 3, 40, 37, 12, 3, 3, 1, 1, 1, 1, true, PAT_ACT_NONE, false},  // N > NC
      {1, 2, 4, 4, 3, 3, 1, 1, 0, 1, 1, true, PAT_ACT_NONE, false},     // 3x1 kernel
      // ResNet's first layer, narrowed: the vector stride-2 im2col copies
      // need output runs longer than a vector.
      {1, 3, 41, 75, 8, 7, 7, 2, 3, 1, 1, true, PAT_ACT_RELU, false},
      {1, 2, 9, 36, 5, 3, 3, 2, 0, 1, 1, false, PAT_ACT_NONE, false}, // no pad, even
      // Small maps (the channel-lane kernel's first use): 7x7 with a partial
      // channel panel, 14x14 pointwise with K > KC, 1x1 stride 2 onto 7x7.
      {1, 64, 7, 7, 40, 1, 1, 1, 0, 1, 1, true, PAT_ACT_RELU, false},
      {2, 300, 14, 14, 33, 1, 1, 1, 0, 1, 1, false, PAT_ACT_NONE, false},
      {1, 40, 14, 14, 36, 1, 1, 2, 0, 1, 1, true, PAT_ACT_NONE, false},
      {1, 70, 7, 7, 17, 3, 3, 1, 1, 1, 1, true, PAT_ACT_RELU, false},
      // More pixels than one chunk and more channel panels than the
      // scratch holds accumulators for (the channel-lane kernel splits both).
      {1, 8, 20, 20, 300, 1, 1, 1, 0, 1, 1, true, PAT_ACT_NONE, false},
      {1, 5, 23, 23, 70, 3, 3, 1, 1, 1, 1, false, PAT_ACT_RELU, false},
      // Stride 3: the channel-lane kernel's packed fallback (its input bands serve
      // strides 1 and 2); dilation through the bands; a chunk row longer
      // than the scratch's chunk (300 output columns).
      {1, 4, 15, 16, 34, 3, 3, 3, 1, 1, 1, true, PAT_ACT_RELU, false},
      {1, 3, 20, 21, 33, 5, 5, 1, 4, 2, 1, true, PAT_ACT_NONE, false},
      {1, 2, 3, 600, 20, 3, 3, 2, 1, 1, 1, true, PAT_ACT_NONE, false},
      // Depthwise, row by row: 5x5 stride 2 dilated, and a kernel wider
      // than the column ranges it caches per plane (17 > 16).
      {1, 6, 13, 14, 6, 5, 5, 2, 3, 2, 6, true, PAT_ACT_RELU, false},
      {2, 3, 5, 21, 3, 1, 17, 1, 8, 1, 3, true, PAT_ACT_NONE, false},
  };
  for (const ConvCase &c : cases)
    checkCase(c, rng, &ctx);
  // Random shapes.
  std::uniform_int_distribution<int> small(1, 9);
  for (int i = 0; i < 40; ++i) {
    ConvCase c = {1 + small(rng) % 2, small(rng), 3 + small(rng), 3 + small(rng),
                  small(rng), 1 + small(rng) % 3, 1 + small(rng) % 3,
                  1 + small(rng) % 2, small(rng) % 2, 1, 1, small(rng) % 2 == 0,
                  PAT_ACT_RELU, false};
    checkCase(c, rng, &ctx);
  }
  pat_thread_pool_destroy(ctx.pool);
}

INSTANTIATE_TEST_SUITE_P(Threads, ConvKernels, ::testing::Values(1, 2, 3));

} // namespace
