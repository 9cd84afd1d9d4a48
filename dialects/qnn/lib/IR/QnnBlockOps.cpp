//===- QnnBlockOps.cpp - products with block-quantized weights ------------===//

#include "qcc/Dialect/Qnn/IR/Qnn.h"

using namespace mlir;
using namespace qcc::qnn;

std::pair<int64_t, int64_t> BlockLinearOp::blockShape(BlockFormat format) {
  switch (format) {
  case BlockFormat::q4_0:
    return {32, 18};
  case BlockFormat::q4_1:
    return {32, 20};
  case BlockFormat::q5_0:
    return {32, 22};
  case BlockFormat::q5_1:
    return {32, 24};
  case BlockFormat::q8_0:
    return {32, 34};
  case BlockFormat::q4_k:
    return {256, 144};
  case BlockFormat::q5_k:
    return {256, 176};
  case BlockFormat::q6_k:
    return {256, 210};
  case BlockFormat::q2_k:
    return {256, 84};
  case BlockFormat::q3_k:
    return {256, 110};
  case BlockFormat::q2_g64:
    return {64, 20};
  case BlockFormat::q3_g64:
    return {64, 28};
  case BlockFormat::q3_g192:
    return {192, 76};
  case BlockFormat::q4_1_g128:
    return {32, 16};
  }
  llvm_unreachable("unknown block format");
}

int64_t BlockLinearOp::rowBytes(BlockFormat format, int64_t k) {
  if (format == BlockFormat::q4_1_g128)
    return 4 * ((k + 127) / 128) + k / 2;
  auto [size, bytes] = blockShape(format);
  return k / size * bytes;
}

LogicalResult BlockLinearOp::verify() {
  auto in = getInput().getType(), w = getWeight().getType();
  auto out = getType();
  if (!in.getElementType().isF32() || !out.getElementType().isF32())
    return emitOpError("input and result must be f32 tensors");
  if (!w.getElementType().isInteger(8))
    return emitOpError("weight must be a tensor of bytes (i8 or ui8), got ")
           << w;
  if (in.getRank() != 2 || w.getRank() != 2 || out.getRank() != 2)
    return emitOpError("expected input [T, K], weight [N, row bytes] and "
                       "result [T, N]");
  if (!in.hasStaticShape() || !w.hasStaticShape() || !out.hasStaticShape())
    return emitOpError("shapes must be static");
  auto [size, bytes] = blockShape(getFormat());
  int64_t k = in.getDimSize(1);
  if (k % size)
    return emitOpError("the reduction length ")
           << k << " is not a multiple of " << stringifyBlockFormat(getFormat())
           << "'s block of " << size;
  int64_t need = rowBytes(getFormat(), k);
  if (getFormat() == BlockFormat::q4_1_g128 && w.getDimSize(1) != need)
    return emitOpError("weight rows hold ")
           << w.getDimSize(1) << " bytes; " << k << " weights of q4_1_g128 ("
           << (k + 127) / 128 << " groups of up to 128, 4 header bytes each) "
           << "take " << need;
  if (w.getDimSize(1) != need)
    return emitOpError("weight rows hold ")
           << w.getDimSize(1) << " bytes; " << k / size << " blocks of "
           << stringifyBlockFormat(getFormat()) << " take " << need;
  int64_t interleave = getRowInterleave();
  if (interleave != 1 && interleave != 8)
    return emitOpError("row_interleave must be 1 or 8, got ") << interleave;
  if (interleave == 8) {
    BlockFormat f = getFormat();
    // The formats of qcc::reference::hasRowInterleave8.
    if (f != BlockFormat::q4_0 && f != BlockFormat::q4_1 &&
        f != BlockFormat::q5_0 && f != BlockFormat::q5_1 &&
        f != BlockFormat::q8_0 && f != BlockFormat::q4_k &&
        f != BlockFormat::q5_k && f != BlockFormat::q6_k)
      return emitOpError("row_interleave = 8 needs q4_0, q4_1, q5_0, q5_1, "
                         "q8_0, q4_k, q5_k or q6_k, not ")
             << stringifyBlockFormat(f);
    if (w.getDimSize(0) % 8)
      return emitOpError("row_interleave = 8 needs a multiple of 8 weight "
                         "rows, got ")
             << w.getDimSize(0);
  }
  return verifyShapeEquals(*this, {in.getDimSize(0), w.getDimSize(0)}, out);
}
