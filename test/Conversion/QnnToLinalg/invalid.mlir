// RUN: not qcc-opt %s -qcc-convert-qnn-to-linalg 2>&1 | FileCheck %s

// CHECK: error: cannot lower 'qnn.relu': dynamic shape 'tensor<?x4xf32>'
func.func @dynamic(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %0 = qnn.relu %x : tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}
