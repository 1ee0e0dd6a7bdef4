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

namespace {

/// Where tap column kx reads from: input vectors of `parity` (the offset
/// modulo the stride), shifted by `shift` lanes.
struct ColumnSource {
  int64_t parity, shift;
};

ColumnSource columnSource(const PatternTileSpec &s, int64_t kx) {
  int64_t offset = kx * s.dilationW;
  return {offset % s.strideW, offset / s.strideW};
}

/// Widest shift any tap column of the layer's patterns needs.
int64_t maxShift(const PatternTileSpec &s) {
  int64_t widest = 0;
  for (uint64_t m : s.masks)
    for (int64_t t = 0; t < s.kernelH * s.kernelW; ++t)
      if ((m >> t) & 1)
        widest = std::max(widest, columnSource(s, t % s.kernelW).shift);
  return widest;
}

int64_t mostTaps(const PatternTileSpec &s) {
  int64_t most = 0;
  for (uint64_t m : s.masks)
    most = std::max<int64_t>(most, __builtin_popcountll(m));
  return most;
}

} // namespace

bool rowTilesUsePhases(int64_t strideW) { return strideW == 2; }

int64_t phaseColumns(const PatternTileSpec &s) { return (s.inW + 1) / 2; }

bool rowTilesUseStrips(const PatternTileSpec &s, int64_t vecs,
                       const Target &target) {
  return s.strideW == 1 && s.outW > vecs * target.vectorLanes;
}

int64_t stripPitch(const PatternTileSpec &s, int64_t vecs,
                   const Target &target) {
  return vecs * target.vectorLanes + (s.kernelW - 1) * s.dilationW;
}

int64_t stripCount(const PatternTileSpec &s, int64_t vecs,
                   const Target &target) {
  int64_t span = vecs * target.vectorLanes;
  return (s.outW + span - 1) / span;
}

int64_t tileInputRows(const PatternTileSpec &s, int64_t tileRows) {
  return (tileRows - 1) * s.strideH + (s.kernelH - 1) * s.dilationH + 1;
}

int64_t baseVectors(const PatternTileSpec &s, int64_t vecs,
                    const Target &target) {
  int64_t lanes = target.vectorLanes;
  return vecs + (maxShift(s) + lanes - 1) / lanes;
}

