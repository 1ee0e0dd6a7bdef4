// RUN: patc-opt %s --pat-dce | FileCheck %s

// CHECK-LABEL: func.func @dead_chain
// CHECK-NOT: pat.sigmoid
// CHECK-NOT: pat.tanh
// CHECK: %[[R:.*]] = pat.relu %arg0
// CHECK-NEXT: return %[[R]]
func.func @dead_chain(%x: tensor<4xf32>) -> tensor<4xf32> {
  %a = pat.sigmoid %x : tensor<4xf32>
  %b = pat.tanh %a : tensor<4xf32>
  %r = pat.relu %x : tensor<4xf32>
  return %r : tensor<4xf32>
}
