//===- OpsShape.cpp - ONNX shape, layout and data-movement operators ------===//

#include "ImportContext.h"

#include <cmath>

using namespace mlir;
using namespace qcc::qnn;

namespace qcc::onnx_import {

namespace {

DenseElementsAttr i64Tensor(NodeContext &n, ArrayRef<int64_t> values,
                            bool scalar = false) {
  auto type = RankedTensorType::get(
      scalar ? ArrayRef<int64_t>{} : ArrayRef<int64_t>{(int64_t)values.size()},
      n.b.getI64Type());
  return DenseElementsAttr::get(type, values);
}

Value reshape(NodeContext &n, Value v, ArrayRef<int64_t> shape) {
  auto t = cast<RankedTensorType>(v.getType());
  return n.create<ReshapeOp>(t.clone(shape), v);
}

LogicalResult importConstant(NodeContext &n) {
  if (const auto *a = n.attr("value")) {
    std::string dir = ".";
    auto attr = tensorToAttr(n.b.getContext(), a->t(), dir);
    if (!attr)
      return n.error(llvm::toString(attr.takeError()));
    n.setOutput(0, n.constant(*attr));
    return success();
  }
  if (n.hasAttr("value_float")) {
    auto type = RankedTensorType::get({}, n.b.getF32Type());
    n.setOutput(0, n.constant(DenseElementsAttr::get(
                       type, (float)n.attrFloat("value_float", 0))));
    return success();
  }
  if (n.hasAttr("value_floats")) {
    std::vector<double> v = n.attrFloats("value_floats");
    std::vector<float> f(v.begin(), v.end());
    auto type = RankedTensorType::get({(int64_t)f.size()}, n.b.getF32Type());
    n.setOutput(0, n.constant(DenseElementsAttr::get(type, ArrayRef<float>(f))));
    return success();
  }
  if (n.hasAttr("value_int")) {
    n.setOutput(0, n.constant(i64Tensor(n, {n.attrInt("value_int", 0)}, true)));
    return success();
  }
  if (n.hasAttr("value_ints")) {
    n.setOutput(0, n.constant(i64Tensor(n, n.attrInts("value_ints"))));
    return success();
  }
  return n.error("only tensor, float(s) and int(s) constants are supported");
}

LogicalResult importShape(NodeContext &n) {
  auto t = n.inputType(0);
  int64_t rank = t.getRank();
  int64_t start = n.attrInt("start", 0), end = n.attrInt("end", rank);
  if (start < 0)
    start += rank;
  if (end < 0)
    end += rank;
  start = std::clamp<int64_t>(start, 0, rank);
  end = std::clamp<int64_t>(end, start, rank);
  SmallVector<int64_t> dims(t.getShape().begin() + start, t.getShape().begin() + end);
  n.setOutput(0, n.constant(i64Tensor(n, dims)));
  return success();
}

LogicalResult importConstantOfShape(NodeContext &n) {
  auto shape = n.constInts(0, "shape");
  if (failed(shape))
    return failure();
  DenseElementsAttr value;
  if (const auto *a = n.attr("value")) {
    std::string dir = ".";
    auto attr = tensorToAttr(n.b.getContext(), a->t(), dir);
    if (!attr)
      return n.error(llvm::toString(attr.takeError()));
    value = *attr;
  } else {
    value = DenseElementsAttr::get(RankedTensorType::get({1}, n.b.getF32Type()), 0.f);
  }
  if (value.getNumElements() != 1)
    return n.error("value must hold exactly one element");
  for (int64_t d : *shape)
    if (d < 0)
      return n.error("shape must not be negative");
  auto type = RankedTensorType::get(*shape, value.getElementType());
  n.setOutput(0, n.constant(DenseElementsAttr::get(
                     type, value.getValues<Attribute>()[0])));
  return success();
}

LogicalResult importRange(NodeContext &n) {
  auto t = n.inputType(0);
  auto start = n.constFloats(0, "start"), limit = n.constFloats(1, "limit"),
       delta = n.constFloats(2, "delta");
  if (failed(start) || failed(limit) || failed(delta))
    return failure();
  double s = (*start)[0], l = (*limit)[0], d = (*delta)[0];
  if (d == 0)
    return n.error("delta must not be zero");
  int64_t count = std::max<int64_t>(0, (int64_t)std::ceil((l - s) / d));
  auto type = RankedTensorType::get({count}, t.getElementType());
  SmallVector<Attribute> elems;
  for (int64_t i = 0; i < count; ++i) {
    double v = s + i * d;
    elems.push_back(isa<FloatType>(t.getElementType())
                        ? (Attribute)n.b.getFloatAttr(t.getElementType(), v)
                        : (Attribute)n.b.getIntegerAttr(t.getElementType(), (int64_t)v));
  }
  n.setOutput(0, n.constant(DenseElementsAttr::get(type, elems)));
  return success();
}

LogicalResult importReshape(NodeContext &n) {
  auto t = n.inputType(0);
  std::vector<int64_t> shape;
  if (n.opset < 5) {
    shape = n.attrInts("shape");
  } else {
    auto s = n.constInts(1, "the target shape");
    if (failed(s))
      return failure();
    shape = *s;
  }
  bool allowZero = n.attrInt("allowzero", 0) != 0;
  int64_t known = 1, inferred = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 0 && !allowZero) {
      if (i >= (size_t)t.getRank())
        return n.error("shape copies axis " + std::to_string(i) +
                       ", which the input lacks");
      shape[i] = t.getDimSize(i);
    }
    if (shape[i] == -1) {
      if (inferred >= 0)
        return n.error("shape has more than one -1");
      inferred = i;
      continue;
    }
    if (shape[i] < 0)
      return n.error("shape has a negative size");
    known *= shape[i];
  }
  if (inferred >= 0) {
    if (known == 0 || t.getNumElements() % known)
      return n.error("cannot infer the -1 dimension");
    shape[inferred] = t.getNumElements() / known;
    known *= shape[inferred];
  }
  if (known != t.getNumElements())
    return n.error("cannot reshape " + std::to_string(t.getNumElements()) +
                   " elements into " + std::to_string(known));
  n.setOutput(0, reshape(n, n.input(0), shape));
  return success();
}

