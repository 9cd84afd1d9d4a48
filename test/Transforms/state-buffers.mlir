// RUN: qcc-opt %s -qcc-mark-state-inputs -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=MARK
// RUN: qcc-opt %s -qcc-bufferize -split-input-file -verify-diagnostics | FileCheck %s
// Inputs stay the caller's: bufferization may write only an argument that a
// result declares as its state (qcc.state_of), and that result leaves the
// signature when it is the argument's buffer, updated in place.

// A cache updated in one row: the write lands in %cache itself, and no
// out-parameter or whole-buffer copy is left for it. The other input, %x,
// is not writable, so the in-place add writes the out-parameter instead.
// MARK-LABEL: func.func @cache
// MARK-SAME:  {bufferization.writable = true, qcc.name = "cache"}
// MARK-SAME:  {bufferization.writable = false, qcc.name = "row"}
// MARK-SAME:  {bufferization.writable = false, qcc.name = "x"}
// CHECK-LABEL: func.func @cache
// CHECK-SAME:  (%[[C:.+]]: memref<4x8xf32> {qcc.name = "cache", qcc.state_output = "cache_out"}, %[[R:.+]]: memref<1x8xf32> {qcc.name = "row"}, %[[X:.+]]: memref<8xf32> {qcc.name = "x"}, %[[O:.+]]: memref<8xf32> {qcc.name = "y"})
// CHECK:       %[[SV:.+]] = memref.subview %[[C]][2, 0] [1, 8] [1, 1]
// CHECK:       memref.copy %[[R]], %[[SV]]
// CHECK-NOT:   memref.copy %[[C]]
// CHECK-NOT:   memref.copy %[[X]], %[[X]]
// CHECK:       return
func.func @cache(%cache: tensor<4x8xf32> {qcc.name = "cache"}, %row: tensor<1x8xf32> {qcc.name = "row"},
                 %x: tensor<8xf32> {qcc.name = "x"})
    -> (tensor<8xf32> {qcc.name = "y"}, tensor<4x8xf32> {qcc.name = "cache_out", qcc.state_of = "cache"}) {
  %u = tensor.insert_slice %row into %cache[2, 0] [1, 8] [1, 1] : tensor<1x8xf32> into tensor<4x8xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>], iterator_types = ["parallel"]}
      outs(%x : tensor<8xf32>) {
  ^bb0(%o: f32):
    %d = arith.addf %o, %o : f32
    linalg.yield %d : f32
  } -> tensor<8xf32>
  return %y, %u : tensor<8xf32>, tensor<4x8xf32>
}

// -----

// Without a state declaration the same function leaves its inputs alone:
// the cache is copied into its own out-parameter and updated there.
// CHECK-LABEL: func.func @no_state
// CHECK-SAME:  (%[[C:.+]]: memref<4x8xf32> {qcc.name = "cache"}, %[[R:.+]]: memref<1x8xf32> {qcc.name = "row"}, %[[O:.+]]: memref<4x8xf32> {qcc.name = "cache_out"})
// CHECK:       memref.copy %[[C]], %[[O]]
// CHECK:       %[[SV:.+]] = memref.subview %[[O]][2, 0] [1, 8] [1, 1]
// CHECK:       memref.copy %[[R]], %[[SV]]
func.func @no_state(%cache: tensor<4x8xf32> {qcc.name = "cache"}, %row: tensor<1x8xf32> {qcc.name = "row"})
    -> (tensor<4x8xf32> {qcc.name = "cache_out"}) {
  %u = tensor.insert_slice %row into %cache[2, 0] [1, 8] [1, 1] : tensor<1x8xf32> into tensor<4x8xf32>
  return %u : tensor<4x8xf32>
}

// -----

// expected-error @+1 {{output 'cache_out' is declared the state of 'kache', which is no input}}
func.func @unknown(%cache: tensor<4xf32> {qcc.name = "cache"}) -> (tensor<4xf32> {qcc.name = "cache_out", qcc.state_of = "kache"}) {
  return %cache : tensor<4xf32>
}

// -----

// expected-error @+1 {{input 'cache' is declared the state of two outputs}}
func.func @twice(%cache: tensor<4xf32> {qcc.name = "cache"})
    -> (tensor<4xf32> {qcc.name = "a", qcc.state_of = "cache"}, tensor<4xf32> {qcc.name = "b", qcc.state_of = "cache"}) {
  %c = arith.constant dense<1.0> : tensor<4xf32>
  return %cache, %c : tensor<4xf32>, tensor<4xf32>
}

// -----

// expected-error @+1 {{output 'cache_out' has type 'tensor<8xf32>' but its state input 'cache' has type 'tensor<4xf32>'}}
func.func @types(%cache: tensor<4xf32> {qcc.name = "cache"}) -> (tensor<8xf32> {qcc.name = "cache_out", qcc.state_of = "cache"}) {
  %c = arith.constant dense<1.0> : tensor<8xf32>
  return %c : tensor<8xf32>
}
