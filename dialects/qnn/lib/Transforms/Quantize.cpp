//===- Quantize.cpp - insert QDQ pairs from calibration ranges -------------===//
//
// qcc-quantize: the quantized form of a float model. Every calibration point
// (CalibrationPoints.h) that carries a measured range (`qcc.calib`, written
// by calibration) gets a qnn.quantize / qnn.dequantize pair whose
// dequantized value feeds the point's quantizable users; constant weights of
// conv and matmul are quantized per output channel (symmetric int8, codes in
// [-127, 127]) and enter through qnn.storage_cast + qnn.dequantize. The
// result is the QDQ form that qcc-integerize turns into integer ops.
// Activations are 8-bit, except a recurrent state path (statePath below),
// which gets `state-bits` (16 by default), and with `residual-bits=16` the
// values that no matmul or conv reads (residualStream below).
//
//===----------------------------------------------------------------------===//

#include "qcc/Dialect/Qnn/IR/Qnn.h"
#include "qcc/Dialect/Qnn/IR/QuantParams.h"
#include "qcc/Dialect/Qnn/Transforms/CalibrationPoints.h"
#include "qcc/Dialect/Qnn/Transforms/Passes.h"
#include "qcc/Dialect/Qnn/Transforms/ScalarFunctions.h"
#include "qcc/Dialect/Qnn/Transforms/WeightQuantization.h"
#include "qcc/Quant/Ternary.h"
#include "qcc/Quant/WeightQuantizers.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/FormatVariadic.h"

namespace qcc::qnn {
#define GEN_PASS_DEF_QUANTIZE
#include "qcc/Dialect/Qnn/Transforms/Passes.h.inc"
} // namespace qcc::qnn

using namespace mlir;
using namespace qcc::qnn;

namespace {

constexpr llvm::StringLiteral kCalib = "qcc.calib";

/// The measured range of a point: a result's entry in its op's `qcc.calib`
/// array, or the `qcc.calib` attribute of a function argument.
std::optional<std::pair<double, double>> rangeOf(Value v) {
  DenseF64ArrayAttr range;
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    auto f = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp());
    if (f)
      range = f.getArgAttrOfType<DenseF64ArrayAttr>(arg.getArgNumber(), kCalib);
  } else if (auto all = v.getDefiningOp()->getAttrOfType<ArrayAttr>(kCalib)) {
    unsigned i = cast<OpResult>(v).getResultNumber();
    if (i < all.size())
      range = dyn_cast<DenseF64ArrayAttr>(all[i]);
  }
  if (!range || range.size() != 2)
    return std::nullopt;
  return std::make_pair(range[0], range[1]);
}

/// Activation parameters for [lo, hi] (always including 0, as the zero
/// point must be an integer): asymmetric unsigned or symmetric signed
/// integers of `bits` (8 or 16).
quant::UniformQuantizedType activationQuantType(MLIRContext *ctx, double lo,
                                                double hi, bool signedActs,
                                                unsigned bits = 8) {
  Type storage = IntegerType::get(ctx, bits), f32 = Float32Type::get(ctx);
  lo = std::min(lo, 0.0);
  hi = std::max(hi, 0.0);
  if (signedActs) {
    int64_t qmax = (int64_t(1) << (bits - 1)) - 1;
    double absmax = std::max(-lo, hi);
    double scale = absmax > 0 ? absmax / (double)qmax : 1.0;
    return quant::UniformQuantizedType::get(quant::QuantizationFlags::Signed,
                                            storage, f32, (float)scale, 0,
                                            -qmax - 1, qmax);
  }
  int64_t qmax = (int64_t(1) << bits) - 1;
  double scale = hi > lo ? (hi - lo) / (double)qmax : 1.0;
  scale = (float)scale;
  int64_t zp = (int64_t)std::nearbyint(-lo / scale);
  zp = std::clamp<int64_t>(zp, 0, qmax);
  return quant::UniformQuantizedType::get(0, storage, f32, scale, zp, 0, qmax);
}

/// Ops that carry a recurrent state from input to output without a
/// contraction or a nonlinearity: elementwise add and mul, data movement.
bool carriesState(Operation *op) {
  return isa<AddOp, MulOp, ReshapeOp, TransposeOp, SliceOp, GatherOp,
             BroadcastOp, ConcatOp>(op);
}

