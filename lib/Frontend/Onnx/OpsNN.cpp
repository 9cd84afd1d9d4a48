//===- OpsNN.cpp - ONNX convolution, pooling, matmul, normalization -------===//

#include "ImportContext.h"

#include <limits>
#include <set>

using namespace mlir;
using namespace qcc::qnn;

namespace qcc::onnx_import {

FailureOr<Window> resolveWindow(NodeContext &n, ArrayRef<int64_t> in,
                                ArrayRef<int64_t> kernel, bool ceilMode) {
  int64_t spatial = in.size();
  Window w;
  w.kernel.assign(kernel.begin(), kernel.end());
  auto get = [&](StringRef name, int64_t count, int64_t dflt,
                 SmallVector<int64_t> &out) -> LogicalResult {
    std::vector<int64_t> v = n.attrInts(name);
    if (v.empty())
      v.assign(count, dflt);
    if ((int64_t)v.size() != count)
      return n.error("attribute '" + name + "' needs " + std::to_string(count) +
                     " values");
    out.assign(v.begin(), v.end());
    return success();
  };
  if (failed(get("strides", spatial, 1, w.strides)) ||
      failed(get("dilations", spatial, 1, w.dilations)) ||
      failed(get("pads", 2 * spatial, 0, w.pads)))
    return failure();
  std::string autoPad = n.attrString("auto_pad", "NOTSET");
  for (int64_t i = 0; i < spatial; ++i) {
    if (w.strides[i] < 1 || w.dilations[i] < 1 || kernel[i] < 1)
      return n.error("strides, dilations and kernel sizes must be positive");
    int64_t window = w.dilations[i] * (kernel[i] - 1) + 1;
    if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
      int64_t out = (in[i] + w.strides[i] - 1) / w.strides[i];
      int64_t total = std::max<int64_t>(0, (out - 1) * w.strides[i] + window - in[i]);
      int64_t small = total / 2, big = total - small;
      w.pads[i] = autoPad == "SAME_UPPER" ? small : big;
      w.pads[spatial + i] = autoPad == "SAME_UPPER" ? big : small;
      w.out.push_back(out);
      continue;
    }
    if (autoPad == "VALID") {
      w.pads[i] = w.pads[spatial + i] = 0;
    } else if (autoPad != "NOTSET") {
      return n.error("unknown auto_pad '" + autoPad + "'");
    }
    int64_t extent = in[i] + w.pads[i] + w.pads[spatial + i] - window;
    if (extent < 0)
      return n.error("the window is larger than the padded input on spatial axis " +
                     std::to_string(i));
    int64_t out = ceilMode ? (extent + w.strides[i] - 1) / w.strides[i] + 1
                           : extent / w.strides[i] + 1;
    // A ceil-mode window must start inside the input or its start padding.
    if (ceilMode && (out - 1) * w.strides[i] >= in[i] + w.pads[i])
      --out;
    w.out.push_back(out);
  }
  return w;
}

