// RUN: patc-opt %s --pat-fold-batchnorm | FileCheck %s

// BN after a conv with constant weights folds into the conv's weights/bias.
// CHECK-LABEL: func.func @conv_bn
// CHECK-NOT: pat.batch_norm
// CHECK: %[[W:.*]] = pat.constant dense_resource<conv_bn_weight> : tensor<2x1x1x1xf32>
// CHECK: %[[B:.*]] = pat.constant dense_resource<conv_bn_bias> : tensor<2xf32>
// CHECK: pat.conv2d %arg0, %[[W]], %[[B]]
func.func @conv_bn(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = pat.constant dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32>
  %g = pat.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %b = pat.constant dense<[0.5, 0.0]> : tensor<2xf32>
  %m = pat.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %v = pat.constant dense<[1.0, 4.0]> : tensor<2xf32>
  %c = pat.conv2d %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %y = pat.batch_norm %c, %g, %b, %m, %v {epsilon = 0.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// A conv whose result is used twice keeps its BN.
// CHECK-LABEL: func.func @shared_conv
// CHECK: pat.batch_norm
func.func @shared_conv(%x: tensor<1x1x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %w = pat.constant dense<1.0> : tensor<2x1x1x1xf32>
  %s = pat.constant dense<1.0> : tensor<2xf32>
  %c = pat.conv2d %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %y = pat.batch_norm %c, %s, %s, %s, %s : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %y, %c : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}
