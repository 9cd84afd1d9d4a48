//===- SparseOps.cpp - integer products with 2:4 sparse weights -----------===//
//
// qnn.matmul_sparse24_integer, by definition (docs/numerics.md):
//   acc = bias + sum_g sum_t (a[4g + p_t] - a_zp) * values[2g + t]
// modulo 2^32, with the positions p_t read nibble by nibble from the index
// bytes as they are: the interpreter does not assume the pattern is valid
// (qcc-verify-sparse-24 checks that).
//
//===----------------------------------------------------------------------===//

#include "Ops.h"
#include "qcc/Dialect/Qnn/IR/Qnn.h"

using namespace mlir;
using namespace qcc;
using namespace qcc::reference;

namespace {

FailureOr<RefTensor> matmulSparse24(qnn::MatMulSparse24IntegerOp op,
                                    Operands in) {
  for (const RefTensor *t : in)
    if (t && t->isFloat())
      return opError(op, "qnn.matmul_sparse24_integer needs integer operands");
  const RefTensor &a = *in[0], &v = *in[1], &idx = *in[2];
  const RefTensor *bias = op.getBias() ? in[3] : nullptr;
  int64_t n = v.shape()[0], half = v.shape()[1], k = 2 * half,
          ib = idx.shape()[1];
  int64_t rows = a.numElements() / k, aZp = op.getAZp();
  RefTensor out;
  out.type = op.getType();
  out.ints.resize(rows * n);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < n; ++j) {
      uint32_t s = bias ? (uint32_t)bias->ints[j] : 0;
      for (int64_t g = 0; g < k / 4; ++g) {
        unsigned nib =
            ((uint64_t)idx.ints[j * ib + g / 2] >> (4 * (g % 2))) & 15;
        for (int t = 0; t < 2; ++t) {
          int64_t pos = 4 * g + ((nib >> (2 * t)) & 3);
          s += (uint32_t)(a.ints[r * k + pos] - aZp) *
               (uint32_t)v.ints[j * half + 2 * g + t];
        }
      }
      out.ints[r * n + j] = (int32_t)s;
    }
  return out;
}

} // namespace

EvalResult reference::evalSparseOp(Operation *op, Operands in) {
  if (auto mm = dyn_cast<qnn::MatMulSparse24IntegerOp>(op))
    return matmulSparse24(mm, in);
  return std::nullopt;
}
