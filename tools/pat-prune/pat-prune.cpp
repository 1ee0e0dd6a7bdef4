//===- pat-prune.cpp - Pattern + connectivity pruning of ONNX models ------===//
//
// Part of patc. `pat-prune model.onnx -o model-pat.onnx --patterns 8
// --connectivity 3.6` zeroes conv weights PatDNN-style (see Pruner.h) and
// prints a per-layer report; the graph is otherwise unchanged.
//
//===----------------------------------------------------------------------===//

#include "Pruner.h"
#include "compiler/onnx/OnnxLoader.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace {
cl::OptionCategory category("pat-prune options");
cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.onnx>"),
                               cl::Required, cl::cat(category));
cl::opt<std::string> outputFile(
    "o", cl::desc("Pruned model to write (omit to only report)"),
    cl::value_desc("file"), cl::cat(category));
cl::opt<int64_t> numPatterns("patterns",
                             cl::desc("Pattern library size K (default 8)"),
                             cl::init(8), cl::cat(category));
cl::opt<int64_t> patternTaps(
    "pattern-taps", cl::desc("Taps kept per kernel, centre included "
                             "(default 4)"),
    cl::init(4), cl::cat(category));
cl::opt<double> connectivity(
    "connectivity",
    cl::desc("Keep 1/R of each layer's kernels by L2 norm (default 1: no "
             "connectivity pruning)"),
    cl::value_desc("R"), cl::init(1.0), cl::cat(category));
cl::list<std::string> layerConnectivity(
    "layer-connectivity",
    cl::desc("Per-layer R, by Conv node or weight name (repeatable)"),
    cl::value_desc("name=R"), cl::cat(category));
cl::list<std::string> skipLayers(
    "skip-layer", cl::desc("Leave this Conv (node or weight name) dense "
                           "(repeatable)"),
    cl::value_desc("name"), cl::cat(category));
cl::opt<int64_t> minInChannels(
    "min-in-channels",
    cl::desc("Leave convs with fewer input channels dense, e.g. the first "
             "conv (default 4)"),
    cl::init(4), cl::cat(category));
cl::opt<int64_t> filterGroup(
    "filter-group",
    cl::desc("Prune the kernels of G consecutive filters at one input channel "
             "together (one pattern, kept or removed as one), so patc can "
             "share input loads across them (default 1: kernel by kernel)"),
    cl::value_desc("G"), cl::init(1), cl::cat(category));
cl::opt<bool> allKernelSizes(
    "all-kernel-sizes",
    cl::desc("Also prune odd square kernels other than 3x3 (5x5, 7x7)"),
    cl::cat(category));
cl::opt<std::string> reportFile("report",
                                cl::desc("Also write the report as JSON"),
                                cl::value_desc("file.json"), cl::cat(category));
cl::opt<bool> quiet("quiet", cl::desc("Do not print the report"),
                    cl::cat(category));

int fail(const Twine &msg) {
  errs() << "pat-prune: error: " << msg << "\n";
  return 1;
}

/// Writes `data` to `path` through a temporary file and a rename.
bool writeAtomically(const std::string &path, StringRef data,
                     std::string &error) {
  std::string partial = path + ".partial";
  {
    std::error_code ec;
    raw_fd_ostream os(partial, ec);
    if (ec) {
      error = "cannot write '" + partial + "': " + ec.message();
      return false;
    }
    os << data;
    os.close();
    if (os.has_error()) {
      error = "cannot write '" + partial + "': " + os.error().message();
      os.clear_error();
      sys::fs::remove(partial);
      return false;
    }
  }
  if (auto ec = sys::fs::rename(partial, path)) {
    sys::fs::remove(partial);
    error = "cannot rename to '" + path + "': " + ec.message();
    return false;
  }
  return true;
}
} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "pat-prune: pattern and connectivity pruning of ONNX conv weights\n\n"
      "  pat-prune model.onnx -o model-pat.onnx --patterns 8 --connectivity "
      "3.6\n");

  pat::PruneOptions options;
  options.numPatterns = numPatterns;
  options.patternTaps = patternTaps;
  options.connectivity = connectivity;
  options.minInChannels = minInChannels;
  options.filterGroup = filterGroup;
  options.allKernelSizes = allKernelSizes;
  for (const std::string &spec : layerConnectivity) {
    auto [name, value] = StringRef(spec).rsplit('=');
    double r;
    if (name.empty() || value.getAsDouble(r))
      return fail("--layer-connectivity '" + spec + "' is not NAME=R");
    options.layerConnectivity[name.str()] = r;
  }
  for (const std::string &name : skipLayers)
    options.skipLayers.insert(name);

  onnx::ModelProto model;
  std::string error;
  if (!pat::loadOnnxModel(inputFile, model, error))
    return fail(error);
  pat::PruneReport report;
  if (!pat::pruneModel(model, options, report, error))
    return fail(inputFile + ": " + error);

  if (!quiet) {
    outs() << pat::reportToText(report);
    if (!report.changed)
      outs() << "nothing to prune: weights left unchanged\n";
  }
  if (!reportFile.empty() &&
      !writeAtomically(reportFile, pat::reportToJson(report, options), error))
    return fail(error);
  if (!outputFile.empty()) {
    if (model.ByteSizeLong() > (size_t(2) << 30) - 1)
      return fail("the pruned model is larger than 2 GiB, which ONNX "
                  "protobuf files cannot hold");
    std::string bytes;
    if (!model.SerializeToString(&bytes))
      return fail("cannot serialise the pruned model");
    if (!writeAtomically(outputFile, bytes, error))
      return fail(error);
  }
  return 0;
}
