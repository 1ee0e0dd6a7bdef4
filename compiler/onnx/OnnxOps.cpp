//===- OnnxOps.cpp - ONNX compute ops to pat ops ----------------*- C++ -*-===//
//
// Part of patc. One converter per ONNX op type; each checks the attributes
// and dtypes patc supports and fails with the reason otherwise.
//
//===----------------------------------------------------------------------===//

#include "compiler/onnx/ImporterState.h"
#include "dialects/pat/ShapeRules.h"
#include "llvm/ADT/StringSwitch.h"
#include <cfloat>
#include <functional>

using namespace mlir;

namespace pat {

FailureOr<SmallVector<int64_t>> reshapeLikeShape(ImporterState &s,
                                                 ArrayRef<int64_t> in);
FailureOr<SmallVector<int64_t>> reshapeTarget(ImporterState &s,
                                              ArrayRef<int64_t> in,
                                              const HostTensor &shapeT);

namespace {

using Attrs = SmallVector<NamedAttribute>;

/// Strides, [top, left, bottom, right] pads and dilations of a 2-D window.
struct Window {
  SmallVector<int64_t> strides{1, 1}, pads{0, 0, 0, 0}, dilations{1, 1};
};

LogicalResult windowOf(ImporterState &s, ArrayRef<int64_t> in,
                       ArrayRef<int64_t> kernel, Window &w) {
  auto strides = s.intsAttr("strides"), dil = s.intsAttr("dilations");
  auto pads = s.intsAttr("pads");
  if (!strides.empty()) {
    if (strides.size() != 2)
      return s.fail("strides must have 2 entries");
    w.strides.assign(strides.begin(), strides.end());
  }
  if (!dil.empty()) {
    if (dil.size() != 2)
      return s.fail("dilations must have 2 entries");
    w.dilations.assign(dil.begin(), dil.end());
  }
  std::string autoPad = s.stringAttr("auto_pad", "NOTSET");
  if (autoPad == "NOTSET") {
    if (!pads.empty()) {
      if (pads.size() != 4)
        return s.fail("pads must have 4 entries");
      w.pads.assign(pads.begin(), pads.end());
    }
  } else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    for (int d = 0; d < 2; ++d) {
      int64_t out = (in[d] + w.strides[d] - 1) / w.strides[d];
      int64_t span = (kernel[d] - 1) * w.dilations[d] + 1;
      int64_t total = std::max<int64_t>(0, (out - 1) * w.strides[d] + span - in[d]);
      int64_t small = total / 2, large = total - small;
      w.pads[d] = autoPad == "SAME_UPPER" ? small : large;
      w.pads[d + 2] = autoPad == "SAME_UPPER" ? large : small;
    }
  } else if (autoPad != "VALID") {
    return s.fail("auto_pad '" + autoPad + "' is not supported");
  }
  for (int64_t v : w.strides)
    if (v < 1)
      return s.fail("strides must be >= 1");
  for (int64_t v : w.dilations)
    if (v < 1)
      return s.fail("dilations must be >= 1");
  for (int64_t v : w.pads)
    if (v < 0)
      return s.fail("pads must be >= 0");
  return success();
}

bool isF32(Value v) { return getElementTypeOrSelf(v.getType()).isF32(); }

LogicalResult requireF32(ImporterState &s, Value v) {
  if (isF32(v))
    return success();
  std::string type;
  llvm::raw_string_ostream os(type);
  os << getElementTypeOrSelf(v.getType());
  return s.fail("element type " + os.str() +
                " is not supported (only float32)");
}

template <typename OpTy>
Value create(ImporterState &s, Type type, ValueRange operands,
             Attrs attrs = {}) {
  return s.builder.create<OpTy>(s.loc(), TypeRange{type}, operands, attrs);
}

LogicalResult convertConv(ImporterState &s) {
  auto x = s.input(0), w = s.input(1);
  if (failed(x) || failed(w) || failed(requireF32(s, *x)) ||
      failed(requireF32(s, *w)))
    return failure();
  ArrayRef<int64_t> in = shapeOf(*x), ws = shapeOf(*w);
  if (in.size() != 4 || ws.size() != 4)
    return s.fail("only 2-D convolution (rank-4 input and weight) is "
                  "supported, got input rank " +
                  std::to_string(in.size()));
  auto kernel = s.intsAttr("kernel_shape");
  if (!kernel.empty() && (kernel.size() != 2 || kernel[0] != ws[2] ||
                          kernel[1] != ws[3]))
    return s.fail("kernel_shape does not match the weight's shape");
  int64_t groups = s.intAttr("group", 1);
  if (groups < 1 || in[1] % groups || ws[0] % groups || ws[1] * groups != in[1])
    return s.fail("group = " + std::to_string(groups) +
                  " does not match input channels " + std::to_string(in[1]) +
                  " and weight shape");
  Window win;
  if (failed(windowOf(s, in.drop_front(2), ws.drop_front(2), win)))
    return failure();
  SmallVector<int64_t> out{in[0], ws[0], 0, 0};
  for (int d = 0; d < 2; ++d) {
    out[2 + d] = convOutputDim(in[2 + d], ws[2 + d], win.strides[d],
                               win.pads[d], win.pads[d + 2], win.dilations[d]);
    if (out[2 + d] < 1)
      return s.fail("the kernel does not fit the padded input");
  }
  SmallVector<Value> operands{*x, *w};
  if (s.hasInput(2)) {
    auto bias = s.input(2);
    if (failed(bias))
      return failure();
    operands.push_back(*bias);
  }
  OpBuilder &b = s.builder;
  // input, weight, bias (0 or 1), residual (none at import).
  int32_t hasBias = operands.size() > 2 ? 1 : 0;
  Attrs attrs{b.getNamedAttr("operandSegmentSizes",
                             b.getDenseI32ArrayAttr({1, 1, hasBias, 0})),
              b.getNamedAttr("strides", b.getDenseI64ArrayAttr(win.strides)),
              b.getNamedAttr("pads", b.getDenseI64ArrayAttr(win.pads)),
              b.getNamedAttr("dilations", b.getDenseI64ArrayAttr(win.dilations)),
              b.getNamedAttr("groups", b.getI64IntegerAttr(groups))};
  s.defineOutput(0, create<Conv2DOp>(s, s.tensorType(out, b.getF32Type()),
                                     operands, attrs));
  return success();
}

/// MaxPool / AveragePool, 1-D (as 2-D with height 1) or 2-D.
LogicalResult convertPool(ImporterState &s, bool isMax) {
  auto x = s.input(0);
  if (failed(x))
    return failure();
  bool withIndices =
      isMax && s.node->output_size() > 1 && !s.node->output(1).empty();
  bool columnMajor = s.intAttr("storage_order", 0) != 0;
  if (columnMajor && !withIndices)
    return s.fail("storage_order = 1 is only supported with the Indices output");
  Type elt = getElementTypeOrSelf(x->getType());
  if (!elt.isF32() && !(isMax && elt.isUnsignedInteger(8)))
    return requireF32(s, *x); // fails: names the unsupported type
  ArrayRef<int64_t> in = shapeOf(*x);
  auto kernel = s.intsAttr("kernel_shape");
  bool is1D = in.size() == 3;
  if (!is1D && in.size() != 4)
    return s.fail("only 1-D and 2-D pooling are supported, got input rank " +
                  std::to_string(in.size()));
  if (kernel.size() != in.size() - 2)
    return s.fail("kernel_shape must have one entry per spatial dim");
  SmallVector<int64_t> in4(in);
  if (is1D) {
    // Pool a [N, C, L] tensor as [N, C, 1, L] with the attributes widened.
    in4 = {in[0], in[1], 1, in[2]};
    kernel.insert(kernel.begin(), 1);
  }
  Window win;
  if (is1D) {
    auto st = s.intsAttr("strides"), dl = s.intsAttr("dilations"),
         pd = s.intsAttr("pads");
    if (!st.empty())
      win.strides = {1, st[0]};
    if (!dl.empty())
      win.dilations = {1, dl[0]};
    if (!pd.empty())
      win.pads = {0, pd[0], 0, pd[1]};
    if (s.stringAttr("auto_pad", "NOTSET") != "NOTSET")
      return s.fail("auto_pad with 1-D pooling is not supported");
  } else if (failed(windowOf(s, ArrayRef<int64_t>(in4).drop_front(2), kernel,
                             win))) {
    return failure();
  }
  if (!isMax && s.attr("dilations"))
    for (int64_t d : win.dilations)
      if (d != 1)
        return s.fail("dilations != 1 are not supported for AveragePool");
  bool ceil = s.intAttr("ceil_mode", 0) != 0;
  SmallVector<int64_t> out{in4[0], in4[1], 0, 0};
  for (int d = 0; d < 2; ++d) {
    if (win.pads[d] >= kernel[d] * win.dilations[d] ||
        win.pads[d + 2] >= kernel[d] * win.dilations[d])
      return s.fail("padding must be smaller than the window");
    out[2 + d] = poolOutputDim(in4[2 + d], kernel[d], win.strides[d],
                               win.pads[d], win.pads[d + 2], win.dilations[d],
                               ceil);
  }
  // A 1x1 window of stride 1 without padding copies its input: what
  // torchvision's adaptive average pool exports on a map already of its
  // output size (VGG-16's 7x7 avgpool; 0.1 ms of pruned VGG-16 when run).
  auto isOne = [](int64_t v) { return v == 1; };
  auto isZero = [](int64_t v) { return v == 0; };
  if (!withIndices && llvm::all_of(kernel, isOne) &&
      llvm::all_of(win.strides, isOne) && llvm::all_of(win.pads, isZero)) {
    s.defineOutput(0, *x);
    return success();
  }
  OpBuilder &b = s.builder;
  Attrs attrs{b.getNamedAttr("kernel_shape", b.getDenseI64ArrayAttr(kernel)),
              b.getNamedAttr("strides", b.getDenseI64ArrayAttr(win.strides)),
              b.getNamedAttr("pads", b.getDenseI64ArrayAttr(win.pads)),
              b.getNamedAttr("ceil_mode", b.getBoolAttr(ceil))};
  Value input = is1D ? s.reshape(*x, in4) : *x;
  Value result;
  if (withIndices) {
    if (!elt.isF32())
      return s.fail("the Indices output needs float32 input");
    attrs.push_back(
        b.getNamedAttr("dilations", b.getDenseI64ArrayAttr(win.dilations)));
    attrs.push_back(b.getNamedAttr("column_major", b.getBoolAttr(columnMajor)));
    auto op = b.create<MaxPool2DWithIndicesOp>(
        s.loc(), TypeRange{s.tensorType(out, elt), s.tensorType(out, b.getI64Type())},
        ValueRange{input}, attrs);
    result = op.getResult();
    Value indices = op.getIndices();
    s.defineOutput(1, is1D ? s.reshape(indices, {out[0], out[1], out[3]})
                           : indices);
  } else if (isMax) {
    attrs.push_back(
        b.getNamedAttr("dilations", b.getDenseI64ArrayAttr(win.dilations)));
    result = create<MaxPool2DOp>(s, s.tensorType(out, elt), input, attrs);
  } else {
    attrs.push_back(b.getNamedAttr(
        "count_include_pad", b.getBoolAttr(s.intAttr("count_include_pad", 0))));
    result = create<AvgPool2DOp>(s, s.tensorType(out, elt), input, attrs);
  }
  s.defineOutput(0, is1D ? s.reshape(result, {out[0], out[1], out[3]})
                         : result);
  return success();
}

LogicalResult convertGlobalPool(ImporterState &s, bool isMax) {
  auto x = s.input(0);
  if (failed(x) || failed(requireF32(s, *x)))
    return failure();
  ArrayRef<int64_t> in = shapeOf(*x);
  if (in.size() < 3)
    return s.fail("input must have rank >= 3");
  SmallVector<int64_t> out(in.size(), 1);
  out[0] = in[0];
  out[1] = in[1];
  Type type = s.tensorType(out, s.builder.getF32Type());
  s.defineOutput(0, isMax ? create<GlobalMaxPoolOp>(s, type, *x)
                          : create<GlobalAvgPoolOp>(s, type, *x));
  return success();
}

LogicalResult convertBatchNorm(ImporterState &s) {
  for (int i = 1; i < s.node->output_size(); ++i)
    if (!s.node->output(i).empty())
      return s.fail("training outputs (running mean/var) are not supported");
  if (s.intAttr("training_mode", 0) != 0)
    return s.fail("training_mode = 1 is not supported (inference only)");
  if (s.opset < 9 && s.intAttr("spatial", 1) != 1)
    return s.fail("spatial = 0 is not supported");
  SmallVector<Value> operands;
  for (int i = 0; i < 5; ++i) {
    auto v = s.input(i);
    if (failed(v) || failed(requireF32(s, *v)))
      return failure();
    operands.push_back(*v);
  }
  ArrayRef<int64_t> in = shapeOf(operands[0]);
  if (in.size() < 2)
    return s.fail("input must have rank >= 2");
  for (int i = 1; i < 5; ++i)
    if (shapeOf(operands[i]) != ArrayRef<int64_t>{in[1]})
      return s.fail("scale, B, mean and var must have shape [C]");
  OpBuilder &b = s.builder;
  Attrs attrs{b.getNamedAttr("epsilon",
                             b.getF32FloatAttr(s.floatAttr("epsilon", 1e-5f)))};
  s.defineOutput(0, create<BatchNormOp>(s, operands[0].getType(), operands,
                                        attrs));
  return success();
}

LogicalResult convertGemm(ImporterState &s) {
  auto a = s.input(0), bv = s.input(1);
  if (failed(a) || failed(bv) || failed(requireF32(s, *a)) ||
      failed(requireF32(s, *bv)))
    return failure();
  ArrayRef<int64_t> as = shapeOf(*a), bs = shapeOf(*bv);
  if (as.size() != 2 || bs.size() != 2)
    return s.fail("A and B must be rank 2");
  bool ta = s.intAttr("transA", 0), tb = s.intAttr("transB", 0);
  int64_t m = ta ? as[1] : as[0], k = ta ? as[0] : as[1];
  int64_t kb = tb ? bs[1] : bs[0], n = tb ? bs[0] : bs[1];
  if (k != kb)
    return s.fail("inner dims differ (" + std::to_string(k) + " vs " +
                  std::to_string(kb) + ")");
  SmallVector<Value> operands{*a, *bv};
  if (s.hasInput(2)) {
    auto c = s.input(2);
    if (failed(c) || failed(requireF32(s, *c)))
      return failure();
    auto bc = broadcastShapes(shapeOf(*c), {m, n});
    if (!bc || *bc != SmallVector<int64_t>{m, n})
      return s.fail("C does not broadcast to [M, N]");
    operands.push_back(*c);
  }
  OpBuilder &b = s.builder;
  Attrs attrs{
      b.getNamedAttr("alpha", b.getF32FloatAttr(s.floatAttr("alpha", 1.f))),
      b.getNamedAttr("beta", b.getF32FloatAttr(s.floatAttr("beta", 1.f))),
      b.getNamedAttr("trans_a", b.getBoolAttr(ta)),
      b.getNamedAttr("trans_b", b.getBoolAttr(tb))};
  s.defineOutput(0, create<GemmOp>(s, s.tensorType({m, n}, b.getF32Type()),
                                   operands, attrs));
  return success();
}

LogicalResult convertMatMul(ImporterState &s) {
  auto a = s.input(0), bv = s.input(1);
  if (failed(a) || failed(bv) || failed(requireF32(s, *a)) ||
      failed(requireF32(s, *bv)))
    return failure();
  // numpy promotes rank-1 operands to matrices and drops the added dim.
  SmallVector<int64_t> as(shapeOf(*a)), bs(shapeOf(*bv));
  bool aVec = as.size() == 1, bVec = bs.size() == 1;
  if (aVec)
    as.insert(as.begin(), 1);
  if (bVec)
    bs.push_back(1);
  if (as.back() != bs[bs.size() - 2])
    return s.fail("inner dims differ");
  auto batch = broadcastShapes(ArrayRef<int64_t>(as).drop_back(2),
                               ArrayRef<int64_t>(bs).drop_back(2));
  if (!batch)
    return s.fail("batch dims do not broadcast");
  SmallVector<int64_t> out = *batch;
  out.push_back(as[as.size() - 2]);
  out.push_back(bs.back());
  Value result = create<MatMulOp>(s, s.tensorType(out, s.builder.getF32Type()),
                                  {s.reshape(*a, as), s.reshape(*bv, bs)});
  SmallVector<int64_t> final(out);
  if (bVec)
    final.pop_back();
  if (aVec)
    final.erase(final.end() - (bVec ? 1 : 2));
  s.defineOutput(0, s.reshape(result, final));
  return success();
}

template <typename OpTy>
LogicalResult convertBinary(ImporterState &s) {
  if (s.opset < 7 && s.attr("axis"))
    return s.fail("legacy broadcasting with an 'axis' attribute is not "
                  "supported");
  auto a = s.input(0), b = s.input(1);
  if (failed(a) || failed(b))
    return failure();
  Type elt = getElementTypeOrSelf(a->getType());
  if (elt != getElementTypeOrSelf(b->getType()))
    return s.fail("operand element types differ");
  if (elt.isInteger(1) || (!elt.isF32() && !elt.isInteger(8) &&
                           !elt.isInteger(32) && !elt.isInteger(64)))
    return s.fail("element type is not supported");
  auto shape = broadcastShapes(shapeOf(*a), shapeOf(*b));
  if (!shape)
    return s.fail("operand shapes do not broadcast");
  s.defineOutput(0, create<OpTy>(s, s.tensorType(*shape, elt), {*a, *b}));
  return success();
}

/// Unary ops on float32; `attrs` builds the op's attributes.
template <typename OpTy>
LogicalResult convertUnary(ImporterState &s,
                           std::function<Attrs(OpBuilder &)> attrs = nullptr) {
  auto x = s.input(0);
  if (failed(x) || failed(requireF32(s, *x)))
    return failure();
  s.defineOutput(0, create<OpTy>(s, x->getType(), *x,
                                 attrs ? attrs(s.builder) : Attrs{}));
  return success();
}

LogicalResult convertClip(ImporterState &s) {
  auto x = s.input(0);
  if (failed(x))
    return failure();
  Type elt = getElementTypeOrSelf(x->getType());
  if (!elt.isF32() && !elt.isInteger(8) && !elt.isInteger(32) &&
      !elt.isInteger(64))
    return s.fail("element type is not supported");
  double lo = -FLT_MAX, hi = FLT_MAX;
  if (elt.isInteger(8)) {
    lo = elt.isUnsignedInteger() ? 0 : -128;
    hi = elt.isUnsignedInteger() ? 255 : 127;
  } else if (elt.isInteger(32)) {
    lo = INT32_MIN;
    hi = INT32_MAX;
  } else if (elt.isInteger(64)) {
    lo = -9.2e18;
    hi = 9.2e18;
  }
  SmallVector<Value> operands{*x};
  int32_t segments[] = {1, 0, 0};
  if (s.opset < 11) {
    lo = s.floatAttr("min", lo);
    hi = s.floatAttr("max", hi);
  } else {
    for (int i = 1; i <= 2; ++i) {
      if (!s.hasInput(i))
        continue;
      if (const HostTensor *t = s.hostInput(i)) {
        (i == 1 ? lo : hi) = t->at(0);
        continue;
      }
      auto bound = s.input(i);
      if (failed(bound))
        return failure();
      if (getElementTypeOrSelf(bound->getType()) != elt ||
          llvm::cast<RankedTensorType>(bound->getType()).getNumElements() != 1)
        return s.fail("min/max must be one-element tensors of the input's type");
      operands.push_back(*bound);
      segments[i] = 1;
    }
  }
  OpBuilder &b = s.builder;
  s.defineOutput(0, create<ClipOp>(
                        s, x->getType(), operands,
                        {b.getNamedAttr("min", b.getF32FloatAttr(lo)),
                         b.getNamedAttr("max", b.getF32FloatAttr(hi)),
                         b.getNamedAttr("operandSegmentSizes",
                                        b.getDenseI32ArrayAttr(segments))}));
  return success();
}

LogicalResult convertSoftmax(ImporterState &s) {
  auto x = s.input(0);
  if (failed(x) || failed(requireF32(s, *x)))
    return failure();
  ArrayRef<int64_t> in = shapeOf(*x);
  int64_t rank = in.size();
  int64_t axis = s.intAttr("axis", s.opset < 13 ? 1 : -1);
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis >= rank)
    return s.fail("axis out of range");
  OpBuilder &b = s.builder;
  if (s.opset >= 13) {
    s.defineOutput(0, create<SoftmaxOp>(
                          s, x->getType(), *x,
                          {b.getNamedAttr("axis", b.getI64IntegerAttr(axis))}));
    return success();
  }
  // Before opset 13 the input is coerced to 2-D at `axis`.
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < rank; ++d)
    (d < axis ? outer : inner) *= in[d];
  Value flat = s.reshape(*x, {outer, inner});
  Value sm = create<SoftmaxOp>(s, flat.getType(), flat,
                               {b.getNamedAttr("axis", b.getI64IntegerAttr(1))});
  s.defineOutput(0, s.reshape(sm, in));
  return success();
}

