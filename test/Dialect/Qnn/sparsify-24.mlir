// RUN: qcc-opt %s -split-input-file -qcc-sparsify-24="mode=force method=magnitude" | FileCheck %s --check-prefix=MAG
// RUN: qcc-opt %s -split-input-file -qcc-sparsify-24="mode=force method=wanda" | FileCheck %s --check-prefix=WANDA
// RUN: qcc-opt %s -split-input-file -qcc-sparsify-24="mode=force method=sparsegpt" -qcc-verify-sparse-24 | FileCheck %s --check-prefix=SGPT
// RUN: qcc-opt %s -split-input-file -qcc-sparsify-24="mode=enable" | FileCheck %s --check-prefix=ENABLE
// RUN: qcc-opt %s -split-input-file -qcc-sparsify-24="mode=force fast-kernel=false print-summary=true" 2>&1 | FileCheck %s --check-prefix=SUMMARY

// A matmul's B [K = 8, N = 2]: each output column keeps 2 of every 4 rows.
// Magnitude keeps the largest |w| (ties: the earlier position); Wanda
// weighs |w| by ||x_k|| = sqrt(H_kk), and input 0 is 10x larger than the
// others, so column 0 keeps k = 0 over k = 2 and column 1 keeps k = 0.
// SparseGPT compensates: kept weights move, and the Hessian is consumed.
// MAG-LABEL: func.func @main
// MAG: arith.constant dense<{{\[}}[0.000000e+00, 0.000000e+00], [-4.000000e+00, 0.000000e+00], [3.000000e+00, 3.000000e-01], [0.000000e+00, 4.000000e-01], [2.000000e+00, 4.000000e+00], [0.000000e+00, 3.000000e+00], [-3.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00]]> : tensor<8x2xf32>
// MAG: qnn.matmul {{.*}}qcc.sparse24
// WANDA-LABEL: func.func @main
// WANDA: arith.constant dense<{{\[}}[1.000000e+00, 1.000000e-01], [-4.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00], [0.000000e+00, 4.000000e-01], [2.000000e+00, 4.000000e+00], [0.000000e+00, 3.000000e+00], [-3.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00]]> : tensor<8x2xf32>
// WANDA-NOT: qcc.hessian
// WANDA: qnn.matmul {{.*}}qcc.sparse24
// SGPT-LABEL: func.func @main
// SGPT-NOT: qcc.hessian
// SGPT: qnn.matmul {{.*}}qcc.sparse24
// ENABLE-LABEL: func.func @main
// ENABLE-NOT: qcc.sparse24
// SUMMARY: 2:4 sparsity (force, magnitude): 1 of 1 eligible layers pruned, 50.0% of their weights zero
func.func @main(%x: tensor<2x8xf32>) -> tensor<2x2xf32> {
  %w = arith.constant dense<[[1.0, 0.1], [-4.0, 0.2], [3.0, 0.3], [0.5, 0.4], [2.0, 4.0], [2.0, 3.0], [-3.0, 2.0], [1.0, 1.0]]> : tensor<8x2xf32>
  %y = qnn.matmul %x, %w {qcc.hessian = dense_resource<h0> : tensor<8x8xf64>} : (tensor<2x8xf32>, tensor<8x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

{-#
  dialect_resources: {
    builtin: {
      h0: "0x08000000000000000000594000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000f03f00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000f03f00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000f03f00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000f03f00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000f03f00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000f03f00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000f03f"
    }
  }
#-}

// -----

// SparseGPT on a 1x1 convolution (groups along the 8 input channels) with
// a dense Hessian; the depthwise convolution is not eligible and keeps its
// weights. The pattern is checked by -qcc-verify-sparse-24 in the RUN line.
// SGPT-LABEL: func.func @main
// SGPT: qnn.conv {{.*}}qcc.sparse24
// SGPT: qnn.conv
// SGPT-NOT: qcc.sparse24
// SGPT: return
func.func @main(%x: tensor<1x8x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %w = arith.constant dense<[[[[0.5]], [[-0.25]], [[1.0]], [[0.125]], [[-0.75]], [[0.3]], [[0.9]], [[-0.6]]],
                            [[[0.2]], [[0.4]], [[-0.1]], [[0.8]], [[0.7]], [[-0.9]], [[0.05]], [[0.35]]],
                            [[[-0.3]], [[0.6]], [[0.45]], [[-0.15]], [[0.25]], [[0.55]], [[-0.65]], [[0.1]]],
                            [[[0.9]], [[-0.8]], [[0.7]], [[-0.6]], [[0.5]], [[-0.4]], [[0.3]], [[-0.2]]]]> : tensor<4x8x1x1xf32>
  %y = qnn.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, qcc.hessian = dense_resource<h1> : tensor<8x8xf64>} : (tensor<1x8x4x4xf32>, tensor<4x8x1x1xf32>) -> tensor<1x4x4x4xf32>
  %d = arith.constant dense<0.5> : tensor<4x1x3x3xf32>
  %z = qnn.conv %y, %d {dilations = array<i64: 1, 1>, group = 4 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x4x4xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x4x4xf32>
  return %z : tensor<1x4x4x4xf32>
}

{-#
  dialect_resources: {
    builtin: {
      h1: "0x08000000a22c26c0b0e91740f84857e29e5e0040e85a352d66f4e1bf6342f548330cf43f380d1bfebb4aa83f3bc16df2c118f6bf95ecfe7a33fefb3fb717cda09a33eebff84857e29e5e0040c515d1cdf78a1e404295ca3dffebd5bff9f8ef42843ff73f18f3ecbe54490340ce4e87379a020fc04e8f3cb2ccc1e53f115f70b27fd6e8bfe85a352d66f4e1bf4295ca3dffebd5bf80732fde07f51240c025711c8e22cdbf37bf5072fd48f33f8a37383e62ece53f129cb346f3f7f13f86f7b712e125f0bf6342f548330cf43ff9f8ef42843ff73fc025711c8e22cdbf212af69133151a40fc953c8a42f0cb3f205c5576670fe6bf7dfe97036e41e03f8ae91dd68c8305c0380d1bfebb4aa83f18f3ecbe5449034037bf5072fd48f33ffc953c8a42f0cb3f410797bd7c031940331330ff251af3bfb4f30cb06cd9d4bfb02480115edec5bf3bc16df2c118f6bfce4e87379a020fc08a37383e62ece53f205c5576670fe6bf331330ff251af3bf48098cfff9052040fc8b3431039fd8bff81d1be995f1d63f95ecfe7a33fefb3f4e8f3cb2ccc1e53f129cb346f3f7f13f7dfe97036e41e03fb4f30cb06cd9d4bffc8b3431039fd8bf9d42bc9288da174090634af68f61a6bfb717cda09a33eebf115f70b27fd6e8bf86f7b712e125f0bf8ae91dd68c8305c0b02480115edec5bff81d1be995f1d63f90634af68f61a6bf8b7727dfe2c11d40"
    }
  }
#-}
