//===- Npy.cpp - Reading and writing NumPy .npy files -----------*- C++ -*-===//
//
// Part of patc (pat-run).
//
//===----------------------------------------------------------------------===//

#include "Npy.h"
#include <cstring>
#include <fstream>

namespace pat {

std::string npyDescrForDType(int32_t dtype) {
  switch (dtype) {
  case 1:
    return "<f4";
  case 2:
    return "|u1";
  case 3:
    return "|i1";
  case 6:
    return "<i4";
  case 7:
    return "<i8";
  case 9:
    return "|b1";
  default:
    return "";
  }
}

/// Value of `'key': value` in the header dict (value up to ',' or '}', or a
/// parenthesised tuple).
static std::string headerField(const std::string &header,
                               const std::string &key) {
  size_t k = header.find("'" + key + "'");
  if (k == std::string::npos)
    return "";
  size_t colon = header.find(':', k);
  if (colon == std::string::npos)
    return "";
  size_t start = header.find_first_not_of(' ', colon + 1);
  if (start == std::string::npos)
    return "";
  size_t end = header[start] == '(' ? header.find(')', start)
                                     : header.find_first_of(",}", start);
  if (end == std::string::npos)
    return "";
  return header.substr(start, end - start + (header[start] == '(' ? 1 : 0));
}

static int64_t itemSize(const std::string &descr) {
  if (descr.size() < 3)
    return 0;
  return std::atoi(descr.c_str() + 2);
}

bool readNpy(const std::string &path, NpyArray &out, std::string &error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open '" + path + "'";
    return false;
  }
  char magic[8];
  if (!in.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0) {
    error = "'" + path + "' is not a .npy file";
    return false;
  }
  uint32_t headerLen = 0;
  unsigned char len[4] = {0, 0, 0, 0};
  if (magic[6] == 1) {
    in.read(reinterpret_cast<char *>(len), 2);
    headerLen = len[0] | (len[1] << 8);
  } else {
    in.read(reinterpret_cast<char *>(len), 4);
    headerLen = len[0] | (len[1] << 8) | (len[2] << 16) | ((uint32_t)len[3] << 24);
  }
  if (!in || headerLen > (1u << 20)) {
    error = "'" + path + "' has a broken header";
    return false;
  }
  std::string header(headerLen, '\0');
  in.read(header.data(), headerLen);
  std::string descr = headerField(header, "descr");
  std::string order = headerField(header, "fortran_order");
  std::string shape = headerField(header, "shape");
  if (descr.size() < 2 || shape.empty()) {
    error = "'" + path + "' has a header without descr or shape";
    return false;
  }
  out.descr = descr.substr(1, descr.size() - 2);
  if (out.descr == "<f4" || out.descr == "<i4" || out.descr == "<i8" ||
      out.descr == "|u1" || out.descr == "|i1" || out.descr == "|b1") {
  } else {
    error = "'" + path + "' has dtype '" + out.descr +
            "'; pat-run reads float32, int8/uint8/int32/int64 and bool";
    return false;
  }
  if (order.rfind("True", 0) == 0) {
    error = "'" + path + "' is in Fortran order; save it C-contiguous";
    return false;
  }
  // The shape is untrusted: "(d0, d1, ...)" of plain non-negative integers,
  // whose byte count must be in the file before anything is allocated.
  out.shape.clear();
  int64_t bytes = itemSize(out.descr);
  bool wellFormed = shape.size() >= 2 && shape.front() == '(' &&
                    shape.back() == ')';
  for (size_t i = 1; wellFormed && i + 1 < shape.size();) {
    size_t j = shape.find_first_of(",)", i);
    std::string tok = shape.substr(i, j - i);
    size_t first = tok.find_first_not_of(' '), last = tok.find_last_not_of(' ');
    if (first != std::string::npos) {
      std::string digits = tok.substr(first, last - first + 1);
      int64_t dim = 0;
      wellFormed = digits.size() <= 15 &&
                   digits.find_first_not_of("0123456789") == std::string::npos;
      if (wellFormed) {
        dim = std::stoll(digits);
        wellFormed = !__builtin_mul_overflow(bytes, dim, &bytes);
      }
      out.shape.push_back(dim);
    }
    i = j + 1;
  }
  if (!wellFormed) {
    error = "'" + path + "' has a malformed shape " + shape;
    return false;
  }
  std::streampos dataStart = in.tellg();
  in.seekg(0, std::ios::end);
  int64_t available = (int64_t)(in.tellg() - dataStart);
  in.seekg(dataStart);
  if (!in || bytes > available) {
    error = "'" + path + "' is shorter than its header says (" +
            std::to_string(available) + " bytes of data for shape " + shape +
            ")";
    return false;
  }
  out.data.resize((size_t)bytes);
  if (!in.read(out.data.data(), out.data.size())) {
    error = "'" + path + "' cannot be read";
    return false;
  }
  return true;
}

bool writeNpy(const std::string &path, const NpyArray &array,
              std::string &error) {
  std::string shape = "(";
  for (size_t i = 0; i < array.shape.size(); ++i)
    shape += std::to_string(array.shape[i]) + (array.shape.size() == 1 ? "," : i + 1 < array.shape.size() ? ", " : "");
  shape += ")";
  std::string header = "{'descr': '" + array.descr +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::ofstream out(path, std::ios::binary);
  if (!out) {
    error = "cannot write '" + path + "'";
    return false;
  }
  out.write("\x93NUMPY\x01\x00", 8);
  char len[2] = {(char)(header.size() & 0xff), (char)(header.size() >> 8)};
  out.write(len, 2);
  out << header;
  out.write(array.data.data(), array.data.size());
  return (bool)out;
}

} // namespace pat
