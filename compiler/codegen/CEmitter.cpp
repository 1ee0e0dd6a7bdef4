//===- CEmitter.cpp - pat dialect to C --------------------------*- C++ -*-===//
//
// Part of patc. Each op becomes one kernel call whose shapes are constants in
// a `static const` parameter block. Where the weights allow, the layout the
// kernel wants is produced here, at compile time: conv weights packed into
// GEMM panels, Gemm's constant B stored transposed.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/CEmitter.h"
#include "compiler/codegen/ChannelMajorTiles.h"
#include "compiler/codegen/PatternTiles.h"
#include "compiler/codegen/WeightPacking.h"
#include "dialects/pat/ConstantData.h"
#include "dialects/pat/PatOps.h"
#include "dialects/pat/ShapeRules.h"
#include "passes/MemoryPlan.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/FormatVariadic.h"
#include <cstring>
#include <map>
#include <set>
#include <sstream>

using namespace mlir;

namespace pat {
namespace {

std::string ints(ArrayRef<int64_t> v) {
  std::string s = "{";
  for (size_t i = 0; i < v.size(); ++i)
    s += (i ? ", " : "") + std::to_string(v[i]);
  return s + (v.empty() ? "0}" : "}");
}

std::string cFloat(float f) {
  if (f >= 3.0e38f)
    return "FLT_MAX";
  if (f <= -3.0e38f)
    return "-FLT_MAX";
  return llvm::formatv("{0:e9}f", f).str();
}

ArrayRef<int64_t> shapeOf(Value v) {
  return llvm::cast<RankedTensorType>(v.getType()).getShape();
}

int64_t numElements(Value v) {
  return llvm::cast<RankedTensorType>(v.getType()).getNumElements();
}

Type eltOf(Value v) { return getElementTypeOrSelf(v.getType()); }

/// Kernel-name suffix and C type of an element type.
std::pair<std::string, std::string> cType(Type t) {
  if (t.isF32())
    return {"f32", "float"};
  if (t.isUnsignedInteger(8))
    return {"u8", "uint8_t"};
  if (t.isInteger(8))
    return {"i8", "int8_t"};
  if (t.isInteger(32))
    return {"i32", "int32_t"};
  if (t.isInteger(64))
    return {"i64", "int64_t"};
  return {"", ""};
}

/// Model-controlled text made safe for a C string literal: printable ASCII
/// only, with quote, backslash and '?' (trigraphs) escaped.
std::string cStringBody(StringRef text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\' || c == '?')
      out += '\\';
    out += llvm::isPrint(c) ? c : '_';
  }
  return out;
}

/// Model-controlled text made safe inside a C comment.
std::string cCommentBody(StringRef text) {
  std::string out;
  for (char c : text)
    out += llvm::isPrint(c) && c != '*' && c != '/' && c != '\\' && c != '?'
               ? c
               : '_';
  return out;
}

int onnxDType(Type t) {
  if (t.isF32())
    return 1;
  if (t.isUnsignedInteger(8))
    return 2;
  if (t.isInteger(8))
    return 3;
  if (t.isInteger(32))
    return 6;
  if (t.isInteger(64))
    return 7;
  return 9; // i1
}

std::string activationCode(StringRef name) {
  return llvm::StringSwitch<std::string>(name)
      .Case("relu", "PAT_ACT_RELU")
      .Case("leaky_relu", "PAT_ACT_LEAKY_RELU")
      .Case("clip", "PAT_ACT_CLIP")
      .Case("sigmoid", "PAT_ACT_SIGMOID")
      .Case("tanh", "PAT_ACT_TANH")
      .Case("hard_sigmoid", "PAT_ACT_HARD_SIGMOID")
      .Case("hard_swish", "PAT_ACT_HARD_SWISH")
      .Default("PAT_ACT_NONE");
}

std::string activation(StringRef name, float alpha, float beta) {
  return "{" + activationCode(name) + ", " + cFloat(alpha) + ", " +
         cFloat(beta) + "}";
}

/// `static const pat_conv2d_params p = {...};` for a conv or pattern conv
/// (both have strides, pads, dilations and a fused activation).
template <typename ConvOp>
std::string convParams(ConvOp op, ArrayRef<int64_t> is, ArrayRef<int64_t> os,
                       int64_t kh, int64_t kw, int64_t groups) {
  std::ostringstream p;
  p << "static const pat_conv2d_params p = {" << is[0] << ", " << is[1] << ", "
    << is[2] << ", " << is[3] << ", " << os[1] << ", " << os[2] << ", "
    << os[3] << ", " << kh << ", " << kw << ", " << op.getStrides()[0] << ", "
    << op.getStrides()[1] << ", " << op.getPads()[0] << ", "
    << op.getPads()[1] << ", " << op.getDilations()[0] << ", "
    << op.getDilations()[1] << ", " << groups << ", "
    << activation(op.getActivation(), op.getActAlpha().convertToFloat(),
                  op.getActBeta().convertToFloat())
    << "};";
  return p.str();
}

class Emitter {
public:
  Emitter(func::FuncOp func, const Target &target, EmittedModel &out,
          const EmitOptions &options)
      : func(func), target(target), out(out), options(options) {}

  LogicalResult run();

private:
  func::FuncOp func;
  const Target &target;
  EmittedModel &out;
  const EmitOptions &options;
  std::ostringstream body;
  std::ostringstream functions; ///< File-scope code (pattern tiles).
  std::ostringstream tuneCases; ///< Body of pat_tune_layer (tuningEntry).
  int64_t layer = -1;           ///< Number of the op being emitted.
  int patternLayers = 0;
  /// Largest input copy a pattern layer makes in the scratch (a flat tile's
  /// padded copy, stride-2 row tiles' column phases).
  int64_t patternScratchBytes = 0;
  llvm::DenseMap<Value, std::string> storage;
  /// Bytes of each weight blob, by offset; the blob of each constant value
  /// stored as is; the blobs the op being emitted refers to (its
  /// PAT_FENCE over pat_weights).
  std::map<int64_t, int64_t> blobBytes;
  llvm::DenseMap<Value, int64_t> constantBlobs;
  std::set<int64_t> layerBlobs;

  /// Appends bytes to the weight blob (64-byte aligned) and returns the
  /// offset.
  int64_t addBlob(ArrayRef<char> bytes) {
    int64_t off = (out.weights.size() + kTensorAlignment - 1) /
                  kTensorAlignment * kTensorAlignment;
    out.weights.resize(off + bytes.size());
    if (!bytes.empty())
      std::memcpy(out.weights.data() + off, bytes.data(), bytes.size());
    blobBytes[off] = bytes.size();
    return off;
  }
  int64_t addBlob(ArrayRef<float> data) {
    return addBlob(ArrayRef<char>(reinterpret_cast<const char *>(data.data()),
                                  data.size() * sizeof(float)));
  }
  std::string weightExpr(int64_t off) {
    layerBlobs.insert(off);
    return "(pat_weights + " + std::to_string(off) + ")";
  }

