//===- Qnn.h - qnn dialect and operators ------------------------*- C++ -*-===//
//
// Umbrella header of the qnn dialect.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_DIALECT_QNN_IR_QNN_H
#define QCC_DIALECT_QNN_IR_QNN_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "qcc/Dialect/Qnn/IR/QnnOpsDialect.h.inc"
#include "qcc/Dialect/Qnn/IR/QnnOpsEnums.h.inc"

#define GET_OP_CLASSES
#include "qcc/Dialect/Qnn/IR/QnnOps.h.inc"

namespace qcc::qnn {

/// Numpy broadcast of two static shapes; failure if they are incompatible.
mlir::FailureOr<llvm::SmallVector<int64_t>>
broadcastShapes(llvm::ArrayRef<int64_t> a, llvm::ArrayRef<int64_t> b);

} // namespace qcc::qnn

#endif // QCC_DIALECT_QNN_IR_QNN_H
