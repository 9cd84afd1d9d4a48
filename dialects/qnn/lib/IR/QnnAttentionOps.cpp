//===- QnnAttentionOps.cpp - qnn.attention verifier -----------------------===//

#include "qcc/Dialect/Qnn/IR/Qnn.h"

using namespace mlir;
using namespace qcc::qnn;

LogicalResult AttentionOp::verify() {
  auto k = cast<RankedTensorType>(getKeys().getType());
  auto q = cast<RankedTensorType>(getQueries().getType());
  auto v = cast<RankedTensorType>(getValues().getType());
  auto mask = cast<RankedTensorType>(getMask().getType());
  auto out = cast<RankedTensorType>(getType());
  for (RankedTensorType t : {k, q, v, mask, out})
    if (!t.hasStaticShape())
      return emitOpError("shapes must be static");
  for (RankedTensorType t : {k, q, v, out})
    if (!t.getElementType().isF32())
      return emitOpError("keys, queries, values and result must be f32, got ")
             << t;
  if (!mask.getElementType().isInteger(1))
    return emitOpError("mask must be i1, got ") << mask;
  if (k.getRank() != 3 || q.getRank() != 3 || v.getRank() != 3 ||
      out.getRank() != 3 || mask.getRank() != 2)
    return emitOpError("expected keys [B, N, D], queries [B, D, M], values "
                       "[B, N, E], mask [N, T] and result [B, M, E]");
  int64_t b = k.getDimSize(0), n = k.getDimSize(1), d = k.getDimSize(2);
  int64_t m = q.getDimSize(2), e = v.getDimSize(2), t = mask.getDimSize(1);
  if (q.getDimSize(0) != b || q.getDimSize(1) != d)
    return emitOpError("queries ")
           << q << " do not match keys " << k << " (expected [" << b << ", "
           << d << ", M])";
  if (v.getDimSize(0) != b || v.getDimSize(1) != n)
    return emitOpError("values ")
           << v << " do not match keys " << k << " (expected [" << b << ", "
           << n << ", E])";
  if (mask.getDimSize(0) != n || t < 1 || m % t)
    return emitOpError("mask ")
           << mask << " must be [" << n << ", T] with T dividing the " << m
           << " queries";
  if (out.getDimSize(0) != b || out.getDimSize(1) != m ||
      out.getDimSize(2) != e)
    return emitOpError("result ")
           << out << " must be [" << b << ", " << m << ", " << e << "]";
  return success();
}
