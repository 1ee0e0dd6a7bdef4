//===- OnnxShapeOps.cpp - Import-time evaluation of shape chains -*- C++ -*-===//
//
// Part of patc. Exporters compute reshape targets with Shape, Gather,
// Unsqueeze, Concat, ... With static shapes every such chain is known at
// import time; evaluating it here leaves only real compute in the IR.
//
//===----------------------------------------------------------------------===//

#include "compiler/onnx/ImporterState.h"
#include "dialects/pat/ShapeRules.h"
#include <cmath>
#include <cstring>

using namespace mlir;

namespace pat {

/// Normalises a possibly negative axis; -1 if out of range.
static int64_t normAxis(int64_t axis, int64_t rank) {
  if (axis < 0)
    axis += rank;
  return axis >= 0 && axis < rank ? axis : -1;
}

static HostTensor withShape(const HostTensor &t, ArrayRef<int64_t> shape) {
  HostTensor out = t;
  out.shape.assign(shape.begin(), shape.end());
  return out;
}

static LogicalResult foldConstant(ImporterState &s) {
  const auto *a = s.node->attribute_size() == 1 ? &s.node->attribute(0)
                                                 : nullptr;
  if (!a)
    return s.fail("expects exactly one value attribute");
  if (a->name() == "value") {
    std::string err;
    auto t = hostTensorFromProto(a->t(), err);
    if (!t)
      return s.fail(err);
    s.defineOutput(0, std::move(*t));
  } else if (a->name() == "value_float") {
    s.defineOutput(0, HostTensor::fromDoubles(onnx::TensorProto::FLOAT, {},
                                              {(double)a->f()}));
  } else if (a->name() == "value_floats") {
    std::vector<double> v(a->floats().begin(), a->floats().end());
    s.defineOutput(0, HostTensor::fromDoubles(onnx::TensorProto::FLOAT,
                                              {(int64_t)v.size()}, v));
  } else if (a->name() == "value_int") {
    s.defineOutput(0, HostTensor::fromInts({}, {a->i()}));
  } else if (a->name() == "value_ints") {
    std::vector<int64_t> v(a->ints().begin(), a->ints().end());
    s.defineOutput(0, HostTensor::fromInts({(int64_t)v.size()}, v));
  } else {
    return s.fail("attribute '" + a->name() + "' is not supported");
  }
  return success();
}

static LogicalResult foldShape(ImporterState &s) {
  ArrayRef<int64_t> shape;
  SmallVector<int64_t> hostShape;
  if (const HostTensor *h = s.hostInput(0)) {
    hostShape = h->shape;
    shape = hostShape;
  } else {
    auto v = s.input(0);
    if (failed(v))
      return failure();
    shape = shapeOf(*v);
  }
  int64_t rank = shape.size();
  int64_t start = s.intAttr("start", 0), end = s.intAttr("end", rank);
  start = std::clamp<int64_t>(start < 0 ? start + rank : start, 0, rank);
  end = std::clamp<int64_t>(end < 0 ? end + rank : end, 0, rank);
  std::vector<int64_t> dims(shape.begin() + start,
                            shape.begin() + std::max(start, end));
  s.defineOutput(0, HostTensor::fromInts({(int64_t)dims.size()}, dims));
  return success();
}

static LogicalResult foldGather(ImporterState &s, const HostTensor &data,
                                const HostTensor &indices) {
  int64_t rank = data.shape.size();
  int64_t axis = normAxis(s.intAttr("axis", 0), rank);
  if (axis < 0)
    return s.fail("axis out of range");
  int64_t outer = 1, inner = 1, n = data.shape[axis];
  for (int64_t d = 0; d < axis; ++d)
    outer *= data.shape[d];
  for (int64_t d = axis + 1; d < rank; ++d)
    inner *= data.shape[d];
  SmallVector<int64_t> shape(data.shape.begin(), data.shape.begin() + axis);
  shape.append(indices.shape.begin(), indices.shape.end());
  shape.append(data.shape.begin() + axis + 1, data.shape.end());
  HostTensor out = withShape(data, shape);
  std::vector<int64_t> idx = indices.toInts();
  int64_t chunk = inner * data.elementSize();
  out.bytes.resize(outer * idx.size() * chunk);
  char *dst = out.bytes.data();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i : idx) {
      if (i < 0)
        i += n;
      if (i < 0 || i >= n)
        return s.fail("index " + std::to_string(i) + " out of range");
      std::memcpy(dst, data.bytes.data() + (o * n + i) * chunk, chunk);
      dst += chunk;
    }
  s.defineOutput(0, std::move(out));
  return success();
}

