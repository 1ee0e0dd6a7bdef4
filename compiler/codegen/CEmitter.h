//===- CEmitter.h - pat dialect to C ----------------------------*- C++ -*-===//
//
// Part of patc. Prints the planned `func.func @main` as one C99 file that
// calls the kernel library, plus the weight blob the file refers to.
//
//===----------------------------------------------------------------------===//

#ifndef PAT_COMPILER_CODEGEN_CEMITTER_H
#define PAT_COMPILER_CODEGEN_CEMITTER_H

#include "compiler/codegen/GemmKernels.h"
#include "compiler/Target.h"
#include "mlir/IR/BuiltinOps.h"
#include <string>
#include <vector>

namespace pat {

struct EmittedModel {
  std::string source;        ///< model.c
  std::vector<char> weights; ///< Read-only data, linked as pat_weights.
};

/// Which tiles pattern convolutions use (patc --pattern-tiles).
enum class PatternTileMode {
  Auto, ///< Per layer, the cheaper by the cost model.
  Rows, ///< Row tiles only.
  Flat, ///< Flat tiles wherever the output plane fits the registers.
};

struct EmitOptions {
  PatternTileMode patternTiles = PatternTileMode::Auto;
  GemmKernelMode gemmKernel = GemmKernelMode::Auto;
};

/// Emits C for the module's @main after the graph pipeline. Tensor storage
/// comes from planMemory() (the same plan pat-plan-memory annotates for
/// inspection and --stats). Returns failure with a
/// diagnostic on the offending op if an op has no C lowering.
mlir::LogicalResult emitC(mlir::ModuleOp module, const Target &target,
                          EmittedModel &out, const EmitOptions &options = {});

/// The assembly file that links the weight blob `weightsFile` into the
/// library as `pat_weights`.
std::string weightsAssembly(const std::string &weightsFile);

} // namespace pat

#endif // PAT_COMPILER_CODEGEN_CEMITTER_H