LogicalResult convertConcat(ImporterState &s) {
  SmallVector<Value> ins;
  for (int i = 0; i < s.node->input_size(); ++i) {
    auto v = s.input(i);
    if (failed(v))
      return failure();
    ins.push_back(*v);
  }
  if (ins.empty())
    return s.fail("needs at least one input");
  int64_t rank = shapeOf(ins[0]).size();
  int64_t axis = s.intAttr("axis", s.opset < 4 ? 1 : 0);
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis >= rank)
    return s.fail("axis out of range");
  SmallVector<int64_t> out(shapeOf(ins[0]));
  out[axis] = 0;
  for (Value v : ins) {
    if ((int64_t)shapeOf(v).size() != rank ||
        getElementTypeOrSelf(v.getType()) != getElementTypeOrSelf(ins[0].getType()))
      return s.fail("inputs differ in rank or element type");
    out[axis] += shapeOf(v)[axis];
  }
  OpBuilder &b = s.builder;
  s.defineOutput(0, create<ConcatOp>(
                        s, s.tensorType(out, getElementTypeOrSelf(ins[0].getType())),
                        ins, {b.getNamedAttr("axis", b.getI64IntegerAttr(axis))}));
  return success();
}

LogicalResult convertTranspose(ImporterState &s) {
  auto x = s.input(0);
  if (failed(x))
    return failure();
  ArrayRef<int64_t> in = shapeOf(*x);
  auto perm = s.intsAttr("perm");
  if (perm.empty())
    for (int64_t d = in.size() - 1; d >= 0; --d)
      perm.push_back(d);
  if (perm.size() != in.size())
    return s.fail("perm must have one entry per dim");
  SmallVector<int64_t> out;
  for (int64_t p : perm) {
    if (p < 0 || p >= (int64_t)in.size())
      return s.fail("perm is not a permutation");
    out.push_back(in[p]);
  }
  OpBuilder &b = s.builder;
  s.defineOutput(0, create<TransposeOp>(
                        s, s.tensorType(out, getElementTypeOrSelf(x->getType())),
                        *x, {b.getNamedAttr("perm", b.getDenseI64ArrayAttr(perm))}));
  return success();
}

