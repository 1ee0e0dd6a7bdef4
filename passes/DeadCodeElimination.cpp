//===- DeadCodeElimination.cpp - Erase unused ops ---------------*- C++ -*-===//
//
// Part of patc.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace pat {
#define GEN_PASS_DEF_DEADCODEELIMINATION
#include "passes/Passes.h.inc"
} // namespace pat

using namespace mlir;

namespace {
struct DeadCodeEliminationPass
    : public pat::impl::DeadCodeEliminationBase<DeadCodeEliminationPass> {
  void runOnOperation() override {
    // Walking backwards erases whole dead chains in one sweep.
    Block &body = getOperation().getBody().front();
    for (Operation &op : llvm::make_early_inc_range(llvm::reverse(body)))
      if (op.use_empty() && isMemoryEffectFree(&op) &&
          !op.hasTrait<OpTrait::IsTerminator>())
        op.erase();
  }
};
} // namespace
