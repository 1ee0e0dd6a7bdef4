//===- ChannelMajorTiles.cpp - Channel-major pattern conv tiles -----------===//
//
// Part of patc. See ChannelMajorTiles.h.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/ChannelMajorTiles.h"

#include <algorithm>
#include <map>
#include <sstream>

namespace pat {

/// Every tap some pattern keeps (their vectors are loaded once per
/// channel), as bit ky * kernelW + kx.
static uint64_t unionOfTaps(llvm::ArrayRef<uint64_t> masks) {
  uint64_t all = 0;
  for (uint64_t m : masks)
    all |= m;
  return all;
}

/// Most vectors (up to `wanted`, at most `most`) whose tap vectors, one
/// kernel's accumulators and its broadcast weights fit the registers.
static int64_t fittingVecs(const PatternTileSpec &s, const Target &target,
                           int64_t wanted, int64_t most = 2) {
  if (s.strideH != s.strideW || s.strideW < 1 || s.strideW > 2 ||
      s.dilationH != 1 || s.dilationW != 1 || s.masks.empty() ||
      s.kernelH * s.kernelW > 64)
    return 0;
  int64_t taps = __builtin_popcountll(unionOfTaps(s.masks)), kernelTaps = 0;
  for (uint64_t m : s.masks)
    kernelTaps = std::max<int64_t>(kernelTaps, __builtin_popcountll(m));
  // Two vectors by default, so that the accumulator block of every filter
  // stays near the L1 (128 filters x 2 vectors of 16 floats: 16 KB; with
  // 256 filters, 32 KB, 2 vectors still beat 1: 256x56s2 1.85 against
  // 2.26 ms, Zen 4, 2026-12-06); blocks over the image may take 3
  // (chooseChannelMajorShape).
  wanted = std::min<int64_t>(wanted, most);
  // Tap vectors, one kernel's accumulators and its weights. The tiles
  // broadcast a kernel's weights one at a time, which takes the compiler
  // two registers (3 vectors of a 9-tap union: 27 + 3 + 2, no spills with
  // GCC 12); blocks of 1 or 2 vectors still count one register per tap,
  // as they were measured with.
  for (int64_t v = wanted; v >= 1; --v)
    if (taps * v + v + (v > 2 ? 2 : kernelTaps) <= target.vectorRegisters)
      return v;
  return 0;
}

/// Blocks of `vecs` vectors of a plane of `positions` outputs, each block
/// one tile call; a last block of fewer vectors has a tile of its own and
/// counts as one call too.
static int64_t planeCalls(int64_t positions, int64_t vecs, int64_t lanes) {
  return (positions + vecs * lanes - 1) / (vecs * lanes);
}

ChannelMajorShape chooseChannelMajorShape(const PatternTileSpec &s,
                                          const Target &target) {
  ChannelMajorShape shape;
  int64_t lanes = target.vectorLanes;
  int64_t rowVecs = fittingVecs(s, target, (s.outW + lanes - 1) / lanes);
  if (!rowVecs)
    return shape;
  int64_t copyBytes = 0;
  if (s.strideW == 1) {
    // Stride 1 reads the image. Where a row is as wide as the input, the
    // blocks run across rows, so no lanes idle at row ends (56 wide: 56 of
    // 64 lanes in row blocks).
    if (s.outW == s.inW) {
      shape.blocks = ChannelMajorBlocks::FlatImage;
      // Blocks of 3 vectors where they need fewer calls than blocks of 2:
      // each kernel's fixed work (its filter's accumulators found, loaded
      // and stored, its weights broadcast, the loop) then serves 3 vectors
      // of FMAs instead of 2, though every filter's block of accumulators
      // grows by half (512 filters: 96 KB, past the L1). On a Zen 5 core, 1
      // thread, paired runs: 14x14 of 256 / 512 0.875 / 0.925 of the time
      // of 2-vector blocks, 56x56 of 64 / 256 0.869 / 0.906, 28x28 of 128 /
      // 512 0.931 / 0.909, 112x112 of 128 0.843; but 7x7 of 512 (one block
      // of 48 and a tail of 1 output, against two blocks) 1.12.
      int64_t plane = s.outH * s.outW;
      shape.vecs = fittingVecs(s, target, 2);
      int64_t three = fittingVecs(s, target, 3, 3);
      if (three == 3 &&
          planeCalls(plane, 3, lanes) < planeCalls(plane, shape.vecs, lanes))
        shape.vecs = 3;
      // The plane's last block, when it fills fewer vectors, gets a tile of
      // its own: 14x14 in blocks of 32 leaves 4 outputs, which would cost
      // a whole block (an eighth of the layer; at 2 threads, 4 blocks
      // against 3).
      int64_t tail = plane % (shape.vecs * lanes);
      int64_t tailVecs = (tail + lanes - 1) / lanes;
      shape.tailVecs = tailVecs < shape.vecs ? tailVecs : 0;
    } else {
      shape.vecs = rowVecs;
    }
  } else {
    // Tap column kx is a phase shifted by kx / 2 lanes (PV_ALIGNR).
    if ((s.kernelW - 1) / 2 >= lanes)
      return shape;
    FlatTileShape flat = chooseFlatTile(s, target, 1);
    int64_t span = rowVecs * lanes, blocks = (s.outW + span - 1) / span;
    // Rows filling < 3/4 of their lanes: the flat layout runs vectors
    // across rows instead (a 7x7 map: 49 of 64 lanes).
    if (flat.vecs && 4 * s.outW < 3 * blocks * span) {
      shape.vecs = fittingVecs(s, target, flat.vecs);
      shape.blocks = ChannelMajorBlocks::FlatCopy;
      shape.flat = flat;
      copyBytes = s.inC * flat.phases * flat.phaseFloats * 4;
    } else {
      shape.vecs = rowVecs; // reads the image (no copy)
      // A row that fits one vector: two rows per block, which share an
      // input row and give each kernel 2 vectors (256x28s2 0.282 -> 0.195
      // ms at 1 thread, minimums of 9 rounds, Zen 5).
      if (rowVecs == 1 && s.outH > 1 && fittingVecs(s, target, 2) == 2) {
        shape.vecs = 2;
        shape.rows = 2;
      }
    }
  }
  int64_t accBytes = (s.outC * shape.vecs * lanes * 4 + 63) / 64 * 64;
  shape.scratchBytes = copyBytes + accBytes;
  return shape;
}

ChannelMajorLayout channelMajorLayout(llvm::ArrayRef<uint64_t> masks,
                                      int64_t inC,
                                      llvm::ArrayRef<int32_t> reorder,
                                      llvm::ArrayRef<int32_t> index,
                                      llvm::ArrayRef<int32_t> stride,
                                      llvm::ArrayRef<float> weights) {
  int64_t P = masks.size();
  struct Kernel {
    int32_t channel, pattern, filter;
    int64_t weight; // first weight in FKW storage
  };
  std::vector<Kernel> kernels;
  int64_t w = 0;
  for (size_t f = 0; f < reorder.size(); ++f)
    for (int64_t p = 0; p < P; ++p)
      for (int32_t k = stride[f * (P + 1) + p]; k < stride[f * (P + 1) + p + 1];
           ++k) {
        kernels.push_back({index[k], int32_t(p), reorder[f], w});
        w += __builtin_popcountll(masks[p]);
      }
  std::stable_sort(kernels.begin(), kernels.end(),
                   [](const Kernel &a, const Kernel &b) {
                     return a.channel != b.channel ? a.channel < b.channel
                                                   : a.pattern < b.pattern;
                   });
  ChannelMajorLayout out;
  out.stride.assign(inC * (P + 1), 0);
  size_t k = 0;
  for (int64_t c = 0; c < inC; ++c)
    for (int64_t p = 0; p <= P; ++p) {
      // Where (c, p)'s kernels start; entry P: where channel c + 1 starts.
      while (k < kernels.size() &&
             (kernels[k].channel < c ||
              (kernels[k].channel == c && kernels[k].pattern < p)))
        ++k;
      out.stride[c * (P + 1) + p] = int32_t(k);
    }
  for (const Kernel &kernel : kernels) {
    out.filter.push_back(kernel.filter);
    int64_t taps = __builtin_popcountll(masks[kernel.pattern]);
    for (int64_t t = 0; t < taps; ++t)
      out.weights.push_back(weights[kernel.weight + t]);
  }
  return out;
}

/// Tap t's vector v, as the tiles name it.
static std::string tapVar(int64_t t, int64_t v) {
  return std::to_string(t) + "_" + std::to_string(v);
}

/// Whether some tap of row ky is in `taps` (bits ky * kernelW + kx).
static bool rowOfTaps(uint64_t taps, int64_t kernelW, int64_t ky) {
  return ((taps >> (ky * kernelW)) & ((uint64_t(1) << kernelW) - 1)) != 0;
}

/// Prefetches of the cache lines of `floats` floats from `first` (a C
/// expression of a float pointer; prefetches never fault).
static void emitPrefetches(std::ostringstream &c, const std::string &first,
                           int64_t floats) {
  for (int64_t b = 0; b < floats * 4 + 63; b += 64)
    c << "    PV_PREFETCH((const char *)(" << first << ") + " << b << ");\n";
}

/// The opening of a channel-major tile whose blocks are flat positions
/// from a->ox (over the flat copy or the image): accumulators, kernel
/// arrays and the channel pointer.
static void emitFlatBlockPrologue(std::ostringstream &c,
                                  const std::string &name) {
  c << "static void " << name
    << "(const pat_pconv_layer *l, const pat_pconv_tile_args *a) {\n"
    << "  float *const out = a->output[0];\n"
    << "  const int32_t *cs = l->cm_stride, *cf = l->cm_filter;\n"
    << "  const float *w = l->cm_weights;\n"
    << "  const float *chan = a->input + a->ox;\n";
}

/// The loops over one channel's kernels, pattern by pattern: each loads
/// its filter's V accumulators from `out` (blocks of `accFloats` floats per
/// filter), adds its taps (vectors x<tap>_<v> loaded for the channel) and
/// stores them back.
static void emitKernelLoops(std::ostringstream &c, const PatternTileSpec &s,
                            int64_t V, int64_t lanes, int64_t accFloats) {
  int64_t P = s.masks.size();
  for (int64_t p = 0; p < P; ++p) {
    int64_t taps = __builtin_popcountll(s.masks[p]);
    c << "    for (int32_t k = cs[" << p << "]; k < cs[" << p + 1
      << "]; ++k, w += " << taps << ") {\n"
      << "      float *acc = out + (int64_t)cf[k] * " << accFloats << ";\n";
    for (int64_t v = 0; v < V; ++v)
      c << "      PV c" << v << " = PV_LOADU(acc + " << v * lanes << ");\n";
    int64_t i = 0;
    for (int64_t t = 0; t < s.kernelH * s.kernelW; ++t) {
      if (!((s.masks[p] >> t) & 1))
        continue;
      c << "      { const PV wt = PV_SET1(w[" << i++ << "]);";
      for (int64_t v = 0; v < V; ++v)
        c << " c" << v << " = PV_FMA(wt, x" << tapVar(t, v) << ", c" << v
          << ");";
      c << " }\n";
    }
    for (int64_t v = 0; v < V; ++v)
      c << "      PV_STOREU(acc + " << v * lanes << ", c" << v << ");\n";
    c << "    }\n";
  }
}

/// Stride 2, row blocks over the image itself (no column-phase copy): per
/// channel and input row, the block's input span is loaded once (vectors
/// l<j>, masked to the image), split into its even and odd columns in
/// registers (PV_EVEN / PV_ODD: the phases pe<u> and po<u>), and tap
/// column kx is phase kx % 2 shifted by kx / 2 lanes (PV_ALIGNR). A block
/// is `rows` output rows of V / rows vectors each (vector r * (V / rows) +
/// h: row oy + r, columns from ox + h * lanes); output row oy + r, tap row
/// ky read input row 2 (oy + r) + ky - pad_top, shared between rows.
static std::string emitChannelMajorStride2Tile(const std::string &name,
                                               const PatternTileSpec &s,
                                               int64_t V, int64_t rows,
                                               const Target &target) {
  int64_t lanes = target.vectorLanes, P = s.masks.size(), H = V / rows;
  int64_t channelFloats = s.inH * s.inW;
  uint64_t all = unionOfTaps(s.masks);
  auto used = [&](int64_t t) { return ((all >> t) & 1) != 0; };
  // Phase vectors an input row needs: P_q[u] for u < H, and P_q[H] where a
  // tap column of parity q shifts by d > 0 (lanes 0 .. d - 1 of it:
  // elements up to 2d - 2 + q of the next 2 * lanes floats).
  int64_t phaseVecs[2] = {0, 0}, shift[2] = {0, 0};
  for (int64_t kx = 0; kx < s.kernelW; ++kx)
    for (int64_t ky = 0; ky < s.kernelH; ++ky)
      if (used(ky * s.kernelW + kx)) {
        int64_t q = kx % 2;
        phaseVecs[q] = std::max(phaseVecs[q], H + (kx / 2 > 0 ? 1 : 0));
        shift[q] = std::max(shift[q], kx / 2);
      }
  // Whether P_q[H] needs its second load (else it splits l<2H> with itself).
  auto lastNeedsHi = [&](int64_t q) {
    return 2 * shift[q] - 2 + q >= lanes;
  };
  int64_t loads = 0;
  for (int64_t q = 0; q < 2; ++q)
    if (phaseVecs[q])
      loads = std::max(loads, phaseVecs[q] > H && !lastNeedsHi(q)
                                  ? 2 * H + 1
                                  : 2 * phaseVecs[q]);
  // Input rows (2r + ky from 2oy - pad_top) and the (r, ky) reading each.
  std::map<int64_t, std::vector<std::pair<int64_t, int64_t>>> inputRows;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t ky = 0; ky < s.kernelH; ++ky)
      if (rowOfTaps(all, s.kernelW, ky))
        inputRows[2 * r + ky].push_back({r, ky});
  std::ostringstream c;
  c << "static void " << name
    << "(const pat_pconv_layer *l, const pat_pconv_tile_args *a) {\n"
    << "  const int64_t oy = a->oy, ox = a->ox;\n"
    // Output column ox + i reads input column base + 2i + kx.
    << "  const int64_t base = 2 * ox - " << s.padLeft << ";\n";
  for (int64_t j = 0; j < loads; ++j)
    c << "  const PM mc" << j << " = PM_RANGE(-(base + " << j * lanes
      << "), " << s.inW << " - (base + " << j * lanes << "));\n";
  for (auto &[row, readers] : inputRows) {
    std::string k = std::to_string(row);
    // A row outside the image reads row 0 under empty masks: zeros.
    c << "  const int64_t iy" << k << " = oy * 2 + " << row - s.padTop
      << ";\n"
      << "  const int in" << k << " = iy" << k << " >= 0 && iy" << k << " < "
      << s.inH << ";\n"
      << "  const int64_t at" << k << " = (in" << k << " ? iy" << k
      << " : 0) * " << s.inW << " + base;\n";
    for (int64_t j = 0; j < loads; ++j)
      c << "  const PM m" << k << "_" << j << " = in" << k << " ? mc" << j
        << " : PM_FIRST(0);\n";
  }
  c << "  float *const out = a->output[0];\n"
    << "  const int32_t *cs = l->cm_stride, *cf = l->cm_filter;\n"
    << "  const float *w = l->cm_weights;\n"
    << "  const float *chan = a->input;\n"
    << "  for (int64_t c = 0; c < " << s.inC << "; ++c, cs += " << P + 1
    << ", chan += " << channelFloats << ") {\n";
  // The image's channels are far apart: prefetch the next one's spans.
  for (auto &[row, readers] : inputRows)
    emitPrefetches(c,
                   "chan + " + std::to_string(channelFloats) + " + at" +
                       std::to_string(row),
                   2 * H * lanes + s.kernelW - 1);
  c << "    PV";
  const char *sep = " ";
  for (int64_t t = 0; t < s.kernelH * s.kernelW; ++t)
    if (used(t))
      for (int64_t v = 0; v < V; ++v, sep = ", ")
        c << sep << "x" << tapVar(t, v);
  c << ";\n";
  for (auto &[row, readers] : inputRows) {
    std::string k = std::to_string(row);
    c << "    {\n";
    for (int64_t j = 0; j < loads; ++j)
      c << "      const PV l" << j << " = PV_LOADM(chan + at" << k << " + "
        << j * lanes << ", m" << k << "_" << j << ");\n";
    for (int64_t q = 0; q < 2; ++q)
      for (int64_t u = 0; u < phaseVecs[q]; ++u)
        c << "      const PV " << (q ? "po" : "pe") << u << " = "
          << (q ? "PV_ODD" : "PV_EVEN") << "(l" << 2 * u << ", l"
          << (u == H && !lastNeedsHi(q) ? 2 * u : 2 * u + 1) << ");\n";
    for (auto [r, ky] : readers)
      for (int64_t kx = 0; kx < s.kernelW; ++kx) {
        int64_t t = ky * s.kernelW + kx;
        if (!used(t))
          continue;
        std::string phase = kx % 2 ? "po" : "pe";
        int64_t d = kx / 2;
        for (int64_t h = 0; h < H; ++h) {
          c << "      x" << tapVar(t, r * H + h) << " = ";
          if (d == 0)
            c << phase << h << ";\n";
          else
            c << "PV_ALIGNR(" << phase << h + 1 << ", " << phase << h << ", "
              << d << ");\n";
        }
      }
    c << "    }\n";
  }
  emitKernelLoops(c, s, V, lanes, V * lanes);
  c << "  }\n}\n\n";
  return c.str();
}