std::vector<TileShape> tileShapeCandidates(const PatternTileSpec &s,
                                           const Target &target,
                                           int64_t filters) {
  // Larger strides, and kernels whose masks overflow the runtime's mask
  // table (checked below), use the generic kernel.
  if (s.strideW > 2)
    return {};
  int64_t lanes = target.vectorLanes, taps = mostTaps(s);
  int64_t nvec = (s.outW + lanes - 1) / lanes;
  // Rows that row tiles may cover (all tap rows inside the image); the
  // runtime (conv_pattern.c) computes the same range. The rest run as
  // one-row tiles.
  int64_t lo = (s.padTop + s.strideH - 1) / s.strideH;
  int64_t last = s.inH - 1 + s.padTop - (s.kernelH - 1) * s.dilationH;
  int64_t hi = last < 0 ? 0 : std::min(s.outH, last / s.strideH + 1);
  int64_t interior = std::max<int64_t>(0, hi - lo);
  // Vector shifts a loaded input row needs: one per distinct non-zero tap
  // column shift.
  std::set<int64_t> shifts;
  for (uint64_t m : s.masks)
    for (int64_t t = 0; t < s.kernelH * s.kernelW; ++t)
      if ((m >> t) & 1)
        if (int64_t shift = columnSource(s, t % s.kernelW).shift % lanes)
          shifts.insert(shift);
  // Cost of one kernel in one tile of r rows x v vectors x f filters: its
  // input-row loads, lane shifts, weight broadcasts and FMAs, counted
  // alike (all compete for the same load and vector ports). Lanes past a
  // row's end are paid for too.
  // Per kernel also: the prefetches of the input rows (one per cache line,
  // rows closer than their loaded width merge) and the loop's own
  // instructions (index load, addresses, pointer bumps: about 8).
  auto tileCost = [&](int64_t r, int64_t v, int64_t f) {
    int64_t inRows = tileInputRows(s, r);
    int64_t base = baseVectors(s, v, target);
    int64_t rowBytes = base * lanes * s.strideW * 4;
    int64_t pitch = (rowTilesUseStrips(s, v, target) ? stripPitch(s, v, target)
                                                     : s.inW) * 4;
    int64_t prefetches = rowBytes >= pitch
                             ? ((inRows - 1) * pitch + rowBytes) / 64 + 1
                             : inRows * (rowBytes / 64 + 1);
    return inRows * s.strideW * (base + int64_t(shifts.size()) * v) +
           f * taps * (r * v + 1) + prefetches + 8;
  };
  std::vector<TileShape> candidates;
  for (int64_t f = 1; f <= filters; f *= 2) {
    if (filters % f)
      continue;
    for (int64_t v = 1; v <= std::min<int64_t>(kPatternMaxVecs, nvec); ++v) {
      TileShape best;
      int64_t base = baseVectors(s, v, target);
      if (s.kernelH * s.strideW * base > kPatternMaxLoadMasks)
        continue;
      // Registers left for accumulators once one input row's vectors, a
      // shifted vector and the broadcast weights are live.
      int64_t budget = target.vectorRegisters - base - 1 - f * taps;
      int64_t maxRows = std::min<int64_t>(8, budget / (f * v));
      if (maxRows < 1 || (f > 1 && maxRows < 2))
        continue;
      int64_t blocks = (nvec + v - 1) / v;
      for (int64_t r = 1; r <= std::min(maxRows, std::max<int64_t>(interior, 1));
           ++r) {
        // Per filter: the row tiles over the interior, the rows left over
        // as one shorter tile (or one row), and the border rows as one-row,
        // one-filter tiles.
        int64_t tiles = interior / r, rest = interior % r;
        int64_t restRows = r > 1 && tiles > 0 && rest >= 2 ? rest : 0;
        double restCost = restRows ? tileCost(restRows, v, f) / f
                                   : double(rest) * tileCost(1, v, 1);
        double cost =
            blocks * (double(tiles) * tileCost(r, v, f) / f + restCost +
                      double(s.outH - interior) * tileCost(1, v, 1));
        if (!best.rows || cost < best.cost - 1e-9 * cost)
          best = {r, v, f, cost, restRows};
      }
      if (best.rows)
        candidates.push_back(best);
    }
  }
  // Cheapest first; on equal cost the fewer filters and vectors, as the
  // search order above preferred.
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const TileShape &a, const TileShape &b) {
                     return a.cost < b.cost - 1e-9 * a.cost;
                   });
  return candidates;
}

TileShape chooseTileShape(const PatternTileSpec &s, const Target &target,
                          int64_t filters) {
  std::vector<TileShape> candidates = tileShapeCandidates(s, target, filters);
  return candidates.empty() ? TileShape() : candidates.front();
}

/// What a tile stores for accumulator `acc` of its filter f at `offset` of
/// the output plane (under `mask`): plus the residual's vector at the same
/// place, then the ReLU, where the layer has them.
static std::string storedValue(const PatternTileSpec &s, const std::string &acc,
                               int64_t f, const std::string &offset,
                               const std::string &mask) {
  std::string value = acc;
  if (s.residual)
    value = "PV_ADD(" + value + ", PV_LOADM(a->residual[" + std::to_string(f) +
            "] + " + offset + ", " + mask + "))";
  return s.relu ? "PV_MAX0(" + value + ")" : value;
}

/// Where tap t of a flat tile reads: phase plane and offset from the output's
/// flat position (see pat_pconv_layer::flat_tile).
std::pair<int64_t, int64_t> flatTapSource(const PatternTileSpec &s,
                                          int64_t pitch, int64_t t) {
  int64_t dy = (t / s.kernelW) * s.dilationH, dx = (t % s.kernelW) * s.dilationW;
  return {(dy % s.strideH) * s.strideW + dx % s.strideW,
          dy / s.strideH * pitch + dx / s.strideW};
}