LogicalResult importFlatten(NodeContext &n) {
  auto t = n.inputType(0);
  int64_t axis0 = n.attrInt("axis", 1), rank = t.getRank();
  if (axis0 < -rank || axis0 > rank)
    return n.error("axis " + std::to_string(axis0) + " is out of range for rank " +
                   std::to_string(rank));
  std::optional<int64_t> axis = axis0 < 0 ? axis0 + rank : axis0;
  int64_t rows = 1, cols = 1;
  for (int64_t i = 0; i < t.getRank(); ++i)
    (i < *axis ? rows : cols) *= t.getDimSize(i);
  n.setOutput(0, reshape(n, n.input(0), {rows, cols}));
  return success();
}

FailureOr<std::vector<int64_t>> axesOf(NodeContext &n, int64_t sinceOpset) {
  if (n.opset < sinceOpset)
    return n.attrInts("axes");
  if (!n.hasInput(1))
    return std::vector<int64_t>{};
  return n.constInts(1, "axes");
}

LogicalResult importSqueeze(NodeContext &n) {
  auto t = n.inputType(0);
  auto axes = axesOf(n, 13);
  if (failed(axes))
    return failure();
  std::set<int64_t> drop;
  for (int64_t a : *axes) {
    auto v = n.normalizeAxis(a, t.getRank());
    if (failed(v))
      return failure();
    if (t.getDimSize(*v) != 1)
      return n.error("cannot squeeze axis " + std::to_string(*v) + " of size " +
                     std::to_string(t.getDimSize(*v)));
    drop.insert(*v);
  }
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < t.getRank(); ++i)
    if (!(axes->empty() ? t.getDimSize(i) == 1 : drop.count(i) > 0))
      shape.push_back(t.getDimSize(i));
  n.setOutput(0, reshape(n, n.input(0), shape));
  return success();
}

