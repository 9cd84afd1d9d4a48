//===- QnnConstantEval.h - evaluate qnn ops on constants --------*- C++ -*-===//

#ifndef QCC_DIALECT_QNN_IR_QNNCONSTANTEVAL_H
#define QCC_DIALECT_QNN_IR_QNNCONSTANTEVAL_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Operation.h"

namespace qcc::qnn {

/// Evaluates a qnn op whose operands are all constants (`operands`, in
/// order) on the host. Covers the ops that shape computations use
/// (elementwise arithmetic and comparisons, casts, reshapes, transposes,
/// concatenation, slices, gathers, reductions). Fails for other ops and for
/// results larger than `maxElements`.
mlir::FailureOr<mlir::DenseElementsAttr>
evaluateOnConstants(mlir::Operation *op,
                    llvm::ArrayRef<mlir::DenseElementsAttr> operands,
                    int64_t maxElements = 1 << 16);

} // namespace qcc::qnn

#endif // QCC_DIALECT_QNN_IR_QNNCONSTANTEVAL_H
