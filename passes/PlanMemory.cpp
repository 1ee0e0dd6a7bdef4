//===- PlanMemory.cpp - Annotate the static memory plan ---------*- C++ -*-===//
//
// Part of patc.
//
//===----------------------------------------------------------------------===//

#include "dialects/pat/PatOps.h"
#include "passes/MemoryPlan.h"
#include "passes/Passes.h"

namespace pat {
#define GEN_PASS_DEF_PLANMEMORY
#include "passes/Passes.h.inc"
} // namespace pat

using namespace mlir;

namespace {
struct PlanMemoryPass : public pat::impl::PlanMemoryBase<PlanMemoryPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    pat::MemoryPlan plan = pat::planMemory(func);
    Builder b(func.getContext());
    int64_t weightBytes = 0;
    func.walk([&](Operation *op) {
      if (llvm::isa<pat::ConstantOp>(op))
        weightBytes += pat::alignedTensorBytes(op->getResult(0).getType());
      if (op->getNumResults() == 1) {
        auto it = plan.offsets.find(op->getResult(0));
        if (it != plan.offsets.end())
          op->setAttr("pat.offset", b.getI64IntegerAttr(it->second));
      }
    });
    func->setAttr("pat.arena_bytes", b.getI64IntegerAttr(plan.arenaBytes));
    func->setAttr("pat.weight_bytes", b.getI64IntegerAttr(weightBytes));
  }
};
} // namespace