LogicalResult importUnsqueeze(NodeContext &n) {
  auto t = n.inputType(0);
  auto axes = axesOf(n, 13);
  if (failed(axes))
    return failure();
  int64_t rank = t.getRank() + axes->size();
  std::set<int64_t> added;
  for (int64_t a : *axes) {
    auto v = n.normalizeAxis(a, rank);
    if (failed(v))
      return failure();
    if (!added.insert(*v).second)
      return n.error("axes repeat");
  }
  SmallVector<int64_t> shape;
  int64_t src = 0;
  for (int64_t i = 0; i < rank; ++i)
    shape.push_back(added.count(i) ? 1 : t.getDimSize(src++));
  n.setOutput(0, reshape(n, n.input(0), shape));
  return success();
}

LogicalResult importTranspose(NodeContext &n) {
  auto t = n.inputType(0);
  std::vector<int64_t> perm = n.attrInts("perm");
  if (perm.empty())
    for (int64_t i = t.getRank() - 1; i >= 0; --i)
      perm.push_back(i);
  SmallVector<Type> types;
  auto attrs = n.b.getDictionaryAttr(
      n.b.getNamedAttr("perm", n.b.getDenseI64ArrayAttr(perm)));
  TransposeOp::Properties props;
  props.perm = n.b.getDenseI64ArrayAttr(perm);
  if (failed(TransposeOp::inferReturnTypes(n.b.getContext(), n.loc,
                                           ValueRange{n.input(0)}, attrs,
                                           OpaqueProperties(&props), RegionRange(),
                                           types)))
    return n.error("perm is not a permutation of the input's axes");
  n.setOutput(0, n.create<TransposeOp>(types[0], n.input(0),
                                       n.b.getDenseI64ArrayAttr(perm)));
  return success();
}

LogicalResult importConcat(NodeContext &n) {
  SmallVector<Value> inputs;
  for (size_t i = 0; i < n.numInputs(); ++i)
    if (n.hasInput(i))
      inputs.push_back(n.input(i));
  if (inputs.empty())
    return n.error("expects inputs");
  auto t0 = cast<RankedTensorType>(inputs[0].getType());
  auto axis = n.normalizeAxis(n.attrInt("axis", 0), t0.getRank());
  if (failed(axis))
    return failure();
  SmallVector<int64_t> shape(t0.getShape());
  shape[*axis] = 0;
  for (Value v : inputs) {
    auto t = cast<RankedTensorType>(v.getType());
    if (t.getRank() != t0.getRank() || t.getElementType() != t0.getElementType())
      return n.error("inputs differ in rank or element type");
    for (int64_t i = 0; i < t.getRank(); ++i)
      if (i != *axis && t.getDimSize(i) != t0.getDimSize(i))
        return n.error("inputs differ on axis " + std::to_string(i));
    shape[*axis] += t.getDimSize(*axis);
  }
  n.setOutput(0, n.create<ConcatOp>(t0.clone(shape), inputs,
                                    n.b.getI64IntegerAttr(*axis)));
  return success();
}

/// Emits a qnn.slice, or an empty constant when the slice is empty.
Value slice(NodeContext &n, Value v, ArrayRef<int64_t> starts,
            ArrayRef<int64_t> steps, ArrayRef<int64_t> shape) {
  auto t = cast<RankedTensorType>(v.getType());
  auto type = t.clone(shape);
  if (type.getNumElements() == 0)
    return n.constant(DenseElementsAttr::get(
        type, ArrayRef<Attribute>{}));
  return n.create<SliceOp>(type, v, n.b.getDenseI64ArrayAttr(starts),
                           n.b.getDenseI64ArrayAttr(steps));
}