/// Stride 1, row blocks over the image itself (output rows narrower than
/// the input's, e.g. no padding): tap (ky, kx) of output column ox + i
/// reads input column ox + i + kx - pad_left of row oy + ky - pad_top,
/// masked to the image.
static std::string emitChannelMajorStride1Tile(const std::string &name,
                                               const PatternTileSpec &s,
                                               int64_t V,
                                               const Target &target) {
  int64_t lanes = target.vectorLanes, P = s.masks.size();
  int64_t channelFloats = s.inH * s.inW;
  uint64_t all = unionOfTaps(s.masks);
  auto used = [&](int64_t t) { return ((all >> t) & 1) != 0; };
  auto rowUsed = [&](int64_t ky) { return rowOfTaps(all, s.kernelW, ky); };
  std::ostringstream c;
  c << "static void " << name
    << "(const pat_pconv_layer *l, const pat_pconv_tile_args *a) {\n"
    << "  const int64_t oy = a->oy, ox = a->ox;\n";
  // Input rows of the taps; a row outside the image reads row 0 under an
  // empty mask (nothing is loaded: the zero padding).
  for (int64_t ky = 0; ky < s.kernelH; ++ky) {
    if (!rowUsed(ky))
      continue;
    std::string k = std::to_string(ky);
    c << "  const int64_t iy" << k << " = oy + " << ky - s.padTop << ";\n"
      << "  const int in" << k << " = iy" << k << " >= 0 && iy" << k << " < "
      << s.inH << ";\n"
      << "  const int64_t row" << k << " = in" << k << " ? iy" << k
      << " : 0;\n";
  }
  for (int64_t t = 0; t < s.kernelH * s.kernelW; ++t) {
    if (!used(t))
      continue;
    int64_t ky = t / s.kernelW, d = t % s.kernelW - s.padLeft;
    std::string k = std::to_string(ky);
    for (int64_t v = 0; v < V; ++v) {
      std::string j = "(ox + " + std::to_string(d + v * lanes) + ")";
      c << "  const PM m" << tapVar(t, v) << " = in" << k << " ? PM_RANGE(-"
        << j << ", " << s.inW << " - " << j << ") : PM_FIRST(0);\n"
        << "  const int64_t o" << tapVar(t, v) << " = row" << k << " * "
        << s.inW << " + " << j << ";\n";
    }
  }
  // The accumulators: [filter][V vectors], aligned, in the L1 (the driver
  // fills them with the bias and stores them into the output).
  c << "  float *const out = a->output[0];\n";
  c << "  const int32_t *cs = l->cm_stride, *cf = l->cm_filter;\n"
    << "  const float *w = l->cm_weights;\n"
    << "  const float *chan = a->input;\n"
    << "  for (int64_t c = 0; c < " << s.inC << "; ++c, cs += " << P + 1
    << ", chan += " << channelFloats << ") {\n";
  // The image's channels are far apart, a stride no hardware prefetcher
  // follows: the next channel's tap rows are prefetched (256x56 layer
  // 3.95 -> 3.54 ms, Zen 5).
  for (int64_t ky = 0; ky < s.kernelH; ++ky)
    if (rowUsed(ky))
      emitPrefetches(c, "chan + " + std::to_string(channelFloats) + " + row" +
                            std::to_string(ky) + " * " +
                            std::to_string(s.inW) + " + ox - " +
                            std::to_string(s.padLeft),
                     V * lanes + s.kernelW - 1);
  for (int64_t t = 0; t < s.kernelH * s.kernelW; ++t)
    if (used(t))
      for (int64_t v = 0; v < V; ++v)
        c << "    const PV x" << tapVar(t, v) << " = PV_LOADM(chan + o"
          << tapVar(t, v) << ", m" << tapVar(t, v) << ");\n";
  emitKernelLoops(c, s, V, lanes, V * lanes);
  c << "  }\n}\n\n";
  return c.str();
}

