//===- Pipeline.cpp - The graph pipeline patc runs --------------*- C++ -*-===//
//
// Part of patc.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

void pat::buildGraphPipeline(OpPassManager &pm,
                             const GraphPipelineOptions &options) {
  OpPassManager &fpm = pm.nest<func::FuncOp>();
  fpm.addPass(createFoldConstants());
  fpm.addPass(createFoldBatchNorm());
  fpm.addPass(createFuseBiasActivation());
  fpm.addPass(createDeadCodeElimination());
  fpm.addPass(createSubsamplePointwise());
  SparsityAnalysisOptions sparsity;
  sparsity.mode = options.sparse;
  fpm.addPass(createSparsityAnalysis(sparsity));
  fpm.addPass(createFilterKernelReorder());
  fpm.addPass(createFkwPack());
  fpm.addPass(createFuseResidual());
  fpm.addPass(createDeadCodeElimination());
  fpm.addPass(createPlanMemory());
}

void pat::registerGraphPipeline() {
  PassPipelineRegistration<>("pat-graph-pipeline",
                             "The graph passes patc runs before codegen",
                             [](OpPassManager &pm) { buildGraphPipeline(pm); });
}
