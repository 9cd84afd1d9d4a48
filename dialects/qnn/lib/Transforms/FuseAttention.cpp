//===- FuseAttention.cpp - a decode step's attention as one op ------------===//
//
// qcc-fuse-attention: a language model's attention for a few queries,
//   s = matmul(keys, q) -> reshape -> where(mask, s, fill) -> softmax(axis 1)
//     -> reshape -> transpose [0, 2, 1] -> matmul(., values)
// as LlamaGraph writes it, becomes one qnn.attention. Unfused, every cache
// position is multiplied, masked and exponentiated; the fused runtime call
// (runtime/Attention.c) visits only the positions the queries see. Runs in
// the lowering, after calibration and quantization have seen the unfused
// ops (GPTQ reads the softmax), and only where a KV head has at most
// kMaxQueries queries: a sequence graph's large products keep the blocked
// GEMM.
//
//===----------------------------------------------------------------------===//

#include "qcc/Dialect/Qnn/IR/Qnn.h"
#include "qcc/Dialect/Qnn/Transforms/Passes.h"

#include "mlir/IR/Matchers.h"

namespace qcc::qnn {
#define GEN_PASS_DEF_FUSEATTENTION
#include "qcc/Dialect/Qnn/Transforms/Passes.h.inc"
} // namespace qcc::qnn

using namespace mlir;
using namespace qcc::qnn;

namespace {

/// Queries per KV head up to which the fused op replaces the GEMMs.
constexpr int64_t kMaxQueries = 16;

/// The value a masked score gets, if `v` is a one-value f32 constant.
std::optional<float> fillValue(Value v) {
  DenseElementsAttr c;
  if (!matchPattern(v, m_Constant(&c)) || !c.isSplat() ||
      !c.getElementType().isF32())
    return std::nullopt;
  return c.getSplatValue<APFloat>().convertToFloat();
}

/// `v`'s defining op if it is an OpTy whose result has no other use.
template <typename OpTy> OpTy soleUse(Value v) {
  auto op = v.getDefiningOp<OpTy>();
  return op && op->hasOneUse() ? op : OpTy();
}

struct Match {
  MatMulOp product, scores;
  Value mask;                     // the where's condition
  int64_t maskT;                  // its trailing extent (T, or 1)
  SmallVector<Operation *> chain; // the ops between, last to first
};

/// The matched chain ending in `product`, or nullopt.
std::optional<Match> matchAttention(MatMulOp product) {
  Match m;
  m.product = product;
  auto rank3 = [](Value v) {
    auto t = cast<RankedTensorType>(v.getType());
    return t.getRank() == 3 && t.hasStaticShape();
  };
  if (!rank3(product.getLhs()) || !rank3(product.getRhs()))
    return std::nullopt;
  auto transpose = soleUse<TransposeOp>(product.getLhs());
  if (!transpose || transpose.getPerm() != ArrayRef<int64_t>{0, 2, 1})
    return std::nullopt;
  m.chain.push_back(transpose);
  Value probs = transpose.getInput();
  if (auto reshape = soleUse<ReshapeOp>(probs)) {
    m.chain.push_back(reshape);
    probs = reshape.getInput();
  }
  auto softmax = soleUse<SoftmaxOp>(probs);
  if (!softmax || softmax.getAxis() != 1 || softmax.getLog())
    return std::nullopt;
  m.chain.push_back(softmax);
  auto where = soleUse<WhereOp>(softmax.getInput());
  if (!where)
    return std::nullopt;
  m.chain.push_back(where);
  std::optional<float> fill = fillValue(where.getY());
  if (!fill || !(*fill <= -1e30f))
    return std::nullopt;
  Value scores = where.getX();
  if (auto reshape = soleUse<ReshapeOp>(scores)) {
    m.chain.push_back(reshape);
    scores = reshape.getInput();
  }
  m.scores = soleUse<MatMulOp>(scores);
  if (!m.scores || !rank3(m.scores.getLhs()) || !rank3(m.scores.getRhs()))
    return std::nullopt;

  // Shapes: scores [B, N, M] = keys [B, N, D] x q [B, D, M]; the product
  // [B, M, E] = probs^T x values [B, N, E]; the where's shape [B, N, ..., T]
  // with the queries' [G, T] (or [M]) after N.
  auto keys = cast<RankedTensorType>(m.scores.getLhs().getType());
  auto q = cast<RankedTensorType>(m.scores.getRhs().getType());
  auto values = cast<RankedTensorType>(product.getRhs().getType());
  int64_t b = keys.getDimSize(0), n = keys.getDimSize(1), mq = q.getDimSize(2);
  if (values.getDimSize(0) != b || values.getDimSize(1) != n ||
      mq > kMaxQueries)
    return std::nullopt;
  auto whereType = cast<RankedTensorType>(where.getType());
  auto condType = cast<RankedTensorType>(where.getCondition().getType());
  int64_t rank = whereType.getRank();
  if (rank < 3 || whereType.getDimSize(0) != b ||
      whereType.getDimSize(1) != n || condType.getRank() > rank ||
      !condType.hasStaticShape())
    return std::nullopt;
  // The condition, right-aligned against the where's shape, may vary only
  // over N and the last axis (T): B and G are broadcast.
  SmallVector<int64_t> cond(rank - condType.getRank(), 1);
  llvm::append_range(cond, condType.getShape());
  for (int64_t i = 0; i < rank; ++i) {
    bool free = i == 1 || i == rank - 1;
    if (!free && cond[i] != 1)
      return std::nullopt;
  }
  if (cond[1] != n)
    return std::nullopt;
  m.maskT = cond[rank - 1];
  if (m.maskT != 1 && m.maskT != whereType.getDimSize(rank - 1))
    return std::nullopt;
  m.mask = where.getCondition();
  return m;
}

struct FuseAttentionPass
    : qcc::qnn::impl::FuseAttentionBase<FuseAttentionPass> {
  void runOnOperation() override {
    SmallVector<Match> matches;
    getOperation()->walk([&](MatMulOp op) {
      if (auto m = matchAttention(op))
        matches.push_back(std::move(*m));
    });
    for (Match &m : matches) {
      OpBuilder b(m.product);
      Location loc = m.product.getLoc();
      auto condType = cast<RankedTensorType>(m.mask.getType());
      int64_t n =
          cast<RankedTensorType>(m.scores.getLhs().getType()).getDimSize(1);
      Value mask = b.create<ReshapeOp>(
          loc, RankedTensorType::get({n, m.maskT}, condType.getElementType()),
          m.mask);
      Value fused =
          b.create<AttentionOp>(loc, m.product.getType(), m.scores.getLhs(),
                                m.scores.getRhs(), m.product.getRhs(), mask);
      m.product.replaceAllUsesWith(fused);
      m.product.erase();
      for (Operation *op : m.chain)
        op->erase();
      m.scores.erase();
    }
  }
};

} // namespace
