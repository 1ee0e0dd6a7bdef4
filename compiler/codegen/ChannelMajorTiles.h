//===- ChannelMajorTiles.h - Channel-major pattern conv tiles ---*- C++ -*-===//
//
// Part of patc. A row tile runs kernel after kernel, and each kernel reads
// its channel's input rows again, from the L2 (stride 2: two column phases
// each, at about half the speed per MAC of stride 1). A channel-major tile
// turns the loops around: for one block of outputs it walks the input
// channels, loads each channel's tap vectors once, and adds them into
// every kernel at that channel, whose filter's accumulators are a block of
// every filter's vectors in the L1. See runtime/kernels/conv_pattern.h
// (pat_pconv_layer::cm_tile).
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

/// What one call of a channel-major tile computes and reads (the runtime's
/// PAT_PCONV_CM_*, pat_pconv_layer::cm_flat).
enum class ChannelMajorBlocks {
  /// A block of output rows (stride 2: one or two rows), over the image.
  Rows = 0,
  /// Flat positions over the flat tiles' copy (small stride-2 maps whose
  /// rows would leave over a quarter of the lanes empty: 7x7, 7 of 16).
  FlatCopy = 1,
  /// Flat positions of the output plane over the image itself, masked per
  /// tap (stride 1 with out_w == in_w): no lanes lost at row ends, no copy.
  FlatImage = 2,
};

/// A layer's channel-major tile: 0 vectors when it cannot have one
/// (stride 1 or 2 in both directions and dilation 1 are needed, and the
/// tap vectors of every tap some pattern uses, loaded once per channel,
/// plus one kernel's accumulators and a weight must fit the registers).
struct ChannelMajorShape {
  int64_t vecs = 0; ///< Vectors of outputs per call.
  ChannelMajorBlocks blocks = ChannelMajorBlocks::Rows;
  FlatTileShape flat; ///< The copy's geometry (FlatCopy)
  /// FlatImage: vectors of the plane's last block when it fills fewer than
  /// `vecs` (a tile of its own runs it), else 0.
  int64_t tailVecs = 0;
  /// Rows: output rows per block (stride 2; each row vecs / rows vectors).
  int64_t rows = 1;
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

/// The C of a channel-major tile function named `name` whose blocks are
/// `rows` output rows (`vecs` and `rows` from its ChannelMajorShape).
std::string emitChannelMajorTile(const std::string &name,
                                 const PatternTileSpec &spec, int64_t vecs,
                                 int64_t rows, const Target &target);

/// The C of a channel-major tile over the flat copy: one call is a block of
/// `vecs` vectors of flat output positions (from a->ox) of every filter.
std::string emitChannelMajorFlatTile(const std::string &name,
                                     const PatternTileSpec &spec,
                                     const FlatTileShape &flat, int64_t vecs,
                                     const Target &target);

/// The C of a channel-major tile over the image (ChannelMajorBlocks::
/// FlatImage): one call is a block of `vecs` vectors of the output plane
/// from position a->ox, each tap read under its mask in a->load_mask.
/// Masks and accumulators are laid out for blocks of `blockVecs` vectors
/// (the layer's cm_vecs; more than `vecs` in the tail tile).
std::string emitChannelMajorImageTile(const std::string &name,
                                      const PatternTileSpec &spec,
                                      int64_t vecs, int64_t blockVecs,
                                      const Target &target);

} // namespace pat

#endif // PAT_COMPILER_CODEGEN_CHANNELMAJORTILES_H
