//===- Sparsity.h - Kernel-mask analysis of conv weights --------*- C++ -*-===//
//
// Part of patc. What pat-sparsity-analysis, pat-fkr and pat-fkw-pack share:
// the masks of a dense OIHW weight and how kernels map onto a pattern set.
//
//===----------------------------------------------------------------------===//

#ifndef PAT_PASSES_SPARSITY_H
#define PAT_PASSES_SPARSITY_H

#include "dialects/pat/KernelMasks.h"
#include "llvm/ADT/ArrayRef.h"
#include <cstdint>
#include <vector>

namespace pat {

/// Masks of a dense [outC][inC][kH][kW] weight.
struct WeightMasks {
  int64_t outC = 0, inC = 0, kernelH = 0, kernelW = 0;
  std::vector<KernelMask> masks; ///< Per kernel (o * inC + c); 0 = empty.
  int64_t emptyKernels = 0, nonzeroTaps = 0;

  static WeightMasks compute(llvm::ArrayRef<float> weight, int64_t outC,
                             int64_t inC, int64_t kernelH, int64_t kernelW);
  /// Distinct non-empty masks, most frequent first (ties: lower mask).
  std::vector<std::pair<KernelMask, int64_t>> rankedMasks() const;
};

/// Pattern id of every kernel: the pattern with the fewest taps that covers
/// its mask, or -1 for an empty kernel (and for one nothing covers).
std::vector<int32_t> assignPatterns(const WeightMasks &w,
                                    llvm::ArrayRef<KernelMask> patterns);

/// A pattern set for `w` of at most `maxPatterns` masks: the distinct masks
/// if they fit, else the most frequent maxPatterns - 1 plus the full kernel.
std::vector<KernelMask> choosePatternSet(const WeightMasks &w,
                                         int64_t maxPatterns);

} // namespace pat

#endif // PAT_PASSES_SPARSITY_H
