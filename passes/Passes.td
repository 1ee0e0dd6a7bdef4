//===- Passes.td - patc graph passes -----------------------*- tablegen -*-===//
//
// Part of patc.
//
//===----------------------------------------------------------------------===//

#ifndef PAT_PASSES_TD
#define PAT_PASSES_TD

include "mlir/Pass/PassBase.td"

def FoldConstants : Pass<"pat-fold-constants", "mlir::func::FuncOp"> {
  let summary = "Evaluate ops whose operands are all constants";
  let description = [{
    Replaces reshape, transpose, elementwise and activation ops on constant
    operands by a new `pat.constant` holding the result.
  }];
}

def FoldBatchNorm : Pass<"pat-fold-batchnorm", "mlir::func::FuncOp"> {
  let summary = "Fold inference batch norm into the preceding conv or gemm";
  let description = [{
    `batch_norm(conv2d(x, W, b))` becomes `conv2d(x, W * s, (b - mean) * s +
    beta)` with `s = scale / sqrt(var + eps)`, when the conv result has no
    other user and its weights are constant. Likewise for gemm with a
    constant B.
  }];
}

def FuseBiasActivation : Pass<"pat-fuse-bias-activation",
                              "mlir::func::FuncOp"> {
  let summary = "Fuse a following per-channel add and activation into conv2d/gemm";
  let description = [{
    `add(conv2d(x, W), c)` with a constant `c` that broadcasts per output
    channel becomes the conv's bias; a unary activation whose operand is a
    single-use conv2d or gemm becomes its fused `activation`.
  }];
}

def FuseResidual : Pass<"pat-fuse-residual", "mlir::func::FuncOp"> {
  let summary = "Fuse a residual add (and the activation after it) into a conv";
  let description = [{
    `add(conv(x, W), r)` (either operand order), where the conv has one use
    and no activation yet and `r` has the result's type, becomes
    `conv(x, W) residual r`; a following unary activation that only reads
    the add becomes the conv's activation. The conv is a `pat.conv2d` with
    constant weights and one group (run by the GEMM kernel) or any
    `pat.pattern_conv2d` (its tiles add `r` in their store). The kernel then
    adds `r` and applies the activation while its output is in registers or
    cache, instead of two more passes over the tensor (ResNet blocks end
    this way). Runs after sparsity analysis, so it sees which convs became
    pattern convs.
  }];
}

def SubsamplePointwise : Pass<"pat-subsample-pointwise",
                              "mlir::func::FuncOp"> {
  let summary = "Split a strided 1x1 conv into a subsample and a 1x1 conv";
  let description = [{
    A `pat.conv2d` with a 1x1 kernel, strides other than 1 and no padding
    reads only every stride-th pixel. It becomes a `pat.max_pool2d` with a
    1x1 window and the conv's strides (which copies those pixels: the max
    of one value is that value) feeding the same conv with strides 1. The
    conv then runs on the GEMM kernel's pointwise path, which reads its
    input in place, instead of the banded path that copies every input row
    for each K block (ResNet-50's downsample shapes: 1.9-2.5 ms -> 1.2-1.3 ms,
    docs/architecture.md). Runs before sparsity analysis, so a pruned
    strided 1x1 conv is analysed at stride 1.
  }];
}

def DeadCodeElimination : Pass<"pat-dce", "mlir::func::FuncOp"> {
  let summary = "Erase ops whose results are unused";
}

def SparsityAnalysis : Pass<"pat-sparsity-analysis", "mlir::func::FuncOp"> {
  let summary = "Find kernel patterns in conv weights and choose dense or "
                "pattern execution per layer";
  let description = [{
    For every `pat.conv2d` with constant weights: each kernel's non-zero
    mask, the empty kernels and the layer's distinct masks. The layer's
    pattern set is its distinct masks, most frequent first; past
    `max-patterns` the rarest masks are covered by the full kernel (a
    generic sparse kernel that still skips empty kernels). A cost estimate
    (executed taps x `pattern-mac-cost` against dense MACs) picks the path;
    `mode` = always / never overrides it. Chosen layers become
    `pat.pattern_conv2d`. Every analysed conv gets a `pat.sparsity`
    dictionary (path, reason, counts) that `patc --stats` prints.
  }];
  let options = [
    Option<"mode", "mode", "std::string", /*default=*/"\"auto\"",
           "auto (cost model), always (every eligible conv), never">,
    Option<"maxPatterns", "max-patterns", "int64_t", /*default=*/"16",
           "Most distinct patterns per layer before the rest fall back to "
           "the full kernel">,
    Option<"patternMacCost", "pattern-mac-cost", "double", /*default=*/"1.5",
           "Cost of one pattern-path MAC in dense-path MACs">
  ];
}

def FilterKernelReorder : Pass<"pat-fkr", "mlir::func::FuncOp"> {
  let summary = "Filter-kernel reorder: group filters of similar length and "
                "pattern make-up";
  let description = [{
    Sets `filter_order` and `filter_groups` on every `pat.pattern_conv2d`
    not yet packed. Filters are sorted by kernel count (descending), then by
    their per-pattern kernel counts, then by index; runs of equal kernel
    count form groups. The permutation costs nothing at run time: each
    filter writes its own output channel (docs/sparsity.md).
  }];
}

def FkwPack : Pass<"pat-fkw-pack", "mlir::func::FuncOp"> {
  let summary = "Pack pattern-conv weights into FKW storage";
  let description = [{
    Replaces the dense weight of every `pat.pattern_conv2d` by its kept taps
    and sets the `fkw` attribute (reorder / offsets / index / stride);
    kernels inside a filter are ordered by pattern, then input channel.
  }];
}

def PlanMemory : Pass<"pat-plan-memory", "mlir::func::FuncOp"> {
  let summary = "Assign every intermediate tensor an offset in one arena";
  let description = [{
    Computes each tensor's live range in program order and packs them into a
    single arena (greedy, largest first, 64-byte aligned). Sets
    `pat.offset` on each op whose result lives in the arena and
    `pat.arena_bytes` / `pat.weight_bytes` on the function. Graph outputs are
    written straight to the caller's buffers; reshapes are views.
  }];
}

#endif // PAT_PASSES_TD
