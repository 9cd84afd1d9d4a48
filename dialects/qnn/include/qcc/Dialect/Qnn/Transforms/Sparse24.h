//===- Sparse24.h - what the 2:4 sparsity passes share -----------*- C++
//-*-===//
//
// Eligibility and the cost rule of qcc-sparsify-24 (the driver asks them too)
// and the layer names their diagnostics print.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_DIALECT_QNN_TRANSFORMS_SPARSE24_H
#define QCC_DIALECT_QNN_TRANSFORMS_SPARSE24_H

#include "qcc/Dialect/Qnn/Transforms/WeightQuantization.h"

#include "mlir/IR/Operation.h"
#include "llvm/Support/Regex.h"

#include <string>
#include <vector>

namespace qcc::qnn {

/// The layer's name for diagnostics: the ONNX node name its location
/// carries, else the op name.
std::string layerName(mlir::Operation *op);

/// Why a weight layer cannot take 2:4 sparse int8 weights under `options`
/// (grouped codes, a reduction not a multiple of 4, a convolution other
/// than 1x1 / stride 1 / unpadded / one group / batch 1), or "" if it can.
std::string sparse24Ineligible(const WeightLayer &layer,
                               const WeightQuantOptions &options);

/// The CPU cost rule of --sparsity=enable: whether the 2:4 kernel beats
/// the dense int8 one for an M x N x K product (measured by
/// bench/sparse24_gemm.py, docs/sparsity.md).
bool sparse24Profitable(int64_t m, int64_t n, int64_t k);

/// The layers qcc-sparsify-24 prunes in `main`, in program order: those
/// eligible under `options` whose name `select` matches (every one when it
/// is null) and, unless `force`, that the cost rule calls profitable on a
/// target with a fast 2:4 kernel (`fastKernel`; none without it).
/// `eligible` counts the eligible layers; `firstReason` says why the first
/// ineligible one is not ("" if none).
std::vector<WeightLayer> sparse24Candidates(mlir::func::FuncOp main,
                                            const WeightQuantOptions &options,
                                            const llvm::Regex *select,
                                            bool force, bool fastKernel,
                                            int &eligible,
                                            std::string &firstReason);

/// Stage `stage` of `stages` over `n` layers in program order: the
/// indices [first, second). Contiguous chunks of n / stages layers, the
/// earlier ones one smaller when `stages` does not divide `n`.
std::pair<size_t, size_t> sparse24StageRange(size_t n, int stages, int stage);

/// The weights of a conv/matmul (float or integer, operand 1, constant) as
/// [rows = output channels][cols = reduction] integers (float weights: 1
/// for nonzero, 0 for zero); fails with `why` when they are not constant.
mlir::LogicalResult sparse24Rows(mlir::Operation *op, std::vector<int64_t> &w,
                                 int64_t &rows, int64_t &cols,
                                 std::string &why);

} // namespace qcc::qnn

#endif // QCC_DIALECT_QNN_TRANSFORMS_SPARSE24_H
