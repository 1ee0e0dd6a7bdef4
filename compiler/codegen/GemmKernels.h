//===- GemmKernels.h - Choice between the dense GEMM conv kernels -*- C++ -*-===//
//
// Part of patc.
//
//===----------------------------------------------------------------------===//

#ifndef PAT_COMPILER_CODEGEN_GEMMKERNELS_H
#define PAT_COMPILER_CODEGEN_GEMMKERNELS_H

#include "compiler/Target.h"
#include "dialects/pat/PatOps.h"
#include <cstdint>

namespace pat {

/// The runtime's two GEMM convolutions (runtime/kernels/conv_gemm*.c).
enum class GemmKernel {
  Pixels,   ///< pat_conv2d_gemm_f32: output pixels on the lanes, MR x NR tiles.
  Channels, ///< pat_conv2d_gemm_channels_f32: output channels on the lanes,
            ///< blocks of pixels, input bands instead of im2col.
};

/// patc --gemm-kernel.
enum class GemmKernelMode { Auto, Pixels, Channels };

/// A conv as the GEMM kernels see it, per group.
struct GemmShape {
  int64_t m;      ///< Output channels.
  int64_t n;      ///< Output pixels.
  bool pointwise; ///< 1x1, stride 1, no padding: B is the input itself.
  int64_t strideW;
};

/// Which runtime kernel a dense conv runs (the emitter's choice; --stats
/// prints it).
enum class DenseConvPath {
  Reference, ///< run-time weights: pat_conv2d_reference_f32
  Depthwise, ///< one input channel per group: pat_conv2d_depthwise_f32
  Gemm,      ///< constant weights otherwise: a GEMM kernel (GemmKernel)
};
DenseConvPath denseConvPathOf(Conv2DOp op);

/// Whether a Gemm runs pat_gemv_rows_f32 (B stored by input row, the rows
/// of zero inputs skipped; runtime/kernels/gemv_rows.c) rather than
/// pat_gemm_f32's dot products: one row of A (batch 1) and a constant B
/// (`b`, as stored in the model) whose values are all finite, since a
/// skipped 0 x inf would have been NaN.
bool gemmSkipsZeroInputs(GemmOp op, llvm::ArrayRef<float> b);
/// The same, reading B's constant (what --stats asks).
bool gemmSkipsZeroInputs(GemmOp op);

/// Whether the channel-lane GEMM kernel reads a conv through input bands
/// (the runtime's choice: not pointwise, stride 1 or 2) rather than the
/// input in place or packed im2col columns.
bool channelKernelUsesBands(const GemmShape &shape);

/// The GEMM shape of a conv with static shapes.
GemmShape gemmShapeOf(Conv2DOp op);
/// ... of a pattern conv run densely (patc --tune's dense candidates).
GemmShape gemmShapeOf(PatternConv2DOp op);

/// The kernel for a conv. Auto compares the vector lanes each kernel fills,
/// padding included, weighted by what each spends besides the FMAs
/// (docs/architecture.md).
GemmKernel chooseGemmKernel(const GemmShape &shape, const Target &target,
                            GemmKernelMode mode);

/// The weight panel height (MR) the kernel's packing uses.
int gemmPanelRows(GemmKernel kernel, const Target &target);

/// The runtime function name.
const char *gemmKernelFunction(GemmKernel kernel);

} // namespace pat

#endif // PAT_COMPILER_CODEGEN_GEMMKERNELS_H
