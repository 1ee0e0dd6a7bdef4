//===- PatAttrs.td - Attributes of the pat dialect ---------*- tablegen -*-===//
//
// Part of patc. The sparsity attributes of pattern convolutions: the set of
// kernel patterns a layer uses and its FKW (filter-kernel-weight) storage.
//
//===----------------------------------------------------------------------===//

#ifndef PAT_ATTRS_TD
#define PAT_ATTRS_TD

include "dialects/pat/PatDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/BuiltinAttributes.td"

class Pat_Attr<string name, string attrMnemonic>
    : AttrDef<Pat_Dialect, name> {
  let mnemonic = attrMnemonic;
}

def Pat_PatternSetAttr : Pat_Attr<"PatternSet", "patterns"> {
  let summary = "The kernel patterns (non-zero masks) of one conv layer";
  let description = [{
    Each pattern is a mask over a kH x kW kernel, bit `r * kW + c` for tap
    (r, c). The printed form lists rows top to bottom, '1' for a kept tap:

      #pat.patterns<3x3, ["010/111/000", "000/111/010"]>

    Pattern `i` of the list is pattern id `i` in the FKW stride array.
  }];
  let parameters = (ins "int64_t":$kernelH, "int64_t":$kernelW,
                        ArrayRefParameter<"uint64_t">:$masks);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Number of taps of pattern `id`.
    int64_t taps(size_t id) const;
  }];
}

def Pat_FkwAttr : Pat_Attr<"Fkw", "fkw"> {
  let summary = "Filter-kernel-weight storage of a pattern convolution";
  let description = [{
    PatDNN's compressed layout (docs/sparsity.md). Filters are stored in FKR
    order; storage filter `f`:
    - `reorder[f]` is its output channel in the model;
    - its kernels are `offsets[f] .. offsets[f+1]` (into `index`);
    - `index[k]` is kernel k's input channel;
    - its kernels with pattern p are `stride[f*(P+1)+p] .. stride[f*(P+1)+p+1]`
      (absolute positions in `index`; P = number of patterns).
    The op's weight operand holds each kernel's kept taps, kernel after
    kernel, in tap order.
  }];
  let parameters = (ins "::mlir::DenseI32ArrayAttr":$reorder,
                        "::mlir::DenseI32ArrayAttr":$offsets,
                        "::mlir::DenseI32ArrayAttr":$index,
                        "::mlir::DenseI32ArrayAttr":$stride);
  let assemblyFormat = "`<` struct(params) `>`";
}

#endif // PAT_ATTRS_TD