namespace {

LogicalResult importConv(NodeContext &n) {
  auto it = n.inputType(0);
  if (!n.hasInput(1))
    return n.error("expects a weight input");
  auto wt = n.inputType(1);
  if (it.getRank() < 3 || wt.getRank() != it.getRank())
    return n.error("input and weight must have the same rank (>= 3)");
  SmallVector<int64_t> kernel(wt.getShape().drop_front(2));
  std::vector<int64_t> ks = n.attrInts("kernel_shape");
  if (!ks.empty() && SmallVector<int64_t>(ks.begin(), ks.end()) != kernel)
    return n.error("kernel_shape disagrees with the weight's shape");
  auto w = resolveWindow(n, it.getShape().drop_front(2), kernel, false);
  if (failed(w))
    return failure();
  int64_t group = n.attrInt("group", 1);
  if (group < 1 || it.getDimSize(1) != wt.getDimSize(1) * group ||
      wt.getDimSize(0) % group)
    return n.error("channels do not match: input " + std::to_string(it.getDimSize(1)) +
                   ", weight " + std::to_string(wt.getDimSize(1)) + " x group " +
                   std::to_string(group));
  SmallVector<int64_t> shape{it.getDimSize(0), wt.getDimSize(0)};
  shape.append(w->out);
  Value bias = n.hasInput(2) ? n.input(2) : Value();
  n.setOutput(0, n.create<ConvOp>(it.clone(shape), n.input(0), n.input(1), bias,
                                  n.b.getDenseI64ArrayAttr(w->strides),
                                  n.b.getDenseI64ArrayAttr(w->pads),
                                  n.b.getDenseI64ArrayAttr(w->dilations),
                                  n.b.getI64IntegerAttr(group)));
  return success();
}

LogicalResult importConvTranspose(NodeContext &n) {
  auto it = n.inputType(0);
  auto wt = n.inputType(1);
  int64_t rank = it.getRank(), spatial = rank - 2;
  if (rank < 3 || wt.getRank() != rank)
    return n.error("input and weight must have the same rank (>= 3)");
  int64_t group = n.attrInt("group", 1);
  if (group < 1 || wt.getDimSize(0) != it.getDimSize(1) || it.getDimSize(1) % group)
    return n.error("weight's first dimension must equal the input channels");
  auto vec = [&](StringRef name, int64_t count, int64_t dflt) {
    std::vector<int64_t> v = n.attrInts(name);
    if (v.empty())
      v.assign(count, dflt);
    return SmallVector<int64_t>(v.begin(), v.end());
  };
  SmallVector<int64_t> strides = vec("strides", spatial, 1),
                       dil = vec("dilations", spatial, 1),
                       pads = vec("pads", 2 * spatial, 0),
                       outPad = vec("output_padding", spatial, 0);
  std::vector<int64_t> outShape = n.attrInts("output_shape");
  std::string autoPad = n.attrString("auto_pad", "NOTSET");
  if ((int64_t)strides.size() != spatial || (int64_t)dil.size() != spatial ||
      (int64_t)pads.size() != 2 * spatial || (int64_t)outPad.size() != spatial)
    return n.error("window attributes have the wrong number of values");
  if (outShape.size() == (size_t)rank)
    outShape.erase(outShape.begin(), outShape.begin() + 2);
  SmallVector<int64_t> shape{it.getDimSize(0), wt.getDimSize(1) * group};
  for (int64_t i = 0; i < spatial; ++i) {
    int64_t k = wt.getDimSize(2 + i);
    int64_t full = strides[i] * (it.getDimSize(2 + i) - 1) + outPad[i] +
                   (k - 1) * dil[i] + 1;
    int64_t target = -1;
    if (!outShape.empty())
      target = outShape[i];
    else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER")
      target = it.getDimSize(2 + i) * strides[i];
    if (target >= 0) {
      int64_t total = full - target;
      bool upper = autoPad == "SAME_UPPER";
      // A larger output_shape than the full result extends it at the end
      // (like output_padding).
      pads[i] = total < 0 ? 0 : upper ? total / 2 : total - total / 2;
      pads[spatial + i] = total < 0 ? 0 : total - pads[i];
      if (total < 0) {
        shape.push_back(target);
        continue;
      }
    } else if (autoPad == "VALID") {
      pads[i] = pads[spatial + i] = 0;
    }
    shape.push_back(full - pads[i] - pads[spatial + i]);
  }
  Value bias = n.hasInput(2) ? n.input(2) : Value();
  n.setOutput(0, n.create<ConvTransposeOp>(
                     it.clone(shape), n.input(0), n.input(1), bias,
                     n.b.getDenseI64ArrayAttr(strides), n.b.getDenseI64ArrayAttr(pads),
                     n.b.getDenseI64ArrayAttr(dil), n.b.getI64IntegerAttr(group)));
  return success();
}

/// MaxPool's Indices output: the flat (N, C, spatial...) index of each
/// window's first maximum, as ONNX defines it (storage_order 1 swaps the
/// two spatial axes of a 2-D pool). Built from qnn ops with compile-time
/// tables: gather every window's elements, take the first arg-max, and map
/// the window slot back to the input position with a one-hot sum.
LogicalResult importMaxPoolIndices(NodeContext &n, const Window &w) {
  auto it = n.inputType(0);
  Type et = it.getElementType();
  int64_t rank = it.getRank(), spatial = rank - 2;
  int64_t nb = it.getDimSize(0), ch = it.getDimSize(1);
  bool columnMajor = n.attrInt("storage_order", 0) != 0;
  if (columnMajor && spatial != 2)
    return n.error("storage_order=1 needs a 2-D pool");
  SmallVector<int64_t> in(it.getShape().drop_front(2));
  int64_t inFlat = 1, outFlat = 1, window = 1;
  for (int64_t i = 0; i < spatial; ++i) {
    inFlat *= in[i];
    outFlat *= w.out[i];
    window *= w.kernel[i];
  }
  // table[o][k]: input position (row-major) or -1 outside; order[o][k]: the
  // position in the requested storage order.
  std::vector<int64_t> table(outFlat * window), order(outFlat * window);
  SmallVector<bool> valid(outFlat * window);
  for (int64_t o = 0; o < outFlat; ++o)
    for (int64_t k = 0; k < window; ++k) {
      int64_t orem = o, krem = k, flat = 0, mult = 1;
      SmallVector<int64_t> pos(spatial);
      bool ok = true;
      for (int64_t i = spatial - 1; i >= 0; --i) {
        int64_t oi = orem % w.out[i], ki = krem % w.kernel[i];
        orem /= w.out[i];
        krem /= w.kernel[i];
        pos[i] = oi * w.strides[i] - w.pads[i] + ki * w.dilations[i];
        ok &= pos[i] >= 0 && pos[i] < in[i];
        flat += pos[i] * mult;
        mult *= in[i];
      }
      table[o * window + k] = ok ? flat : 0;
      valid[o * window + k] = ok;
      order[o * window + k] = !ok ? 0 : columnMajor ? pos[0] + pos[1] * in[0] : flat;
    }
  auto i64 = n.b.getI64Type();
  SmallVector<int64_t> winShape(w.out);
  winShape.push_back(window);
  auto tableType = RankedTensorType::get(winShape, i64);
  Value tableV = n.constant(DenseElementsAttr::get(tableType, ArrayRef<int64_t>(table)));
  Value orderV = n.constant(DenseElementsAttr::get(tableType, ArrayRef<int64_t>(order)));
  Value validV = n.constant(DenseElementsAttr::get(
      RankedTensorType::get(winShape, n.b.getI1Type()), ArrayRef<bool>(valid)));

  Value flatX = n.create<ReshapeOp>(it.clone({nb, ch, inFlat}), n.input(0));
  SmallVector<int64_t> gShape{nb, ch};
  gShape.append(winShape);
  auto gType = it.clone(gShape);
  Value gathered = n.create<GatherOp>(gType, flatX, tableV, (uint64_t)2);
  Value lowest = n.constant(DenseElementsAttr::get(
      RankedTensorType::get({}, et),
      isa<FloatType>(et)
          ? (Attribute)n.b.getFloatAttr(et, -std::numeric_limits<double>::infinity())
          : (Attribute)n.b.getIntegerAttr(et, APInt::getSignedMinValue(
                                                  et.getIntOrFloatBitWidth()))));
  Value masked = n.create<WhereOp>(gType, validV, gathered, lowest);
  SmallVector<int64_t> outShape(gShape.begin(), gShape.end() - 1);
  auto idxType = RankedTensorType::get(outShape, i64);
  Value slot = n.create<ArgReduceOp>(idxType, ArgKind::argmax, masked,
                                     (uint64_t)(rank), false, false);
  // One-hot of the winning slot against 0..window-1, summed with `order`.
  SmallVector<int64_t> iota(window);
  for (int64_t k = 0; k < window; ++k)
    iota[k] = k;
  Value iotaV = n.constant(DenseElementsAttr::get(
      RankedTensorType::get({window}, i64), ArrayRef<int64_t>(iota)));
  SmallVector<int64_t> slotKept(outShape);
  slotKept.push_back(1);
  Value slotK = n.create<ReshapeOp>(RankedTensorType::get(slotKept, i64), slot);
  auto gI64 = RankedTensorType::get(gShape, i64);
  Value hit = n.create<CompareOp>(gI64.clone(n.b.getI1Type()), CompareKind::eq, slotK, iotaV);
  Value zero = n.constant(DenseElementsAttr::get(RankedTensorType::get({}, i64),
                                                 n.b.getI64IntegerAttr(0)));
  Value picked = n.create<WhereOp>(gI64, hit, orderV, zero);
  Value spatialIdx = n.create<ReduceOp>(idxType, ReduceKind::sum, picked,
                                        SmallVector<int64_t>{rank}, false);
  // + (n * C + c) * prod(spatial)
  std::vector<int64_t> base(nb * ch);
  for (int64_t i = 0; i < nb * ch; ++i)
    base[i] = i * inFlat;
  SmallVector<int64_t> baseShape{nb, ch};
  baseShape.append(spatial, 1);
  Value baseV = n.constant(DenseElementsAttr::get(
      RankedTensorType::get(baseShape, i64), ArrayRef<int64_t>(base)));
  n.setOutput(1, n.create<AddOp>(idxType, spatialIdx, baseV));
  return success();
}

LogicalResult importPool(NodeContext &n, PoolKind kind) {
  auto it = n.inputType(0);
  if (it.getRank() < 3)
    return n.error("input must have spatial axes");
  std::vector<int64_t> ks = n.attrInts("kernel_shape");
  if ((int64_t)ks.size() != it.getRank() - 2)
    return n.error("kernel_shape needs one value per spatial axis");
  auto w = resolveWindow(n, it.getShape().drop_front(2),
                         SmallVector<int64_t>(ks.begin(), ks.end()),
                         n.attrInt("ceil_mode", 0) != 0);
  if (failed(w))
    return failure();
  if (kind == PoolKind::max && n.hasOutput(1) &&
      failed(importMaxPoolIndices(n, *w)))
    return failure();
  SmallVector<int64_t> shape(it.getShape().take_front(2));
  shape.append(w->out);
  n.setOutput(0, n.create<PoolOp>(it.clone(shape), kind, n.input(0), w->kernel,
                                  w->strides, w->pads, w->dilations,
                                  n.attrInt("count_include_pad", 0) != 0,
                                  (uint64_t)n.attrInt("p", 2)));
  return success();
}

LogicalResult importGlobalPool(NodeContext &n, ReduceKind kind) {
  auto it = n.inputType(0);
  if (it.getRank() < 3)
    return n.error("input must have spatial axes");
  SmallVector<int64_t> axes, shape(it.getShape());
  for (int64_t i = 2; i < it.getRank(); ++i) {
    axes.push_back(i);
    shape[i] = 1;
  }
  n.setOutput(0, n.create<ReduceOp>(it.clone(shape), kind, n.input(0), axes, true));
  return success();
}

LogicalResult importReduce(NodeContext &n, ReduceKind kind) {
  auto it = n.inputType(0);
  int64_t rank = it.getRank();
  // Axes moved from an attribute to an input (ReduceSum at 13, the rest at 18).
  bool axesAsInput = n.node.op_type() == "ReduceSum" ? n.opset >= 13 : n.opset >= 18;
  std::vector<int64_t> axes;
  if (axesAsInput) {
    if (n.hasInput(1)) {
      auto v = n.constInts(1, "axes");
      if (failed(v))
        return failure();
      axes = *v;
    }
  } else {
    axes = n.attrInts("axes");
  }
  bool keep = n.attrInt("keepdims", 1) != 0;
  if (axes.empty()) {
    if (n.attrInt("noop_with_empty_axes", 0)) {
      n.setOutput(0, n.input(0));
      return success();
    }
    for (int64_t i = 0; i < rank; ++i)
      axes.push_back(i);
  }
  std::set<int64_t> norm;
  for (int64_t a : axes) {
    auto v = n.normalizeAxis(a, rank);
    if (failed(v))
      return failure();
    norm.insert(*v);
  }
  SmallVector<int64_t> sorted(norm.begin(), norm.end()), shape;
  for (int64_t i = 0; i < rank; ++i)
    if (!norm.count(i))
      shape.push_back(it.getDimSize(i));
    else if (keep)
      shape.push_back(1);
  n.setOutput(0, n.create<ReduceOp>(it.clone(shape), kind, n.input(0), sorted, keep));
  return success();
}

LogicalResult importArg(NodeContext &n, ArgKind kind) {
  auto it = n.inputType(0);
  auto axis = n.normalizeAxis(n.attrInt("axis", 0), it.getRank());
  if (failed(axis))
    return failure();
  bool keep = n.attrInt("keepdims", 1) != 0;
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < it.getRank(); ++i)
    if (i != *axis)
      shape.push_back(it.getDimSize(i));
    else if (keep)
      shape.push_back(1);
  n.setOutput(0, n.create<ArgReduceOp>(
                     RankedTensorType::get(shape, n.b.getI64Type()), kind, n.input(0),
                     (uint64_t)*axis, keep, n.attrInt("select_last_index", 0) != 0));
  return success();
}

