// RUN: qcc-opt %s -qcc-drop-state-results -split-input-file -verify-diagnostics | FileCheck %s
// After bufferization: a state result that returns its input's buffer
// (through casts) leaves the signature; one in a buffer of its own is an
// error, never a silent copy.

// CHECK-LABEL: func.func @in_place
// CHECK-SAME:  (%{{.+}}: memref<4xf32> {qcc.name = "cache", qcc.state_output = "cache_out"}, %[[X:.+]]: memref<4xf32> {qcc.name = "x"}) -> (memref<4xf32> {qcc.name = "y"})
// CHECK:       return %[[X]] : memref<4xf32>
func.func @in_place(%cache: memref<4xf32> {qcc.name = "cache"}, %x: memref<4xf32> {qcc.name = "x"})
    -> (memref<4xf32> {qcc.name = "cache_out", qcc.state_of = "cache"}, memref<4xf32> {qcc.name = "y"}) {
  %c = memref.cast %cache : memref<4xf32> to memref<4xf32, strided<[1]>>
  %d = memref.cast %c : memref<4xf32, strided<[1]>> to memref<4xf32>
  return %d, %x : memref<4xf32>, memref<4xf32>
}

// -----

func.func @copy(%cache: memref<4xf32> {qcc.name = "cache"}) -> (memref<4xf32> {qcc.name = "cache_out", qcc.state_of = "cache"}) {
  %a = memref.alloc() : memref<4xf32>
  memref.copy %cache, %a : memref<4xf32> to memref<4xf32>
  // expected-error @+1 {{output 'cache_out' (the state of input 'cache') is not updated in place: bufferization gave it a buffer of its own}}
  return %a : memref<4xf32>
}
