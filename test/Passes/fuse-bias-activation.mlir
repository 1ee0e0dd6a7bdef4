// RUN: patc-opt %s --pat-fuse-bias-activation | FileCheck %s

// CHECK-LABEL: func.func @bias_then_relu
// CHECK: %[[B:.*]] = pat.constant dense_resource<fused_bias> : tensor<2xf32>
// CHECK: %[[C:.*]] = pat.conv2d %arg0, %{{.*}}, %[[B]] {activation = "relu"
// CHECK-NOT: pat.add
// CHECK-NOT: pat.relu
// CHECK: return %[[C]]
func.func @bias_then_relu(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = pat.constant dense<1.0> : tensor<2x1x1x1xf32>
  %bias = pat.constant dense<[[[0.5]], [[-0.5]]]> : tensor<2x1x1xf32>
  %c = pat.conv2d %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %a = pat.add %c, %bias : (tensor<1x2x4x4xf32>, tensor<2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %r = pat.relu %a : tensor<1x2x4x4xf32>
  return %r : tensor<1x2x4x4xf32>
}

// Clip (relu6) fuses into gemm with its bounds.
// CHECK-LABEL: func.func @gemm_clip
// CHECK: pat.gemm %arg0, %arg1 {act_beta = 6.000000e+00 : f32, activation = "clip"}
// CHECK-NOT: pat.clip
func.func @gemm_clip(%a: tensor<1x4xf32>, %b: tensor<4x3xf32>) -> tensor<1x3xf32> {
  %g = pat.gemm %a, %b : (tensor<1x4xf32>, tensor<4x3xf32>) -> tensor<1x3xf32>
  %c = pat.clip %g {min = 0.0 : f32, max = 6.0 : f32} : (tensor<1x3xf32>) -> tensor<1x3xf32>
  return %c : tensor<1x3xf32>
}

// A conv with a second user keeps its own result: nothing fuses.
// CHECK-LABEL: func.func @two_users
// CHECK: pat.relu
func.func @two_users(%x: tensor<1x1x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %w = pat.constant dense<1.0> : tensor<2x1x1x1xf32>
  %c = pat.conv2d %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %r = pat.relu %c : tensor<1x2x4x4xf32>
  return %r, %c : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}
