//===- OpsControlFlow.cpp - ONNX If to scf.if -----------------------------===//

#include "ImportContext.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;

namespace qcc::onnx_import {

namespace {

const onnx::GraphProto *branch(NodeContext &n, StringRef name) {
  const onnx::AttributeProto *a = n.attr(name);
  return a && a->has_g() ? &a->g() : nullptr;
}

/// Imports a branch graph at the builder's insertion point; returns its
/// output values.
FailureOr<SmallVector<Value>> importBranch(NodeContext &n,
                                           const onnx::GraphProto &g) {
  GraphImporter sub(n.graph.ctx, n.graph.modelPath, n.graph.opset, &n.graph);
  if (failed(sub.addInitializers(g, n.b)) || failed(sub.importNodes(g, n.b)))
    return failure();
  SmallVector<Value> outs;
  for (const auto &o : g.output()) {
    Value v = sub.lookup(o.name());
    if (!v) {
      (void)n.error("branch output '" + o.name() + "' is not produced");
      return failure();
    }
    outs.push_back(v);
  }
  return outs;
}

LogicalResult importIf(NodeContext &n) {
  const onnx::GraphProto *thenG = branch(n, "then_branch");
  const onnx::GraphProto *elseG = branch(n, "else_branch");
  if (!thenG || !elseG)
    return n.error("needs then_branch and else_branch graphs");
  if (thenG->output_size() != (int)n.numOutputs() ||
      elseG->output_size() != (int)n.numOutputs())
    return n.error("branches must produce one value per output");
  auto condType = n.inputType(0);
  if (condType.getNumElements() != 1 || !condType.getElementType().isInteger(1))
    return n.error("the condition must be a single boolean");

  // A condition known at compile time selects its branch outright.
  if (auto c = n.constInput(0)) {
    bool taken = c->getValues<bool>()[0];
    auto outs = importBranch(n, taken ? *thenG : *elseG);
    if (failed(outs))
      return failure();
    for (auto [i, v] : llvm::enumerate(*outs))
      n.setOutput(i, v);
    return success();
  }

  SmallVector<Value> zeros(condType.getRank(),
                           n.b.create<arith::ConstantIndexOp>(n.loc, 0));
  Value cond = n.b.create<tensor::ExtractOp>(n.loc, n.input(0), zeros);
  // Build the branches first, then the scf.if with the types they produce.
  auto probe = n.b.create<scf::IfOp>(n.loc, TypeRange{}, cond, /*withElse=*/true);
  SmallVector<SmallVector<Value>> results;
  for (auto [region, g] : {std::pair{&probe.getThenRegion(), thenG},
                           std::pair{&probe.getElseRegion(), elseG}}) {
    Block &block = region->front();
    block.getTerminator()->erase();
    OpBuilder::InsertionGuard guard(n.b);
    n.b.setInsertionPointToEnd(&block);
    auto outs = importBranch(n, *g);
    if (failed(outs))
      return failure();
    n.b.create<scf::YieldOp>(n.loc, *outs);
    results.push_back(*outs);
  }
  SmallVector<Type> types;
  for (size_t i = 0; i < results[0].size(); ++i) {
    if (results[0][i].getType() != results[1][i].getType())
      return n.error("branches produce different types for output " +
                     std::to_string(i));
    types.push_back(results[0][i].getType());
  }
  auto ifOp = n.b.create<scf::IfOp>(n.loc, types, cond, /*withElse=*/true);
  ifOp.getThenRegion().takeBody(probe.getThenRegion());
  ifOp.getElseRegion().takeBody(probe.getElseRegion());
  probe.erase();
  for (auto [i, v] : llvm::enumerate(ifOp.getResults()))
    n.setOutput(i, v);
  return success();
}

} // namespace

void registerControlFlowImporters() { opImporters()["If"] = importIf; }

} // namespace qcc::onnx_import
