//===- Target.cpp - Code-generation targets ---------------------*- C++ -*-===//
//
// Part of patc.
//
//===----------------------------------------------------------------------===//

#include "compiler/Target.h"

namespace pat {

const std::vector<Target> &allTargets() {
  // MR/NR and the small-map MR/PX must match PAT_GEMM_MR/NR and
  // PAT_GEMM_CH_MR/PX in runtime/kernels/pat_kernels.h, the lanes
  // PV_LANES in runtime/kernels/pattern_simd.h.
  static const std::vector<Target> targets = {
      {"generic", "portable C99, auto-vectorised by the C compiler", "", {}, 4,
       16, 16, 4, 8, 16},
      {"x86-64-v3", "x86-64 with AVX2 and FMA", "PAT_ISA_AVX2",
       {"-march=x86-64-v3"}, 6, 16, 16, 6, 8, 16},
      {"x86-64-v4", "x86-64 with AVX-512", "PAT_ISA_AVX512",
       {"-march=x86-64-v4", "-mprefer-vector-width=512"}, 8, 32, 32, 14, 16,
       32},
  };
  return targets;
}

std::optional<Target> lookupTarget(llvm::StringRef name) {
  if (name == "host") {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq"))
      return lookupTarget("x86-64-v4");
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
      return lookupTarget("x86-64-v3");
#endif
    return lookupTarget("generic");
  }
  for (const Target &t : allTargets())
    if (t.name == name)
      return t;
  return std::nullopt;
}

} // namespace pat