LogicalResult importSlice(NodeContext &n) {
  auto t = n.inputType(0);
  int64_t rank = t.getRank();
  std::vector<int64_t> starts, ends, axes, steps;
  if (n.opset < 10) {
    starts = n.attrInts("starts");
    ends = n.attrInts("ends");
    axes = n.attrInts("axes");
  } else {
    auto s = n.constInts(1, "starts"), e = n.constInts(2, "ends");
    if (failed(s) || failed(e))
      return failure();
    starts = *s;
    ends = *e;
    if (n.hasInput(3)) {
      auto a = n.constInts(3, "axes");
      if (failed(a))
        return failure();
      axes = *a;
    }
    if (n.hasInput(4)) {
      auto st = n.constInts(4, "steps");
      if (failed(st))
        return failure();
      steps = *st;
    }
  }
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i)
      axes.push_back(i);
  if (steps.empty())
    steps.assign(starts.size(), 1);
  if (starts.size() != ends.size() || axes.size() != starts.size() ||
      steps.size() != starts.size())
    return n.error("starts, ends, axes and steps differ in length");
  SmallVector<int64_t> outStart(rank, 0), outStep(rank, 1), shape(t.getShape());
  std::set<int64_t> seen;
  for (size_t i = 0; i < axes.size(); ++i) {
    auto axis = n.normalizeAxis(axes[i], rank);
    if (failed(axis))
      return failure();
    if (!seen.insert(*axis).second)
      return n.error("axes repeat");
    int64_t d = t.getDimSize(*axis), step = steps[i];
    if (step == 0)
      return n.error("steps must not be zero");
    int64_t s = starts[i], e = ends[i];
    if (s < 0)
      s = s < -d ? (step > 0 ? 0 : -1) : s + d;
    if (e < 0)
      e = e < -d ? -1 : e + d;
    int64_t count;
    if (step > 0) {
      s = std::clamp<int64_t>(s, 0, d);
      e = std::clamp<int64_t>(e, 0, d);
      count = e > s ? (e - s + step - 1) / step : 0;
    } else {
      s = std::clamp<int64_t>(s, -1, d - 1);
      e = std::clamp<int64_t>(e, -1, d - 1);
      count = s > e ? (s - e + (-step) - 1) / (-step) : 0;
    }
    outStart[*axis] = count ? s : 0;
    outStep[*axis] = step;
    shape[*axis] = count;
  }
  n.setOutput(0, slice(n, n.input(0), outStart, outStep, shape));
  return success();
}

LogicalResult importSplit(NodeContext &n) {
  auto t = n.inputType(0);
  auto axis = n.normalizeAxis(n.attrInt("axis", 0), t.getRank());
  if (failed(axis))
    return failure();
  int64_t d = t.getDimSize(*axis), outs = n.numOutputs();
  std::vector<int64_t> sizes;
  if (n.opset >= 13 && n.hasInput(1)) {
    auto s = n.constInts(1, "split");
    if (failed(s))
      return failure();
    sizes = *s;
  } else if (n.opset < 13) {
    sizes = n.attrInts("split");
  }
  if (sizes.empty()) {
    int64_t parts = n.hasAttr("num_outputs") ? n.attrInt("num_outputs", outs) : outs;
    int64_t chunk = (d + parts - 1) / parts;
    for (int64_t i = 0, left = d; i < parts; ++i, left -= chunk)
      sizes.push_back(std::min(chunk, std::max<int64_t>(left, 0)));
  }
  if ((int64_t)sizes.size() != outs)
    return n.error("split sizes do not match the number of outputs");
  int64_t total = 0;
  for (int64_t s : sizes)
    total += s;
  if (total != d)
    return n.error("split sizes add up to " + std::to_string(total) +
                   ", not the axis size " + std::to_string(d));
  int64_t offset = 0;
  for (int64_t i = 0; i < outs; ++i) {
    SmallVector<int64_t> starts(t.getRank(), 0), steps(t.getRank(), 1),
        shape(t.getShape());
    starts[*axis] = offset;
    shape[*axis] = sizes[i];
    offset += sizes[i];
    n.setOutput(i, slice(n, n.input(0), starts, steps, shape));
  }
  return success();
}

