//===- PatDialect.td - The pat dialect ---------------------*- tablegen -*-===//
//
// Part of patc. The `pat` dialect models an inference graph at ONNX level
// (NCHW, ranked tensors, static shapes) before it is lowered to C.
//
//===----------------------------------------------------------------------===//

#ifndef PAT_DIALECT_TD
#define PAT_DIALECT_TD

include "mlir/IR/OpBase.td"

def Pat_Dialect : Dialect {
  let name = "pat";
  let summary = "Graph-level ops of the patc DNN compiler";
  let description = [{
    Ops on statically shaped ranked tensors with ONNX (NCHW) semantics.
    Weights are `pat.constant` ops holding `dense_resource` blobs so that the
    IR stays readable.
  }];
  let cppNamespace = "::pat";
  let hasConstantMaterializer = 1;
  let useDefaultAttributePrinterParser = 1;
  let extraClassDeclaration = [{
    void registerAttributes();
  }];
}

class Pat_Op<string mnemonic, list<Trait> traits = []>
    : Op<Pat_Dialect, mnemonic, traits>;

#endif // PAT_DIALECT_TD
