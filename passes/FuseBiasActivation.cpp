//===- FuseBiasActivation.cpp - Fuse bias adds and activations --*- C++ -*-===//
//
// Part of patc.
//
//===----------------------------------------------------------------------===//

#include "dialects/pat/ConstantData.h"
#include "passes/ConstantEval.h"
#include "passes/Passes.h"

namespace pat {
#define GEN_PASS_DEF_FUSEBIASACTIVATION
#include "passes/Passes.h.inc"
} // namespace pat

using namespace mlir;
using namespace pat;

namespace {

/// A constant that holds one value per channel of a NCHW conv output:
/// shape [C], [C,1,1] or [1,C,1,1].
std::optional<std::vector<float>> perChannelConstant(Value v,
                                                     int64_t channels) {
  auto data = getF32Constant(v);
  if (!data || (int64_t)data->size() != channels)
    return std::nullopt;
  ArrayRef<int64_t> s = llvm::cast<RankedTensorType>(v.getType()).getShape();
  bool ok = (s.size() == 1 && channels == 1) ||
            (s.size() == 3 && s[1] == 1 && s[2] == 1) ||
            (s.size() == 4 && s[0] == 1 && s[2] == 1 && s[3] == 1);
  return ok ? data : std::nullopt;
}

/// add(conv, c) or add(c, conv) with a per-channel constant c.
bool fuseBiasAdd(AddOp add) {
  for (int side = 0; side < 2; ++side) {
    auto conv = add->getOperand(side).getDefiningOp<Conv2DOp>();
    if (!conv || !conv->hasOneUse() || conv.getActivation() != "none" ||
        add.getType() != conv.getType())
      continue;
    int64_t channels = conv.getType().getShape()[1];
    auto extra = perChannelConstant(add->getOperand(1 - side), channels);
    if (!extra)
      continue;
    std::vector<float> bias(channels, 0.f);
    if (conv.getBias()) {
      auto b = getF32Constant(conv.getBias());
      if (!b)
        continue;
      bias = *b;
    }
    for (int64_t c = 0; c < channels; ++c)
      bias[c] += (*extra)[c];
    OpBuilder b(conv);
    conv.getBiasMutable().assign(
        createF32Constant(b, conv.getLoc(), {channels}, bias, "fused_bias"));
    add.getResult().replaceAllUsesWith(conv.getResult());
    add.erase();
    return true;
  }
  return false;
}

struct FuseBiasActivationPass
    : public pat::impl::FuseBiasActivationBase<FuseBiasActivationPass> {
  void runOnOperation() override {
    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) { ops.push_back(op); });
    for (Operation *op : ops) {
      if (auto add = llvm::dyn_cast<AddOp>(op)) {
        fuseBiasAdd(add);
        continue;
      }
      if (op->getNumOperands() != 1)
        continue;
      Operation *producer = op->getOperand(0).getDefiningOp();
      if (auto conv = llvm::dyn_cast_or_null<Conv2DOp>(producer))
        fuseActivationInto(op, conv);
      else if (auto gemm = llvm::dyn_cast_or_null<GemmOp>(producer))
        fuseActivationInto(op, gemm);
    }
  }
};
} // namespace
