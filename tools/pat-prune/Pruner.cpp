//===- Pruner.cpp - Pattern and connectivity pruning of ONNX convs --------===//
//
// Part of patc.
//
//===----------------------------------------------------------------------===//

#include "Pruner.h"
#include "compiler/onnx/HostTensor.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

namespace pat {
namespace {

/// A conv whose weight pat-prune may change.
struct Candidate {
  LayerReport *report;
  onnx::TensorProto *tensor;
  std::vector<float> data; ///< OIHW
  int64_t taps() const { return report->kernelH * report->kernelW; }
  int64_t numKernels() const { return report->kernels; }
  const float *kernel(int64_t k) const { return data.data() + k * taps(); }
  float *kernel(int64_t k) { return data.data() + k * taps(); }
};

int64_t keepCount(int64_t kernels, double connectivity) {
  return std::min<int64_t>(kernels,
                           (int64_t)std::ceil(double(kernels) / connectivity - 1e-9));
}

/// Output elements per channel (N * H * W) of every value with a known shape.
std::map<std::string, int64_t> spatialSizes(const onnx::GraphProto &graph) {
  std::map<std::string, int64_t> sizes;
  auto add = [&](const onnx::ValueInfoProto &vi) {
    if (!vi.type().has_tensor_type() || !vi.type().tensor_type().has_shape())
      return;
    const auto &shape = vi.type().tensor_type().shape();
    if (shape.dim_size() != 4)
      return;
    int64_t n = 1;
    for (int d : {0, 2, 3}) {
      if (!shape.dim(d).has_dim_value())
        return;
      n *= shape.dim(d).dim_value();
    }
    sizes[vi.name()] = n;
  };
  for (const auto &vi : graph.value_info())
    add(vi);
  for (const auto &vi : graph.output())
    add(vi);
  return sizes;
}

int64_t intAttr(const onnx::NodeProto &node, const char *name, int64_t dflt) {
  for (const auto &a : node.attribute())
    if (a.name() == name)
      return a.i();
  return dflt;
}

/// Fills `layer` from the weight and says why it can't be pruned ("" if it
/// can).
std::string inspect(const onnx::NodeProto &node, onnx::GraphProto &graph,
                    const PruneOptions &options, LayerReport &layer,
                    onnx::TensorProto *&tensor, std::vector<float> &data,
                    std::string &error) {
  layer.node = node.name();
  layer.weight = node.input_size() > 1 ? node.input(1) : "";
  layer.group = intAttr(node, "group", 1);
  tensor = nullptr;
  for (auto &init : *graph.mutable_initializer())
    if (init.name() == layer.weight)
      tensor = &init;
  if (!tensor)
    return "weight is not an initializer";
  if (tensor->data_type() != onnx::TensorProto::FLOAT)
    return "weight is not float32";
  if (tensor->dims_size() != 4)
    return "not a 2-D convolution";
  layer.outChannels = tensor->dims(0);
  layer.inChannels = tensor->dims(1);
  layer.kernelH = tensor->dims(2);
  layer.kernelW = tensor->dims(3);
  layer.kernels = layer.outChannels * layer.inChannels;
  layer.weights = layer.kernels * layer.kernelH * layer.kernelW;
  auto host = hostTensorFromProto(*tensor, error);
  if (!host)
    return "unreadable weight";
  data = host->toFloats();
  if (int64_t(data.size()) != layer.weights) {
    error = "weight '" + layer.weight + "' has " +
            std::to_string(data.size()) + " values for its shape";
    return "unreadable weight";
  }
  if (options.skipLayers.count(layer.node) ||
      options.skipLayers.count(layer.weight))
    return "skipped: --skip-layer";
  if (layer.group != 1)
    return "skipped: grouped convolution";
  if (layer.kernelH == 1 && layer.kernelW == 1)
    return "skipped: 1x1 kernel";
  if (layer.kernelH != layer.kernelW || layer.kernelH % 2 == 0)
    return "skipped: kernel is not odd and square";
  if (layer.kernelH != 3 && !options.allKernelSizes)
    return "skipped: not 3x3 (see --all-kernel-sizes)";
  if (layer.kernelH * layer.kernelW > kMaxMaskedTaps)
    return "skipped: kernel too large";
  if (layer.inChannels < options.minInChannels)
    return "skipped: fewer than --min-in-channels inputs";
  return "";
}

void summarise(LayerReport &layer, const std::vector<float> &data,
               int64_t spatial) {
  int64_t taps = layer.kernelH * layer.kernelW;
  layer.nonEmptyKernels = 0;
  layer.nonzeroWeights = 0;
  layer.maskCounts.clear();
  for (int64_t k = 0; k < layer.kernels; ++k) {
    KernelMask m = taps <= kMaxMaskedTaps ? nonzeroMask(&data[k * taps], taps) : 0;
    int64_t nz = 0;
    for (int64_t t = 0; t < taps; ++t)
      nz += data[k * taps + t] != 0.0f;
    layer.nonzeroWeights += nz;
    if (nz) {
      ++layer.nonEmptyKernels;
      if (taps <= kMaxMaskedTaps)
        ++layer.maskCounts[m];
    }
  }
  layer.macsDense = layer.weights * spatial;
  layer.macsNonzero = layer.nonzeroWeights * spatial;
}

bool alreadyPruned(const Candidate &c, const PruneOptions &options) {
  int64_t nonEmpty = 0;
  for (int64_t k = 0; k < c.numKernels(); ++k) {
    int64_t taps = maskTaps(nonzeroMask(c.kernel(k), c.taps()));
    if (taps > options.patternTaps)
      return false;
    nonEmpty += taps > 0;
  }
  return nonEmpty <= keepCount(c.numKernels(), c.report->connectivity);
}

std::vector<KernelMask> extractLibrary(const std::vector<Candidate *> &layers,
                                       const PruneOptions &options) {
  std::map<KernelMask, int64_t> counts;
  for (const Candidate *c : layers)
    for (int64_t k = 0; k < c->numKernels(); ++k)
      if (maskedSquaredNorm(c->kernel(k), c->taps(), ~KernelMask(0)) > 0)
        ++counts[largestTapsMask(c->kernel(k), c->report->kernelH,
                                 c->report->kernelW, options.patternTaps)];
  std::vector<std::pair<KernelMask, int64_t>> ranked(counts.begin(), counts.end());
  std::stable_sort(ranked.begin(), ranked.end(), [](auto &a, auto &b) {
    return a.second > b.second; // map order breaks ties: lower mask first
  });
  std::vector<KernelMask> library;
  for (auto &[mask, count] : ranked)
    if ((int64_t)library.size() < options.numPatterns)
      library.push_back(mask);
  return library;
}

/// Kernel units that are pruned together: with a filter group G, the
/// kernels of G consecutive filters at one input channel (the last group may
/// be shorter). Sharing channel and pattern lets patc's tiles load an input
/// row once for all G filters (filter-level LRE, docs/sparsity.md).
struct KernelUnits {
  int64_t outC, inC, group;
  int64_t count() const { return (outC + group - 1) / group * inC; }
  /// Kernel indices (o * inC + c) of unit u.
  std::vector<int64_t> kernels(int64_t u) const {
    int64_t g = u / inC, c = u % inC;
    std::vector<int64_t> ks;
    for (int64_t o = g * group; o < std::min(outC, (g + 1) * group); ++o)
      ks.push_back(o * inC + c);
    return ks;
  }
};

KernelUnits unitsOf(const Candidate &c, const PruneOptions &options) {
  return {c.report->outChannels, c.report->inChannels,
          std::max<int64_t>(1, options.filterGroup)};
}

void project(Candidate &c, const std::vector<KernelMask> &library,
             const KernelUnits &units) {
  int64_t taps = c.taps();
  for (int64_t u = 0; u < units.count(); ++u) {
    std::vector<int64_t> ks = units.kernels(u);
    KernelMask best = 0;
    double bestNorm = -1;
    for (KernelMask m : library) {
      double norm = 0;
      for (int64_t k : ks)
        norm += maskedSquaredNorm(c.kernel(k), taps, m);
      if (norm > bestNorm) {
        bestNorm = norm;
        best = m;
      }
    }
    for (int64_t k : ks)
      for (int64_t t = 0; t < taps; ++t)
        if (!(best & (KernelMask(1) << t)))
          c.kernel(k)[t] = 0.0f;
  }
}

void pruneConnectivity(Candidate &c, const KernelUnits &units) {
  int64_t keep = keepCount(units.count(), c.report->connectivity);
  std::vector<double> norms(units.count());
  for (int64_t u = 0; u < units.count(); ++u)
    for (int64_t k : units.kernels(u))
      norms[u] += maskedSquaredNorm(c.kernel(k), c.taps(), ~KernelMask(0));
  std::vector<int64_t> order(units.count());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return norms[a] > norms[b]; });
  for (size_t i = keep; i < order.size(); ++i)
    for (int64_t k : units.kernels(order[i]))
      std::fill(c.kernel(k), c.kernel(k) + c.taps(), 0.0f);
}

