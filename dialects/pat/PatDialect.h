//===- PatDialect.h - The pat dialect ---------------------------*- C++ -*-===//
//
// Part of patc.
//
//===----------------------------------------------------------------------===//

#ifndef PAT_DIALECT_PATDIALECT_H
#define PAT_DIALECT_PATDIALECT_H

#include "mlir/IR/Dialect.h"

#include "dialects/pat/PatDialect.h.inc"

#endif // PAT_DIALECT_PATDIALECT_H
