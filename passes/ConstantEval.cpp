//===- ConstantEval.cpp - Evaluate pat ops on constant operands -*- C++ -*-===//
//
// Part of patc.
//
//===----------------------------------------------------------------------===//

#include "passes/ConstantEval.h"
#include "dialects/pat/ConstantData.h"
#include "dialects/pat/ShapeRules.h"
#include "llvm/ADT/TypeSwitch.h"
#include <algorithm>
#include <cmath>

using namespace mlir;

namespace pat {

float applyActivation(StringRef name, float alpha, float beta, float x) {
  if (name == "relu")
    return x > 0.f ? x : 0.f;
  if (name == "leaky_relu")
    return x >= 0.f ? x : alpha * x;
  if (name == "clip")
    return std::min(std::max(x, alpha), beta);
  if (name == "sigmoid")
    return 1.f / (1.f + std::exp(-x));
  if (name == "tanh")
    return std::tanh(x);
  if (name == "hard_sigmoid")
    return std::min(1.f, std::max(0.f, alpha * x + beta));
  if (name == "hard_swish")
    return x * std::min(1.f, std::max(0.f, x / 6.f + 0.5f));
  return x;
}

static ArrayRef<int64_t> shapeOf(Value v) {
  return llvm::cast<RankedTensorType>(v.getType()).getShape();
}

static std::vector<float> evalBinary(Operation *op, ArrayRef<float> a,
                                     ArrayRef<float> b) {
  ArrayRef<int64_t> out = shapeOf(op->getResult(0));
  auto sa = broadcastStrides(shapeOf(op->getOperand(0)), out.size());
  auto sb = broadcastStrides(shapeOf(op->getOperand(1)), out.size());
  int64_t n = 1;
  for (int64_t d : out)
    n *= d;
  std::vector<float> result(n);
  SmallVector<int64_t> idx(out.size(), 0);
  for (int64_t i = 0; i < n; ++i) {
    int64_t ia = 0, ib = 0;
    for (size_t d = 0; d < out.size(); ++d) {
      ia += idx[d] * sa[d];
      ib += idx[d] * sb[d];
    }
    float x = a[ia], y = b[ib];
    result[i] = llvm::TypeSwitch<Operation *, float>(op)
                    .Case<AddOp>([&](auto) { return x + y; })
                    .Case<SubOp>([&](auto) { return x - y; })
                    .Case<MulOp>([&](auto) { return x * y; })
                    .Default([&](auto) { return x / y; });
    for (int64_t d = out.size() - 1; d >= 0; --d) {
      if (++idx[d] < out[d])
        break;
      idx[d] = 0;
    }
  }
  return result;
}

static std::vector<float> evalTranspose(TransposeOp op, ArrayRef<float> in) {
  ArrayRef<int64_t> inShape = shapeOf(op.getInput());
  ArrayRef<int64_t> out = shapeOf(op.getResult());
  ArrayRef<int64_t> perm = op.getPerm();
  SmallVector<int64_t> inStrides(inShape.size(), 1);
  for (int64_t d = (int64_t)inShape.size() - 2; d >= 0; --d)
    inStrides[d] = inStrides[d + 1] * inShape[d + 1];
  std::vector<float> result(in.size());
  SmallVector<int64_t> idx(out.size(), 0);
  for (size_t i = 0; i < in.size(); ++i) {
    int64_t src = 0;
    for (size_t d = 0; d < out.size(); ++d)
      src += idx[d] * inStrides[perm[d]];
    result[i] = in[src];
    for (int64_t d = out.size() - 1; d >= 0; --d) {
      if (++idx[d] < out[d])
        break;
      idx[d] = 0;
    }
  }
  return result;
}

std::optional<FusedActivation> asFusedActivation(Operation *op) {
  using Act = FusedActivation;
  return llvm::TypeSwitch<Operation *, std::optional<Act>>(op)
      .Case<ReluOp>([](auto) { return Act{"relu"}; })
      .Case<LeakyReluOp>([](auto o) {
        return Act{"leaky_relu", o.getAlpha().convertToFloat()};
      })
      .Case<ClipOp>([](auto o) -> std::optional<Act> {
        if (o.getMinValue() || o.getMaxValue() ||
            !getElementTypeOrSelf(o.getType()).isF32())
          return std::nullopt;
        return Act{"clip", o.getMin().convertToFloat(),
                   o.getMax().convertToFloat()};
      })
      .Case<SigmoidOp>([](auto) { return Act{"sigmoid"}; })
      .Case<TanhOp>([](auto) { return Act{"tanh"}; })
      .Case<HardSigmoidOp>([](auto o) {
        return Act{"hard_sigmoid", o.getAlpha().convertToFloat(),
                   o.getBeta().convertToFloat()};
      })
      .Case<HardSwishOp>([](auto) { return Act{"hard_swish"}; })
      .Default([](auto) { return std::nullopt; });
}

std::optional<std::vector<float>> evaluateOnConstants(Operation *op) {
  if (llvm::isa<ConstantOp>(op) || op->getNumResults() != 1 ||
      op->getNumOperands() == 0)
    return std::nullopt;
  SmallVector<std::vector<float>> args;
  for (Value v : op->getOperands()) {
    auto data = getF32Constant(v);
    if (!data)
      return std::nullopt;
    args.push_back(std::move(*data));
  }
  if (!getElementTypeOrSelf(op->getResult(0).getType()).isF32())
    return std::nullopt;
  if (llvm::isa<ReshapeOp>(op))
    return args[0];
  if (auto t = llvm::dyn_cast<TransposeOp>(op))
    return evalTranspose(t, args[0]);
  if (llvm::isa<AddOp, SubOp, MulOp, DivOp>(op))
    return evalBinary(op, args[0], args[1]);
  if (auto act = asFusedActivation(op)) {
    for (float &x : args[0])
      x = applyActivation(act->name, act->alpha, act->beta, x);
    return args[0];
  }
  return std::nullopt;
}

} // namespace pat
