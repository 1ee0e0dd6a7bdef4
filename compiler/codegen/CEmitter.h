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
#include <map>
#include <string>
#include <vector>

namespace pat {

/// How one tunable layer runs: the tile of a pattern convolution or the
/// GEMM kernel of a dense one. What patc --tune picks per layer.
struct LayerSchedule {
  enum class Kind { PatternRows, PatternFlat, PatternChannels, Gemm } kind =
      Kind::PatternRows;
  int64_t rows = 0, vecs = 0; ///< PatternRows: the tile's rows x vectors.
  int64_t filters = 1;        ///< Pattern tiles: filters per tile.
  GemmKernel gemm = GemmKernel::Channels; ///< Gemm.

  /// Short form for --stats, e.g. "rows 4x2", "flat (2 filters)",
  /// "channels".
  std::string describe() const;
};

/// A layer with several ways to run, numbered as patc --stats numbers
/// layers; candidates[0] is the cost model's choice.
struct TunableLayer {
  int64_t layer = 0;
  std::string op; ///< The op's name.
  std::vector<LayerSchedule> candidates;
};

/// What the emitter chose for one layer.
struct EmittedLayer {
  std::string op, shape; ///< The op's name, its output shape ("1x64x56x56").
  LayerSchedule schedule;
  /// What the schedule's name leaves out, for --stats ("on the flat copy":
  /// channel-major tiles over the flat tiles' copy).
  std::string detail;
};

struct EmittedModel {
  std::string source;        ///< model.c
  std::vector<char> weights; ///< Read-only data, linked as pat_weights.
  std::vector<TunableLayer> tunable; ///< Every layer with candidates.
  /// Per layer number, the schedule emitted (pattern and GEMM-path convs).
  std::map<int64_t, EmittedLayer> emitted;
};

/// A schedule asked for one layer (--tune's choice, or patc --schedule):
/// `schedule` is a LayerSchedule::describe() string. `op` and `shape`, when
/// not empty, must match the layer, so that a file written for another model
/// is an error rather than a silent mismatch.
struct ScheduleRequest {
  std::string op, shape, schedule;
};

/// Which tiles pattern convolutions use (patc --pattern-tiles).
enum class PatternTileMode {
  Auto, ///< Per layer, the cheaper by the cost model.
  Rows, ///< Row tiles only.
  Flat, ///< Flat tiles wherever the output plane fits the registers.
  Channels, ///< Channel-major tiles wherever they apply (stride 1 or 2).
};

struct EmitOptions {
  PatternTileMode patternTiles = PatternTileMode::Auto;
  GemmKernelMode gemmKernel = GemmKernelMode::Auto;
  /// Per layer number, a schedule replacing the cost model's choice; it
  /// must be one of that layer's candidates (else emitC fails, naming it).
  std::map<int64_t, ScheduleRequest> schedules;
  /// Offer dense GEMM kernels as candidates of pattern convs (--tune with
  /// --sparse=auto: the sparsity analysis' choice was an estimate).
  bool denseCandidates = false;
  /// Also export `pat_tune_layer` (see runtime/src/pat_internal.h), which
  /// runs any candidate of any tunable layer on a session's arena.
  bool tuningEntry = false;
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
