// Ops the interpreter does not know, and bad inputs, end with a diagnostic
// naming the op and its location (or the input), never a crash.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.zeros((2, 3), np.int8)); np.save('%t/f.npy', np.zeros((2, 3), np.float32)); np.save('%t/s.npy', np.zeros((3, 2), np.int8))"
// RUN: not qcc-reference %s --entry unsupported --input x=%t/x.npy 2>&1 | FileCheck %s --check-prefix=UNSUP
// RUN: not qcc-reference %s --entry float_only --input x=%t/x.npy 2>&1 | FileCheck %s --check-prefix=FLOAT
// RUN: not qcc-reference %s --entry float_only --input x=%t/f.npy 2>&1 | FileCheck %s --check-prefix=DTYPE
// RUN: not qcc-reference %s --entry float_only --input x=%t/s.npy 2>&1 | FileCheck %s --check-prefix=SHAPE
// RUN: not qcc-reference %s --entry float_only 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: not qcc-reference %s --entry float_only --input x=%t/x.npy --input y=%t/x.npy 2>&1 | FileCheck %s --check-prefix=EXTRA
// RUN: not qcc-reference %s --input x=%t/x.npy 2>&1 | FileCheck %s --check-prefix=ENTRY
// RUN: not qcc-reference %s --entry gather --input x=%t/x.npy 2>&1 | FileCheck %s --check-prefix=GATHER

// UNSUP: errors.mlir:[[@LINE+2]]:8: error: reference interpreter: unsupported operation 'tensor.empty'
func.func @unsupported(%x: tensor<2x3xi8> {qcc.name = "x"}) -> tensor<2x3xi8> {
  %e = tensor.empty() : tensor<2x3xi8>
  %y = qnn.add %x, %e : (tensor<2x3xi8>, tensor<2x3xi8>) -> tensor<2x3xi8>
  return %y : tensor<2x3xi8>
}

// FLOAT: errors.mlir:[[@LINE+2]]:8: error: reference interpreter: 'qnn.sigmoid' is float-only; on integers use a qnn.lut
func.func @float_only(%x: tensor<2x3xi8> {qcc.name = "x"}) -> tensor<2x3xi8> {
  %y = qnn.sigmoid %x : tensor<2x3xi8>
  return %y : tensor<2x3xi8>
}

// DTYPE: qcc-reference: error: input 'x' ('{{.*}}f.npy') has dtype '<f4', expected '|i1' for tensor<2x3xi8>
// SHAPE: qcc-reference: error: input 'x' ('{{.*}}s.npy') has the wrong shape for tensor<2x3xi8>
// MISSING: qcc-reference: error: no --input given for model input 'x'
// EXTRA: qcc-reference: error: the model has no input named 'y'
// ENTRY: qcc-reference: error: cannot tell the entry function: name it with --entry

// GATHER: errors.mlir:[[@LINE+3]]:8: error: reference interpreter: gather index 3 is out of range for an axis of 3
func.func @gather(%x: tensor<2x3xi8> {qcc.name = "x"}) -> tensor<2x1xi8> {
  %i = arith.constant dense<[3]> : tensor<1xi64>
  %y = qnn.gather %x, %i {axis = 1 : i64} : (tensor<2x3xi8>, tensor<1xi64>) -> tensor<2x1xi8>
  return %y : tensor<2x1xi8>
}
