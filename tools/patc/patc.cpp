//===- patc.cpp - The patc compiler driver ----------------------*- C++ -*-===//
//
// Part of patc. `patc model.onnx -o model.so`: ONNX -> pat dialect -> graph
// passes -> C -> the system C compiler.
//
//===----------------------------------------------------------------------===//

#include "compiler/Target.h"
#include "compiler/codegen/CEmitter.h"
#include "compiler/codegen/PatternTiles.h"
#include "compiler/driver/ScheduleFile.h"
#include "compiler/driver/Toolchain.h"
#include "compiler/driver/Tuner.h"
#include "compiler/onnx/OnnxImporter.h"
#include "compiler/onnx/OnnxLoader.h"
#include "dialects/pat/KernelMasks.h"
#include "dialects/pat/PatOps.h"
#include "passes/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;
using namespace mlir;

namespace {
cl::OptionCategory patcCategory("patc options");

cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.onnx>"),
                               cl::Required, cl::cat(patcCategory));
cl::opt<std::string> outputFile("o", cl::desc("Output file ('-' = stdout "
                                              "for --emit=mlir and c)"),
                                cl::value_desc("file"), cl::cat(patcCategory));
enum class Emit { ImportedMlir, Mlir, C, Obj, So };
cl::opt<Emit> emit(
    "emit", cl::desc("What to produce"), cl::init(Emit::So),
    cl::values(clEnumValN(Emit::ImportedMlir, "mlir-import",
                          "pat dialect straight from the importer"),
               clEnumValN(Emit::Mlir, "mlir", "pat dialect after the graph passes"),
               clEnumValN(Emit::C, "c",
                          "C sources: with -o DIR a buildable tree "
                          "(model.c, weights, runtime, Makefile); -o - prints model.c"),
               clEnumValN(Emit::Obj, "obj", "one relocatable object file"),
               clEnumValN(Emit::So, "so", "a shared library (default)")),
    cl::cat(patcCategory));
cl::opt<std::string> targetName(
    "target", cl::desc("Code-generation target: host (default), generic, "
                       "x86-64-v3 (AVX2), x86-64-v4 (AVX-512), aarch64 "
                       "(NEON; cross-compiled where patc is not on Arm)"),
    cl::init("host"), cl::cat(patcCategory));
cl::opt<std::string> ccOption(
    "cc", cl::desc("C compiler command (default: for --target=aarch64 "
                   "on another architecture aarch64-linux-gnu-gcc, else "
                   "$PATC_CC, else $CC, else cc)"),
    cl::cat(patcCategory));
cl::opt<std::string> cflags(
    "cflags", cl::desc("Optimisation flags for the C compiler (default -O3); "
                       "target and ABI flags are always added"),
    cl::init("-O3"), cl::cat(patcCategory));
cl::list<std::string> inputShapes(
    "input-shape", cl::desc("Fix an input's shape, e.g. input=1x3x224x224 "
                            "(repeatable)"),
    cl::value_desc("name=DxDx..."), cl::cat(patcCategory));
cl::opt<std::string> sparseMode(
    "sparse",
    cl::desc("Pattern execution of pruned convs: auto (cost model, default), "
             "always (every eligible conv), never (all dense)"),
    cl::init("auto"), cl::cat(patcCategory));
cl::opt<pat::PatternTileMode> patternTiles(
    "pattern-tiles",
    cl::desc("Tiles of pattern convolutions (docs/sparsity.md)"),
    cl::values(clEnumValN(pat::PatternTileMode::Auto, "auto",
                          "per layer, the cheaper by the cost model (default)"),
               clEnumValN(pat::PatternTileMode::Rows, "rows",
                          "row tiles: rows x vectors along the output width"),
               clEnumValN(pat::PatternTileMode::Flat, "flat",
                          "flat tiles wherever the plane fits the registers: vectors "
                          "across rows of a zero-padded input copy"),
               clEnumValN(pat::PatternTileMode::Channels, "channels",
                          "channel-major tiles wherever they apply (stride 1 or 2): each "
                          "channel's input loaded once for all its kernels")),
    cl::init(pat::PatternTileMode::Auto), cl::cat(patcCategory));
