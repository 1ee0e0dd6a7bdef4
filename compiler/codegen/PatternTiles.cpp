//===- PatternTiles.cpp - Generated tiles of pattern convolutions ---------===//
//
// Part of patc.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/PatternTiles.h"
#include <algorithm>
#include <map>
#include <set>
#include <sstream>

namespace pat {

TileShape chooseTileShape(const PatternTileSpec &s, const Target &target) {
  // Larger strides, and kernels wider than the runtime's mask table, use
  // the generic kernel.
  if (s.strideW > 2 || s.kernelW > 16)
    return {};
  int64_t lanes = target.vectorLanes;
  int64_t nvec = (s.outW + lanes - 1) / lanes;
  // Fewest wasted lanes over the row; ties go to wider tiles.
  int64_t vecs = 1;
  for (int64_t v = 1; v <= std::min<int64_t>(4, nvec); ++v)
    if ((nvec + v - 1) / v * v <= (nvec + vecs - 1) / vecs * vecs)
      vecs = v;
  // Rows that row tiles may cover (all tap rows inside the image); the
  // runtime (conv_pattern.c) computes the same range. The rest run as
  // single rows, so choose the tile height that leaves the fewest.
  int64_t lo = (s.padTop + s.strideH - 1) / s.strideH;
  int64_t last = s.inH - 1 + s.padTop - (s.kernelH - 1) * s.dilationH;
  int64_t hi = last < 0 ? 0 : std::min(s.outH, last / s.strideH + 1);
  int64_t interior = std::max<int64_t>(0, hi - lo);
  int64_t budget = target.vectorRegisters * 3 / 4;
  int64_t maxRows = std::max<int64_t>(1, std::min<int64_t>(8, budget / vecs));
  int64_t tallest = std::min(maxRows, std::max<int64_t>(interior, 1));
  int64_t rows = tallest;
  for (int64_t r = tallest; r >= std::max<int64_t>(2, tallest - 2); --r)
    if (interior % r < interior % rows)
      rows = r;
  return {rows, vecs};
}

std::string emitPatternTile(const std::string &name,
                            const PatternTileSpec &s, int64_t rows,
                            int64_t vecs, const Target &target) {
  int64_t lanes = target.vectorLanes, P = s.masks.size();
  std::ostringstream c;
  auto acc = [](int64_t r, int64_t v) {
    return "c" + std::to_string(r) + "_" + std::to_string(v);
  };
  c << "static void " << name
    << "(const pat_pconv_layer *l, const pat_pconv_tile_args *a) {\n"
    << "  const PV bias = PV_SET1(a->bias);\n";
  for (int64_t r = 0; r < rows; ++r) {
    c << "  PV";
    for (int64_t v = 0; v < vecs; ++v)
      c << (v ? ", " : " ") << acc(r, v) << " = bias";
    c << ";\n";
  }
  c << "  const float *in0 = a->input + (a->oy * " << s.strideH << " - "
    << s.padTop << ") * " << s.inW << " + a->ox * " << s.strideW << " - "
    << s.padLeft << ";\n"
    << "  const int32_t *st = l->stride + a->filter * " << P + 1 << ";\n"
    << "  const int32_t *index = l->index;\n"
    << "  const float *w = l->weights + l->weight_start[a->filter];\n";
  // Masks of the (vector, tap column) pairs some pattern uses.
  // Row tiles only run where every tap row is inside the image, so their
  // masks depend on the column only. One-row tiles also run the border
  // rows: their masks are per tap (ky, kx), zero for rows outside.
  bool perTapMasks = rows == 1;
  std::set<std::pair<int64_t, int64_t>> maskUses; // (ky or -1, kx)
  for (uint64_t m : s.masks)
    for (int64_t t = 0; t < s.kernelH * s.kernelW; ++t)
      if ((m >> t) & 1)
        maskUses.insert({perTapMasks ? t / s.kernelW : -1, t % s.kernelW});
  auto maskName = [&](int64_t ky, int64_t kx, int64_t v) {
    return "m" + (perTapMasks ? std::to_string(ky) + "_" : std::string()) +
           std::to_string(kx) + "_" + std::to_string(v);
  };
  for (auto [ky, kx] : maskUses)
    for (int64_t v = 0; v < vecs; ++v)
      c << "  const PM " << maskName(ky, kx, v) << " = a->load_mask["
        << (perTapMasks ? (ky * s.kernelW + kx) * vecs + v : v * s.kernelW + kx)
        << "];\n";
  const char *load = s.strideW == 1 ? "PV_LOADM" : "PV_LOADM_S2";
  for (int64_t p = 0; p < P; ++p) {
    uint64_t m = s.masks[p];
    std::vector<int64_t> taps;
    for (int64_t t = 0; t < s.kernelH * s.kernelW; ++t)
      if ((m >> t) & 1)
        taps.push_back(t);
    c << "  /* pattern " << p << ": " << taps.size() << " taps */\n"
      << "  for (int32_t k = st[" << p << "]; k < st[" << p + 1
      << "]; ++k, w += " << taps.size() << ") {\n"
      << "    const float *s = in0 + (int64_t)index[k] * " << s.inH * s.inW
      << ";\n";
    for (size_t i = 0; i < taps.size(); ++i)
      c << "    const PV w" << i << " = PV_SET1(w[" << i << "]);\n";
    c << "    PV x;\n";
    // Per tap column, each input row it needs is loaded once and feeds
    // every (output row, tap) pair that reads it.
    std::map<int64_t, std::map<int64_t, std::vector<std::pair<int64_t, size_t>>>> uses;
    for (size_t i = 0; i < taps.size(); ++i) {
      int64_t ky = taps[i] / s.kernelW, kx = taps[i] % s.kernelW;
      for (int64_t r = 0; r < rows; ++r)
        uses[kx][r * s.strideH + ky * s.dilationH].push_back({r, i});
    }
    for (auto &[kx, byRow] : uses)
      for (auto &[j, targets] : byRow)
        for (int64_t v = 0; v < vecs; ++v) {
          int64_t offset = j * s.inW + kx * s.dilationW + v * lanes * s.strideW;
          // In one-row tiles the input row j is the tap row ky.
          c << "    x = " << load << "(s + " << offset << ", "
            << maskName(perTapMasks ? (j / s.dilationH) : -1, kx, v) << ");";
          for (auto &[r, i] : targets)
            c << " " << acc(r, v) << " = PV_FMA(w" << i << ", x, " << acc(r, v)
              << ");";
          c << "\n";
        }
    c << "  }\n";
  }
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t v = 0; v < vecs; ++v) {
      std::string value = s.relu ? "PV_MAX0(" + acc(r, v) + ")" : acc(r, v);
      c << "  PV_STOREM(a->output + (a->oy + " << r << ") * " << s.outW
        << " + a->ox + " << v * lanes << ", " << value << ", a->store_mask["
        << v << "]);\n";
    }
  c << "  (void)st; (void)index; (void)w; (void)in0;\n}\n\n";
  return c.str();
}

} // namespace pat
