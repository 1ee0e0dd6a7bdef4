// RUN: patc-opt %s --split-input-file --pat-sparsity-analysis | FileCheck %s
// RUN: patc-opt %s --split-input-file --pat-sparsity-analysis=mode=never | FileCheck %s --check-prefix=NEVER
// RUN: patc-opt %s --split-input-file --pat-sparsity-analysis=mode=always | FileCheck %s --check-prefix=ALWAYS
// RUN: patc-opt %s --split-input-file --pat-sparsity-analysis="max-patterns=1 mode=always" | FileCheck %s --check-prefix=FALLBACK

// Two filters, two patterns (one used twice), one empty kernel: far cheaper
// as a pattern convolution. Patterns are listed most frequent first.
// CHECK-LABEL: func.func @patterned
// CHECK: pat.pattern_conv2d
// CHECK-SAME: path = "pattern"
// CHECK-SAME: patterns = #pat.patterns<3x3, ["010/111/000", "000/110/010"]>
// NEVER-LABEL: func.func @patterned
// NEVER: pat.conv2d
// NEVER-SAME: reason = "--sparse=never"
// With one pattern allowed, the rarer mask falls back to the full kernel.
// FALLBACK-LABEL: func.func @patterned
// FALLBACK: pat.pattern_conv2d
// FALLBACK-SAME: #pat.patterns<3x3, ["111/111/111"]>
func.func @patterned(%x: tensor<1x2x5x5xf32>) -> tensor<1x2x5x5xf32> {
  %w = pat.constant dense<[[[[0.0,1.0,0.0],[1.0,1.0,1.0],[0.0,0.0,0.0]],[[0.0,0.0,0.0],[0.0,0.0,0.0],[0.0,0.0,0.0]]],
                           [[[0.0,2.0,0.0],[2.0,2.0,2.0],[0.0,0.0,0.0]],[[0.0,0.0,0.0],[3.0,3.0,0.0],[0.0,3.0,0.0]]]]> : tensor<2x2x3x3xf32>
  %y = pat.conv2d %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>} : (tensor<1x2x5x5xf32>, tensor<2x2x3x3xf32>) -> tensor<1x2x5x5xf32>
  return %y : tensor<1x2x5x5xf32>
}

// -----

// Dense weights stay dense (the pattern path would cost more; a 1x1 kernel
// costs double) unless forced.
// CHECK-LABEL: func.func @dense
// CHECK: pat.conv2d
// CHECK-SAME: path = "dense"
// CHECK-SAME: reason = "pattern path would cost 3.00x dense (100.0% of MACs executed, x3.00 per MAC)"
// ALWAYS-LABEL: func.func @dense
// ALWAYS: pat.pattern_conv2d
// ALWAYS-SAME: reason = "--sparse=always"
// ALWAYS-SAME: #pat.patterns<1x1, ["1"]>
func.func @dense(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = pat.constant dense<[[[[1.0]], [[2.0]]], [[[3.0]], [[4.0]]]]> : tensor<2x2x1x1xf32>
  %y = pat.conv2d %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

// Grouped convolutions have no pattern kernel, even with --sparse=always.
// ALWAYS-LABEL: func.func @grouped
// ALWAYS: pat.conv2d
// ALWAYS-SAME: reason = "grouped convolution (no pattern kernel)"
func.func @grouped(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = pat.constant dense<0.0> : tensor<2x1x1x1xf32>
  %y = pat.conv2d %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 2 : i64} : (tensor<1x2x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

// A whole-zero layer has no patterns at all: the output is the bias.
// CHECK-LABEL: func.func @all_zero
// CHECK: pat.pattern_conv2d
// CHECK-SAME: empty_kernels = 4
// CHECK-SAME: #pat.patterns<3x3, []>
func.func @all_zero(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = pat.constant dense<0.0> : tensor<2x2x3x3xf32>
  %y = pat.conv2d %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}
