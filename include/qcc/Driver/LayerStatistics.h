//===- LayerStatistics.h - weight-layer inputs seen in calibration -*- C++ -*-===//
//
// What GPTQ and AWQ need from calibration, per conv/matmul layer that gets
// grouped weights: the streaming X^T X of the layer's input rows (GPTQ),
// their mean |x| per column, a fixed-size reservoir sample of rows and the
// per-channel input range (AWQ, and SmoothQuant for the int8 layers). Fed by runCalibration's point hook, then
// attached to the layer ops as the attributes qcc-quantize reads
// (qcc/Dialect/Qnn/Transforms/WeightQuantization.h). Memory is bounded:
// cols^2 doubles and a fixed number of sample rows per layer.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_DRIVER_LAYERSTATISTICS_H
#define QCC_DRIVER_LAYERSTATISTICS_H

#include "qcc/Dialect/Qnn/Transforms/CalibrationPoints.h"
#include "qcc/Dialect/Qnn/Transforms/WeightQuantization.h"
#include "qcc/Quant/WeightQuantizers.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseSet.h"

#include <memory>
#include <random>
#include <vector>

namespace qcc {

class LayerStatistics {
public:
  /// Statistics for the grouped layers of `main` under `options`
  /// ("gptq": Hessians; "awq": mean |x|, samples, channel ranges), and with
  /// `sparseHessians` Hessians of the layers eligible for 2:4 sparsity (for
  /// Wanda and SparseGPT pruning), only of those in `sparseOnly` when it is
  /// given (one stage of --sparse-stages).
  LayerStatistics(
      mlir::func::FuncOp main, const qnn::WeightQuantOptions &options,
      bool sparseHessians = false,
      const llvm::DenseSet<mlir::Operation *> *sparseOnly = nullptr);
  ~LayerStatistics();

  /// Whether any layer wants data.
  bool empty() const { return layers.empty(); }
  /// Calibration point `point` (index into qnn::calibrationPoints(main))
  /// took `data` (the point's static shape) on one sample.
  void observe(size_t point, const float *data);
  /// Sets the layers' data attributes; fails (with an error) for a layer
  /// whose input calibration never reached.
  mlir::LogicalResult attach();

  struct Layer;

private:
  /// GPTQ on a language model: each value projection named by a softmax's
  /// qnn::kAttnValueWeightAttr gets its input rows weighted by the
  /// attention they receive (quant::attentionRowWeights).
  void attachAttentionWeights(
      mlir::func::FuncOp main,
      const std::vector<qnn::CalibrationPoint> &points);

  std::vector<std::unique_ptr<Layer>> layers;
  std::string method;
  std::mt19937_64 rng{0x9e3779b97f4a7c15ull};
};

} // namespace qcc

#endif // QCC_DRIVER_LAYERSTATISTICS_H
