//===- QuantParams.cpp - quantization parameters of a tensor --------------===//

#include "qcc/Dialect/Qnn/IR/QuantParams.h"

#include "mlir/IR/BuiltinAttributes.h"

#include <cmath>

using namespace mlir;
using namespace qcc::qnn;

int64_t QuantParams::perAxisDim() const {
  int64_t axis = -1;
  for (size_t d = 0; d < gridShape.size(); ++d) {
    if (gridShape[d] == 1)
      continue;
    if (axis != -1 || blockSize[d] != 1)
      return -1;
    axis = d;
  }
  return axis;
}

int64_t QuantParams::paramIndexOfElement(int64_t linear) const {
  if (scales.size() == 1)
    return 0;
  int64_t index = 0, stride = 1;
  for (int64_t d = (int64_t)shape.size() - 1; d >= 0; --d) {
    int64_t coord = linear % shape[d];
    linear /= shape[d];
    index += (coord / blockSize[d]) * stride;
    stride *= gridShape[d];
  }
  return index;
}

IntegerType QuantParams::storageType(MLIRContext *ctx) const {
  return IntegerType::get(ctx, bits,
                          isSigned ? IntegerType::Signless : IntegerType::Unsigned);
}

quant::QuantizedType qcc::qnn::getQuantElementType(Type tensorType) {
  auto shaped = dyn_cast<ShapedType>(tensorType);
  return shaped ? dyn_cast<quant::QuantizedType>(shaped.getElementType())
                : quant::QuantizedType();
}

static InFlightDiagnostic fail(function_ref<InFlightDiagnostic()> emitError) {
  return emitError ? emitError() : InFlightDiagnostic();
}

FailureOr<QuantParams>
qcc::qnn::getQuantParams(Type elementType, ArrayRef<int64_t> shape,
                         function_ref<InFlightDiagnostic()> emitError) {
  auto qt = dyn_cast<quant::QuantizedType>(elementType);
  if (!qt) {
    fail(emitError) << "expected a quantized element type, got " << elementType;
    return failure();
  }
  QuantParams p;
  p.isSigned = qt.isSigned();
  p.bits = qt.getStorageTypeIntegralWidth();
  p.qmin = qt.getStorageTypeMin();
  p.qmax = qt.getStorageTypeMax();
  p.expressedType = qt.getExpressedType();
  p.shape.assign(shape.begin(), shape.end());
  p.blockSize.assign(shape.begin(), shape.end());
  p.gridShape.assign(shape.size(), 1);
  if (p.bits < kMinQuantBits || p.bits > kMaxQuantBits) {
    fail(emitError) << "quantized storage of " << p.bits
                    << " bits is out of the supported range [" << kMinQuantBits
                    << ", " << kMaxQuantBits << "]";
    return failure();
  }
  for (int64_t d : shape)
    if (ShapedType::isDynamic(d)) {
      fail(emitError) << "quantized tensors must have static shapes";
      return failure();
    }

  if (auto u = dyn_cast<quant::UniformQuantizedType>(qt)) {
    p.scales.push_back(u.getScale());
    p.zeroPoints.push_back(u.getZeroPoint());
  } else if (auto a = dyn_cast<quant::UniformQuantizedPerAxisType>(qt)) {
    int64_t axis = a.getQuantizedDimension();
    if (axis < 0 || axis >= (int64_t)shape.size()) {
      fail(emitError) << "quantized axis " << axis
                      << " is out of range for a tensor of rank " << shape.size();
      return failure();
    }
    if ((int64_t)a.getScales().size() != shape[axis]) {
      fail(emitError) << "per-axis type has " << a.getScales().size()
                      << " scales but axis " << axis << " has " << shape[axis]
                      << " elements";
      return failure();
    }
    p.blockSize[axis] = 1;
    p.gridShape[axis] = shape[axis];
    p.scales.assign(a.getScales().begin(), a.getScales().end());
    p.zeroPoints.assign(a.getZeroPoints().begin(), a.getZeroPoints().end());
  } else if (auto s = dyn_cast<quant::UniformQuantizedSubChannelType>(qt)) {
    for (auto [axis, block] : s.getBlockSizeInfo()) {
      if (axis < 0 || axis >= (int64_t)shape.size()) {
        fail(emitError) << "quantized axis " << axis
                        << " is out of range for a tensor of rank "
                        << shape.size();
        return failure();
      }
      if (block <= 0 || shape[axis] % block != 0) {
        fail(emitError) << "block size " << block << " does not divide axis "
                        << axis << " of size " << shape[axis];
        return failure();
      }
      p.blockSize[axis] = block;
      p.gridShape[axis] = shape[axis] / block;
    }
    auto scaleShape = s.getScales().getType().getShape();
    int64_t count = 1;
    for (int64_t g : p.gridShape)
      count *= g;
    if ((int64_t)s.getScales().getNumElements() != count) {
      fail(emitError) << "sub-channel type has " << s.getScales().getNumElements()
                      << " scales, expected " << count;
      return failure();
    }
    (void)scaleShape;
    for (APFloat v : s.getScales().getValues<APFloat>())
      p.scales.push_back(v.convertToDouble());
    // Zero points are stored in the signless storage type: unsigned storage
    // reads them zero-extended.
    for (APInt v : s.getZeroPoints().getValues<APInt>())
      p.zeroPoints.push_back(p.isSigned ? v.getSExtValue() : (int64_t)v.getZExtValue());
  } else {
    fail(emitError) << "unsupported quantized type " << qt;
    return failure();
  }

  for (double scale : p.scales)
    if (!(scale > 0.0) || !std::isfinite(scale) ||
        !std::isfinite((float)scale) || (float)scale == 0.0f) {
      fail(emitError) << "quantization scale " << scale
                      << " must be a positive, finite single-precision value";
      return failure();
    }
  for (int64_t zp : p.zeroPoints)
    if (zp < p.qmin || zp > p.qmax) {
      fail(emitError) << "zero point " << zp << " is outside the storage range ["
                      << p.qmin << ", " << p.qmax << "]";
      return failure();
    }
  return p;
}
