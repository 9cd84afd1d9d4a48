//===- Ops.h - op families of the reference interpreter ---------*- C++ -*-===//
//
// Private to lib/Reference: each op family (one .cpp file) evaluates the ops
// it knows and answers std::nullopt for the others, so the interpreter can
// ask the families in turn and report an op nobody knows.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_LIB_REFERENCE_OPS_H
#define QCC_LIB_REFERENCE_OPS_H

#include "qcc/Reference/Interpreter.h"

#include "mlir/IR/Operation.h"

#include <array>
#include <optional>

namespace qcc::reference {

using Operands = llvm::ArrayRef<const RefTensor *>;
/// std::nullopt: not an op of this family. failure(): a diagnostic has been
/// emitted at the op.
using EvalResult = std::optional<mlir::FailureOr<RefTensor>>;

EvalResult evalBoundaryOp(mlir::Operation *op, Operands in);
EvalResult evalIntegerOp(mlir::Operation *op, Operands in);
EvalResult evalGroupedOp(mlir::Operation *op, Operands in);
EvalResult evalBlockOp(mlir::Operation *op, Operands in);
EvalResult evalSparseOp(mlir::Operation *op, Operands in);
EvalResult evalNormOp(mlir::Operation *op, Operands in);
EvalResult evalDataMovementOp(mlir::Operation *op, Operands in);
EvalResult evalElementwiseOp(mlir::Operation *op, Operands in);
EvalResult evalPoolingOp(mlir::Operation *op, Operands in);
EvalResult evalFloatOp(mlir::Operation *op, Operands in);

/// Emits `message` at `op` and returns failure.
mlir::FailureOr<RefTensor> opError(mlir::Operation *op,
                                   const llvm::Twine &message);

/// The single result's ranked tensor type.
mlir::RankedTensorType resultType(mlir::Operation *op);

//===----------------------------------------------------------------------===//
// Index helpers
//===----------------------------------------------------------------------===//

/// Row-major strides of `shape`.
llvm::SmallVector<int64_t> stridesOf(llvm::ArrayRef<int64_t> shape);

/// Strides that read a tensor of `inShape` broadcast numpy-style to
/// `outShape` (0 along stretched and missing leading axes).
llvm::SmallVector<int64_t> broadcastStrides(llvm::ArrayRef<int64_t> inShape,
                                            llvm::ArrayRef<int64_t> outShape);

/// Calls `fn(outIndex, offsets)` for every element of `outShape` in
/// row-major order, where offsets[i] is the flat index into operand i, read
/// with `strides[i]` (one stride per output axis).
template <size_t N, typename Fn>
void forEachStrided(llvm::ArrayRef<int64_t> outShape,
                    const std::array<llvm::SmallVector<int64_t>, N> &strides,
                    Fn fn) {
  int64_t total = 1;
  for (int64_t d : outShape)
    total *= d;
  if (total == 0)
    return;
  size_t rank = outShape.size();
  llvm::SmallVector<int64_t> coord(rank, 0);
  std::array<int64_t, N> offset{};
  for (int64_t k = 0; k < total; ++k) {
    fn(k, offset);
    for (size_t d = rank; d-- > 0;) {
      if (++coord[d] < outShape[d]) {
        for (size_t i = 0; i < N; ++i)
          offset[i] += strides[i][d];
        break;
      }
      coord[d] = 0;
      for (size_t i = 0; i < N; ++i)
        offset[i] -= strides[i][d] * (outShape[d] - 1);
    }
  }
}

/// Marks a position that reads the fill value in an axis table.
constexpr int64_t kFill = INT64_MIN;

/// out[c] = src[sum_d tables[d][c[d]]] for every output coordinate c, or the
/// fill value when some table entry is kFill. Tables hold flat offsets
/// (source index times source stride) per output position of each axis;
/// transpose, slice, broadcast, pad and nearest resize are all of this form.
RefTensor gatherByAxisTables(mlir::RankedTensorType outType,
                             const RefTensor &src,
                             llvm::ArrayRef<std::vector<int64_t>> tables,
                             int64_t fillInt, double fillFloat);

/// Two's-complement arithmetic on int64 without undefined behaviour.
inline int64_t wrapAdd(int64_t a, int64_t b) {
  return (int64_t)((uint64_t)a + (uint64_t)b);
}
inline int64_t wrapSub(int64_t a, int64_t b) {
  return (int64_t)((uint64_t)a - (uint64_t)b);
}
inline int64_t wrapMul(int64_t a, int64_t b) {
  return (int64_t)((uint64_t)a * (uint64_t)b);
}

/// round_shift(v, n) of docs/numerics.md: (v + 2^(n-1)) >> n with an
/// arithmetic (flooring) shift of the 64-bit value, v for n = 0. The
/// addition wraps like the 64-bit add every backend uses.
inline int64_t roundShift(int64_t v, int64_t n) {
  if (n == 0)
    return v;
  int64_t sum = wrapAdd(v, int64_t(1) << (n - 1));
  // >> of a negative int64 is arithmetic in C++20 and on every compiler
  // qcc supports; spell the floor out anyway to stay portable.
  return sum >= 0 ? sum >> n : ~(~sum >> n);
}

/// clamp(out_zp + v, lo, hi), the add wrapping in 64 bits.
inline int64_t finishRescale(int64_t v, int64_t outZp, int64_t lo, int64_t hi) {
  int64_t y = wrapAdd(v, outZp);
  return y < lo ? lo : (y > hi ? hi : y);
}

} // namespace qcc::reference

#endif // QCC_LIB_REFERENCE_OPS_H
