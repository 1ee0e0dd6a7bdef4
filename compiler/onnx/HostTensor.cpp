//===- HostTensor.cpp - Tensors known while importing -----------*- C++ -*-===//
//
// Part of patc.
//
//===----------------------------------------------------------------------===//

#include "compiler/onnx/HostTensor.h"
#include "llvm/ADT/STLExtras.h"
#include <cstring>

using onnx::TensorProto;

namespace pat {

int64_t onnxElementSize(int32_t dtype) {
  switch (dtype) {
  case TensorProto::FLOAT:
  case TensorProto::INT32:
    return 4;
  case TensorProto::INT64:
    return 8;
  case TensorProto::UINT8:
  case TensorProto::INT8:
  case TensorProto::BOOL:
    return 1;
  default:
    return 0;
  }
}

std::string onnxDTypeName(int32_t dtype) {
  if (TensorProto::DataType_IsValid(dtype))
    return TensorProto::DataType_Name((TensorProto::DataType)dtype);
  return "dtype " + std::to_string(dtype);
}

std::string shapeString(llvm::ArrayRef<int64_t> shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

std::optional<int64_t> tensorBytes(llvm::ArrayRef<int64_t> shape,
                                   int64_t elementSize) {
  int64_t bytes = elementSize;
  for (int64_t d : shape)
    if (d < 0 || __builtin_mul_overflow(bytes, d, &bytes))
      return std::nullopt;
  return bytes;
}

int64_t HostTensor::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

int64_t HostTensor::elementSize() const { return onnxElementSize(dtype); }

double HostTensor::at(int64_t i) const {
  const char *p = bytes.data() + i * elementSize();
  switch (dtype) {
  case TensorProto::FLOAT: {
    float v;
    std::memcpy(&v, p, 4);
    return v;
  }
  case TensorProto::INT32: {
    int32_t v;
    std::memcpy(&v, p, 4);
    return v;
  }
  case TensorProto::INT64: {
    int64_t v;
    std::memcpy(&v, p, 8);
    return (double)v;
  }
  case TensorProto::UINT8:
  case TensorProto::BOOL:
    return (double)(uint8_t)*p;
  case TensorProto::INT8:
    return (double)(int8_t)*p;
  default:
    return 0;
  }
}

std::vector<int64_t> HostTensor::toInts() const {
  std::vector<int64_t> out(numElements());
  for (int64_t i = 0; i < (int64_t)out.size(); ++i) {
    if (dtype == TensorProto::INT64)
      std::memcpy(&out[i], bytes.data() + i * 8, 8);
    else
      out[i] = (int64_t)at(i);
  }
  return out;
}

std::vector<float> HostTensor::toFloats() const {
  std::vector<float> out(numElements());
  for (int64_t i = 0; i < (int64_t)out.size(); ++i)
    out[i] = (float)at(i);
  return out;
}

HostTensor HostTensor::fromInts(llvm::ArrayRef<int64_t> shape,
                                llvm::ArrayRef<int64_t> values) {
  HostTensor t;
  t.dtype = TensorProto::INT64;
  t.shape.assign(shape.begin(), shape.end());
  t.bytes.resize(values.size() * 8);
  std::memcpy(t.bytes.data(), values.data(), t.bytes.size());
  return t;
}

HostTensor HostTensor::fromDoubles(int32_t dtype, llvm::ArrayRef<int64_t> shape,
                                   llvm::ArrayRef<double> values) {
  HostTensor t;
  t.dtype = dtype;
  t.shape.assign(shape.begin(), shape.end());
  int64_t size = onnxElementSize(dtype);
  t.bytes.resize(values.size() * size);
  for (size_t i = 0; i < values.size(); ++i) {
    char *p = t.bytes.data() + i * size;
    double v = values[i];
    switch (dtype) {
    case TensorProto::FLOAT: {
      float f = (float)v;
      std::memcpy(p, &f, 4);
      break;
    }
    case TensorProto::INT32: {
      int32_t x = (int32_t)v;
      std::memcpy(p, &x, 4);
      break;
    }
    case TensorProto::INT64: {
      int64_t x = (int64_t)v;
      std::memcpy(p, &x, 8);
      break;
    }
    case TensorProto::BOOL:
      *p = v != 0;
      break;
    case TensorProto::INT8:
      *p = (char)(int8_t)v;
      break;
    default:
      *p = (char)(uint8_t)v;
      break;
    }
  }
  return t;
}

namespace {
/// How a TensorProto of a fixed-size dtype stores its values: bytes per
/// element in raw_data, and otherwise the typed field and its length.
struct ProtoLayout {
  int64_t elementBytes = 0; ///< 0: not a fixed-size dtype (STRING, complex)
  const char *field = "";
  int64_t fieldValues = 0;
};
} // namespace

/// For every fixed-size ONNX dtype, not only patc's: the size check runs
/// before anything rejects a dtype.
static ProtoLayout protoLayout(const TensorProto &t) {
  switch (t.data_type()) {
  case TensorProto::FLOAT:
    return {4, "float_data", t.float_data_size()};
  case TensorProto::DOUBLE:
    return {8, "double_data", t.double_data_size()};
  case TensorProto::INT64:
    return {8, "int64_data", t.int64_data_size()};
  case TensorProto::UINT32:
    return {4, "uint64_data", t.uint64_data_size()};
  case TensorProto::UINT64:
    return {8, "uint64_data", t.uint64_data_size()};
  case TensorProto::INT32:
    return {4, "int32_data", t.int32_data_size()};
  case TensorProto::INT16:
  case TensorProto::UINT16:
  case TensorProto::FLOAT16:
  case TensorProto::BFLOAT16:
    return {2, "int32_data", t.int32_data_size()};
  case TensorProto::INT8:
  case TensorProto::UINT8:
  case TensorProto::BOOL:
    return {1, "int32_data", t.int32_data_size()};
  default:
    return {};
  }
}

bool checkTensorProtoSize(const TensorProto &t, std::string &error) {
  ProtoLayout layout = protoLayout(t);
  if (layout.elementBytes == 0)
    return true;
  // The element count is checked against the data the proto holds before
  // anything reads or allocates it: dims are untrusted and may claim
  // terabytes (ONNX's own shape inference trusts them and reads past the
  // data).
  std::vector<int64_t> dims(t.dims().begin(), t.dims().end());
  if (llvm::any_of(dims, [](int64_t d) { return d < 0; })) {
    error = "tensor '" + t.name() + "' has a negative dim";
    return false;
  }
  std::optional<int64_t> count = tensorBytes(dims, 1);
  const char *field = layout.field;
  int64_t held = layout.fieldValues;
  if (t.has_raw_data()) {
    field = "raw_data";
    held = (int64_t)t.raw_data().size() / layout.elementBytes;
    if (t.raw_data().size() % layout.elementBytes != 0) {
      error = "tensor '" + t.name() + "' has " +
              std::to_string(t.raw_data().size()) +
              " bytes of raw_data, not a whole number of " +
              std::to_string(layout.elementBytes) + "-byte values";
      return false;
    }
  }
  if (!count || *count != held) {
    error = "tensor '" + t.name() + "' holds " + std::to_string(held) +
            " values in " + field + " but its dims " + shapeString(dims) +
            " need " +
            (count ? std::to_string(*count) : std::string("more than 2^63"));
    return false;
  }
  return true;
}

std::optional<HostTensor> hostTensorFromProto(const TensorProto &t,
                                              std::string &error) {
  HostTensor h;
  h.dtype = t.data_type();
  int64_t size = onnxElementSize(h.dtype);
  if (size == 0) {
    error = "tensor '" + t.name() + "' has unsupported element type " +
            onnxDTypeName(h.dtype);
    return std::nullopt;
  }
  if (!checkTensorProtoSize(t, error))
    return std::nullopt;
  for (int64_t d : t.dims())
    h.shape.push_back(d);
  int64_t n = h.numElements();
  h.bytes.resize(n * size);
  if (t.has_raw_data()) {
    std::memcpy(h.bytes.data(), t.raw_data().data(), h.bytes.size());
    return h;
  }
  switch (h.dtype) {
  case TensorProto::FLOAT:
    std::memcpy(h.bytes.data(), t.float_data().data(), n * 4);
    break;
  case TensorProto::INT64:
    std::memcpy(h.bytes.data(), t.int64_data().data(), n * 8);
    break;
  default: // INT32, INT8, UINT8, BOOL live in int32_data.
    for (int64_t i = 0; i < n; ++i) {
      int32_t v = t.int32_data(i);
      std::memcpy(h.bytes.data() + i * size, &v, size);
    }
    break;
  }
  return h;
}

} // namespace pat
