//===- GemmKernels.cpp - Choice between the dense GEMM conv kernels -------===//
//
// Part of patc.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/GemmKernels.h"
#include "dialects/pat/ConstantData.h"
#include <cmath>

namespace pat {

static int64_t roundUp(int64_t v, int64_t to) { return (v + to - 1) / to * to; }

static GemmShape gemmShape(llvm::ArrayRef<int64_t> out, int64_t groups,
                           int64_t kh, int64_t kw,
                           llvm::ArrayRef<int64_t> strides,
                           llvm::ArrayRef<int64_t> pads) {
  GemmShape shape;
  shape.m = out[1] / groups;
  shape.n = out[2] * out[3];
  // As is_pointwise in runtime/kernels/conv_gemm_shared.h.
  shape.pointwise = kh == 1 && kw == 1 && strides[0] == 1 && strides[1] == 1 &&
                    llvm::all_of(pads, [](int64_t p) { return p == 0; });
  shape.strideW = strides[1];
  return shape;
}

bool gemmSkipsZeroInputs(GemmOp op, llvm::ArrayRef<float> b) {
  auto a = llvm::cast<mlir::RankedTensorType>(op.getA().getType()).getShape();
  int64_t m = op.getTransA() ? a[1] : a[0];
  return m == 1 && llvm::all_of(b, [](float v) { return std::isfinite(v); });
}

bool gemmSkipsZeroInputs(GemmOp op) {
  std::optional<std::vector<float>> b = getF32Constant(op.getB());
  return b && gemmSkipsZeroInputs(op, *b);
}

DenseConvPath denseConvPathOf(Conv2DOp op) {
  ConstantOp weights = getConstantOp(op.getWeight());
  if (!weights || !weights.getType().getElementType().isF32())
    return DenseConvPath::Reference;
  auto w = llvm::cast<mlir::RankedTensorType>(op.getWeight().getType()).getShape();
  if (w[1] == 1 && op.getGroups() > 1)
    return DenseConvPath::Depthwise;
  return DenseConvPath::Gemm;
}

bool channelKernelUsesBands(const GemmShape &shape) {
  return !shape.pointwise && shape.strideW <= 2;
}

GemmShape gemmShapeOf(Conv2DOp op) {
  auto w = llvm::cast<mlir::RankedTensorType>(op.getWeight().getType()).getShape();
  return gemmShape(op.getType().getShape(), op.getGroups(), w[2], w[3],
                   op.getStrides(), op.getPads());
}

GemmShape gemmShapeOf(PatternConv2DOp op) {
  PatternSetAttr patterns = op.getPatterns();
  return gemmShape(op.getType().getShape(), 1, patterns.getKernelH(),
                   patterns.getKernelW(), op.getStrides(), op.getPads());
}

GemmKernel chooseGemmKernel(const GemmShape &shape, const Target &target,
                            GemmKernelMode mode) {
  switch (mode) {
  case GemmKernelMode::Pixels:
    return GemmKernel::Pixels;
  case GemmKernelMode::Channels:
    return GemmKernel::Channels;
  case GemmKernelMode::Auto:
    break;
  }
  // Lanes computed, padding included: the pixel-lane kernel pads N to NR
  // columns and M to MR rows, the channel-lane one M to its channel panels
  // (its pixel blocks shrink to fit N). For convs other than 1x1 the
  // pixel-lane kernel also packs im2col columns where the other copies input
  // bands (strides 1 and 2), counted as 25% more. Ties go to the
  // channel-lane kernel: on conv chains (bench/run_dense_conv_bench.py,
  // docs/benchmarks.md) it was as fast or faster on every shape with full
  // channel panels, 56x56 maps included.
  double pixels = double(roundUp(shape.m, target.gemmMR)) *
                  double(roundUp(shape.n, target.gemmNR));
  double channels =
      double(roundUp(shape.m, target.gemmChannelsMR)) * double(shape.n);
  if (!shape.pointwise && shape.strideW <= 2)
    pixels *= 1.25;
  return channels <= pixels ? GemmKernel::Channels : GemmKernel::Pixels;
}

int gemmPanelRows(GemmKernel kernel, const Target &target) {
  return kernel == GemmKernel::Channels ? target.gemmChannelsMR : target.gemmMR;
}

const char *gemmKernelFunction(GemmKernel kernel) {
  return kernel == GemmKernel::Channels ? "pat_conv2d_gemm_channels_f32"
                                     : "pat_conv2d_gemm_f32";
}

} // namespace pat
