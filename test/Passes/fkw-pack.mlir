// RUN: patc-opt %s --pat-fkw-pack | FileCheck %s

// Storage follows filter_order (1, 0). Filter 1's kernels: channel 1 with
// pattern 0 (taps 1, 2), channel 0 with pattern 1 (taps 3, 4): ordered by
// pattern, so index = [1, 0] and stride = [0, 1, 2]. Filter 0: channel 0,
// pattern 0 (taps 5, 6). Weights follow kernel by kernel.
// CHECK-LABEL: func.func @pack
// CHECK: %[[W:.*]] = pat.constant dense_resource<fkw_weights> : tensor<6xf32>
// CHECK: pat.pattern_conv2d %arg0, %[[W]]
// CHECK-SAME: fkw = #pat.fkw<reorder = [1, 0], offsets = [0, 2, 3], index = [1, 0, 0], stride = [0, 1, 2, 2, 3, 3]>
// CHECK-SAME: (tensor<1x2x4x4xf32>, tensor<6xf32>)
// CHECK: fkw_weights: "0x080000000000803F0000004000004040000080400000A0400000C040"
func.func @pack(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = pat.constant dense<[
    [[[0.0,5.0,0.0],[0.0,6.0,0.0],[0.0,0.0,0.0]], [[0.0,0.0,0.0],[0.0,0.0,0.0],[0.0,0.0,0.0]]],
    [[[0.0,0.0,0.0],[0.0,3.0,0.0],[0.0,4.0,0.0]], [[0.0,1.0,0.0],[0.0,2.0,0.0],[0.0,0.0,0.0]]]]> : tensor<2x2x3x3xf32>
  %y = pat.pattern_conv2d %x, %w {patterns = #pat.patterns<3x3, ["010/010/000", "000/010/010"]>, filter_order = array<i64: 1, 0>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}
