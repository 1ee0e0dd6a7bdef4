//===- GemmKernels.h - Choice between the dense GEMM conv kernels -*- C++ -*-===//
//
// Part of patc.
//
//===----------------------------------------------------------------------===//

#ifndef PAT_COMPILER_CODEGEN_GEMMKERNELS_H
#define PAT_COMPILER_CODEGEN_GEMMKERNELS_H

#include "compiler/Target.h"
#include <cstdint>

namespace pat {

/// The runtime's two GEMM convolutions (runtime/kernels/conv_gemm*.c).
enum class GemmKernel {
  Wide,  ///< pat_conv2d_gemm_f32: MR x NR tiles, pixels on the lanes.
  Small, ///< pat_conv2d_gemm_small_f32: channels on the lanes, pixel blocks.
};

/// patc --gemm-kernel.
enum class GemmKernelMode { Auto, Wide, Small };

/// The kernel for a conv whose per-group GEMM is M (output channels) x N
/// (output pixels) x K. Auto compares the register-tile lanes each kernel
/// fills with useful work (docs/architecture.md).
GemmKernel chooseGemmKernel(int64_t m, int64_t n, int64_t k,
                            const Target &target, GemmKernelMode mode);

/// The weight panel height (MR) the kernel's packing uses.
int gemmPanelRows(GemmKernel kernel, const Target &target);

/// The runtime function name.
const char *gemmKernelFunction(GemmKernel kernel);

} // namespace pat

#endif // PAT_COMPILER_CODEGEN_GEMMKERNELS_H
