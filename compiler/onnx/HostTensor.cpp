//===- HostTensor.cpp - Tensors known while importing -----------*- C++ -*-===//
//
// Part of patc.
//
//===----------------------------------------------------------------------===//

#include "compiler/onnx/HostTensor.h"
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
  for (int64_t d : t.dims()) {
    if (d < 0) {
      error = "tensor '" + t.name() + "' has a negative dim";
      return std::nullopt;
    }
    h.shape.push_back(d);
  }
  int64_t n = h.numElements();
  h.bytes.resize(n * size);
  auto bad = [&](const char *field, int64_t have) {
    error = "tensor '" + t.name() + "' holds " + std::to_string(have) + " " +
            field + " values for " + std::to_string(n) + " elements";
    return std::nullopt;
  };
  if (t.has_raw_data()) {
    if ((int64_t)t.raw_data().size() != n * size)
      return bad("raw bytes' worth of", (int64_t)t.raw_data().size() / size);
    std::memcpy(h.bytes.data(), t.raw_data().data(), h.bytes.size());
    return h;
  }
  switch (h.dtype) {
  case TensorProto::FLOAT:
    if (t.float_data_size() != n)
      return bad("float_data", t.float_data_size());
    std::memcpy(h.bytes.data(), t.float_data().data(), n * 4);
    break;
  case TensorProto::INT64:
    if (t.int64_data_size() != n)
      return bad("int64_data", t.int64_data_size());
    std::memcpy(h.bytes.data(), t.int64_data().data(), n * 8);
    break;
  default: // INT32, INT8, UINT8, BOOL live in int32_data.
    if (t.int32_data_size() != n)
      return bad("int32_data", t.int32_data_size());
    for (int64_t i = 0; i < n; ++i) {
      int32_t v = t.int32_data(i);
      std::memcpy(h.bytes.data() + i * size, &v, size);
    }
    break;
  }
  return h;
}

} // namespace pat
