//===- WeightQuantization.cpp - quantized constant weights ----------------===//
//
// Per-channel int8 weights for every conv/matmul, or grouped sub-byte codes
// (RTN, GPTQ, AWQ, HQQ from lib/Quant) where the grouped integer kernels can
// take them. Grouped scales are written as d[row] * sub[row, group] with
// small integer sub-scales before they enter the quantized type, so that
// qcc-integerize recovers the same integers and the integer model computes
// what the QDQ form says. Codes are stored signed: code - 2^(bits-1).
//
//===----------------------------------------------------------------------===//

#include "qcc/Dialect/Qnn/Transforms/WeightQuantization.h"
#include "qcc/Dialect/Qnn/IR/Qnn.h"
#include "qcc/Quant/WeightQuantizers.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <map>

using namespace mlir;
using namespace qcc::qnn;
namespace quantlib = qcc::quant;

//===----------------------------------------------------------------------===//
// Layers
//===----------------------------------------------------------------------===//

static DenseElementsAttr constantF32(Value v) {
  DenseElementsAttr dense;
  if (!matchPattern(v, m_Constant(&dense)) || !dense.getElementType().isF32())
    return {};
  return dense;
}

Value WeightLayer::input() const { return op->getOperand(0); }

std::vector<WeightLayer> qcc::qnn::weightLayers(func::FuncOp f) {
  std::vector<WeightLayer> layers;
  f.walk([&](Operation *op) {
    WeightLayer l;
    l.op = op;
    if (auto conv = dyn_cast<ConvOp>(op)) {
      if (!constantF32(conv.getWeight()))
        return;
      auto t = conv.getWeight().getType();
      l.isConv = true;
      l.rows = t.getDimSize(0);
      l.cols = t.getNumElements() / l.rows;
      l.window = l.cols / t.getDimSize(1);
    } else if (auto mm = dyn_cast<MatMulOp>(op)) {
      auto t = mm.getRhs().getType();
      if (t.getRank() != 2 || !constantF32(mm.getRhs()))
        return;
      l.rows = t.getDimSize(1);
      l.cols = t.getDimSize(0);
    } else {
      return;
    }
    layers.push_back(l);
  });
  return layers;
}

/// Row-major [rows][cols] values of the layer's current float weight.
static std::vector<float> weightRows(const WeightLayer &l) {
  auto values = llvm::to_vector(
      constantF32(l.op->getOperand(1)).getValues<float>());
  if (l.isConv)
    return std::vector<float>(values.begin(), values.end());
  // Matmul B [K, N]: row n is column n.
  std::vector<float> rows(l.rows * l.cols);
  for (int64_t k = 0; k < l.cols; ++k)
    for (int64_t n = 0; n < l.rows; ++n)
      rows[n * l.cols + k] = values[k * l.rows + n];
  return rows;
}

std::vector<float> qcc::qnn::layerInputRows(const WeightLayer &layer,
                                            const float *x) {
  auto xt = cast<RankedTensorType>(layer.input().getType());
  int64_t total = xt.getNumElements();
  if (!layer.isConv)
    return std::vector<float>(x, x + total);
  auto conv = cast<ConvOp>(layer.op);
  if (conv.getGroup() != 1)
    return {};
  auto wt = conv.getWeight().getType();
  auto ot = conv.getType();
  int64_t spatial = xt.getRank() - 2, batch = xt.getDimSize(0),
          channels = xt.getDimSize(1);
  ArrayRef<int64_t> strides = conv.getStrides(), pads = conv.getPads(),
                    dilations = conv.getDilations();
  int64_t outSize = 1, inSize = 1;
  for (int64_t i = 0; i < spatial; ++i) {
    outSize *= ot.getDimSize(2 + i);
    inSize *= xt.getDimSize(2 + i);
  }
  std::vector<float> rows(batch * outSize * layer.cols, 0.0f);
  SmallVector<int64_t> out(spatial), ker(spatial);
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t p = 0; p < outSize; ++p) {
      for (int64_t i = spatial - 1, r = p; i >= 0; --i) {
        out[i] = r % ot.getDimSize(2 + i);
        r /= ot.getDimSize(2 + i);
      }
      float *row = &rows[(n * outSize + p) * layer.cols];
      for (int64_t kp = 0; kp < layer.window; ++kp) {
        int64_t offset = 0;
        bool inside = true;
        for (int64_t i = spatial - 1, r = kp; i >= 0; --i) {
          ker[i] = r % wt.getDimSize(2 + i);
          r /= wt.getDimSize(2 + i);
        }
        for (int64_t i = 0; i < spatial; ++i) {
          int64_t pos = out[i] * strides[i] + ker[i] * dilations[i] - pads[i];
          inside &= pos >= 0 && pos < xt.getDimSize(2 + i);
          offset = offset * xt.getDimSize(2 + i) + pos;
        }
        if (!inside)
          continue;
        for (int64_t c = 0; c < channels; ++c)
          row[c * layer.window + kp] = x[(n * channels + c) * inSize + offset];
      }
    }
  return rows;
}

