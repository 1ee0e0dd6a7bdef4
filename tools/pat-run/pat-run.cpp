//===- pat-run.cpp - Run a model compiled by patc ---------------*- C++ -*-===//
//
// Part of patc. Loads the .so, feeds .npy (or seeded random) inputs, writes
// each output as NAME.npy, prints a summary and, with --bench, latencies.
//
//===----------------------------------------------------------------------===//

#include "Npy.h"
#include "pat_runtime.h"
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <dlfcn.h>
#include <map>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

const char *kUsage =
    "usage: pat-run MODEL.so [FILE.npy ...] [options]\n"
    "\n"
    "Runs a model compiled by patc.\n"
    "\n"
    "  FILE.npy             inputs in model order (or use --input)\n"
    "  --input NAME=FILE    the input NAME from a .npy file (repeatable)\n"
    "  --seed N             seed for random inputs when none are given (0)\n"
    "  --output-dir DIR     write each output as DIR/NAME.npy\n"
    "  --threads N          threads of the session (default: all CPUs)\n"
    "  --bench N            after a warm-up, time N runs and print one JSON\n"
    "                       line with min/median/mean latency in ms\n"
    "  --warmup N           warm-up runs before --bench (default 3)\n"
    "  --quiet              do not print the output summary\n"
    "  --help               this text\n";

int fail(const std::string &msg) {
  fprintf(stderr, "pat-run: error: %s\n", msg.c_str());
  return 1;
}

std::string shapeStr(const int64_t *shape, int rank) {
  std::string s = "[";
  for (int i = 0; i < rank; ++i)
    s += (i ? "x" : "") + std::to_string(shape[i]);
  return s + "]";
}

/// Output file name: the tensor name with path separators replaced.
std::string safeFileName(std::string name) {
  for (char &c : name)
    if (c == '/' || c == '\\' || c == ':')
      c = '_';
  if (name.empty() || name == "." || name == "..")
    name = "output";
  return name;
}

double elementAsDouble(const char *p, int32_t dtype) {
  switch (dtype) {
  case PAT_DTYPE_FLOAT32: {
    float v;
    memcpy(&v, p, 4);
    return v;
  }
  case PAT_DTYPE_UINT8:
  case PAT_DTYPE_BOOL:
    return (uint8_t)*p;
  case PAT_DTYPE_INT8:
    return (int8_t)*p;
  case PAT_DTYPE_INT32: {
    int32_t v;
    memcpy(&v, p, 4);
    return v;
  }
  default: {
    int64_t v;
    memcpy(&v, p, 8);
    return (double)v;
  }
  }
}

void fillRandom(std::vector<char> &buf, int32_t dtype, std::mt19937 &rng) {
  if (dtype == PAT_DTYPE_FLOAT32) {
    std::uniform_real_distribution<float> dist(-1.f, 1.f);
    for (size_t i = 0; i + 4 <= buf.size(); i += 4) {
      float v = dist(rng);
      memcpy(&buf[i], &v, 4);
    }
  } else {
    std::uniform_int_distribution<int> dist(0, 9);
    size_t step = dtype == PAT_DTYPE_INT32 ? 4 : dtype == PAT_DTYPE_INT64 ? 8 : 1;
    for (size_t i = 0; i < buf.size(); i += step) {
      memset(&buf[i], 0, step);
      buf[i] = (char)(dtype == PAT_DTYPE_BOOL ? dist(rng) % 2 : dist(rng));
    }
  }
}

} // namespace

