//===- GemmKernels.cpp - Choice between the dense GEMM conv kernels -------===//
//
// Part of patc.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/GemmKernels.h"

namespace pat {

static int64_t roundUp(int64_t v, int64_t to) { return (v + to - 1) / to * to; }

GemmKernel chooseGemmKernel(int64_t m, int64_t n, int64_t k,
                            const Target &target, GemmKernelMode mode) {
  switch (mode) {
  case GemmKernelMode::Wide:
    return GemmKernel::Wide;
  case GemmKernelMode::Small:
    return GemmKernel::Small;
  case GemmKernelMode::Auto:
    break;
  }
  (void)k;
  // Lanes computed, padding included: the wide kernel pads N to NR columns
  // and M to MR rows, the small one M to its channel panels (its pixel
  // blocks shrink to fit N).
  int64_t wide = roundUp(m, target.gemmMR) * roundUp(n, target.gemmNR);
  int64_t small = roundUp(m, target.gemmSmallMR) * n;
  // The small kernel writes its tiles transposed and runs at a lower
  // register-tile occupancy, so it must save a clear share of the lanes.
  return small * 10 < wide * 9 ? GemmKernel::Small : GemmKernel::Wide;
}

int gemmPanelRows(GemmKernel kernel, const Target &target) {
  return kernel == GemmKernel::Small ? target.gemmSmallMR : target.gemmMR;
}

const char *gemmKernelFunction(GemmKernel kernel) {
  return kernel == GemmKernel::Small ? "pat_conv2d_gemm_small_f32"
                                     : "pat_conv2d_gemm_f32";
}

} // namespace pat
