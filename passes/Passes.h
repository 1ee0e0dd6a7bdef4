//===- Passes.h - patc graph passes -----------------------------*- C++ -*-===//
//
// Part of patc.
//
//===----------------------------------------------------------------------===//

#ifndef PAT_PASSES_PASSES_H
#define PAT_PASSES_PASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

namespace pat {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

/// Choices patc exposes on its command line.
struct GraphPipelineOptions {
  std::string sparse = "auto"; ///< pat-sparsity-analysis mode.
};

/// The graph pipeline patc runs before code generation, in order.
void buildGraphPipeline(mlir::OpPassManager &pm,
                        const GraphPipelineOptions &options = {});

/// Registers the pipeline as `pat-graph-pipeline` (for patc-opt).
void registerGraphPipeline();

} // namespace pat

#endif // PAT_PASSES_PASSES_H
