//===- ShapeRules.h - Output-shape rules shared by ops and importer -*- C++ -*-===//
//
// Part of patc. One definition of each ONNX shape rule, used both by the op
// verifiers and by the ONNX importer when it builds result types.
//
//===----------------------------------------------------------------------===//

#ifndef PAT_DIALECT_SHAPERULES_H
#define PAT_DIALECT_SHAPERULES_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include <cstdint>
#include <optional>

namespace pat {

/// Output extent of a convolution along one spatial dim.
int64_t convOutputDim(int64_t in, int64_t kernel, int64_t stride,
                      int64_t padBegin, int64_t padEnd, int64_t dilation);

/// Output extent of a pooling window along one spatial dim, with ONNX's
/// ceil_mode rule (a last window that starts in the end padding is dropped).
int64_t poolOutputDim(int64_t in, int64_t kernel, int64_t stride,
                      int64_t padBegin, int64_t padEnd, int64_t dilation,
                      bool ceilMode);

/// Numpy broadcast of two shapes, or nullopt if they are incompatible.
std::optional<llvm::SmallVector<int64_t>>
broadcastShapes(llvm::ArrayRef<int64_t> a, llvm::ArrayRef<int64_t> b);

/// Row-major element strides of `shape` right-aligned in a rank-`rank`
/// broadcast, with 0 on broadcast (size-1 or missing) dims.
llvm::SmallVector<int64_t> broadcastStrides(llvm::ArrayRef<int64_t> shape,
                                            size_t rank);

} // namespace pat

#endif // PAT_DIALECT_SHAPERULES_H