int main(int argc, char **argv) {
  std::string modelPath, outputDir;
  std::vector<std::string> positional;
  std::map<std::string, std::string> named;
  int threads = 0, bench = 0, warmup = 3;
  unsigned seed = 0;
  bool quiet = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char *flag) -> const char * {
      if (i + 1 >= argc) {
        fail(std::string(flag) + " needs a value");
        exit(1);
      }
      return argv[++i];
    };
    auto number = [&](const char *flag) {
      const char *v = value(flag);
      char *end;
      long n = strtol(v, &end, 10);
      if (*end || n < 0) {
        fail(std::string(flag) + " needs a non-negative integer, got '" + v + "'");
        exit(1);
      }
      return n;
    };
    if (a == "--help" || a == "-h") {
      fputs(kUsage, stdout);
      return 0;
    } else if (a == "--input") {
      std::string spec = value("--input");
      size_t eq = spec.rfind('=');
      if (eq == std::string::npos || eq == 0)
        return fail("--input '" + spec + "' is not NAME=FILE.npy");
      named[spec.substr(0, eq)] = spec.substr(eq + 1);
    } else if (a == "--seed") {
      seed = (unsigned)number("--seed");
    } else if (a == "--output-dir") {
      outputDir = value("--output-dir");
    } else if (a == "--threads") {
      threads = (int)number("--threads");
    } else if (a == "--bench") {
      bench = (int)number("--bench");
    } else if (a == "--warmup") {
      warmup = (int)number("--warmup");
    } else if (a == "--quiet") {
      quiet = true;
    } else if (a.rfind("--", 0) == 0) {
      return fail("unknown option '" + a + "' (see --help)");
    } else if (modelPath.empty()) {
      modelPath = a;
    } else {
      positional.push_back(a);
    }
  }
  if (modelPath.empty()) {
    fputs(kUsage, stderr);
    return 1;
  }
  if (modelPath.find('/') == std::string::npos)
    modelPath = "./" + modelPath; // dlopen would search the library path
  void *lib = dlopen(modelPath.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib)
    return fail(std::string("cannot load model: ") + dlerror());
  auto getInfo = (const pat_model_info *(*)())dlsym(lib, "pat_model_get_info");
  auto create = (pat_session * (*)(const pat_session_options *))
      dlsym(lib, "pat_session_create");
  auto run = (int (*)(pat_session *, const void *const *, void *const *))
      dlsym(lib, "pat_session_run");
  auto destroy = (void (*)(pat_session *))dlsym(lib, "pat_session_destroy");
  auto lastError = (const char *(*)())dlsym(lib, "pat_last_error");
  auto numThreads =
      (int32_t(*)(const pat_session *))dlsym(lib, "pat_session_num_threads");
  if (!getInfo || !create || !run || !destroy || !lastError || !numThreads)
    return fail("'" + modelPath + "' is not a patc model (missing pat_* symbols)");
  const pat_model_info *info = getInfo();
  if (info->abi_version != PAT_ABI_VERSION)
    return fail("model ABI version " + std::to_string(info->abi_version) +
                " but pat-run expects " + std::to_string(PAT_ABI_VERSION));

  if (!positional.empty() && !named.empty())
    return fail("give inputs either positionally or with --input, not both");
  if (!positional.empty() && (int)positional.size() != info->num_inputs)
    return fail("the model has " + std::to_string(info->num_inputs) +
                " inputs but " + std::to_string(positional.size()) +
                " files were given");
  for (const auto &[name, file] : named) {
    bool known = false;
    for (int i = 0; i < info->num_inputs; ++i)
      known |= name == info->inputs[i].name;
    if (!known)
      return fail("--input names '" + name + "', which is not a model input");
  }

  // The session first: it reports an arena it cannot allocate. Then the
  // inputs' and outputs' buffers, which must fit in this machine's memory
  // (pat-run has no exceptions; a failed allocation would abort).
  pat_session_options options = {threads};
  pat_session *session = create(&options);
  if (!session)
    return fail(std::string("cannot create a session: ") + lastError());
  double ioBytes = 0;
  for (int i = 0; i < info->num_inputs; ++i)
    ioBytes += (double)info->inputs[i].num_bytes;
  for (int i = 0; i < info->num_outputs; ++i)
    ioBytes += (double)info->outputs[i].num_bytes;
  double memory = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE);
  if (memory > 0 && ioBytes > memory)
    return fail("the model's inputs and outputs take " +
                std::to_string((long long)ioBytes) + " bytes, more than this "
                "machine's " + std::to_string((long long)memory) +
                " bytes of memory");

  std::mt19937 rng(seed);
  std::vector<std::vector<char>> inputs(info->num_inputs);
  for (int i = 0; i < info->num_inputs; ++i) {
    const pat_tensor_info &t = info->inputs[i];
    std::string file = !positional.empty() ? positional[i]
                       : named.count(t.name) ? named[t.name]
                                             : "";
    if (file.empty()) {
      inputs[i].resize(t.num_bytes);
      fillRandom(inputs[i], t.dtype, rng);
      continue;
    }
    pat::NpyArray arr;
    std::string error;
    if (!pat::readNpy(file, arr, error))
      return fail(error);
    if (arr.descr != pat::npyDescrForDType(t.dtype))
      return fail("input '" + std::string(t.name) + "' expects dtype " +
                  pat::npyDescrForDType(t.dtype) + " but '" + file + "' holds " +
                  arr.descr);
    if (arr.shape != std::vector<int64_t>(t.shape, t.shape + t.rank))
      return fail("input '" + std::string(t.name) + "' expects shape " +
                  shapeStr(t.shape, t.rank) + " but '" + file + "' has " +
                  shapeStr(arr.shape.data(), (int)arr.shape.size()));
    inputs[i] = std::move(arr.data);
  }
  std::vector<std::vector<char>> outputs(info->num_outputs);
  std::vector<const void *> inPtrs;
  std::vector<void *> outPtrs;
  for (auto &b : inputs) {
    b.reserve(1); // a 0-byte tensor still gets a valid pointer
    inPtrs.push_back(b.data());
  }
  for (int i = 0; i < info->num_outputs; ++i) {
    outputs[i].resize(info->outputs[i].num_bytes + 1);
    outPtrs.push_back(outputs[i].data());
  }

  threads = numThreads(session);
  auto runOnce = [&]() {
    auto t0 = std::chrono::steady_clock::now();
    if (run(session, inPtrs.data(), outPtrs.data()) != 0) {
      fail(std::string("run failed: ") + lastError());
      exit(1);
    }
    return std::chrono::duration<double, std::milli>(
               std::chrono::steady_clock::now() - t0)
        .count();
  };
  double first = runOnce();

  if (!quiet) {
    for (int i = 0; i < info->num_outputs; ++i) {
      const pat_tensor_info &t = info->outputs[i];
      int64_t size = pat::npyDescrForDType(t.dtype) == "<i8" ? 8
                     : t.dtype == PAT_DTYPE_FLOAT32 || t.dtype == PAT_DTYPE_INT32 ? 4
                                                                                  : 1;
      int64_t n = t.num_bytes / size;
      double lo = INFINITY, hi = -INFINITY, sum = 0;
      for (int64_t e = 0; e < n; ++e) {
        double v = elementAsDouble(outputs[i].data() + e * size, t.dtype);
        lo = std::min(lo, v);
        hi = std::max(hi, v);
        sum += v;
      }
      printf("output '%s' %s %s: min %.6g max %.6g mean %.6g\n", t.name,
             pat::npyDescrForDType(t.dtype).c_str(),
             shapeStr(t.shape, t.rank).c_str(), lo, hi, n ? sum / n : 0.0);
    }
    printf("latency (first run, %d threads): %.3f ms\n", (int)threads, first);
  }
  if (!outputDir.empty()) {
    for (int i = 0; i < info->num_outputs; ++i) {
      const pat_tensor_info &t = info->outputs[i];
      pat::NpyArray arr{pat::npyDescrForDType(t.dtype),
                        std::vector<int64_t>(t.shape, t.shape + t.rank),
                        std::vector<char>(outputs[i].begin(),
                                          outputs[i].begin() + t.num_bytes)};
      std::string error;
      if (!pat::writeNpy(outputDir + "/" + safeFileName(t.name) + ".npy", arr,
                         error))
        return fail(error);
    }
  }
  if (bench > 0) {
    for (int i = 0; i < warmup; ++i)
      runOnce();
    std::vector<double> times;
    for (int i = 0; i < bench; ++i)
      times.push_back(runOnce());
    std::vector<double> sorted = times;
    std::sort(sorted.begin(), sorted.end());
    double mean = 0;
    for (double t : times)
      mean += t / times.size();
    double median = sorted.size() % 2 ? sorted[sorted.size() / 2]
                                      : (sorted[sorted.size() / 2 - 1] +
                                         sorted[sorted.size() / 2]) / 2;
    printf("{\"runs\": %d, \"threads\": %d, \"min_ms\": %.4f, \"median_ms\": "
           "%.4f, \"mean_ms\": %.4f}\n",
           bench, threads, sorted[0],
           median, mean);
  }
  destroy(session);
  return 0;
}
