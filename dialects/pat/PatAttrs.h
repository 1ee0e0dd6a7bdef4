//===- PatAttrs.h - Attributes of the pat dialect ---------------*- C++ -*-===//
//
// Part of patc.
//
//===----------------------------------------------------------------------===//

#ifndef PAT_DIALECT_PATATTRS_H
#define PAT_DIALECT_PATATTRS_H

#include "dialects/pat/PatDialect.h"
#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectImplementation.h"

#define GET_ATTRDEF_CLASSES
#include "dialects/pat/PatAttrs.h.inc"

#endif // PAT_DIALECT_PATATTRS_H
