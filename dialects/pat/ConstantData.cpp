//===- ConstantData.cpp - Reading and making constant tensors ---*- C++ -*-===//
//
// Part of patc.
//
//===----------------------------------------------------------------------===//

#include "dialects/pat/ConstantData.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include <cstring>

using namespace mlir;

namespace pat {

ConstantOp getConstantOp(Value v) { return v.getDefiningOp<ConstantOp>(); }

int64_t elementByteSize(Type type) {
  if (type.isInteger(1))
    return 1;
  return (type.getIntOrFloatBitWidth() + 7) / 8;
}

std::optional<std::vector<char>> getConstantBytes(ElementsAttr attr) {
  auto type = llvm::cast<ShapedType>(attr.getType());
  int64_t bytes = type.getNumElements() * elementByteSize(type.getElementType());
  if (auto res = llvm::dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = res.getRawHandle().getBlob();
    if (!blob || (int64_t)blob->getData().size() != bytes)
      return std::nullopt;
    ArrayRef<char> data = blob->getData();
    return std::vector<char>(data.begin(), data.end());
  }
  auto dense = llvm::dyn_cast<DenseElementsAttr>(attr);
  if (!dense)
    return std::nullopt;
  std::vector<char> out(bytes);
  if (type.getElementType().isInteger(1)) {
    int64_t i = 0;
    for (bool b : dense.getValues<bool>())
      out[i++] = b ? 1 : 0;
    return out;
  }
  ArrayRef<char> raw = dense.getRawData();
  if (dense.isSplat()) {
    size_t elt = raw.size();
    for (int64_t off = 0; off < bytes; off += elt)
      std::memcpy(out.data() + off, raw.data(), elt);
  } else {
    std::memcpy(out.data(), raw.data(), bytes);
  }
  return out;
}

std::optional<std::vector<float>> getF32Constant(Value v) {
  ConstantOp op = getConstantOp(v);
  if (!op || !op.getType().getElementType().isF32())
    return std::nullopt;
  auto bytes = getConstantBytes(op.getValue());
  if (!bytes)
    return std::nullopt;
  std::vector<float> out(bytes->size() / sizeof(float));
  std::memcpy(out.data(), bytes->data(), bytes->size());
  return out;
}

ConstantOp createRawConstant(OpBuilder &b, Location loc, RankedTensorType type,
                             ArrayRef<char> bytes, StringRef name) {
  AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
      bytes, alignof(int64_t), /*dataIsMutable=*/false);
  auto attr = DenseResourceElementsAttr::get(type, name, std::move(blob));
  return b.create<ConstantOp>(loc, type, attr);
}

ConstantOp createF32Constant(OpBuilder &b, Location loc,
                             ArrayRef<int64_t> shape, ArrayRef<float> data,
                             StringRef name) {
  auto type = RankedTensorType::get(shape, b.getF32Type());
  ArrayRef<char> bytes(reinterpret_cast<const char *>(data.data()),
                       data.size() * sizeof(float));
  return createRawConstant(b, loc, type, bytes, name);
}

} // namespace pat
