//===- Passes.h - qcc's linalg-level transforms -----------------*- C++ -*-===//

#ifndef QCC_TRANSFORMS_PASSES_H
#define QCC_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"

namespace qcc {

#define GEN_PASS_DECL
#include "qcc/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "qcc/Transforms/Passes.h.inc"

} // namespace qcc

#endif // QCC_TRANSFORMS_PASSES_H
