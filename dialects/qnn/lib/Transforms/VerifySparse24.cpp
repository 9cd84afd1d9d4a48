//===- VerifySparse24.cpp - every 2:4 weight keeps the pattern ------------===//
//
// qcc-verify-sparse-24: the packed positions of every
// qnn.matmul_sparse24_integer must name two distinct positions in
// increasing order (p0 < p1 < 4), and the dense weights of every op still
// marked `qcc.sparse24` (float before qcc-quantize, integer before
// qcc-pack-sparse-24) may hold at most 2 nonzeros (integer weights: values
// other than the zero point) per group of 4 reduction elements. The first
// violation of each layer is reported with the layer's name, output channel
// and group. A `qnn.block_linear` marked `qcc.sparse24` (a GGUF model's
// pruned layer) is checked on its block codes: a weight is nonzero when its
// block scale is nonzero and its code differs from the format's zero code
// (q8_0: 0, q4_0: 8, q5_0: 16); other block formats cannot hold an exact
// zero and are an error.
//
//===----------------------------------------------------------------------===//

#include "qcc/Dialect/Qnn/IR/Qnn.h"
#include "qcc/Dialect/Qnn/Transforms/Passes.h"
#include "qcc/Dialect/Qnn/Transforms/Sparse24.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/APFloat.h"

#include <optional>

namespace qcc::qnn {
#define GEN_PASS_DEF_VERIFYSPARSE24
#include "qcc/Dialect/Qnn/Transforms/Passes.h.inc"
} // namespace qcc::qnn

using namespace mlir;
using namespace qcc;
using namespace qcc::qnn;

namespace {

LogicalResult checkPacked(MatMulSparse24IntegerOp op) {
  DenseElementsAttr idx;
  if (!matchPattern(op.getIndices(), m_Constant(&idx)))
    return success(); // positions known only at run time: nothing to check
  auto t = op.getIndices().getType();
  int64_t rows = t.getDimSize(0), bytes = t.getDimSize(1);
  int64_t groups = op.getA().getType().getShape().back() / 4;
  auto values = llvm::to_vector(idx.getValues<APInt>());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t g = 0; g < groups; ++g) {
      uint64_t byte =
          values[idx.isSplat() ? 0 : r * bytes + g / 2].getZExtValue();
      unsigned nib = (byte >> (4 * (g % 2))) & 15;
      unsigned p0 = nib & 3, p1 = nib >> 2;
      if (p0 >= p1)
        return op.emitError("qcc-verify-sparse-24: layer '")
               << layerName(op) << "' violates 2:4: output channel " << r
               << ", group " << g << " names positions (" << p0 << ", " << p1
               << "), not two distinct increasing positions of 4";
    }
  return success();
}

LogicalResult checkDense(Operation *op) {
  std::vector<int64_t> w;
  int64_t rows, cols;
  std::string why;
  if (failed(sparse24Rows(op, w, rows, cols, why)))
    return op->emitError("qcc-verify-sparse-24: layer '")
           << layerName(op) << "' is marked 2:4 but " << why;
  ArrayRef<int64_t> zps;
  if (auto mm = dyn_cast<MatMulIntegerOp>(op))
    zps = mm.getBZp();
  else if (auto conv = dyn_cast<ConvIntegerOp>(op))
    zps = conv.getWZp();
  if (cols % 4 != 0)
    return op->emitError("qcc-verify-sparse-24: layer '")
           << layerName(op) << "' is marked 2:4 but its " << cols
           << " reduction elements are not a multiple of 4";
  for (int64_t r = 0; r < rows; ++r) {
    int64_t zp = zps.empty() ? 0 : zps[zps.size() == 1 ? 0 : r];
    for (int64_t g = 0; g < cols / 4; ++g) {
      int n = 0;
      for (int i = 0; i < 4; ++i)
        n += w[r * cols + 4 * g + i] != zp;
      if (n > 2)
        return op->emitError("qcc-verify-sparse-24: layer '")
               << layerName(op) << "' violates 2:4: output channel " << r
               << " keeps " << n << " nonzero weights in group " << g
               << " (reduction elements " << 4 * g << ".." << 4 * g + 3 << ")";
    }
  }
  return success();
}

/// The raw bytes of a constant weight (dense or resource), or none.
std::optional<ArrayRef<char>> constantBytes(Value v) {
  auto cst = v.getDefiningOp<arith::ConstantOp>();
  if (!cst)
    return std::nullopt;
  if (auto dense = dyn_cast<DenseElementsAttr>(cst.getValue());
      dense && !dense.isSplat())
    return dense.getRawData();
  if (auto res = dyn_cast<DenseResourceElementsAttr>(cst.getValue()))
    if (AsmResourceBlob *blob = res.getRawHandle().getBlob())
      return blob->getData();
  return std::nullopt;
}

