//===- Pruner.h - Pattern and connectivity pruning of ONNX convs -*- C++ -*-===//
//
// Part of patc. The algorithm behind pat-prune (see docs/sparsity.md):
// 1. Eligible convs: constant float weights, group 1, an odd square kernel
//    (3x3 unless --all-kernel-sizes), at least --min-in-channels inputs.
// 2. Pattern library per kernel size: the K most frequent masks of each
//    kernel's n largest-magnitude taps (centre always kept).
// 3. Projection: each kernel keeps the library pattern that keeps the most
//    of its L2 norm; the other taps become zero.
// 4. Connectivity: in each layer only the ceil(kernels / R) kernels of
//    largest L2 norm survive; the others become zero.
// With --filter-group G, steps 3 and 4 treat the kernels of G consecutive
// filters at one input channel as one unit (summed norms), so those filters
// share channels and patterns.
// Layers that already satisfy the target (every kernel within n taps, at
// most ceil(kernels / R) non-empty) are left as they are. Deterministic.
//
//===----------------------------------------------------------------------===//

#ifndef PAT_TOOLS_PAT_PRUNE_PRUNER_H
#define PAT_TOOLS_PAT_PRUNE_PRUNER_H

#include "dialects/pat/KernelMasks.h"
#include "onnx/onnx_pb.h"
#include <map>
#include <set>
#include <string>
#include <vector>

namespace pat {

struct PruneOptions {
  int64_t numPatterns = 8;      ///< K: library size per kernel size.
  int64_t patternTaps = 4;      ///< n: taps per pattern, centre included.
  double connectivity = 1.0;    ///< R: keep 1/R of each layer's kernels.
  int64_t minInChannels = 4;    ///< Fewer input channels: left dense.
  /// G: the kernels of G consecutive filters at one input channel get one
  /// pattern and are kept or removed together (1: every kernel on its own).
  int64_t filterGroup = 1;
  bool allKernelSizes = false;  ///< Also prune odd square kernels != 3x3.
  /// Per-layer R, by node name or weight name.
  std::map<std::string, double> layerConnectivity;
  /// Layers left alone, by node name or weight name.
  std::set<std::string> skipLayers;
};

struct LayerReport {
  std::string node, weight;
  int64_t outChannels = 0, inChannels = 0, kernelH = 0, kernelW = 0;
  int64_t group = 1;
  /// "pruned", "already pruned" or "skipped: <why>".
  std::string status;
  double connectivity = 1.0;
  int64_t kernels = 0, nonEmptyKernels = 0;
  int64_t weights = 0, nonzeroWeights = 0;
  int64_t macsDense = 0, macsNonzero = 0; ///< Per inference; 0 if unknown.
  /// How many kernels have each mask (non-empty kernels only).
  std::map<KernelMask, int64_t> maskCounts;
};

struct PruneReport {
  /// Library per kernel size (kH, kW), most frequent first.
  std::map<std::pair<int64_t, int64_t>, std::vector<KernelMask>> libraries;
  std::vector<LayerReport> layers;
  bool changed = false;
};

/// Prunes the convs of `model` in place (its initializers) and fills
/// `report`. `model` must have been through shape inference (for MACs).
/// Returns false with `error` set on a malformed model.
bool pruneModel(onnx::ModelProto &model, const PruneOptions &options,
                PruneReport &report, std::string &error);

/// The report as JSON text.
std::string reportToJson(const PruneReport &report,
                         const PruneOptions &options);

/// The report as a human-readable table.
std::string reportToText(const PruneReport &report);

} // namespace pat

#endif // PAT_TOOLS_PAT_PRUNE_PRUNER_H