static LogicalResult foldConcat(ImporterState &s) {
  std::vector<const HostTensor *> ins;
  for (int i = 0; i < s.node->input_size(); ++i)
    ins.push_back(s.hostInput(i));
  int64_t rank = ins[0]->shape.size();
  int64_t axis = normAxis(s.intAttr("axis", 0), rank);
  if (axis < 0)
    return s.fail("axis out of range");
  SmallVector<int64_t> shape(ins[0]->shape);
  shape[axis] = 0;
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= shape[d];
  for (const HostTensor *t : ins) {
    if ((int64_t)t->shape.size() != rank || t->dtype != ins[0]->dtype)
      return s.fail("inputs differ in rank or type");
    shape[axis] += t->shape[axis];
  }
  HostTensor out = withShape(*ins[0], shape);
  out.bytes.clear();
  for (int64_t o = 0; o < outer; ++o)
    for (const HostTensor *t : ins) {
      int64_t chunk = t->bytes.size() / std::max<int64_t>(outer, 1);
      out.bytes.insert(out.bytes.end(), t->bytes.begin() + o * chunk,
                       t->bytes.begin() + (o + 1) * chunk);
    }
  s.defineOutput(0, std::move(out));
  return success();
}

/// Unsqueeze/Squeeze axes: attribute before opset 13, input from 13 on.
static FailureOr<std::vector<int64_t>> axesOf(ImporterState &s) {
  if (s.opset < 13)
    return s.intsAttr("axes");
  if (!s.hasInput(1))
    return std::vector<int64_t>{};
  auto t = s.requireHostInput(1, "axes");
  if (failed(t))
    return failure();
  return (*t)->toInts();
}

/// Output shape of Unsqueeze / Squeeze / Flatten applied to `in`.
FailureOr<SmallVector<int64_t>> reshapeLikeShape(ImporterState &s,
                                                 ArrayRef<int64_t> in) {
  StringRef op = s.node->op_type();
  if (op == "Flatten") {
    int64_t rank = in.size();
    int64_t axis = s.intAttr("axis", 1);
    if (axis < 0)
      axis += rank;
    if (axis < 0 || axis > rank)
      return ((void)s.fail("axis out of range"), failure());
    int64_t a = 1, b = 1;
    for (int64_t d = 0; d < rank; ++d)
      (d < axis ? a : b) *= in[d];
    return SmallVector<int64_t>{a, b};
  }
  auto axes = axesOf(s);
  if (failed(axes))
    return failure();
  if (op == "Unsqueeze") {
    int64_t rank = in.size() + axes->size();
    SmallVector<int64_t> out(rank, -1);
    for (int64_t a : *axes) {
      int64_t ax = normAxis(a, rank);
      if (ax < 0 || out[ax] == 1)
        return ((void)s.fail("invalid axes"), failure());
      out[ax] = 1;
    }
    size_t next = 0;
    for (int64_t &d : out)
      if (d == -1)
        d = in[next++];
    return out;
  }
  // Squeeze: no axes means every dim of size 1.
  SmallVector<bool> drop(in.size(), axes->empty());
  for (size_t d = 0; d < in.size() && axes->empty(); ++d)
    drop[d] = in[d] == 1;
  for (int64_t a : *axes) {
    int64_t ax = normAxis(a, in.size());
    if (ax < 0 || in[ax] != 1)
      return ((void)s.fail("can only squeeze dims of size 1"), failure());
    drop[ax] = true;
  }
  SmallVector<int64_t> out;
  for (size_t d = 0; d < in.size(); ++d)
    if (!drop[d])
      out.push_back(in[d]);
  return out;
}

