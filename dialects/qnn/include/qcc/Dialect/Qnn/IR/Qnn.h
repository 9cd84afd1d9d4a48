//===- Qnn.h - qnn dialect and operators ------------------------*- C++ -*-===//
//
// Umbrella header of the qnn dialect.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_DIALECT_QNN_IR_QNN_H
#define QCC_DIALECT_QNN_IR_QNN_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
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

/// Result shape of `qnn.matmul` (numpy matmul semantics).
mlir::FailureOr<llvm::SmallVector<int64_t>>
matmulShape(std::optional<mlir::Location> loc, llvm::ArrayRef<int64_t> a,
            llvm::ArrayRef<int64_t> b);

/// Result shape of `qnn.conv` for an NC... input and FC... weights.
mlir::FailureOr<llvm::SmallVector<int64_t>>
convShape(std::optional<mlir::Location> loc, mlir::RankedTensorType in,
          mlir::RankedTensorType w, llvm::ArrayRef<int64_t> strides,
          llvm::ArrayRef<int64_t> pads, llvm::ArrayRef<int64_t> dilations,
          int64_t group);

/// Emits an error on `op` unless `actual` has the shape `expected`.
mlir::LogicalResult verifyShapeEquals(mlir::Operation *op,
                                      llvm::ArrayRef<int64_t> expected,
                                      mlir::RankedTensorType actual);

/// Emits an error on `op` unless `bias` is null or a vector of `filters`.
mlir::LogicalResult verifyBias(mlir::Operation *op, mlir::Value bias,
                               int64_t filters);

} // namespace qcc::qnn

#endif // QCC_DIALECT_QNN_IR_QNN_H