std::string emitChannelMajorTile(const std::string &name,
                                 const PatternTileSpec &s, int64_t V,
                                 int64_t rows, const Target &target) {
  return s.strideW == 2
             ? emitChannelMajorStride2Tile(name, s, V, rows, target)
             : emitChannelMajorStride1Tile(name, s, V, target);
}

std::string emitChannelMajorFlatTile(const std::string &name,
                                     const PatternTileSpec &s,
                                     const FlatTileShape &flat, int64_t V,
                                     const Target &target) {
  int64_t lanes = target.vectorLanes, P = s.masks.size();
  uint64_t all = unionOfTaps(s.masks);
  std::ostringstream c;
  emitFlatBlockPrologue(c, name);
  c << "  for (int64_t c = 0; c < " << s.inC << "; ++c, cs += " << P + 1
    << ", chan += " << flat.phases * flat.phaseFloats << ") {\n";
  // The copy is zero-padded and holds every block's reach (phaseFloats
  // covers the plane's vectors, the farthest tap and one vector more), so
  // the loads need no masks.
  for (int64_t t = 0; t < s.kernelH * s.kernelW; ++t) {
    if (!((all >> t) & 1))
      continue;
    auto [phase, shift] = flatTapSource(s, flat.pitch, t);
    for (int64_t v = 0; v < V; ++v)
      c << "    const PV x" << tapVar(t, v) << " = PV_LOADU(chan + "
        << phase * flat.phaseFloats + shift + v * lanes << ");\n";
  }
  emitKernelLoops(c, s, V, lanes, V * lanes);
  c << "  }\n}\n\n";
  return c.str();
}

