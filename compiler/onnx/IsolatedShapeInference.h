//===- IsolatedShapeInference.h - ONNX shape inference in a child -*- C++ -*-===//
//
// Part of patc. libonnx 1.12's shape inference crashes on some malformed
// graphs instead of throwing (e.g. SIGSEGV in convPoolShapeInference when a
// Conv's input, produced by another node, has fewer dimensions than its
// weights), which no check before inference can rule out: the rank is only
// known once the producer's shapes are inferred. So patc runs it in a
// forked child and reads back through a pipe what inference added to the
// graph (its value_info and outputs, not the weights); when the
// child dies, the graph's shortest crashing prefix names the node.
//
//===----------------------------------------------------------------------===//

#ifndef PAT_COMPILER_ONNX_ISOLATEDSHAPEINFERENCE_H
#define PAT_COMPILER_ONNX_ISOLATEDSHAPEINFERENCE_H

#include "onnx/onnx_pb.h"
#include <string>

namespace pat {

/// onnx::shape_inference::InferShapes(model), isolated: false with `error`
/// set when it throws or crashes (naming the node it crashed on).
bool inferShapesIsolated(onnx::ModelProto &model, std::string &error);

} // namespace pat

#endif // PAT_COMPILER_ONNX_ISOLATEDSHAPEINFERENCE_H
