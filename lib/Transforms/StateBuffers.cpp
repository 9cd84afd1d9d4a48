//===- StateBuffers.cpp - inputs a model updates in place -----------------===//
//
// A model's inputs are the caller's and stay unchanged, except state: a
// result declared `qcc.state_of = "NAME"` is the new value of input NAME
// (a language model's KV cache). qcc-mark-state-inputs tells one-shot
// bufferization which arguments it may write; qcc-drop-state-results then
// removes the state results that bufferization placed in their argument's
// buffer, so the compiled graph updates that buffer in place.
//
//===----------------------------------------------------------------------===//

#include "qcc/Transforms/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "llvm/ADT/BitVector.h"

#include <optional>

namespace qcc {
#define GEN_PASS_DEF_MARKSTATEINPUTS
#define GEN_PASS_DEF_DROPSTATERESULTS
#include "qcc/Transforms/Passes.h.inc"
} // namespace qcc

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kName = "qcc.name";
constexpr llvm::StringLiteral kStateOf = "qcc.state_of";

/// How result `i` is named in diagnostics.
std::string resultName(func::FuncOp f, unsigned i) {
  if (auto n = f.getResultAttrOfType<StringAttr>(i, kName))
    return "'" + n.str() + "'";
  return "#" + std::to_string(i);
}

/// A result declared the new value of an argument (`qcc.state_of`).
struct StatePair {
  unsigned result, argument;
  StringAttr input; // the argument's name, as the attribute gives it
};

/// Every result that declares a state argument; failure after a diagnostic
/// when one names no input.
FailureOr<SmallVector<StatePair>> statePairs(func::FuncOp f) {
  SmallVector<StatePair> pairs;
  for (unsigned i = 0; i < f.getNumResults(); ++i) {
    auto of = f.getResultAttrOfType<StringAttr>(i, kStateOf);
    if (!of)
      continue;
    std::optional<unsigned> arg;
    for (unsigned j = 0; j < f.getNumArguments() && !arg; ++j)
      if (auto n = f.getArgAttrOfType<StringAttr>(j, kName); n && n == of)
        arg = j;
    if (!arg) {
      f.emitError() << "output " << resultName(f, i)
                    << " is declared the state of '" << of.getValue()
                    << "', which is no input";
      return failure();
    }
    pairs.push_back({i, *arg, of});
  }
  return pairs;
}

struct MarkStateInputsPass
    : qcc::impl::MarkStateInputsBase<MarkStateInputsPass> {
  void runOnOperation() override {
    func::FuncOp f = getOperation();
    if (f.isExternal() || f.isPrivate())
      return;
    FailureOr<SmallVector<StatePair>> pairs = statePairs(f);
    if (failed(pairs))
      return signalPassFailure();
    llvm::BitVector state(f.getNumArguments());
    for (auto [i, j, of] : *pairs) {
      if (state.test(j)) {
        f.emitError() << "input '" << of.getValue()
                      << "' is declared the state of two outputs";
        return signalPassFailure();
      }
      if (f.getArgument(j).getType() != f.getResultTypes()[i]) {
        f.emitError() << "output " << resultName(f, i) << " has type "
                      << f.getResultTypes()[i] << " but its state input '"
                      << of.getValue() << "' has type "
                      << f.getArgument(j).getType();
        return signalPassFailure();
      }
      state.set(j);
    }
    Builder b(f.getContext());
    for (unsigned j = 0; j < f.getNumArguments(); ++j)
      if (isa<TensorType>(f.getArgument(j).getType()))
        f.setArgAttr(j, bufferization::BufferizationDialect::kWritableAttrName,
                     b.getBoolAttr(state.test(j)));
  }
};

struct DropStateResultsPass
    : qcc::impl::DropStateResultsBase<DropStateResultsPass> {
  void runOnOperation() override {
    func::FuncOp f = getOperation();
    if (f.isExternal())
      return;
    llvm::BitVector drop(f.getNumResults());
    SmallVector<func::ReturnOp> returns;
    for (Block &block : f.getBody())
      if (auto ret = dyn_cast<func::ReturnOp>(block.getTerminator()))
        returns.push_back(ret);
    FailureOr<SmallVector<StatePair>> pairs = statePairs(f);
    if (failed(pairs))
      return signalPassFailure();
    for (auto [i, j, of] : *pairs) {
      for (func::ReturnOp ret : returns) {
        Value v = ret.getOperand(i);
        while (auto cast = v.getDefiningOp<memref::CastOp>())
          v = cast.getSource();
        if (v != f.getArgument(j)) {
          ret.emitError()
              << "output " << resultName(f, i) << " (the state of input '"
              << of.getValue()
              << "') is not updated in place: bufferization gave it "
                 "a buffer of its own";
          return signalPassFailure();
        }
      }
      Builder b(f.getContext());
      auto name = f.getResultAttrOfType<StringAttr>(i, kName);
      f.setArgAttr(j, "qcc.state_output",
                   name ? name : b.getStringAttr(resultName(f, i)));
      drop.set(i);
    }
    if (drop.none())
      return;
    for (func::ReturnOp ret : returns)
      for (int i = (int)drop.size() - 1; i >= 0; --i)
        if (drop.test(i))
          ret->eraseOperand(i);
    if (failed(f.eraseResults(drop)))
      return signalPassFailure();
  }
};

} // namespace