void storeWeights(Candidate &c) {
  onnx::TensorProto &t = *c.tensor;
  t.clear_float_data();
  t.set_raw_data(std::string(reinterpret_cast<const char *>(c.data.data()),
                             c.data.size() * sizeof(float)));
}

} // namespace

bool pruneModel(onnx::ModelProto &model, const PruneOptions &options,
                PruneReport &report, std::string &error) {
  if (options.filterGroup < 1) {
    error = "--filter-group must be at least 1";
    return false;
  }
  if (options.numPatterns < 1 || options.patternTaps < 1) {
    error = "--patterns and --pattern-taps must be at least 1";
    return false;
  }
  // R keeps 1/R of the kernels: a finite number >= 1 (NaN fails >= too).
  auto validR = [](double r) { return r >= 1.0 && std::isfinite(r); };
  if (!validR(options.connectivity)) {
    error = "--connectivity must be a finite number of at least 1 (keep 1/R "
            "of the kernels)";
    return false;
  }
  for (const auto &[name, r] : options.layerConnectivity)
    if (!validR(r)) {
      error = "--layer-connectivity " + name +
              "=R: R must be a finite number of at least 1";
      return false;
    }
  onnx::GraphProto &graph = *model.mutable_graph();
  std::map<std::string, int64_t> spatial = spatialSizes(graph);
  std::map<std::string, int> timesUsed;
  for (const auto &node : graph.node())
    for (const auto &in : node.input())
      ++timesUsed[in];

  std::vector<Candidate> candidates;
  report.layers.clear();
  report.layers.reserve(graph.node_size());
  for (const auto &node : graph.node()) {
    if (node.op_type() != "Conv" || !node.domain().empty())
      continue;
    report.layers.emplace_back();
    LayerReport &layer = report.layers.back();
    Candidate c{&layer, nullptr, {}};
    std::string why = inspect(node, graph, options, layer, c.tensor, c.data, error);
    if (!error.empty())
      return false;
    int64_t outSpatial = node.output_size() && spatial.count(node.output(0))
                             ? spatial[node.output(0)]
                             : 0;
    if (why.empty() && timesUsed[layer.weight] > 1)
      why = "skipped: weight shared with another node";
    layer.status = why.empty() ? "pruned" : why;
    auto override = options.layerConnectivity.find(layer.node);
    if (override == options.layerConnectivity.end())
      override = options.layerConnectivity.find(layer.weight);
    layer.connectivity = override != options.layerConnectivity.end()
                             ? override->second
                             : options.connectivity;
    if (!(layer.connectivity >= 1.0)) {
      error = "connectivity for layer '" + layer.node + "' must be at least 1";
      return false;
    }
    summarise(layer, c.data, outSpatial); // "before" numbers for now
    if (why.empty())
      candidates.push_back(std::move(c));
  }
  // Unknown names in the overrides are mistakes worth reporting.
  auto known = [&](const std::string &name) {
    for (const LayerReport &l : report.layers)
      if (l.node == name || l.weight == name)
        return true;
    return false;
  };
  for (const auto &[name, r] : options.layerConnectivity)
    if (!known(name)) {
      error = "--layer-connectivity names no Conv node or weight '" + name + "'";
      return false;
    }
  for (const auto &name : options.skipLayers)
    if (!known(name)) {
      error = "--skip-layer names no Conv node or weight '" + name + "'";
      return false;
    }

  std::map<std::pair<int64_t, int64_t>, std::vector<Candidate *>> bySize;
  for (Candidate &c : candidates) {
    if (alreadyPruned(c, options)) {
      c.report->status = "already pruned";
      continue;
    }
    bySize[{c.report->kernelH, c.report->kernelW}].push_back(&c);
  }
  for (auto &[size, layers] : bySize) {
    std::vector<KernelMask> library = extractLibrary(layers, options);
    report.libraries[size] = library;
    for (Candidate *c : layers) {
      KernelUnits units = unitsOf(*c, options);
      project(*c, library, units);
      pruneConnectivity(*c, units);
      storeWeights(*c);
      int64_t macsBefore = c->report->macsDense;
      int64_t spatialSize = macsBefore / std::max<int64_t>(c->report->weights, 1);
      summarise(*c->report, c->data, spatialSize);
      report.changed = true;
    }
  }
  return true;
}

