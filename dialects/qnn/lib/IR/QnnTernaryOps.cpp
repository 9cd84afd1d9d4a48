//===- QnnTernaryOps.cpp - packed ternary weights
//--------------------------===//
//
// qnn.ternary_constant: verifier (packing, codes, the ternary quant type)
// and the canonicalization that unpacks it to arith.constant +
// qnn.storage_cast.
//
//===----------------------------------------------------------------------===//

#include "qcc/Dialect/Qnn/IR/Qnn.h"
#include "qcc/Dialect/Qnn/IR/QuantParams.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace qcc::qnn;

namespace {

/// The `count` values of a packed stream, or the index of the first
/// invalid code (a padding value other than 0 counts as invalid) in `bad`.
std::optional<SmallVector<int8_t>> unpackTernary(StringRef packing,
                                                 ArrayRef<uint8_t> bytes,
                                                 int64_t count, int64_t &bad) {
  SmallVector<int8_t> out(count);
  int64_t per = packing == "2bit" ? 4 : 5;
  for (int64_t b = 0; b < (int64_t)bytes.size(); ++b) {
    unsigned byte = bytes[b];
    if (per == 5 && byte >= 243) {
      bad = per * b;
      return std::nullopt;
    }
    for (int64_t i = 0; i < per; ++i) {
      int64_t at = per * b + i;
      unsigned code = per == 4 ? (byte >> (2 * i)) & 3u : byte % 3;
      if (per == 5)
        byte /= 3;
      if (code == 3 || (at >= count && code != 1)) {
        bad = at;
        return std::nullopt;
      }
      if (at < count)
        out[at] = (int8_t)((int)code - 1);
    }
  }
  return out;
}

SmallVector<uint8_t> packedBytes(DenseIntElementsAttr packed) {
  SmallVector<uint8_t> bytes;
  for (const APInt &v : packed.getValues<APInt>())
    bytes.push_back((uint8_t)v.getZExtValue());
  return bytes;
}

/// ternary_constant -> arith.constant (i8 values) + qnn.storage_cast.
struct UnpackTernaryConstant : OpRewritePattern<TernaryConstantOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TernaryConstantOp op,
                                PatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    int64_t bad = 0;
    auto values = unpackTernary(op.getPacking(), packedBytes(op.getPacked()),
                                type.getNumElements(), bad);
    if (!values)
      return rewriter.notifyMatchFailure(op, "invalid packed weights");
    auto intType = RankedTensorType::get(type.getShape(), rewriter.getI8Type());
    Value c = rewriter.create<arith::ConstantOp>(
        op.getLoc(),
        DenseElementsAttr::get(intType, ArrayRef<int8_t>(*values)));
    rewriter.replaceOpWithNewOp<StorageCastOp>(op, type, c);
    return success();
  }
};

} // namespace

LogicalResult TernaryConstantOp::verify() {
  StringRef packing = getPacking();
  if (packing != "2bit" && packing != "base3")
    return emitOpError("packing must be \"2bit\" or \"base3\", got \"")
           << packing << "\"";
  auto packedType = cast<ShapedType>(getPacked().getType());
  if (packedType.getRank() != 1 ||
      packedType.getElementType().getIntOrFloatBitWidth() != 8)
    return emitOpError("packed weights must be a 1-D tensor of 8-bit integers");
  auto type = cast<RankedTensorType>(getType());
  if (!type.hasStaticShape())
    return emitOpError("result must have a static shape");
  auto q = getQuantElementType(type);
  if (!q)
    return emitOpError("result element type must be a quant type, got ")
           << type.getElementType();
  FailureOr<QuantParams> params =
      getQuantParams(q, type.getShape(), [&] { return emitOpError(); });
  if (failed(params))
    return failure();
  if (!params->isSigned || params->bits != 8 || params->qmin != -1 ||
      params->qmax != 1 || params->blockSize.size() != (size_t)type.getRank())
    return emitOpError("result must be ternary: signed 8-bit storage with "
                       "range [-1, 1] (i8<-1:1>), got ")
           << q;
  for (int64_t zp : params->zeroPoints)
    if (zp != 0)
      return emitOpError("ternary zero points must be 0, got ") << zp;
  int64_t count = type.getNumElements();
  int64_t per = packing == "2bit" ? 4 : 5;
  int64_t want = (count + per - 1) / per;
  if (packedType.getDimSize(0) != want)
    return emitOpError("") << count << " weights packed " << packing << " take "
                           << want << " bytes, got "
                           << packedType.getDimSize(0);
  int64_t bad = 0;
  if (!unpackTernary(packing, packedBytes(getPacked()), count, bad))
    return emitOpError(bad < count ? "weight " : "padding weight ")
           << bad << " is not -1, 0 or 1 (invalid " << packing << " code)";
  return success();
}

void TernaryConstantOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                                    MLIRContext *context) {
  results.add<UnpackTernaryConstant>(context);
}
