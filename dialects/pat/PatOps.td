//===- PatOps.td - Operations of the pat dialect -----------*- tablegen -*-===//
//
// Part of patc. Every op is pure and works on statically shaped tensors. Ops
// whose output shape follows from attributes verify it (see ShapeRules.h).
//
//===----------------------------------------------------------------------===//

#ifndef PAT_OPS_TD
#define PAT_OPS_TD

include "dialects/pat/PatAttrs.td"
include "mlir/IR/BuiltinAttributes.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"

def Pat_Tensor : RankedTensorOf<[AnyFloat, AnyInteger]>;
def Pat_F32Tensor : RankedTensorOf<[F32]>;

// Fused activation carried by conv2d and gemm: one of "none", "relu",
// "leaky_relu" (alpha), "clip" (alpha = min, beta = max), "sigmoid", "tanh",
// "hard_sigmoid" (alpha, beta), "hard_swish".
defvar FusedActivationArgs = (ins
    DefaultValuedStrAttr<StrAttr, "none">:$activation,
    DefaultValuedAttr<F32Attr, "0.0f">:$act_alpha,
    DefaultValuedAttr<F32Attr, "0.0f">:$act_beta);

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

def Pat_ConstantOp : Pat_Op<"constant",
    [Pure, ConstantLike, AllTypesMatch<["value", "result"]>]> {
  let summary = "A constant tensor (weights are dense_resource blobs)";
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Pat_Tensor:$result);
  let assemblyFormat = "attr-dict $value";
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Convolution and matrix products
//===----------------------------------------------------------------------===//