cl::opt<pat::GemmKernelMode> gemmKernel(
    "gemm-kernel",
    cl::desc("Kernel of dense convolutions (docs/architecture.md)"),
    cl::values(clEnumValN(pat::GemmKernelMode::Auto, "auto",
                          "per layer, by the vector lanes each fills "
                          "(default)"),
               clEnumValN(pat::GemmKernelMode::Pixels, "pixels",
                          "output pixels on the lanes, MR x NR tiles over "
                          "im2col columns"),
               clEnumValN(pat::GemmKernelMode::Channels, "channels",
                          "output channels on the lanes, blocks of pixels, "
                          "input bands instead of im2col")),
    cl::init(pat::GemmKernelMode::Auto), cl::cat(patcCategory));
cl::opt<bool> tune(
    "tune",
    cl::desc("Time every tunable layer's candidates (pattern tiles, GEMM "
             "kernels) on this machine and keep the fastest; the target must "
             "run here (docs/tuning.md)"),
    cl::cat(patcCategory));
cl::opt<int> tuneThreads(
    "tune-threads",
    cl::desc("Threads the candidates run on while tuning (default 1)"),
    cl::init(1), cl::cat(patcCategory));
cl::opt<int> tuneRounds(
    "tune-rounds",
    cl::desc("Interleaved timing rounds per candidate; medians count "
             "(default 7)"),
    cl::init(7), cl::cat(patcCategory));
cl::opt<std::string> scheduleFile(
    "schedule",
    cl::desc("Apply per-layer schedules from a file --save-schedule wrote "
             "(a tuned model rebuilt without timing it again)"),
    cl::value_desc("file.json"), cl::cat(patcCategory));
cl::opt<std::string> saveSchedule(
    "save-schedule",
    cl::desc("Write the schedule each tunable layer was emitted with (after "
             "--tune: the measured choice) as JSON"),
    cl::value_desc("file.json"), cl::cat(patcCategory));
cl::opt<bool> keepTemps("keep-temps", cl::desc("Keep the C build directory"),
                        cl::cat(patcCategory));
cl::opt<bool> verbose("v", cl::desc("Print the C compiler commands"),
                      cl::cat(patcCategory));

int fail(const Twine &msg) {
  errs() << "patc: error: " << msg << "\n";
  return 1;
}

bool parseInputShapes(pat::ImportOptions &options, std::string &error) {
  for (const std::string &spec : inputShapes) {
    auto [name, dims] = StringRef(spec).rsplit('=');
    if (name.empty() || dims.empty()) {
      error = "--input-shape '" + spec + "' is not NAME=D0xD1x...";
      return false;
    }
    std::vector<int64_t> shape;
    for (StringRef d : split(dims, 'x')) {
      int64_t v;
      if (d.getAsInteger(10, v) || v < 0) {
        error = "--input-shape '" + spec + "': '" + d.str() +
                "' is not a non-negative integer";
        return false;
      }
      shape.push_back(v);
    }
    options.inputShapes[name.str()] = shape;
  }
  return true;
}

int64_t convMacs(pat::Conv2DOp op) {
  auto out = op.getType().getShape();
  auto w = llvm::cast<RankedTensorType>(op.getWeight().getType()).getShape();
  return out[0] * out[1] * out[2] * out[3] * w[1] * w[2] * w[3];
}

/// Dense MACs of a pattern conv.
int64_t convMacs(pat::PatternConv2DOp op) {
  auto out = op.getType().getShape();
  pat::PatternSetAttr patterns = op.getPatterns();
  return out[0] * out[1] * out[2] * out[3] * op.getInput().getType().getShape()[1] *
         patterns.getKernelH() * patterns.getKernelW();
}

