//===- PatternTiles.h - Generated tiles of pattern convolutions -*- C++ -*-===//
//
// Part of patc. For each pattern convolution patc writes C tile functions
// (see runtime/kernels/conv_pattern.h) whose loops are specialised to the
// layer's patterns: one loop per pattern over that pattern's kernels, and
// inside it only the kept taps, fully unrolled over a rows x vectors tile of
// outputs held in registers. Input vectors are loaded once per (input row,
// tap column) and reused by every tap and output row that needs them
// (kernel-level load-redundancy elimination).
//
//===----------------------------------------------------------------------===//

#ifndef PAT_COMPILER_CODEGEN_PATTERNTILES_H
#define PAT_COMPILER_CODEGEN_PATTERNTILES_H

#include "compiler/Target.h"
#include "llvm/ADT/ArrayRef.h"
#include <cstdint>
#include <string>

namespace pat {

/// What a tile function is specialised to.
struct PatternTileSpec {
  llvm::ArrayRef<uint64_t> masks;
  int64_t kernelH = 0, kernelW = 0;
  int64_t inH = 0, inW = 0, outH = 0, outW = 0;
  int64_t strideH = 1, strideW = 1, dilationH = 1, dilationW = 1;
  int64_t padTop = 0, padLeft = 0;
  bool relu = false; ///< Apply max(x, 0) when storing.
};

/// Rows and vectors of a layer's tile for `target`; rows == 0 means the
/// layer has no generated tile (the runtime's generic kernel runs it).
struct TileShape {
  int64_t rows = 0, vecs = 0;
};
TileShape chooseTileShape(const PatternTileSpec &spec, const Target &target);

/// C source of `static void name(...)` computing `rows` x `vecs` outputs.
std::string emitPatternTile(const std::string &name,
                            const PatternTileSpec &spec, int64_t rows,
                            int64_t vecs, const Target &target);

} // namespace pat

#endif // PAT_COMPILER_CODEGEN_PATTERNTILES_H
