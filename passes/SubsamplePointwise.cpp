//===- SubsamplePointwise.cpp - Strided 1x1 convs as subsample + 1x1 ------===//
//
// Part of patc.
//
//===----------------------------------------------------------------------===//

#include "dialects/pat/PatOps.h"
#include "passes/Passes.h"

namespace pat {
#define GEN_PASS_DEF_SUBSAMPLEPOINTWISE
#include "passes/Passes.h.inc"
} // namespace pat

using namespace mlir;
using namespace pat;

namespace {

/// Whether `conv` is a 1x1 conv with a stride above 1 and no padding: its
/// output pixel (y, x) reads input pixel (y * sh, x * sw) only.
bool isStridedPointwise(Conv2DOp conv) {
  auto weight = llvm::cast<RankedTensorType>(conv.getWeight().getType());
  auto result = llvm::cast<RankedTensorType>(conv.getType());
  if (weight.getRank() != 4 || weight.getDimSize(2) != 1 ||
      weight.getDimSize(3) != 1 || !result.hasStaticShape())
    return false;
  ArrayRef<int64_t> strides = conv.getStrides(), pads = conv.getPads();
  return llvm::all_of(pads, [](int64_t p) { return p == 0; }) &&
         llvm::any_of(strides, [](int64_t s) { return s != 1; });
}

struct SubsamplePointwisePass
    : public pat::impl::SubsamplePointwiseBase<SubsamplePointwisePass> {
  void runOnOperation() override {
    SmallVector<Conv2DOp> convs;
    getOperation().walk([&](Conv2DOp conv) {
      if (isStridedPointwise(conv))
        convs.push_back(conv);
    });
    for (Conv2DOp conv : convs) {
      auto input = llvm::cast<RankedTensorType>(conv.getInput().getType());
      auto result = llvm::cast<RankedTensorType>(conv.getType());
      // The subsampled input: the conv's output pixels, the input's channels.
      auto type = RankedTensorType::get({input.getDimSize(0),
                                         input.getDimSize(1),
                                         result.getDimSize(2),
                                         result.getDimSize(3)},
                                        input.getElementType());
      OpBuilder b(conv);
      SmallVector<int64_t> strides(conv.getStrides());
      Value subsampled = b.create<MaxPool2DOp>(
          conv.getLoc(), type, conv.getInput(), ArrayRef<int64_t>{1, 1},
          strides, ArrayRef<int64_t>{0, 0, 0, 0}, /*ceil_mode=*/false,
          ArrayRef<int64_t>{1, 1});
      conv.getInputMutable().assign(subsampled);
      conv.setStrides(ArrayRef<int64_t>{1, 1});
      conv.setDilations(ArrayRef<int64_t>{1, 1});
    }
  }
};
} // namespace