int64_t qcc::qnn::layerGroupSize(const WeightLayer &layer,
                                 const WeightQuantOptions &options) {
  if (options.bits >= 8)
    return 0;
  int64_t want = options.groupSize > 0 ? options.groupSize : layer.cols;
  if (!layer.isConv) {
    int64_t g = std::min(want, layer.cols);
    return g % 8 == 0 && layer.cols % g == 0 ? g : 0;
  }
  auto conv = cast<ConvOp>(layer.op);
  if (conv.getGroup() != 1 || conv.getInput().getType().getDimSize(0) != 1)
    return 0;
  // Whole input channels per group: the largest channel block b dividing C
  // with b * window <= max(want, window) whose group is a multiple of 8.
  int64_t channels = layer.cols / layer.window;
  for (int64_t b = std::max<int64_t>(1, std::min(channels, want / layer.window));
       b >= 1; --b)
    if (channels % b == 0 && (b * layer.window) % 8 == 0)
      return b * layer.window;
  // Else the smallest block whose group is a multiple of 8.
  for (int64_t b = 1; b <= channels; ++b)
    if (channels % b == 0 && (b * layer.window) % 8 == 0)
      return b * layer.window;
  return 0;
}

int qcc::qnn::subScaleBits(int64_t k, int bits) {
  double perProduct = 255.0 * double((1 << bits) - 1) * double(k);
  for (int sb = 8; sb > 1; --sb)
    if (perProduct * double((1 << sb) - 1) < 2147483647.0)
      return sb;
  return 1;
}

//===----------------------------------------------------------------------===//
// Emitting quantized weights
//===----------------------------------------------------------------------===//

/// Replaces the layer's weight operand by `storage` integers viewed as
/// `qtype` and dequantized.
static void replaceWeight(OpBuilder &b, const WeightLayer &l,
                          DenseElementsAttr storage, Type qtype) {
  b.setInsertionPoint(l.op);
  Value w = l.op->getOperand(1);
  Location loc = w.getLoc();
  auto t = cast<RankedTensorType>(w.getType());
  Value c = b.create<arith::ConstantOp>(loc, storage);
  Value qv = b.create<StorageCastOp>(
      loc, RankedTensorType::get(t.getShape(), qtype), c);
  l.op->setOperand(1, b.create<DequantizeOp>(loc, t, qv));
}

