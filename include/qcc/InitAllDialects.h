//===- InitAllDialects.h - every dialect qcc uses ---------------*- C++ -*-===//

#ifndef QCC_INITALLDIALECTS_H
#define QCC_INITALLDIALECTS_H

#include "mlir/IR/DialectRegistry.h"

namespace qcc {

/// Registers qcc's dialects and the upstream dialects its pipelines use,
/// with their external models (bufferization, LLVM translation).
void registerAllDialects(mlir::DialectRegistry &registry);

} // namespace qcc

#endif // QCC_INITALLDIALECTS_H
