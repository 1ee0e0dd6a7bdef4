//===- HostTensor.h - Tensors known while importing -------------*- C++ -*-===//
//
// Part of patc. Initializers, Constant nodes and the Shape -> Gather ->
// Concat -> Reshape chains that exporters emit are evaluated at import time
// on these; only what a runtime op consumes becomes a `pat.constant`.
//
//===----------------------------------------------------------------------===//

#ifndef PAT_COMPILER_ONNX_HOSTTENSOR_H
#define PAT_COMPILER_ONNX_HOSTTENSOR_H

#include "onnx/onnx_pb.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include <optional>
#include <string>
#include <vector>

namespace pat {

struct HostTensor {
  int32_t dtype = onnx::TensorProto::FLOAT; ///< ONNX data type code.
  llvm::SmallVector<int64_t> shape;
  std::vector<char> bytes;

  int64_t numElements() const;
  int64_t elementSize() const;
  /// Element i converted to double (any supported dtype).
  double at(int64_t i) const;
  /// All elements converted to int64 / float.
  std::vector<int64_t> toInts() const;
  std::vector<float> toFloats() const;

  static HostTensor fromInts(llvm::ArrayRef<int64_t> shape,
                             llvm::ArrayRef<int64_t> values);
  /// A tensor of `dtype` from doubles (rounded/truncated as a cast would).
  static HostTensor fromDoubles(int32_t dtype, llvm::ArrayRef<int64_t> shape,
                                llvm::ArrayRef<double> values);
};

/// The largest tensor patc compiles (1 TiB): far beyond any device it
/// targets, and small enough that byte counts and offsets never overflow.
constexpr int64_t kMaxTensorBytes = int64_t(1) << 40;
/// The largest tensor ConstantOfShape folds into at import time (patc
/// allocates it; an ONNX protobuf cannot hold more either).
constexpr int64_t kMaxHostTensorBytes = int64_t(1) << 31;

/// Bytes of a tensor of `shape` with `elementSize`-byte elements, or
/// nullopt if a dim is negative or the count overflows int64.
std::optional<int64_t> tensorBytes(llvm::ArrayRef<int64_t> shape,
                                   int64_t elementSize);

/// "[1, 3, 224, 224]", for error messages.
std::string shapeString(llvm::ArrayRef<int64_t> shape);

/// Byte size of an ONNX dtype patc supports, or 0 if unsupported.
int64_t onnxElementSize(int32_t dtype);

/// Name of an ONNX dtype ("FLOAT", "DOUBLE", ...).
std::string onnxDTypeName(int32_t dtype);

/// Checks that a TensorProto of any fixed-size dtype holds exactly the
/// values its dims need (and that the count does not overflow). On failure
/// sets `error`.
bool checkTensorProtoSize(const onnx::TensorProto &t, std::string &error);

/// Converts a TensorProto (raw or typed fields). On failure sets `error`.
std::optional<HostTensor> hostTensorFromProto(const onnx::TensorProto &t,
                                              std::string &error);

} // namespace pat

#endif // PAT_COMPILER_ONNX_HOSTTENSOR_H