/// The values of a recurrent state path: computed from a float argument
/// that has a same-typed result (a state the caller feeds back, as an LSTM
/// cell state or a KV cache) and flowing to such a result, through
/// carriesState ops only. An LSTM's cell state c' = f * c + i * g is such a
/// path (its gates are not); 8-bit rounding there compounds from call to
/// call, and small decays round back to the same code, so a state that
/// should fade sticks.
llvm::DenseSet<Value> statePath(func::FuncOp f) {
  llvm::DenseSet<Value> forward, backward, path;
  auto returned = f.getBody().front().getTerminator()->getOperands();
  for (BlockArgument arg : f.getArguments()) {
    auto t = dyn_cast<RankedTensorType>(arg.getType());
    if (t && isa<FloatType>(t.getElementType()) &&
        llvm::any_of(returned, [&](Value r) { return r.getType() == t; }))
      forward.insert(arg);
  }
  if (forward.empty())
    return path;
  SmallVector<Operation *> ops;
  for (Operation &op : f.getBody().front())
    ops.push_back(&op);
  for (Operation *op : ops)
    if (carriesState(op) && llvm::any_of(op->getOperands(), [&](Value v) {
          return forward.contains(v);
        }))
      forward.insert(op->getResults().begin(), op->getResults().end());
  for (Value r : returned)
    if (llvm::any_of(f.getArguments(), [&](BlockArgument a) {
          return forward.contains(a) && a.getType() == r.getType();
        }))
      backward.insert(r);
  for (Operation *op : llvm::reverse(ops))
    if (carriesState(op) && llvm::any_of(op->getResults(), [&](Value v) {
          return backward.contains(v);
        }))
      backward.insert(op->getOperands().begin(), op->getOperands().end());
  // Only values whose every user takes 16-bit operands on the integer
  // path (add, mul, data movement, a table, the return); one that also
  // feeds a contraction or a normalization stays 8-bit.
  auto takes16 = [](Operation *user) {
    return carriesState(user) || isScalarFunction(user) ||
           isa<func::ReturnOp>(user);
  };
  for (Value v : forward)
    if (backward.contains(v) && llvm::all_of(v.getUsers(), takes16))
      path.insert(v);
  return path;
}

/// Users that take a wide (16-bit) operand at no extra cost: elementwise
/// additions (qnn.qadd), layer norms (statistics in 64 bits), the return,
/// and a float output head marked `qcc.keep_float` (it reads the
/// dequantized value).
bool takesWide(Operation *user) {
  return isa<AddOp, LayerNormOp, func::ReturnOp>(user) ||
         user->hasAttr("qcc.keep_float");
}

/// Producers whose integer form can write a wide result: a float value
/// (its quantize), an addition, a layer norm, a matmul or conv (their int32
/// accumulators are requantized to any width), a matmul's bias add.
bool writesWide(Value v) {
  Operation *def = v.getDefiningOp();
  return !def || !isQuantizable(def) ||
         isa<AddOp, LayerNormOp, MatMulOp, ConvOp>(def);
}

/// The residual stream of a transformer (or any such value): values whose
/// every user takes a wide operand and whose producer can write one. In a
/// BERT layer: the embedding sum, the attention and FFN output projections,
/// the residual additions, the layer-norm outputs on the residual path. No
/// matmul or convolution reads them, so 16 bits there cost no kernel
/// change; 8 bits per tensor there cost most of the error of W8A8 BERT
/// (a few hidden channels of large magnitude set the step).
llvm::DenseSet<Value> residualStream(func::FuncOp f) {
  llvm::DenseSet<Value> wide;
  for (const CalibrationPoint &point : calibrationPoints(f)) {
    Value v = point.value;
    if (!v.use_empty() && writesWide(v) && llvm::all_of(v.getUsers(), takesWide))
      wide.insert(v);
  }
  return wide;
}

