//===- OnnxLoader.cpp - Load, validate and shape-infer an ONNX model -*- C++ -*-===//
//
// Part of patc. Compiled with -fexceptions (see compiler/CMakeLists.txt).
//
//===----------------------------------------------------------------------===//

#include "compiler/onnx/OnnxLoader.h"
#include "compiler/onnx/HostTensor.h"
#include "compiler/onnx/IsolatedShapeInference.h"
#include "onnx/checker.h"
#include "onnx/defs/schema.h"
#include <algorithm>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

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

int64_t defaultOpset(const onnx::ModelProto &model) {
  int64_t opset = -1;
  for (const auto &entry : model.opset_import())
    if (entry.domain().empty() || entry.domain() == "ai.onnx")
      opset = entry.version();
  return opset;
}

std::string nodeLabel(const onnx::NodeProto &node) {
  if (!node.name().empty())
    return node.name();
  return node.output_size() ? node.output(0) : std::string("<unnamed>");
}

/// Checks what ONNX's shape inference and patc's importer take for granted
/// but the ONNX checker lets through, in every graph of the model:
/// - initializers and tensor attributes hold exactly the values their dims
///   need (shape inference reads them by their dims);
/// - strides, dilations, kernel sizes and block sizes are >= 1 and pads >= 0
///   (shape inference divides by them; a zero stride was a SIGFPE inside
///   libonnx);
/// - an empty input name (ONNX's "absent") only fills an optional input.
static bool checkGraphBeforeInference(const onnx::GraphProto &graph,
                                      int64_t opset, std::string &error) {
  static const char *const kWindowOps[] = {
      "Conv",        "ConvTranspose", "ConvInteger", "QLinearConv", "MaxPool",
      "AveragePool", "LpPool",        "MaxUnpool",   "MaxRoiPool",  "Col2Im"};
  for (const auto &tensor : graph.initializer())
    if (!checkTensorProtoSize(tensor, error)) {
      error = "initializer " + error;
      return false;
    }
  for (const auto &node : graph.node()) {
    auto fail = [&](const std::string &attr, const std::string &what) {
      error = "node '" + nodeLabel(node) + "' (" + node.op_type() + ", opset " +
              std::to_string(opset) + "): " + attr + " " + what;
      return false;
    };
    const onnx::OpSchema *schema = onnx::OpSchemaRegistry::Schema(
        node.op_type(), (int)opset, node.domain());
    if (schema && !schema->inputs().empty()) {
      const auto &formals = schema->inputs();
      for (int i = 0; i < node.input_size(); ++i) {
        const auto &formal = formals[std::min<size_t>(i, formals.size() - 1)];
        if (node.input(i).empty() &&
            formal.GetOption() != onnx::OpSchema::Optional)
          return fail("input " + std::to_string(i) + " ('" + formal.GetName() +
                          "')",
                      "is required but has no name");
      }
    }
    bool windowOp = std::find(std::begin(kWindowOps), std::end(kWindowOps),
                              node.op_type()) != std::end(kWindowOps);
    for (const auto &attr : node.attribute()) {
      const std::string &name = attr.name();
      std::string tensorError;
      if (attr.has_t() && !checkTensorProtoSize(attr.t(), tensorError))
        return fail(name, "holds a malformed tensor: " + tensorError);
      for (const auto &t : attr.tensors())
        if (!checkTensorProtoSize(t, tensorError))
          return fail(name, "holds a malformed tensor: " + tensorError);
      if (windowOp && (name == "strides" || name == "dilations" ||
                       name == "kernel_shape")) {
        for (int64_t v : attr.ints())
          if (v < 1)
            return fail(name, "must be >= 1 (has " + std::to_string(v) + ")");
      }
      if (windowOp && name == "pads")
        for (int64_t v : attr.ints())
          if (v < 0)
            return fail(name, "must be >= 0 (has " + std::to_string(v) + ")");
      if ((node.op_type() == "DepthToSpace" ||
           node.op_type() == "SpaceToDepth") &&
          name == "blocksize" && attr.i() < 1)
        return fail(name, "must be >= 1 (has " + std::to_string(attr.i()) + ")");
      if (attr.has_g() && !checkGraphBeforeInference(attr.g(), opset, error))
        return false;
      for (const auto &g : attr.graphs())
        if (!checkGraphBeforeInference(g, opset, error))
          return false;
    }
  }
  return true;
}

/// Reads the file at `path` whole into `bytes`: a regular file in one read
/// of its size (through a stringstream's growing copies, `patc
/// vgg16-pat-g1.onnx --emit=c -o DIR` took 25.2 s instead of 21.5), anything
/// else (a pipe) as a stream.
static bool readModelFile(const std::string &path, std::string &bytes,
                          std::string &error) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    error = "'" + path + "' is a directory, not an ONNX model";
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open '" + path + "'";
    return false;
  }
  const std::string tooLarge =
      "'" + path + "' is larger than 2 GiB; keep weights as external data";
  if (fs::is_regular_file(path, ec)) {
    uintmax_t size = fs::file_size(path, ec);
    if (ec) {
      error = "cannot read '" + path + "': " + ec.message();
      return false;
    }
    if (size > (uintmax_t)INT_MAX) {
      error = tooLarge;
      return false;
    }
    bytes.resize(size_t(size));
    if (!in.read(bytes.data(), std::streamsize(size))) {
      error = "cannot read '" + path + "'";
      return false;
    }
    return true;
  }
  bytes.assign(std::istreambuf_iterator<char>(in), {});
  if (bytes.size() > (size_t)INT_MAX) {
    error = tooLarge;
    return false;
  }
  return true;
}

bool loadOnnxModel(const std::string &path, onnx::ModelProto &model,
                   std::string &error) {
  {
    // The file's bytes are freed once parsed: the weights are most of them
    // (VGG-16: 553 MB).
    std::string bytes;
    if (!readModelFile(path, bytes, error))
      return false;
    if (!model.ParseFromString(bytes)) {
      error = "'" + path + "' is not a valid ONNX model (protobuf parse failed)";
      return false;
    }
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
  if (!checkGraphBeforeInference(model.graph(), defaultOpset(model), error))
    return false;
  return inferShapesIsolated(model, error);
}

} // namespace pat
