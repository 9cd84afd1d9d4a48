//===- QnnNormOps.cpp - verifiers of integer softmax and layer norm --------===//
//
// Besides types and attribute shapes, the verifiers bound every 64-bit
// intermediate of docs/numerics.md's definitions for the row length, so the
// backends' 64-bit arithmetic and the reference interpreter cannot diverge
// through overflow.
//
//===----------------------------------------------------------------------===//

#include "qcc/Dialect/Qnn/IR/Qnn.h"

#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace qcc::qnn;

namespace {

/// An 8-bit integer element type (signed, signless or unsigned) or null.
IntegerType byteElementType(Value v) {
  auto t = dyn_cast<IntegerType>(cast<ShapedType>(v.getType()).getElementType());
  return t && t.getWidth() == 8 ? t : IntegerType();
}

LogicalResult verifyOutput(Operation *op, int64_t zp, int64_t lo, int64_t hi) {
  auto t = dyn_cast<IntegerType>(
      cast<ShapedType>(op->getResult(0).getType()).getElementType());
  if (!t || t.getWidth() < 2 || t.getWidth() > 16)
    return op->emitOpError("result must have an integer element type of 2 to "
                           "16 bits");
  unsigned w = t.getWidth();
  int64_t tlo = t.isUnsigned() ? 0 : -(int64_t(1) << (w - 1));
  int64_t thi = t.isUnsigned() ? (int64_t(1) << w) - 1 : (int64_t(1) << (w - 1)) - 1;
  if (lo > hi || lo < tlo || hi > thi)
    return op->emitOpError("clamp range [")
           << lo << ", " << hi << "] is empty or outside the result range ["
           << tlo << ", " << thi << "]";
  if (zp < tlo || zp > thi)
    return op->emitOpError("output zero point ") << zp
                                                 << " is outside the result range";
  return success();
}

} // namespace

LogicalResult SoftmaxIntegerOp::verify() {
  if (!byteElementType(getInput()))
    return emitOpError("input must have an 8-bit integer element type");
  if (failed(verifyOutput(*this, getOutputZp(), getClampMin(), getClampMax())))
    return failure();
  auto t = getInput().getType();
  int64_t axis = getAxis();
  if (axis < 0 || axis >= t.getRank())
    return emitOpError("axis ") << axis << " is out of range for rank "
                                << t.getRank();
  if (cast<ShapedType>(getType()).getShape() != t.getShape())
    return emitOpError("result shape differs from the input's");
  if (Value mask = getMask()) {
    auto mt = cast<RankedTensorType>(mask.getType());
    if (!mt.getElementType().isInteger(1))
      return emitOpError("mask must have element type i1");
    if (mt.getRank() != t.getRank())
      return emitOpError("mask has rank ")
             << mt.getRank() << ", the input " << t.getRank();
    for (int64_t d = 0; d < t.getRank(); ++d)
      if (mt.getDimSize(d) != 1 && mt.getDimSize(d) != t.getDimSize(d))
        return emitOpError("mask dimension ")
               << d << " is " << mt.getDimSize(d) << ", neither 1 nor the "
               << "input's " << t.getDimSize(d);
  }
  ArrayRef<int32_t> table = getExpTable();
  if (table.size() != 256)
    return emitOpError("exp_table must have 256 entries, got ") << table.size();
  if (table[0] <= 0)
    return emitOpError("exp_table[0] must be positive (the row maximum's term)");
  int64_t tmax = 0;
  for (int32_t e : table) {
    if (e < 0)
      return emitOpError("exp_table entry ") << e << " is negative";
    tmax = std::max<int64_t>(tmax, e);
  }
  int64_t c = getMultiplier(), f = getShift();
  if (c < 0 || c > INT32_MAX)
    return emitOpError("multiplier ") << c << " is outside [0, 2^31 - 1]";
  if (f < 0 || f > 62)
    return emitOpError("shift ") << f << " is outside [0, 62]";
  // 2 e C < 2^62 and 2 S 2^F < 2^62 with S <= N tmax.
  int64_t n = t.isDynamicDim(axis) ? 1 : t.getDimSize(axis);
  unsigned bits = llvm::Log2_64_Ceil(std::max<int64_t>(n, 1)) +
                  llvm::Log2_64_Ceil(tmax + 1) + f + 1;
  if (llvm::Log2_64_Ceil(tmax + 1) + 1 + llvm::Log2_64_Ceil(c + 1) > 62 ||
      bits > 62)
    return emitOpError("row length ")
           << n << ", table maximum " << tmax << " and shift " << f
           << " overflow 63-bit intermediates";
  return success();
}

LogicalResult LayerNormIntegerOp::verify() {
  // 8- to 16-bit inputs (a 16-bit residual stream feeds layer norms).
  auto in = dyn_cast<IntegerType>(getInput().getType().getElementType());
  if (!in || in.getWidth() < 8 || in.getWidth() > 16)
    return emitOpError("input must have an integer element type of 8 to 16 "
                       "bits");
  if (failed(verifyOutput(*this, getOutputZp(), getClampMin(), getClampMax())))
    return failure();
  auto t = getInput().getType();
  int64_t axis = getAxis();
  if (axis < 0 || axis >= t.getRank())
    return emitOpError("axis ") << axis << " is out of range for rank "
                                << t.getRank();
  int64_t n = 1;
  for (int64_t d = axis; d < t.getRank(); ++d)
    n *= t.isDynamicDim(d) ? 1 : t.getDimSize(d);
  // N Q and T^2 are at most N^2 2^(2 bits): below 2^63 for rows of at most
  // 2^(31 - bits) elements (2^15 at 16 bits), and never more than 2^16.
  unsigned maxLog = std::min(16u, 31u - in.getWidth());
  if (n > (int64_t(1) << maxLog))
    return emitOpError("rows of ")
           << n << " elements exceed 2^" << maxLog << " (" << in.getWidth()
           << "-bit input)";
  int64_t f = getNormShift();
  if (f < 0 || f > 20)
    return emitOpError("norm_shift ") << f << " is outside [0, 20]";
  int64_t eps = getEpsilon();
  if (eps < 0 || eps >= (int64_t(1) << 61))
    return emitOpError("epsilon ") << eps << " is outside [0, 2^61)";
  ArrayRef<int64_t> m = getMultiplier(), s = getShift(), b = getOffset();
  if (m.empty() || m.size() != s.size() || m.size() != b.size())
    return emitOpError("expected as many shifts and offsets as multipliers "
                       "(at least one)");
  if (m.size() != 1 && (int64_t)m.size() != n)
    return emitOpError("expected 1 or ")
           << n << " multipliers (one per row element), got " << m.size();
  for (size_t i = 0; i < m.size(); ++i) {
    if (m[i] <= -(int64_t(1) << 31) || m[i] >= (int64_t(1) << 31))
      return emitOpError("multiplier ") << m[i] << " is outside (-2^31, 2^31)";
    if (s[i] < 0 || s[i] > 62)
      return emitOpError("shift ") << s[i] << " is outside [0, 62]";
    if (b[i] <= -(int64_t(1) << 61) || b[i] >= (int64_t(1) << 61))
      return emitOpError("offset ") << b[i] << " is outside (-2^61, 2^61)";
  }
  return success();
}