std::string reportToJson(const PruneReport &report,
                         const PruneOptions &options) {
  llvm::json::Array libraries, layers;
  for (const auto &[size, masks] : report.libraries) {
    llvm::json::Array list;
    for (KernelMask m : masks)
      list.push_back(maskToString(m, size.first, size.second));
    libraries.push_back(llvm::json::Object{
        {"kernel", llvm::json::Array{size.first, size.second}},
        {"patterns", std::move(list)}});
  }
  int64_t dense = 0, nonzero = 0;
  for (const LayerReport &l : report.layers) {
    llvm::json::Object masks;
    for (const auto &[m, count] : l.maskCounts)
      masks[maskToString(m, l.kernelH, l.kernelW)] = count;
    dense += l.macsDense;
    nonzero += l.macsNonzero;
    layers.push_back(llvm::json::Object{
        {"node", l.node},
        {"weight", l.weight},
        {"shape", llvm::json::Array{l.outChannels, l.inChannels, l.kernelH,
                                    l.kernelW}},
        {"group", l.group},
        {"status", l.status},
        {"connectivity", l.connectivity},
        {"kernels", l.kernels},
        {"non_empty_kernels", l.nonEmptyKernels},
        {"weights", l.weights},
        {"nonzero_weights", l.nonzeroWeights},
        {"macs_dense", l.macsDense},
        {"macs_nonzero", l.macsNonzero},
        {"distinct_masks", (int64_t)l.maskCounts.size()},
        {"masks", std::move(masks)}});
  }
  llvm::json::Object root{
      {"options", llvm::json::Object{{"patterns", options.numPatterns},
                                     {"pattern_taps", options.patternTaps},
                                     {"connectivity", options.connectivity},
                                     {"filter_group", options.filterGroup},
                                     {"min_in_channels", options.minInChannels}}},
      {"changed", report.changed},
      {"libraries", std::move(libraries)},
      {"conv_macs_dense", dense},
      {"conv_macs_nonzero", nonzero},
      {"layers", std::move(layers)}};
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(root))) << "\n";
  return os.str();
}

