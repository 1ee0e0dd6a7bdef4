// RUN: patc-opt %s --pat-plan-memory | FileCheck %s

// Four 64-byte intermediates, at most two live at once: the arena holds two
// buffers and the third reuses the first's offset. The returned value is
// written to the caller's buffer (no offset); a reshape is a view.
// CHECK-LABEL: func.func @chain
// CHECK-SAME: pat.arena_bytes = 128 : i64
// CHECK: %[[A:.*]] = pat.relu %arg0 {pat.offset = [[OA:[0-9]+]] : i64}
// CHECK: %[[B:.*]] = pat.sigmoid %[[A]] {pat.offset = [[OB:[0-9]+]] : i64}
// CHECK: pat.tanh %[[B]] {pat.offset = [[OA]] : i64}
// CHECK: pat.reshape
// CHECK-NOT: pat.offset
// CHECK: pat.add
// CHECK-NOT: pat.offset
// CHECK: return
func.func @chain(%x: tensor<16xf32>) -> tensor<4x4xf32> {
  %a = pat.relu %x : tensor<16xf32>
  %b = pat.sigmoid %a : tensor<16xf32>
  %c = pat.tanh %b : tensor<16xf32>
  %v = pat.reshape %c : (tensor<16xf32>) -> tensor<4x4xf32>
  %d = pat.add %v, %v : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  return %d : tensor<4x4xf32>
}
