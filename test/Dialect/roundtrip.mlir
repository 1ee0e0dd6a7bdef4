// RUN: patc-opt %s | patc-opt | FileCheck %s

// CHECK-LABEL: func.func @conv_block
func.func @conv_block(%x: tensor<1x3x8x8xf32>) -> tensor<1x4x4x4xf32> {
  // CHECK: pat.constant dense_resource<w> : tensor<4x3x3x3xf32>
  %w = pat.constant dense_resource<w> : tensor<4x3x3x3xf32>
  %b = pat.constant dense<0.5> : tensor<4xf32>
  // CHECK: pat.conv2d %{{.*}}, %{{.*}}, %{{.*}} {activation = "relu", dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
  %y = pat.conv2d %x, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1, activation = "relu"} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  return %y : tensor<1x4x4x4xf32>
}

// CHECK-LABEL: func.func @every_op
func.func @every_op(%x: tensor<1x4x6x6xf32>, %m: tensor<2x5xf32>, %n: tensor<5x3xf32>) -> (tensor<1x8x3x3xf32>, tensor<2x3xf32>, tensor<1x144xf32>) {
  // CHECK: pat.max_pool2d
  %p = pat.max_pool2d %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x4x6x6xf32>) -> tensor<1x4x3x3xf32>
  // CHECK: pat.avg_pool2d {{.*}}ceil_mode = true
  %a = pat.avg_pool2d %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, ceil_mode = true} : (tensor<1x4x6x6xf32>) -> tensor<1x4x3x3xf32>
  // CHECK: pat.concat
  %c = pat.concat %p, %a {axis = 1 : i64} : (tensor<1x4x3x3xf32>, tensor<1x4x3x3xf32>) -> tensor<1x8x3x3xf32>
  // CHECK: pat.gemm
  %g = pat.gemm %m, %n {alpha = 2.0 : f32} : (tensor<2x5xf32>, tensor<5x3xf32>) -> tensor<2x3xf32>
  // CHECK: pat.matmul
  %mm = pat.matmul %m, %n : (tensor<2x5xf32>, tensor<5x3xf32>) -> tensor<2x3xf32>
  // CHECK: pat.add
  %s = pat.add %g, %mm : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: pat.hard_swish
  %h = pat.hard_swish %x : tensor<1x4x6x6xf32>
  // CHECK: pat.clip {{.*}}max = 6.000000e+00 : f32, min = 0.000000e+00 : f32
  %r6 = pat.clip %h {min = 0.0 : f32, max = 6.0 : f32} : (tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32>
  // CHECK: pat.transpose
  %t = pat.transpose %r6 {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x4x6x6xf32>) -> tensor<1x6x6x4xf32>
  // CHECK: pat.reshape
  %f = pat.reshape %t : (tensor<1x6x6x4xf32>) -> tensor<1x144xf32>
  // CHECK: pat.softmax
  %sm = pat.softmax %f {axis = 1 : i64} : (tensor<1x144xf32>) -> tensor<1x144xf32>
  return %c, %s, %sm : tensor<1x8x3x3xf32>, tensor<2x3xf32>, tensor<1x144xf32>
}

{-#
  dialect_resources: {
    builtin: {
      w: "0x04000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    }
  }
#-}

// Pattern convolutions print their pattern set and FKW storage readably.
// CHECK-LABEL: func.func @pattern_conv
// CHECK: pat.pattern_conv2d %arg0, %{{.*}} {dilations = array<i64: 1, 1>, fkw = #pat.fkw<reorder = [1, 0], offsets = [0, 1, 1], index = [0], stride = [0, 1, 1, 1, 1, 1]>, pads = array<i64: 1, 1, 1, 1>, patterns = #pat.patterns<3x3, ["010/111/000", "000/011/011"]>, strides = array<i64: 1, 1>}
func.func @pattern_conv(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = pat.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %y = pat.pattern_conv2d %x, %w {patterns = #pat.patterns<3x3, ["010/111/000", "000/011/011"]>, fkw = #pat.fkw<reorder = [1, 0], offsets = [0, 1, 1], index = [0], stride = [0, 1, 1, 1, 1, 1]>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<4xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// A fused residual prints after the bias, as on pat.conv2d.
// CHECK-LABEL: func.func @pattern_conv_residual
// CHECK: pat.pattern_conv2d %arg0, %{{[^ ]*}}, %{{[^ ]*}} residual %arg1 {activation = "relu"
func.func @pattern_conv_residual(%x: tensor<1x1x4x4xf32>, %r: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = pat.constant dense<1.0> : tensor<2x1x3x3xf32>
  %b = pat.constant dense<0.5> : tensor<2xf32>
  %y = pat.pattern_conv2d %x, %w, %b residual %r {activation = "relu", patterns = #pat.patterns<3x3, ["111/111/111"]>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<2x1x3x3xf32>, tensor<2xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}
