//===- ComposeLuts.cpp - unary integer chains into one table --------------===//
//
// qcc-compose-luts: an integer-level op whose result depends on a single
// 8-bit tensor x (same shape, no broadcast of x), through qnn.lut,
// per-tensor qnn.requantize, and qnn.qadd / qnn.qmul whose other operand is
// x itself, a table of x or a splat constant, is a function of 256 possible
// inputs: it becomes one qnn.lut of x whose entries are that function
// evaluated with the exact integer definitions of docs/numerics.md. Applied
// to a fixpoint, hard-swish (qadd of a constant, relu6 table, qmul with the
// input) and the requantizations between such ops collapse into one table,
// so the lowered code reads and writes each element once.
//
// The result is the same integers as the original ops, element by element;
// the compiled models are compared with the reference interpreter run on
// the uncomposed IR.
//
//===----------------------------------------------------------------------===//

#include "qcc/Dialect/Qnn/IR/Qnn.h"
#include "qcc/Dialect/Qnn/Transforms/Passes.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <array>
#include <optional>

namespace qcc::qnn {
#define GEN_PASS_DEF_COMPOSELUTS
#include "qcc/Dialect/Qnn/Transforms/Passes.h.inc"
} // namespace qcc::qnn

using namespace mlir;
using namespace qcc::qnn;