FlatTileShape chooseFlatTile(const PatternTileSpec &s, const Target &target,
                             int64_t filters) {
  int64_t lanes = target.vectorLanes, taps = mostTaps(s);
  // The padded extent the taps read, split into stride phases.
  int64_t cols = (s.outW - 1) * s.strideW + (s.kernelW - 1) * s.dilationW + 1;
  int64_t rows = (s.outH - 1) * s.strideH + (s.kernelH - 1) * s.dilationH + 1;
  int64_t pitch = (cols + s.strideW - 1) / s.strideW;
  int64_t phaseRows = (rows + s.strideH - 1) / s.strideH;
  int64_t span = (s.outH - 1) * pitch + s.outW; // flat outputs to compute
  int64_t vecs = (span + lanes - 1) / lanes;
  // Every read stays inside its phase: the last vector's lanes plus the
  // farthest tap offset, plus one vector for the aligned pair flatLoad
  // reads around it. Rounded to cache lines.
  int64_t farthest = 0;
  for (int64_t t = 0; t < s.kernelH * s.kernelW; ++t)
    farthest = std::max(farthest, flatTapSource(s, pitch, t).second);
  int64_t phaseFloats =
      (std::max(phaseRows * pitch, vecs * lanes + farthest + lanes) + 15) /
      16 * 16;
  int64_t phases = s.strideH * s.strideW;
  FlatTileShape best;
  for (int64_t f = 1; f <= filters; f *= 2) {
    if (filters % f)
      continue;
    // Accumulators, broadcast weights and the loaded vector in registers.
    // With 4-lane vectors (NEON) a plane is 4x as many vectors and GCC
    // keeps the aligned loads the taps share (flatLoad) live across all
    // taps, so those count too: without them a 20-vector aarch64 tile
    // spilled ~100 vectors per kernel. The 16-lane tiles of the same layers
    // fit as they are (and were measured faster than row tiles).
    int64_t loads = lanes < 8 ? vecs + 1 : 1;
    if (f * vecs + f * taps + loads > target.vectorRegisters)
      continue;
    // Per kernel: per tap and vector one unaligned load (counted twice:
    // most split a cache line) or, where lane shifts are cheap (AVX-512,
    // NEON), one lane shift or aligned load (see flatLoad); the FMAs,
    // broadcasts, prefetches and the loop, as in chooseTileShape; the padded
    // copy is not counted.
    double perTapVector = target.cheapLaneShift ? 1.0 : 2.0;
    double cost = (perTapVector * taps * vecs + f * taps * (vecs + 1) +
                   (phases * phaseFloats * 4 + 63) / 64 + 8) /
                  double(f);
    if (!best.vecs || cost < best.cost)
      best = {pitch, vecs, phaseFloats, phases, f, cost};
  }
  return best;
}

/// The cache lines (of 64 bytes, from the channel's start, which is 64-byte
/// aligned) that pattern p's taps read in a flat tile. With stride 2 a tap
/// reads one of the four phase planes, so most patterns skip some.
static std::set<int64_t> flatPrefetchLines(const PatternTileSpec &s,
                                           const FlatTileShape &shape,
                                           int64_t p, const Target &target) {
  std::set<int64_t> lines;
  int64_t lanes = target.vectorLanes;
  for (int64_t t = 0; t < s.kernelH * s.kernelW; ++t) {
    if (!((s.masks[p] >> t) & 1))
      continue;
    auto [phase, shift] = flatTapSource(s, shape.pitch, t);
    int64_t first = phase * shape.phaseFloats + shift;
    // flatLoad may read the aligned vectors around the unaligned ones.
    int64_t begin = first / lanes * lanes;
    int64_t end = first + shape.vecs * lanes + lanes;
    for (int64_t line = begin * 4 / 64; line <= (end * 4 - 1) / 64; ++line)
      lines.insert(line);
  }
  // Never past the channel's copy.
  int64_t channelLines = shape.phases * shape.phaseFloats * 4 / 64;
  for (auto it = lines.begin(); it != lines.end();)
    it = *it >= channelLines ? lines.erase(it) : std::next(it);
  return lines;
}

