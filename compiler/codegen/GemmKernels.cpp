//===- GemmKernels.cpp - Choice between the dense GEMM conv kernels -------===//
//
// Part of patc.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/GemmKernels.h"

namespace pat {

static int64_t roundUp(int64_t v, int64_t to) { return (v + to - 1) / to * to; }

GemmShape gemmShapeOf(Conv2DOp op) {
  auto out = op.getType().getShape();
  auto w = llvm::cast<mlir::RankedTensorType>(op.getWeight().getType()).getShape();
  GemmShape shape;
  shape.m = out[1] / op.getGroups();
  shape.n = out[2] * out[3];
  // As is_pointwise in runtime/kernels/conv_gemm_shared.h.
  shape.pointwise = w[2] == 1 && w[3] == 1 && op.getStrides()[0] == 1 &&
                    op.getStrides()[1] == 1 &&
                    llvm::all_of(op.getPads(), [](int64_t p) { return p == 0; });
  shape.strideW = op.getStrides()[1];
  return shape;
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
