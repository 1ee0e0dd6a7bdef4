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

def DeadCodeElimination : Pass<"pat-dce", "mlir::func::FuncOp"> {
  let summary = "Erase ops whose results are unused";
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
