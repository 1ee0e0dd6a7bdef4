//===- PatOps.h - Operations of the pat dialect -----------------*- C++ -*-===//
//
// Part of patc.
//
//===----------------------------------------------------------------------===//

#ifndef PAT_DIALECT_PATOPS_H
#define PAT_DIALECT_PATOPS_H

#include "dialects/pat/PatAttrs.h"
#include "dialects/pat/PatDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "dialects/pat/PatOps.h.inc"

namespace pat {
/// True if `name` is a fused activation that conv2d/gemm accept.
bool isKnownActivation(llvm::StringRef name);
} // namespace pat

#endif // PAT_DIALECT_PATOPS_H