/// Grouped codes with their scales rewritten as d[row] * sub[row, group].
static LogicalResult emitGrouped(OpBuilder &b, const WeightLayer &l,
                                 const quantlib::QuantizedWeights &q) {
  MLIRContext *ctx = b.getContext();
  int bits = q.bits;
  int64_t groups = q.numGroups(), g = q.groupSize;
  auto integer = quantlib::integerizeGroupScales(
      q.scales.data(), l.rows, groups, subScaleBits(l.cols, bits));
  int64_t off = int64_t(1) << (bits - 1);
  auto t = cast<RankedTensorType>(l.op->getOperand(1).getType());
  // Parameter grid: matmul B [K, N] -> [K / g, N]; conv [F, C, k...] ->
  // [F, C / (g / window), 1...].
  SmallVector<int64_t> grid(t.getRank(), 1), blocks;
  SmallVector<int32_t> dims{0, 1};
  if (l.isConv) {
    grid[0] = l.rows;
    grid[1] = groups;
    blocks = {1, g / l.window};
  } else {
    grid = {groups, l.rows};
    blocks = {g, 1};
  }
  SmallVector<float> scales(l.rows * groups);
  SmallVector<APInt> zps(l.rows * groups, APInt(bits, 0));
  for (int64_t r = 0; r < l.rows; ++r)
    for (int64_t gi = 0; gi < groups; ++gi) {
      int64_t src = r * groups + gi;
      int64_t dst = l.isConv ? src : gi * l.rows + r;
      float d = integer.rowScales[r] > 0 ? integer.rowScales[r] : 1e-8f;
      scales[dst] = (float)((double)d * integer.subScales[src]);
      int64_t zp = q.zeroPoints[src];
      if (zp < 0 || zp >= 2 * off)
        return l.op->emitError("weight zero point ")
               << zp << " is outside the " << bits << "-bit code range";
      zps[dst] = APInt(bits, (uint64_t)(zp - off), /*isSigned=*/true);
    }
  SmallVector<APInt> codes(t.getNumElements(), APInt(bits, 0));
  for (int64_t r = 0; r < l.rows; ++r)
    for (int64_t c = 0; c < l.cols; ++c) {
      int64_t linear = l.isConv ? r * l.cols + c : c * l.rows + r;
      codes[linear] = APInt(bits, (uint64_t)((int64_t)q.codes[r * l.cols + c] - off),
                            /*isSigned=*/true);
    }
  Type storage = IntegerType::get(ctx, bits), f32 = Float32Type::get(ctx);
  auto scaleAttr = DenseElementsAttr::get(RankedTensorType::get(grid, f32),
                                          ArrayRef<float>(scales));
  auto zpAttr = DenseElementsAttr::get(RankedTensorType::get(grid, storage), zps);
  auto qtype = quant::UniformQuantizedSubChannelType::getChecked(
      [&] { return l.op->emitError(); }, quant::QuantizationFlags::Signed,
      storage, f32, scaleAttr, zpAttr, dims, blocks, -off, off - 1);
  if (!qtype)
    return failure();
  replaceWeight(b, l,
                DenseElementsAttr::get(RankedTensorType::get(t.getShape(), storage),
                                       codes),
                qtype);
  return success();
}

//===----------------------------------------------------------------------===//
// Layer data
//===----------------------------------------------------------------------===//

template <typename T>
static std::optional<ArrayRef<T>> resourceData(Operation *op, StringRef name) {
  Attribute a = op->getAttr(name);
  if (auto r = dyn_cast_or_null<mlir::detail::DenseResourceElementsAttrBase<T>>(a))
    return r.tryGetAsArrayRef();
  return std::nullopt;
}

static std::optional<std::vector<float>> denseF32(Operation *op, StringRef name) {
  auto a = op->getAttrOfType<DenseElementsAttr>(name);
  if (!a || !a.getElementType().isF32())
    return std::nullopt;
  auto v = a.getValues<float>();
  return std::vector<float>(v.begin(), v.end());
}

//===----------------------------------------------------------------------===//
// AWQ scale folding
//===----------------------------------------------------------------------===//

/// Where AWQ's or SmoothQuant's 1 / s on the layer input can go: the op
/// that produces it (conv or matmul with constant weights, possibly with a
/// constant bias add, possibly through a ReLU; or a layer norm's constant
/// affine part), owned by this layer alone.
struct FoldTarget {
  Operation *producer = nullptr; // ConvOp, MatMulOp or LayerNormOp
  AddOp biasAdd;                 // matmul + constant bias
  Value point;                   // the layer's input value
};

