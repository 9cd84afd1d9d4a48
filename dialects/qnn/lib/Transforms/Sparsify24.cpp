//===- Sparsify24.cpp - prune int8 layers' weights to 2:4 -----------------===//
//
// qcc-sparsify-24: on the calibrated float model, prunes the weights of the
// eligible conv/matmul layers (see Passes.td) with lib/Quant's magnitude,
// Wanda or SparseGPT criterion and marks them `qcc.sparse24`. Groups run
// along the reduction of each output channel: a matmul's K, a 1x1
// convolution's input channels.
//
//===----------------------------------------------------------------------===//

#include "qcc/Dialect/Qnn/IR/Qnn.h"
#include "qcc/Dialect/Qnn/Transforms/Passes.h"
#include "qcc/Dialect/Qnn/Transforms/Sparse24.h"
#include "qcc/Dialect/Qnn/Transforms/WeightQuantization.h"
#include "qcc/Quant/Prune24.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Regex.h"
#include "llvm/Support/raw_ostream.h"

namespace qcc::qnn {
#define GEN_PASS_DEF_SPARSIFY24
#include "qcc/Dialect/Qnn/Transforms/Passes.h.inc"
} // namespace qcc::qnn

using namespace mlir;
using namespace qcc;
using namespace qcc::qnn;

std::string qcc::qnn::layerName(Operation *op) {
  Location loc = op->getLoc();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location l : fused.getLocations())
      if (isa<NameLoc>(l)) {
        loc = l;
        break;
      }
  if (auto name = dyn_cast<NameLoc>(loc))
    return name.getName().str();
  return op->getName().getStringRef().str();
}

std::string qcc::qnn::sparse24Ineligible(const WeightLayer &l,
                                         const WeightQuantOptions &options) {
  if (layerGroupSize(l, options) != 0)
    return "takes grouped sub-byte codes, not int8";
  if (l.cols % 4 != 0)
    return llvm::formatv("its {0} reduction elements are not a multiple of 4",
                         l.cols)
        .str();
  auto conv = dyn_cast<ConvOp>(l.op);
  if (!conv)
    return "";
  if (conv.getGroup() != 1)
    return "a grouped or depthwise convolution";
  if (l.window != 1)
    return "a convolution with a kernel larger than 1x1";
  if (llvm::any_of(conv.getStrides(), [](int64_t s) { return s != 1; }) ||
      llvm::any_of(conv.getPads(), [](int64_t p) { return p != 0; }))
    return "a strided or padded 1x1 convolution";
  if (conv.getInput().getType().getDimSize(0) != 1)
    return "a batched convolution";
  return "";
}

bool qcc::qnn::sparse24Profitable(int64_t m, int64_t n, int64_t k) {
  return n >= 16 && k >= 64 && m >= 8;
}

/// Rows of the layer's product: pixels of a convolution, the leading
/// elements of a matmul's left operand.
static int64_t productRows(const WeightLayer &l) {
  auto t = cast<RankedTensorType>(l.op->getResult(0).getType());
  if (l.isConv)
    return t.getNumElements() / (t.getDimSize(0) * t.getDimSize(1));
  return t.getNumElements() / t.getShape().back();
}

std::vector<WeightLayer>
qcc::qnn::sparse24Candidates(func::FuncOp main,
                             const WeightQuantOptions &options,
                             const llvm::Regex *select, bool force,
                             bool fastKernel, int &eligible,
                             std::string &firstReason) {
  std::vector<WeightLayer> out;
  eligible = 0;
  firstReason.clear();
  for (const WeightLayer &l : weightLayers(main)) {
    std::string why = sparse24Ineligible(l, options);
    if (!why.empty()) {
      if (firstReason.empty())
        firstReason = "'" + layerName(l.op) + "' is " + why;
      continue;
    }
    ++eligible;
    if (select && !select->match(layerName(l.op)))
      continue;
    if (!force &&
        (!fastKernel || !sparse24Profitable(productRows(l), l.rows, l.cols)))
      continue;
    out.push_back(l);
  }
  return out;
}

