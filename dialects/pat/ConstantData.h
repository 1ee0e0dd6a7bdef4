//===- ConstantData.h - Reading and making constant tensors -----*- C++ -*-===//
//
// Part of patc. Constants are `pat.constant` ops holding either a
// `dense_resource` blob (weights) or a small DenseElementsAttr.
//
//===----------------------------------------------------------------------===//

#ifndef PAT_DIALECT_CONSTANTDATA_H
#define PAT_DIALECT_CONSTANTDATA_H

#include "dialects/pat/PatOps.h"
#include "mlir/IR/Builders.h"
#include <optional>
#include <vector>

namespace pat {

/// The constant op defining `v`, or null.
ConstantOp getConstantOp(mlir::Value v);

/// Raw little-endian bytes of a constant in its element type (i1 as one
/// byte per element). Empty optional if the attribute kind is unknown.
std::optional<std::vector<char>> getConstantBytes(mlir::ElementsAttr attr);

/// The values of an f32 constant, or nullopt if `v` is not one.
std::optional<std::vector<float>> getF32Constant(mlir::Value v);

/// Builds a `pat.constant` of f32 `data` with `shape`, stored as a
/// dense_resource blob named after `name`.
ConstantOp createF32Constant(mlir::OpBuilder &b, mlir::Location loc,
                             llvm::ArrayRef<int64_t> shape,
                             llvm::ArrayRef<float> data, llvm::StringRef name);

/// Builds a `pat.constant` of `type` from raw bytes (dense_resource blob).
ConstantOp createRawConstant(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::RankedTensorType type,
                             llvm::ArrayRef<char> bytes, llvm::StringRef name);

/// Size in bytes of one element of `type` as stored by patc.
int64_t elementByteSize(mlir::Type type);

} // namespace pat

#endif // PAT_DIALECT_CONSTANTDATA_H
