//===- KernelMasks.h - Non-zero masks of convolution kernels ----*- C++ -*-===//
//
// Part of patc. A kernel is one [kH x kW] slice of a conv weight (one output
// channel, one input channel). Its mask has bit (r * kW + c) set for each
// kept tap, so kernels up to 64 taps have a mask. Shared by pat-prune (which
// makes the masks) and the sparsity passes (which find and exploit them).
//
//===----------------------------------------------------------------------===//

#ifndef PAT_DIALECT_KERNELMASKS_H
#define PAT_DIALECT_KERNELMASKS_H

#include <cstdint>
#include <string>

namespace pat {

using KernelMask = uint64_t;

/// Kernels with more taps than this have no mask (and stay dense).
constexpr int64_t kMaxMaskedTaps = 64;

/// Mask of the non-zero taps of `kernel` (`taps` <= kMaxMaskedTaps).
KernelMask nonzeroMask(const float *kernel, int64_t taps);

/// Number of taps in a mask.
int64_t maskTaps(KernelMask mask);

/// The `n` largest-magnitude taps of a kH x kW kernel, with the centre tap
/// always among them when both sides are odd. Ties go to the lower tap.
KernelMask largestTapsMask(const float *kernel, int64_t kernelH,
                           int64_t kernelW, int64_t n);

/// Sum of squares of the taps of `kernel` inside `mask`.
double maskedSquaredNorm(const float *kernel, int64_t taps, KernelMask mask);

/// Rows of the mask, '1' kept and '0' pruned, separated by '/': "010/111/000".
std::string maskToString(KernelMask mask, int64_t kernelH, int64_t kernelW);

/// Inverse of maskToString; returns false if `text` is not kernelH rows of
/// kernelW '0'/'1' characters.
bool maskFromString(const std::string &text, int64_t kernelH, int64_t kernelW,
                    KernelMask &mask);

} // namespace pat

#endif // PAT_DIALECT_KERNELMASKS_H
