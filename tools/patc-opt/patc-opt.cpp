//===- patc-opt.cpp - patc's mlir-opt ---------------------------*- C++ -*-===//
//
// Part of patc. Runs any registered pass on .mlir input; used by lit tests.
//
//===----------------------------------------------------------------------===//

#include "dialects/pat/PatDialect.h"
#include "passes/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<pat::PatDialect, mlir::func::FuncDialect>();
  pat::registerPatPasses();
  pat::registerGraphPipeline();
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "patc optimizer driver\n", registry));
}
