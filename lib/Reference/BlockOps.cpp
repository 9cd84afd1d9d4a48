//===- BlockOps.cpp - products with block-quantized weights ---------------===//
//
// qnn.block_linear by its definition (qcc/Reference/BlockLinear.h): the
// activation codes, exact integer block sums, block terms summed in double
// and rounded once to f32.
//
//===----------------------------------------------------------------------===//

#include "Ops.h"
#include "qcc/Dialect/Qnn/IR/Qnn.h"
#include "qcc/Reference/BlockLinear.h"

using namespace mlir;
using namespace qcc;
using namespace qcc::reference;

EvalResult reference::evalBlockOp(Operation *op, Operands in) {
  auto linear = dyn_cast<qnn::BlockLinearOp>(op);
  if (!linear)
    return std::nullopt;
  const RefTensor &x = *in[0], &w = *in[1];
  int64_t t = x.shape()[0], k = x.shape()[1], n = w.shape()[0];
  std::vector<float> xf(x.floats.begin(), x.floats.end());
  std::vector<uint8_t> bytes(w.ints.size());
  for (size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = static_cast<uint8_t>(w.ints[i]);
  int format = static_cast<int>(linear.getFormat());
  if (linear.getRowInterleave() == 8)
    bytes = deinterleaveRows8(format, n, k, bytes.data());
  std::vector<float> y(t * n);
  blockLinear(format, t, n, k, xf.data(),
              bytes.data(), y.data(), nullptr);
  RefTensor out;
  out.type = linear.getType();
  out.floats.assign(y.begin(), y.end());
  return FailureOr<RefTensor>(std::move(out));
}
