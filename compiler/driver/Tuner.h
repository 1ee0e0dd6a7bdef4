//===- Tuner.h - Per-layer auto-tuning (patc --tune) ------------*- C++ -*-===//
//
// Part of patc. The cost models pick each layer's tile or GEMM kernel from
// instruction counts; --tune measures instead. patc builds one library that
// holds every candidate of every tunable layer (EmitOptions::tuningEntry),
// runs it in a child process (`patc --tune-worker`, so generated code never
// runs inside the compiler), times each candidate on the activations of one
// real run of the model, and rebuilds with the fastest.
//
//===----------------------------------------------------------------------===//

#ifndef PAT_COMPILER_DRIVER_TUNER_H
#define PAT_COMPILER_DRIVER_TUNER_H

#include "compiler/codegen/CEmitter.h"
#include "compiler/driver/Toolchain.h"
#include <string>
#include <vector>

namespace pat {

struct TuneOptions {
  int threads = 1; ///< Threads of the session the candidates run in.
  int rounds = 7;  ///< Interleaved timing rounds; the median counts.
  /// Each timing repeats the layer until it lasts about this long.
  double minMillis = 2.0;
  /// A candidate replaces the cost model's choice only when its median is
  /// this much faster (timing noise must not flip layers at random).
  double margin = 0.03;
  /// A candidate whose output differs from the cost model's choice by more
  /// than this share of the output's largest magnitude is never kept.
  double tolerance = 1e-4;
};

/// What --tune measured for one layer.
struct LayerTiming {
  TunableLayer layer;
  std::vector<double> millis; ///< Median per candidate.
  /// Per candidate, max |difference| from candidate 0's output over that
  /// output's largest magnitude.
  std::vector<double> differences;
  size_t best = 0;            ///< The candidate patc keeps.
};

/// Builds `tuningModel` (emitted with tuningEntry) into a temporary library,
/// times it in `patcExecutable --tune-worker ...` and returns, per tunable
/// layer, the medians and the choice.
bool tuneLayers(const EmittedModel &tuningModel, const Target &target,
                const ToolchainOptions &toolchain, const TuneOptions &options,
                const std::string &patcExecutable,
                std::vector<LayerTiming> &timings, std::string &error);

/// The child process: `patc --tune-worker LIB PLAN THREADS ROUNDS MIN_MS`,
/// PLAN being "layer:variants,..." . Loads LIB, runs the model once on
/// random inputs, then prints "layer variant median_ms difference" per
/// candidate (difference: from variant 0's output, relative).
/// Returns the exit code.
int runTuneWorker(int argc, char **argv);

} // namespace pat

#endif // PAT_COMPILER_DRIVER_TUNER_H