/// ONNX Reshape's target shape (0 copies a dim unless allowzero, -1 infers).
FailureOr<SmallVector<int64_t>> reshapeTarget(ImporterState &s,
                                              ArrayRef<int64_t> in,
                                              const HostTensor &shapeT) {
  std::vector<int64_t> req = shapeT.toInts();
  bool allowZero = s.intAttr("allowzero", 0) != 0;
  int64_t total = 1, known = 1, infer = -1;
  for (int64_t d : in)
    total *= d;
  SmallVector<int64_t> out;
  for (size_t i = 0; i < req.size(); ++i) {
    int64_t d = req[i];
    if (d == 0 && !allowZero) {
      if (i >= in.size())
        return ((void)s.fail("shape copies dim " + std::to_string(i) +
                             " the input does not have"),
                failure());
      d = in[i];
    }
    if (d == -1) {
      if (infer >= 0)
        return ((void)s.fail("shape has more than one -1"), failure());
      infer = i;
    } else if (d < 0) {
      return ((void)s.fail("shape has negative dim " + std::to_string(d)),
              failure());
    } else {
      known *= d;
    }
    out.push_back(d);
  }
  if (infer >= 0) {
    if (known == 0 || total % known != 0)
      return ((void)s.fail("cannot infer the -1 dim"), failure());
    out[infer] = total / known;
  } else if (known != total) {
    return ((void)s.fail("shape holds " + std::to_string(known) +
                         " elements, the input " + std::to_string(total)),
            failure());
  }
  return out;
}

static LogicalResult foldSlice(ImporterState &s, const HostTensor &data) {
  int64_t rank = data.shape.size();
  std::vector<int64_t> starts, ends, axes, steps;
  if (s.opset < 10) {
    starts = s.intsAttr("starts");
    ends = s.intsAttr("ends");
    axes = s.intsAttr("axes");
  } else {
    for (int i = 1; i <= 4; ++i)
      if (s.hasInput(i) && !s.hostInput(i))
        return s.fail("starts/ends/axes/steps must be constants");
    starts = s.hostInput(1)->toInts();
    ends = s.hostInput(2)->toInts();
    if (s.hasInput(3))
      axes = s.hostInput(3)->toInts();
    if (s.hasInput(4))
      steps = s.hostInput(4)->toInts();
  }
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i)
      axes.push_back(i);
  if (steps.empty())
    steps.assign(starts.size(), 1);
  SmallVector<int64_t> begin(rank, 0), step(rank, 1), shape(data.shape);
  for (size_t i = 0; i < axes.size(); ++i) {
    int64_t ax = normAxis(axes[i], rank), dim = data.shape[ax];
    if (ax < 0 || steps[i] == 0)
      return s.fail("invalid axes or steps");
    int64_t st = starts[i], en = ends[i];
    st = st < 0 ? st + dim : st;
    en = en < 0 ? en + dim : en;
    if (steps[i] > 0) {
      st = std::clamp<int64_t>(st, 0, dim);
      en = std::clamp<int64_t>(en, 0, dim);
      shape[ax] = en > st ? (en - st + steps[i] - 1) / steps[i] : 0;
    } else {
      st = std::clamp<int64_t>(st, -1, dim - 1);
      en = std::clamp<int64_t>(en, -1, dim - 1);
      shape[ax] = st > en ? (st - en - steps[i] - 1) / -steps[i] : 0;
    }
    begin[ax] = st;
    step[ax] = steps[i];
  }
  HostTensor out = withShape(data, shape);
  int64_t n = out.numElements(), esize = data.elementSize();
  out.bytes.resize(n * esize);
  SmallVector<int64_t> idx(rank, 0);
  for (int64_t i = 0; i < n; ++i) {
    int64_t src = 0;
    for (int64_t d = 0; d < rank; ++d)
      src = src * data.shape[d] + begin[d] + idx[d] * step[d];
    std::memcpy(out.bytes.data() + i * esize, data.bytes.data() + src * esize,
                esize);
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++idx[d] < shape[d])
        break;
      idx[d] = 0;
    }
  }
  s.defineOutput(0, std::move(out));
  return success();
}

