//===- ConstantEval.h - Evaluate pat ops on constant operands ---*- C++ -*-===//
//
// Part of patc.
//
//===----------------------------------------------------------------------===//

#ifndef PAT_PASSES_CONSTANTEVAL_H
#define PAT_PASSES_CONSTANTEVAL_H

#include "mlir/IR/Operation.h"
#include "llvm/ADT/APFloat.h"
#include <optional>
#include <vector>

namespace pat {

/// The f32 result of `op` when every operand is an f32 `pat.constant` and
/// the op is one the evaluator knows (reshape, transpose, binary
/// elementwise, unary activations); nullopt otherwise.
std::optional<std::vector<float>> evaluateOnConstants(mlir::Operation *op);

/// A fused activation as conv2d/gemm carry it (see Pat_Conv2DOp).
struct FusedActivation {
  llvm::StringRef name;
  float alpha = 0.f, beta = 0.f;
};

/// The fused-activation form of a unary activation op (relu, clip with
/// constant bounds, ...), or nullopt for any other op.
std::optional<FusedActivation> asFusedActivation(mlir::Operation *op);

/// Makes `act` (a unary activation whose only operand is `producer`'s
/// single-use result) the producer's fused activation and erases it. False,
/// with nothing changed, when `act` is no such activation or the producer
/// has one already. ProducerOp: an op with FusedActivationArgs.
template <typename ProducerOp>
bool fuseActivationInto(mlir::Operation *act, ProducerOp producer) {
  auto info = asFusedActivation(act);
  if (!info || act->getNumOperands() != 1 ||
      act->getOperand(0) != producer.getResult() || !producer->hasOneUse() ||
      producer.getActivation() != "none")
    return false;
  producer.setActivation(info->name);
  producer.setActAlpha(llvm::APFloat(info->alpha));
  producer.setActBeta(llvm::APFloat(info->beta));
  act->getResult(0).replaceAllUsesWith(producer.getResult());
  act->erase();
  return true;
}

/// Applies a named fused activation to one value.
float applyActivation(llvm::StringRef name, float alpha, float beta, float x);

} // namespace pat

#endif // PAT_PASSES_CONSTANTEVAL_H