  /// C expression (a char pointer) for where `v` lives. Constants enter the
  /// weight blob on first use, so weights only read in a packed layout are
  /// not stored twice.
  std::string ptr(Value v) {
    Value root = storageRoot(v);
    std::string &s = storage[root];
    if (s.empty()) {
      if (auto c = getConstantOp(root))
        if (auto bytes = getConstantBytes(c.getValue())) {
          int64_t off = addBlob(*bytes);
          constantBlobs[root] = off;
          s = weightExpr(off);
        }
    } else if (auto blob = constantBlobs.find(root); blob != constantBlobs.end()) {
      layerBlobs.insert(blob->second);
    }
    return s;
  }
  /// The arena ranges ("offset, bytes, ...") of the tensors `op` reads and
  /// writes, for PAT_FENCE (runtime/kernels/sanitizer_fence.h); "0, 0" when it
  /// touches none.
  std::string arenaRanges(Operation *op) {
    std::set<std::pair<int64_t, int64_t>> ranges;
    auto add = [&](Value v) {
      Value root = storageRoot(v);
      auto offset = plan.offsets.find(root);
      if (offset != plan.offsets.end())
        ranges.insert({offset->second,
                       numElements(root) * elementByteSize(eltOf(root))});
    };
    for (Value v : op->getOperands())
      add(v);
    for (Value v : op->getResults())
      add(v);
    return rangeList(ranges);
  }
  /// The weight blobs ("offset, bytes, ...") the op just emitted refers to.
  std::string weightRanges() {
    std::set<std::pair<int64_t, int64_t>> ranges;
    for (int64_t off : layerBlobs)
      ranges.insert({off, blobBytes[off]});
    return rangeList(ranges);
  }
  /// The two fence lines before a layer (or, with every byte listed, after
  /// the last one).
  std::string fences(const std::string &arena, const std::string &weights) {
    return "  PAT_FENCE(arena, " + std::to_string(plan.arenaBytes) + ", {" +
           arena + "});\n  PAT_FENCE_WEIGHTS({" + weights + "});\n";
  }
  static std::string rangeList(const std::set<std::pair<int64_t, int64_t>> &ranges) {
    std::string text;
    for (auto [offset, bytes] : ranges)
      text += (text.empty() ? "" : ", ") + std::to_string(offset) + ", " +
              std::to_string(bytes);
    return text.empty() ? "0, 0" : text;
  }
  std::string in(Value v, StringRef type = "float") {
    return "(const " + type.str() + " *)" + ptr(v);
  }
  std::string outp(Value v, StringRef type = "float") {
    return "(" + type.str() + " *)" + ptr(v);
  }

