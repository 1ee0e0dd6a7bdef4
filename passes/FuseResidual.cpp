//===- FuseResidual.cpp - Fuse residual adds into dense convs ---*- C++ -*-===//
//
// Part of patc.
//
//===----------------------------------------------------------------------===//

#include "dialects/pat/ConstantData.h"
#include "passes/ConstantEval.h"
#include "passes/Passes.h"

namespace pat {
#define GEN_PASS_DEF_FUSERESIDUAL
#include "passes/Passes.h.inc"
} // namespace pat

using namespace mlir;
using namespace pat;

namespace {

/// The conv that can absorb `add` with the other operand as its residual:
/// one the emitter runs on the GEMM kernel (constant weights, one group),
/// used only by the add, without an activation of its own.
Conv2DOp fusableConv(AddOp add, Value &residual) {
  for (int side = 0; side < 2; ++side) {
    auto conv = add->getOperand(side).getDefiningOp<Conv2DOp>();
    Value other = add->getOperand(1 - side);
    if (!conv || !conv->hasOneUse() || conv.getResidual() ||
        conv.getActivation() != "none" || conv.getGroups() != 1 ||
        !getF32Constant(conv.getWeight()) ||
        add.getType() != conv.getType() || other.getType() != conv.getType())
      continue;
    residual = other;
    return conv;
  }
  return nullptr;
}

/// The residual is read by the conv, so it must exist before it: move the
/// conv down to the add (everything the conv reads is defined before the
/// conv, hence before the add).
void fuse(AddOp add, Conv2DOp conv, Value residual) {
  conv->moveBefore(add);
  conv.getResidualMutable().assign(residual);
  add.getResult().replaceAllUsesWith(conv.getResult());
  add.erase();
  if (conv->hasOneUse())
    fuseActivationInto(*conv->getUsers().begin(), conv);
}

struct FuseResidualPass
    : public pat::impl::FuseResidualBase<FuseResidualPass> {
  void runOnOperation() override {
    SmallVector<AddOp> adds;
    getOperation().walk([&](AddOp add) { adds.push_back(add); });
    for (AddOp add : adds) {
      Value residual;
      if (Conv2DOp conv = fusableConv(add, residual))
        fuse(add, conv, residual);
    }
  }
};
} // namespace
