//===- SparsityAnalysis.cpp - Dense or pattern execution per conv -*- C++ -*-===//
//
// Part of patc. See Passes.td (pat-sparsity-analysis) and docs/sparsity.md.
//
//===----------------------------------------------------------------------===//

#include "dialects/pat/ConstantData.h"
#include "passes/Passes.h"
#include "passes/Sparsity.h"
#include "llvm/Support/FormatVariadic.h"

namespace pat {
#define GEN_PASS_DEF_SPARSITYANALYSIS
#include "passes/Passes.h.inc"
} // namespace pat

using namespace mlir;
using namespace pat;

namespace {

struct Decision {
  bool pattern = false;
  std::string reason;
};

struct SparsityAnalysisPass
    : pat::impl::SparsityAnalysisBase<SparsityAnalysisPass> {
  using SparsityAnalysisBase::SparsityAnalysisBase;

  void runOnOperation() override {
    if (mode != "auto" && mode != "always" && mode != "never") {
      getOperation().emitError("pat-sparsity-analysis: mode must be auto, "
                               "always or never, got '")
          << mode << "'";
      return signalPassFailure();
    }
    if (maxPatterns < 1) {
      getOperation().emitError("pat-sparsity-analysis: max-patterns must be "
                               "at least 1");
      return signalPassFailure();
    }
    SmallVector<Conv2DOp> convs;
    getOperation().walk([&](Conv2DOp op) { convs.push_back(op); });
    for (Conv2DOp op : convs)
      analyse(op);
  }

  void analyse(Conv2DOp op) {
    Builder b(op.getContext());
    auto shape = llvm::cast<RankedTensorType>(op.getWeight().getType()).getShape();
    auto outShape = llvm::cast<RankedTensorType>(op.getType()).getShape();
    int64_t outC = shape[0], inC = shape[1], kh = shape[2], kw = shape[3];
    int64_t spatial = outShape[0] * outShape[2] * outShape[3];
    int64_t macsDense = outC * inC * kh * kw * spatial;
    SmallVector<NamedAttribute> info = {
        b.getNamedAttr("macs_dense", b.getI64IntegerAttr(macsDense))};
    auto record = [&](Operation *target, const Decision &d) {
      info.push_back(b.getNamedAttr("path", b.getStringAttr(d.pattern ? "pattern" : "dense")));
      info.push_back(b.getNamedAttr("reason", b.getStringAttr(d.reason)));
      target->setAttr("pat.sparsity", b.getDictionaryAttr(info));
    };
    if (mode == "never")
      return record(op, {false, "--sparse=never"});
    if (op.getGroups() != 1)
      return record(op, {false, "grouped convolution (no pattern kernel)"});
    if (kh * kw > kMaxMaskedTaps)
      return record(op, {false, "kernel has more than 64 taps"});
    auto weight = getF32Constant(op.getWeight());
    if (!weight)
      return record(op, {false, "weights are not constant"});

    WeightMasks masks = WeightMasks::compute(*weight, outC, inC, kh, kw);
    std::vector<KernelMask> set = choosePatternSet(masks, maxPatterns);
    std::vector<int32_t> ids = assignPatterns(masks, set);
    int64_t executed = 0;
    for (int32_t id : ids)
      if (id >= 0)
        executed += maskTaps(set[id]);
    int64_t macsExecuted = executed * spatial;
    info.push_back(b.getNamedAttr("kernels", b.getI64IntegerAttr(outC * inC)));
    info.push_back(b.getNamedAttr("empty_kernels", b.getI64IntegerAttr(masks.emptyKernels)));
    info.push_back(b.getNamedAttr("distinct_masks",
                                  b.getI64IntegerAttr(masks.rankedMasks().size())));
    info.push_back(b.getNamedAttr("macs_nonzero",
                                  b.getI64IntegerAttr(masks.nonzeroTaps * spatial)));
    info.push_back(b.getNamedAttr("macs_pattern", b.getI64IntegerAttr(macsExecuted)));

    // One pattern-path MAC costs patternMacCost dense MACs; a 1x1 kernel
    // gets no tap reuse, so it costs twice that.
    double cost = patternMacCost * (kh * kw == 1 ? 2.0 : 1.0);
    double relative = double(macsExecuted) * cost / double(macsDense);
    Decision d;
    if (mode == "always") {
      d = {true, "--sparse=always"};
    } else {
      d.pattern = relative < 1.0;
      d.reason = llvm::formatv("pattern path would cost {0:F2}x dense ({1:P1} "
                               "of MACs executed, x{2} per MAC)",
                               relative, double(macsExecuted) / macsDense, cost);
    }
    if (!d.pattern)
      return record(op, d);

    OpBuilder builder(op);
    auto pattern = builder.create<PatternConv2DOp>(
        op.getLoc(), op.getType(), op.getInput(), op.getWeight(), op.getBias(),
        op.getResidual(), PatternSetAttr::get(op.getContext(), kh, kw, set),
        /*filter_order=*/nullptr, /*filter_groups=*/nullptr, /*fkw=*/nullptr,
        op.getStrides(), op.getPads(), op.getDilations(), op.getActivation(),
        op.getActAlpha(), op.getActBeta());
    for (NamedAttribute a : op->getDiscardableAttrs())
      pattern->setAttr(a.getName(), a.getValue());
    record(pattern, d);
    op.replaceAllUsesWith(pattern.getResult());
    op.erase();
  }
};

} // namespace
