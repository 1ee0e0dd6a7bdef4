//===- PatternTiles.h - Generated tiles of pattern convolutions -*- C++ -*-===//
//
// Part of patc. For each pattern convolution patc writes C tile functions
// (see runtime/kernels/conv_pattern.h) whose loops are specialised to the
// layer's patterns: one loop per pattern over that pattern's kernels, and
// inside it only the kept taps, fully unrolled over a rows x vectors tile of
// outputs held in registers. Kernel-level load-redundancy elimination: each
// input row is loaded once and feeds every tap and output row that reads
// it, the tap columns through in-register lane shifts.
//
//===----------------------------------------------------------------------===//

#ifndef PAT_COMPILER_CODEGEN_PATTERNTILES_H
#define PAT_COMPILER_CODEGEN_PATTERNTILES_H

#include "compiler/Target.h"
#include "llvm/ADT/ArrayRef.h"
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace pat {

/// What a tile function is specialised to.
struct PatternTileSpec {
  llvm::ArrayRef<uint64_t> masks;
  int64_t kernelH = 0, kernelW = 0;
  int64_t inC = 0; ///< Input channels (the flat tile's padded copy).
  int64_t outC = 0; ///< Output channels (channel-major accumulators).
  int64_t inH = 0, inW = 0, outH = 0, outW = 0;
  int64_t strideH = 1, strideW = 1, dilationH = 1, dilationW = 1;
  int64_t padTop = 0, padLeft = 0;
  bool relu = false; ///< Apply max(x, 0) when storing.
  /// Add the residual (a->residual[f], laid out as the output) when
  /// storing, before the ReLU.
  bool residual = false;
};

/// Rows, vectors and filters of a layer's tile for `target`; rows == 0
/// means the layer has no generated tile (the runtime's generic kernel runs
/// it). A tile of several filters loads each input row once for all of them
/// (filter-level LRE); its filters must share index[] and stride[].
struct TileShape {
  int64_t rows = 0, vecs = 0, filters = 1;
  double cost = 0; ///< Estimated work per filter and kernel over the layer.
  /// Interior rows left after the `rows`-row tiles, run as one more tile of
  /// this many rows when >= 2 (else as one-row tiles).
  int64_t restRows = 0;
};

/// The cheapest shape by a load + shift + FMA count; `filters` (a power of
/// two) is how many consecutive storage filters may share a tile.
TileShape chooseTileShape(const PatternTileSpec &spec, const Target &target,
                          int64_t filters = 1);

/// For every vector count and filter count a tile may use, the cheapest
/// row count, cheapest first (the first is chooseTileShape's); empty when
/// the layer has no generated tile. What patc --tune measures.
std::vector<TileShape> tileShapeCandidates(const PatternTileSpec &spec,
                                           const Target &target,
                                           int64_t filters = 1);

/// A flat tile (small maps; see pat_pconv_layer::flat_tile in
/// conv_pattern.h): the whole output plane of `filters` filters as `vecs`
/// vectors over a zero-padded copy of the input split into `phases` stride
/// phases of row pitch `pitch`, one phase every `phaseFloats` floats.
/// vecs == 0: none.
struct FlatTileShape {
  int64_t pitch = 0, vecs = 0, phaseFloats = 0, phases = 1, filters = 1;
  double cost = 0; ///< Comparable with TileShape::cost.
};
FlatTileShape chooseFlatTile(const PatternTileSpec &spec, const Target &target,
                             int64_t filters = 1);

/// Where tap t (bit ky * kernelW + kx) reads in a flat tile's copy of
/// pitch `pitch`: its phase and its offset from the output's flat position.
std::pair<int64_t, int64_t> flatTapSource(const PatternTileSpec &spec,
                                          int64_t pitch, int64_t t);
/// C source of the flat tile `static void name(...)`.
std::string emitFlatPatternTile(const std::string &name,
                                const PatternTileSpec &spec,
                                const FlatTileShape &shape,
                                const Target &target);

/// Most vectors across a tile; PAT_PCONV_MAX_VECS in conv_pattern.h.
constexpr int64_t kPatternMaxVecs = 4;
/// Most filters in a tile; PAT_PCONV_MAX_FILTERS in conv_pattern.h.
constexpr int64_t kPatternMaxTileFilters = 2;

/// How many consecutive storage filters (up to kPatternMaxTileFilters, a
/// power of two dividing `filters`) can share a tile: every aligned run of
/// that many has the same kernels (index[] and stride[] ranges of FKW), as
/// after pat-prune --filter-group 2 and FKR.
int64_t sharedTileFilters(llvm::ArrayRef<int32_t> stride,
                          llvm::ArrayRef<int32_t> index, int64_t numPatterns,
                          int64_t filters);

/// Load masks a tile may use; PAT_PCONV_MAX_MASKS in conv_pattern.h.
constexpr int64_t kPatternMaxLoadMasks = 256;

/// Kernels ahead whose input rows a tile prefetches; the FKW index array
/// carries this many trailing entries so the look-ahead stays inside it.
constexpr int64_t kPatternPrefetchDistance = 2;

/// Independent accumulators (dependent FMA chains) a flat tile needs to
/// hide the FMA latency: latency 4 x 2 FMA pipes = 8, with margin for the
/// loads and shifts between the FMAs (512x7 layer with filter pairs, 8
/// chains: 5-10% faster split). With fewer, its odd taps accumulate into a
/// second set.
constexpr int64_t kFlatMinChains = 12;

/// Whether the layer's row tiles read a column-phase copy of the input
/// instead of the input itself: with stride 2, phase 0 holds the even input
/// columns and phase 1 the odd ones (PAT_PCONV_COPY_PHASES), so a
/// lane-strided load becomes one plain vector load.
bool rowTilesUsePhases(int64_t strideW);
/// Row pitch of each phase of that copy (the even columns: ceil(inW / 2)).
int64_t phaseColumns(const PatternTileSpec &spec);

/// Whether the layer's stride-1 row tiles of `vecs` vectors read a copy of
/// the input cut into column strips, one per column block
/// (PAT_PCONV_COPY_STRIPS): with several blocks per row, each tile would
/// otherwise load a narrow piece of every wide input row, half-used cache
/// lines at both ends, from the L2 for every kernel.
bool rowTilesUseStrips(const PatternTileSpec &spec, int64_t vecs,
                       const Target &target);
/// Row pitch of a column strip: the block's output columns plus those its
/// taps reach past them.
int64_t stripPitch(const PatternTileSpec &spec, int64_t vecs,
                   const Target &target);
/// Column strips per channel.
int64_t stripCount(const PatternTileSpec &spec, int64_t vecs,
                   const Target &target);
/// Input rows a tile of `tileRows` output rows reads (the rows of a strip
/// band).
int64_t tileInputRows(const PatternTileSpec &spec, int64_t tileRows);

/// Input vectors a tile loads per input row and parity: `vecs` plus those
/// the widest tap-column shift reaches into (pat_pconv_layer::tile_base_vecs).
int64_t baseVectors(const PatternTileSpec &spec, int64_t vecs,
                    const Target &target);

/// C source of `static void name(...)` computing rows x vecs outputs of
/// each of `shape.filters` filters. With column strips the band is sized
/// for the layer's main tile of `bandTileRows` rows (0: this tile).
std::string emitPatternTile(const std::string &name,
                            const PatternTileSpec &spec, TileShape shape,
                            const Target &target, int64_t bandTileRows = 0);

} // namespace pat

#endif // PAT_COMPILER_CODEGEN_PATTERNTILES_H