LogicalResult importSoftmax(NodeContext &n, bool log) {
  auto it = n.inputType(0);
  int64_t rank = it.getRank();
  auto axis = n.normalizeAxis(n.attrInt("axis", n.opset < 13 ? 1 : -1), rank);
  if (failed(axis))
    return failure();
  if (!isa<FloatType>(it.getElementType()))
    return n.error("input must be floating point");
  Value x = n.input(0);
  if (n.opset < 13 && *axis != rank - 1) {
    // Before opset 13 the input is viewed as a matrix split at `axis`.
    int64_t rows = 1, cols = 1;
    for (int64_t i = 0; i < rank; ++i)
      (i < *axis ? rows : cols) *= it.getDimSize(i);
    auto flat = it.clone({rows, cols});
    Value m = n.create<ReshapeOp>(flat, x);
    m = n.create<SoftmaxOp>(flat, m, n.b.getI64IntegerAttr(1), n.b.getBoolAttr(log));
    n.setOutput(0, n.create<ReshapeOp>(it, m));
    return success();
  }
  n.setOutput(0, n.create<SoftmaxOp>(it, x, n.b.getI64IntegerAttr(*axis),
                                     n.b.getBoolAttr(log)));
  return success();
}

LogicalResult importMatMul(NodeContext &n) {
  SmallVector<Type> types;
  if (failed(MatMulOp::inferReturnTypes(n.b.getContext(), n.loc,
                                        ValueRange{n.input(0), n.input(1)},
                                        DictionaryAttr(), OpaqueProperties(nullptr),
                                        RegionRange(), types)))
    return n.error("operand shapes do not fit a matrix product");
  n.setOutput(0, n.create<MatMulOp>(types[0], n.input(0), n.input(1)));
  return success();
}

