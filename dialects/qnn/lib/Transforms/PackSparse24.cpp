//===- PackSparse24.cpp - 2:4 integer weights into values + indices -------===//
//
// qcc-pack-sparse-24: integer conv/matmul ops marked `qcc.sparse24` become
// qnn.matmul_sparse24_integer over their packed weights. A 1x1 convolution
// is the same product over its pixels: its NCHW input is transposed to
// channels-last rows and the result back.
//
//===----------------------------------------------------------------------===//

#include "qcc/Dialect/Qnn/IR/Qnn.h"
#include "qcc/Dialect/Qnn/Transforms/Passes.h"
#include "qcc/Dialect/Qnn/Transforms/Sparse24.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Matchers.h"
#include "llvm/Support/FormatVariadic.h"

namespace qcc::qnn {
#define GEN_PASS_DEF_PACKSPARSE24
#include "qcc/Dialect/Qnn/Transforms/Passes.h.inc"
} // namespace qcc::qnn

using namespace mlir;
using namespace qcc;
using namespace qcc::qnn;

LogicalResult qcc::qnn::sparse24Rows(Operation *op, std::vector<int64_t> &w,
                                     int64_t &rows, int64_t &cols,
                                     std::string &why) {
  DenseElementsAttr dense;
  Value weight = op->getOperand(1);
  if (!matchPattern(weight, m_Constant(&dense))) {
    why = "its weights are not a constant";
    return failure();
  }
  auto t = cast<RankedTensorType>(weight.getType());
  bool isMatMul = isa<MatMulIntegerOp, MatMulOp>(op);
  if (isMatMul && t.getRank() != 2) {
    why = "its weights are not a [K, N] matrix";
    return failure();
  }
  rows = isMatMul ? t.getDimSize(1) : t.getDimSize(0);
  cols = t.getNumElements() / rows;
  std::vector<int64_t> flat;
  flat.reserve(t.getNumElements());
  Type et = t.getElementType();
  if (isa<FloatType>(et)) {
    for (APFloat v : dense.getValues<APFloat>())
      flat.push_back(v.isZero() ? 0 : 1);
  } else if (auto it = dyn_cast<IntegerType>(et)) {
    for (APInt v : dense.getValues<APInt>())
      flat.push_back(it.isUnsigned() ? (int64_t)v.getZExtValue()
                                     : v.getSExtValue());
  } else {
    why = "its weights are neither float nor integer";
    return failure();
  }
  w.assign(rows * cols, 0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      w[r * cols + c] = isMatMul ? flat[c * rows + r] : flat[r * cols + c];
  return success();
}

namespace {

LogicalResult packOne(Operation *op) {
  std::string name = layerName(op);
  auto fail = [&](const Twine &why) {
    return op->emitError("qcc-pack-sparse-24: layer '")
           << name << "' is marked 2:4 but " << why;
  };
  auto mm = dyn_cast<MatMulIntegerOp>(op);
  auto conv = dyn_cast<ConvIntegerOp>(op);
  ArrayRef<int64_t> zps = mm ? mm.getBZp() : conv.getWZp();
  if (llvm::any_of(zps, [](int64_t z) { return z != 0; }))
    return fail("its weight zero points are not 0");
  auto wt = cast<RankedTensorType>(op->getOperand(1).getType());
  auto wet = dyn_cast<IntegerType>(wt.getElementType());
  if (!wet || wet.getWidth() != 8 || wet.isUnsigned())
    return fail("its weights are not int8");
  if (conv) {
    auto it = conv.getInput().getType();
    if (conv.getGroup() != 1 || it.getDimSize(0) != 1 ||
        llvm::any_of(wt.getShape().drop_front(2),
                     [](int64_t s) { return s != 1; }) ||
        llvm::any_of(conv.getStrides(), [](int64_t s) { return s != 1; }) ||
        llvm::any_of(conv.getPads(), [](int64_t p) { return p != 0; }))
      return fail("only 1x1, stride-1, unpadded convolutions of one group "
                  "and batch 1 pack");
  }
  std::vector<int64_t> w;
  int64_t rows, cols;
  std::string why;
  if (failed(sparse24Rows(op, w, rows, cols, why)))
    return fail(why);
  if (cols % 4 != 0)
    return fail(llvm::formatv("its {0} reduction elements are not a multiple "
                              "of 4",
                              cols)
                    .str());
  int64_t groups = cols / 4, ib = (cols + 7) / 8;
  SmallVector<int8_t> values(rows * groups * 2, 0);
  SmallVector<uint8_t> indices(rows * ib, 0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t g = 0; g < groups; ++g) {
      const int64_t *p = &w[r * cols + 4 * g];
      int pos[4], n = 0;
      for (int i = 0; i < 4; ++i)
        if (p[i] != 0)
          pos[n++] = i;
      if (n > 2)
        return fail(llvm::formatv("output channel {0} keeps {1} nonzero "
                                  "weights in group {2} (reduction elements "
                                  "{3}..{4}): not 2:4",
                                  r, n, g, 4 * g, 4 * g + 3)
                        .str());
      // Fewer than 2 kept: the lowest zero positions fill in.
      for (int i = 0; i < 4 && n < 2; ++i)
        if (p[i] == 0 && (n == 0 || pos[0] != i))
          pos[n++] = i;
      if (pos[0] > pos[1])
        std::swap(pos[0], pos[1]);
      for (int t = 0; t < 2; ++t)
        values[(r * groups + g) * 2 + t] = (int8_t)p[pos[t]];
      indices[r * ib + g / 2] |=
          (uint8_t)((pos[0] | pos[1] << 2) << (4 * (g % 2)));
    }
  OpBuilder b(op);
  Location loc = op->getLoc();
  MLIRContext *ctx = op->getContext();
  Value vals = b.create<arith::ConstantOp>(
      loc, DenseElementsAttr::get(
               RankedTensorType::get({rows, groups * 2}, b.getI8Type()),
               ArrayRef<int8_t>(values)));
  auto ui8 = IntegerType::get(ctx, 8, IntegerType::Unsigned);
  SmallVector<APInt> idx;
  for (uint8_t v : indices)
    idx.push_back(APInt(8, v));
  Value ids = b.create<arith::ConstantOp>(
      loc, DenseElementsAttr::get(RankedTensorType::get({rows, ib}, ui8), idx));
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  if (mm) {
    Value y = b.create<MatMulSparse24IntegerOp>(
        loc, resultType, mm.getA(), vals, ids, mm.getBias(), mm.getAZp());
    op->getResult(0).replaceAllUsesWith(y);
    op->erase();
    return success();
  }
  // NC<spatial> -> N<spatial>C rows, product, and back.
  Value x = conv.getInput();
  auto xt = cast<RankedTensorType>(x.getType());
  int64_t rank = xt.getRank();
  SmallVector<int64_t> toLast{0}, toFirst{0, rank - 1}, lastShape{1},
      outShape{1};
  for (int64_t i = 2; i < rank; ++i) {
    toLast.push_back(i);
    toFirst.push_back(i - 1);
    lastShape.push_back(xt.getDimSize(i));
  }
  toLast.push_back(1);
  outShape.append(lastShape.begin() + 1, lastShape.end());
  lastShape.push_back(xt.getDimSize(1));
  outShape.push_back(rows);
  Value xl = b.create<TransposeOp>(
      loc, RankedTensorType::get(lastShape, xt.getElementType()), x,
      b.getDenseI64ArrayAttr(toLast));
  Value y = b.create<MatMulSparse24IntegerOp>(
      loc, RankedTensorType::get(outShape, resultType.getElementType()), xl,
      vals, ids, conv.getBias(), conv.getXZp());
  Value back = b.create<TransposeOp>(loc, resultType, y,
                                     b.getDenseI64ArrayAttr(toFirst));
  op->getResult(0).replaceAllUsesWith(back);
  op->erase();
  return success();
}

struct PackSparse24Pass : qcc::qnn::impl::PackSparse24Base<PackSparse24Pass> {
  void runOnOperation() override {
    SmallVector<Operation *> marked;
    getOperation()->walk([&](Operation *op) {
      if (op->hasAttr(kSparse24Attr) && isa<MatMulIntegerOp, ConvIntegerOp>(op))
        marked.push_back(op);
    });
    for (Operation *op : marked)
      if (failed(packOne(op)))
        return signalPassFailure();
  }
};

} // namespace
