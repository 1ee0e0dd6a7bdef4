//===- PatternKernelTest.cpp - Generic pattern kernel vs reference -*- C++ -*-===//
//
// Part of patc. The runtime's generic pattern kernel (the fallback of
// generated tiles, and what runs strides above 2 and wide kernels) against
// the naive dense reference, on random shapes and random masks with FKW
// arrays built here independently of the compiler passes: random filter
// order, kernels of 1 to all taps, empty kernels and filters, stride 1-3,
// padding, dilation. The generated tiles are covered end to end by the
// pattern_path_vs_onnxruntime test. Also the scalar kernel over the
// channel-major arrays that runs a layer patc linked without FKW arrays
// should its tile not apply.
//
//===----------------------------------------------------------------------===//

extern "C" {
#include "conv_pattern.h"
}
#include <algorithm>
#include <cmath>
#include <gtest/gtest.h>
#include <map>
#include <numeric>
#include <random>
#include <vector>

namespace {

struct FkwLayer {
  std::vector<uint64_t> masks;
  std::vector<int32_t> reorder, offsets, index, stride;
  std::vector<int64_t> weightStart;
  std::vector<float> weights;
};

/// FKW storage of a dense OIHW weight: one pattern per distinct mask.
FkwLayer buildFkw(const std::vector<float> &w, int64_t cout, int64_t cin,
                  int64_t taps, std::mt19937 &rng) {
  FkwLayer l;
  std::map<uint64_t, int32_t> id;
  std::vector<uint64_t> kernelMask(cout * cin);
  for (int64_t k = 0; k < cout * cin; ++k) {
    uint64_t m = 0;
    for (int64_t t = 0; t < taps; ++t)
      if (w[k * taps + t] != 0.f)
        m |= uint64_t(1) << t;
    kernelMask[k] = m;
    if (m && !id.count(m)) {
      id[m] = l.masks.size();
      l.masks.push_back(m);
    }
  }
  l.reorder.resize(cout);
  std::iota(l.reorder.begin(), l.reorder.end(), 0);
  std::shuffle(l.reorder.begin(), l.reorder.end(), rng);
  l.offsets.push_back(0);
  for (int32_t o : l.reorder) {
    l.weightStart.push_back(l.weights.size());
    for (size_t p = 0; p < l.masks.size(); ++p) {
      l.stride.push_back(l.index.size());
      for (int64_t c = 0; c < cin; ++c) {
        if (kernelMask[o * cin + c] != l.masks[p])
          continue;
        l.index.push_back(c);
        for (int64_t t = 0; t < taps; ++t)
          if ((l.masks[p] >> t) & 1)
            l.weights.push_back(w[(o * cin + c) * taps + t]);
      }
    }
    l.stride.push_back(l.index.size());
    l.offsets.push_back(l.index.size());
  }
  return l;
}

struct ChannelMajor {
  std::vector<int32_t> stride, filter;
  std::vector<float> weights;
};

/// The FKW layer's kernels by input channel, then pattern (the runtime's
/// cm_stride, cm_filter, cm_weights), each naming its output channel.
ChannelMajor buildChannelMajor(const FkwLayer &l, int64_t cin) {
  int64_t P = l.masks.size() - 1; // the last mask is the sentinel 0
  ChannelMajor cm;
  for (int64_t c = 0; c < cin; ++c) {
    for (int64_t p = 0; p < P; ++p) {
      cm.stride.push_back(cm.filter.size());
      for (size_t f = 0; f < l.reorder.size(); ++f) {
        int64_t w = l.weightStart[f];
        for (int64_t q = 0; q < P; ++q)
          for (int32_t k = l.stride[f * (P + 1) + q];
               k < l.stride[f * (P + 1) + q + 1]; ++k) {
            int64_t taps = __builtin_popcountll(l.masks[q]);
            if (q == p && l.index[k] == c) {
              cm.filter.push_back(l.reorder[f]);
              cm.weights.insert(cm.weights.end(), l.weights.begin() + w,
                                l.weights.begin() + w + taps);
            }
            w += taps;
          }
      }
    }
    cm.stride.push_back(cm.filter.size()); // where channel c + 1 starts
  }
  cm.filter.push_back(0); // keep data() valid when there are no kernels
  cm.weights.push_back(0.f);
  return cm;
}

TEST(PatternKernel, GenericMatchesReference) {
  std::mt19937 rng(1234);
  std::normal_distribution<float> dist(0.f, 1.f);
  std::uniform_int_distribution<int> pick(0, 1 << 30);
  pat_ctx ctx = {pat_thread_pool_create(2), 2, 0, nullptr};
  for (int trial = 0; trial < 60; ++trial) {
    pat_conv2d_params p = {};
    p.batch = 1 + pick(rng) % 2;
    p.in_c = 1 + pick(rng) % 9;
    p.out_c = 1 + pick(rng) % 9;
    p.kernel_h = 1 + pick(rng) % 5;
    p.kernel_w = 1 + pick(rng) % 5;
    p.stride_h = 1 + pick(rng) % 3;
    p.stride_w = 1 + pick(rng) % 3;
    p.dilation_h = 1 + pick(rng) % 2;
    p.dilation_w = 1 + pick(rng) % 2;
    p.pad_top = pick(rng) % 3;
    p.pad_left = pick(rng) % 3;
    p.in_h = (p.kernel_h - 1) * p.dilation_h + 1 + pick(rng) % 12;
    p.in_w = (p.kernel_w - 1) * p.dilation_w + 1 + pick(rng) % 12;
    int64_t padBottom = pick(rng) % 3, padRight = pick(rng) % 3;
    p.out_h = (p.in_h + p.pad_top + padBottom - (p.kernel_h - 1) * p.dilation_h - 1) /
                  p.stride_h + 1;
    p.out_w = (p.in_w + p.pad_left + padRight - (p.kernel_w - 1) * p.dilation_w - 1) /
                  p.stride_w + 1;
    p.groups = 1;
    p.act = {trial % 3 == 0 ? PAT_ACT_RELU : PAT_ACT_NONE, 0.f, 0.f};
    int64_t taps = p.kernel_h * p.kernel_w;
    // Random masks; about a third of the kernels empty, the rest keep each
    // tap with probability 1/2; every fifth case is a whole-zero layer.
    std::vector<float> w(p.out_c * p.in_c * taps);
    for (int64_t k = 0; k < p.out_c * p.in_c; ++k) {
      bool empty = trial % 5 == 4 || pick(rng) % 3 == 0;
      for (int64_t t = 0; t < taps; ++t)
        w[k * taps + t] = !empty && pick(rng) % 2 ? dist(rng) : 0.f;
    }
    std::vector<float> in(p.batch * p.in_c * p.in_h * p.in_w), bias(p.out_c);
    for (float &v : in)
      v = dist(rng);
    for (float &v : bias)
      v = dist(rng);
    FkwLayer f = buildFkw(w, p.out_c, p.in_c, taps, rng);
    f.masks.push_back(0); // keep data() valid when there are no patterns
    pat_pconv_layer layer = {};
    layer.conv = p;
    layer.num_patterns = f.masks.size() - 1;
    layer.masks = f.masks.data();
    layer.reorder = f.reorder.data();
    layer.offsets = f.offsets.data();
    layer.index = f.index.data();
    layer.stride = f.stride.data();
    layer.weight_start = f.weightStart.data();
    layer.weights = f.weights.data();
    layer.bias = bias.data();
    size_t outSize = p.batch * p.out_c * p.out_h * p.out_w;
    std::vector<float> ref(outSize), got(outSize, 1e30f);
    pat_conv2d_reference_f32(&p, in.data(), w.data(), bias.data(), ref.data());
    pat_pattern_conv2d_f32(&ctx, &layer, in.data(), NULL, got.data());
    for (size_t i = 0; i < outSize; ++i)
      ASSERT_NEAR(got[i], ref[i], 1e-4f * (1.f + std::fabs(ref[i])))
          << "trial " << trial << " element " << i;

    // The same kernels linked as patc links a channel-major layer: no FKW
    // arrays, the kernels by input channel and pattern, no tile (the
    // scalar kernel over those arrays runs it); with a residual when there
    // is no activation to apply after it.
    ChannelMajor cm = buildChannelMajor(f, p.in_c);
    pat_pconv_layer cmLayer = {};
    cmLayer.conv = p;
    cmLayer.num_patterns = layer.num_patterns;
    cmLayer.masks = f.masks.data();
    cmLayer.bias = bias.data();
    cmLayer.cm_stride = cm.stride.data();
    cmLayer.cm_filter = cm.filter.data();
    cmLayer.cm_weights = cm.weights.data();
    std::vector<float> residual;
    if (p.act.kind == PAT_ACT_NONE && trial % 2) {
      residual.resize(outSize);
      for (size_t i = 0; i < outSize; ++i) {
        residual[i] = dist(rng);
        ref[i] += residual[i];
      }
    }
    std::fill(got.begin(), got.end(), 1e30f);
    pat_pattern_conv2d_f32(&ctx, &cmLayer, in.data(),
                           residual.empty() ? NULL : residual.data(),
                           got.data());
    for (size_t i = 0; i < outSize; ++i)
      ASSERT_NEAR(got[i], ref[i], 1e-4f * (1.f + std::fabs(ref[i])))
          << "channel-major, trial " << trial << " element " << i;
  }
  pat_thread_pool_destroy(ctx.pool);
}

} // namespace
