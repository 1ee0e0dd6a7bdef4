//===- Npy.h - Reading and writing NumPy .npy files -------------*- C++ -*-===//
//
// Part of patc (pat-run). Version 1.0-3.0 headers, C order, little endian.
//
//===----------------------------------------------------------------------===//

#ifndef PAT_TOOLS_PATRUN_NPY_H
#define PAT_TOOLS_PATRUN_NPY_H

#include <cstdint>
#include <string>
#include <vector>

namespace pat {

struct NpyArray {
  std::string descr; ///< NumPy dtype string, e.g. "<f4".
  std::vector<int64_t> shape;
  std::vector<char> data;
};

/// numpy descr for an ONNX dtype code, or "" if unknown.
std::string npyDescrForDType(int32_t dtype);

bool readNpy(const std::string &path, NpyArray &out, std::string &error);
bool writeNpy(const std::string &path, const NpyArray &array,
              std::string &error);

} // namespace pat

#endif // PAT_TOOLS_PATRUN_NPY_H