LogicalResult importGemm(NodeContext &n) {
  auto a = n.inputType(0), bt = n.inputType(1);
  if (a.getRank() != 2 || bt.getRank() != 2)
    return n.error("A and B must be matrices");
  bool ta = n.attrInt("transA", 0), tb = n.attrInt("transB", 0);
  int64_t m = ta ? a.getDimSize(1) : a.getDimSize(0);
  int64_t k1 = ta ? a.getDimSize(0) : a.getDimSize(1);
  int64_t k2 = tb ? bt.getDimSize(1) : bt.getDimSize(0);
  int64_t nn = tb ? bt.getDimSize(0) : bt.getDimSize(1);
  if (k1 != k2)
    return n.error("contraction sizes differ");
  Value c = n.hasInput(2) ? n.input(2) : Value();
  n.setOutput(0, n.create<GemmOp>(a.clone({m, nn}), n.input(0), n.input(1), c,
                                  n.b.getF64FloatAttr(n.attrFloat("alpha", 1.0)),
                                  n.b.getF64FloatAttr(n.attrFloat("beta", 1.0)),
                                  n.b.getBoolAttr(ta), n.b.getBoolAttr(tb)));
  return success();
}

/// Training-mode BatchNormalization: batch statistics over all axes but
/// the channels, and the updated running statistics as extra outputs.
LogicalResult importBatchNormTraining(NodeContext &n) {
  auto it = n.inputType(0);
  Type et = it.getElementType();
  int64_t rank = it.getRank(), c = it.getDimSize(1);
  double momentum = n.attrFloat("momentum", 0.9), eps = n.attrFloat("epsilon", 1e-5);
  SmallVector<int64_t> axes, kept(rank, 1);
  kept[1] = c;
  for (int64_t i = 0; i < rank; ++i)
    if (i != 1)
      axes.push_back(i);
  auto keptType = it.clone(kept), vecType = it.clone({c});
  auto scalar = [&](double v) {
    return n.constant(DenseElementsAttr::get(RankedTensorType::get({}, et),
                                             n.b.getFloatAttr(et, v)));
  };
  auto asKept = [&](Value v) { return n.create<ReshapeOp>(keptType, v); };
  Value x = n.input(0);
  Value mean = n.create<ReduceOp>(keptType, ReduceKind::mean, x, axes, true);
  Value centered = n.create<SubOp>(it, x, mean);
  Value var = n.create<ReduceOp>(keptType, ReduceKind::mean,
                                 n.create<MulOp>(it, centered, centered), axes, true);
  Value std = n.create<SqrtOp>(keptType, n.create<AddOp>(keptType, var, scalar(eps)));
  Value y = n.create<DivOp>(it, centered, std);
  y = n.create<MulOp>(it, y, asKept(n.input(1)));
  n.setOutput(0, n.create<AddOp>(it, y, asKept(n.input(2))));
  auto running = [&](size_t inputIdx, Value batchStat) {
    Value old = n.create<MulOp>(vecType, n.input(inputIdx), scalar(momentum));
    Value cur = n.create<MulOp>(vecType, n.create<ReshapeOp>(vecType, batchStat),
                                scalar(1.0 - momentum));
    return n.create<AddOp>(vecType, old, cur);
  };
  n.setOutput(1, running(3, mean));
  n.setOutput(2, running(4, var));
  return success();
}