/// A layer norm whose result feeds both wide users (the residual path) and
/// others (the next layer's matmuls) is cloned for the others, so the
/// residual path gets wide codes and the matmul inputs keep 8 bits (each
/// clone has its own calibration range, copied). Returns how many.
int splitLayerNormFanout(func::FuncOp f) {
  SmallVector<LayerNormOp> norms;
  f.walk([&](LayerNormOp op) {
    if (isQuantizable(op))
      norms.push_back(op);
  });
  int clones = 0;
  for (LayerNormOp ln : norms) {
    Value y = ln.getResult();
    bool wide = false, narrow = false;
    for (Operation *user : y.getUsers())
      (takesWide(user) ? wide : narrow) = true;
    if (!wide || !narrow)
      continue;
    OpBuilder b(ln);
    b.setInsertionPointAfter(ln);
    Operation *copy = b.clone(*ln.getOperation());
    y.replaceUsesWithIf(copy->getResult(0), [&](OpOperand &use) {
      return !takesWide(use.getOwner());
    });
    ++clones;
  }
  return clones;
}

/// Skip a point whose quantize would only split a fusable pattern: a conv
/// (plain or transposed) or matmul result used only by ReLU/Clip, or a
/// matmul result used only by a bias add.
bool feedsFusedEpilogue(Value v) {
  Operation *def = v.getDefiningOp();
  if (!def || !isa<ConvOp, ConvTransposeOp, MatMulOp>(def) || v.use_empty())
    return false;
  return llvm::all_of(v.getUsers(), [&](Operation *user) {
    if (isa<ReluOp, ClipOp>(user))
      return true;
    if (auto add = dyn_cast<AddOp>(user))
      return isa<MatMulOp>(def) && (matchPattern(add.getLhs(), m_Constant()) ||
                                    matchPattern(add.getRhs(), m_Constant()));
    return false;
  });
}

/// The smallest weight scale per output channel of a conv whose int32 bias
/// (bias / (input scale * weight scale)) must fit: channels with
/// near-zero weights and a bias would overflow it (as onnxruntime's
/// quantizer, which raises such weight scales too). Empty if there is no
/// constant bias or no input range.
SmallVector<double> minWeightScales(Operation *user, bool signedActs) {
  Value biasValue;
  if (auto conv = dyn_cast<ConvOp>(user))
    biasValue = conv.getBias();
  else if (auto convT = dyn_cast<ConvTransposeOp>(user))
    biasValue = convT.getBias();
  DenseElementsAttr bias;
  if (!biasValue || !matchPattern(biasValue, m_Constant(&bias)) ||
      !bias.getElementType().isF32())
    return {};
  auto range = rangeOf(user->getOperand(0));
  if (!range)
    return {};
  double sx = activationQuantType(user->getContext(), range->first,
                                  range->second, signedActs)
                  .getScale();
  SmallVector<double> mins;
  for (float v : bias.getValues<float>())
    mins.push_back(1.0001 * std::fabs((double)v) / (sx * 2147483647.0));
  return mins;
}

/// How quantizeWeight codes a weight.
enum class WeightForm { Int8, TernaryChannel, TernaryTensor };