LogicalResult convertPad(ImporterState &s) {
  auto x = s.input(0);
  if (failed(x))
    return failure();
  std::string mode = s.stringAttr("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge")
    return s.fail("mode '" + mode + "' is not supported");
  std::vector<int64_t> pads;
  float value = 0.f;
  Value padsValue, constantValue;
  if (s.opset < 2)
    return s.fail("Pad-1 ('paddings') is not supported");
  if (s.opset < 11) {
    pads = s.intsAttr("pads");
    value = s.floatAttr("value", 0.f);
  } else {
    if (const HostTensor *p = s.hostInput(1)) {
      pads = p->toInts();
    } else {
      auto p2 = s.input(1);
      if (failed(p2))
        return failure();
      padsValue = *p2;
    }
    if (const HostTensor *v = s.hostInput(2)) {
      value = (float)v->at(0);
    } else if (s.hasInput(2)) {
      auto v2 = s.input(2);
      if (failed(v2))
        return failure();
      constantValue = *v2;
    }
    if (s.hasInput(3))
      return s.fail("the axes input is not supported");
  }
  ArrayRef<int64_t> in = shapeOf(*x);
  OpBuilder &b = s.builder;
  Type elt = getElementTypeOrSelf(x->getType());
  int32_t segments[] = {1, padsValue ? 1 : 0, constantValue ? 1 : 0};
  SmallVector<Value> operands{*x};
  if (padsValue)
    operands.push_back(padsValue);
  if (constantValue)
    operands.push_back(constantValue);
  Attrs attrs{b.getNamedAttr("mode", b.getStringAttr(mode)),
              b.getNamedAttr("value", b.getF32FloatAttr(value)),
              b.getNamedAttr("operandSegmentSizes",
                             b.getDenseI32ArrayAttr(segments))};
  if (constantValue && getElementTypeOrSelf(constantValue.getType()) != elt)
    return s.fail("constant_value must have the input's element type");
  if (padsValue) {
    // Pads known only at run time: the output shape must come from shape
    // inference; the kernel reads the begin pads from the tensor.
    auto known = s.inferredShape(s.node->output(0));
    if (!known || known->size() != in.size())
      return s.fail("pads (input 1) are only known at run time and ONNX shape "
                    "inference cannot fix the output shape");
    if (shapeOf(padsValue) != ArrayRef<int64_t>{2 * (int64_t)in.size()} ||
        !getElementTypeOrSelf(padsValue.getType()).isInteger(64))
      return s.fail("pads must be an int64 tensor of 2 * rank entries");
    attrs.push_back(b.getNamedAttr("pads", b.getDenseI64ArrayAttr({})));
    s.defineOutput(0, create<PadOp>(s, s.tensorType(*known, elt), operands,
                                    attrs));
    return success();
  }
  if (pads.size() != 2 * in.size())
    return s.fail("pads must have 2 * rank entries");
  SmallVector<int64_t> out;
  for (size_t d = 0; d < in.size(); ++d) {
    out.push_back(in[d] + pads[d] + pads[d + in.size()]);
    if (out.back() < 0)
      return s.fail("pads crop a dim below zero");
    if (mode == "reflect" && (pads[d] >= in[d] || pads[d + in.size()] >= in[d]))
      return s.fail("reflect pads must be smaller than the dim");
  }
  attrs.push_back(b.getNamedAttr("pads", b.getDenseI64ArrayAttr(pads)));
  s.defineOutput(0, create<PadOp>(s, s.tensorType(out, elt), operands, attrs));
  return success();
}

