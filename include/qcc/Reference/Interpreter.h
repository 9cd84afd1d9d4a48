//===- Interpreter.h - the integer reference interpreter --------*- C++ -*-===//
//
// Executes a qnn function (tensor types, static shapes) naively on the host.
// For the integer path it *defines* the expected results: every backend must
// reproduce, bit for bit, what this interpreter computes for
//
//   * the boundary ops `qnn.quantize` / `qnn.dequantize` (f32 arithmetic as
//     docs/numerics.md specifies) and the storage casts `quant.scast`,
//     `qnn.storage_cast` and `tensor.bitcast`;
//   * the integer-level ops `qnn.requantize`, `qnn.matmul_integer`,
//     `qnn.conv_integer`, `qnn.qadd`, `qnn.qmul`, `qnn.lut`;
//   * data movement (`reshape`, `transpose`, `broadcast`, `concat`, `slice`,
//     `gather`, `pad`, nearest `resize`), max pooling, `relu`/`clip`,
//     `cast` between integer types and integer elementwise
//     add/sub/mul/max/min (two's-complement wraparound at the element width)
//     on integer tensors.
//
// Float ops (float elementwise arithmetic, matmul, conv, softmax, ...) are
// evaluated too, so that graphs with float regions around the quantized ones
// run, but their results are NOT part of the exactness contract: the
// interpreter computes them in double precision and rounds once to the
// result type, which a vectorized kernel need not match.
//
// Any op the interpreter does not know ends the run with a diagnostic at the
// op's location; nothing is skipped silently.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_REFERENCE_INTERPRETER_H
#define QCC_REFERENCE_INTERPRETER_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Support/LLVM.h"

#include <cstdint>
#include <vector>

namespace qcc {

/// A host tensor. Integer, index and quantized elements live in `ints` (a
/// quantized tensor holds its storage integers), each read with the
/// signedness of its type: `ui8` 255 is 255, `i8` 0xff is -1, `i1` is 0 or 1.
/// Float elements live in `floats`, each exactly representable in the
/// element type (an f32 tensor holds doubles that are f32 values).
struct RefTensor {
  mlir::RankedTensorType type;
  std::vector<int64_t> ints;
  std::vector<double> floats;

  bool isFloat() const {
    return mlir::isa<mlir::FloatType>(type.getElementType());
  }
  int64_t numElements() const { return type.getNumElements(); }
  llvm::ArrayRef<int64_t> shape() const { return type.getShape(); }

  /// A tensor of `type` with every element 0.
  static RefTensor zeros(mlir::RankedTensorType type);
};

/// Width and signedness of the integers a tensor element type stores:
/// integers (i1 counts as unsigned: 0 or 1), index (64-bit signed) and
/// quantized types (their storage). std::nullopt for floats and others.
struct IntegerKind {
  unsigned width;
  bool isUnsigned;
  int64_t min() const;
  int64_t max() const;
  /// `v` modulo 2^width, read with this kind's signedness.
  int64_t wrap(int64_t v) const;
};
std::optional<IntegerKind> getIntegerKind(mlir::Type elementType);

/// `v` rounded to nearest-even in the float type `t` (exact for f64).
double roundToFloatType(double v, mlir::Type t);

/// Runs `f` (one block, ending in func.return) on `inputs`, which must have
/// the argument types exactly. Diagnostics go to the context's handler.
mlir::FailureOr<std::vector<RefTensor>>
runReference(mlir::func::FuncOp f, llvm::ArrayRef<RefTensor> inputs);

/// Reads an `ElementsAttr` constant (dense or dense_resource) of a static
/// tensor type into a RefTensor of `type` (the attribute's type unless the
/// caller reinterprets the storage, e.g. a `qnn.lut` table).
mlir::FailureOr<RefTensor> refTensorFromAttr(mlir::ElementsAttr attr,
                                             mlir::RankedTensorType type);

} // namespace qcc

#endif // QCC_REFERENCE_INTERPRETER_H