/// Replaces constant weights `w` (float, output channels along `axis`) by a
/// dequantize of per-channel symmetric int8 codes, or of ternary codes
/// (absmean rule; qcc/Quant/Ternary.h) in an i8<-1:1> per-axis type.
LogicalResult quantizeWeight(OpBuilder &b, Operation *user, unsigned operand,
                             int64_t axis, bool signedActs,
                             WeightForm form = WeightForm::Int8) {
  Value w = user->getOperand(operand);
  DenseElementsAttr dense;
  if (!matchPattern(w, m_Constant(&dense)) || !dense.getElementType().isF32())
    return success(); // runtime weights are activations: a point already
  auto t = cast<RankedTensorType>(w.getType());
  int64_t channels = t.getDimSize(axis), total = t.getNumElements();
  int64_t inner = 1;
  for (int64_t d = axis + 1; d < t.getRank(); ++d)
    inner *= t.getDimSize(d);
  int64_t perChannel = total / channels;
  // Rows = output channels, as the weight quantizers expect.
  auto values = llvm::to_vector(dense.getValues<float>());
  std::vector<float> rows(total);
  for (int64_t i = 0; i < total; ++i) {
    int64_t c = (i / inner) % channels;
    int64_t outer = i / (inner * channels), in = i % inner;
    rows[c * perChannel + outer * inner + in] = values[i];
  }
  bool ternary = form != WeightForm::Int8;
  int64_t qmax = ternary ? 1 : 127;
  qcc::quant::WeightQuantConfig cfg;
  cfg.bits = 8;
  cfg.groupSize = perChannel;
  cfg.symmetric = true;
  qcc::quant::QuantizedWeights q;
  qcc::quant::TernaryWeights tq;
  if (ternary)
    tq = qcc::quant::quantizeTernary(rows.data(), channels, perChannel,
                                     form == WeightForm::TernaryTensor);
  else
    q = qcc::quant::quantizeRTN(rows.data(), channels, perChannel, cfg);
  SmallVector<APInt> codes(total, APInt(8, 0));
  SmallVector<double> scales;
  SmallVector<int64_t> zps(channels, 0);
  for (int64_t c = 0; c < channels; ++c) {
    double s = ternary ? tq.scales[c] : q.scales[c];
    scales.push_back(s > 0 ? (double)(float)s : 1.0);
  }
  SmallVector<double> minScales = minWeightScales(user, signedActs);
  SmallVector<bool> raised(channels, false);
  if ((int64_t)minScales.size() == channels)
    for (int64_t c = 0; c < channels; ++c)
      if (scales[c] < minScales[c]) {
        float s = (float)minScales[c];
        if ((double)s < minScales[c])
          s = std::nextafter(s, INFINITY);
        scales[c] = s;
        raised[c] = true;
      }
  for (int64_t i = 0; i < total; ++i) {
    int64_t c = (i / inner) % channels;
    int64_t outer = i / (inner * channels), in = i % inner;
    int64_t at = c * perChannel + outer * inner + in;
    int64_t code = ternary ? (int64_t)tq.values[at] : (int64_t)q.codes[at] - 128;
    if (raised[c])
      code = std::clamp<int64_t>((int64_t)std::nearbyint(values[i] / scales[c]),
                                 -qmax, qmax);
    codes[i] = APInt(8, (uint64_t)code, true);
  }
  MLIRContext *ctx = b.getContext();
  auto qtype = quant::UniformQuantizedPerAxisType::get(
      quant::QuantizationFlags::Signed, IntegerType::get(ctx, 8),
      Float32Type::get(ctx), scales, zps, axis, ternary ? -1 : -128, qmax);
  b.setInsertionPoint(user);
  Location loc = w.getLoc();
  auto storageType = RankedTensorType::get(t.getShape(), IntegerType::get(ctx, 8));
  auto quantType = RankedTensorType::get(t.getShape(), qtype);
  Value qv;
  if (ternary) {
    // Kept packed, five weights a byte (qnn.ternary_constant); the
    // canonicalizer unpacks it for the integer lowering.
    std::vector<int8_t> flat(total);
    for (int64_t i = 0; i < total; ++i)
      flat[i] = (int8_t)codes[i].getSExtValue();
    std::vector<uint8_t> packed;
    if (!qcc::quant::packTernaryBase3(flat.data(), 1, total, packed))
      return user->emitError("ternary weight codes outside {-1, 0, 1}");
    auto bytesType = RankedTensorType::get({(int64_t)packed.size()},
                                           b.getIntegerType(8, false));
    qv = b.create<TernaryConstantOp>(
        loc, quantType, b.getStringAttr("base3"),
        DenseIntElementsAttr::get(bytesType, ArrayRef<uint8_t>(packed)));
  } else {
    Value c = b.create<arith::ConstantOp>(
        loc, DenseElementsAttr::get(storageType, codes));
    qv = b.create<StorageCastOp>(loc, quantType, c);
  }
  Value dq = b.create<DequantizeOp>(loc, t, qv);
  user->setOperand(operand, dq);
  return success();
}