LogicalResult importBatchNorm(NodeContext &n) {
  if (n.attrInt("training_mode", 0))
    return importBatchNormTraining(n);
  for (size_t i = 1; i < n.numOutputs(); ++i)
    if (n.hasOutput(i))
      return n.error("running-statistics outputs are not supported");
  n.setOutput(0, n.create<BatchNormOp>(n.inputType(0), n.input(0), n.input(1),
                                       n.input(2), n.input(3), n.input(4),
                                       n.b.getF64FloatAttr(n.attrFloat("epsilon", 1e-5))));
  return success();
}

/// LayerNormalization that also returns its statistics (Mean and
/// InvStdDev, axes kept as 1) is spelled out in qnn ops.
LogicalResult importLayerNormWithStatistics(NodeContext &n, int64_t axis) {
  auto it = n.inputType(0);
  Type et = it.getElementType();
  double eps = n.attrFloat("epsilon", 1e-5);
  SmallVector<int64_t> axes, kept(it.getShape());
  for (int64_t i = axis; i < it.getRank(); ++i) {
    axes.push_back(i);
    kept[i] = 1;
  }
  auto keptType = it.clone(kept);
  auto scalar = [&](double v) {
    return n.constant(DenseElementsAttr::get(RankedTensorType::get({}, et),
                                             n.b.getFloatAttr(et, v)));
  };
  Value x = n.input(0);
  Value mean = n.create<ReduceOp>(keptType, ReduceKind::mean, x, axes, true);
  Value centered = n.create<SubOp>(it, x, mean);
  Value sq = n.create<MulOp>(it, centered, centered);
  Value var = n.create<ReduceOp>(keptType, ReduceKind::mean, sq, axes, true);
  Value invStd = n.create<ReciprocalOp>(
      keptType, n.create<SqrtOp>(keptType, n.create<AddOp>(keptType, var, scalar(eps))));
  auto bcast = [&](Value a, Value b) {
    SmallVector<Type> types;
    (void)MulOp::inferReturnTypes(n.b.getContext(), n.loc, ValueRange{a, b},
                                  DictionaryAttr(), OpaqueProperties(nullptr),
                                  RegionRange(), types);
    return cast<RankedTensorType>(types[0]);
  };
  Value y = n.create<MulOp>(it, centered, invStd);
  y = n.create<MulOp>(bcast(y, n.input(1)), y, n.input(1));
  if (n.hasInput(2))
    y = n.create<AddOp>(bcast(y, n.input(2)), y, n.input(2));
  n.setOutput(0, y);
  n.setOutput(1, mean);
  n.setOutput(2, invStd);
  return success();
}

