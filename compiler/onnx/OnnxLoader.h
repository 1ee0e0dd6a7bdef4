//===- OnnxLoader.h - Load, validate and shape-infer an ONNX model -*- C++ -*-===//
//
// Part of patc. This is the only part of patc that is compiled with C++
// exceptions: the ONNX checker and shape inference report by throwing, and
// this file turns that into an error string.
//
//===----------------------------------------------------------------------===//

#ifndef PAT_COMPILER_ONNX_ONNXLOADER_H
#define PAT_COMPILER_ONNX_ONNXLOADER_H

#include "onnx/onnx_pb.h"
#include <string>

namespace pat {

/// Reads `path`, inlines external-data initializers (only files inside the
/// model's folder), runs onnx::checker and ONNX shape inference. On failure
/// returns false and sets `error`.
bool loadOnnxModel(const std::string &path, onnx::ModelProto &model,
                   std::string &error);

/// The version of the default ("" or "ai.onnx") domain the model imports,
/// or -1.
int64_t defaultOpset(const onnx::ModelProto &model);

/// How errors and locations name a node: its name, else its first output
/// (a node may have neither).
std::string nodeLabel(const onnx::NodeProto &node);

} // namespace pat

#endif // PAT_COMPILER_ONNX_ONNXLOADER_H
