//===- FkwPack.cpp - FKW: compressed pattern-conv weights -------*- C++ -*-===//
//
// Part of patc. Turns a pattern convolution's dense weight into PatDNN's
// filter-kernel-weight arrays (see PatAttrs.td for the format).
//
//===----------------------------------------------------------------------===//

#include "dialects/pat/ConstantData.h"
#include "passes/Passes.h"
#include "passes/Sparsity.h"
#include <numeric>

namespace pat {
#define GEN_PASS_DEF_FKWPACK
#include "passes/Passes.h.inc"
} // namespace pat

using namespace mlir;
using namespace pat;

namespace {

struct FkwPackPass : pat::impl::FkwPackBase<FkwPackPass> {
  void runOnOperation() override {
    getOperation().walk([&](PatternConv2DOp op) {
      if (op.getFkwAttr())
        return;
      auto weight = getF32Constant(op.getWeight());
      if (!weight) {
        op.emitOpError("pattern convolution without constant weights");
        return signalPassFailure();
      }
      pack(op, *weight);
    });
  }

  void pack(PatternConv2DOp op, ArrayRef<float> weight) {
    auto shape = llvm::cast<RankedTensorType>(op.getWeight().getType()).getShape();
    int64_t outC = shape[0], inC = shape[1], taps = shape[2] * shape[3];
    ArrayRef<uint64_t> patterns = op.getPatterns().getMasks();
    WeightMasks masks = WeightMasks::compute(weight, outC, inC, shape[2], shape[3]);
    std::vector<int32_t> ids = assignPatterns(masks, patterns);
    std::vector<int64_t> order(outC);
    std::iota(order.begin(), order.end(), 0);
    if (auto planned = op.getFilterOrder())
      order.assign(planned->begin(), planned->end());

    std::vector<int32_t> reorder, offsets = {0}, index, stride;
    std::vector<float> values;
    for (int64_t o : order) {
      reorder.push_back(o);
      for (size_t p = 0; p < patterns.size(); ++p) {
        stride.push_back(index.size());
        for (int64_t c = 0; c < inC; ++c) {
          if (ids[o * inC + c] != (int32_t)p)
            continue;
          index.push_back(c);
          const float *kernel = weight.data() + (o * inC + c) * taps;
          for (int64_t t = 0; t < taps; ++t)
            if (patterns[p] & (KernelMask(1) << t))
              values.push_back(kernel[t]);
        }
      }
      stride.push_back(index.size());
      offsets.push_back(index.size());
    }
    MLIRContext *ctx = op.getContext();
    OpBuilder b(op);
    auto fkw = FkwAttr::get(ctx, DenseI32ArrayAttr::get(ctx, reorder),
                            DenseI32ArrayAttr::get(ctx, offsets),
                            DenseI32ArrayAttr::get(ctx, index),
                            DenseI32ArrayAttr::get(ctx, stride));
    ConstantOp packed = createF32Constant(b, op.getLoc(),
                                          {(int64_t)values.size()}, values,
                                          "fkw_weights");
    Value dense = op.getWeight();
    op.getWeightMutable().assign(packed);
    op.setFkwAttr(fkw);
    if (dense.use_empty())
      dense.getDefiningOp()->erase();
  }
};

} // namespace
