//===- FilterKernelReorder.cpp - FKR: order filters by length ---*- C++ -*-===//
//
// Part of patc. Filters with the same number of kernels and a similar
// pattern make-up end up next to each other, so that threads handed
// consecutive filters get similar work and consecutive filters run the same
// pattern loops; filters with identical kernels (same channels, same
// patterns) end up adjacent. See docs/sparsity.md.
//
//===----------------------------------------------------------------------===//

#include "dialects/pat/ConstantData.h"
#include "passes/Passes.h"
#include "passes/Sparsity.h"
#include <algorithm>
#include <map>
#include <numeric>

namespace pat {
#define GEN_PASS_DEF_FILTERKERNELREORDER
#include "passes/Passes.h.inc"
} // namespace pat

using namespace mlir;
using namespace pat;

namespace {

struct FilterKernelReorderPass
    : pat::impl::FilterKernelReorderBase<FilterKernelReorderPass> {
  void runOnOperation() override {
    getOperation().walk([&](PatternConv2DOp op) {
      if (op.getFkwAttr())
        return; // already packed: the order is fixed
      auto weight = getF32Constant(op.getWeight());
      if (!weight) {
        op.emitOpError("pattern convolution without constant weights");
        return signalPassFailure();
      }
      reorder(op, *weight);
    });
  }

  void reorder(PatternConv2DOp op, ArrayRef<float> weight) {
    auto shape = llvm::cast<RankedTensorType>(op.getWeight().getType()).getShape();
    int64_t outC = shape[0], inC = shape[1];
    ArrayRef<uint64_t> patterns = op.getPatterns().getMasks();
    WeightMasks masks = WeightMasks::compute(weight, outC, inC, shape[2], shape[3]);
    std::vector<int32_t> ids = assignPatterns(masks, patterns);
    // Per filter: kernel count, then kernels per pattern.
    std::vector<std::vector<int64_t>> key(outC, std::vector<int64_t>(patterns.size() + 1));
    for (int64_t o = 0; o < outC; ++o)
      for (int64_t c = 0; c < inC; ++c)
        if (int32_t p = ids[o * inC + c]; p >= 0) {
          ++key[o][0];
          ++key[o][p + 1];
        }
    // Filters with the same kernels (channel and pattern for channel)
    // form a class, numbered by first appearance; they end up adjacent, so
    // the emitter can run them as one tile (filter-level LRE).
    std::map<std::vector<int32_t>, int64_t> classes;
    std::vector<int64_t> cls(outC);
    for (int64_t o = 0; o < outC; ++o) {
      std::vector<int32_t> kernels(ids.begin() + o * inC,
                                   ids.begin() + (o + 1) * inC);
      cls[o] = classes.try_emplace(std::move(kernels), classes.size())
                   .first->second;
    }
    std::vector<int64_t> order(outC);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
      // Longer first, then by pattern make-up, then by class.
      return key[a] != key[b] ? key[a] > key[b] : cls[a] < cls[b];
    });
    std::vector<int64_t> groups;
    for (int64_t f = 0; f < outC; ++f)
      if (f == 0 || key[order[f]][0] != key[order[f - 1]][0])
        groups.push_back(f);
    op.setFilterOrder(order);
    op.setFilterGroups(groups);
  }
};

} // namespace