static LogicalResult foldArithmetic(ImporterState &s, const HostTensor &a,
                                    const HostTensor &b) {
  auto shape = broadcastShapes(a.shape, b.shape);
  if (!shape || a.dtype != b.dtype)
    return s.fail("operands do not broadcast or differ in type");
  int64_t n = 1;
  for (int64_t d : *shape)
    n *= d;
  std::vector<double> out(n);
  int64_t rank = shape->size();
  // Element strides of each operand in the output's index space.
  auto stridesOf = [&](const HostTensor &t) {
    SmallVector<int64_t> st(rank, 0);
    int64_t stride = 1;
    for (int64_t i = (int64_t)t.shape.size() - 1, d = rank - 1; i >= 0;
         --i, --d) {
      st[d] = t.shape[i] == 1 ? 0 : stride;
      stride *= t.shape[i];
    }
    return st;
  };
  SmallVector<int64_t> sa = stridesOf(a), sb = stridesOf(b), idx(rank, 0);
  bool isFloat = a.dtype == onnx::TensorProto::FLOAT;
  StringRef op = s.node->op_type();
  for (int64_t i = 0; i < n; ++i) {
    int64_t ia = 0, ib = 0;
    for (int64_t d = 0; d < rank; ++d) {
      ia += idx[d] * sa[d];
      ib += idx[d] * sb[d];
    }
    double x = a.at(ia), y = b.at(ib);
    out[i] = op == "Add"   ? x + y
             : op == "Sub" ? x - y
             : op == "Mul" ? x * y
             : isFloat     ? x / y
                           : (y == 0 ? 0 : std::trunc(x / y));
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++idx[d] < (*shape)[d])
        break;
      idx[d] = 0;
    }
  }
  s.defineOutput(0, HostTensor::fromDoubles(a.dtype, *shape, out));
  return success();
}

bool foldShapeNode(ImporterState &s, LogicalResult &result) {
  StringRef op = s.node->op_type();
  if (op == "Constant") {
    result = foldConstant(s);
    return true;
  }
  if (op == "Shape") {
    result = foldShape(s);
    return true;
  }
  // Everything below folds only when all present inputs are known.
  for (int i = 0; i < s.node->input_size(); ++i)
    if (s.hasInput(i) && !s.hostInput(i))
      return false;
  if (s.node->input_size() == 0)
    return false;
  const HostTensor &in0 = *s.hostInput(0);
  if (op == "ConstantOfShape") {
    std::vector<int64_t> shape = in0.toInts();
    HostTensor value = HostTensor::fromDoubles(onnx::TensorProto::FLOAT, {}, {0.0});
    if (const auto *a = s.attr("value")) {
      std::string err;
      auto t = hostTensorFromProto(a->t(), err);
      if (!t || t->numElements() != 1) {
        result = s.fail("value must be a one-element tensor");
        return true;
      }
      value = *t;
    }
    auto bytes = tensorBytes(shape, value.elementSize());
    if (!bytes || *bytes > kMaxHostTensorBytes) {
      result = s.fail("shape " + shapeString(shape) +
                      (bytes ? " is larger than the 2 GiB patc folds"
                             : " has a negative dim or overflows"));
      return true;
    }
    int64_t n = *bytes / value.elementSize();
    result = success();
    s.defineOutput(0, HostTensor::fromDoubles(
                          value.dtype, shape, std::vector<double>(n, value.at(0))));
    return true;
  }
  if (op == "Gather") {
    result = foldGather(s, in0, *s.hostInput(1));
  } else if (op == "Concat") {
    result = foldConcat(s);
  } else if (op == "Unsqueeze" || op == "Squeeze" || op == "Flatten") {
    auto shape = reshapeLikeShape(s, in0.shape);
    result = failed(shape) ? failure() : success();
    if (succeeded(shape))
      s.defineOutput(0, withShape(in0, *shape));
  } else if (op == "Reshape" && s.opset >= 5) {
    auto shape = reshapeTarget(s, in0.shape, *s.hostInput(1));
    result = failed(shape) ? failure() : success();
    if (succeeded(shape))
      s.defineOutput(0, withShape(in0, *shape));
  } else if (op == "Identity") {
    s.defineOutput(0, in0);
    result = success();
  } else if (op == "Cast") {
    int32_t to = s.intAttr("to", 0);
    if (!onnxElementSize(to)) {
      result = s.fail("cast to " + onnxDTypeName(to) + " is not supported");
      return true;
    }
    std::vector<double> v(in0.numElements());
    for (size_t i = 0; i < v.size(); ++i)
      v[i] = in0.at(i);
    s.defineOutput(0, HostTensor::fromDoubles(to, in0.shape, v));
    result = success();
  } else if (op == "Slice") {
    result = foldSlice(s, in0);
  } else if ((op == "Add" || op == "Sub" || op == "Mul" || op == "Div") &&
             in0.dtype != onnx::TensorProto::FLOAT) {
    // Integer arithmetic on shapes; float constants fold in pat-fold-constants.
    result = foldArithmetic(s, in0, *s.hostInput(1));
  } else {
    return false;
  }
  return true;
}

} // namespace pat
