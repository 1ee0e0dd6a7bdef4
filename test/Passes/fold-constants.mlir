// RUN: patc-opt %s --pat-fold-constants | FileCheck %s

// CHECK-LABEL: func.func @fold
// CHECK-NEXT: %[[C:.*]] = pat.constant dense_resource<[[NAME:folded[_0-9]*]]> : tensor<3x2xf32>
// CHECK-NEXT: %[[S:.*]] = pat.add %arg0, %[[C]]
// CHECK-NEXT: return %[[S]]
func.func @fold(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %c = pat.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %t = pat.transpose %c {perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %one = pat.constant dense<1.0> : tensor<f32>
  %m = pat.mul %t, %one : (tensor<3x2xf32>, tensor<f32>) -> tensor<3x2xf32>
  %r = pat.relu %m : tensor<3x2xf32>
  %s = pat.add %x, %r : (tensor<3x2xf32>, tensor<3x2xf32>) -> tensor<3x2xf32>
  return %s : tensor<3x2xf32>
}
// The folded values are the transpose, 1 4 2 5 3 6, as little-endian f32.
// CHECK: [[NAME]]: "0x080000000000803F00008040000000400000A040000040400000C040"