/// Reshape, Flatten, Squeeze, Unsqueeze of a run-time value: a view.
LogicalResult convertReshapeLike(ImporterState &s) {
  auto x = s.input(0);
  if (failed(x))
    return failure();
  FailureOr<SmallVector<int64_t>> shape;
  if (s.node->op_type() == "Reshape") {
    if (s.opset < 5)
      return s.fail("Reshape before opset 5 is not supported");
    if (const HostTensor *t = s.hostInput(1)) {
      shape = reshapeTarget(s, shapeOf(*x), *t);
    } else if (auto known = s.inferredShape(s.node->output(0))) {
      // The shape tensor is a run-time value, but shape inference (or the
      // model's declared output type) fixes the result: compile for that.
      shape = *known;
    } else {
      return s.fail("shape (input 1) is only known at run time and ONNX shape "
                    "inference cannot fix the output shape");
    }
  } else {
    shape = reshapeLikeShape(s, shapeOf(*x));
  }
  if (failed(shape))
    return failure();
  s.defineOutput(0, s.reshape(*x, *shape));
  return success();
}

LogicalResult convertDropout(ImporterState &s) {
  if (s.opset >= 12 && s.hasInput(2)) {
    auto t = s.requireHostInput(2, "training_mode");
    if (failed(t))
      return failure();
    if ((*t)->at(0) != 0)
      return s.fail("training_mode = true is not supported (inference only)");
  }
  if (s.opset < 7 && s.intAttr("is_test", 0) == 0)
    return s.fail("is_test = 0 is not supported");
  auto x = s.input(0);
  if (failed(x))
    return failure();
  s.defineOutput(0, *x);
  if (s.node->output_size() > 1 && !s.node->output(1).empty()) {
    // In inference the mask keeps everything.
    std::vector<double> ones(RankedTensorType(llvm::cast<RankedTensorType>(
                                 x->getType())).getNumElements(), 1.0);
    s.defineOutput(1, HostTensor::fromDoubles(onnx::TensorProto::BOOL,
                                              shapeOf(*x), ones));
  }
  return success();
}

} // namespace

