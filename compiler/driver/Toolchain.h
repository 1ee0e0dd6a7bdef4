//===- Toolchain.h - Building a model library with the C compiler -*- C++ -*-===//
//
// Part of patc.
//
//===----------------------------------------------------------------------===//

#ifndef PAT_COMPILER_DRIVER_TOOLCHAIN_H
#define PAT_COMPILER_DRIVER_TOOLCHAIN_H

#include "compiler/Target.h"
#include "compiler/codegen/CEmitter.h"
#include <string>
#include <vector>

namespace pat {

struct ToolchainOptions {
  std::string cc = "cc";          ///< May hold a launcher: "ccache gcc".
  std::string optFlags = "-O3";   ///< Replaced by --cflags.
  bool keepTemps = false;
  bool verbose = false;
};

/// A temporary directory removed when this goes out of scope, unless
/// `keep` (--keep-temps), in which case its path is printed.
class TempDirectory {
public:
  /// Creates "<prefix>-XXXXXX" in the system's temporary folder; empty
  /// path() and `error` set on failure.
  TempDirectory(const std::string &prefix, bool keep, std::string &error);
  ~TempDirectory();
  TempDirectory(const TempDirectory &) = delete;
  TempDirectory &operator=(const TempDirectory &) = delete;
  const std::string &path() const { return dir; }

private:
  std::string dir;
  bool keep;
};

/// Writes a self-contained source tree (model.c, weights, the runtime and
/// kernel sources, a Makefile) into `dir`.
/// weights.S includes the blob as `weightsFile`: relative (the Makefile
/// runs in `dir`) or absolute (patc's own build, see buildModel).
bool writeSourceTree(const EmittedModel &model, const Target &target,
                     const std::string &dir, std::string &error,
                     const std::string &weightsFile = "weights.bin");

/// Compiles the model into `output`: a shared library (`shared`) or one
/// relocatable object. The file appears only when the build succeeded.
bool buildModel(const EmittedModel &model, const Target &target,
                const ToolchainOptions &options, bool shared,
                const std::string &output, std::string &error);

} // namespace pat

#endif // PAT_COMPILER_DRIVER_TOOLCHAIN_H