static std::optional<FoldTarget> foldTarget(const WeightLayer &l) {
  FoldTarget t;
  t.point = l.input();
  Value v = t.point;
  if (!v.hasOneUse())
    return std::nullopt;
  if (auto relu = v.getDefiningOp<ReluOp>()) {
    v = relu.getInput();
    if (!v.hasOneUse())
      return std::nullopt;
  }
  Operation *def = v.getDefiningOp();
  if (!def)
    return std::nullopt;
  // A layer norm over the last axis alone, with constant per-channel scale
  // and bias, takes a matmul input's factors in its affine part.
  if (auto ln = dyn_cast<LayerNormOp>(def)) {
    auto lt = cast<RankedTensorType>(ln.getType());
    auto isChannelVector = [&](Value p) {
      auto pt = cast<RankedTensorType>(p.getType());
      return constantF32(p) && pt.getRank() == 1 &&
             pt.getDimSize(0) == lt.getDimSize(lt.getRank() - 1);
    };
    if (l.isConv || lt.getRank() < 2 || ln.getAxis() != lt.getRank() - 1 ||
        !isChannelVector(ln.getScale()) ||
        (ln.getBias() && !isChannelVector(ln.getBias())))
      return std::nullopt;
    t.producer = ln;
    return t;
  }
  if (l.isConv) {
    auto conv = dyn_cast<ConvOp>(def);
    if (!conv || !constantF32(conv.getWeight()) ||
        (conv.getBias() && !constantF32(conv.getBias())))
      return std::nullopt;
    t.producer = conv;
    return t;
  }
  if (auto add = dyn_cast<AddOp>(def)) {
    for (int side = 0; side < 2; ++side) {
      Value mm = side ? add.getRhs() : add.getLhs();
      Value bias = side ? add.getLhs() : add.getRhs();
      if (mm.getDefiningOp<MatMulOp>() && mm.hasOneUse() && constantF32(bias) &&
          cast<RankedTensorType>(bias.getType()).getRank() == 1) {
        t.biasAdd = add;
        def = mm.getDefiningOp();
        break;
      }
    }
  }
  auto mm = dyn_cast<MatMulOp>(def);
  if (!mm || mm.getRhs().getType().getRank() != 2 || !constantF32(mm.getRhs()))
    return std::nullopt;
  t.producer = mm;
  return t;
}

/// A copy of constant `v` with the elements of index i along `axis`
/// multiplied by factor[i].
static Value scaledAlong(OpBuilder &b, Value v, int64_t axis,
                         ArrayRef<float> factor) {
  DenseElementsAttr dense = constantF32(v);
  auto type = cast<RankedTensorType>(v.getType());
  int64_t inner = 1;
  for (int64_t d = axis + 1; d < type.getRank(); ++d)
    inner *= type.getDimSize(d);
  int64_t n = type.getDimSize(axis);
  auto values = llvm::to_vector(dense.getValues<float>());
  for (int64_t i = 0; i < (int64_t)values.size(); ++i)
    values[i] *= factor[(i / inner) % n];
  b.setInsertionPointAfterValue(v);
  return b
      .create<arith::ConstantOp>(
          v.getLoc(), DenseElementsAttr::get(type, ArrayRef<float>(values)))
      .getResult();
}

/// Multiplies output channel c of the target by factor[c].
static void scaleProducer(OpBuilder &b, const FoldTarget &t,
                          ArrayRef<float> factor) {
  if (auto conv = dyn_cast<ConvOp>(t.producer)) {
    conv->setOperand(1, scaledAlong(b, conv.getWeight(), 0, factor));
    if (conv.getBias())
      conv->setOperand(2, scaledAlong(b, conv.getBias(), 0, factor));
  } else if (auto ln = dyn_cast<LayerNormOp>(t.producer)) {
    ln->setOperand(1, scaledAlong(b, ln.getScale(), 0, factor));
    if (ln.getBias())
      ln->setOperand(2, scaledAlong(b, ln.getBias(), 0, factor));
  } else {
    auto mm = cast<MatMulOp>(t.producer);
    mm->setOperand(1, scaledAlong(b, mm.getRhs(), 1, factor));
    if (t.biasAdd) {
      AddOp add = t.biasAdd;
      unsigned side = add.getLhs().getDefiningOp() == mm ? 1 : 0;
      add->setOperand(side, scaledAlong(b, add->getOperand(side), 0, factor));
    }
  }
}