std::pair<size_t, size_t> qcc::qnn::sparse24StageRange(size_t n, int stages,
                                                       int stage) {
  return {n * stage / stages, n * (stage + 1) / stages};
}

namespace {

DenseElementsAttr weightConstant(const WeightLayer &l) {
  DenseElementsAttr dense;
  if (!matchPattern(l.op->getOperand(1), m_Constant(&dense)) ||
      !dense.getElementType().isF32())
    return {};
  return dense;
}

/// [rows][cols] of a layer's weight (a matmul's B [K, N] transposed), and
/// back.
std::vector<float> toRows(const WeightLayer &l, DenseElementsAttr dense) {
  auto values = llvm::to_vector(dense.getValues<float>());
  if (l.isConv)
    return std::vector<float>(values.begin(), values.end());
  std::vector<float> rows(l.rows * l.cols);
  for (int64_t k = 0; k < l.cols; ++k)
    for (int64_t n = 0; n < l.rows; ++n)
      rows[n * l.cols + k] = values[k * l.rows + n];
  return rows;
}

std::vector<float> fromRows(const WeightLayer &l, const std::vector<float> &w) {
  if (l.isConv)
    return w;
  std::vector<float> out(l.rows * l.cols);
  for (int64_t k = 0; k < l.cols; ++k)
    for (int64_t n = 0; n < l.rows; ++n)
      out[k * l.rows + n] = w[n * l.cols + k];
  return out;
}

struct Sparsify24Pass : qcc::qnn::impl::Sparsify24Base<Sparsify24Pass> {
  using Sparsify24Base::Sparsify24Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto main = module.lookupSymbol<func::FuncOp>("main");
    if (!main) {
      module.emitError("qcc-sparsify-24 needs a function @main");
      return signalPassFailure();
    }
    if (mode != "enable" && mode != "force") {
      module.emitError("qcc-sparsify-24: unknown mode '")
          << mode << "' (expected enable or force)";
      return signalPassFailure();
    }
    std::optional<qcc::quant::PruneMethod> pm =
        qcc::quant::parsePruneMethod(method);
    if (!pm) {
      module.emitError("qcc-sparsify-24: unknown prune method '")
          << method << "' (expected magnitude, wanda or sparsegpt)";
      return signalPassFailure();
    }
    WeightQuantOptions wq;
    wq.bits = weightBits;
    wq.groupSize = groupSize;
    bool force = mode == "force";
    std::optional<llvm::Regex> select;
    if (!layers.empty()) {
      select.emplace(layers.getValue());
      std::string why;
      if (!select->isValid(why)) {
        module.emitError("qcc-sparsify-24: invalid layers regex '")
            << layers.getValue() << "': " << why;
        return signalPassFailure();
      }
    }
    if (stages < 1 || stage < 0 || stage >= stages) {
      module.emitError("qcc-sparsify-24: stage ")
          << stage.getValue() << " of " << stages.getValue()
          << " (stages must be positive, 0 <= stage < stages)";
      return signalPassFailure();
    }
    int eligible = 0, selected = 0;
    std::string firstReason;
    // Selected layers regardless of the cost rule, for the errors below.
    if (select)
      selected = (int)sparse24Candidates(main, wq, &*select, /*force=*/true,
                                         fastKernel, eligible, firstReason)
                     .size();
    std::vector<WeightLayer> candidates =
        sparse24Candidates(main, wq, select ? &*select : nullptr, force,
                           fastKernel, eligible, firstReason);
    auto [first, last] = sparse24StageRange(candidates.size(), stages, stage);
    for (size_t i = first; i < last; ++i) {
      const WeightLayer &l = candidates[i];
      if (l.op->hasAttr(kSparse24Attr))
        continue; // pruned already
      DenseElementsAttr dense = weightConstant(l);
      std::vector<float> w = toRows(l, dense);
      std::vector<double> hessian;
      if (qcc::quant::pruneNeedsHessian(*pm)) {
        auto attr =
            l.op->getAttrOfType<DenseF64ResourceElementsAttr>(kHessianAttr);
        std::optional<ArrayRef<double>> h;
        if (attr)
          h = attr.tryGetAsArrayRef();
        if (!h || (int64_t)h->size() != l.cols * l.cols) {
          l.op->emitError("2:4 pruning by ")
              << method << " needs the Hessian of layer '" << layerName(l.op)
              << "''s input (qcc.hessian, " << l.cols << "x" << l.cols
              << " f64), which calibration computes: pass --calib";
          return signalPassFailure();
        }
        hessian.assign(h->begin(), h->end());
      }
      int64_t hessianRows = 0;
      if (auto n = l.op->getAttrOfType<IntegerAttr>(kHessianRowsAttr))
        hessianRows = n.getInt();
      // Few rows (a squeeze-excitation layer's one pooled row per image)
      // shrink sparsegpt's Hessian toward its diagonal (Prune24.h).
      std::string error = qcc::quant::prune24(
          w, l.rows, l.cols, *pm, hessian.empty() ? nullptr : &hessian, 0.01,
          hessianRows);
      if (!error.empty()) {
        l.op->emitError("2:4 pruning of layer '")
            << layerName(l.op) << "' failed: " << error;
        return signalPassFailure();
      }
      std::vector<float> out = fromRows(l, w);
      OpBuilder b(l.op);
      Value c = b.create<arith::ConstantOp>(
          l.op->getOperand(1).getLoc(),
          DenseElementsAttr::get(dense.getType(), ArrayRef<float>(out)));
      l.op->setOperand(1, c);
      l.op->setAttr(kSparse24Attr, b.getUnitAttr());
      l.op->removeAttr(kHessianAttr);
      l.op->removeAttr(kHessianRowsAttr);
    }
    if (force && eligible == 0) {
      module.emitError("--sparsity=force: no layer of this model is eligible "
                       "for 2:4 sparsity (int8 matmuls with K a multiple of "
                       "4, 1x1 stride-1 convolutions of one group with a "
                       "multiple of 4 input channels)")
          << (firstReason.empty() ? std::string("; it has no conv or matmul "
                                                "with constant weights")
                                  : "; e.g. " + firstReason);
      return signalPassFailure();
    }
    if (force && select && selected == 0) {
      module.emitError("--sparsity=force: the layers regex '")
          << layers.getValue() << "' matches none of the " << eligible
          << " eligible layers";
      return signalPassFailure();
    }
    if (printSummary && stage == stages - 1) {
      // Every layer the pass has pruned, in this stage or an earlier one.
      int pruned = 0;
      int64_t weights = 0, zeros = 0, modelWeights = 0;
      for (const WeightLayer &l : weightLayers(main)) {
        modelWeights += l.rows * l.cols;
        DenseElementsAttr dense = weightConstant(l);
        if (!dense || !l.op->hasAttr(kSparse24Attr))
          continue;
        ++pruned;
        weights += dense.getNumElements();
        for (float v : dense.getValues<float>())
          zeros += v == 0.0f;
      }
      llvm::errs() << llvm::formatv(
          "2:4 sparsity ({0}, {1}): {2} of {3} eligible layers pruned",
          mode.getValue(), method.getValue(), pruned, eligible);
      if (weights)
        llvm::errs() << llvm::formatv(
            ", {0:F1}% of their weights zero; {1} of the model's {2} "
            "conv/matmul weights in pruned layers ({3:F1}%)",
            100.0 * zeros / weights, weights, modelWeights,
            100.0 * weights / modelWeights);
      if (stages > 1)
        llvm::errs() << llvm::formatv(" in {0} stages", stages.getValue());
      if (!force && !fastKernel)
        llvm::errs() << " (the target has no 2:4 kernel faster than its "
                        "dense one)";
      llvm::errs() << "\n";
    }
  }
};

} // namespace