/// Per analysed conv: the path chosen and why, its patterns, kernels kept,
/// MACs and, for pattern layers, the FKW index bytes against CSR.
void printSparsityStats(func::FuncOp func) {
  int64_t index = 0;
  bool header = false;
  func.walk([&](Operation *op) {
    if (isa<pat::ConstantOp, func::ReturnOp, func::FuncOp>(op) ||
        op->getNumResults() != 1)
      return;
    int64_t layer = index++;
    auto info = op->getAttrOfType<DictionaryAttr>("pat.sparsity");
    if (!info)
      return;
    if (!header)
      outs() << "\nsparsity (pat-sparsity-analysis, --sparse):\n";
    header = true;
    auto num = [&](StringRef key) -> int64_t {
      auto a = info.getAs<IntegerAttr>(key);
      return a ? a.getInt() : -1;
    };
    auto str = [&](StringRef key) {
      auto a = info.getAs<StringAttr>(key);
      return a ? a.getValue().str() : std::string("?");
    };
    outs() << "layer " << layer << ": " << str("path") << " -- " << str("reason")
           << "\n";
    if (num("kernels") >= 0)
      outs() << "  kernels kept " << num("kernels") - num("empty_kernels")
             << "/" << num("kernels") << ", distinct masks "
             << num("distinct_masks") << ", MACs dense " << num("macs_dense")
             << ", non-zero " << num("macs_nonzero") << ", pattern path "
             << num("macs_pattern") << "\n";
    auto pconv = dyn_cast<pat::PatternConv2DOp>(op);
    if (!pconv)
      return;
    pat::PatternSetAttr patterns = pconv.getPatterns();
    outs() << "  patterns";
    for (uint64_t m : patterns.getMasks())
      outs() << " " << pat::maskToString(m, patterns.getKernelH(), patterns.getKernelW());
    outs() << "\n";
    if (pat::FkwAttr fkw = pconv.getFkwAttr()) {
      int64_t filters = fkw.getReorder().size(), kernels = fkw.getIndex().size();
      int64_t weights = llvm::cast<RankedTensorType>(pconv.getWeight().getType())
                            .getNumElements();
      int64_t fkwIndex = 4 * (fkw.getReorder().size() + fkw.getOffsets().size() +
                              fkw.getIndex().size() + fkw.getStride().size());
      // CSR over [filters][in_c * kH * kW]: a column index per stored
      // weight plus row pointers.
      int64_t csrIndex = 4 * (weights + filters + 1);
      int64_t inC = pconv.getInput().getType().getShape()[1];
      int64_t dense = 4 * filters * inC * patterns.getKernelH() * patterns.getKernelW();
      outs() << "  FKW: " << kernels << " kernels, " << weights
             << " weights (" << 4 * weights << " bytes, dense " << dense
             << "), index " << fkwIndex << " bytes vs CSR " << csrIndex
             << " bytes; FKR groups "
             << (pconv.getFilterGroups() ? pconv.getFilterGroups()->size() : 1)
             << "; filters per tile (sharing kernels) "
             << pat::sharedTileFilters(fkw.getStride().asArrayRef(),
                                       fkw.getIndex().asArrayRef(),
                                       patterns.getMasks().size(), filters)
             << "\n";
    }
  });
}