/// The name of a block weight: its constant's NameLoc (the GGUF tensor).
std::string blockLayerName(BlockLinearOp op) {
  if (Operation *def = op.getWeight().getDefiningOp())
    if (auto name = dyn_cast<NameLoc>(def->getLoc()))
      return name.getName().str();
  return layerName(op);
}

float halfToFloat(const char *p) {
  uint16_t h = (uint8_t)p[0] | (uint16_t)(uint8_t)p[1] << 8;
  llvm::APFloat f(llvm::APFloat::IEEEhalf(), llvm::APInt(16, h));
  return f.convertToFloat();
}

LogicalResult checkBlock(BlockLinearOp op) {
  std::string name = blockLayerName(op);
  BlockFormat format = op.getFormat();
  int zeroCode;
  switch (format) {
  case BlockFormat::q8_0:
    zeroCode = 0;
    break;
  case BlockFormat::q4_0:
    zeroCode = 8;
    break;
  case BlockFormat::q5_0:
    zeroCode = 16;
    break;
  default:
    return op.emitError("qcc-verify-sparse-24: layer '")
           << name << "' is marked 2:4 but its block format "
           << stringifyBlockFormat(format)
           << " cannot store an exact zero (2:4 needs q8_0, q4_0 or q5_0)";
  }
  if (op.getRowInterleave() != 1)
    return op.emitError("qcc-verify-sparse-24: layer '")
           << name << "' is marked 2:4 but its blocks are stored with rows "
           << "interleaved by " << op.getRowInterleave()
           << " (qcc-interleave-block-weights); verify before that pass";
  std::optional<ArrayRef<char>> bytes = constantBytes(op.getWeight());
  if (!bytes)
    return op.emitError("qcc-verify-sparse-24: layer '")
           << name << "' is marked 2:4 but its weight is not a constant";
  auto [size, blockBytes] = BlockLinearOp::blockShape(format);
  int64_t rows = op.getWeight().getType().getDimSize(0);
  int64_t k = op.getInput().getType().getDimSize(1);
  int64_t blocks = k / size;
  if ((int64_t)bytes->size() != rows * blocks * blockBytes)
    return op.emitError("qcc-verify-sparse-24: layer '")
           << name << "' holds " << bytes->size() << " weight bytes, "
           << rows * blocks * blockBytes << " expected";
  int codes[32];
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t bl = 0; bl < blocks; ++bl) {
      const char *p = bytes->data() + (r * blocks + bl) * blockBytes;
      if (halfToFloat(p) == 0.0f)
        continue; // every weight of the block is 0
      for (int i = 0; i < 16; ++i) {
        if (format == BlockFormat::q8_0) {
          codes[i] = (int8_t)p[2 + i];
          codes[i + 16] = (int8_t)p[18 + i];
          continue;
        }
        const uint8_t *qs =
            (const uint8_t *)p + (format == BlockFormat::q5_0 ? 6 : 2);
        codes[i] = qs[i] & 15;
        codes[i + 16] = qs[i] >> 4;
        if (format == BlockFormat::q5_0) {
          uint32_t qh = (uint8_t)p[2] | (uint32_t)(uint8_t)p[3] << 8 |
                        (uint32_t)(uint8_t)p[4] << 16 |
                        (uint32_t)(uint8_t)p[5] << 24;
          codes[i] |= ((qh >> i) & 1) << 4;
          codes[i + 16] |= ((qh >> (i + 16)) & 1) << 4;
        }
      }
      for (int g = 0; g < 8; ++g) {
        int n = 0;
        for (int i = 0; i < 4; ++i)
          n += codes[4 * g + i] != zeroCode;
        if (n > 2) {
          int64_t group = bl * 8 + g;
          return op.emitError("qcc-verify-sparse-24: layer '")
                 << name << "' violates 2:4: output channel " << r << " keeps "
                 << n << " nonzero weights in group " << group
                 << " (reduction elements " << 4 * group << ".."
                 << 4 * group + 3 << ", " << stringifyBlockFormat(format)
                 << " block " << bl << ")";
        }
      }
    }
  return success();
}

struct VerifySparse24Pass
    : qcc::qnn::impl::VerifySparse24Base<VerifySparse24Pass> {
  void runOnOperation() override {
    bool bad = false;
    getOperation()->walk([&](Operation *op) {
      if (auto sp = dyn_cast<MatMulSparse24IntegerOp>(op))
        bad |= failed(checkPacked(sp));
      else if (auto bl = dyn_cast<BlockLinearOp>(op);
               bl && op->hasAttr(kSparse24Attr))
        bad |= failed(checkBlock(bl));
      else if (op->hasAttr(kSparse24Attr))
        bad |= failed(checkDense(op));
    });
    if (bad)
      signalPassFailure();
  }
};

} // namespace
