//===- BlockLinear.h - qnn.block_linear to the runtime kernel ---*- C++ -*-===//

#ifndef QCC_CONVERSION_LINALGTOUKERNELS_BLOCKLINEAR_H
#define QCC_CONVERSION_LINALGTOUKERNELS_BLOCKLINEAR_H

#include "mlir/IR/DialectRegistry.h"

namespace qcc {

/// Registers how qnn.block_linear bufferizes: into a freshly allocated f32
/// result and a call of the runtime's qcc_rt_block_linear on its operands'
/// buffers (the weight bytes are the constant global itself).
void registerBlockLinearBufferization(mlir::DialectRegistry &registry);

} // namespace qcc

#endif // QCC_CONVERSION_LINALGTOUKERNELS_BLOCKLINEAR_H