  MemoryPlan plan;
  LogicalResult assignStorage();
  LogicalResult emitOp(Operation *op);
  LogicalResult emitOpCode(Operation *op);
  LogicalResult emitConv(Conv2DOp op);
  LogicalResult emitPatternConv(PatternConv2DOp op);
  /// A pattern conv's pat_pconv_layer initialiser up to the tile fields
  /// (`head`) and from them on, with the call (`tail`).
  struct PatternLayerText {
    std::string head, tail;
    /// The channel-major arrays (cm_stride, cm_filter, cm_weights), made
    /// when a schedule first needs them.
    std::string channelMajor;
  };
  std::string channelMajorArrays(PatternConv2DOp op);
  PatternLayerText patternLayerText(PatternConv2DOp op,
                                    const PatternTileSpec &spec, bool withFkw);
  std::string densePatternConvBlock(PatternConv2DOp op, GemmKernel kernel);
  std::string patternConvBlock(const std::string &name,
                               const PatternTileSpec &spec,
                               const LayerSchedule &schedule,
                               const PatternLayerText &layer);
  /// The schedule to emit for the current layer: the one the options ask
  /// for, else candidates[0]; null (after an error on `op`) when the asked
  /// one does not fit the layer. Records the layer as tunable when it has a
  /// choice.
  const LayerSchedule *pickSchedule(Operation *op,
                                    const std::vector<LayerSchedule> &candidates);
  /// With tuningEntry, makes `block` variant `variant` of the current layer
  /// in pat_tune_layer, which also reports where it wrote `result`.
  void addTuneCase(size_t variant, const std::string &block, Value result);
  LogicalResult emitGemm(GemmOp op);
  LogicalResult emitMatMul(MatMulOp op);
  void emitPool(Operation *op, Value input, Value result,
                ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
                ArrayRef<int64_t> pads, ArrayRef<int64_t> dilations,
                bool countIncludePad, StringRef fn,
                const std::string &extraArgs = "");
  LogicalResult emitBinary(Operation *op, StringRef code);
  LogicalResult emitUnary(Operation *op, StringRef act, float a, float b);
  void emitModelInfo(std::ostringstream &os);
};

LogicalResult Emitter::assignStorage() {
  plan = planMemory(func);
  Block &block = func.getBody().front();
  for (BlockArgument arg : block.getArguments())
    storage[arg] = "((const char *)inputs[" + std::to_string(arg.getArgNumber()) +
                   "])";
  auto ret = llvm::cast<func::ReturnOp>(block.getTerminator());
  for (Operation &op : block) {
    if (auto c = llvm::dyn_cast<ConstantOp>(op)) {
      if (!getConstantBytes(c.getValue()))
        return c.emitOpError("has constant data patc cannot read");
      continue;
    }
    for (Value r : op.getResults()) {
      if (isViewValue(r))
        continue;
      auto offset = plan.offsets.find(r);
      if (offset != plan.offsets.end()) {
        storage[r] = "(arena + " + std::to_string(offset->second) + ")";
        continue;
      }
      for (OpOperand &use : ret->getOpOperands())
        if (use.get() == r) {
          storage[r] = "((char *)outputs[" +
                       std::to_string(use.getOperandNumber()) + "])";
          break;
        }
      if (storage.lookup(r).empty())
        return op.emitOpError("result has no storage");
    }
  }
  return success();
}

LogicalResult Emitter::emitConv(Conv2DOp op) {
  ArrayRef<int64_t> is = shapeOf(op.getInput()), ws = shapeOf(op.getWeight());
  ArrayRef<int64_t> os = shapeOf(op.getResult());
  int64_t groups = op.getGroups();
  std::string params = convParams(op, is, os, ws[2], ws[3], groups);
  std::string bias = op.getBias() ? in(op.getBias()) : "NULL";
  DenseConvPath path = denseConvPathOf(op);
  std::optional<std::vector<float>> weights;
  if (path != DenseConvPath::Reference) {
    weights = getF32Constant(op.getWeight());
    if (!weights)
      return op.emitOpError("cannot read the constant weights");
  }
  std::string call;
  if (op.getResidual() && path != DenseConvPath::Gemm)
    return op.emitOpError("a fused residual needs the GEMM kernel (constant "
                          "weights, not depthwise)");
  if (path == DenseConvPath::Reference) {
    call = "pat_conv2d_reference_f32(&p, " + in(op.getInput()) + ", " +
           in(op.getWeight()) + ", " + bias + ", " + outp(op.getResult()) + ");";
  } else if (path == DenseConvPath::Depthwise) {
    call = "pat_conv2d_depthwise_f32(ctx, &p, " + in(op.getInput()) + ", " +
           in(op.getWeight()) + ", " + bias + ", " + outp(op.getResult()) + ");";
  } else {
    // Both kernels run every GEMM-path conv; the cost model's first.
    GemmKernel byCost =
        chooseGemmKernel(gemmShapeOf(op), target, options.gemmKernel);
    std::vector<LayerSchedule> candidates(2);
    candidates[0].kind = candidates[1].kind = LayerSchedule::Kind::Gemm;
    candidates[0].gemm = byCost;
    candidates[1].gemm = byCost == GemmKernel::Channels ? GemmKernel::Pixels
                                                        : GemmKernel::Channels;
    auto gemmCall = [&](GemmKernel kernel) {
      std::vector<float> packed = packConvWeightsForGemm(
          *weights, ws, groups, gemmPanelRows(kernel, target));
      return std::string(gemmKernelFunction(kernel)) + "(ctx, &p, " +
             in(op.getInput()) + ", (const float *)" +
             weightExpr(addBlob(packed)) + ", " + bias + ", " +
             (op.getResidual() ? in(op.getResidual()) : "NULL") + ", " +
             outp(op.getResult()) + ");";
    };
    const LayerSchedule *chosen = pickSchedule(op, candidates);
    if (!chosen)
      return failure();
    call = gemmCall(chosen->gemm);
    for (size_t v = 0; options.tuningEntry && v < candidates.size(); ++v)
      addTuneCase(v,
                  "  {\n    " + params + "\n    " +
                      gemmCall(candidates[v].gemm) + "\n  }\n",
                  op.getResult());
  }
  body << "  {\n    " << params << "\n    " << call << "\n  }\n";
  return success();
}

LogicalResult Emitter::emitPatternConv(PatternConv2DOp op) {
  FkwAttr fkw = op.getFkwAttr();
  if (!fkw)
    return op.emitOpError("has dense weights; run pat-fkw-pack before "
                          "emitting C");
  ArrayRef<int64_t> is = shapeOf(op.getInput()), os = shapeOf(op.getResult());
  PatternSetAttr patterns = op.getPatterns();
  ArrayRef<uint64_t> masks = patterns.getMasks();
  int64_t numPatterns = masks.size(), filters = os[1];

  PatternTileSpec spec;
  spec.masks = masks;
  spec.kernelH = patterns.getKernelH();
  spec.kernelW = patterns.getKernelW();
  spec.inC = is[1];
  spec.outC = os[1];
  spec.inH = is[2];
  spec.inW = is[3];
  spec.outH = os[2];
  spec.outW = os[3];
  spec.strideH = op.getStrides()[0];
  spec.strideW = op.getStrides()[1];
  spec.dilationH = op.getDilations()[0];
  spec.dilationW = op.getDilations()[1];
  spec.padTop = op.getPads()[0];
  spec.padLeft = op.getPads()[1];
  spec.relu = op.getActivation() == "relu";
  spec.residual = bool(op.getResidual());
  ArrayRef<int32_t> stride = fkw.getStride().asArrayRef();
  ArrayRef<int32_t> index = fkw.getIndex().asArrayRef();
  int64_t shared = sharedTileFilters(stride, index, numPatterns, filters);

  // Candidates: row tiles (one per vector and filter count) and flat tiles
  // (per filter count), the cost model's choice first.
  std::vector<LayerSchedule> rowCandidates, flatCandidates;
  for (const TileShape &shape : tileShapeCandidates(spec, target, shared)) {
    LayerSchedule c;
    c.kind = LayerSchedule::Kind::PatternRows;
    c.rows = shape.rows;
    c.vecs = shape.vecs;
    c.filters = shape.filters;
    rowCandidates.push_back(c);
  }
  FlatTileShape flat = chooseFlatTile(spec, target, shared);
  for (int64_t f = 1; f <= shared; f *= 2) {
    FlatTileShape shape = chooseFlatTile(spec, target, f);
    if (shape.vecs && shape.filters == f) {
      LayerSchedule c;
      c.kind = LayerSchedule::Kind::PatternFlat;
      c.filters = f;
      flatCandidates.push_back(c);
    }
  }
  std::vector<LayerSchedule> channelCandidates;
  if (chooseChannelMajorShape(spec, target).vecs) {
    LayerSchedule c;
    c.kind = LayerSchedule::Kind::PatternChannels;
    channelCandidates.push_back(c);
  }
  TileShape rows = chooseTileShape(spec, target, shared);
  // Small maps: the flat tile when it is estimated cheaper than row tiles.
  // Channel-major tiles by default on AVX-512 and AVX2 (the targets they
  // were measured on; elsewhere --tune may pick them), docs/benchmarks.md:
  // - stride 2: also over flat tiles where the flat copy no longer stays in
  //   the L2 (>= 128 input channels): on a Zen 4 core, 14x14 outputs of 128
  //   / 256 channels 0.18 -> 0.16 / 0.645 -> 0.565 ms, 7x7 of 512 0.81 ->
  //   0.44 ms; but 14x14 of 64 0.049 -> 0.053 ms (2026-12-06).
  // - stride 1 with >= 128 filters (each channel's loads serve ~outC / 3.6
  //   kernels): on a Zen 5 core, 56x56 of 256 3.96 -> 3.13 ms, 28x28 of 512
  //   4.14 -> 3.15, 112x112 of 128 4.83 -> 3.83, 28x28 of 128 0.251 ->
  //   0.201 (rows), 7x7 of 512 0.264 -> 0.227 (flat); 14x14 of 256 / 512
  //   tie with flat tiles. With AVX2 (x86-64-v3 code on the same core)
  //   too: 56x56 of 256 11.35 -> 7.58 ms, 28x28 of 512 12.46 -> 7.37,
  //   112x112 of 128 11.77 -> 8.78, 14x14 of 512 2.83 -> 2.45, 7x7 of 512
  //   0.59 -> 0.49.
  // - stride 1 with 64-127 filters on planes up to 112x112: on the Zen 5
  //   core 112x112 of 64 1.20 -> 1.01 ms, 56x56 0.265 -> 0.244, 28x28
  //   0.069 -> 0.059; AVX2 56x56 0.68 -> 0.56 (minimums of 7-9 rounds,
  //   2026-12-06, fourth session). On 224x224 the rows on column strips
  //   stay: 4.4-5.3 ms against 5.3-6.6 (AVX2 11.1 against 12.3).
  // - stride 2 with AVX2 once the tile read the image (no column-phase
  //   copy): 56 -> 28 of 128 1.05 -> 0.74 ms, of 256 4.75 -> 2.39, 28 ->
  //   14 of 256 0.79 -> 0.47, 14 -> 7 of 512 (flat) 0.58 -> 0.47
  //   (minimums, Zen 5, 2026-12-06, fourth session).
  bool useFlat = false, useChannels = false;
  bool avx512 = target.isaMacro == "PAT_ISA_AVX512";
  bool avx2 = target.isaMacro == "PAT_ISA_AVX2";
  bool channelsByDefault =
      !channelCandidates.empty() &&
      (avx512 || avx2) &&
      (spec.strideW == 2 || spec.outC >= 128 ||
       (spec.outC >= 64 && spec.outH * spec.outW <= 112 * 112));
  bool channelsBeatFlat =
      channelsByDefault && (spec.strideW == 1 || spec.inC >= 128);
  switch (options.patternTiles) {
  case PatternTileMode::Auto:
    useFlat = flat.vecs && (!rows.rows || flat.cost < rows.cost);
    useChannels = channelsByDefault && (!useFlat || channelsBeatFlat);
    useFlat = useFlat && !useChannels;
    break;
  case PatternTileMode::Rows:
    flatCandidates.clear();
    channelCandidates.clear();
    break;
  case PatternTileMode::Flat:
    useFlat = flat.vecs > 0;
    if (useFlat) {
      rowCandidates.clear();
      channelCandidates.clear();
    }
    break;
  case PatternTileMode::Channels: // elsewhere as auto
    useChannels = !channelCandidates.empty();
    if (useChannels) {
      rowCandidates.clear();
      flatCandidates.clear();
    } else {
      useFlat = flat.vecs && (!rows.rows || flat.cost < rows.cost);
    }
    break;
  }
  if (useFlat) // the cost model's flat choice first
    std::stable_sort(flatCandidates.begin(), flatCandidates.end(),
                     [&](const LayerSchedule &a, const LayerSchedule &b) {
                       return (a.filters == flat.filters) > (b.filters == flat.filters);
                     });
  std::vector<LayerSchedule> candidates = useFlat ? flatCandidates : rowCandidates;
  for (const LayerSchedule &c : useFlat ? rowCandidates : flatCandidates)
    candidates.push_back(c);
  candidates.insert(useChannels ? candidates.begin() : candidates.end(),
                    channelCandidates.begin(), channelCandidates.end());
  if (candidates.empty()) { // the runtime's generic kernel
    candidates.emplace_back();
    candidates.back().rows = 0;
  }
  // Dense candidates: the sparsity analysis chose the pattern path by an
  // estimate (pattern-mac-cost); --tune may find the layer faster dense.
  if (options.denseCandidates) {
    LayerSchedule dense;
    dense.kind = LayerSchedule::Kind::Gemm;
    dense.gemm = chooseGemmKernel(gemmShapeOf(op), target, options.gemmKernel);
    candidates.push_back(dense);
    dense.gemm = dense.gemm == GemmKernel::Channels ? GemmKernel::Pixels
                                                    : GemmKernel::Channels;
    candidates.push_back(dense);
  }
  std::string name = "pconv" + std::to_string(patternLayers++);
  const LayerSchedule *chosen = pickSchedule(op, candidates);
  if (!chosen)
    return failure();
  PatternLayerText layerText; // the FKW arrays enter the blob on first use
  auto blockFor = [&](const LayerSchedule &schedule, const std::string &fn) {
    if (schedule.kind == LayerSchedule::Kind::Gemm)
      return densePatternConvBlock(op, schedule.gemm);
    // A layer built for its channel-major tile alone links no FKW arrays
    // (the tile's own arrays hold the same kernels); a tuning build keeps
    // them for the other candidates.
    if (layerText.head.empty())
      layerText = patternLayerText(
          op, spec,
          options.tuningEntry ||
              chosen->kind != LayerSchedule::Kind::PatternChannels);
    if (schedule.kind == LayerSchedule::Kind::PatternChannels &&
        layerText.channelMajor.empty())
      layerText.channelMajor = channelMajorArrays(op);
    return patternConvBlock(fn, spec, schedule, layerText);
  };
  if (chosen->kind == LayerSchedule::Kind::PatternChannels &&
      chooseChannelMajorShape(spec, target).blocks ==
          ChannelMajorBlocks::FlatCopy)
    out.emitted[layer].detail = "on the flat copy";
  body << blockFor(*chosen, name);
  for (size_t v = 0; options.tuningEntry && v < candidates.size(); ++v)
    addTuneCase(v, blockFor(candidates[v], name + "_t" + std::to_string(v)),
                op.getResult());
  return success();
}

Emitter::PatternLayerText
Emitter::patternLayerText(PatternConv2DOp op, const PatternTileSpec &spec,
                          bool withFkw) {
  FkwAttr fkw = op.getFkwAttr();
  ArrayRef<int64_t> is = shapeOf(op.getInput()), os = shapeOf(op.getResult());
  PatternSetAttr patterns = op.getPatterns();
  ArrayRef<uint64_t> masks = patterns.getMasks();
  int64_t numPatterns = masks.size(), filters = os[1];
  ArrayRef<int32_t> stride = fkw.getStride().asArrayRef();
  // FKW arrays and each storage filter's first weight.
  // Zero entries after the data: never an empty blob, and the tiles'
  // prefetch look-ahead reads up to kPatternPrefetchDistance past index[].
  auto i32Blob = [&](ArrayRef<int32_t> v, int64_t padding = 1) {
    std::vector<int32_t> data(v.begin(), v.end());
    data.resize(data.size() + padding, 0);
    return weightExpr(addBlob(ArrayRef<char>(
        reinterpret_cast<const char *>(data.data()), data.size() * 4)));
  };
  std::vector<int64_t> weightStart;
  int64_t start = 0;
  for (int64_t f = 0; f < filters; ++f) {
    weightStart.push_back(start);
    for (int64_t p = 0; p < numPatterns; ++p)
      start += int64_t(stride[f * (numPatterns + 1) + p + 1] -
                       stride[f * (numPatterns + 1) + p]) *
               patterns.taps(p);
  }
  std::vector<uint64_t> maskData(masks.begin(), masks.end());
  maskData.push_back(0);
  std::string maskExpr = weightExpr(addBlob(ArrayRef<char>(
      reinterpret_cast<const char *>(maskData.data()), maskData.size() * 8)));
  // Without FKW arrays (a layer that runs its channel-major tile, whose
  // cm_* arrays hold the same kernels) only the masks are linked.
  std::string fkwArrays = "NULL, NULL,\n      NULL, NULL,\n      NULL, NULL";
  if (withFkw) {
    std::string startExpr = weightExpr(addBlob(ArrayRef<char>(
        reinterpret_cast<const char *>(weightStart.data()),
        weightStart.size() * 8)));
    std::string weights =
        numElements(op.getWeight()) ? in(op.getWeight()) : std::string("NULL");
    fkwArrays =
        "(const int32_t *)" + i32Blob(fkw.getReorder().asArrayRef()) +
        ", (const int32_t *)" + i32Blob(fkw.getOffsets().asArrayRef()) +
        ",\n      (const int32_t *)" +
        i32Blob(fkw.getIndex().asArrayRef(), kPatternPrefetchDistance) +
        ", (const int32_t *)" + i32Blob(stride) + ",\n      (const int64_t *)" +
        startExpr + ", " + weights;
  }

  // The layer description up to the tile fields, which patternConvBlock
  // fills in per schedule.
  std::ostringstream head;
  head << "{{" << is[0] << ", " << is[1]
       << ", " << is[2] << ", " << is[3] << ", " << os[1] << ", " << os[2]
       << ", " << os[3] << ", " << spec.kernelH << ", " << spec.kernelW << ", "
       << spec.strideH << ", " << spec.strideW << ", " << spec.padTop << ", "
       << spec.padLeft << ", " << spec.dilationH << ", " << spec.dilationW
       << ", 1, "
       << activation(op.getActivation(), op.getActAlpha().convertToFloat(),
                     op.getActBeta().convertToFloat())
       << "},\n      " << numPatterns << ", (const uint64_t *)" << maskExpr
       << ",\n      " << fkwArrays << ", "
       << (op.getBias() ? in(op.getBias()) : "NULL") << ",\n      ";
  std::string residual =
      op.getResidual() ? in(op.getResidual()) : std::string("NULL");
  return {head.str(), "};\n    pat_pattern_conv2d_f32(ctx, &l, " +
                         in(op.getInput()) + ", " + residual + ", " +
                         outp(op.getResult()) + ");\n  }\n"};
}

/// The channel-major kernel arrays of a pattern conv (pat_pconv_layer's
/// cm_stride, cm_filter, cm_weights), as initialiser text.
std::string Emitter::channelMajorArrays(PatternConv2DOp op) {
  FkwAttr fkw = op.getFkwAttr();
  std::vector<float> packed; // empty when the whole layer was pruned
  if (auto data = getF32Constant(op.getWeight()))
    packed = *data;
  ChannelMajorLayout cm = channelMajorLayout(
      op.getPatterns().getMasks(), shapeOf(op.getInput())[1],
      fkw.getReorder().asArrayRef(), fkw.getIndex().asArrayRef(),
      fkw.getStride().asArrayRef(), packed);
  // A zero after each array: never an empty blob.
  auto blob = [&](const void *data, size_t bytes) {
    std::vector<char> b(static_cast<const char *>(data),
                        static_cast<const char *>(data) + bytes);
    b.resize(b.size() + 4, 0);
    return weightExpr(addBlob(ArrayRef<char>(b)));
  };
  return "(const int32_t *)" + blob(cm.stride.data(), cm.stride.size() * 4) +
         ", (const int32_t *)" + blob(cm.filter.data(), cm.filter.size() * 4) +
         ", (const float *)" +
         blob(cm.weights.data(), cm.weights.size() * 4);
}

/// A pattern conv run by a dense GEMM kernel: its FKW weights scattered
/// back into a dense OIHW tensor (model channel order) and packed.
std::string Emitter::densePatternConvBlock(PatternConv2DOp op,
                                           GemmKernel kernel) {
  FkwAttr fkw = op.getFkwAttr();
  ArrayRef<int64_t> is = shapeOf(op.getInput()), os = shapeOf(op.getResult());
  PatternSetAttr patterns = op.getPatterns();
  ArrayRef<uint64_t> masks = patterns.getMasks();
  int64_t P = masks.size(), kh = patterns.getKernelH(),
          kw = patterns.getKernelW();
  ArrayRef<int32_t> reorder = fkw.getReorder().asArrayRef();
  ArrayRef<int32_t> index = fkw.getIndex().asArrayRef();
  ArrayRef<int32_t> stride = fkw.getStride().asArrayRef();
  std::vector<float> packed; // empty when the whole layer was pruned
  if (auto data = getF32Constant(op.getWeight()))
    packed = *data;
  std::vector<float> dense(os[1] * is[1] * kh * kw, 0.f);
  size_t w = 0;
  for (size_t f = 0; f < reorder.size(); ++f)
    for (int64_t p = 0; p < P; ++p)
      for (int32_t k = stride[f * (P + 1) + p]; k < stride[f * (P + 1) + p + 1];
           ++k)
        for (int64_t t = 0; t < kh * kw; ++t)
          if ((masks[p] >> t) & 1)
            dense[(reorder[f] * is[1] + index[k]) * kh * kw + t] = packed[w++];
  int64_t shape[] = {os[1], is[1], kh, kw};
  std::vector<float> panels =
      packConvWeightsForGemm(dense, shape, 1, gemmPanelRows(kernel, target));
  return "  {\n    " + convParams(op, is, os, kh, kw, 1) + "\n    " +
         gemmKernelFunction(kernel) +
         "(ctx, &p, " + in(op.getInput()) + ", (const float *)" +
         weightExpr(addBlob(panels)) + ", " +
         (op.getBias() ? in(op.getBias()) : std::string("NULL")) + ", " +
         (op.getResidual() ? in(op.getResidual()) : std::string("NULL")) +
         ", " + outp(op.getResult()) + ");\n  }\n";
}

/// Emits the tile functions of `schedule` under names starting with `name`
/// and returns the block that runs the layer with them.
std::string Emitter::patternConvBlock(const std::string &name,
                                      const PatternTileSpec &spec,
                                      const LayerSchedule &schedule,
                                      const PatternLayerText &layer) {
  TileShape shape;
  FlatTileShape flat;
  if (schedule.kind == LayerSchedule::Kind::PatternFlat) {
    flat = chooseFlatTile(spec, target, schedule.filters);
    shape.filters = flat.filters;
    patternScratchBytes = std::max(patternScratchBytes, spec.inC * flat.phases *
                                                      flat.phaseFloats * 4);
  } else if (schedule.rows > 0) {
    for (const TileShape &c : tileShapeCandidates(spec, target, schedule.filters))
      if (c.rows == schedule.rows && c.vecs == schedule.vecs &&
          c.filters == schedule.filters)
        shape = c;
  }
  std::string tile = "NULL", tileRow = "NULL", flatTile = "NULL",
              tileRest = "NULL", channelTile = "NULL", channelTail = "NULL";
  int64_t flatPitch = flat.pitch, flatPhaseFloats = flat.phaseFloats;
  ChannelMajorShape channels;
  if (schedule.kind == LayerSchedule::Kind::PatternChannels) {
    // Reads the image (small stride-2 planes: the flat tiles' copy, which
    // each thread makes at the start of its scratch) and accumulates into a
    // block at the end of each thread's scratch (conv_pattern_channels.c,
    // cm_acc).
    channels = chooseChannelMajorShape(spec, target);
    channelTile = name + "_channels";
    if (channels.blocks == ChannelMajorBlocks::FlatCopy) {
      functions << emitChannelMajorFlatTile(channelTile, spec, channels.flat,
                                            channels.vecs, target);
      flatPitch = channels.flat.pitch;
      flatPhaseFloats = channels.flat.phaseFloats;
    } else if (channels.blocks == ChannelMajorBlocks::FlatImage) {
      functions << emitChannelMajorImageTile(channelTile, spec, channels.vecs,
                                             channels.vecs, target);
      if (channels.tailVecs) {
        channelTail = name + "_channels_tail";
        functions << emitChannelMajorImageTile(channelTail, spec,
                                               channels.tailVecs,
                                               channels.vecs, target);
      }
    } else {
      functions << emitChannelMajorTile(channelTile, spec, channels.vecs,
                                        channels.rows, target);
    }
    patternScratchBytes = std::max(patternScratchBytes, channels.scratchBytes);
  }
  if (flat.vecs) {
    flatTile = name + "_flat" + (flat.filters > 1 ? "x" + std::to_string(flat.filters) : "");
    functions << emitFlatPatternTile(flatTile, spec, flat, target);
  }
  if (shape.rows > 0) {
    tile = name + "_rows" + std::to_string(shape.rows) +
           (shape.filters > 1 ? "x" + std::to_string(shape.filters) : "");
    functions << emitPatternTile(tile, spec, shape, target);
    tileRow = name + "_rows1";
    if (shape.rows != 1 || shape.filters != 1)
      functions << emitPatternTile(tileRow, spec, {1, shape.vecs, 1}, target,
                                   shape.rows);
    if (shape.restRows) {
      TileShape rest = shape;
      rest.rows = shape.restRows;
      tileRest = name + "_rows" + std::to_string(rest.rows) +
                 (rest.filters > 1 ? "x" + std::to_string(rest.filters) : "");
      functions << emitPatternTile(tileRest, spec, rest, target, shape.rows);
    }
  }
  // Stride-2 row tiles read a column-phase copy of the input, which the
  // runtime makes in the scratch (all threads' share, as for flat tiles).
  // Stride-1 row tiles over several column blocks read column strips of
  // one unit's input rows at a time, copied into each thread's own scratch.
  bool phased = shape.rows > 0 && rowTilesUsePhases(spec.strideW);
  bool striped =
      shape.rows > 0 && !phased && rowTilesUseStrips(spec, shape.vecs, target);
  if (phased)
    patternScratchBytes = std::max(patternScratchBytes,
                                spec.inC * 2 * spec.inH * phaseColumns(spec) * 4);
  if (striped)
    patternScratchBytes = std::max(
        patternScratchBytes, spec.inC * stripCount(spec, shape.vecs, target) *
                                 tileInputRows(spec, shape.rows) *
                                 stripPitch(spec, shape.vecs, target) * 4);
  std::ostringstream fields;
  fields << shape.rows << ", " << shape.vecs << ", "
         << (shape.rows ? baseVectors(spec, shape.vecs, target) : 0) << ", "
         << shape.filters << ", " << tile << ", " << tileRow << ", "
         << (spec.relu ? 1 : 0) << ", " << flatPitch << ", "
         << flatPhaseFloats << ", " << flatTile << ", " << shape.restRows
         << ", " << tileRest << ", "
         << (phased ? "PAT_PCONV_COPY_PHASES"
             : striped ? "PAT_PCONV_COPY_STRIPS"
                       : "PAT_PCONV_COPY_NONE")
         << ",\n      " << channelTile << ", " << channels.vecs << ", "
         << (channels.vecs ? layer.channelMajor : "NULL, NULL, NULL") << ", "
         << int(channels.blocks);
  if (channels.tailVecs || channels.rows > 1) // else left out: 0, NULL, 1
    fields << ", " << channels.tailVecs << ", " << channelTail << ", "
           << channels.rows;
  return "  {\n    const pat_pconv_layer l = " + layer.head + fields.str() +
         layer.tail;
}

const LayerSchedule *
Emitter::pickSchedule(Operation *op,
                      const std::vector<LayerSchedule> &candidates) {
  std::string name = op->getName().getStringRef().drop_front(4).str();
  std::string shape;
  for (int64_t d : shapeOf(op->getResult(0)))
    shape += (shape.empty() ? "" : "x") + std::to_string(d);
  if (candidates.size() > 1)
    out.tunable.push_back({layer, name, candidates});
  const LayerSchedule *pick = &candidates.front();
  auto it = options.schedules.find(layer);
  if (it != options.schedules.end()) {
    const ScheduleRequest &request = it->second;
    if ((!request.op.empty() && request.op != name) ||
        (!request.shape.empty() && request.shape != shape)) {
      op->emitOpError() << "(layer " << layer << ", " << shape
                        << "): the schedule is for a " << request.op << " of "
                        << request.shape << "; it was written for another "
                           "model or compile options";
      return nullptr;
    }
    pick = nullptr;
    std::string known;
    for (const LayerSchedule &c : candidates) {
      known += (known.empty() ? "'" : ", '") + c.describe() + "'";
      if (c.describe() == request.schedule)
        pick = &c;
    }
    if (!pick) {
      op->emitOpError() << "(layer " << layer << "): schedule '"
                        << request.schedule
                        << "' is not one of this layer's candidates on this "
                           "target: "
                        << known;
      return nullptr;
    }
  }
  out.emitted[layer] = {name, shape, *pick};
  return pick;
}

void Emitter::addTuneCase(size_t variant, const std::string &block,
                          Value result) {
  tuneCases << "  if (layer == " << layer << " && variant == " << variant
            << ") {\n" << block << "    *result = " << ptr(result)
            << ";\n    *result_bytes = " << numElements(result) * 4
            << ";\n    return 0;\n  }\n";
}

LogicalResult Emitter::emitGemm(GemmOp op) {
  ArrayRef<int64_t> as = shapeOf(op.getA()), bs = shapeOf(op.getB());
  bool ta = op.getTransA(), tb = op.getTransB();
  int64_t m = ta ? as[1] : as[0], k = ta ? as[0] : as[1];
  int64_t n = tb ? bs[0] : bs[1];
  int64_t aSm = ta ? 1 : k, aSk = ta ? m : 1;
  int64_t bSk = tb ? 1 : n, bSn = tb ? k : 1;
  std::string b, kernel = "pat_gemm_f32";
  if (auto data = getF32Constant(op.getB())) {
    // Only the stored copy enters the blob: in(B) would add the original.
    if (gemmSkipsZeroInputs(op, *data)) {
      // Store B as [K][N]: the rows of zero inputs are skipped.
      std::vector<float> rows =
          tb ? transposeMatrix(*data, n, k) : std::move(*data);
      b = "(const float *)" + weightExpr(addBlob(rows));
      bSk = n;
      bSn = 1;
      kernel = "pat_gemv_rows_f32";
    } else {
      // Store B as [N][K] so that every output is a contiguous dot product.
      std::vector<float> bt = tb ? *data : transposeMatrix(*data, k, n);
      b = "(const float *)" + weightExpr(addBlob(bt));
      bSk = 1;
      bSn = k;
    }
  } else {
    b = in(op.getB());
  }
  int64_t cSm = 0, cSn = 0;
  std::string c = "NULL";
  if (op.getC()) {
    SmallVector<int64_t> st = broadcastStrides(shapeOf(op.getC()), 2);
    cSm = st[0];
    cSn = st[1];
    c = in(op.getC());
  }
  body << "  {\n    static const pat_gemm_params p = {" << m << ", " << n
       << ", " << k << ", " << aSm << ", " << aSk << ", " << bSk << ", " << bSn
       << ", " << cSm << ", " << cSn << ", "
       << cFloat(op.getAlpha().convertToFloat()) << ", "
       << cFloat(op.getBeta().convertToFloat()) << ", "
       << activation(op.getActivation(), op.getActAlpha().convertToFloat(),
                     op.getActBeta().convertToFloat())
       << "};\n    " << kernel << "(ctx, &p, " << in(op.getA()) << ", " << b << ", "
       << c << ", " << outp(op.getResult()) << ");\n  }\n";
  return success();
}

LogicalResult Emitter::emitMatMul(MatMulOp op) {
  ArrayRef<int64_t> as = shapeOf(op.getA()), bs = shapeOf(op.getB());
  ArrayRef<int64_t> os = shapeOf(op.getResult());
  size_t batchRank = os.size() - 2;
  int64_t m = os[os.size() - 2], n = os.back(), k = as.back();
  auto batchStrides = [&](ArrayRef<int64_t> shape) {
    // Strides of the batch dims in units of elements; 0 where broadcast.
    SmallVector<int64_t> full = broadcastStrides(shape, batchRank + 2);
    return SmallVector<int64_t>(full.begin(), full.begin() + batchRank);
  };
  SmallVector<int64_t> aSt = batchStrides(as), bSt = batchStrides(bs);
  body << "  {\n    static const int64_t shape[] = "
       << ints(os.take_front(batchRank)) << ", a_st[] = " << ints(aSt)
       << ", b_st[] = " << ints(bSt) << ";\n    pat_matmul_f32(ctx, "
       << batchRank << ", shape, a_st, b_st, " << m << ", " << n << ", " << k
       << ", " << in(op.getA()) << ", " << in(op.getB()) << ", "
       << outp(op.getResult()) << ");\n  }\n";
  return success();
}

void Emitter::emitPool(Operation *op, Value input, Value result,
                       ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
                       ArrayRef<int64_t> pads, ArrayRef<int64_t> dilations,
                       bool countIncludePad, StringRef fn,
                       const std::string &extraArgs) {
  ArrayRef<int64_t> is = shapeOf(input), os = shapeOf(result);
  auto [suffix, type] = cType(eltOf(input));
  body << "  {\n    static const pat_pool2d_params p = {" << is[0] << ", "
       << is[1] << ", " << is[2] << ", " << is[3] << ", " << os[2] << ", "
       << os[3] << ", " << kernel[0] << ", " << kernel[1] << ", " << strides[0]
       << ", " << strides[1] << ", " << pads[0] << ", " << pads[1] << ", "
       << pads[2] << ", " << pads[3] << ", " << dilations[0] << ", "
       << dilations[1] << ", " << (countIncludePad ? 1 : 0) << "};\n    "
       << fn.str() << "_" << suffix << "(ctx, &p, " << in(input, type) << ", "
       << outp(result, type) << extraArgs << ");\n  }\n";
}

LogicalResult Emitter::emitBinary(Operation *op, StringRef code) {
  Value a = op->getOperand(0), b = op->getOperand(1), r = op->getResult(0);
  auto [suffix, type] = cType(eltOf(r));
  if (suffix.empty())
    return op->emitOpError("element type has no C lowering");
  ArrayRef<int64_t> os = shapeOf(r);
  body << "  {\n    static const int64_t shape[] = " << ints(os)
       << ", a_st[] = " << ints(broadcastStrides(shapeOf(a), os.size()))
       << ", b_st[] = " << ints(broadcastStrides(shapeOf(b), os.size()))
       << ";\n    static const pat_broadcast bc = {" << os.size()
       << ", shape, a_st, b_st};\n    pat_binary_" << suffix << "(ctx, "
       << code.str() << ", &bc, " << in(a, type) << ", " << in(b, type) << ", "
       << outp(r, type) << ");\n  }\n";
  return success();
}

LogicalResult Emitter::emitUnary(Operation *op, StringRef act, float a,
                                 float b) {
  Value x = op->getOperand(0), r = op->getResult(0);
  if (!eltOf(x).isF32())
    return op->emitOpError("only float32 has a C lowering");
  body << "  {\n    static const pat_activation act = " << activation(act, a, b)
       << ";\n    pat_activation_f32(" << in(x) << ", " << outp(r) << ", "
       << numElements(r) << ", act);\n  }\n";
  return success();
}

LogicalResult Emitter::emitOp(Operation *op) {
  std::string where;
  llvm::raw_string_ostream whereOs(where);
  op->getLoc().print(whereOs);
  // The op's code goes to a stream of its own first: the weight fence
  // before it lists the blobs the code turned out to use.
  std::ostringstream code;
  body.swap(code);
  layerBlobs.clear();
  LogicalResult result = emitOpCode(op);
  body.swap(code);
  body << "  /* " << op->getName().getStringRef().str() << " at "
       << cCommentBody(whereOs.str()) << " */\n"
       << fences(arenaRanges(op), weightRanges()) << code.str();
  return result;
}

LogicalResult Emitter::emitOpCode(Operation *op) {
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case<Conv2DOp>([&](auto o) { return emitConv(o); })
      .Case<PatternConv2DOp>([&](auto o) { return emitPatternConv(o); })
      .Case<GemmOp>([&](auto o) { return emitGemm(o); })
      .Case<MatMulOp>([&](auto o) { return emitMatMul(o); })
      .Case<MaxPool2DOp>([&](MaxPool2DOp o) {
        emitPool(o, o.getInput(), o.getResult(), o.getKernelShape(),
                 o.getStrides(), o.getPads(), o.getDilations(), false,
                 "pat_max_pool2d");
        return success();
      })
      .Case<MaxPool2DWithIndicesOp>([&](MaxPool2DWithIndicesOp o) {
        emitPool(o, o.getInput(), o.getResult(), o.getKernelShape(),
                 o.getStrides(), o.getPads(), o.getDilations(), false,
                 "pat_max_pool2d_indices",
                 ", " + outp(o.getIndices(), "int64_t") + ", " +
                     (o.getColumnMajor() ? "1" : "0"));
        return success();
      })
      .Case<AvgPool2DOp>([&](AvgPool2DOp o) {
        int64_t ones[] = {1, 1};
        emitPool(o, o.getInput(), o.getResult(), o.getKernelShape(),
                 o.getStrides(), o.getPads(), ones, o.getCountIncludePad(),
                 "pat_avg_pool2d");
        return success();
      })
      .Case<GlobalAvgPoolOp, GlobalMaxPoolOp>([&](auto o) {
        ArrayRef<int64_t> is = shapeOf(o.getInput());
        int64_t planes = is[0] * is[1];
        body << "  pat_global_"
             << (llvm::isa<GlobalMaxPoolOp>(o.getOperation()) ? "max" : "avg")
             << "_pool_f32(ctx, " << planes << ", "
             << numElements(o.getInput()) / planes << ", " << in(o.getInput())
             << ", " << outp(o.getResult()) << ");\n";
        return success();
      })
      .Case<BatchNormOp>([&](BatchNormOp o) {
        ArrayRef<int64_t> is = shapeOf(o.getInput());
        int64_t inner = numElements(o.getInput()) / (is[0] * is[1]);
        body << "  pat_batch_norm_f32(ctx, " << is[0] << ", " << is[1] << ", "
             << inner << ", " << cFloat(o.getEpsilon().convertToFloat())
             << ", " << in(o.getInput()) << ", " << in(o.getScale()) << ", "
             << in(o.getBias()) << ", " << in(o.getMean()) << ", "
             << in(o.getVariance()) << ", " << outp(o.getResult()) << ");\n";
        return success();
      })
      .Case<SoftmaxOp>([&](SoftmaxOp o) {
        ArrayRef<int64_t> is = shapeOf(o.getInput());
        int64_t axis = o.getAxis(), outer = 1, inner = 1;
        for (int64_t d = 0; d < (int64_t)is.size(); ++d)
          if (d < axis)
            outer *= is[d];
          else if (d > axis)
            inner *= is[d];
        body << "  pat_softmax_f32(ctx, " << outer << ", " << is[axis] << ", "
             << inner << ", " << in(o.getInput()) << ", "
             << outp(o.getResult()) << ");\n";
        return success();
      })
      .Case<AddOp>([&](auto o) { return emitBinary(o, "PAT_BIN_ADD"); })
      .Case<SubOp>([&](auto o) { return emitBinary(o, "PAT_BIN_SUB"); })
      .Case<MulOp>([&](auto o) { return emitBinary(o, "PAT_BIN_MUL"); })
      .Case<DivOp>([&](auto o) { return emitBinary(o, "PAT_BIN_DIV"); })
      .Case<ReluOp>([&](auto o) { return emitUnary(o, "relu", 0, 0); })
      .Case<SigmoidOp>([&](auto o) { return emitUnary(o, "sigmoid", 0, 0); })
      .Case<TanhOp>([&](auto o) { return emitUnary(o, "tanh", 0, 0); })
      .Case<HardSwishOp>(
          [&](auto o) { return emitUnary(o, "hard_swish", 0, 0); })
      .Case<LeakyReluOp>([&](LeakyReluOp o) {
        return emitUnary(o, "leaky_relu", o.getAlpha().convertToFloat(), 0);
      })
      .Case<HardSigmoidOp>([&](HardSigmoidOp o) {
        return emitUnary(o, "hard_sigmoid", o.getAlpha().convertToFloat(),
                         o.getBeta().convertToFloat());
      })
      .Case<ClipOp>([&](ClipOp o) -> LogicalResult {
        Type elt = eltOf(o.getInput());
        auto [suffix, type] = cType(elt);
        if (suffix.empty())
          return o.emitOpError("element type has no C lowering");
        auto bound = [&, type = type](Value runtime, float value) {
          if (runtime)
            return "*" + in(runtime, type);
          if (elt.isF32())
            return cFloat(value);
          return "(" + type + ")" + std::to_string((long long)value) + "LL";
        };
        body << "  pat_clip_" << suffix << "(" << in(o.getInput(), type) << ", "
             << outp(o.getResult(), type) << ", " << numElements(o.getResult())
             << ", " << bound(o.getMinValue(), o.getMin().convertToFloat())
             << ", " << bound(o.getMaxValue(), o.getMax().convertToFloat())
             << ");\n";
        return success();
      })
      .Case<ConcatOp>([&](ConcatOp o) {
        ArrayRef<int64_t> os = shapeOf(o.getResult());
        int64_t outer = 1, esize = elementByteSize(eltOf(o.getResult()));
        for (int64_t d = 0; d < (int64_t)o.getAxis(); ++d)
          outer *= os[d];
        std::string ptrs, chunks;
        for (Value v : o.getInputs()) {
          ptrs += (ptrs.empty() ? "" : ", ") + ptr(v);
          chunks += (chunks.empty() ? "" : ", ") +
                    std::to_string(numElements(v) * esize / std::max<int64_t>(outer, 1));
        }
        body << "  {\n    const void *const ins[] = {" << ptrs
             << "};\n    static const int64_t chunks[] = {" << chunks
             << "};\n    pat_concat(" << outer << ", "
             << o.getInputs().size() << ", ins, chunks, " << ptr(o.getResult())
             << ");\n  }\n";
        return success();
      })
      .Case<TransposeOp>([&](TransposeOp o) {
        ArrayRef<int64_t> is = shapeOf(o.getInput());
        body << "  {\n    static const int64_t shape[] = " << ints(is)
             << ", perm[] = " << ints(o.getPerm()) << ";\n    pat_transpose("
             << is.size() << ", shape, perm, "
             << elementByteSize(eltOf(o.getInput())) << ", "
             << ptr(o.getInput()) << ", " << ptr(o.getResult()) << ");\n  }\n";
        return success();
      })
      .Case<PadOp>([&](PadOp o) {
        ArrayRef<int64_t> is = shapeOf(o.getInput());
        auto [suffix, type] = cType(eltOf(o.getInput()));
        int mode = o.getMode() == "constant" ? 0 : o.getMode() == "reflect" ? 1 : 2;
        std::string value = eltOf(o.getInput()).isF32()
                                ? cFloat(o.getValue().convertToFloat())
                                : std::to_string((long long)o.getValue().convertToFloat());
        // Run-time pads: the begin pads are the first half of the tensor.
        std::string begin = o.getPadsValue() ? in(o.getPadsValue(), "int64_t")
                                             : std::string("begin");
        std::string valuePtr =
            o.getConstantValue() ? in(o.getConstantValue(), type) : "&value";
        body << "  {\n    static const int64_t in_shape[] = " << ints(is)
             << ", out_shape[] = " << ints(shapeOf(o.getResult()))
             << ", begin[] = " << ints(o.getPads().take_front(is.size()))
             << ";\n    static const " << type << " value = " << value
             << ";\n    (void)begin; (void)value;\n    pat_pad(" << is.size()
             << ", in_shape, out_shape, " << begin << ", " << mode << ", "
             << valuePtr << ", "
             << elementByteSize(eltOf(o.getInput())) << ", "
             << ptr(o.getInput()) << ", " << ptr(o.getResult()) << ");\n  }\n";
        return success();
      })
      .Case<ReshapeOp>([&](ReshapeOp o) {
        // Views cost nothing; a returned reshape copies into the output.
        if (!isViewValue(o.getResult()))
          body << "  memcpy(" << ptr(o.getResult()) << ", " << ptr(o.getInput())
               << ", " << numElements(o.getResult()) * elementByteSize(eltOf(o.getResult()))
               << ");\n";
        return success();
      })
      .Default([&](Operation *o) {
        return o->emitOpError("has no C lowering");
      });
}

void Emitter::emitModelInfo(std::ostringstream &os) {
  auto names = func->getAttrOfType<ArrayAttr>("pat.output_names");
  auto tensorInfo = [&](std::string name, Value v, const std::string &id) {
    os << "static const int64_t " << id << "_shape[] = " << ints(shapeOf(v))
       << ";\n";
    return "{\"" + cStringBody(name) + "\", " + std::to_string(onnxDType(eltOf(v))) +
           ", " + std::to_string(shapeOf(v).size()) + ", " + id + "_shape, " +
           std::to_string(numElements(v) * elementByteSize(eltOf(v))) + "}";
  };
  std::vector<std::string> ins, outs;
  Block &block = func.getBody().front();
  for (BlockArgument arg : block.getArguments()) {
    auto name = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "pat.name");
    ins.push_back(tensorInfo(name ? name.str() : "input" + std::to_string(arg.getArgNumber()),
                             arg, "in" + std::to_string(arg.getArgNumber())));
  }
  auto ret = llvm::cast<func::ReturnOp>(block.getTerminator());
  for (OpOperand &o : ret->getOpOperands()) {
    unsigned i = o.getOperandNumber();
    std::string name = names && i < names.size()
                           ? llvm::cast<StringAttr>(names[i]).str()
                           : "output" + std::to_string(i);
    outs.push_back(tensorInfo(name, o.get(), "out" + std::to_string(i)));
  }
  auto list = [&](const char *id, const std::vector<std::string> &items) {
    os << "static const pat_tensor_info " << id << "[] = {";
    for (size_t i = 0; i < items.size(); ++i)
      os << (i ? ",\n  " : "\n  ") << items[i];
    if (items.empty())
      os << "{0}";
    os << "};\n";
  };
  list("model_inputs", ins);
  list("model_outputs", outs);
  os << "const pat_model_info pat_generated_model_info = {PAT_ABI_VERSION, "
     << ins.size() << ", " << outs.size()
     << ", model_inputs, model_outputs, " << plan.arenaBytes
     << ", " << out.weights.size() << ", \"" << cStringBody(target.name)
     << "\"};\n";
  // Per thread; pattern layers use all threads' scratch for one copy of
  // the input (flat tiles' padded copy, stride-2 column phases), so one
  // thread's share must hold it (any thread count).
  os << "const size_t pat_generated_scratch_bytes = PAT_GEMM_SCRATCH_BYTES > "
     << patternScratchBytes << " ? PAT_GEMM_SCRATCH_BYTES : " << patternScratchBytes
     << ";\n\n";
}