/// The range of the scaled point: per channel [lo_c, hi_c] / s_c.
static void rescaleRange(const FoldTarget &t, ArrayRef<double> channelRanges,
                         ArrayRef<float> channelScale) {
  double lo = 0.0, hi = 0.0;
  for (size_t c = 0; c < channelScale.size(); ++c) {
    lo = std::min(lo, channelRanges[2 * c] / channelScale[c]);
    hi = std::max(hi, channelRanges[2 * c + 1] / channelScale[c]);
  }
  Operation *def = t.point.getDefiningOp();
  MLIRContext *ctx = def->getContext();
  SmallVector<Attribute> ranges;
  if (auto all = def->getAttrOfType<ArrayAttr>("qcc.calib"))
    ranges.assign(all.begin(), all.end());
  unsigned i = cast<OpResult>(t.point).getResultNumber();
  if (ranges.size() <= i)
    ranges.resize(i + 1, DenseF64ArrayAttr::get(ctx, {}));
  ranges[i] = DenseF64ArrayAttr::get(ctx, {lo, hi});
  def->setAttr("qcc.calib", ArrayAttr::get(ctx, ranges));
}

//===----------------------------------------------------------------------===//
// SmoothQuant
//===----------------------------------------------------------------------===//

/// Migrates quantization difficulty from the layer's input to its weight:
/// per input channel c, s_c = max|x_c|^alpha / max|w_c|^(1 - alpha); the
/// producer takes 1 / s, the weight's input-channel slices take s. Returns
/// whether the layer was smoothed (it needs its channel ranges and a
/// producer that can take the factors; grouped convolutions are skipped).
/// The matmul layers that share a layer norm's result as their input with
/// no other user (a transformer's Q, K and V projections), `l` among them;
/// empty if `l`'s input is not such a shared layer-norm output or a user
/// is not an int8 per-channel layer of `perChannel`.
static SmallVector<const WeightLayer *>
sharedNormGroup(const WeightLayer &l,
                const llvm::DenseMap<Operation *, const WeightLayer *> &perChannel) {
  Value in = l.input();
  auto ln = in.getDefiningOp<LayerNormOp>();
  if (l.isConv || !ln || in.hasOneUse())
    return {};
  SmallVector<const WeightLayer *> group;
  for (OpOperand &use : in.getUses()) {
    auto it = perChannel.find(use.getOwner());
    if (it == perChannel.end() || use.getOperandNumber() != 0 ||
        it->second->isConv)
      return {};
    group.push_back(it->second);
  }
  return group;
}

static bool smoothLayer(
    OpBuilder &b, const WeightLayer &l, double alpha,
    const llvm::DenseMap<Operation *, const WeightLayer *> &perChannel,
    llvm::DenseSet<Operation *> &smoothedGroups) {
  // A grouped (e.g. depthwise) convolution's weight axis 1 indexes the
  // channels of its group, not of the input.
  if (auto conv = dyn_cast<ConvOp>(l.op); conv && conv.getGroup() != 1)
    return false;
  if (smoothedGroups.contains(l.op))
    return true; // smoothed with its group
  auto ranges = l.op->getAttrOfType<DenseF64ArrayAttr>(kActChannelRangeAttr);
  int64_t channels = l.cols / l.window;
  // One layer, or the layers sharing a layer norm's output: one set of
  // factors for all, folded into the norm (the weight maximum is over the
  // group's weights).
  SmallVector<const WeightLayer *> group = {&l};
  std::optional<FoldTarget> target = foldTarget(l);
  if (!target) {
    group = sharedNormGroup(l, perChannel);
    if (!group.empty()) {
      target = FoldTarget();
      target->producer = l.input().getDefiningOp();
      target->point = l.input();
    }
  }
  auto in = cast<RankedTensorType>(l.input().getType());
  if (!ranges || (int64_t)ranges.size() != 2 * channels || !target ||
      in.getDimSize(l.isConv ? 1 : in.getRank() - 1) != channels)
    return false;
  std::vector<float> actMax(channels), weightMax(channels, 0.0f);
  for (int64_t c = 0; c < channels; ++c)
    actMax[c] = (float)std::max(std::fabs(ranges[2 * c]),
                                std::fabs(ranges[2 * c + 1]));
  for (const WeightLayer *m : group) {
    if (m->cols != l.cols || m->window != l.window)
      return false;
    std::vector<float> w = weightRows(*m);
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t r = 0; r < m->rows; ++r)
        for (int64_t k = 0; k < m->window; ++k)
          weightMax[c] = std::max(weightMax[c],
                                  std::fabs(w[r * m->cols + c * m->window + k]));
  }
  std::vector<float> s = quantlib::smoothQuantFactors(
      actMax.data(), weightMax.data(), channels, (float)alpha, 1e-5f);
  SmallVector<float> inverse;
  for (float f : s)
    inverse.push_back(1.0f / f);
  scaleProducer(b, *target, inverse);
  // Input channels: axis 1 of a conv's [F, C, k...], axis 0 of a matmul's
  // [K, N].
  for (const WeightLayer *m : group) {
    m->op->setOperand(
        1, scaledAlong(b, m->op->getOperand(1), m->isConv ? 1 : 0, s));
    smoothedGroups.insert(m->op);
  }
  rescaleRange(*target, ranges.asArrayRef(), s);
  return true;
}