/// The vector at float offset `o` of a flat tile's channel copy. Where lane
/// shifts are cheap (AVX-512, NEON), an offset off the vector grid is put
/// together from the two aligned vectors around it (the compiler shares
/// those loads between taps): on AVX-512, split-line unaligned loads made
/// flat tiles load-bound.
static std::string flatLoad(int64_t o, const Target &target) {
  int64_t lanes = target.vectorLanes, r = o % lanes;
  if (!target.cheapLaneShift || r == 0)
    return "PV_LOADU(s + " + std::to_string(o) + ")";
  return "PV_ALIGNR(PV_LOADU(s + " + std::to_string(o - r + lanes) +
         "), PV_LOADU(s + " + std::to_string(o - r) + "), " +
         std::to_string(r) + ")";
}

std::string emitFlatPatternTile(const std::string &name,
                                const PatternTileSpec &s,
                                const FlatTileShape &shape,
                                const Target &target) {
  int64_t lanes = target.vectorLanes, P = s.masks.size(), F = shape.filters;
  int64_t pitch = shape.pitch, V = shape.vecs;
  int64_t channelFloats = shape.phases * shape.phaseFloats;
  std::ostringstream c;
  // Each kernel adds all its taps into the same F x V accumulators, a chain
  // of dependent FMAs per accumulator. With fewer than kFlatMinChains of
  // them the FMA latency, not the throughput, bounds the tile (a 7x7 map:
  // V = 4): odd taps then go to a second set, added before the store.
  int64_t maxTaps = 0;
  for (uint64_t m : s.masks)
    maxTaps = std::max<int64_t>(maxTaps, __builtin_popcountll(m));
  bool split = F * V < kFlatMinChains &&
               2 * F * V + F * maxTaps + 1 <= target.vectorRegisters;
  auto acc = [](int64_t f, int64_t v) {
    return "c" + std::to_string(f) + "_" + std::to_string(v);
  };
  auto accFor = [&](int64_t f, int64_t v, int64_t tap) {
    return split && tap % 2 ? "d" + std::to_string(f) + "_" + std::to_string(v)
                            : acc(f, v);
  };
  c << "static void " << name
    << "(const pat_pconv_layer *l, const pat_pconv_tile_args *a) {\n";
  for (int64_t f = 0; f < F; ++f) {
    c << "  const PV bias" << f << " = PV_SET1(a->bias[" << f << "]);\n  PV";
    for (int64_t v = 0; v < V; ++v)
      c << (v ? ", " : " ") << acc(f, v) << " = bias" << f;
    for (int64_t v = 0; split && v < V; ++v)
      c << ", d" << f << "_" << v << " = PV_SET1(0.f)";
    c << ";\n";
  }
  c << "  const int32_t *st = l->stride + a->filter * " << P + 1 << ";\n"
    << "  const int32_t *index = l->index;\n";
  for (int64_t f = 0; f < F; ++f)
    c << "  const float *w" << f << " = l->weights + l->weight_start[a->filter + "
      << f << "];\n";
  for (int64_t p = 0; p < P; ++p) {
    int64_t taps = __builtin_popcountll(s.masks[p]);
    c << "  /* pattern " << p << ": " << taps << " taps */\n"
      << "  for (int32_t k = st[" << p << "]; k < st[" << p + 1 << "]; ++k";
    for (int64_t f = 0; f < F; ++f)
      c << ", w" << f << " += " << taps;
    c << ") {\n"
      << "    const float *s = a->input + (int64_t)index[k] * "
      << channelFloats << ";\n"
      << "    const char *ahead = (const char *)(a->input + (int64_t)index[k + "
      << kPatternPrefetchDistance << "] * " << channelFloats << ");\n";
    for (int64_t line : flatPrefetchLines(s, shape, p, target))
      c << "    PV_PREFETCH(ahead + " << line * 64 << ");\n";
    int64_t i = 0;
    for (int64_t t = 0; t < s.kernelH * s.kernelW; ++t) {
      if (!((s.masks[p] >> t) & 1))
        continue;
      auto [phase, shift] = flatTapSource(s, pitch, t);
      int64_t offset = phase * shape.phaseFloats + shift;
      c << "    {\n";
      for (int64_t f = 0; f < F; ++f)
        c << "      const PV wt" << f << " = PV_SET1(w" << f << "[" << i
          << "]);\n";
      for (int64_t v = 0; v < V; ++v) {
        c << "      { const PV x = " << flatLoad(v * lanes + offset, target)
          << ";";
        for (int64_t f = 0; f < F; ++f)
          c << " " << accFor(f, v, i) << " = PV_FMA(wt" << f << ", x, "
            << accFor(f, v, i) << ");";
        c << " }\n";
      }
      c << "    }\n";
      ++i;
    }
    c << "  }\n";
  }
  for (int64_t f = 0; f < F && split; ++f)
    for (int64_t v = 0; v < V; ++v)
      c << "  " << acc(f, v) << " = PV_ADD(" << acc(f, v) << ", d" << f << "_"
        << v << ");\n";
  // Flat position o = y * pitch + x holds output (y, x) for x < out_w; each
  // vector is stored row piece by row piece with constant masks (the
  // pointer may point before the row; masked-off lanes are not touched).
  // With a residual, each piece first adds the residual's piece (same
  // offset and mask).
  for (int64_t f = 0; f < F; ++f)
    for (int64_t v = 0; v < V; ++v) {
      int64_t lo0 = v * lanes, hi0 = lo0 + lanes;
      for (int64_t y = std::max<int64_t>(0, lo0 / pitch - 1); y < s.outH; ++y) {
        int64_t lo = std::max(lo0, y * pitch), hi = std::min(hi0, y * pitch + s.outW);
        if (y * pitch >= hi0)
          break;
        if (lo >= hi)
          continue;
        std::string offset = std::to_string(y * s.outW + lo0 - y * pitch);
        std::string mask = "PM_RANGE(" + std::to_string(lo - lo0) + ", " +
                           std::to_string(hi - lo0) + ")";
        c << "  PV_STOREM(a->output[" << f << "] + " << offset << ", "
          << storedValue(s, acc(f, v), f, offset, mask) << ", " << mask
          << ");\n";
      }
    }
  c << "  (void)st; (void)index;";
  for (int64_t f = 0; f < F; ++f)
    c << " (void)w" << f << ";";
  c << "\n}\n\n";
  return c.str();
}

