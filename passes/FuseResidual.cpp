//===- FuseResidual.cpp - Fuse residual adds into convs ---------*- C++ -*-===//
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

/// Whether `conv` can absorb an add of `other` as its residual: used only by
/// the add, without a residual or an activation of its own, and the other
/// operand has the conv's type (no broadcast).
template <typename ConvOp>
bool canAbsorb(ConvOp conv, AddOp add, Value other) {
  return conv->hasOneUse() && !conv.getResidual() &&
         conv.getActivation() == "none" && add.getType() == conv.getType() &&
         other.getType() == conv.getType();
}

/// The conv (dense or pattern) that can absorb `add`, with the other operand
/// as its residual. Dense convs must run on the GEMM kernel (constant
/// weights, one group); every pattern conv can.
Operation *fusableConv(AddOp add, Value &residual) {
  for (int side = 0; side < 2; ++side) {
    Value value = add->getOperand(side), other = add->getOperand(1 - side);
    residual = other;
    if (auto conv = value.getDefiningOp<Conv2DOp>())
      if (canAbsorb(conv, add, other) && conv.getGroups() == 1 &&
          getF32Constant(conv.getWeight()))
        return conv;
    if (auto conv = value.getDefiningOp<PatternConv2DOp>())
      if (canAbsorb(conv, add, other))
        return conv;
  }
  return nullptr;
}

/// The residual is read by the conv, so it must exist before it: move the
/// conv down to the add (everything the conv reads is defined before the
/// conv, hence before the add).
template <typename ConvOp>
void fuse(AddOp add, ConvOp conv, Value residual) {
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
      Operation *conv = fusableConv(add, residual);
      if (auto dense = dyn_cast_or_null<Conv2DOp>(conv))
        fuse(add, dense, residual);
      else if (auto pattern = dyn_cast_or_null<PatternConv2DOp>(conv))
        fuse(add, pattern, residual);
    }
  }
};
} // namespace
