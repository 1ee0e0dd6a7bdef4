//===- FoldConstants.cpp - Evaluate ops on constant operands ----*- C++ -*-===//
//
// Part of patc.
//
//===----------------------------------------------------------------------===//

#include "dialects/pat/ConstantData.h"
#include "passes/ConstantEval.h"
#include "passes/Passes.h"

namespace pat {
#define GEN_PASS_DEF_FOLDCONSTANTS
#include "passes/Passes.h.inc"
} // namespace pat

using namespace mlir;

namespace {
struct FoldConstantsPass
    : public pat::impl::FoldConstantsBase<FoldConstantsPass> {
  void runOnOperation() override {
    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) { ops.push_back(op); });
    for (Operation *op : ops) {
      auto value = pat::evaluateOnConstants(op);
      if (!value)
        continue;
      OpBuilder b(op);
      auto type = llvm::cast<RankedTensorType>(op->getResult(0).getType());
      auto folded = pat::createF32Constant(b, op->getLoc(), type.getShape(),
                                           *value, "folded");
      SmallVector<Operation *> producers;
      for (Value operand : op->getOperands())
        producers.push_back(operand.getDefiningOp());
      op->getResult(0).replaceAllUsesWith(folded.getResult());
      op->erase();
      // Constants only the folded op read are dead now.
      for (Operation *producer : producers)
        if (producer && producer->use_empty())
          producer->erase();
    }
  }
};
} // namespace
