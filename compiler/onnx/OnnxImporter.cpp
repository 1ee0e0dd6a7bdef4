//===- OnnxImporter.cpp - ONNX graph to the pat dialect ---------*- C++ -*-===//
//
// Part of patc. Walks the (topologically sorted) graph once; each node either
// folds at import time (shape chains, constants) or becomes pat ops.
//
//===----------------------------------------------------------------------===//

#include "compiler/onnx/OnnxImporter.h"
#include "compiler/onnx/ImporterState.h"
#include "compiler/onnx/OnnxLoader.h"
#include "dialects/pat/ConstantData.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;

namespace pat {

ArrayRef<int64_t> shapeOf(Value v) {
  return llvm::cast<RankedTensorType>(v.getType()).getShape();
}

LogicalResult ImporterState::fail(const Twine &what) {
  error = "node '" + nodeLabel(*node) +
          "' (" + node->op_type() + ", opset " + std::to_string(opset) +
          "): " + what.str();
  return failure();
}

Location ImporterState::loc() {
  std::string name = nodeLabel(*node);
  return NameLoc::get(builder.getStringAttr(name + ":" + node->op_type()));
}

bool ImporterState::hasInput(int i) const {
  return i < node->input_size() && !node->input(i).empty();
}

const HostTensor *ImporterState::hostInput(int i) {
  if (!hasInput(i))
    return nullptr;
  auto it = values.find(node->input(i));
  if (it == values.end() || !it->second.host)
    return nullptr;
  return &*it->second.host;
}

FailureOr<const HostTensor *> ImporterState::requireHostInput(int i,
                                                              StringRef what) {
  if (const HostTensor *t = hostInput(i))
    return t;
  (void)fail(what + " (input " + std::to_string(i) +
             ") must be a constant; a value computed at run time is not "
             "supported");
  return failure();
}

FailureOr<Value> ImporterState::input(int i) {
  if (!hasInput(i)) {
    (void)fail("input " + std::to_string(i) + " is missing");
    return failure();
  }
  auto it = values.find(node->input(i));
  if (it == values.end()) {
    (void)fail("input '" + node->input(i) + "' is not defined before use");
    return failure();
  }
  ImportedValue &v = it->second;
  if (!v.value) {
    if (failed(elementType(v.host->dtype)))
      return failure();
    v.value = materialize(*v.host, node->input(i));
  }
  return v.value;
}

void ImporterState::defineOutput(int i, Value v) {
  if (i < node->output_size() && !node->output(i).empty())
    values[node->output(i)] = {v, std::nullopt};
}

void ImporterState::defineOutput(int i, HostTensor t) {
  if (i < node->output_size() && !node->output(i).empty())
    values[node->output(i)] = {Value(), std::move(t)};
}

const onnx::AttributeProto *ImporterState::attr(StringRef name) const {
  for (const auto &a : node->attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

int64_t ImporterState::intAttr(StringRef name, int64_t dflt) const {
  const auto *a = attr(name);
  return a ? a->i() : dflt;
}

float ImporterState::floatAttr(StringRef name, float dflt) const {
  const auto *a = attr(name);
  return a ? a->f() : dflt;
}

std::string ImporterState::stringAttr(StringRef name, StringRef dflt) const {
  const auto *a = attr(name);
  return a ? a->s() : dflt.str();
}

std::vector<int64_t> ImporterState::intsAttr(StringRef name) const {
  const auto *a = attr(name);
  if (!a)
    return {};
  return std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

FailureOr<Type> ImporterState::elementType(int32_t dtype) {
  switch (dtype) {
  case onnx::TensorProto::FLOAT:
    return Type(builder.getF32Type());
  case onnx::TensorProto::UINT8:
    return Type(builder.getIntegerType(8, /*isSigned=*/false));
  case onnx::TensorProto::INT8:
    return Type(builder.getIntegerType(8));
  case onnx::TensorProto::INT32:
    return Type(builder.getI32Type());
  case onnx::TensorProto::INT64:
    return Type(builder.getI64Type());
  case onnx::TensorProto::BOOL:
    return Type(builder.getI1Type());
  default:
    (void)fail("element type " + onnxDTypeName(dtype) + " is not supported");
    return failure();
  }
}

/// A resource blob name: the tensor name made identifier-safe.
static std::string blobName(StringRef name) {
  std::string out;
  for (char c : name)
    out += llvm::isAlnum(c) ? c : '_';
  if (out.empty() || llvm::isDigit(out[0]))
    out = "t_" + out;
  return out;
}

Value ImporterState::materialize(const HostTensor &t, StringRef name) {
  Type elt = *elementType(t.dtype);
  auto type = RankedTensorType::get(t.shape, elt);
  return createRawConstant(builder, loc(), type, t.bytes, blobName(name));
}

std::optional<SmallVector<int64_t>>
ImporterState::inferredShape(const std::string &name) const {
  auto it = inferredShapes.find(name);
  if (it == inferredShapes.end())
    return std::nullopt;
  return it->second;
}

Value ImporterState::reshape(Value v, ArrayRef<int64_t> shape) {
  auto type = RankedTensorType::get(shape, getElementTypeOrSelf(v.getType()));
  if (type == v.getType())
    return v;
  return builder.create<ReshapeOp>(loc(), type, v);
}

/// Why a tensor of `type` is larger than patc compiles (or its byte count
/// overflows), or nothing: shapes come from the untrusted model.
static std::optional<std::string> tensorSizeProblem(RankedTensorType type) {
  int64_t elementBytes = std::max<int64_t>(1, type.getElementTypeBitWidth() / 8);
  auto bytes = tensorBytes(type.getShape(), elementBytes);
  if (bytes && *bytes <= kMaxTensorBytes)
    return std::nullopt;
  return "shape " + shapeString(type.getShape()) + " would take " +
         (bytes ? std::to_string(*bytes) + " bytes"
                : std::string("more than 2^63 bytes")) +
         ", more than patc's limit of 1 TiB per tensor";
}

/// Parses a graph input's type, applying --input-shape overrides.
static LogicalResult inputType(ImporterState &state,
                               const onnx::ValueInfoProto &info,
                               const ImportOptions &options,
                               RankedTensorType &type) {
  auto fail = [&](const Twine &msg) {
    state.error = "graph input '" + info.name() + "': " + msg.str();
    return failure();
  };
  if (!info.type().has_tensor_type())
    return fail("only tensor inputs are supported");
  const auto &tensor = info.type().tensor_type();
  onnx::NodeProto dummy;
  dummy.add_output(info.name());
  state.node = &dummy;
  auto elt = state.elementType(tensor.elem_type());
  state.node = nullptr;
  if (failed(elt))
    return fail("element type " + onnxDTypeName(tensor.elem_type()) +
                " is not supported");
  SmallVector<int64_t> shape;
  auto override = options.inputShapes.find(info.name());
  if (override != options.inputShapes.end()) {
    shape.assign(override->second.begin(), override->second.end());
    if (tensor.has_shape() &&
        tensor.shape().dim_size() != (int)override->second.size())
      return fail("--input-shape gives rank " +
                  std::to_string(override->second.size()) +
                  " but the model declares rank " +
                  std::to_string(tensor.shape().dim_size()));
    for (int d = 0; tensor.has_shape() && d < tensor.shape().dim_size(); ++d) {
      const auto &dim = tensor.shape().dim(d);
      if (dim.has_dim_value() && dim.dim_value() != shape[d])
        return fail("--input-shape sets dim " + std::to_string(d) + " to " +
                    std::to_string(shape[d]) + " but the model fixes it at " +
                    std::to_string(dim.dim_value()));
    }
  } else {
    if (!tensor.has_shape())
      return fail("has no shape; pass --input-shape " + info.name() +
                  "=D0xD1x...");
    for (int d = 0; d < tensor.shape().dim_size(); ++d) {
      const auto &dim = tensor.shape().dim(d);
      if (!dim.has_dim_value() || dim.dim_value() < 0)
        return fail("dim " + std::to_string(d) + " is dynamic ('" +
                    dim.dim_param() + "'); pass --input-shape " + info.name() +
                    "=D0xD1x... to fix it");
      shape.push_back(dim.dim_value());
    }
  }
  type = RankedTensorType::get(shape, *elt);
  if (auto problem = tensorSizeProblem(llvm::cast<RankedTensorType>(type)))
    return fail(*problem);
  return success();
}

OwningOpRef<ModuleOp> importOnnxModel(MLIRContext &context,
                                      const onnx::ModelProto &model,
                                      const ImportOptions &options,
                                      std::string &error) {
  context.loadDialect<PatDialect, func::FuncDialect>();
  int64_t opset = defaultOpset(model);
  if (opset < 1 || opset > 17) {
    error = opset < 0 ? "the model imports no default-domain opset"
                      : "opset " + std::to_string(opset) +
                            " is not supported (patc handles opsets 1 to 17)";
    return nullptr;
  }
  const onnx::GraphProto &graph = model.graph();
  ImporterState state(context, opset);
  OpBuilder &b = state.builder;
  OwningOpRef<ModuleOp> module = ModuleOp::create(b.getUnknownLoc());
  b.setInsertionPointToEnd(module->getBody());

  // Static shapes from shape inference and declared outputs.
  auto recordShape = [&](const onnx::ValueInfoProto &info) {
    if (!info.type().has_tensor_type() ||
        !info.type().tensor_type().has_shape())
      return;
    SmallVector<int64_t> shape;
    for (const auto &dim : info.type().tensor_type().shape().dim()) {
      if (!dim.has_dim_value())
        return;
      shape.push_back(dim.dim_value());
    }
    state.inferredShapes[info.name()] = shape;
  };
  for (const auto &info : graph.value_info())
    recordShape(info);
  for (const auto &info : graph.output())
    recordShape(info);

  // Initializers are import-time tensors.
  for (const auto &init : graph.initializer()) {
    auto t = hostTensorFromProto(init, error);
    if (!t) {
      error = "initializer '" + init.name() + "': " + error;
      return nullptr;
    }
    state.values[init.name()] = {Value(), std::move(*t)};
  }

  // Graph inputs that are not initializers are the function's arguments.
  for (const auto &[name, shape] : options.inputShapes)
    if (llvm::none_of(graph.input(), [&](const onnx::ValueInfoProto &in) {
          return in.name() == name && !state.values.count(name);
        })) {
      error = "--input-shape names '" + name + "', which is not a graph input";
      return nullptr;
    }
  SmallVector<Type> argTypes;
  SmallVector<std::string> argNames;
  for (const auto &in : graph.input()) {
    if (state.values.count(in.name()))
      continue;
    RankedTensorType type;
    if (failed(inputType(state, in, options, type))) {
      error = state.error;
      return nullptr;
    }
    argTypes.push_back(type);
    argNames.push_back(in.name());
  }

  auto func = b.create<func::FuncOp>(
      NameLoc::get(b.getStringAttr(graph.name())), "main",
      b.getFunctionType(argTypes, {}));
  Block *body = func.addEntryBlock();
  for (size_t i = 0; i < argNames.size(); ++i) {
    func.setArgAttr(i, "pat.name", b.getStringAttr(argNames[i]));
    state.values[argNames[i]] = {body->getArgument(i), std::nullopt};
  }
  b.setInsertionPointToStart(body);

  for (const auto &node : graph.node()) {
    state.node = &node;
    if (!node.domain().empty() && node.domain() != "ai.onnx") {
      (void)state.fail("ops of domain '" + node.domain() +
                       "' are not supported");
      error = state.error;
      return nullptr;
    }
    LogicalResult result = success();
    if (!foldShapeNode(state, result))
      result = convertNode(state);
    for (int i = 0; succeeded(result) && i < node.output_size(); ++i) {
      auto it = state.values.find(node.output(i));
      auto type = it == state.values.end() || !it->second.value
                      ? RankedTensorType()
                      : llvm::dyn_cast<RankedTensorType>(it->second.value.getType());
      if (auto problem = type ? tensorSizeProblem(type) : std::nullopt)
        result = state.fail("output '" + node.output(i) + "': " + *problem);
    }
    if (failed(result)) {
      error = state.error;
      return nullptr;
    }
  }

  SmallVector<Value> results;
  SmallVector<Attribute> outputNames;
  for (const auto &out : graph.output()) {
    auto it = state.values.find(out.name());
    if (it == state.values.end()) {
      error = "graph output '" + out.name() + "' is never computed";
      return nullptr;
    }
    if (!it->second.value) {
      onnx::NodeProto dummy;
      dummy.add_output(out.name());
      state.node = &dummy;
      if (failed(state.elementType(it->second.host->dtype))) {
        error = "graph output '" + out.name() + "' has an unsupported type";
        return nullptr;
      }
      it->second.value = state.materialize(*it->second.host, out.name());
    }
    results.push_back(it->second.value);
    outputNames.push_back(b.getStringAttr(out.name()));
  }
  b.create<func::ReturnOp>(b.getUnknownLoc(), results);
  func.setType(b.getFunctionType(argTypes, ValueRange(results).getTypes()));
  func->setAttr("pat.output_names", b.getArrayAttr(outputNames));
  // Refuse absurd sizes before anything multiplies them (overflow-safe).
  std::string tooBig;
  module->walk([&](Operation *op) {
    for (Value r : op->getResults()) {
      auto type = llvm::dyn_cast<RankedTensorType>(r.getType());
      if (!type || !tooBig.empty())
        continue;
      int64_t elements = 1;
      for (int64_t d : type.getShape())
        if (d != 0 && elements > (int64_t(1) << 40) / d) {
          llvm::raw_string_ostream os(tooBig);
          os << "a tensor of " << op->getName() << " at " << op->getLoc()
             << " has more than 2^40 elements";
          break;
        } else {
          elements *= d;
        }
    }
  });
  if (!tooBig.empty()) {
    error = tooBig;
    return nullptr;
  }
  if (failed(verify(*module))) {
    error = "the imported IR does not verify (see the diagnostics above)";
    return nullptr;
  }
  return module;
}

} // namespace pat
