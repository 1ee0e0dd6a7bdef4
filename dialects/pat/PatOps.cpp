//===- PatOps.cpp - Operations of the pat dialect ---------------*- C++ -*-===//
//
// Part of patc. Verifiers say exactly which dim or attribute is wrong.
//
//===----------------------------------------------------------------------===//

#include "dialects/pat/PatOps.h"
#include "dialects/pat/ShapeRules.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace pat;

bool pat::isKnownActivation(StringRef name) {
  return llvm::StringSwitch<bool>(name)
      .Cases("none", "relu", "leaky_relu", "clip", "sigmoid", true)
      .Cases("tanh", "hard_sigmoid", "hard_swish", true)
      .Default(false);
}

static ArrayRef<int64_t> shapeOf(Value v) {
  return llvm::cast<RankedTensorType>(v.getType()).getShape();
}

static std::string shapeStr(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "x" : "") + std::to_string(shape[i]);
  return s + "]";
}

/// Checks that the op's result has `expected` shape.
static LogicalResult verifyResultShape(Operation *op,
                                       ArrayRef<int64_t> expected) {
  ArrayRef<int64_t> actual = shapeOf(op->getResult(0));
  if (actual != expected)
    return op->emitOpError("result shape ")
           << shapeStr(actual) << " does not match the expected "
           << shapeStr(expected);
  return success();
}

static LogicalResult verifyElementTypeMatches(Operation *op, Value a,
                                              Value b) {
  if (getElementTypeOrSelf(a.getType()) != getElementTypeOrSelf(b.getType()))
    return op->emitOpError("operand and result element types differ");
  return success();
}

//===----------------------------------------------------------------------===//
// ConstantOp
//===----------------------------------------------------------------------===//

