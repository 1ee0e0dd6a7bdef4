//===- OnnxImporter.h - ONNX graph to the pat dialect -----------*- C++ -*-===//
//
// Part of patc.
//
//===----------------------------------------------------------------------===//

#ifndef PAT_COMPILER_ONNX_ONNXIMPORTER_H
#define PAT_COMPILER_ONNX_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include <map>
#include <string>
#include <vector>

namespace onnx {
class ModelProto;
}

namespace pat {

struct ImportOptions {
  /// Static shapes for inputs whose dims are symbolic (--input-shape).
  std::map<std::string, std::vector<int64_t>> inputShapes;
};

/// Builds `func.func @main` in the pat dialect from a loaded, checked and
/// shape-inferred model. On failure returns null and sets `error` to a
/// message naming the node, op type, opset and what is unsupported.
mlir::OwningOpRef<mlir::ModuleOp>
importOnnxModel(mlir::MLIRContext &context, const onnx::ModelProto &model,
                const ImportOptions &options, std::string &error);

} // namespace pat

#endif // PAT_COMPILER_ONNX_ONNXIMPORTER_H