LogicalResult Emitter::run() {
  if (failed(assignStorage()))
    return failure();
  Block &block = func.getBody().front();
  int64_t layers = 0; // numbered as patc --stats numbers them
  for (Operation &op : block) {
    if (llvm::isa<ConstantOp, func::ReturnOp>(op))
      continue;
    layer = op.getNumResults() == 1 ? layers++ : -1;
    if (failed(emitOp(&op)))
      return failure();
  }
  body << fences("0, " + std::to_string(plan.arenaBytes), "0, PAT_WEIGHT_BYTES");
  // Outputs whose value lives elsewhere (an input, a constant, a value
  // returned twice) are copied.
  auto ret = llvm::cast<func::ReturnOp>(block.getTerminator());
  for (OpOperand &o : ret->getOpOperands()) {
    std::string dst = "((char *)outputs[" + std::to_string(o.getOperandNumber()) + "])";
    if (ptr(o.get()) != dst)
      body << "  memcpy(" << dst << ", " << ptr(o.get()) << ", "
           << numElements(o.get()) * elementByteSize(eltOf(o.get())) << ");\n";
  }
  std::ostringstream os;
  os << "/* Generated by patc for target " << target.name
     << ". Do not edit. */\n#include \"pat_kernels.h\"\n#include \"conv_pattern.h\"\n#include <float.h>\n"
        "#include <string.h>\n\n"
        "PAT_HIDDEN extern const char pat_weights[];\n"
     << "#define PAT_WEIGHT_BYTES " << out.weights.size() << "\n\n";
  emitModelInfo(os);
  os << functions.str();
  os << "void pat_generated_run(pat_ctx *ctx, const void *const *inputs,\n"
        "                       void *const *outputs, char *arena) {\n"
        "  (void)ctx; (void)inputs; (void)arena;\n"
     << body.str() << "}\n";
  if (options.tuningEntry)
    os << "\n/* patc --tune: runs candidate `variant` of layer `layer`. */\n"
          "PAT_EXPORT int pat_tune_layer(pat_session *session,\n"
          "                              const void *const *inputs,\n"
          "                              void *const *outputs, int32_t layer,\n"
          "                              int32_t variant, void **result,\n"
          "                              int64_t *result_bytes) {\n"
          "  pat_ctx *ctx = pat_session_ctx(session);\n"
          "  char *arena = pat_session_arena(session);\n"
          "  (void)ctx; (void)inputs; (void)outputs; (void)arena;\n"
       << tuneCases.str() << "  return 1;\n}\n";
  out.source = os.str();
  return success();
}

} // namespace

