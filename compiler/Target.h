//===- Target.h - Code-generation targets -----------------------*- C++ -*-===//
//
// Part of patc. A target fixes the C compiler flags, the ISA macro the kernel
// library dispatches on, and the GEMM register-tile shape patc packs weights
// for. Adding a target is a new table row plus its sections in the
// kernel library's ISA headers (pattern_simd.h, gemm_microkernel.h,
// pat_kernels.h, the register transpose in conv_gemm_channels.c).
//
//===----------------------------------------------------------------------===//

#ifndef PAT_COMPILER_TARGET_H
#define PAT_COMPILER_TARGET_H

#include "llvm/ADT/StringRef.h"
#include <optional>
#include <string>
#include <vector>

namespace pat {

struct Target {
  std::string name;        ///< As given to --target.
  std::string description; ///< One line for --help.
  std::string isaMacro;    ///< Defined when compiling the kernels (or empty).
  std::vector<std::string> cflags; ///< Architecture flags for the C compiler.
  int gemmMR;              ///< Rows of the GEMM register tile.
  int gemmNR;              ///< Columns of the GEMM register tile.
  int gemmChannelsMR;      ///< Channels per panel of the channel-lane GEMM.
  int gemmChannelsPX;      ///< Pixels per tile of the channel-lane GEMM.
  int vectorLanes;         ///< Floats per vector (PV_LANES in pattern_simd.h).
  int vectorRegisters;     ///< Vector registers the pattern tiles may fill.
  /// PV_ALIGNR is one cheap instruction (AVX-512 valignd, NEON ext): flat
  /// tiles build off-grid vectors from aligned loads instead of unaligned
  /// loads.
  bool cheapLaneShift;
  /// The architecture the code runs on ("x86_64", "aarch64"), empty for
  /// portable C.
  std::string arch;
  /// C compiler used when patc does not run on `arch` and --cc is not
  /// given ($PATC_CC and $CC name this machine's compiler, so they do not
  /// apply).
  std::string crossCompiler;
};

/// True if code for `target` runs on the CPU patc runs on (--tune needs it).
bool runsOnHost(const Target &target);

/// All targets patc knows, in --help order.
const std::vector<Target> &allTargets();

/// The target named `name`; "host" picks the best one this CPU runs.
std::optional<Target> lookupTarget(llvm::StringRef name);

} // namespace pat

#endif // PAT_COMPILER_TARGET_H
