//===- ImporterState.h - State shared by the ONNX op converters -*- C++ -*-===//
//
// Part of patc. Internal to compiler/onnx.
//
//===----------------------------------------------------------------------===//

#ifndef PAT_COMPILER_ONNX_IMPORTERSTATE_H
#define PAT_COMPILER_ONNX_IMPORTERSTATE_H

#include "compiler/onnx/HostTensor.h"
#include "dialects/pat/PatOps.h"
#include "mlir/IR/Builders.h"
#include "onnx/onnx_pb.h"
#include <unordered_map>

namespace pat {

/// What a tensor name stands for while importing: a runtime SSA value, a
/// tensor known at import time, or both (a constant already materialised).
struct ImportedValue {
  mlir::Value value;
  std::optional<HostTensor> host;
};

class ImporterState {
public:
  ImporterState(mlir::MLIRContext &context, int64_t opset)
      : builder(&context), opset(opset) {}

  mlir::OpBuilder builder;
  int64_t opset;
  std::unordered_map<std::string, ImportedValue> values;
  const onnx::NodeProto *node = nullptr;
  std::string error;

  /// Records a failure of the current node; always returns failure().
  mlir::LogicalResult fail(const llvm::Twine &what);

  mlir::Location loc();

  /// Number of present inputs (trailing "" are absent).
  bool hasInput(int i) const;
  /// The runtime value of input i (materialising a known tensor).
  mlir::FailureOr<mlir::Value> input(int i);
  /// The import-time tensor of input i, or null if only known at run time.
  const HostTensor *hostInput(int i);
  mlir::FailureOr<const HostTensor *> requireHostInput(int i,
                                                       llvm::StringRef what);

  void defineOutput(int i, mlir::Value v);
  void defineOutput(int i, HostTensor t);

  /// Attribute accessors (default when absent).
  const onnx::AttributeProto *attr(llvm::StringRef name) const;
  int64_t intAttr(llvm::StringRef name, int64_t dflt) const;
  float floatAttr(llvm::StringRef name, float dflt) const;
  std::string stringAttr(llvm::StringRef name, llvm::StringRef dflt) const;
  std::vector<int64_t> intsAttr(llvm::StringRef name) const;

  mlir::FailureOr<mlir::Type> elementType(int32_t dtype);
  mlir::RankedTensorType tensorType(llvm::ArrayRef<int64_t> shape,
                                    mlir::Type elt) {
    return mlir::RankedTensorType::get(shape, elt);
  }
  mlir::Value materialize(const HostTensor &t, llvm::StringRef name);
  /// Fully static shape ONNX shape inference gave a tensor, if any.
  std::optional<llvm::SmallVector<int64_t>> inferredShape(const std::string &name) const;
  std::unordered_map<std::string, llvm::SmallVector<int64_t>> inferredShapes;
  mlir::Value reshape(mlir::Value v, llvm::ArrayRef<int64_t> shape);

private:
  int blobCounter = 0;
};

/// Converts the current node (state.node). Defined in OnnxOps.cpp.
mlir::LogicalResult convertNode(ImporterState &state);

/// Evaluates shape-computation nodes whose inputs are all known at import
/// time. Returns true if it handled the node (success or failure in
/// `result`). Defined in OnnxShapeOps.cpp.
bool foldShapeNode(ImporterState &state, mlir::LogicalResult &result);

llvm::ArrayRef<int64_t> shapeOf(mlir::Value v);

} // namespace pat

#endif // PAT_COMPILER_ONNX_IMPORTERSTATE_H
