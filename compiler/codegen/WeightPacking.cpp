//===- WeightPacking.cpp - Compile-time weight layouts ----------*- C++ -*-===//
//
// Part of patc.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/WeightPacking.h"

namespace pat {

std::vector<float> packConvWeightsForGemm(llvm::ArrayRef<float> weights,
                                          llvm::ArrayRef<int64_t> shape,
                                          int64_t groups, int mr) {
  int64_t coutG = shape[0] / groups;
  int64_t k = shape[1] * shape[2] * shape[3];
  int64_t panels = (coutG + mr - 1) / mr;
  std::vector<float> packed(groups * panels * mr * k, 0.f);
  for (int64_t g = 0; g < groups; ++g)
    for (int64_t p = 0; p < panels; ++p) {
      float *dst = packed.data() + (g * panels + p) * mr * k;
      for (int64_t i = 0; i < mr; ++i) {
        int64_t row = p * mr + i;
        if (row >= coutG)
          break;
        const float *src = weights.data() + (g * coutG + row) * k;
        for (int64_t kk = 0; kk < k; ++kk)
          dst[kk * mr + i] = src[kk];
      }
    }
  return packed;
}

std::vector<float> transposeMatrix(llvm::ArrayRef<float> m, int64_t rows,
                                   int64_t cols) {
  std::vector<float> t(m.size());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      t[c * rows + r] = m[r * cols + c];
  return t;
}

} // namespace pat
