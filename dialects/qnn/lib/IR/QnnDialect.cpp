//===- QnnDialect.cpp - qnn dialect registration --------------------------===//

#include "qcc/Dialect/Qnn/IR/Qnn.h"

#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace qcc::qnn;

#include "qcc/Dialect/Qnn/IR/QnnOpsDialect.cpp.inc"
#include "qcc/Dialect/Qnn/IR/QnnOpsEnums.cpp.inc"

void QnnDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "qcc/Dialect/Qnn/IR/QnnOps.cpp.inc"
      >();
}

Operation *QnnDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                           Type type, Location loc) {
  if (auto typed = dyn_cast<TypedAttr>(value))
    if (typed.getType() == type)
      return arith::ConstantOp::create(builder, loc, type, typed);
  return nullptr;
}
