// RUN: patc-opt %s --pat-fuse-residual | FileCheck %s

// The add and the relu after it fold into the conv. The residual is made
// after the conv here, so the conv moves down to where the add was.
// CHECK-LABEL: func.func @bottleneck_end
// CHECK: %[[R:.*]] = pat.sigmoid %arg1
// CHECK: %[[C:.*]] = pat.conv2d %arg0, %{{[^ ]*}}, %{{[^ ]*}} residual %[[R]] {activation = "relu"
// CHECK-NOT: pat.add
// CHECK-NOT: pat.relu
// CHECK: return %[[C]]
func.func @bottleneck_end(%x: tensor<1x1x4x4xf32>, %y: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = pat.constant dense<1.0> : tensor<2x1x1x1xf32>
  %b = pat.constant dense<0.5> : tensor<2xf32>
  %c = pat.conv2d %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %r = pat.sigmoid %y : tensor<1x2x4x4xf32>
  %a = pat.add %r, %c : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = pat.relu %a : tensor<1x2x4x4xf32>
  return %o : tensor<1x2x4x4xf32>
}

// Without an activation after it, only the add folds.
// CHECK-LABEL: func.func @no_activation
// CHECK: pat.conv2d %arg0, %{{[^ ]*}} residual %arg1 {dilations
// CHECK-NOT: pat.add
func.func @no_activation(%x: tensor<1x1x4x4xf32>, %y: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = pat.constant dense<1.0> : tensor<2x1x1x1xf32>
  %c = pat.conv2d %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %a = pat.add %c, %y : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %a : tensor<1x2x4x4xf32>
}

// A pattern conv takes the add and the relu too (its tiles add the
// residual in their store).
// CHECK-LABEL: func.func @pattern_conv
// CHECK: pat.pattern_conv2d %arg0, %{{[^ ]*}} residual %arg1 {activation = "relu"
// CHECK-NOT: pat.add
// CHECK-NOT: pat.relu
func.func @pattern_conv(%x: tensor<1x1x4x4xf32>, %y: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = pat.constant dense<1.0> : tensor<2x1x3x3xf32>
  %c = pat.pattern_conv2d %x, %w {patterns = #pat.patterns<3x3, ["111/111/111"]>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x4x4xf32>
  %a = pat.add %y, %c : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = pat.relu %a : tensor<1x2x4x4xf32>
  return %o : tensor<1x2x4x4xf32>
}

// A pattern conv with its own activation keeps the add (relu(conv) + r is
// not relu(conv + r)).
// CHECK-LABEL: func.func @pattern_conv_activated
// CHECK: pat.pattern_conv2d %arg0, %{{[^ ]*}} {activation = "relu"
// CHECK: pat.add
func.func @pattern_conv_activated(%x: tensor<1x1x4x4xf32>, %y: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = pat.constant dense<1.0> : tensor<2x1x3x3xf32>
  %c = pat.pattern_conv2d %x, %w {activation = "relu", patterns = #pat.patterns<3x3, ["111/111/111"]>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x4x4xf32>
  %a = pat.add %c, %y : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %a : tensor<1x2x4x4xf32>
}

// Left alone: a conv with a second user, one with runtime weights, a
// depthwise conv (not the GEMM kernel), a broadcasting residual, and a conv
// that already has an activation.
// CHECK-LABEL: func.func @not_fused
// CHECK-COUNT-5: pat.add
// CHECK-NOT: residual
func.func @not_fused(%x: tensor<1x2x4x4xf32>, %y: tensor<1x2x4x4xf32>, %wr: tensor<2x2x1x1xf32>, %row: tensor<1x1x1x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %w = pat.constant dense<1.0> : tensor<2x2x1x1xf32>
  %wd = pat.constant dense<1.0> : tensor<2x1x1x1xf32>
  %c1 = pat.conv2d %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %a1 = pat.add %c1, %y : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %c2 = pat.conv2d %x, %wr {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %a2 = pat.add %c2, %y : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %c3 = pat.conv2d %x, %wd {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 2} : (tensor<1x2x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %a3 = pat.add %c3, %y : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %c4 = pat.conv2d %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %a4 = pat.add %c4, %row : (tensor<1x2x4x4xf32>, tensor<1x1x1x4xf32>) -> tensor<1x2x4x4xf32>
  %c5 = pat.conv2d %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, activation = "relu"} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %a5 = pat.add %c5, %y : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %a1, %c1, %a2, %a3, %a4, %a5 : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}
