//===- Attention.h - qnn.attention to the runtime kernel --------*- C++ -*-===//

#ifndef QCC_CONVERSION_LINALGTOUKERNELS_ATTENTION_H
#define QCC_CONVERSION_LINALGTOUKERNELS_ATTENTION_H

#include "mlir/IR/DialectRegistry.h"

namespace qcc {

/// Registers how qnn.attention bufferizes: into a freshly allocated f32
/// result and a call of the runtime's qcc_rt_attention_f32 on its operands'
/// buffers (the cache slices in place, by address and strides).
void registerAttentionBufferization(mlir::DialectRegistry &registry);

} // namespace qcc

#endif // QCC_CONVERSION_LINALGTOUKERNELS_ATTENTION_H