std::string LayerSchedule::describe() const {
  switch (kind) {
  case Kind::PatternRows:
    if (!rows)
      return "generic kernel";
    return "rows " + std::to_string(rows) + "x" + std::to_string(vecs) +
           (filters > 1 ? " (" + std::to_string(filters) + " filters)" : "");
  case Kind::PatternChannels:
    return "channels";
  case Kind::PatternFlat:
    return "flat" +
           (filters > 1 ? " (" + std::to_string(filters) + " filters)" : "");
  case Kind::Gemm:
    return gemm == GemmKernel::Channels ? "channel-lane gemm" : "pixel-lane gemm";
  }
  return "?";
}

LogicalResult emitC(ModuleOp module, const Target &target, EmittedModel &out,
                    const EmitOptions &options) {
  auto func = module.lookupSymbol<func::FuncOp>("main");
  if (!func)
    return module.emitError("no func.func @main to emit");
  Emitter emitter(func, target, out, options);
  if (failed(emitter.run()))
    return failure();
  // A schedule entry no layer used is an error, not a silent no-op: the
  // file was written for another model (or edited by hand).
  for (const auto &[layer, request] : options.schedules)
    if (!out.emitted.count(layer)) {
      std::string known;
      for (const auto &entry : out.emitted)
        known += (known.empty() ? "" : ", ") + std::to_string(entry.first);
      return func.emitError()
             << "the schedule names layer " << layer << " (" << request.op
             << "), which this model does not have (its layers with a schedule: "
             << (known.empty() ? "none" : known) << ")";
    }
  if (out.weights.empty())
    out.weights.push_back(0); // .incbin of an empty file is fine, a symbol isn't.
  return success();
}

std::string weightsAssembly(const std::string &weightsFile) {
  // An assembler string: escape backslashes and quotes of the path.
  std::string quoted;
  for (char c : weightsFile) {
    if (c == '\\' || c == '"')
      quoted += '\\';
    quoted += c;
  }
  return "/* Generated by patc: links the weight blob. */\n"
         "  .section .rodata\n"
         "  .balign 64\n"
         "  .globl pat_weights\n"
         "  .hidden pat_weights\n"
         "pat_weights:\n"
         "  .incbin \"" + quoted + "\"\n"
         "  .section .note.GNU-stack,\"\",%progbits\n";
}

} // namespace pat
