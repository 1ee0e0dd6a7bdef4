// RUN: patc-opt %s --pat-fkr | FileCheck %s

// Filters sorted by kernel count, longest first, then by pattern make-up;
// runs of equal length form groups. Filter 1 has two kernels, filters 0
// and 2 one each (filter 2's is pattern 0, filter 0's pattern 1, so 2 goes
// first), filter 3 none.
// CHECK-LABEL: func.func @reorder
// CHECK: pat.pattern_conv2d
// CHECK-SAME: filter_groups = array<i64: 0, 1, 3>
// CHECK-SAME: filter_order = array<i64: 1, 2, 0, 3>
func.func @reorder(%x: tensor<1x2x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %w = pat.constant dense<[
    [[[0.0,0.0,0.0],[0.0,1.0,0.0],[0.0,1.0,0.0]], [[0.0,0.0,0.0],[0.0,0.0,0.0],[0.0,0.0,0.0]]],
    [[[0.0,1.0,0.0],[0.0,1.0,0.0],[0.0,0.0,0.0]], [[0.0,0.0,0.0],[0.0,1.0,0.0],[0.0,1.0,0.0]]],
    [[[0.0,0.0,0.0],[0.0,0.0,0.0],[0.0,0.0,0.0]], [[0.0,1.0,0.0],[0.0,1.0,0.0],[0.0,0.0,0.0]]],
    [[[0.0,0.0,0.0],[0.0,0.0,0.0],[0.0,0.0,0.0]], [[0.0,0.0,0.0],[0.0,0.0,0.0],[0.0,0.0,0.0]]]]> : tensor<4x2x3x3xf32>
  %y = pat.pattern_conv2d %x, %w {patterns = #pat.patterns<3x3, ["010/010/000", "000/010/010"]>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x4x4xf32>
  return %y : tensor<1x4x4x4xf32>
}

// Filters with identical kernels (0 and 2: same channel, same pattern) end
// up adjacent although filter 1 sorts between them by index; ties in
// length and make-up are broken by class, in order of first appearance.
// CHECK-LABEL: func.func @identical_filters_adjacent
// CHECK: filter_order = array<i64: 0, 2, 1>
func.func @identical_filters_adjacent(%x: tensor<1x2x4x4xf32>) -> tensor<1x3x4x4xf32> {
  %w = pat.constant dense<[
    [[[0.0,1.0,0.0],[0.0,1.0,0.0],[0.0,0.0,0.0]], [[0.0,0.0,0.0],[0.0,0.0,0.0],[0.0,0.0,0.0]]],
    [[[0.0,0.0,0.0],[0.0,0.0,0.0],[0.0,0.0,0.0]], [[0.0,1.0,0.0],[0.0,1.0,0.0],[0.0,0.0,0.0]]],
    [[[0.0,2.0,0.0],[0.0,3.0,0.0],[0.0,0.0,0.0]], [[0.0,0.0,0.0],[0.0,0.0,0.0],[0.0,0.0,0.0]]]]> : tensor<3x2x3x3xf32>
  %y = pat.pattern_conv2d %x, %w {patterns = #pat.patterns<3x3, ["010/010/000"]>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<3x2x3x3xf32>) -> tensor<1x3x4x4xf32>
  return %y : tensor<1x3x4x4xf32>
}