//===----------------------------------------------------------------------===//
// quantizeWeights
//===----------------------------------------------------------------------===//

static void dropLayerData(Operation *op) {
  for (StringRef a : {kHessianAttr, kHessianRowsAttr, kActMeanAbsAttr,
                      kActSampleAttr, kActChannelRangeAttr})
    op->removeAttr(a);
}

LogicalResult qcc::qnn::quantizeWeights(
    func::FuncOp f, const WeightQuantOptions &options,
    llvm::function_ref<LogicalResult(Operation *)> perChannel,
    std::string *summary) {
  const std::string &method = options.method;
  if (method != "rtn" && method != "gptq" && method != "awq" && method != "hqq")
    return f.emitError("unknown weight quantizer '")
           << method << "' (rtn, gptq, awq or hqq)";
  if (options.bits != 2 && options.bits != 3 && options.bits != 4 &&
      options.bits != 8)
    return f.emitError("weight bits must be 2, 3, 4 or 8, got ") << options.bits;
  if (options.bits == 8 && method != "rtn")
    return f.emitError("8-bit weights are per-channel round-to-nearest; ")
           << method << " applies to 2, 3 or 4 bits";
  if (options.groupSize < 0)
    return f.emitError("group size must be >= 0, got ") << options.groupSize;
  if (options.smoothAlpha > 1.0)
    return f.emitError("SmoothQuant alpha must be in [0, 1], got ")
           << options.smoothAlpha;
  OpBuilder b(f.getContext());
  std::vector<WeightLayer> layers = weightLayers(f);
  std::map<std::string, int> counts;
  int folded = 0, smoothed = 0, smoothable = 0;
  llvm::DenseMap<Operation *, const WeightLayer *> perChannelLayers;
  for (const WeightLayer &l : layers)
    if (layerGroupSize(l, options) == 0)
      perChannelLayers[l.op] = &l;
  llvm::DenseSet<Operation *> smoothedGroups;
  // Last layer first: AWQ rescales the producer of a layer's input, which
  // must still hold float weights then.
  for (const WeightLayer &l : llvm::reverse(layers)) {
    int64_t g = layerGroupSize(l, options);
    if (g == 0) {
      if (options.smoothAlpha >= 0.0) {
        ++smoothable;
        smoothed += smoothLayer(b, l, options.smoothAlpha, perChannelLayers,
                                smoothedGroups);
      }
      if (failed(perChannel(l.op)))
        return failure();
      dropLayerData(l.op);
      ++counts["int8 per-channel"];
      continue;
    }
    std::vector<float> w = weightRows(l);
    quantlib::WeightQuantConfig cfg;
    cfg.bits = options.bits;
    cfg.groupSize = g;
    cfg.symmetric = false;
    quantlib::QuantizedWeights q;
    if (method == "rtn") {
      q = quantlib::quantizeRTN(w.data(), l.rows, l.cols, cfg);
    } else if (method == "hqq") {
      quantlib::HQQConfig hc;
      hc.quant = cfg;
      q = quantlib::quantizeHQQ(w.data(), l.rows, l.cols, hc);
    } else if (method == "gptq") {
      auto h = resourceData<double>(l.op, kHessianAttr);
      if (!h || (int64_t)h->size() != l.cols * l.cols)
        return l.op->emitError("GPTQ needs the Hessian of this layer's input "
                               "(qcc.hessian, ")
               << l.cols << "x" << l.cols
               << " f64), which calibration computes: pass --calib";
      quantlib::GPTQConfig gc;
      gc.quant = cfg;
      gc.actOrder = true;
      gc.staticGroups = true;
      std::string error;
      std::vector<double> hv(h->begin(), h->end());
      auto r = quantlib::quantizeGPTQ(w.data(), l.rows, l.cols, hv, gc, &error);
      if (!r)
        return l.op->emitError("GPTQ failed: ") << error;
      q = std::move(*r);
    } else {
      auto meanAbs = denseF32(l.op, kActMeanAbsAttr);
      auto sample = resourceData<float>(l.op, kActSampleAttr);
      if (!meanAbs || (int64_t)meanAbs->size() != l.cols || !sample ||
          sample->size() % l.cols != 0 || sample->empty())
        return l.op->emitError("AWQ needs this layer's input statistics "
                               "(qcc.act_mean_abs, qcc.act_sample), which "
                               "calibration computes: pass --calib");
      // Scaling needs a producer to take 1 / s and the per-channel input
      // ranges to re-derive the input's quantization range; without them
      // AWQ keeps s = 1 and searches the clipping only.
      auto target = foldTarget(l);
      auto ranges = l.op->getAttrOfType<DenseF64ArrayAttr>(kActChannelRangeAttr);
      int64_t channels = l.cols / l.window;
      bool canScale = target && ranges && (int64_t)ranges.size() == 2 * channels;
      // One scale per input channel: average a convolution's columns over
      // its kernel window (padding makes them differ at the borders).
      std::vector<float> meanAbsIn(l.cols, 1.0f);
      for (int64_t c = 0; canScale && c < channels; ++c) {
        double sum = 0.0;
        for (int64_t k = 0; k < l.window; ++k)
          sum += (*meanAbs)[c * l.window + k];
        for (int64_t k = 0; k < l.window; ++k)
          meanAbsIn[c * l.window + k] = (float)(sum / l.window);
      }
      quantlib::AWQConfig ac;
      ac.quant = cfg;
      ac.clipSearch = true;
      if (canScale) {
        // The input stays per-tensor 8-bit: no channel may leave the
        // original range once divided by its scale.
        double all = 0.0;
        for (double r : ranges.asArrayRef())
          all = std::max(all, std::fabs(r));
        ac.minScale.assign(l.cols, 0.0f);
        for (int64_t c = 0; all > 0.0 && c < channels; ++c) {
          double absmax = std::max(std::fabs(ranges[2 * c]),
                                   std::fabs(ranges[2 * c + 1]));
          std::fill_n(&ac.minScale[c * l.window], l.window,
                      (float)(absmax / all));
        }
      }
      auto r = quantlib::quantizeAWQ(w.data(), l.rows, l.cols, meanAbsIn.data(),
                                     sample->data(), sample->size() / l.cols, ac);
      q = std::move(r.weights);
      if (canScale && r.alpha > 0.0f) {
        SmallVector<float> inverse, scale;
        for (int64_t c = 0; c < channels; ++c) {
          scale.push_back(r.channelScales[c * l.window]);
          inverse.push_back(1.0f / scale.back());
        }
        scaleProducer(b, *target, inverse);
        rescaleRange(*target, ranges.asArrayRef(), scale);
        ++folded;
      }
    }
    if (failed(emitGrouped(b, l, q)))
      return failure();
    dropLayerData(l.op);
    ++counts[llvm::formatv("W{0} g{1} {2}", options.bits, g, method).str()];
  }
  if (summary) {
    llvm::raw_string_ostream os(*summary);
    for (auto &[what, n] : counts)
      os << what << ": " << n << " layers\n";
    if (method == "awq")
      os << "awq input scales folded into producers: " << folded << "\n";
    if (options.smoothAlpha >= 0.0)
      os << llvm::formatv("smoothquant alpha {0}: {1} of {2} int8 layers "
                          "(the others have no producer to take the "
                          "factors)\n",
                          options.smoothAlpha, smoothed, smoothable);
  }
  return success();
}
