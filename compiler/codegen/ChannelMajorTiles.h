//===- ChannelMajorTiles.h - Channel-major tiles of stride-2 convs -*- C++ -*-===//
//
// Part of patc. Stride-2 pattern convolutions too large for flat tiles ran
// as row tiles at about half the speed per MAC of stride-1 layers: each
// kernel reads twice as many input rows (two column phases each), fetched
// from the L2 for every kernel. A channel-major tile turns the loops
// around: for one output row block it walks the input channels, loads each
// channel's tap vectors once, and adds them into every kernel at that
// channel, whose filter's accumulators are the output row itself (all
// filters' rows of one block stay in the L1). See
// runtime/kernels/conv_pattern.h (pat_pconv_layer::cm_tile).
//
//===----------------------------------------------------------------------===//

#ifndef PAT_COMPILER_CODEGEN_CHANNELMAJORTILES_H
#define PAT_COMPILER_CODEGEN_CHANNELMAJORTILES_H

#include "compiler/Target.h"
#include "compiler/codegen/PatternTiles.h"
#include "llvm/ADT/ArrayRef.h"
#include <cstdint>
#include <string>
#include <vector>

namespace pat {

/// A layer's channel-major tile: 0 vectors when it cannot have one
/// (stride 2 in both directions and dilation 1 are needed, and the tap
/// vectors of every tap some pattern uses, loaded once per channel, plus
/// one kernel's accumulators and a weight must fit the vector registers).
struct ChannelMajorShape {
  int64_t vecs = 0; ///< Vectors of outputs per call.
  /// Whether it reads the flat tiles' copy of geometry `flat`
  /// (pat_pconv_layer::cm_flat) rather than the column phases: where the
  /// layer has a flat geometry and its row blocks would leave over a
  /// quarter of their lanes empty (a 7x7 map: 7 of 16).
  bool onFlatCopy = false;
  FlatTileShape flat;
  /// Scratch per thread: the input copy, then the accumulator block.
  int64_t scratchBytes = 0;
};
ChannelMajorShape chooseChannelMajorShape(const PatternTileSpec &spec,
                                          const Target &target);

/// The layer's kernels in channel-major order (the runtime's cm_stride,
/// cm_filter and cm_weights), from its FKW arrays and packed weights.
struct ChannelMajorLayout {
  std::vector<int32_t> stride; ///< [in_c * (patterns + 1)] kernel starts
  std::vector<int32_t> filter; ///< output channel of each kernel
  std::vector<float> weights;  ///< kept taps, kernel after kernel
};
ChannelMajorLayout channelMajorLayout(llvm::ArrayRef<uint64_t> masks,
                                      int64_t inC,
                                      llvm::ArrayRef<int32_t> reorder,
                                      llvm::ArrayRef<int32_t> index,
                                      llvm::ArrayRef<int32_t> stride,
                                      llvm::ArrayRef<float> weights);

/// The C of a channel-major tile function named `name` over the column
/// phases (`vecs` from its ChannelMajorShape).
std::string emitChannelMajorTile(const std::string &name,
                                 const PatternTileSpec &spec, int64_t vecs,
                                 const Target &target);

/// The C of a channel-major tile over the flat copy: one call is a block of
/// `vecs` vectors of flat output positions (from a->ox) of every filter.
std::string emitChannelMajorFlatTile(const std::string &name,
                                     const PatternTileSpec &spec,
                                     const FlatTileShape &flat, int64_t vecs,
                                     const Target &target);

} // namespace pat

#endif // PAT_COMPILER_CODEGEN_CHANNELMAJORTILES_H