namespace {

// Scalar definitions of docs/numerics.md, wrapping in 64 bits like the
// backends' scalar code.
int64_t wrapAdd(int64_t a, int64_t b) { return (int64_t)((uint64_t)a + (uint64_t)b); }
int64_t wrapSub(int64_t a, int64_t b) { return (int64_t)((uint64_t)a - (uint64_t)b); }
int64_t wrapMul(int64_t a, int64_t b) { return (int64_t)((uint64_t)a * (uint64_t)b); }
int64_t roundShift(int64_t v, int64_t n) {
  if (n == 0)
    return v;
  int64_t sum = wrapAdd(v, int64_t(1) << (n - 1));
  return sum >= 0 ? sum >> n : ~(~sum >> n);
}
int64_t finish(int64_t v, int64_t zp, int64_t lo, int64_t hi) {
  int64_t y = wrapAdd(v, zp);
  return y < lo ? lo : (y > hi ? hi : y);
}

/// The 8-bit integer element type of a ranked tensor, or null.
IntegerType int8Element(Type t) {
  auto rt = dyn_cast<RankedTensorType>(t);
  auto it = rt ? dyn_cast<IntegerType>(rt.getElementType()) : IntegerType();
  return it && it.getWidth() == 8 ? it : IntegerType();
}

/// The value of an integer as its type reads it (ui8: zero-extended).
int64_t asInt(const APInt &v, IntegerType type) {
  return type.isUnsigned() ? (int64_t)v.getZExtValue() : v.getSExtValue();
}

/// What one operand of a composable op is, element by element: a table of
/// x (identity when `table` is empty), or a constant.
struct Term {
  Value x;                        // the 8-bit source (null for a constant)
  SmallVector<int64_t, 0> table;  // 256 entries indexed by x - min(x)
  int64_t constant = 0;
  int64_t at(int64_t i, int64_t xMin) const {
    if (!x)
      return constant;
    return table.empty() ? i + xMin : table[i];
  }
};

std::optional<Term> classify(Value v, ArrayRef<int64_t> shape) {
  Term t;
  DenseElementsAttr dense;
  if (matchPattern(v, m_Constant(&dense))) {
    auto et = dyn_cast<IntegerType>(dense.getElementType());
    if (!dense.isSplat() || !et)
      return std::nullopt;
    t.constant = asInt(dense.getSplatValue<APInt>(), et);
    return t;
  }
  if (!int8Element(v.getType()) ||
      cast<RankedTensorType>(v.getType()).getShape() != shape)
    return std::nullopt;
  if (auto lut = v.getDefiningOp<LutOp>()) {
    auto table = dyn_cast<DenseElementsAttr>(lut.getTable());
    auto et = int8Element(lut.getType());
    // Only a full table of an 8-bit tensor composes; a windowed table of a
    // wider one is itself the 8-bit source.
    if (table && et && !lut.getFirst() &&
        int8Element(lut.getInput().getType())) {
      t.x = lut.getInput();
      for (const APInt &e : table.getValues<APInt>())
        t.table.push_back(asInt(e, et));
      if (table.isSplat())
        t.table.assign(256, t.table.front());
      return t;
    }
  }
  t.x = v;
  return t;
}

/// Rewrites a qnn.lut / qnn.requantize / qnn.qadd / qnn.qmul with an 8-bit
/// result into a qnn.lut of the one 8-bit tensor its operands depend on,
/// when that is worth it (the op is arithmetic, or a table of a table).
template <typename OpTy>
struct ComposeIntoLut : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    auto resultType = cast<RankedTensorType>(op.getType());
    IntegerType outElement = int8Element(resultType);
    if (!outElement)
      return rewriter.notifyMatchFailure(op, "result is not 8-bit");
    SmallVector<Term, 2> terms;
    for (Value operand : op->getOperands()) {
      auto t = classify(operand, resultType.getShape());
      if (!t)
        return rewriter.notifyMatchFailure(op, "operand is not a table of an "
                                               "8-bit tensor or a splat");
      terms.push_back(std::move(*t));
    }
    Value x;
    for (const Term &t : terms) {
      if (t.x && x && t.x != x)
        return rewriter.notifyMatchFailure(op, "depends on two tensors");
      if (t.x)
        x = t.x;
    }
    if (!x)
      return rewriter.notifyMatchFailure(op, "constant operands only");
    if constexpr (std::is_same_v<OpTy, LutOp>) {
      if (terms[0].table.empty())
        return rewriter.notifyMatchFailure(op, "already a table of its input");
      if (op.getFirst())
        return rewriter.notifyMatchFailure(op, "a windowed table");
    }
    if constexpr (std::is_same_v<OpTy, RequantizeOp>) {
      if (op.getMultiplier().size() != 1)
        return rewriter.notifyMatchFailure(op, "per-channel multipliers");
    }
    IntegerType inElement = int8Element(x.getType());
    int64_t xMin = inElement.isUnsigned() ? 0 : -128;
    SmallVector<APInt> table;
    for (int64_t i = 0; i < 256; ++i) {
      int64_t v = evaluate(op, terms, i, xMin);
      table.push_back(APInt(8, (uint64_t)v, !outElement.isUnsigned()));
    }
    auto tableAttr = DenseElementsAttr::get(
        RankedTensorType::get({256}, outElement), table);
    rewriter.replaceOpWithNewOp<LutOp>(op, resultType, x, tableAttr,
                                       /*first=*/IntegerAttr());
    return success();
  }

  static int64_t evaluate(OpTy op, ArrayRef<Term> terms, int64_t i,
                          int64_t xMin) {
    int64_t a = terms[0].at(i, xMin);
    if constexpr (std::is_same_v<OpTy, LutOp>) {
      DenseElementsAttr table = cast<DenseElementsAttr>(op.getTable());
      IntegerType et = int8Element(op.getType());
      int64_t inMin = int8Element(op.getInput().getType()).isUnsigned() ? 0 : -128;
      int64_t idx = a - inMin;
      return asInt(table.isSplat() ? table.getSplatValue<APInt>()
                                   : table.getValues<APInt>()[idx],
                   et);
    } else if constexpr (std::is_same_v<OpTy, RequantizeOp>) {
      int64_t v = wrapMul(wrapSub(a, op.getInputZp()), op.getMultiplier()[0]);
      return finish(roundShift(v, op.getShift()[0]), op.getOutputZp(),
                    op.getClampMin(), op.getClampMax());
    } else if constexpr (std::is_same_v<OpTy, QAddOp>) {
      int64_t b = terms[1].at(i, xMin);
      int64_t v = wrapAdd(wrapMul(wrapSub(a, op.getAZp()), op.getAMultiplier()),
                          wrapMul(wrapSub(b, op.getBZp()), op.getBMultiplier()));
      return finish(roundShift(v, op.getShift()), op.getOutputZp(),
                    op.getClampMin(), op.getClampMax());
    } else {
      int64_t b = terms[1].at(i, xMin);
      int64_t v = wrapMul(wrapMul(wrapSub(a, op.getAZp()), wrapSub(b, op.getBZp())),
                          op.getMultiplier());
      return finish(roundShift(v, op.getShift()), op.getOutputZp(),
                    op.getClampMin(), op.getClampMax());
    }
  }
};

struct ComposeLutsPass : qcc::qnn::impl::ComposeLutsBase<ComposeLutsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ComposeIntoLut<LutOp>, ComposeIntoLut<RequantizeOp>,
                 ComposeIntoLut<QAddOp>, ComposeIntoLut<QMulOp>>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
