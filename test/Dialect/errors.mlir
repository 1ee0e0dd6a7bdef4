// RUN: patc-opt %s --split-input-file --verify-diagnostics

func.func @conv_groups(%x: tensor<1x6x8x8xf32>, %w: tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{weight has 2 input channels per group, but input has 6 channels in 1 group(s)}}
  %y = pat.conv2d %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x6x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %y : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_shape(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32> {
  // expected-error @+1 {{result shape [1x4x8x8] does not match the expected [1x4x6x6]}}
  %y = pat.conv2d %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return %y : tensor<1x4x8x8xf32>
}

// -----

func.func @conv_activation(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{unknown fused activation 'gelu'}}
  %y = pat.conv2d %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, activation = "gelu"} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %y : tensor<1x4x6x6xf32>
}

// -----

func.func @broadcast(%a: tensor<2x3xf32>, %b: tensor<4xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{operand shapes [2x3] and [4] do not broadcast}}
  %y = pat.add %a, %b : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

func.func @gemm_inner(%a: tensor<2x5xf32>, %b: tensor<4x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{inner dims differ: op(A) is 2x5, op(B) is 4x3}}
  %y = pat.gemm %a, %b : (tensor<2x5xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

func.func @pool_pad(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x3x3xf32> {
  // expected-error @+1 {{padding must be smaller than the window}}
  %y = pat.max_pool2d %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 2, 2, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x3x3xf32>
  return %y : tensor<1x1x3x3xf32>
}

// -----

func.func @concat_dims(%a: tensor<1x2x3xf32>, %b: tensor<1x2x4xf32>) -> tensor<1x4x3xf32> {
  // expected-error @+1 {{inputs differ in dim 2 (not the axis)}}
  %y = pat.concat %a, %b {axis = 1 : i64} : (tensor<1x2x3xf32>, tensor<1x2x4xf32>) -> tensor<1x4x3xf32>
  return %y : tensor<1x4x3xf32>
}

// -----

func.func @reshape_count(%a: tensor<2x3xf32>) -> tensor<7xf32> {
  // expected-error @+1 {{element count changes from 6 to 7}}
  %y = pat.reshape %a : (tensor<2x3xf32>) -> tensor<7xf32>
  return %y : tensor<7xf32>
}

// -----

func.func @transpose_perm(%a: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error @+1 {{perm is not a permutation}}
  %y = pat.transpose %a {perm = array<i64: 0, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

func.func @pad_mode(%a: tensor<2x3xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{unknown mode 'wrap'}}
  %y = pat.pad %a {pads = array<i64: 1, 1, 1, 1>, mode = "wrap"} : (tensor<2x3xf32>) -> tensor<4x5xf32>
  return %y : tensor<4x5xf32>
}

// -----

func.func @softmax_axis(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{axis 2 out of range for rank 2}}
  %y = pat.softmax %a {axis = 2 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// The importer normalises ONNX's negative axes; one left negative is an error.
func.func @softmax_negative_axis(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{axis -1 out of range for rank 2}}
  %y = pat.softmax %a {axis = -1 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

func.func @pattern_text(%x: tensor<1x1x4x4xf32>, %w: tensor<1x1x3x3xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error @+1 {{pattern "01/111/000" is not 3 rows of 3 '0'/'1' separated by '/'}}
  %y = pat.pattern_conv2d %x, %w {patterns = #pat.patterns<3x3, ["01/111/000"]>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<1x1x3x3xf32>) -> tensor<1x1x4x4xf32>
  return %y : tensor<1x1x4x4xf32>
}

// -----

func.func @pattern_duplicate(%x: tensor<1x1x4x4xf32>, %w: tensor<1x1x3x3xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error @+1 {{patterns 0 and 1 are the same}}
  %y = pat.pattern_conv2d %x, %w {patterns = #pat.patterns<3x3, ["010/111/000", "010/111/000"]>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<1x1x3x3xf32>) -> tensor<1x1x4x4xf32>
  return %y : tensor<1x1x4x4xf32>
}

// -----

func.func @pattern_order(%x: tensor<1x1x4x4xf32>, %w: tensor<2x1x3x3xf32>) -> tensor<1x2x4x4xf32> {
  // expected-error @+1 {{filter_order must be a permutation of the 2 output channels}}
  %y = pat.pattern_conv2d %x, %w {patterns = #pat.patterns<3x3, ["010/111/000"]>, filter_order = array<i64: 0, 0>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

func.func @fkw_weights(%x: tensor<1x1x4x4xf32>, %w: tensor<3xf32>) -> tensor<1x2x4x4xf32> {
  // expected-error @+1 {{FKW weight must be 1-D with 4 values (the kept taps)}}
  %y = pat.pattern_conv2d %x, %w {patterns = #pat.patterns<3x3, ["010/111/000"]>, fkw = #pat.fkw<reorder = [1, 0], offsets = [0, 1, 1], index = [0], stride = [0, 1, 1, 1]>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<3xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

func.func @fkw_index(%x: tensor<1x1x4x4xf32>, %w: tensor<4xf32>) -> tensor<1x2x4x4xf32> {
  // expected-error @+1 {{fkw index holds input channel 3, outside [0, 1)}}
  %y = pat.pattern_conv2d %x, %w {patterns = #pat.patterns<3x3, ["010/111/000"]>, fkw = #pat.fkw<reorder = [1, 0], offsets = [0, 1, 1], index = [3], stride = [0, 1, 1, 1]>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<4xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

func.func @conv_residual_shape(%x: tensor<1x1x4x4xf32>, %w: tensor<2x1x1x1xf32>, %r: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  // expected-error @+1 {{residual must have the result's type 'tensor<1x2x4x4xf32>', got 'tensor<1x1x4x4xf32>'}}
  %y = pat.conv2d %x, %w residual %r {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

func.func @pattern_residual_shape(%x: tensor<1x1x4x4xf32>, %w: tensor<1x1x3x3xf32>, %r: tensor<1x1x4x3xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error @+1 {{residual must have the result's type 'tensor<1x1x4x4xf32>', got 'tensor<1x1x4x3xf32>'}}
  %y = pat.pattern_conv2d %x, %w residual %r {patterns = #pat.patterns<3x3, ["010/111/000"]>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<1x1x3x3xf32>, tensor<1x1x4x3xf32>) -> tensor<1x1x4x4xf32>
  return %y : tensor<1x1x4x4xf32>
}