LogicalResult importGather(NodeContext &n) {
  auto t = n.inputType(0), it = n.inputType(1);
  auto axis = n.normalizeAxis(n.attrInt("axis", 0), t.getRank());
  if (failed(axis))
    return failure();
  if (!it.getElementType().isInteger(32) && !it.getElementType().isInteger(64))
    return n.error("indices must be int32 or int64");
  if (auto idx = n.constInput(1)) {
    int64_t d = t.getDimSize(*axis);
    for (const APInt &v : idx->getValues<APInt>())
      if (v.getSExtValue() < -d || v.getSExtValue() >= d)
        return n.error("index " + std::to_string(v.getSExtValue()) +
                       " is out of range for axis size " + std::to_string(d));
  }
  SmallVector<int64_t> shape(t.getShape().take_front(*axis));
  shape.append(it.getShape().begin(), it.getShape().end());
  shape.append(t.getShape().begin() + *axis + 1, t.getShape().end());
  n.setOutput(0, n.create<GatherOp>(t.clone(shape), n.input(0), n.input(1),
                                    n.b.getI64IntegerAttr(*axis)));
  return success();
}

LogicalResult importPad(NodeContext &n) {
  auto t = n.inputType(0);
  int64_t rank = t.getRank();
  std::string modeName = n.attrString("mode", "constant");
  std::optional<PadMode> mode = symbolizePadMode(modeName);
  if (!mode)
    return n.error("unknown mode '" + modeName + "'");
  std::vector<int64_t> pads;
  double value = 0;
  if (n.opset < 11) {
    pads = n.attrInts("pads");
    value = n.attrFloat("value", 0);
  } else {
    auto p = n.constInts(1, "pads");
    if (failed(p))
      return failure();
    pads = *p;
    if (n.hasInput(2)) {
      auto v = n.constFloats(2, "constant_value");
      if (failed(v))
        return failure();
      if (!v->empty())
        value = (*v)[0];
    }
    if (n.hasInput(3)) {
      auto axes = n.constInts(3, "axes");
      if (failed(axes))
        return failure();
      if (pads.size() != 2 * axes->size())
        return n.error("pads must hold two values per axis");
      std::vector<int64_t> full(2 * rank, 0);
      for (size_t i = 0; i < axes->size(); ++i) {
        auto a = n.normalizeAxis((*axes)[i], rank);
        if (failed(a))
          return failure();
        full[*a] = pads[i];
        full[rank + *a] = pads[axes->size() + i];
      }
      pads = full;
    }
  }
  if ((int64_t)pads.size() != 2 * rank)
    return n.error("pads must hold " + std::to_string(2 * rank) + " values");
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < rank; ++i) {
    int64_t d = t.getDimSize(i);
    if (*mode == PadMode::reflect && (pads[i] >= d || pads[rank + i] >= d))
      return n.error("reflect padding must be smaller than the axis size");
    shape.push_back(d + pads[i] + pads[rank + i]);
    if (shape.back() < 0)
      return n.error("negative pads remove more than the axis holds");
  }
  n.setOutput(0, n.create<PadOp>(t.clone(shape), *mode, n.input(0), pads,
                                 llvm::APFloat(value)));
  return success();
}