def Pat_Conv2DOp : Pat_Op<"conv2d", [Pure, AttrSizedOperandSegments]> {
  let summary = "2-D convolution, NCHW input, OIHW weight, optional bias";
  let description = [{
    `pads` is [top, left, bottom, right]. The weight is
    [C_out, C_in / groups, kH, kW]. An activation may be fused, and (by
    `pat-fuse-residual`) a `residual` of the result's shape, added before
    the activation: act(conv + bias + residual).
  }];
  let arguments = !con((ins Pat_F32Tensor:$input, Pat_F32Tensor:$weight,
                            Optional<Pat_F32Tensor>:$bias,
                            Optional<Pat_F32Tensor>:$residual,
                            DenseI64ArrayAttr:$strides,
                            DenseI64ArrayAttr:$pads,
                            DenseI64ArrayAttr:$dilations,
                            DefaultValuedAttr<I64Attr, "1">:$groups),
                       FusedActivationArgs);
  let results = (outs Pat_F32Tensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? (`residual` $residual^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Pat_PatternConv2DOp : Pat_Op<"pattern_conv2d",
    [Pure, AttrSizedOperandSegments]> {
  let summary = "2-D convolution whose kernels follow a set of patterns";
  let description = [{
    Made from `pat.conv2d` by `pat-sparsity-analysis` when the layer's
    non-zero masks make pattern execution cheaper than dense. Every non-empty
    kernel's mask is inside one of `patterns` (kernels are computed over the
    whole pattern, so a pattern may cover a kernel with fewer taps).

    Until `pat-fkw-pack` runs, `weight` is the dense OIHW tensor and
    `filter_order` (set by `pat-fkr`) is the planned storage order of the
    filters. After it, `weight` is the 1-D FKW weight array described by
    `fkw`. `filter_groups` holds the first storage filter of each FKR group.
    Groups other than 1 never become pattern convolutions.

    As for `pat.conv2d`, `pat-fuse-residual` may fold an add after the conv
    into a `residual` of the result's type, added before the activation:
    act(conv + bias + residual).
  }];
  let arguments = !con((ins Pat_F32Tensor:$input, Pat_F32Tensor:$weight,
                            Optional<Pat_F32Tensor>:$bias,
                            Optional<Pat_F32Tensor>:$residual,
                            Pat_PatternSetAttr:$patterns,
                            OptionalAttr<DenseI64ArrayAttr>:$filter_order,
                            OptionalAttr<DenseI64ArrayAttr>:$filter_groups,
                            OptionalAttr<Pat_FkwAttr>:$fkw,
                            DenseI64ArrayAttr:$strides,
                            DenseI64ArrayAttr:$pads,
                            DenseI64ArrayAttr:$dilations),
                       FusedActivationArgs);
  let results = (outs Pat_F32Tensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? (`residual` $residual^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Pat_GemmOp : Pat_Op<"gemm", [Pure]> {
  let summary = "Y = alpha * op(A) * op(B) + beta * C (ONNX Gemm)";
  let arguments = !con((ins Pat_F32Tensor:$a, Pat_F32Tensor:$b,
                            Optional<Pat_F32Tensor>:$c,
                            DefaultValuedAttr<F32Attr, "1.0f">:$alpha,
                            DefaultValuedAttr<F32Attr, "1.0f">:$beta,
                            DefaultValuedAttr<BoolAttr, "false">:$trans_a,
                            DefaultValuedAttr<BoolAttr, "false">:$trans_b),
                       FusedActivationArgs);
  let results = (outs Pat_F32Tensor:$result);
  let assemblyFormat = [{
    $a `,` $b (`,` $c^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Pat_MatMulOp : Pat_Op<"matmul", [Pure]> {
  let summary = "numpy matmul with batch broadcasting (ONNX MatMul)";
  let arguments = (ins Pat_F32Tensor:$a, Pat_F32Tensor:$b);
  let results = (outs Pat_F32Tensor:$result);
  let assemblyFormat = "$a `,` $b attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Pooling and normalisation
//===----------------------------------------------------------------------===//

class Pat_Pool2DOp<string mnemonic, dag extraArgs> : Pat_Op<mnemonic, [Pure]> {
  let arguments = !con((ins Pat_Tensor:$input,
                            DenseI64ArrayAttr:$kernel_shape,
                            DenseI64ArrayAttr:$strides,
                            DenseI64ArrayAttr:$pads,
                            DefaultValuedAttr<BoolAttr, "false">:$ceil_mode),
                       extraArgs);
  let results = (outs Pat_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Pat_MaxPool2DOp : Pat_Pool2DOp<"max_pool2d",
    (ins DenseI64ArrayAttr:$dilations)> {
  let summary = "2-D max pooling; padding never wins";
}

def Pat_MaxPool2DWithIndicesOp : Pat_Op<"max_pool2d_with_indices", [Pure]> {
  let summary = "2-D max pooling that also returns each maximum's index";
  let description = [{
    `indices` holds, per output, the flat index of the chosen element in the
    input tensor (ONNX MaxPool's second output): row-major over NCHW, or
    with `column_major` over N, C, W, H (ONNX storage_order = 1).
  }];
  let arguments = (ins Pat_Tensor:$input, DenseI64ArrayAttr:$kernel_shape,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                       DefaultValuedAttr<BoolAttr, "false">:$ceil_mode,
                       DenseI64ArrayAttr:$dilations,
                       DefaultValuedAttr<BoolAttr, "false">:$column_major);
  let results = (outs Pat_Tensor:$result, RankedTensorOf<[I64]>:$indices);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Pat_AvgPool2DOp : Pat_Pool2DOp<"avg_pool2d",
    (ins DefaultValuedAttr<BoolAttr, "false">:$count_include_pad)> {
  let summary = "2-D average pooling";
}

def Pat_GlobalAvgPoolOp : Pat_Op<"global_avg_pool", [Pure]> {
  let summary = "Mean over every spatial dim; output [N, C, 1, ...]";
  let arguments = (ins Pat_F32Tensor:$input);
  let results = (outs Pat_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Pat_GlobalMaxPoolOp : Pat_Op<"global_max_pool", [Pure]> {
  let summary = "Max over every spatial dim; output [N, C, 1, ...]";
  let arguments = (ins Pat_F32Tensor:$input);
  let results = (outs Pat_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Pat_BatchNormOp : Pat_Op<"batch_norm", [Pure]> {
  let summary = "Inference batch normalisation over dim 1";
  let arguments = (ins Pat_F32Tensor:$input, Pat_F32Tensor:$scale,
                       Pat_F32Tensor:$bias, Pat_F32Tensor:$mean,
                       Pat_F32Tensor:$variance,
                       DefaultValuedAttr<F32Attr, "1e-5f">:$epsilon);
  let results = (outs Pat_F32Tensor:$result);
  let assemblyFormat = [{
    $input `,` $scale `,` $bias `,` $mean `,` $variance attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Pat_SoftmaxOp : Pat_Op<"softmax", [Pure]> {
  let summary = "Softmax along one axis (opset >= 13 semantics)";
  let arguments = (ins Pat_F32Tensor:$input, I64Attr:$axis);
  let results = (outs Pat_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

class Pat_BinaryOp<string mnemonic> : Pat_Op<mnemonic, [Pure]> {
  let summary = "Elementwise " # mnemonic # " with numpy broadcasting";
  let arguments = (ins Pat_Tensor:$lhs, Pat_Tensor:$rhs);
  let results = (outs Pat_Tensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Pat_AddOp : Pat_BinaryOp<"add">;
def Pat_SubOp : Pat_BinaryOp<"sub">;
def Pat_MulOp : Pat_BinaryOp<"mul">;
def Pat_DivOp : Pat_BinaryOp<"div">;

class Pat_UnaryOp<string mnemonic, dag extraArgs = (ins)>
    : Pat_Op<mnemonic, [Pure, SameOperandsAndResultType]> {
  let summary = "Elementwise " # mnemonic;
  let arguments = !con((ins Pat_Tensor:$input), extraArgs);
  let results = (outs Pat_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def Pat_ReluOp : Pat_UnaryOp<"relu">;
def Pat_LeakyReluOp : Pat_UnaryOp<"leaky_relu", (ins F32Attr:$alpha)>;
def Pat_ClipOp : Pat_Op<"clip", [Pure, AttrSizedOperandSegments]> {
  let summary = "Elementwise clamp to [min, max]";
  let description = [{
    The bounds are the `min`/`max` attributes, or one-element tensors
    `min_value`/`max_value` known only at run time, which take precedence.
  }];
  let arguments = (ins Pat_Tensor:$input, Optional<Pat_Tensor>:$min_value,
                       Optional<Pat_Tensor>:$max_value, F32Attr:$min,
                       F32Attr:$max);
  let results = (outs Pat_Tensor:$result);
  let assemblyFormat = [{
    $input (`min` $min_value^)? (`max` $max_value^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}
def Pat_SigmoidOp : Pat_UnaryOp<"sigmoid">;
def Pat_TanhOp : Pat_UnaryOp<"tanh">;
def Pat_HardSigmoidOp : Pat_UnaryOp<"hard_sigmoid",
    (ins F32Attr:$alpha, F32Attr:$beta)>;
def Pat_HardSwishOp : Pat_UnaryOp<"hard_swish">;

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

def Pat_ConcatOp : Pat_Op<"concat", [Pure]> {
  let summary = "Concatenation along one axis";
  let arguments = (ins Variadic<Pat_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs Pat_Tensor:$result);
  let assemblyFormat = "$inputs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Pat_ReshapeOp : Pat_Op<"reshape", [Pure]> {
  let summary = "Reshape (also Flatten, Squeeze, Unsqueeze): a view";
  let arguments = (ins Pat_Tensor:$input);
  let results = (outs Pat_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Pat_TransposeOp : Pat_Op<"transpose", [Pure]> {
  let summary = "Permutation of dims";
  let arguments = (ins Pat_Tensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs Pat_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Pat_PadOp : Pat_Op<"pad", [Pure, AttrSizedOperandSegments]> {
  let summary = "Constant, reflect or edge padding (ONNX pads layout)";
  let description = [{
    `pads` is [x1_begin, x2_begin, ..., x1_end, x2_end, ...]; negative
    values crop. `mode` is "constant", "reflect" or "edge". When the pads
    are only known at run time they come as the i64 tensor `pads_value`
    (then `pads` is empty and the result shape is the one shape inference
    fixed); likewise `constant_value` overrides `value`.
  }];
  let arguments = (ins Pat_Tensor:$input,
                       Optional<RankedTensorOf<[I64]>>:$pads_value,
                       Optional<Pat_Tensor>:$constant_value,
                       DenseI64ArrayAttr:$pads,
                       DefaultValuedStrAttr<StrAttr, "constant">:$mode,
                       DefaultValuedAttr<F32Attr, "0.0f">:$value);
  let results = (outs Pat_Tensor:$result);
  let assemblyFormat = [{
    $input (`pads` $pads_value^)? (`value` $constant_value^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // PAT_OPS_TD