LogicalResult importLayerNorm(NodeContext &n) {
  auto it = n.inputType(0);
  auto axis = n.normalizeAxis(n.attrInt("axis", -1), it.getRank());
  if (failed(axis))
    return failure();
  if (!isa<FloatType>(it.getElementType()))
    return n.error("input must be floating point");
  if (n.hasOutput(1) || n.hasOutput(2))
    return importLayerNormWithStatistics(n, *axis);
  Value bias = n.hasInput(2) ? n.input(2) : Value();
  n.setOutput(0, n.create<LayerNormOp>(it, n.input(0), n.input(1), bias,
                                       n.b.getI64IntegerAttr(*axis),
                                       n.b.getF64FloatAttr(n.attrFloat("epsilon", 1e-5))));
  return success();
}

} // namespace

void registerNNImporters() {
  auto &r = opImporters();
  r["Conv"] = importConv;
  r["ConvTranspose"] = importConvTranspose;
  r["MaxPool"] = [](NodeContext &n) { return importPool(n, PoolKind::max); };
  r["AveragePool"] = [](NodeContext &n) { return importPool(n, PoolKind::avg); };
  r["LpPool"] = [](NodeContext &n) { return importPool(n, PoolKind::lp); };
  r["GlobalAveragePool"] = [](NodeContext &n) {
    return importGlobalPool(n, ReduceKind::mean);
  };
  r["GlobalMaxPool"] = [](NodeContext &n) {
    return importGlobalPool(n, ReduceKind::max);
  };
  r["ReduceSum"] = [](NodeContext &n) { return importReduce(n, ReduceKind::sum); };
  r["ReduceMean"] = [](NodeContext &n) { return importReduce(n, ReduceKind::mean); };
  r["ReduceMax"] = [](NodeContext &n) { return importReduce(n, ReduceKind::max); };
  r["ReduceMin"] = [](NodeContext &n) { return importReduce(n, ReduceKind::min); };
  r["ReduceProd"] = [](NodeContext &n) { return importReduce(n, ReduceKind::prod); };
  r["ReduceL1"] = [](NodeContext &n) { return importReduce(n, ReduceKind::l1); };
  r["ReduceL2"] = [](NodeContext &n) { return importReduce(n, ReduceKind::l2); };
  r["ReduceSumSquare"] = [](NodeContext &n) {
    return importReduce(n, ReduceKind::sum_square);
  };
  r["ReduceLogSum"] = [](NodeContext &n) {
    return importReduce(n, ReduceKind::log_sum);
  };
  r["ReduceLogSumExp"] = [](NodeContext &n) {
    return importReduce(n, ReduceKind::log_sum_exp);
  };
  r["ArgMax"] = [](NodeContext &n) { return importArg(n, ArgKind::argmax); };
  r["ArgMin"] = [](NodeContext &n) { return importArg(n, ArgKind::argmin); };
  r["Softmax"] = [](NodeContext &n) { return importSoftmax(n, false); };
  r["LogSoftmax"] = [](NodeContext &n) { return importSoftmax(n, true); };
  r["MatMul"] = importMatMul;
  r["Gemm"] = importGemm;
  r["BatchNormalization"] = importBatchNorm;
  r["LayerNormalization"] = importLayerNorm;
  r["Dropout"] = [](NodeContext &n) {
    // Inference: the identity, with an all-true mask. Training mode would
    // need random masks; refuse it rather than ignore it.
    bool training = n.attrInt("is_test", 1) == 0 && n.opset < 7;
    if (n.hasInput(2)) {
      auto mode = n.constInts(2, "training_mode");
      if (failed(mode))
        return failure();
      training = !mode->empty() && (*mode)[0] != 0;
    }
    double ratio = n.opset < 12 ? n.attrFloat("ratio", 0.5) : 0.5;
    if (n.hasInput(1)) {
      auto r = n.constFloats(1, "ratio");
      if (failed(r))
        return failure();
      ratio = r->empty() ? 0.5 : (*r)[0];
    }
    // Training with ratio 0 keeps everything: still the identity.
    if (training && ratio != 0.0)
      return n.error("training_mode=true with a non-zero ratio is not "
                     "supported (random masks; qcc compiles for inference)");
    n.setOutput(0, n.input(0));
    if (n.hasOutput(1)) {
      auto t = n.inputType(0).clone(n.b.getI1Type());
      n.setOutput(1, n.constant(DenseElementsAttr::get(t, true)));
    }
    return success();
  };
}

} // namespace qcc::onnx_import
