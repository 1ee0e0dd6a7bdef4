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
       16, 16, 4, 8, 16, false, "", ""},
      {"x86-64-v3", "x86-64 with AVX2 and FMA", "PAT_ISA_AVX2",
       {"-march=x86-64-v3"}, 6, 16, 16, 6, 8, 16, false, "x86_64", ""},
      {"x86-64-v4", "x86-64 with AVX-512", "PAT_ISA_AVX512",
       {"-march=x86-64-v4", "-mprefer-vector-width=512"}, 8, 32, 32, 14, 16,
       32, true, "x86_64", ""},
      // NEON is part of every ARMv8-A core, so no -march: the compiler's
      // default (or the user's --cflags, e.g. -mcpu=cortex-a76) applies.
      {"aarch64", "64-bit Arm (ARMv8-A) with NEON, e.g. Android arm64-v8a",
       "PAT_ISA_NEON", {}, 8, 12, 8, 8, 4, 32, true, "aarch64",
       "aarch64-linux-gnu-gcc"},
  };
  return targets;
}

bool runsOnHost(const Target &target) {
  if (target.arch.empty())
    return true;
#if defined(__x86_64__)
  if (target.arch != "x86_64")
    return false;
  __builtin_cpu_init();
  if (target.isaMacro == "PAT_ISA_AVX512")
    return __builtin_cpu_supports("avx512f") &&
           __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512dq");
  if (target.isaMacro == "PAT_ISA_AVX2")
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return true;
#elif defined(__aarch64__)
  return target.arch == "aarch64";
#else
  return false;
#endif
}

std::optional<Target> lookupTarget(llvm::StringRef name) {
  if (name == "host") {
#if defined(__aarch64__)
    return lookupTarget("aarch64");
#endif
    for (const char *best : {"x86-64-v4", "x86-64-v3"})
      if (runsOnHost(*lookupTarget(best)))
        return lookupTarget(best);
    return lookupTarget("generic");
  }
  for (const Target &t : allTargets())
    if (t.name == name)
      return t;
  return std::nullopt;
}

} // namespace pat