LogicalResult convertNode(ImporterState &s) {
  StringRef op = s.node->op_type();
  auto f32 = [&](StringRef name, float v) {
    return s.builder.getNamedAttr(name, s.builder.getF32FloatAttr(v));
  };
  if (op == "Conv")
    return convertConv(s);
  if (op == "MaxPool" || op == "AveragePool")
    return convertPool(s, op == "MaxPool");
  if (op == "GlobalAveragePool" || op == "GlobalMaxPool")
    return convertGlobalPool(s, op == "GlobalMaxPool");
  if (op == "BatchNormalization")
    return convertBatchNorm(s);
  if (op == "Gemm")
    return convertGemm(s);
  if (op == "MatMul")
    return convertMatMul(s);
  if (op == "Add")
    return convertBinary<AddOp>(s);
  if (op == "Sub")
    return convertBinary<SubOp>(s);
  if (op == "Mul")
    return convertBinary<MulOp>(s);
  if (op == "Div")
    return convertBinary<DivOp>(s);
  if (op == "Relu")
    return convertUnary<ReluOp>(s);
  if (op == "Sigmoid")
    return convertUnary<SigmoidOp>(s);
  if (op == "Tanh")
    return convertUnary<TanhOp>(s);
  if (op == "HardSwish")
    return convertUnary<HardSwishOp>(s);
  if (op == "LeakyRelu")
    return convertUnary<LeakyReluOp>(s, [&](OpBuilder &) {
      return Attrs{f32("alpha", s.floatAttr("alpha", 0.01f))};
    });
  if (op == "HardSigmoid")
    return convertUnary<HardSigmoidOp>(s, [&](OpBuilder &) {
      return Attrs{f32("alpha", s.floatAttr("alpha", 0.2f)),
                   f32("beta", s.floatAttr("beta", 0.5f))};
    });
  if (op == "Clip")
    return convertClip(s);
  if (op == "Softmax")
    return convertSoftmax(s);
  if (op == "Concat")
    return convertConcat(s);
  if (op == "Transpose")
    return convertTranspose(s);
  if (op == "Pad")
    return convertPad(s);
  if (op == "Reshape" || op == "Flatten" || op == "Squeeze" ||
      op == "Unsqueeze")
    return convertReshapeLike(s);
  if (op == "Identity") {
    auto x = s.input(0);
    if (failed(x))
      return failure();
    s.defineOutput(0, *x);
    return success();
  }
  if (op == "Dropout")
    return convertDropout(s);
  return s.fail("op type '" + op.str() + "' is not supported");
}

} // namespace pat