LogicalResult ConstantOp::verify() {
  if (getValue().getType() != getType())
    return emitOpError("value type ")
           << getValue().getType() << " does not match result type "
           << getType();
  return success();
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

//===----------------------------------------------------------------------===//
// Conv2DOp
//===----------------------------------------------------------------------===//

/// Checks shared by conv2d and pattern_conv2d.
static LogicalResult verifyConvAttrs(Operation *op, ArrayRef<int64_t> strides,
                                     ArrayRef<int64_t> dilations,
                                     ArrayRef<int64_t> pads,
                                     StringRef activation) {
  if (strides.size() != 2 || dilations.size() != 2 || pads.size() != 4)
    return op->emitOpError("expects 2 strides, 2 dilations and 4 pads");
  for (int64_t s : strides)
    if (s < 1)
      return op->emitOpError("strides must be >= 1");
  for (int64_t d : dilations)
    if (d < 1)
      return op->emitOpError("dilations must be >= 1");
  for (int64_t p : pads)
    if (p < 0)
      return op->emitOpError("pads must be >= 0");
  if (!isKnownActivation(activation))
    return op->emitOpError("unknown fused activation '") << activation << "'";
  return success();
}

/// The NCHW result shape of a convolution, or failure if the kernel does not
/// fit.
static FailureOr<SmallVector<int64_t>>
convResultShape(Operation *op, ArrayRef<int64_t> in, int64_t outChannels,
                int64_t kernelH, int64_t kernelW, ArrayRef<int64_t> strides,
                ArrayRef<int64_t> pads, ArrayRef<int64_t> dilations) {
  SmallVector<int64_t> expected = {in[0], outChannels, 0, 0};
  int64_t kernel[2] = {kernelH, kernelW};
  for (int d = 0; d < 2; ++d) {
    expected[2 + d] = convOutputDim(in[2 + d], kernel[d], strides[d], pads[d],
                                    pads[d + 2], dilations[d]);
    if (expected[2 + d] < 1)
      return op->emitOpError("kernel does not fit the padded input along dim ")
             << (2 + d);
  }
  return expected;
}

LogicalResult Conv2DOp::verify() {
  ArrayRef<int64_t> in = shapeOf(getInput()), w = shapeOf(getWeight());
  if (in.size() != 4)
    return emitOpError("input must be rank 4 (NCHW), got rank ") << in.size();
  if (w.size() != 4)
    return emitOpError("weight must be rank 4 (OIHW), got rank ") << w.size();
  if (failed(verifyConvAttrs(*this, getStrides(), getDilations(), getPads(),
                             getActivation())))
    return failure();
  int64_t groups = getGroups();
  if (groups < 1 || in[1] % groups != 0 || w[0] % groups != 0)
    return emitOpError("groups = ")
           << groups << " must divide input channels (" << in[1]
           << ") and output channels (" << w[0] << ")";
  if (w[1] * groups != in[1])
    return emitOpError("weight has ")
           << w[1] << " input channels per group, but input has " << in[1]
           << " channels in " << groups << " group(s)";
  if (getBias() && shapeOf(getBias()) != ArrayRef<int64_t>{w[0]})
    return emitOpError("bias must have shape [") << w[0] << "]";
  auto expected = convResultShape(*this, in, w[0], w[2], w[3], getStrides(),
                                  getPads(), getDilations());
  if (failed(expected))
    return failure();
  if (getResidual() && getResidual().getType() != getResult().getType())
    return emitOpError("residual must have the result's type ")
           << getResult().getType() << ", got " << getResidual().getType();
  return verifyResultShape(*this, *expected);
}

LogicalResult PatternConv2DOp::verify() {
  ArrayRef<int64_t> in = shapeOf(getInput()), w = shapeOf(getWeight());
  if (in.size() != 4)
    return emitOpError("input must be rank 4 (NCHW), got rank ") << in.size();
  ArrayRef<int64_t> out = shapeOf(getResult());
  if (out.size() != 4)
    return emitOpError("result must be rank 4 (NCHW)");
  if (failed(verifyConvAttrs(*this, getStrides(), getDilations(), getPads(),
                             getActivation())))
    return failure();
  PatternSetAttr patterns = getPatterns();
  int64_t kh = patterns.getKernelH(), kw = patterns.getKernelW();
  int64_t outC = out[1], inC = in[1];
  auto expected = convResultShape(*this, in, outC, kh, kw, getStrides(),
                                  getPads(), getDilations());
  if (failed(expected) || failed(verifyResultShape(*this, *expected)))
    return failure();
  if (getBias() && shapeOf(getBias()) != ArrayRef<int64_t>{outC})
    return emitOpError("bias must have shape [") << outC << "]";
  if (getResidual() && getResidual().getType() != getResult().getType())
    return emitOpError("residual must have the result's type ")
           << getResult().getType() << ", got " << getResidual().getType();
  auto isPermutation = [&](auto values, int64_t n) {
    if ((int64_t)values.size() != n)
      return false;
    std::vector<bool> seen(n);
    for (auto v : values) {
      if (v < 0 || v >= n || seen[v])
        return false;
      seen[v] = true;
    }
    return true;
  };
  if (auto order = getFilterOrder())
    if (!isPermutation(*order, outC))
      return emitOpError("filter_order must be a permutation of the ")
             << outC << " output channels";
  if (auto groups = getFilterGroups())
    for (size_t i = 0; i < groups->size(); ++i)
      if ((*groups)[i] < 0 || (*groups)[i] >= outC ||
          (i && (*groups)[i] <= (*groups)[i - 1]) || (i == 0 && (*groups)[0]))
        return emitOpError("filter_groups must rise from 0 below ") << outC;
  FkwAttr fkw = getFkwAttr();
  if (!fkw) {
    SmallVector<int64_t> dense = {outC, inC, kh, kw};
    if (w != ArrayRef<int64_t>(dense))
      return emitOpError("before FKW packing the weight must be [")
             << outC << ", " << inC << ", " << kh << ", " << kw << "]";
    return success();
  }
  // FKW arrays: see PatAttrs.td.
  ArrayRef<int32_t> reorder = fkw.getReorder().asArrayRef();
  ArrayRef<int32_t> offsets = fkw.getOffsets().asArrayRef();
  ArrayRef<int32_t> index = fkw.getIndex().asArrayRef();
  ArrayRef<int32_t> stride = fkw.getStride().asArrayRef();
  size_t numPatterns = patterns.getMasks().size();
  if (!isPermutation(reorder, outC))
    return emitOpError("fkw reorder must be a permutation of the ")
           << outC << " output channels";
  if ((int64_t)offsets.size() != outC + 1 || offsets.front() != 0 ||
      offsets.back() != (int64_t)index.size())
    return emitOpError("fkw offsets must have ")
           << outC + 1 << " entries from 0 to " << index.size();
  if ((int64_t)stride.size() != outC * (int64_t)(numPatterns + 1))
    return emitOpError("fkw stride must have ")
           << outC * (numPatterns + 1) << " entries (filters x (patterns + 1))";
  int64_t weights = 0;
  for (int64_t f = 0; f < outC; ++f) {
    ArrayRef<int32_t> s = stride.slice(f * (numPatterns + 1), numPatterns + 1);
    if (s.front() != offsets[f] || s.back() != offsets[f + 1])
      return emitOpError("fkw stride of filter ")
             << f << " does not span its offsets";
    for (size_t p = 0; p < numPatterns; ++p) {
      if (s[p + 1] < s[p])
        return emitOpError("fkw stride of filter ") << f << " decreases";
      weights += int64_t(s[p + 1] - s[p]) * patterns.taps(p);
    }
  }
  for (int32_t c : index)
    if (c < 0 || c >= inC)
      return emitOpError("fkw index holds input channel ")
             << c << ", outside [0, " << inC << ")";
  if (w.size() != 1 || w[0] != weights)
    return emitOpError("FKW weight must be 1-D with ")
           << weights << " values (the kept taps)";
  return success();
}

//===----------------------------------------------------------------------===//
// GemmOp and MatMulOp
//===----------------------------------------------------------------------===//

LogicalResult GemmOp::verify() {
  ArrayRef<int64_t> a = shapeOf(getA()), b = shapeOf(getB());
  if (a.size() != 2 || b.size() != 2)
    return emitOpError("A and B must be rank 2");
  int64_t m = getTransA() ? a[1] : a[0], ka = getTransA() ? a[0] : a[1];
  int64_t kb = getTransB() ? b[1] : b[0], n = getTransB() ? b[0] : b[1];
  if (ka != kb)
    return emitOpError("inner dims differ: op(A) is ")
           << m << "x" << ka << ", op(B) is " << kb << "x" << n;
  if (getC()) {
    auto bc = broadcastShapes(shapeOf(getC()), {m, n});
    if (!bc || *bc != SmallVector<int64_t>{m, n})
      return emitOpError("C of shape ")
             << shapeStr(shapeOf(getC())) << " does not broadcast to "
             << shapeStr({m, n});
  }
  if (!isKnownActivation(getActivation()))
    return emitOpError("unknown fused activation '") << getActivation() << "'";
  return verifyResultShape(*this, {m, n});
}

LogicalResult MatMulOp::verify() {
  ArrayRef<int64_t> a = shapeOf(getA()), b = shapeOf(getB());
  if (a.size() < 2 || b.size() < 2)
    return emitOpError("operands of rank < 2 are not supported");
  if (a.back() != b[b.size() - 2])
    return emitOpError("inner dims differ: ")
           << a.back() << " vs " << b[b.size() - 2];
  auto batch = broadcastShapes(a.drop_back(2), b.drop_back(2));
  if (!batch)
    return emitOpError("batch dims do not broadcast");
  SmallVector<int64_t> expected = *batch;
  expected.push_back(a[a.size() - 2]);
  expected.push_back(b.back());
  return verifyResultShape(*this, expected);
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

template <typename PoolOp>
static LogicalResult verifyPool(PoolOp op, ArrayRef<int64_t> dilations) {
  ArrayRef<int64_t> in = shapeOf(op.getInput());
  if (in.size() != 4)
    return op.emitOpError("input must be rank 4 (NCHW), got rank ")
           << in.size();
  if (op.getKernelShape().size() != 2 || op.getStrides().size() != 2 ||
      op.getPads().size() != 4 || dilations.size() != 2)
    return op.emitOpError(
        "expects 2 kernel dims, 2 strides, 2 dilations and 4 pads");
  SmallVector<int64_t> expected = {in[0], in[1], 0, 0};
  for (int d = 0; d < 2; ++d) {
    int64_t k = op.getKernelShape()[d], s = op.getStrides()[d];
    if (k < 1 || s < 1 || dilations[d] < 1)
      return op.emitOpError("kernel, strides and dilations must be >= 1");
    if (op.getPads()[d] < 0 || op.getPads()[d + 2] < 0)
      return op.emitOpError("pads must be >= 0");
    if (op.getPads()[d] >= k * dilations[d] ||
        op.getPads()[d + 2] >= k * dilations[d])
      return op.emitOpError("padding must be smaller than the window");
    expected[2 + d] =
        poolOutputDim(in[2 + d], k, s, op.getPads()[d], op.getPads()[d + 2],
                      dilations[d], op.getCeilMode());
  }
  if (failed(verifyElementTypeMatches(op, op.getInput(), op.getResult())))
    return failure();
  return verifyResultShape(op, expected);
}

LogicalResult MaxPool2DOp::verify() { return verifyPool(*this, getDilations()); }

LogicalResult MaxPool2DWithIndicesOp::verify() {
  if (shapeOf(getIndices()) != shapeOf(getResult()))
    return emitOpError("indices must have the result's shape");
  return verifyPool(*this, getDilations());
}

LogicalResult AvgPool2DOp::verify() {
  if (!getElementTypeOrSelf(getInput().getType()).isF32())
    return emitOpError("average pooling needs f32");
  int64_t ones[] = {1, 1};
  return verifyPool(*this, ones);
}

static LogicalResult verifyGlobalPool(Operation *op, Value input) {
  ArrayRef<int64_t> in = shapeOf(input);
  if (in.size() < 3)
    return op->emitOpError("input must have rank >= 3");
  SmallVector<int64_t> expected(in.size(), 1);
  expected[0] = in[0];
  expected[1] = in[1];
  return verifyResultShape(op, expected);
}

LogicalResult GlobalAvgPoolOp::verify() {
  return verifyGlobalPool(*this, getInput());
}
LogicalResult GlobalMaxPoolOp::verify() {
  return verifyGlobalPool(*this, getInput());
}

LogicalResult BatchNormOp::verify() {
  ArrayRef<int64_t> in = shapeOf(getInput());
  if (in.size() < 2)
    return emitOpError("input must have rank >= 2");
  for (Value v : {getScale(), getBias(), getMean(), getVariance()})
    if (shapeOf(v) != ArrayRef<int64_t>{in[1]})
      return emitOpError("scale, bias, mean and variance must have shape [")
             << in[1] << "]";
  return verifyResultShape(*this, in);
}

LogicalResult ClipOp::verify() {
  if (getInput().getType() != getType())
    return emitOpError("result type must equal the input type");
  for (Value bound : {getMinValue(), getMaxValue()})
    if (bound && (llvm::cast<RankedTensorType>(bound.getType())
                          .getNumElements() != 1 ||
                  failed(verifyElementTypeMatches(*this, bound, getInput()))))
      return emitOpError("run-time bounds must be one-element tensors of the "
                         "input's element type");
  return success();
}

LogicalResult SoftmaxOp::verify() {
  // I64Attr's accessor is unsigned: read it back as the signed value it is.
  int64_t rank = shapeOf(getInput()).size();
  int64_t axis = static_cast<int64_t>(getAxis());
  if (axis < 0 || axis >= rank)
    return emitOpError("axis ") << axis << " out of range for rank " << rank;
  return verifyResultShape(*this, shapeOf(getInput()));
}

//===----------------------------------------------------------------------===//
// Binary elementwise
//===----------------------------------------------------------------------===//

static LogicalResult verifyBinary(Operation *op) {
  Value lhs = op->getOperand(0), rhs = op->getOperand(1);
  if (failed(verifyElementTypeMatches(op, lhs, rhs)) ||
      failed(verifyElementTypeMatches(op, lhs, op->getResult(0))))
    return failure();
  auto shape = broadcastShapes(shapeOf(lhs), shapeOf(rhs));
  if (!shape)
    return op->emitOpError("operand shapes ")
           << shapeStr(shapeOf(lhs)) << " and " << shapeStr(shapeOf(rhs))
           << " do not broadcast";
  return verifyResultShape(op, *shape);
}

LogicalResult AddOp::verify() { return verifyBinary(*this); }
LogicalResult SubOp::verify() { return verifyBinary(*this); }
LogicalResult MulOp::verify() { return verifyBinary(*this); }
LogicalResult DivOp::verify() { return verifyBinary(*this); }

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

LogicalResult ConcatOp::verify() {
  if (getInputs().empty())
    return emitOpError("needs at least one input");
  ArrayRef<int64_t> first = shapeOf(getInputs()[0]);
  int64_t rank = first.size(), axis = getAxis();
  if (axis < 0 || axis >= rank)
    return emitOpError("axis ") << axis << " out of range for rank " << rank;
  SmallVector<int64_t> expected(first);
  expected[axis] = 0;
  for (Value v : getInputs()) {
    ArrayRef<int64_t> s = shapeOf(v);
    if (failed(verifyElementTypeMatches(*this, v, getResult())))
      return failure();
    if ((int64_t)s.size() != rank)
      return emitOpError("inputs must all have rank ") << rank;
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis && s[d] != first[d])
        return emitOpError("inputs differ in dim ") << d << " (not the axis)";
    expected[axis] += s[axis];
  }
  return verifyResultShape(*this, expected);
}

LogicalResult ReshapeOp::verify() {
  auto in = llvm::cast<RankedTensorType>(getInput().getType());
  auto out = llvm::cast<RankedTensorType>(getType());
  if (in.getNumElements() != out.getNumElements())
    return emitOpError("element count changes from ")
           << in.getNumElements() << " to " << out.getNumElements();
  return verifyElementTypeMatches(*this, getInput(), getResult());
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return {};
}

LogicalResult TransposeOp::verify() {
  ArrayRef<int64_t> in = shapeOf(getInput());
  ArrayRef<int64_t> perm = getPerm();
  if (perm.size() != in.size())
    return emitOpError("perm has ")
           << perm.size() << " entries for a rank-" << in.size() << " input";
  SmallVector<bool> seen(in.size(), false);
  SmallVector<int64_t> expected;
  for (int64_t p : perm) {
    if (p < 0 || p >= (int64_t)in.size() || seen[p])
      return emitOpError("perm is not a permutation");
    seen[p] = true;
    expected.push_back(in[p]);
  }
  if (failed(verifyElementTypeMatches(*this, getInput(), getResult())))
    return failure();
  return verifyResultShape(*this, expected);
}

LogicalResult PadOp::verify() {
  ArrayRef<int64_t> in = shapeOf(getInput());
  ArrayRef<int64_t> pads = getPads();
  if (getConstantValue() &&
      (llvm::cast<RankedTensorType>(getConstantValue().getType())
               .getNumElements() != 1 ||
       failed(verifyElementTypeMatches(*this, getConstantValue(), getInput()))))
    return emitOpError("constant_value must be one element of the input type");
  if (getPadsValue()) {
    if (!pads.empty() || shapeOf(getPadsValue()) !=
                             ArrayRef<int64_t>{2 * (int64_t)in.size()})
      return emitOpError("run-time pads need an empty `pads` and a [")
             << 2 * in.size() << "] pads_value";
    if (shapeOf(getResult()).size() != in.size())
      return emitOpError("result rank differs from the input's");
    return verifyElementTypeMatches(*this, getInput(), getResult());
  }
  if (pads.size() != 2 * in.size())
    return emitOpError("pads must have ") << 2 * in.size() << " entries";
  if (getMode() != "constant" && getMode() != "reflect" && getMode() != "edge")
    return emitOpError("unknown mode '") << getMode() << "'";
  SmallVector<int64_t> expected;
  for (size_t d = 0; d < in.size(); ++d) {
    int64_t size = in[d] + pads[d] + pads[d + in.size()];
    if (size < 0)
      return emitOpError("pads crop dim ") << d << " below zero";
    if (getMode() == "reflect" &&
        (pads[d] >= in[d] || pads[d + in.size()] >= in[d]))
      return emitOpError("reflect padding must be smaller than dim ") << d;
    expected.push_back(size);
  }
  if (failed(verifyElementTypeMatches(*this, getInput(), getResult())))
    return failure();
  return verifyResultShape(*this, expected);
}

#define GET_OP_CLASSES
#include "dialects/pat/PatOps.cpp.inc"
