//===- OnnxLoader.cpp - Load, validate and shape-infer an ONNX model -*- C++ -*-===//
//
// Part of patc. Compiled with -fexceptions (see compiler/CMakeLists.txt).
//
//===----------------------------------------------------------------------===//

#include "compiler/onnx/OnnxLoader.h"
#include "onnx/checker.h"
#include "onnx/shape_inference/implementation.h"
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace pat {

/// Loads one external-data initializer into raw_data. The location must be
/// a relative path that stays inside `modelDir` after resolving links.
static bool inlineExternalData(onnx::TensorProto &tensor,
                               const fs::path &modelDir, std::string &error) {
  std::string location;
  long long offset = 0, length = -1;
  for (const auto &entry : tensor.external_data()) {
    if (entry.key() == "location")
      location = entry.value();
    else if (entry.key() == "offset")
      offset = std::atoll(entry.value().c_str());
    else if (entry.key() == "length")
      length = std::atoll(entry.value().c_str());
  }
  std::string what = "initializer '" + tensor.name() + "': external data ";
  if (location.empty()) {
    error = what + "has no 'location'";
    return false;
  }
  fs::path rel(location);
  if (rel.is_absolute()) {
    error = what + "location '" + location +
            "' is absolute; only paths inside the model's folder are allowed";
    return false;
  }
  std::error_code ec;
  fs::path base = fs::weakly_canonical(modelDir, ec);
  fs::path file = fs::weakly_canonical(modelDir / rel, ec);
  auto [baseEnd, fileIt] =
      std::mismatch(base.begin(), base.end(), file.begin(), file.end());
  if (ec || baseEnd != base.end()) {
    error = what + "location '" + location +
            "' points outside the model's folder";
    return false;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    error = what + "file '" + file.string() + "' cannot be opened";
    return false;
  }
  in.seekg(0, std::ios::end);
  long long size = in.tellg();
  if (offset < 0 || offset > size || length < -1 ||
      (length >= 0 && offset + length > size)) {
    error = what + "offset/length are outside file '" + file.string() + "'";
    return false;
  }
  if (length < 0)
    length = size - offset;
  std::string bytes((size_t)length, '\0');
  in.seekg(offset);
  in.read(bytes.data(), length);
  tensor.set_raw_data(std::move(bytes));
  tensor.clear_external_data();
  tensor.set_data_location(onnx::TensorProto::DEFAULT);
  return true;
}

bool loadOnnxModel(const std::string &path, onnx::ModelProto &model,
                   std::string &error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open '" + path + "'";
    return false;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string bytes = buffer.str();
  if (bytes.size() > (size_t)INT_MAX) {
    error = "'" + path + "' is larger than 2 GiB; keep weights as external data";
    return false;
  }
  if (!model.ParseFromString(bytes)) {
    error = "'" + path + "' is not a valid ONNX model (protobuf parse failed)";
    return false;
  }
  fs::path modelDir = fs::path(path).parent_path();
  if (modelDir.empty())
    modelDir = ".";
  for (auto &tensor : *model.mutable_graph()->mutable_initializer())
    if (tensor.data_location() == onnx::TensorProto::EXTERNAL &&
        !inlineExternalData(tensor, modelDir, error))
      return false;
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception &e) {
    error = "the ONNX checker rejects the model: " + std::string(e.what());
    return false;
  }
  try {
    onnx::shape_inference::InferShapes(model);
  } catch (const std::exception &e) {
    error = "ONNX shape inference failed: " + std::string(e.what());
    return false;
  }
  return true;
}

} // namespace pat