std::string emitChannelMajorImageTile(const std::string &name,
                                      const PatternTileSpec &s, int64_t V,
                                      int64_t blockVecs,
                                      const Target &target) {
  int64_t lanes = target.vectorLanes, P = s.masks.size();
  int64_t width = s.inW, channelFloats = s.inH * s.inW;
  uint64_t all = unionOfTaps(s.masks);
  std::ostringstream c;
  emitFlatBlockPrologue(c, name);
  // Output position o reads o + (ky - padTop) * width + kx - padLeft; the
  // driver's masks keep the lanes whose tap is inside the image.
  auto offset = [&](int64_t t, int64_t v) {
    return (t / s.kernelW - s.padTop) * width + t % s.kernelW - s.padLeft +
           v * lanes;
  };
  for (int64_t t = 0; t < s.kernelH * s.kernelW; ++t)
    if ((all >> t) & 1)
      for (int64_t v = 0; v < V; ++v)
        c << "  const PM m" << tapVar(t, v) << " = a->load_mask["
          << t * blockVecs + v << "];\n";
  c << "  for (int64_t c = 0; c < " << s.inC << "; ++c, cs += " << P + 1
    << ", chan += " << channelFloats << ") {\n";
  // The next channel's tap rows (see emitChannelMajorTile), as one range
  // where they overlap or nearly touch (narrow maps).
  int64_t rowFloats = V * lanes + s.kernelW - 1, first = -1, last = -1,
          rows = 0;
  for (int64_t ky = 0; ky < s.kernelH; ++ky)
    if (rowOfTaps(all, s.kernelW, ky)) {
      first = first < 0 ? ky : first;
      last = ky;
      ++rows;
    }
  auto rowStart = [&](int64_t ky) {
    return "chan + " + std::to_string(channelFloats + (ky - s.padTop) * width -
                                      s.padLeft);
  };
  if (rows && (last - first) * width + rowFloats <= rows * rowFloats)
    emitPrefetches(c, rowStart(first), (last - first) * width + rowFloats);
  else
    for (int64_t ky = 0; ky < s.kernelH; ++ky)
      if (rowOfTaps(all, s.kernelW, ky))
        emitPrefetches(c, rowStart(ky), rowFloats);
  for (int64_t t = 0; t < s.kernelH * s.kernelW; ++t)
    if ((all >> t) & 1)
      for (int64_t v = 0; v < V; ++v)
        c << "    const PV x" << tapVar(t, v) << " = PV_LOADM(chan + ("
          << offset(t, v) << "), m" << tapVar(t, v) << ");\n";
  emitKernelLoops(c, s, V, lanes, blockVecs * lanes);
  c << "  }\n}\n\n";
  return c.str();
}

} // namespace pat
