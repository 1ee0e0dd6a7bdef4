//===- Sparsity.cpp - Kernel-mask analysis of conv weights ----------------===//
//
// Part of patc.
//
//===----------------------------------------------------------------------===//

#include "passes/Sparsity.h"
#include <algorithm>
#include <map>

namespace pat {

WeightMasks WeightMasks::compute(llvm::ArrayRef<float> weight, int64_t outC,
                                 int64_t inC, int64_t kernelH,
                                 int64_t kernelW) {
  WeightMasks w;
  w.outC = outC;
  w.inC = inC;
  w.kernelH = kernelH;
  w.kernelW = kernelW;
  int64_t taps = kernelH * kernelW;
  w.masks.resize(outC * inC);
  for (int64_t k = 0; k < outC * inC; ++k) {
    w.masks[k] = nonzeroMask(weight.data() + k * taps, taps);
    w.emptyKernels += w.masks[k] == 0;
    w.nonzeroTaps += maskTaps(w.masks[k]);
  }
  return w;
}

std::vector<std::pair<KernelMask, int64_t>> WeightMasks::rankedMasks() const {
  std::map<KernelMask, int64_t> counts;
  for (KernelMask m : masks)
    if (m)
      ++counts[m];
  std::vector<std::pair<KernelMask, int64_t>> ranked(counts.begin(),
                                                     counts.end());
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](auto &a, auto &b) { return a.second > b.second; });
  return ranked;
}

std::vector<int32_t> assignPatterns(const WeightMasks &w,
                                    llvm::ArrayRef<KernelMask> patterns) {
  std::vector<int32_t> ids(w.masks.size(), -1);
  for (size_t k = 0; k < w.masks.size(); ++k) {
    KernelMask m = w.masks[k];
    if (!m)
      continue;
    int64_t bestTaps = kMaxMaskedTaps + 1;
    for (size_t p = 0; p < patterns.size(); ++p)
      if ((m & ~patterns[p]) == 0 && maskTaps(patterns[p]) < bestTaps) {
        bestTaps = maskTaps(patterns[p]);
        ids[k] = p;
      }
  }
  return ids;
}

std::vector<KernelMask> choosePatternSet(const WeightMasks &w,
                                         int64_t maxPatterns) {
  auto ranked = w.rankedMasks();
  std::vector<KernelMask> set;
  if ((int64_t)ranked.size() <= maxPatterns) {
    for (auto &[mask, count] : ranked)
      set.push_back(mask);
    return set;
  }
  int64_t taps = w.kernelH * w.kernelW;
  KernelMask full = taps == 64 ? ~KernelMask(0) : (KernelMask(1) << taps) - 1;
  for (auto &[mask, count] : ranked)
    if ((int64_t)set.size() < maxPatterns - 1 && mask != full)
      set.push_back(mask);
  set.push_back(full);
  return set;
}

} // namespace pat
