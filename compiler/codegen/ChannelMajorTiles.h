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

/// Vectors of outputs per channel-major tile call, or 0 when the layer
/// cannot have one: stride 2 in both directions, dilation 1, and the tap
/// vectors of every tap some pattern uses (loaded once per channel) plus
/// the accumulators and a weight fit the vector registers.
int64_t channelMajorVecs(const PatternTileSpec &spec, const Target &target);

/// The same for a tile over the flat copy of geometry `flat`: vectors of
/// the flat plane per call.
int64_t channelMajorFlatVecs(const PatternTileSpec &spec,
                             const FlatTileShape &flat, const Target &target);

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

/// The C of a channel-major tile function named `name` (vecs from
/// channelMajorVecs).
std::string emitChannelMajorTile(const std::string &name,
                                 const PatternTileSpec &spec, int64_t vecs,
                                 const Target &target);

/// Whether the channel-major tile of `vecs` vectors reads the flat tiles'
/// copy (pat_pconv_layer::cm_flat) rather than the column phases: where the
/// layer has a flat geometry (`flat`, from chooseFlatTile) and its row
/// blocks would leave over a quarter of their lanes empty.
bool channelMajorReadsFlatCopy(const PatternTileSpec &spec,
                               const FlatTileShape &flat, int64_t vecs,
                               const Target &target);

/// The C of a channel-major tile over the flat copy: one call is a block of
/// `vecs` vectors of flat output positions (from a->ox) of every filter.
std::string emitChannelMajorFlatTile(const std::string &name,
                                     const PatternTileSpec &spec,
                                     const FlatTileShape &flat, int64_t vecs,
                                     const Target &target);

} // namespace pat

#endif // PAT_COMPILER_CODEGEN_CHANNELMAJORTILES_H