std::string emitPatternTile(const std::string &name,
                            const PatternTileSpec &s, TileShape shape,
                            const Target &target, int64_t bandTileRows) {
  int64_t lanes = target.vectorLanes, P = s.masks.size();
  int64_t rows = shape.rows, vecs = shape.vecs, F = shape.filters;
  int64_t base = baseVectors(s, vecs, target);
  std::ostringstream c;
  // Accumulator of filter f, output row r, vector v (filter index only
  // when the tile has several filters, to keep one-filter code readable).
  auto acc = [&](int64_t f, int64_t r, int64_t v) {
    return "c" + (F > 1 ? std::to_string(f) + "_" : std::string()) +
           std::to_string(r) + "_" + std::to_string(v);
  };
  auto wname = [&](int64_t f, int64_t i) {
    return "w" + (F > 1 ? std::to_string(f) + "_" : std::string()) +
           std::to_string(i);
  };
  c << "static void " << name
    << "(const pat_pconv_layer *l, const pat_pconv_tile_args *a) {\n";
  for (int64_t f = 0; f < F; ++f) {
    c << "  const PV bias" << f << " = PV_SET1(a->bias[" << f << "]);\n";
    for (int64_t r = 0; r < rows; ++r) {
      c << "  PV";
      for (int64_t v = 0; v < vecs; ++v)
        c << (v ? ", " : " ") << acc(f, r, v) << " = bias" << f;
      c << ";\n";
    }
  }
  // Stride 2 reads the runtime's column-phase copy: per channel, phase 0
  // (even input columns) then phase 1 (odd), inH rows of `pitch` floats
  // each. Input column 2 * ox + c0 is phase c0 mod 2, column ox + c0 div 2.
  // Stride 1 over several column blocks reads the runtime's strip band:
  // a->input is the tile's strip of channel 0 at the unit's first input
  // row and column 0 is the block's first tap column; channels are
  // `strips` strips of the main tile's band rows apart.
  bool phased = rowTilesUsePhases(s.strideW);
  bool striped = !phased && rowTilesUseStrips(s, vecs, target);
  int64_t pitch = phased    ? phaseColumns(s)
                  : striped ? stripPitch(s, vecs, target)
                            : s.inW;
  int64_t channelFloats =
      phased    ? 2 * s.inH * pitch
      : striped ? stripCount(s, vecs, target) *
                      tileInputRows(s, bandTileRows ? bandTileRows : rows) * pitch
                : s.inH * s.inW;
  // Offset from in0 of vector u of input row j, parity `parity`.
  auto loadOffset = [&](int64_t j, int64_t parity, int64_t u) -> int64_t {
    if (!phased)
      return j * pitch + parity + u * lanes * s.strideW;
    int64_t c0 = parity - s.padLeft;
    int64_t phase = ((c0 % 2) + 2) % 2;
    return phase * s.inH * pitch + j * pitch + (c0 - phase) / 2 + u * lanes;
  };
  if (phased)
    c << "  const float *in0 = a->input + (a->oy * " << s.strideH << " - "
      << s.padTop << ") * " << pitch << " + a->ox;\n";
  else if (striped)
    c << "  const float *in0 = a->input;\n";
  else
    c << "  const float *in0 = a->input + (a->oy * " << s.strideH << " - "
      << s.padTop << ") * " << s.inW << " + a->ox * " << s.strideW << " - "
      << s.padLeft << ";\n";
  c
    << "  const int32_t *st = l->stride + a->filter * " << P + 1 << ";\n"
    << "  const int32_t *index = l->index;\n";
  // The tile's filters share index[] and stride[] (the emitter checked);
  // each has its own weights.
  for (int64_t f = 0; f < F; ++f)
    c << "  const float *w" << (F > 1 ? std::to_string(f) : std::string())
      << " = l->weights + l->weight_start[a->filter + " << f << "];\n";

  // Horizontal load-redundancy elimination: each input row is loaded once
  // per parity (offset modulo the stride), as `base` vectors starting at
  // the tile's first column; tap column kx's vectors are those shifted by
  // kx * dilation / stride lanes in registers (PV_ALIGNR). Unaligned loads
  // at every tap column cost more than the shifts (split cache lines).
  // Load masks zero the lanes outside the image, so the shifted vectors
  // see the zero padding too. Row tiles run only where every tap row is
  // inside the image: masks per (parity, vector). One-row tiles also run
  // the border rows: masks per (tap row, parity, vector), zero for rows
  // outside.
  bool perTapRowMasks = rows == 1;
  auto maskIndex = [&](int64_t ky, int64_t parity, int64_t u) {
    return ((perTapRowMasks ? ky : 0) * s.strideW + parity) * base + u;
  };
  auto maskName = [&](int64_t ky, int64_t parity, int64_t u) {
    return "m" + (perTapRowMasks ? std::to_string(ky) + "_" : std::string()) +
           std::to_string(parity) + "_" + std::to_string(u);
  };

  // Per pattern: input row -> parity -> shift -> (output row, tap) pairs.
  using Targets = std::vector<std::pair<int64_t, size_t>>;
  using RowPlan = std::map<int64_t, std::map<int64_t, std::map<int64_t, Targets>>>;
  std::vector<RowPlan> plans(P);
  std::set<std::tuple<int64_t, int64_t, int64_t>> masksUsed;
  for (int64_t p = 0; p < P; ++p) {
    size_t i = 0;
    for (int64_t t = 0; t < s.kernelH * s.kernelW; ++t) {
      if (!((s.masks[p] >> t) & 1))
        continue;
      int64_t ky = t / s.kernelW;
      ColumnSource src = columnSource(s, t % s.kernelW);
      for (int64_t r = 0; r < rows; ++r)
        plans[p][r * s.strideH + ky * s.dilationH][src.parity][src.shift]
            .push_back({r, i});
      for (int64_t v = 0; v < vecs; ++v) {
        masksUsed.insert({ky, src.parity, v + src.shift / lanes});
        if (src.shift % lanes)
          masksUsed.insert({ky, src.parity, v + src.shift / lanes + 1});
      }
      ++i;
    }
  }
  std::set<std::string> declared;
  for (auto [ky, parity, u] : masksUsed)
    if (declared.insert(maskName(ky, parity, u)).second)
      c << "  const PM " << maskName(ky, parity, u) << " = a->load_mask["
        << maskIndex(ky, parity, u) << "];\n";

  // Per pattern, the byte offsets (from the kernel's channel at in0) to
  // prefetch: one per cache line of the input rows it reads, each row's
  // vectors spanning rowBytes from an arbitrary start in a line. Rows
  // narrower than that overlap and are merged.
  int64_t rowBytes = phased ? base * lanes * 4
                            : (base * lanes * s.strideW + s.strideW - 1) * 4;
  std::vector<std::vector<int64_t>> prefetchOffsets(P);
  for (int64_t p = 0; p < P; ++p) {
    std::vector<int64_t> begins;
    for (auto &[j, byParity] : plans[p]) {
      if (!phased) {
        begins.push_back(j * pitch * 4);
        continue;
      }
      for (auto &entry : byParity)
        begins.push_back(std::max<int64_t>(0, loadOffset(j, entry.first, 0) * 4));
    }
    std::sort(begins.begin(), begins.end());
    std::vector<std::pair<int64_t, int64_t>> ranges; // [begin, end) bytes
    for (int64_t begin : begins) {
      if (!ranges.empty() && begin <= ranges.back().second)
        ranges.back().second = std::max(ranges.back().second, begin + rowBytes);
      else
        ranges.push_back({begin, begin + rowBytes});
    }
    for (auto [begin, end] : ranges) {
      for (int64_t b = begin; b < end; b += 64)
        prefetchOffsets[p].push_back(b);
      if (end - 1 > prefetchOffsets[p].back())
        prefetchOffsets[p].push_back(end - 1);
    }
  }

  // Row tiles exist for strides 1 and 2 only, and stride 2 reads the phase
  // copy: every load below is a contiguous masked load (PV_LOADM).
  for (int64_t p = 0; p < P; ++p) {
    int64_t taps = __builtin_popcountll(s.masks[p]);
    c << "  /* pattern " << p << ": " << taps << " taps */\n"
      << "  for (int32_t k = st[" << p << "]; k < st[" << p + 1 << "]; ++k";
    for (int64_t f = 0; f < F; ++f)
      c << ", w" << (F > 1 ? std::to_string(f) : std::string()) << " += " << taps;
    c << ") {\n"
      << "    const float *s = in0 + (int64_t)index[k] * " << channelFloats
      << ";\n";
    // The loads follow index[], which no hardware prefetcher predicts:
    // fetch the input rows of the kernel kPatternPrefetchDistance ahead
    // (index[] is padded so that never reads past its end).
    c << "    {\n      const char *ahead = (const char *)(in0 + (int64_t)index[k + "
      << kPatternPrefetchDistance << "] * " << channelFloats << ");\n";
    for (int64_t b : prefetchOffsets[p])
      c << "      PV_PREFETCH(ahead + " << b << ");\n";
    c << "    }\n";
    for (int64_t f = 0; f < F; ++f)
      for (int64_t i = 0; i < taps; ++i)
        c << "    const PV " << wname(f, i) << " = PV_SET1(w"
          << (F > 1 ? std::to_string(f) : std::string()) << "[" << i << "]);\n";
    for (auto &[j, byParity] : plans[p]) {
      for (auto &[parity, byShift] : byParity) {
        // The vectors of input row j, parity `parity`, that a shift needs.
        std::set<int64_t> needed;
        for (auto &[shift, targets] : byShift)
          for (int64_t v = 0; v < vecs; ++v) {
            needed.insert(v + shift / lanes);
            if (shift % lanes)
              needed.insert(v + shift / lanes + 1);
          }
        // In one-row tiles the input row j is the tap row j / dilation.
        int64_t ky = j / s.dilationH;
        c << "    {\n";
        std::set<std::string> shifted; // declared in this block
        for (int64_t u : needed)
          c << "      const PV x" << u << " = PV_LOADM(s + "
            << loadOffset(j, parity, u) << ", "
            << maskName(ky, parity, u) << ");\n";
        for (auto &[shift, targets] : byShift)
          for (int64_t v = 0; v < vecs; ++v) {
            int64_t u = v + shift / lanes, q = shift % lanes;
            std::string x = "x" + std::to_string(u);
            if (q) {
              x += "s" + std::to_string(q);
              if (shifted.insert(x).second)
                c << "      const PV " << x << " = PV_ALIGNR(x" << u + 1
                  << ", x" << u << ", " << q << ");";
              else
                c << "     ";
            } else {
              c << "     ";
            }
            for (auto &[r, i] : targets)
              for (int64_t f = 0; f < F; ++f)
                c << " " << acc(f, r, v) << " = PV_FMA(" << wname(f, i) << ", "
                  << x << ", " << acc(f, r, v) << ");";
            c << "\n";
          }
        c << "    }\n";
      }
    }
    c << "  }\n";
  }
  for (int64_t f = 0; f < F; ++f)
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t v = 0; v < vecs; ++v) {
        std::string offset = "(a->oy + " + std::to_string(r) + ") * " +
                             std::to_string(s.outW) + " + a->ox + " +
                             std::to_string(v * lanes);
        std::string mask = "a->store_mask[" + std::to_string(v) + "]";
        c << "  PV_STOREM(a->output[" << f << "] + " << offset << ", "
          << storedValue(s, acc(f, r, v), f, offset, mask) << ", " << mask
          << ");\n";
      }
  c << "  (void)st; (void)index; (void)in0;";
  for (int64_t f = 0; f < F; ++f)
    c << " (void)w" << (F > 1 ? std::to_string(f) : std::string()) << ";";
  c << "\n}\n\n";
  return c.str();
}

int64_t sharedTileFilters(llvm::ArrayRef<int32_t> stride,
                          llvm::ArrayRef<int32_t> index, int64_t numPatterns,
                          int64_t filters) {
  auto sameKernels = [&](int64_t a, int64_t b) {
    int64_t row = numPatterns + 1;
    for (int64_t p = 0; p < row; ++p)
      if (stride[a * row + p] - stride[a * row] !=
          stride[b * row + p] - stride[b * row])
        return false;
    int64_t n = stride[a * row + numPatterns] - stride[a * row];
    return std::equal(index.begin() + stride[a * row],
                      index.begin() + stride[a * row] + n,
                      index.begin() + stride[b * row]);
  };
  int64_t shared = 1;
  for (int64_t f = 2; f <= kPatternMaxTileFilters && filters % f == 0; f *= 2) {
    bool all = true;
    for (int64_t g = 0; all && g < filters; g += f)
      for (int64_t i = 1; all && i < f; ++i)
        all = sameKernels(g, g + i);
    if (!all)
      break;
    shared = f;
  }
  return shared;
}

} // namespace pat
