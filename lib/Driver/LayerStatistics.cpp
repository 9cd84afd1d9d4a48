//===- LayerStatistics.cpp - weight-layer inputs seen in calibration ------===//

#include "qcc/Driver/LayerStatistics.h"
#include "qcc/Dialect/Qnn/IR/Qnn.h"
#include "qcc/Dialect/Qnn/Transforms/CalibrationPoints.h"
#include "qcc/Dialect/Qnn/Transforms/Sparse24.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace mlir;
using namespace qcc;

/// Rows kept for AWQ's search, per layer.
static constexpr int64_t kSampleRows = 256;

struct LayerStatistics::Layer {
  qnn::WeightLayer layer;
  size_t point = SIZE_MAX;
  std::unique_ptr<quant::HessianAccumulator> hessian;
  std::vector<double> absSum;      // per column
  int64_t rowsSeen = 0;
  std::vector<float> sample;       // reservoir, kSampleRows x cols at most
  std::vector<double> channelLo, channelHi;
  bool rangesOnly = false; // SmoothQuant: per-channel input ranges only
  bool sparse = false;     // a Hessian for 2:4 pruning
  // An attention value projection (GPTQ): its Hessian rows are weighted by
  // the attention each position receives, from the softmax at probsPoint
  // ([kv heads, ctx, group, T]). A run's rows and weights arrive as two
  // points in either order; whichever comes second adds them.
  size_t probsPoint = SIZE_MAX;
  SmallVector<int64_t, 4> probsShape;
  std::vector<float> pendingRows;
  std::vector<double> pendingWeights;
  bool haveRows = false, haveWeights = false;
  std::string error;
};

/// The name of the layer's weight constant (its NameLoc), or "".
static std::string weightName(const qnn::WeightLayer &layer) {
  Value w = layer.op->getOperand(1);
  if (Operation *def = w.getDefiningOp())
    if (auto name = dyn_cast<NameLoc>(def->getLoc()))
      return name.getName().str();
  return "";
}

LayerStatistics::LayerStatistics(func::FuncOp main,
                                 const qnn::WeightQuantOptions &options,
                                 bool sparseHessians,
                                 const llvm::DenseSet<Operation *> *sparseOnly)
    : method(options.method) {
  bool grouped = method == "gptq" || method == "awq";
  bool smooth = options.smoothAlpha >= 0.0;
  if (!grouped && !smooth && !sparseHessians)
    return;
  std::vector<qnn::CalibrationPoint> points = qnn::calibrationPoints(main);
  for (const qnn::WeightLayer &l : qnn::weightLayers(main)) {
    bool perChannel = qnn::layerGroupSize(l, options) == 0;
    if (sparseHessians && qnn::sparse24Ineligible(l, options).empty() &&
        (!sparseOnly || sparseOnly->contains(l.op))) {
      // Wanda / SparseGPT for qcc-sparsify-24 (SmoothQuant's channel
      // ranges, if asked for, come from a second entry below).
      auto entry = std::make_unique<Layer>();
      entry->layer = l;
      entry->sparse = true;
      for (size_t i = 0; i < points.size(); ++i)
        if (points[i].value == l.input())
          entry->point = i;
      entry->hessian = std::make_unique<quant::HessianAccumulator>(l.cols);
      layers.push_back(std::move(entry));
    }
    if (perChannel ? !smooth : !grouped)
      continue;
    // SmoothQuant skips grouped convolutions (see qcc-quantize).
    if (auto conv = dyn_cast<qnn::ConvOp>(l.op);
        perChannel && conv && conv.getGroup() != 1)
      continue;
    auto entry = std::make_unique<Layer>();
    entry->layer = l;
    entry->rangesOnly = perChannel;
    for (size_t i = 0; i < points.size(); ++i)
      if (points[i].value == l.input())
        entry->point = i;
    int64_t channels = l.cols / l.window;
    if (!perChannel && method == "gptq") {
      entry->hessian = std::make_unique<quant::HessianAccumulator>(l.cols);
    } else {
      if (!perChannel)
        entry->absSum.assign(l.cols, 0.0);
      entry->channelLo.assign(channels, INFINITY);
      entry->channelHi.assign(channels, -INFINITY);
    }
    layers.push_back(std::move(entry));
  }
  attachAttentionWeights(main, points);
}