void printStats(ModuleOp module, const pat::Target &target,
                const pat::EmittedModel *emitted) {
  auto func = module.lookupSymbol<func::FuncOp>("main");
  outs() << "layer  op                 output shape        MACs          path\n";
  int64_t totalMacs = 0, index = 0;
  func.walk([&](Operation *op) {
    if (isa<pat::ConstantOp, func::ReturnOp, func::FuncOp>(op) ||
        op->getNumResults() != 1)
      return;
    std::string shape;
    for (int64_t d : llvm::cast<RankedTensorType>(op->getResult(0).getType())
                         .getShape())
      shape += (shape.empty() ? "" : "x") + std::to_string(d);
    int64_t macs = 0;
    std::string path = "-";
    if (auto conv = dyn_cast<pat::Conv2DOp>(op)) {
      macs = convMacs(conv);
      pat::GemmShape gemm = pat::gemmShapeOf(conv);
      switch (pat::denseConvPathOf(conv)) {
      case pat::DenseConvPath::Reference:
        path = "reference (run-time weights)";
        break;
      case pat::DenseConvPath::Depthwise:
        path = "depthwise direct";
        break;
      case pat::DenseConvPath::Gemm: {
        // The C emitter's choice (tuned or by the cost model).
        pat::GemmKernel kernel = pat::chooseGemmKernel(gemm, target, gemmKernel);
        if (emitted && emitted->emitted.count(index))
          kernel = emitted->emitted.at(index).schedule.gemm;
        path = gemm.pointwise ? "dense gemm (1x1)" : "dense gemm (implicit im2col)";
        if (kernel == pat::GemmKernel::Channels)
          path = pat::channelKernelUsesBands(gemm)
                     ? "dense gemm (input bands), channel-lane kernel"
                     : path + ", channel-lane kernel";
        break;
      }
      }
      if (conv.getResidual())
        path += " + residual";
      if (conv.getActivation() != "none")
        path += " + " + conv.getActivation().str();
    } else if (auto pconv = dyn_cast<pat::PatternConv2DOp>(op)) {
      auto out = pconv.getType().getShape();
      macs = out[0] * out[2] * out[3] *
             llvm::cast<RankedTensorType>(pconv.getWeight().getType())
                 .getNumElements();
      path = "pattern (FKW)";
      if (emitted && emitted->emitted.count(index)) {
        const pat::LayerSchedule &s = emitted->emitted.at(index).schedule;
        if (s.kind == pat::LayerSchedule::Kind::Gemm) {
          // --tune found the dense kernel faster: all MACs run.
          macs = convMacs(pconv);
          path = "dense gemm (--tune), " +
                 std::string(s.gemm == pat::GemmKernel::Channels ? "channel"
                                                                 : "pixel") +
                 "-lane kernel";
        } else {
          path += ", " + s.describe();
          if (!emitted->emitted.at(index).detail.empty())
            path += " " + emitted->emitted.at(index).detail;
          if (s.kind == pat::LayerSchedule::Kind::PatternRows && s.rows) {
            pat::PatternTileSpec spec;
            spec.strideW = pconv.getStrides()[1];
            spec.outW = out[3];
            if (pat::rowTilesUsePhases(spec.strideW))
              path += " on column phases";
            else if (pat::rowTilesUseStrips(spec, s.vecs, target))
              path += " on column strips";
          }
        }
      }
      if (pconv.getResidual())
        path += " + residual";
      if (pconv.getActivation() != "none")
        path += " + " + pconv.getActivation().str();
    } else if (auto gemm = dyn_cast<pat::GemmOp>(op)) {
      auto out = gemm.getType().getShape();
      auto a = llvm::cast<RankedTensorType>(gemm.getA().getType()).getShape();
      macs = out[0] * out[1] * (gemm.getTransA() ? a[0] : a[1]);
      path = pat::gemmSkipsZeroInputs(gemm) ? "dense rows (zero inputs skipped)"
                                             : "dense dot";
    }
    totalMacs += macs;
    outs() << format("%-6lld %-18s %-19s %-13lld %s\n", (long long)index++,
                     op->getName().getStringRef().drop_front(4).str().c_str(),
                     shape.c_str(), (long long)macs, path.c_str());
  });
  auto attr = [&](StringRef name) {
    auto a = func->getAttrOfType<IntegerAttr>(name);
    return a ? a.getInt() : 0;
  };
  outs() << "total MACs (executed): " << totalMacs << "\n";
  printSparsityStats(func);
  outs() << "peak activation memory (arena): " << attr("pat.arena_bytes")
         << " bytes\n";
  outs() << "weight bytes (as imported): " << attr("pat.weight_bytes") << "\n";
  if (emitted)
    outs() << "weight bytes (as linked, packed): " << emitted->weights.size()
           << "\n";
}

