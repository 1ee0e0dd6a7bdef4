//===- FoldBatchNorm.cpp - Fold batch norm into conv/gemm -------*- C++ -*-===//
//
// Part of patc.
//
//===----------------------------------------------------------------------===//

#include "dialects/pat/ConstantData.h"
#include "passes/Passes.h"
#include <cmath>

namespace pat {
#define GEN_PASS_DEF_FOLDBATCHNORM
#include "passes/Passes.h.inc"
} // namespace pat

using namespace mlir;
using namespace pat;

namespace {

/// Per-channel scale s and shift t with bn(x) = s * x + t.
struct ChannelAffine {
  std::vector<float> scale, shift;
};

std::optional<ChannelAffine> getAffine(BatchNormOp bn) {
  auto gamma = getF32Constant(bn.getScale());
  auto beta = getF32Constant(bn.getBias());
  auto mean = getF32Constant(bn.getMean());
  auto var = getF32Constant(bn.getVariance());
  if (!gamma || !beta || !mean || !var)
    return std::nullopt;
  float eps = bn.getEpsilon().convertToFloat();
  ChannelAffine a;
  for (size_t c = 0; c < gamma->size(); ++c) {
    float s = (*gamma)[c] / std::sqrt((*var)[c] + eps);
    a.scale.push_back(s);
    a.shift.push_back((*beta)[c] - (*mean)[c] * s);
  }
  return a;
}

/// Folds into conv2d: W'[o] = W[o] * s[o], b'[o] = b[o] * s[o] + t[o].
bool foldIntoConv(BatchNormOp bn, Conv2DOp conv, const ChannelAffine &a) {
  auto w = getF32Constant(conv.getWeight());
  if (!w)
    return false;
  std::vector<float> bias(a.scale.size(), 0.f);
  if (conv.getBias()) {
    auto b = getF32Constant(conv.getBias());
    if (!b)
      return false;
    bias = *b;
  }
  size_t perFilter = w->size() / a.scale.size();
  for (size_t o = 0; o < a.scale.size(); ++o) {
    for (size_t i = 0; i < perFilter; ++i)
      (*w)[o * perFilter + i] *= a.scale[o];
    bias[o] = bias[o] * a.scale[o] + a.shift[o];
  }
  OpBuilder b(conv);
  auto wShape = llvm::cast<RankedTensorType>(conv.getWeight().getType());
  Value newW = createF32Constant(b, conv.getLoc(), wShape.getShape(), *w,
                                 "conv_bn_weight");
  int64_t channels = a.scale.size();
  Value newB =
      createF32Constant(b, conv.getLoc(), {channels}, bias, "conv_bn_bias");
  conv.getWeightMutable().assign(newW);
  conv.getBiasMutable().assign(newB);
  bn.getResult().replaceAllUsesWith(conv.getResult());
  bn.erase();
  return true;
}

/// Folds into gemm with constant B and a C that is absent or per column.
bool foldIntoGemm(BatchNormOp bn, GemmOp gemm, const ChannelAffine &a) {
  auto bData = getF32Constant(gemm.getB());
  if (!bData)
    return false;
  int64_t n = a.scale.size();
  std::vector<float> c(n, 0.f);
  if (gemm.getC()) {
    auto cData = getF32Constant(gemm.getC());
    auto cShape = llvm::cast<RankedTensorType>(gemm.getC().getType());
    if (!cData || (cData->size() != 1 && cData->size() != (size_t)n) ||
        (cData->size() == (size_t)n && cShape.getRank() == 2 &&
         cShape.getShape()[0] != 1))
      return false;
    for (int64_t j = 0; j < n; ++j)
      c[j] = (*cData)[cData->size() == 1 ? 0 : j];
  }
  float alpha = gemm.getAlpha().convertToFloat();
  float beta = gemm.getBeta().convertToFloat();
  auto bShape = llvm::cast<RankedTensorType>(gemm.getB().getType()).getShape();
  // op(B) is K x N; column j of op(B) scales by alpha * s[j].
  for (int64_t r = 0; r < bShape[0]; ++r)
    for (int64_t q = 0; q < bShape[1]; ++q) {
      int64_t j = gemm.getTransB() ? r : q;
      (*bData)[r * bShape[1] + q] *= alpha * a.scale[j];
    }
  for (int64_t j = 0; j < n; ++j)
    c[j] = beta * c[j] * a.scale[j] + a.shift[j];
  OpBuilder b(gemm);
  Value newB =
      createF32Constant(b, gemm.getLoc(), bShape, *bData, "gemm_bn_weight");
  Value newC = createF32Constant(b, gemm.getLoc(), {n}, c, "gemm_bn_bias");
  gemm.getBMutable().assign(newB);
  gemm.getCMutable().assign(newC);
  gemm.setAlpha(llvm::APFloat(1.f));
  gemm.setBeta(llvm::APFloat(1.f));
  bn.getResult().replaceAllUsesWith(gemm.getResult());
  bn.erase();
  return true;
}

struct FoldBatchNormPass
    : public pat::impl::FoldBatchNormBase<FoldBatchNormPass> {
  void runOnOperation() override {
    SmallVector<BatchNormOp> bns;
    getOperation().walk([&](BatchNormOp bn) { bns.push_back(bn); });
    for (BatchNormOp bn : bns) {
      Operation *producer = bn.getInput().getDefiningOp();
      if (!producer || !producer->hasOneUse())
        continue;
      auto affine = getAffine(bn);
      if (!affine)
        continue;
      if (auto conv = llvm::dyn_cast<Conv2DOp>(producer)) {
        if (conv.getActivation() == "none")
          foldIntoConv(bn, conv, *affine);
      } else if (auto gemm = llvm::dyn_cast<GemmOp>(producer)) {
        if (gemm.getActivation() == "none")
          foldIntoGemm(bn, gemm, *affine);
      }
    }
  }
};
} // namespace