void LayerStatistics::attachAttentionWeights(
    func::FuncOp main, const std::vector<qnn::CalibrationPoint> &points) {
  if (method != "gptq")
    return;
  llvm::StringMap<Layer *> byName;
  for (auto &entry : layers)
    if (entry->hessian && !entry->sparse)
      if (std::string name = weightName(entry->layer); !name.empty())
        byName[name] = entry.get();
  main.walk([&](Operation *op) {
    auto name = op->getAttrOfType<StringAttr>(qnn::kAttnValueWeightAttr);
    if (!name || op->getNumResults() != 1)
      return;
    auto it = byName.find(name.getValue());
    if (it == byName.end())
      return; // that layer is not quantized with GPTQ
    Layer &entry = *it->second;
    auto type = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (!type || type.getRank() != 4 || !type.hasStaticShape()) {
      entry.error = "the attention probabilities are not a static [kv heads, "
                    "ctx, group, T] tensor";
      return;
    }
    entry.probsShape.assign(type.getShape().begin(), type.getShape().end());
    for (size_t i = 0; i < points.size(); ++i)
      if (points[i].value == op->getResult(0))
        entry.probsPoint = i;
    if (entry.probsPoint == SIZE_MAX)
      entry.error = "its attention probabilities are not a calibration point";
  });
}

LayerStatistics::~LayerStatistics() = default;

/// An attention-weighted layer's share of a point: rows or weights; once
/// both of a run are in, the weighted rows go into the Hessian.
static void observeAttention(LayerStatistics::Layer &entry, size_t point,
                             const float *data) {
  const qnn::WeightLayer &l = entry.layer;
  if (point == entry.point) {
    entry.pendingRows = qnn::layerInputRows(l, data);
    entry.haveRows = true;
  }
  if (point == entry.probsPoint) {
    ArrayRef<int64_t> s = entry.probsShape;
    entry.pendingWeights =
        qcc::quant::attentionRowWeights(data, s[0], s[1], s[2], s[3]);
    entry.haveWeights = true;
  }
  if (!entry.haveRows || !entry.haveWeights)
    return;
  entry.haveRows = entry.haveWeights = false;
  int64_t n = entry.pendingRows.size() / l.cols;
  if (n != (int64_t)entry.pendingWeights.size()) {
    entry.error = llvm::formatv("its input has {0} rows but the attention "
                                "probabilities cover {1} tokens",
                                n, entry.pendingWeights.size())
                      .str();
    return;
  }
  entry.hessian->addRows(entry.pendingRows.data(), n,
                         entry.pendingWeights.data());
}

void LayerStatistics::observe(size_t point, const float *data) {
  for (auto &entry : layers) {
    if (entry->probsPoint != SIZE_MAX) {
      if (point == entry->point || point == entry->probsPoint)
        observeAttention(*entry, point, data);
      continue;
    }
    if (entry->point != point)
      continue;
    const qnn::WeightLayer &l = entry->layer;
    std::vector<float> rows;
    if (!entry->rangesOnly)
      rows = qnn::layerInputRows(l, data);
    int64_t n = rows.size() / l.cols;
    if (entry->hessian) {
      entry->hessian->addRows(rows.data(), n);
      continue;
    }
    if (entry->rangesOnly)
      ++entry->rowsSeen;
    for (int64_t r = 0; r < n; ++r) {
      const float *row = &rows[r * l.cols];
      for (int64_t c = 0; c < l.cols; ++c)
        entry->absSum[c] += std::fabs(row[c]);
      // Reservoir sampling keeps a uniform sample of all rows seen.
      int64_t seen = entry->rowsSeen++;
      if (seen < kSampleRows) {
        entry->sample.insert(entry->sample.end(), row, row + l.cols);
      } else {
        int64_t slot = (int64_t)(rng() % (uint64_t)(seen + 1));
        if (slot < kSampleRows)
          std::copy(row, row + l.cols, &entry->sample[slot * l.cols]);
      }
    }
    // Channel ranges on the input itself: axis 1 for a convolution, the
    // last axis for a matmul.
    auto t = cast<RankedTensorType>(l.input().getType());
    int64_t total = t.getNumElements();
    int64_t channels = l.cols / l.window;
    int64_t inner = l.isConv ? total / (t.getDimSize(0) * channels) : 1;
    for (int64_t i = 0; i < total; ++i) {
      int64_t c = (i / inner) % channels;
      if (!std::isfinite(data[i]))
        continue;
      entry->channelLo[c] = std::min<double>(entry->channelLo[c], data[i]);
      entry->channelHi[c] = std::max<double>(entry->channelHi[c], data[i]);
    }
  }
}