std::string reportToText(const PruneReport &report) {
  std::string text;
  llvm::raw_string_ostream os(text);
  for (const auto &[size, masks] : report.libraries) {
    os << "pattern library " << size.first << "x" << size.second << ":";
    for (KernelMask m : masks)
      os << " " << maskToString(m, size.first, size.second);
    os << "\n";
  }
  os << llvm::formatv("{0,-28} {1,-14} {2,16} {3,8} {4,14} {5,14}  {6}\n",
                      "layer", "shape", "kernels kept", "masks",
                      "MACs dense", "MACs kept", "status");
  int64_t dense = 0, nonzero = 0;
  for (const LayerReport &l : report.layers) {
    std::string shape = llvm::formatv("{0}x{1}x{2}x{3}", l.outChannels,
                                      l.inChannels, l.kernelH, l.kernelW);
    std::string kept = llvm::formatv("{0}/{1}", l.nonEmptyKernels, l.kernels);
    std::string name = l.node.empty() ? l.weight : l.node;
    os << llvm::formatv("{0,-28} {1,-14} {2,16} {3,8} {4,14} {5,14}  {6}\n",
                        name, shape, kept, l.maskCounts.size(), l.macsDense,
                        l.macsNonzero, l.status);
    dense += l.macsDense;
    nonzero += l.macsNonzero;
  }
  os << llvm::formatv("conv MACs: {0} dense, {1} kept ({2:P1})\n", dense,
                      nonzero, dense ? double(nonzero) / dense : 0.0);
  return os.str();
}

} // namespace pat