LogicalResult importResize(NodeContext &n) {
  auto t = n.inputType(0);
  int64_t rank = t.getRank();
  std::string mode = n.attrString("mode", "nearest");
  std::string ctm = n.attrString("coordinate_transformation_mode",
                                 n.opset < 11 ? "asymmetric" : "half_pixel");
  std::string nearest =
      n.attrString("nearest_mode", n.opset < 11 ? "floor" : "round_prefer_floor");
  std::vector<double> scales, roi;
  std::vector<int64_t> sizes;
  size_t scalesIdx = n.opset < 11 ? 1 : 2;
  if (n.opset >= 11 && n.hasInput(1)) {
    auto r = n.constFloats(1, "roi");
    if (failed(r))
      return failure();
    roi = *r;
  }
  if (n.hasInput(scalesIdx)) {
    auto s = n.constFloats(scalesIdx, "scales");
    if (failed(s))
      return failure();
    scales = *s;
  }
  if (n.opset >= 11 && n.hasInput(3)) {
    auto s = n.constInts(3, "sizes");
    if (failed(s))
      return failure();
    sizes = *s;
  }
  if (!scales.empty() && !sizes.empty())
    return n.error("give either scales or sizes, not both");
  // Opset 18 lets scales/sizes/roi name a subset of the axes.
  std::vector<int64_t> axes = n.attrInts("axes");
  if (!axes.empty()) {
    std::vector<double> fullScales(rank, 1.0), fullRoi;
    std::vector<int64_t> fullSizes(t.getShape().begin(), t.getShape().end());
    if (!roi.empty()) {
      fullRoi.assign(2 * rank, 0.0);
      for (int64_t i = 0; i < rank; ++i)
        fullRoi[rank + i] = 1.0;
    }
    for (size_t i = 0; i < axes.size(); ++i) {
      auto a = n.normalizeAxis(axes[i], rank);
      if (failed(a))
        return failure();
      if (!scales.empty())
        fullScales[*a] = scales.at(i);
      if (!sizes.empty())
        fullSizes[*a] = sizes.at(i);
      if (!roi.empty()) {
        fullRoi[*a] = roi.at(i);
        fullRoi[rank + *a] = roi.at(axes.size() + i);
      }
    }
    if (!scales.empty())
      scales = fullScales;
    if (!sizes.empty())
      sizes = fullSizes;
    if (!roi.empty())
      roi = fullRoi;
  }
  SmallVector<int64_t> shape;
  if (!sizes.empty()) {
    if ((int64_t)sizes.size() != rank)
      return n.error("sizes must hold one value per axis");
    std::string policy = n.attrString("keep_aspect_ratio_policy", "stretch");
    scales.assign(rank, 1.0);
    if (policy == "stretch") {
      for (int64_t i = 0; i < rank; ++i) {
        scales[i] = (double)sizes[i] / t.getDimSize(i);
        shape.push_back(sizes[i]);
      }
    } else if (policy == "not_larger" || policy == "not_smaller") {
      double s = policy == "not_larger" ? 1e300 : 0;
      std::vector<int64_t> scaled = axes;
      if (scaled.empty())
        for (int64_t i = 0; i < rank; ++i)
          scaled.push_back(i);
      for (int64_t a : scaled) {
        int64_t ax = a < 0 ? a + rank : a;
        double r = (double)sizes[ax] / t.getDimSize(ax);
        s = policy == "not_larger" ? std::min(s, r) : std::max(s, r);
      }
      for (int64_t i = 0; i < rank; ++i) {
        bool isScaled = llvm::any_of(scaled, [&](int64_t a) {
          return (a < 0 ? a + rank : a) == i;
        });
        scales[i] = isScaled ? s : 1.0;
        shape.push_back(isScaled ? (int64_t)std::floor(s * t.getDimSize(i) + 0.5)
                                 : t.getDimSize(i));
      }
    } else {
      return n.error("unknown keep_aspect_ratio_policy '" + policy + "'");
    }
  } else {
    if ((int64_t)scales.size() != rank)
      return n.error("scales must hold one value per axis");
    for (int64_t i = 0; i < rank; ++i) {
      if (!(scales[i] > 0))
        return n.error("scales must be positive");
      shape.push_back((int64_t)std::floor(t.getDimSize(i) * scales[i]));
    }
  }
  if (mode != "nearest" && mode != "linear" && mode != "cubic")
    return n.error("unknown mode '" + mode + "'");
  DenseF64ArrayAttr roiAttr;
  if (ctm == "tf_crop_and_resize") {
    if ((int64_t)roi.size() != 2 * rank)
      return n.error("tf_crop_and_resize needs a roi of " + std::to_string(2 * rank) +
                     " values");
    roiAttr = n.b.getDenseF64ArrayAttr(roi);
  }
  auto op = n.b.create<ResizeOp>(
      n.loc, t.clone(shape), n.input(0), n.b.getStringAttr(mode),
      n.b.getStringAttr(ctm), n.b.getStringAttr(nearest),
      n.b.getF64FloatAttr(n.attrFloat("cubic_coeff_a", -0.75)),
      n.b.getBoolAttr(n.attrInt("exclude_outside", 0) != 0),
      n.b.getF64FloatAttr(n.attrFloat("extrapolation_value", 0.0)),
      n.b.getBoolAttr(n.attrInt("antialias", 0) != 0),
      n.b.getDenseF64ArrayAttr(scales), roiAttr);
  if (failed(op.verify()))
    return failure();
  n.setOutput(0, op.getResult());
  return success();
}

