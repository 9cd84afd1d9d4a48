//===- WeightQuantization.h - quantized constant weights of a model -*- C++ -*-===//
//
// The conv and matmul layers whose constant weights qcc-quantize quantizes,
// seen as row-major matrices [rows = output channels][cols = reduction
// elements, (channel, kernel...) order for convolutions]; the data-driven
// quantizers' inputs (Hessians, activation samples) as attributes on those
// layers; and the weight quantization itself: per-channel int8, or grouped
// 2/3/4/8-bit codes with integer sub-scales for the grouped integer kernels.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_DIALECT_QNN_TRANSFORMS_WEIGHTQUANTIZATION_H
#define QCC_DIALECT_QNN_TRANSFORMS_WEIGHTQUANTIZATION_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/StringRef.h"

#include <string>
#include <vector>

namespace qcc::qnn {

/// Calibration data of a layer's input that the data-driven weight
/// quantizers read, attached to the layer op by the driver:
///   qcc.hessian       f64 [cols, cols] (resource), X^T X of the input rows
///   qcc.act_mean_abs  f32 [cols], mean |x| per input column
///   qcc.act_sample    f32 [n, cols] (resource), a sample of input rows
///   qcc.act_channel_range  array<f64: lo0, hi0, lo1, hi1, ...> per input
///                     channel, which AWQ needs to rescale the input's range
constexpr llvm::StringLiteral kHessianAttr = "qcc.hessian";
/// The number of input rows kHessianAttr was accumulated from (i64).
constexpr llvm::StringLiteral kHessianRowsAttr = "qcc.hessian_rows";
constexpr llvm::StringLiteral kActMeanAbsAttr = "qcc.act_mean_abs";
constexpr llvm::StringLiteral kActSampleAttr = "qcc.act_sample";
constexpr llvm::StringLiteral kActChannelRangeAttr = "qcc.act_channel_range";
/// On a language model's attention softmax (probabilities [kv heads, ctx,
/// group, T], normalized over ctx): the name of the value projection weight
/// (the constant's NameLoc, e.g. "blk.3.attn_v.weight") whose outputs these
/// probabilities mix. GPTQ's calibration weights that layer's input rows by
/// the attention each position receives (LayerStatistics).
constexpr llvm::StringLiteral kAttnValueWeightAttr = "qcc.attn_value_weight";
/// A conv/matmul whose weights qcc-sparsify-24 pruned to 2:4 (unit
/// attribute); qcc-integerize keeps it on the integer op, which
/// qcc-pack-sparse-24 then packs.
constexpr llvm::StringLiteral kSparse24Attr = "qcc.sparse24";

/// A layer with a constant f32 weight.
struct WeightLayer {
  mlir::Operation *op = nullptr; // qnn.conv or qnn.matmul
  bool isConv = false;
  int64_t rows = 0, cols = 0;
  /// Kernel elements per input channel (1 for matmul): column c of a row
  /// belongs to input channel c / window.
  int64_t window = 1;
  mlir::Value input() const;
};

/// Conv layers (any group; weight operand 1) and matmuls with a rank-2
/// constant right operand, in walk order.
std::vector<WeightLayer> weightLayers(mlir::func::FuncOp f);

/// The layer's input as rows of its reduction: [prod(leading), K] for a
/// matmul, im2col patches [N * outSpatial, C * kernel] for a convolution of
/// group 1 (other groups: no rows). `x` has the input's static shape.
std::vector<float> layerInputRows(const WeightLayer &layer, const float *x);

struct WeightQuantOptions {
  int bits = 8;          // 2, 3, 4 or 8
  int64_t groupSize = 0; // reduction elements per group; 0: per channel
  std::string method = "rtn"; // rtn, gptq, awq, hqq
  /// SmoothQuant migration strength for the per-channel int8 layers
  /// (0..1); negative: off. Needs qcc.act_channel_range on the layers.
  double smoothAlpha = -1.0;
};

/// The group size (in row elements) of `layer` under `options`, or 0 when
/// the layer takes per-channel int8 instead: 8-bit options, depthwise and
/// grouped convolutions, batched convolutions, and rows the grouped kernels
/// cannot split (groups must be a multiple of 8 and divide the row; a
/// convolution's groups cover whole input channels).
int64_t layerGroupSize(const WeightLayer &layer,
                       const WeightQuantOptions &options);

/// Sub-scale bits (<= 8) for which the int32 accumulation of a row of `k`
/// products of 8-bit activations and `bits`-bit codes cannot overflow.
int subScaleBits(int64_t k, int bits);

/// Quantizes every weight layer of `f` as `options` say: grouped layers
/// (layerGroupSize > 0) get their constant replaced by storage integers +
/// qnn.dequantize here, the others are handed to `perChannel` (int8).
/// AWQ's input scales (and SmoothQuant's, for int8 layers when
/// `smoothAlpha` >= 0) fold into the producing conv/matmul/layer norm
/// where one owns the input, and the input's `qcc.calib` range follows. Layer data
/// attributes are consumed. Emits an error and fails when a method lacks
/// its data. `summary` receives one line per configuration used.
mlir::LogicalResult quantizeWeights(
    mlir::func::FuncOp f, const WeightQuantOptions &options,
    llvm::function_ref<mlir::LogicalResult(mlir::Operation *)> perChannel,
    std::string *summary = nullptr);

} // namespace qcc::qnn

#endif // QCC_DIALECT_QNN_TRANSFORMS_WEIGHTQUANTIZATION_H
