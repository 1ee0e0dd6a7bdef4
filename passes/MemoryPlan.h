//===- MemoryPlan.h - Static arena planning ---------------------*- C++ -*-===//
//
// Part of patc. Shared by the pat-plan-memory pass and the C emitter, so that
// both agree on where each tensor lives.
//
//===----------------------------------------------------------------------===//

#ifndef PAT_PASSES_MEMORYPLAN_H
#define PAT_PASSES_MEMORYPLAN_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"

namespace pat {

/// Alignment of every arena buffer and weight blob, in bytes.
constexpr int64_t kTensorAlignment = 64;

/// True if `v` is produced by a reshape that patc implements as a view of its
/// operand's storage (every reshape except one whose result is returned).
bool isViewValue(mlir::Value v);

/// The value whose storage `v` shares (follows view chains).
mlir::Value storageRoot(mlir::Value v);

/// True if `v` is one of the function's returned values.
bool isGraphOutput(mlir::Value v);

struct MemoryPlan {
  /// Arena offset of every value that lives in the arena.
  llvm::DenseMap<mlir::Value, int64_t> offsets;
  int64_t arenaBytes = 0;
};

/// Packs the function's intermediate tensors into one arena.
MemoryPlan planMemory(mlir::func::FuncOp func);

/// Bytes of `type` rounded up to kTensorAlignment.
int64_t alignedTensorBytes(mlir::Type type);

} // namespace pat

#endif // PAT_PASSES_MEMORYPLAN_H
