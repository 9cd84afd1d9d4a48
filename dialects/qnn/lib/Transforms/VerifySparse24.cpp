//===- VerifySparse24.cpp - every 2:4 weight keeps the pattern ------------===//
//
// qcc-verify-sparse-24: the packed positions of every
// qnn.matmul_sparse24_integer must name two distinct positions in
// increasing order (p0 < p1 < 4), and the dense weights of every op still
// marked `qcc.sparse24` (float before qcc-quantize, integer before
// qcc-pack-sparse-24) may hold at most 2 nonzeros (integer weights: values
// other than the zero point) per group of 4 reduction elements. The first
// violation of each layer is reported with the layer's name, output channel
// and group.
//
//===----------------------------------------------------------------------===//

#include "qcc/Dialect/Qnn/IR/Qnn.h"
#include "qcc/Dialect/Qnn/Transforms/Passes.h"
#include "qcc/Dialect/Qnn/Transforms/Sparse24.h"

#include "mlir/IR/Matchers.h"

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

struct VerifySparse24Pass
    : qcc::qnn::impl::VerifySparse24Base<VerifySparse24Pass> {
  void runOnOperation() override {
    bool bad = false;
    getOperation()->walk([&](Operation *op) {
      if (auto sp = dyn_cast<MatMulSparse24IntegerOp>(op))
        bad |= failed(checkPacked(sp));
      else if (op->hasAttr(kSparse24Attr))
        bad |= failed(checkDense(op));
    });
    if (bad)
      signalPassFailure();
  }
};

} // namespace
