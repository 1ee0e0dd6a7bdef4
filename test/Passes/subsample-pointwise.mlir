// RUN: patc-opt %s --pat-subsample-pointwise | FileCheck %s

// A 1x1 conv with uneven strides on an odd map: a 1x1 max pool with the
// conv's strides, then the conv at stride 1, keeping its bias and activation.
// CHECK-LABEL: func.func @downsample
// CHECK: %[[P:.*]] = pat.max_pool2d %arg0 {{{.*}}kernel_shape = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 3>} : (tensor<1x4x7x8xf32>) -> tensor<1x4x4x3xf32>
// CHECK: pat.conv2d %[[P]], %{{[^ ]*}}, %{{[^ ]*}} {activation = "relu", dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x4x3xf32>,
func.func @downsample(%x: tensor<1x4x7x8xf32>) -> tensor<1x6x4x3xf32> {
  %w = pat.constant dense<1.0> : tensor<6x4x1x1xf32>
  %b = pat.constant dense<0.5> : tensor<6xf32>
  %c = pat.conv2d %x, %w, %b {strides = array<i64: 2, 3>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, activation = "relu"} : (tensor<1x4x7x8xf32>, tensor<6x4x1x1xf32>, tensor<6xf32>) -> tensor<1x6x4x3xf32>
  return %c : tensor<1x6x4x3xf32>
}

// Left alone: padding (the output has pixels of padding only), a 3x3 kernel,
// stride 1.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: pat.max_pool2d
// CHECK: pat.conv2d {{.*}}strides = array<i64: 2, 2>{{.*}} -> tensor<1x2x5x5xf32>
// CHECK: pat.conv2d {{.*}}strides = array<i64: 2, 2>{{.*}} -> tensor<1x2x4x4xf32>
// CHECK: pat.conv2d {{.*}}strides = array<i64: 1, 1>{{.*}} -> tensor<1x2x8x8xf32>
func.func @left_alone(%x: tensor<1x1x8x8xf32>) -> (tensor<1x2x5x5xf32>, tensor<1x2x4x4xf32>, tensor<1x2x8x8xf32>) {
  %w1 = pat.constant dense<1.0> : tensor<2x1x1x1xf32>
  %w3 = pat.constant dense<1.0> : tensor<2x1x3x3xf32>
  %padded = pat.conv2d %x, %w1 {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>} : (tensor<1x1x8x8xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x5x5xf32>
  %three = pat.conv2d %x, %w3 {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x1x8x8xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x4x4xf32>
  %unit = pat.conv2d %x, %w1 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x1x8x8xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x8x8xf32>
  return %padded, %three, %unit : tensor<1x2x5x5xf32>, tensor<1x2x4x4xf32>, tensor<1x2x8x8xf32>
}
