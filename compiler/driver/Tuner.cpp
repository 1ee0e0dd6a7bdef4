//===- Tuner.cpp - Per-layer auto-tuning (patc --tune) ----------*- C++ -*-===//
//
// Part of patc.
//
//===----------------------------------------------------------------------===//

#include "compiler/driver/Tuner.h"
#include "pat_runtime.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <dlfcn.h>
#include <map>

using namespace llvm;

namespace pat {
namespace {

using InfoFn = const pat_model_info *(*)();
using CreateFn = pat_session *(*)(const pat_session_options *);
using RunFn = int (*)(pat_session *, const void *const *, void *const *);
using DestroyFn = void (*)(pat_session *);
using ErrorFn = const char *(*)();
using TuneFn = int (*)(pat_session *, const void *const *, void *const *,
                       int32_t, int32_t, void **, int64_t *);

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/// Model inputs: floats uniform in [-1, 1) from a fixed seed (realistic
/// activations for the first layer, and so for the rest after one run),
/// other types zero (valid indices and shapes).
std::vector<std::vector<char>> makeInputs(const pat_model_info *info) {
  std::vector<std::vector<char>> buffers;
  uint32_t state = 12345;
  for (int i = 0; i < info->num_inputs; ++i) {
    const pat_tensor_info &t = info->inputs[i];
    buffers.emplace_back(std::max<int64_t>(t.num_bytes, 1), 0);
    if (t.dtype != 1)
      continue;
    float *f = reinterpret_cast<float *>(buffers.back().data());
    for (int64_t k = 0; k < t.num_bytes / 4; ++k) {
      state = state * 1664525u + 1013904223u;
      f[k] = float(state >> 8) / float(1u << 23) - 1.0f;
    }
  }
  return buffers;
}

} // namespace

int runTuneWorker(int argc, char **argv) {
  if (argc != 7) {
    errs() << "usage: patc --tune-worker LIB PLAN THREADS ROUNDS MIN_MS "
              "(run by patc --tune)\n";
    return 2;
  }
  void *lib = dlopen(argv[2], RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    errs() << "cannot load the tuning build: " << dlerror() << "\n";
    return 1;
  }
  auto sym = [&](const char *name) { return dlsym(lib, name); };
  auto info = reinterpret_cast<InfoFn>(sym("pat_model_get_info"));
  auto create = reinterpret_cast<CreateFn>(sym("pat_session_create"));
  auto run = reinterpret_cast<RunFn>(sym("pat_session_run"));
  auto destroy = reinterpret_cast<DestroyFn>(sym("pat_session_destroy"));
  auto lastError = reinterpret_cast<ErrorFn>(sym("pat_last_error"));
  auto tune = reinterpret_cast<TuneFn>(sym("pat_tune_layer"));
  if (!info || !create || !run || !destroy || !lastError || !tune) {
    errs() << "the tuning build lacks the pat_* entry points\n";
    return 1;
  }
  int threads = atoi(argv[4]), rounds = std::max(1, atoi(argv[5]));
  double minMillis = atof(argv[6]);
  std::vector<std::pair<int32_t, int32_t>> plan; // layer, variants
  for (StringRef item : split(StringRef(argv[3]), ',')) {
    auto [l, v] = item.split(':');
    int32_t layer, variants;
    if (item.empty() || l.getAsInteger(10, layer) || v.getAsInteger(10, variants)) {
      errs() << "bad tuning plan item '" << item << "'\n";
      return 2;
    }
    plan.push_back({layer, variants});
  }

  const pat_model_info *model = info();
  pat_session_options options = {threads};
  pat_session *session = create(&options);
  if (!session) {
    errs() << "cannot create a session: " << lastError() << "\n";
    return 1;
  }
  auto cleanup = make_scope_exit([&] { destroy(session); });
  std::vector<std::vector<char>> inputs = makeInputs(model), outputs;
  for (int i = 0; i < model->num_outputs; ++i)
    outputs.emplace_back(std::max<int64_t>(model->outputs[i].num_bytes, 1), 0);
  std::vector<const void *> in;
  std::vector<void *> out;
  for (auto &b : inputs)
    in.push_back(b.data());
  for (auto &b : outputs)
    out.push_back(b.data());
  // One real run leaves every layer's input in the arena: candidates then
  // see realistic data (its sparsity, no denormals from garbage).
  if (run(session, in.data(), out.data()) != 0) {
    errs() << "the model failed to run: " << lastError() << "\n";
    return 1;
  }

  using Clock = std::chrono::steady_clock;
  void *result = nullptr;
  int64_t resultBytes = 0;
  auto timeRuns = [&](int32_t layer, int32_t variant, int64_t reps) {
    auto t0 = Clock::now();
    for (int64_t r = 0; r < reps; ++r)
      if (tune(session, in.data(), out.data(), layer, variant, &result,
               &resultBytes) != 0)
        return -1.0;
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count() /
           double(reps);
  };
  for (auto [layer, variants] : plan) {
    // Run every candidate once and compare its output with the cost model's
    // choice (variant 0): a candidate that differs is a code-generation bug
    // and must not be kept. Then time one more run of each, and size the
    // repeat count on the fastest so each timing lasts about minMillis.
    double fastest = 1e30;
    std::vector<float> reference;
    std::vector<double> diffs(variants, 0.0);
    for (int32_t v = 0; v < variants; ++v) {
      if (timeRuns(layer, v, 1) < 0) {
        errs() << "layer " << layer << " has no variant " << v << "\n";
        return 1;
      }
      // NaN everywhere first: an output the candidate does not write shows.
      std::memset(result, 0xff, size_t(resultBytes));
      timeRuns(layer, v, 1);
      const float *data = static_cast<const float *>(result);
      size_t n = size_t(resultBytes / 4);
      if (v == 0) {
        reference.assign(data, data + n);
      } else {
        double scale = 0, worst = 0;
        for (size_t i = 0; i < n; ++i) {
          scale = std::max(scale, double(std::fabs(reference[i])));
          bool nanA = std::isnan(reference[i]), nanB = std::isnan(data[i]);
          double d = nanA || nanB ? (nanA == nanB ? 0.0 : INFINITY)
                                  : std::fabs(double(reference[i]) - data[i]);
          worst = std::max(worst, d);
        }
        diffs[v] = worst / std::max(scale, 1e-30);
      }
      fastest = std::min(fastest, timeRuns(layer, v, 1));
    }
    int64_t reps = std::clamp<int64_t>(
        int64_t(minMillis / std::max(fastest, 1e-6)) + 1, 1, 10000);
    std::vector<std::vector<double>> times(variants);
    for (int round = 0; round < rounds; ++round)
      for (int32_t v = 0; v < variants; ++v)
        times[v].push_back(timeRuns(layer, v, reps));
    for (int32_t v = 0; v < variants; ++v)
      outs() << layer << " " << v << " " << format("%.6f", median(times[v]))
             << " " << format("%g", diffs[v]) << "\n";
  }
  outs().flush();
  return 0;
}

bool tuneLayers(const EmittedModel &tuningModel, const Target &target,
                const ToolchainOptions &toolchain, const TuneOptions &options,
                const std::string &patcExecutable,
                std::vector<LayerTiming> &timings, std::string &error) {
  timings.clear();
  if (tuningModel.tunable.empty())
    return true;
  TempDirectory temp("patc-tune", toolchain.keepTemps, error);
  if (temp.path().empty())
    return false;
  const std::string &tmp = temp.path();
  std::string library = tmp + "/tune.so";
  if (!buildModel(tuningModel, target, toolchain, /*shared=*/true, library,
                  error)) {
    error = "building the tuning library: " + error;
    return false;
  }

  std::string plan;
  for (const TunableLayer &t : tuningModel.tunable)
    plan += (plan.empty() ? "" : ",") + std::to_string(t.layer) + ":" +
            std::to_string(t.candidates.size());
  std::string threads = std::to_string(options.threads);
  std::string rounds = std::to_string(options.rounds);
  std::string minMillis = std::to_string(options.minMillis);
  std::vector<StringRef> args = {patcExecutable, "--tune-worker", library,
                                 plan, threads, rounds, minMillis};
  std::string outFile = tmp + "/timings.txt", errFile = tmp + "/worker.log";
  std::optional<StringRef> redirects[] = {std::nullopt, StringRef(outFile),
                                          StringRef(errFile)};
  std::string message;
  int rc = sys::ExecuteAndWait(patcExecutable, args, std::nullopt, redirects,
                               /*SecondsToWait=*/0, /*MemoryLimit=*/0, &message);
  auto log = MemoryBuffer::getFile(errFile);
  std::string details = log ? (*log)->getBuffer().trim().str() : "";
  if (rc != 0) {
    error = "timing the candidates failed (" +
            (message.empty() ? "exit code " + std::to_string(rc) : message) +
            ")" + (details.empty() ? "" : ": " + details) +
            "; --tune runs the model on this machine, so the target must be "
            "one it can run";
    return false;
  }

  // Lines "layer variant median_ms relative_difference".
  std::map<std::pair<int64_t, int64_t>, std::pair<double, double>> measured;
  if (auto buf = MemoryBuffer::getFile(outFile))
    for (StringRef line : split((*buf)->getBuffer(), '\n')) {
      SmallVector<StringRef, 4> f;
      line.split(f, ' ', -1, false);
      int64_t layer, variant;
      double ms, diff;
      if (f.size() == 4 && !f[0].getAsInteger(10, layer) &&
          !f[1].getAsInteger(10, variant) && !f[2].getAsDouble(ms) &&
          !f[3].getAsDouble(diff))
        measured[{layer, variant}] = {ms, diff};
    }
  for (const TunableLayer &t : tuningModel.tunable) {
    LayerTiming timing{t, {}, {}, 0};
    for (size_t v = 0; v < t.candidates.size(); ++v) {
      auto it = measured.find({t.layer, int64_t(v)});
      if (it == measured.end()) {
        error = "the tuning run reported no time for layer " +
                std::to_string(t.layer) + " candidate " + std::to_string(v);
        return false;
      }
      timing.millis.push_back(it->second.first);
      timing.differences.push_back(it->second.second);
    }
    for (size_t v = 1; v < t.candidates.size(); ++v) {
      bool same = timing.differences[v] <= options.tolerance;
      if (!same)
        errs() << "patc: warning: --tune: layer " << t.layer << " (" << t.op
               << "): candidate '" << t.candidates[v].describe()
               << "' differs from '" << t.candidates[0].describe()
               << "' by " << timing.differences[v]
               << " of the output's scale; not used (a patc bug: please "
                  "report it)\n";
      if (same && timing.millis[v] < timing.millis[timing.best] &&
          timing.millis[v] < timing.millis[0] * (1 - options.margin))
        timing.best = v;
    }
    timings.push_back(std::move(timing));
  }
  return true;
}

} // namespace pat
