//===- PatDialect.cpp - The pat dialect -------------------------*- C++ -*-===//
//
// Part of patc.
//
//===----------------------------------------------------------------------===//

#include "dialects/pat/PatDialect.h"
#include "dialects/pat/PatOps.h"

using namespace mlir;
using namespace pat;

#include "dialects/pat/PatDialect.cpp.inc"

void PatDialect::initialize() {
  registerAttributes();
  addOperations<
#define GET_OP_LIST
#include "dialects/pat/PatOps.cpp.inc"
      >();
}

Operation *PatDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                           Type type, Location loc) {
  auto elements = llvm::dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return builder.create<ConstantOp>(loc, type, elements);
}