/// lo0, hi0, lo1, hi1, ...; a channel that saw no finite value gets [0, 0].
static SmallVector<double> channelRanges(const LayerStatistics::Layer &entry) {
  SmallVector<double> ranges;
  for (size_t c = 0; c < entry.channelLo.size(); ++c) {
    bool seen = entry.channelLo[c] <= entry.channelHi[c];
    ranges.push_back(seen ? entry.channelLo[c] : 0.0);
    ranges.push_back(seen ? entry.channelHi[c] : 0.0);
  }
  return ranges;
}

LogicalResult LayerStatistics::attach() {
  for (auto &entry : layers) {
    const qnn::WeightLayer &l = entry->layer;
    Operation *op = l.op;
    MLIRContext *ctx = op->getContext();
    if (!entry->error.empty())
      return op->emitError("GPTQ's attention-weighted Hessian: ")
             << entry->error;
    bool empty = entry->hessian ? entry->hessian->getNumSamples() == 0
                                : entry->rowsSeen == 0;
    if (empty)
      return op->emitError("calibration never reached the input of this layer, "
                           "so ")
             << (entry->sparse       ? std::string("2:4 pruning")
                 : entry->rangesOnly ? std::string("SmoothQuant")
                                     : method)
             << " has no data for it";
    if (entry->hessian) {
      std::vector<double> h = entry->hessian->getHessian();
      auto type = RankedTensorType::get({l.cols, l.cols}, Float64Type::get(ctx));
      op->setAttr(qnn::kHessianAttr,
                  DenseF64ResourceElementsAttr::get(
                      type, "qcc_hessian",
                      HeapAsmResourceBlob::allocateAndCopyInferAlign<double>(h)));
      op->setAttr(qnn::kHessianRowsAttr,
                  IntegerAttr::get(IntegerType::get(ctx, 64),
                                   entry->hessian->getNumSamples()));
      continue;
    }
    if (entry->rangesOnly) {
      op->setAttr(qnn::kActChannelRangeAttr,
                  DenseF64ArrayAttr::get(ctx, channelRanges(*entry)));
      continue;
    }
    std::vector<float> meanAbs(l.cols);
    for (int64_t c = 0; c < l.cols; ++c)
      meanAbs[c] = (float)(entry->absSum[c] / entry->rowsSeen);
    op->setAttr(qnn::kActMeanAbsAttr,
                DenseElementsAttr::get(
                    RankedTensorType::get({l.cols}, Float32Type::get(ctx)),
                    ArrayRef<float>(meanAbs)));
    int64_t n = entry->sample.size() / l.cols;
    op->setAttr(qnn::kActSampleAttr,
                DenseF32ResourceElementsAttr::get(
                    RankedTensorType::get({n, l.cols}, Float32Type::get(ctx)),
                    "qcc_act_sample",
                    HeapAsmResourceBlob::allocateAndCopyInferAlign<float>(
                        entry->sample)));
    op->setAttr(qnn::kActChannelRangeAttr,
                DenseF64ArrayAttr::get(ctx, channelRanges(*entry)));
  }
  return success();
}
