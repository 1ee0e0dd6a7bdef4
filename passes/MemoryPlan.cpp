//===- MemoryPlan.cpp - Static arena planning -------------------*- C++ -*-===//
//
// Part of patc. Live ranges are measured in program order (the function is a
// single block); buffers are placed largest first at the lowest offset that
// does not collide with any placed buffer whose live range overlaps.
//
//===----------------------------------------------------------------------===//

#include "passes/MemoryPlan.h"
#include "dialects/pat/ConstantData.h"
#include "dialects/pat/PatOps.h"
#include <algorithm>

using namespace mlir;

namespace pat {

int64_t alignedTensorBytes(Type type) {
  auto t = llvm::cast<RankedTensorType>(type);
  int64_t bytes = t.getNumElements() * elementByteSize(t.getElementType());
  return (bytes + kTensorAlignment - 1) / kTensorAlignment * kTensorAlignment;
}

bool isGraphOutput(Value v) {
  for (Operation *user : v.getUsers())
    if (llvm::isa<func::ReturnOp>(user))
      return true;
  return false;
}

bool isViewValue(Value v) {
  return v.getDefiningOp<ReshapeOp>() && !isGraphOutput(v);
}

Value storageRoot(Value v) {
  while (isViewValue(v))
    v = v.getDefiningOp()->getOperand(0);
  return v;
}

namespace {
struct Buffer {
  Value value;
  int64_t bytes, first, last, offset = -1;
};
} // namespace

MemoryPlan planMemory(func::FuncOp func) {
  Block &body = func.getBody().front();
  llvm::DenseMap<Operation *, int64_t> position;
  int64_t index = 0;
  for (Operation &op : body)
    position[&op] = index++;

  // One buffer per arena-resident root; views extend their root's range.
  llvm::DenseMap<Value, size_t> bufferOf;
  std::vector<Buffer> buffers;
  for (Operation &op : body) {
    if (llvm::isa<ConstantOp, func::ReturnOp>(op))
      continue;
    for (Value result : op.getResults()) {
      if (isViewValue(result) || isGraphOutput(result))
        continue;
      bufferOf[result] = buffers.size();
      buffers.push_back({result, alignedTensorBytes(result.getType()),
                         position[&op], position[&op]});
    }
  }
  for (Operation &op : body)
    for (Value operand : op.getOperands()) {
      auto it = bufferOf.find(storageRoot(operand));
      if (it != bufferOf.end())
        buffers[it->second].last =
            std::max(buffers[it->second].last, position[&op]);
    }

  std::vector<size_t> order(buffers.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return buffers[a].bytes > buffers[b].bytes;
  });

  MemoryPlan plan;
  std::vector<size_t> placed;
  for (size_t i : order) {
    Buffer &buf = buffers[i];
    // Collect the ranges of live-overlapping buffers, sorted by offset, and
    // take the first gap that fits.
    std::vector<std::pair<int64_t, int64_t>> busy;
    for (size_t j : placed) {
      const Buffer &o = buffers[j];
      if (o.first <= buf.last && buf.first <= o.last)
        busy.push_back({o.offset, o.offset + o.bytes});
    }
    std::sort(busy.begin(), busy.end());
    int64_t offset = 0;
    for (auto [begin, end] : busy) {
      if (offset + buf.bytes <= begin)
        break;
      offset = std::max(offset, end);
    }
    buf.offset = offset;
    plan.arenaBytes = std::max(plan.arenaBytes, offset + buf.bytes);
    plan.offsets[buf.value] = offset;
    placed.push_back(i);
  }
  return plan;
}

} // namespace pat
