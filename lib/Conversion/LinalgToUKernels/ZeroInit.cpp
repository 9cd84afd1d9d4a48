//===- ZeroInit.cpp - is a kernel's output buffer zero before it runs? ----===//

#include "ZeroInit.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/ADT/SmallPtrSet.h"

using namespace mlir;

namespace {

/// The buffer `v` is a view of (through view-like ops), and every view of
/// that root: all values whose writes may change `v`'s elements.
llvm::SmallPtrSet<Value, 8> aliasesOf(Value v) {
  while (auto view = v.getDefiningOp<ViewLikeOpInterface>())
    v = view.getViewSource();
  llvm::SmallPtrSet<Value, 8> set;
  SmallVector<Value> work{v};
  while (!work.empty()) {
    Value cur = work.pop_back_val();
    if (!set.insert(cur).second)
      continue;
    for (Operation *user : cur.getUsers())
      if (auto view = dyn_cast<ViewLikeOpInterface>(user))
        if (view.getViewSource() == cur)
          for (Value r : user->getResults())
            work.push_back(r);
  }
  return set;
}

bool coversAll(Value view, const llvm::SmallPtrSet<Value, 8> &aliases) {
  auto type = dyn_cast<MemRefType>(view.getType());
  if (!type || !type.hasStaticShape())
    return false;
  for (Value a : aliases)
    if (!a.getDefiningOp<ViewLikeOpInterface>()) { // the root
      auto rt = dyn_cast<MemRefType>(a.getType());
      return rt && rt.hasStaticShape() &&
             rt.getNumElements() == type.getNumElements() &&
             (view == a || isa_and_nonnull<memref::ExpandShapeOp,
                                           memref::CollapseShapeOp>(
                               view.getDefiningOp()));
    }
  return false;
}

enum class Use { None, Read, Other };

/// How `op` (with its regions) uses any of `aliases`: only reads (a copy's
/// source, a linalg input, a view), or something that may write.
Use useOf(Operation *op, const llvm::SmallPtrSet<Value, 8> &aliases) {
  Use result = Use::None;
  op->walk([&](Operation *inner) {
    for (OpOperand &operand : inner->getOpOperands()) {
      if (!aliases.contains(operand.get()))
        continue;
      bool read = false;
      if (auto copy = dyn_cast<memref::CopyOp>(inner))
        read = operand.get() == copy.getSource() &&
               !aliases.contains(copy.getTarget());
      else if (auto linalgOp = dyn_cast<linalg::LinalgOp>(inner))
        read = linalgOp.isDpsInput(&operand);
      else if (isa<ViewLikeOpInterface>(inner))
        read = true;
      else if (isa<memref::LoadOp>(inner))
        read = true;
      if (!read) {
        result = Use::Other;
        return WalkResult::interrupt();
      }
      result = Use::Read;
    }
    return WalkResult::advance();
  });
  return result;
}

} // namespace

std::optional<qcc::ZeroInit> qcc::findZeroInit(Operation *op, Value buffer) {
  auto aliases = aliasesOf(buffer);
  ZeroInit init;
  bool readInBetween = false; // a read of `buffer` between its init and op
  bool following = true;      // still following `buffer` itself (no copy)
  for (Operation *cur = op->getPrevNode(); cur; cur = cur->getPrevNode()) {
    if (auto fill = dyn_cast<linalg::FillOp>(cur)) {
      Value out = fill.getOutputs()[0];
      if (fill.hasPureBufferSemantics() && aliases.contains(out)) {
        if (!coversAll(out, aliases) ||
            !matchPattern(fill.getInputs()[0], m_Zero()))
          return std::nullopt;
        if (following && !readInBetween && cur == op->getPrevNode())
          init.dead = cur;
        return init;
      }
    }
    if (auto copy = dyn_cast<memref::CopyOp>(cur)) {
      if (aliases.contains(copy.getTarget())) {
        if (!coversAll(copy.getTarget(), aliases) ||
            aliases.contains(copy.getSource()))
          return std::nullopt;
        if (following && !readInBetween)
          init.dead = cur;
        following = false;
        aliases = aliasesOf(copy.getSource());
        continue;
      }
    }
    switch (useOf(cur, aliases)) {
    case Use::None:
      break;
    case Use::Read:
      readInBetween |= following;
      break;
    case Use::Other:
      return std::nullopt;
    }
  }
  return std::nullopt;
}
