//===- ZeroInit.h - is a kernel's output buffer zero before it runs? ------===//
//
// The integer contractions on buffers accumulate into a zero-initialized
// i32 output. Once CSE has merged their zero-filled init tensors, one-shot
// bufferization leaves the fill far from the contraction (its output reuses
// the filled buffer, or copies it). The runtime kernels overwrite their
// output, so they may replace a contraction only when that output provably
// holds zeros; this finds the initialization.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_LIB_CONVERSION_LINALGTOUKERNELS_ZEROINIT_H
#define QCC_LIB_CONVERSION_LINALGTOUKERNELS_ZEROINIT_H

#include "mlir/IR/Operation.h"

#include <optional>

namespace qcc {

struct ZeroInit {
  /// A fill or copy that only initializes `buffer` for `op`: dead once a
  /// kernel that overwrites the buffer replaces `op` (null if there is none
  /// or it has other readers).
  mlir::Operation *dead = nullptr;
};

/// Whether every element of `buffer` is 0 when `op` runs: scanning back
/// through `op`'s block, a linalg.fill of zero reaches it (possibly through
/// memref.copy into it) with no write to any view of the buffers involved
/// in between. Conservative: any other use that may write fails.
std::optional<ZeroInit> findZeroInit(mlir::Operation *op, mlir::Value buffer);

} // namespace qcc

#endif // QCC_LIB_CONVERSION_LINALGTOUKERNELS_ZEROINIT_H