/// What --tune measured, per tunable layer: each candidate's median time,
/// the cost model's choice first.
void printTuning(const std::vector<pat::LayerTiming> &timings) {
  outs() << "\ntuning (--tune; median ms per run of the layer; first = the "
            "cost model's choice):\n";
  for (const pat::LayerTiming &t : timings) {
    outs() << "layer " << t.layer.layer << " " << t.layer.op << ":";
    for (size_t v = 0; v < t.millis.size(); ++v)
      outs() << (v ? "," : "") << " " << t.layer.candidates[v].describe() << " "
             << format("%.4f", t.millis[v]) << (v == t.best ? " [kept]" : "");
    outs() << "\n";
  }
}

bool writeText(const std::string &path, const std::function<void(raw_ostream &)> &fn,
               std::string &error) {
  std::error_code ec;
  auto file = std::make_unique<ToolOutputFile>(path, ec, sys::fs::OF_Text);
  if (ec) {
    error = "cannot write '" + path + "': " + ec.message();
    return false;
  }
  fn(file->os());
  file->keep();
  return true;
}
} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  // The child process of --tune (Tuner.h), not a user-facing mode.
  if (argc > 1 && StringRef(argv[1]) == "--tune-worker")
    return pat::runTuneWorker(argc, argv);
  // LLVM registers its own -stats (pass statistics); patc's --stats means
  // layer statistics, so take the name over before declaring it.
  if (auto *llvmStats = cl::getRegisteredOptions().lookup("stats"))
    llvmStats->removeArgument();
  cl::opt<bool> stats("stats", cl::desc("Print per-layer and memory statistics"),
                      cl::cat(patcCategory));
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  registerAsmPrinterCLOptions();
  cl::HideUnrelatedOptions({&patcCategory});
  cl::ParseCommandLineOptions(
      argc, argv,
      "patc: compiles an ONNX model into a shared library of C/SIMD kernels\n\n"
      "  patc model.onnx -o model.so\n"
      "  patc model.onnx --emit=mlir -o -\n\n"
      "MLIR pass-manager options (--mlir-print-ir-after-all, --mlir-timing,\n"
      "...) are accepted too; see --help-hidden.\n");

  if (outputFile.empty()) {
    if (emit == Emit::Mlir || emit == Emit::ImportedMlir)
      outputFile = "-";
    else
      return fail("no output file; use -o FILE");
  }
  if (outputFile == "-" && (emit == Emit::So || emit == Emit::Obj))
    return fail("--emit=so/obj cannot write to stdout");
  auto target = pat::lookupTarget(targetName);
  if (!target) {
    std::string names;
    for (const auto &t : pat::allTargets())
      names += " " + t.name;
    return fail("unknown --target '" + targetName + "' (known: host" + names +
                ")");
  }
  if (sparseMode != "auto" && sparseMode != "always" && sparseMode != "never")
    return fail("--sparse must be auto, always or never, got '" + sparseMode +
                "'");

  std::string error;
  pat::ImportOptions importOptions;
  if (!parseInputShapes(importOptions, error))
    return fail(error);
  onnx::ModelProto proto;
  if (!pat::loadOnnxModel(inputFile, proto, error))
    return fail(inputFile + ": " + error);

  MLIRContext context;
  OwningOpRef<ModuleOp> module =
      pat::importOnnxModel(context, proto, importOptions, error);
  proto.Clear(); // the IR owns copies of the weights from here on
  if (!module)
    return fail(inputFile + ": " + error);

  if (emit == Emit::ImportedMlir) {
    if (!writeText(outputFile, [&](raw_ostream &os) { module->print(os); },
                   error))
      return fail(error);
    return 0;
  }

  PassManager pm(&context);
  if (failed(applyPassManagerCLOptions(pm)))
    return fail("invalid pass-manager options");
  pat::GraphPipelineOptions pipelineOptions;
  pipelineOptions.sparse = sparseMode;
  pat::buildGraphPipeline(pm, pipelineOptions);
  if (failed(pm.run(*module)))
    return fail("the graph passes failed");

  if (emit == Emit::Mlir) {
    if (stats)
      printStats(*module, *target, nullptr);
    if (!writeText(outputFile, [&](raw_ostream &os) { module->print(os); },
                   error))
      return fail(error);
    return 0;
  }

  pat::ToolchainOptions tc;
  // $PATC_CC and $CC name this machine's compiler: a target of another
  // architecture uses its cross compiler unless --cc says otherwise.
  bool crossBuild =
      !pat::runsOnHost(*target) && !target->crossCompiler.empty();
  if (!ccOption.empty())
    tc.cc = ccOption;
  else if (crossBuild)
    tc.cc = target->crossCompiler;
  else if (const char *env = getenv("PATC_CC"))
    tc.cc = env;
  else if (const char *env = getenv("CC"))
    tc.cc = env;
  tc.optFlags = cflags;
  tc.keepTemps = keepTemps;
  tc.verbose = verbose;

  pat::EmittedModel emitted;
  pat::EmitOptions emitOptions;
  emitOptions.patternTiles = patternTiles;
  emitOptions.gemmKernel = gemmKernel;
  emitOptions.denseCandidates = tune && sparseMode == "auto";
  std::vector<pat::LayerTiming> timings;
  if (tune && !scheduleFile.empty())
    return fail("--tune and --schedule both choose the schedules; use one");
  if (!scheduleFile.empty() &&
      !pat::readScheduleFile(scheduleFile, target->name, emitOptions.schedules,
                             error))
    return fail(error);
  if (tune) {
    if (!pat::runsOnHost(*target))
      return fail("--tune times the candidates on this machine, which "
                  "cannot run target '" + target->name +
                  "'; tune on such a machine and pass --schedule here");
    if (tuneThreads < 1 || tuneRounds < 1)
      return fail("--tune-threads and --tune-rounds must be at least 1");
    pat::EmitOptions tuningOptions = emitOptions;
    tuningOptions.tuningEntry = true;
    pat::EmittedModel tuning;
    if (failed(pat::emitC(*module, *target, tuning, tuningOptions)))
      return fail("code generation failed");
    pat::TuneOptions tuneOptions;
    tuneOptions.threads = tuneThreads;
    tuneOptions.rounds = tuneRounds;
    std::string self =
        sys::fs::getMainExecutable(argv[0], reinterpret_cast<void *>(&fail));
    if (!pat::tuneLayers(tuning, *target, tc, tuneOptions, self, timings,
                         error))
      return fail("--tune: " + error);
    for (const pat::LayerTiming &t : timings)
      emitOptions.schedules[t.layer.layer] = {
          "", "", t.layer.candidates[t.best].describe()};
  }
  if (failed(pat::emitC(*module, *target, emitted, emitOptions)))
    return fail("code generation failed");
  if (!saveSchedule.empty() &&
      !pat::writeScheduleFile(saveSchedule, target->name, emitted, error))
    return fail(error);
  if (stats) {
    printStats(*module, *target, &emitted);
    if (tune)
      printTuning(timings);
  }

  if (emit == Emit::C) {
    if (outputFile == "-") {
      outs() << emitted.source;
      return 0;
    }
    // Build the tree beside the destination, then move it into place.
    std::string partial = outputFile + ".patc-tmp";
    sys::fs::remove_directories(partial);
    if (!pat::writeSourceTree(emitted, *target, partial, error)) {
      sys::fs::remove_directories(partial);
      return fail(error);
    }
    if (sys::fs::exists(outputFile) && !sys::fs::is_directory(outputFile))
      return fail("'" + outputFile + "' exists and is not a directory");
    sys::fs::remove_directories(outputFile);
    if (auto ec = sys::fs::rename(partial, outputFile))
      return fail("cannot write '" + outputFile + "': " + ec.message());
    return 0;
  }

  if (!pat::buildModel(emitted, *target, tc, emit == Emit::So, outputFile,
                       error))
    return fail(error);
  return 0;
}
