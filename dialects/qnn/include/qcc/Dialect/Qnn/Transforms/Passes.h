//===- Passes.h - qnn dialect passes ----------------------------*- C++ -*-===//

#ifndef QCC_DIALECT_QNN_TRANSFORMS_PASSES_H
#define QCC_DIALECT_QNN_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"

namespace qcc::qnn {

#define GEN_PASS_DECL
#include "qcc/Dialect/Qnn/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "qcc/Dialect/Qnn/Transforms/Passes.h.inc"

} // namespace qcc::qnn

#endif // QCC_DIALECT_QNN_TRANSFORMS_PASSES_H
