//===- WeightPacking.h - Compile-time weight layouts ------------*- C++ -*-===//
//
// Part of patc.
//
//===----------------------------------------------------------------------===//

#ifndef PAT_COMPILER_CODEGEN_WEIGHTPACKING_H
#define PAT_COMPILER_CODEGEN_WEIGHTPACKING_H

#include "llvm/ADT/ArrayRef.h"
#include <vector>

namespace pat {

/// Packs OIHW conv weights for pat_conv2d_gemm_f32: per group, the
/// [Cout/g][K] matrix (K = Cin/g * kH * kW) cut into panels of `mr` rows
/// stored k-major ([K][mr]), the last panel zero-padded.
std::vector<float> packConvWeightsForGemm(llvm::ArrayRef<float> weights,
                                          llvm::ArrayRef<int64_t> shape,
                                          int64_t groups, int mr);

/// Row-major [rows][cols] -> [cols][rows].
std::vector<float> transposeMatrix(llvm::ArrayRef<float> m, int64_t rows,
                                   int64_t cols);

} // namespace pat

#endif // PAT_COMPILER_CODEGEN_WEIGHTPACKING_H