struct QuantizePass : qcc::qnn::impl::QuantizeBase<QuantizePass> {
  using QuantizeBase::QuantizeBase;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto f = module.lookupSymbol<func::FuncOp>("main");
    if (!f) {
      module.emitError("qcc-quantize needs a func.func @main");
      return signalPassFailure();
    }
    if (activationType != "u8" && activationType != "i8") {
      module.emitError("activation type must be u8 or i8, got '")
          << activationType << "'";
      return signalPassFailure();
    }
    if (residualBits != 8 && residualBits != 16) {
      module.emitError("residual-bits must be 8 or 16, got ")
          << (int)residualBits;
      return signalPassFailure();
    }
    // Before the weights: SmoothQuant folds into the clones.
    int splitNorms = residualBits != 8 ? splitLayerNormFanout(f) : 0;
    OpBuilder b(&getContext());
    // Weights first, so the points' users are final. Layers that take no
    // grouped codes (all of them at 8 bits) get per-channel int8.
    WeightQuantOptions wopts;
    wopts.bits = weightBits;
    wopts.groupSize = groupSize;
    wopts.method = weightMethod;
    wopts.smoothAlpha = smoothAlpha;
    auto perChannel = [&](Operation *op) {
      return quantizeWeight(b, op, 1, isa<ConvOp>(op) ? 0 : 1,
                            activationType == "i8");
    };
    std::string summary;
    if (weightMethod == "ternary") {
      if (ternaryScale != "channel" && ternaryScale != "tensor") {
        module.emitError("ternary scale must be channel or tensor, got '")
            << ternaryScale << "'";
        return signalPassFailure();
      }
      // Every conv and matmul with constant weights, depthwise and grouped
      // convolutions included: the ternary product has no group constraint.
      WeightForm form = ternaryScale == "tensor" ? WeightForm::TernaryTensor
                                                 : WeightForm::TernaryChannel;
      int n = 0;
      for (const WeightLayer &l : weightLayers(f)) {
        if (failed(quantizeWeight(b, l.op, 1, l.isConv ? 0 : 1,
                                  activationType == "i8", form)))
          return signalPassFailure();
        ++n;
      }
      summary = llvm::formatv("ternary per-{0} absmean: {1} layers\n",
                              ternaryScale, n)
                    .str();
    } else if (failed(quantizeWeights(f, wopts, perChannel, &summary))) {
      return signalPassFailure();
    }
    // Transposed convolutions (C x F/group x K weights): per filter, axis 1.
    SmallVector<ConvTransposeOp> transposed;
    f.walk([&](ConvTransposeOp op) { transposed.push_back(op); });
    for (ConvTransposeOp op : transposed)
      if (failed(quantizeWeight(b, op, 1, 1, activationType == "i8")))
        return signalPassFailure();
    if (printSummary)
      for (StringRef line : llvm::split(StringRef(summary).rtrim(), '\n'))
        llvm::errs() << "[quant] " << line << "\n";

    if (stateBits != 8 && stateBits != 16) {
      module.emitError("state-bits must be 8 or 16, got ") << (int)stateBits;
      return signalPassFailure();
    }
    llvm::DenseSet<Value> state, wide;
    if (stateBits != 8)
      state = statePath(f);
    if (residualBits != 8) {
      wide = residualStream(f);
      if (printSummary)
        llvm::errs() << llvm::formatv("[quant] residual stream: {0} tensors "
                                      "at {1} bits ({2} layer norms cloned "
                                      "for their matmul users)\n",
                                      wide.size(), (int)residualBits,
                                      splitNorms);
    }

    bool missing = false;
    for (const CalibrationPoint &point : calibrationPoints(f)) {
      Value v = point.value;
      if (feedsFusedEpilogue(v))
        continue;
      auto range = rangeOf(v);
      if (!range) {
        emitError(v.getLoc()) << "no calibration range for tensor " << point.name
                              << " (calibrate first: qcc --calib=DIR)";
        missing = true;
        continue;
      }
      auto qtype = activationQuantType(&getContext(), range->first,
                                       range->second, activationType == "i8",
                                       state.contains(v)  ? stateBits
                                       : wide.contains(v) ? residualBits
                                                          : 8);
      auto t = cast<RankedTensorType>(v.getType());
      if (!t.getElementType().isF32())
        continue;
      if (auto arg = dyn_cast<BlockArgument>(v))
        b.setInsertionPointToStart(arg.getOwner());
      else
        b.setInsertionPointAfter(v.getDefiningOp());
      Value q = b.create<QuantizeOp>(v.getLoc(),
                                     RankedTensorType::get(t.getShape(), qtype), v);
      Value dq = b.create<DequantizeOp>(v.getLoc(), t, q);
      // Every user reads the dequantized value: quantizable ones become
      // integer ops, others compute in float on it (an output head, or a
      // float island that qcc-verify-integer-only reports).
      v.replaceUsesWithIf(dq, [&](OpOperand &use) {
        return use.getOwner() != q.getDefiningOp();
      });
    }
    if (missing)
      signalPassFailure();
  }
};

} // namespace
