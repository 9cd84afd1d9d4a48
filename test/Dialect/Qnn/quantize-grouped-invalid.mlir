// RUN: not qcc-opt %s -qcc-quantize="weight-bits=4 group-size=8 weight-method=gptq" 2>&1 | FileCheck %s --check-prefix=GPTQ
// RUN: not qcc-opt %s -qcc-quantize="weight-bits=4 group-size=8 weight-method=awq" 2>&1 | FileCheck %s --check-prefix=AWQ
// RUN: not qcc-opt %s -qcc-quantize="weight-bits=5" 2>&1 | FileCheck %s --check-prefix=BITS
// RUN: not qcc-opt %s -qcc-quantize="weight-bits=8 weight-method=gptq" 2>&1 | FileCheck %s --check-prefix=EIGHT
// RUN: not qcc-opt %s -qcc-quantize="weight-bits=4 weight-method=nf4" 2>&1 | FileCheck %s --check-prefix=METHOD

// The data-driven quantizers say what they miss instead of falling back.
// GPTQ: error: GPTQ needs the Hessian of this layer's input (qcc.hessian, 16x16 f64), which calibration computes: pass --calib
// AWQ: error: AWQ needs this layer's input statistics (qcc.act_mean_abs, qcc.act_sample), which calibration computes: pass --calib
// BITS: error: weight bits must be 2, 3, 4 or 8, got 5
// EIGHT: error: 8-bit weights are per-channel round-to-nearest; gptq applies to 2, 3 or 4 bits
// METHOD: error: unknown weight quantizer 'nf4' (rtn, gptq, awq or hqq)
func.func @main(%x: tensor<2x16xf32> {qcc.calib = array<f64: -1.0, 1.0>}) -> tensor<2x4xf32> {
  %w = arith.constant dense<0.5> : tensor<16x4xf32>
  %y = qnn.matmul %x, %w {qcc.calib = [array<f64: -4.0, 4.0>]} : (tensor<2x16xf32>, tensor<16x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}
