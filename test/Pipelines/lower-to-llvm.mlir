// RUN: qcc-opt %s -qcc-lower-qnn-to-linalg -qcc-lower-linalg-to-llvm | FileCheck %s

// Results become out-parameters and memrefs bare pointers, so the C
// trampoline can call the graph with one pointer per tensor.
// CHECK-LABEL: llvm.func @graph
// CHECK-SAME: (%{{.+}}: !llvm.ptr {{.*}}, %{{.+}}: !llvm.ptr)
// CHECK-NOT: llvm.return %
// CHECK: llvm.return
func.func @graph(%x: tensor<4x4xf32> {qcc.name = "x"}) -> tensor<4x4xf32> {
  %0 = qnn.relu %x : tensor<4x4xf32>
  %1 = qnn.tanh %0 : tensor<4x4xf32>
  return %1 : tensor<4x4xf32>
}