LogicalResult importExpand(NodeContext &n) {
  auto t = n.inputType(0);
  auto target = n.constInts(1, "shape");
  if (failed(target))
    return failure();
  auto shape = broadcastShapes(t.getShape(), *target);
  if (failed(shape))
    return n.error("the input does not broadcast to the given shape");
  n.setOutput(0, n.create<BroadcastOp>(t.clone(*shape), n.input(0)));
  return success();
}

LogicalResult importTile(NodeContext &n) {
  auto t = n.inputType(0);
  auto repeats = n.constInts(1, "repeats");
  if (failed(repeats))
    return failure();
  if ((int64_t)repeats->size() != t.getRank())
    return n.error("repeats must hold one value per axis");
  // (d0, d1) -> (1, d0, 1, d1) -> broadcast (r0, d0, r1, d1) -> (r0*d0, r1*d1)
  SmallVector<int64_t> spread, wide, out;
  for (int64_t i = 0; i < t.getRank(); ++i) {
    if ((*repeats)[i] < 0)
      return n.error("repeats must not be negative");
    spread.append({1, t.getDimSize(i)});
    wide.append({(*repeats)[i], t.getDimSize(i)});
    out.push_back((*repeats)[i] * t.getDimSize(i));
  }
  Value v = reshape(n, n.input(0), spread);
  v = n.create<BroadcastOp>(t.clone(wide), v);
  n.setOutput(0, reshape(n, v, out));
  return success();
}

} // namespace

void registerShapeImporters() {
  auto &r = opImporters();
  r["Constant"] = importConstant;
  r["Shape"] = importShape;
  r["Size"] = [](NodeContext &n) {
    n.setOutput(0, n.constant(i64Tensor(n, {n.inputType(0).getNumElements()}, true)));
    return success();
  };
  r["ConstantOfShape"] = importConstantOfShape;
  r["Range"] = importRange;
  r["Reshape"] = importReshape;
  r["Flatten"] = importFlatten;
  r["Squeeze"] = importSqueeze;
  r["Unsqueeze"] = importUnsqueeze;
  r["Transpose"] = importTranspose;
  r["Concat"] = importConcat;
  r["Slice"] = importSlice;
  r["Split"] = importSplit;
  r["Gather"] = importGather;
  r["Pad"] = importPad;
  r["Resize"] = importResize;
  r["Expand"] = importExpand;
  r["Tile"] = importTile;
}

} // namespace qcc::onnx_import
