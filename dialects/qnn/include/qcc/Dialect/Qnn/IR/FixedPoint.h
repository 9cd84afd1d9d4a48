//===- FixedPoint.h - the integer path's fixed-point arithmetic -*- C++ -*-===//
//
// The exact definitions of docs/numerics.md, shared by the compiler (which
// turns real scale ratios into multipliers) and by host-side evaluation.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_DIALECT_QNN_IR_FIXEDPOINT_H
#define QCC_DIALECT_QNN_IR_FIXEDPOINT_H

#include <cmath>
#include <cstdint>
#include <optional>

namespace qcc::qnn {

/// A real factor as multiplier * 2^-shift, multiplier in [2^30, 2^31) (or
/// smaller when shift is capped at 62), shift in [0, 62].
struct FixedPointMultiplier {
  int32_t multiplier = 0;
  int32_t shift = 0;
};

/// The representation of `real` (> 0) with `shift` as large as the
/// multiplier's range allows; std::nullopt when real >= 2^31 or is not a
/// finite non-negative number.
inline std::optional<FixedPointMultiplier> quantizeMultiplier(double real) {
  if (!(real >= 0.0) || !std::isfinite(real))
    return std::nullopt;
  if (real == 0.0)
    return FixedPointMultiplier{0, 0};
  int exponent;
  std::frexp(real, &exponent); // real = f * 2^exponent, f in [0.5, 1)
  int64_t shift = 31 - exponent;
  if (shift < 0)
    return std::nullopt;
  if (shift > 62)
    shift = 62;
  int64_t m = std::llround(std::ldexp(real, (int)shift));
  if (m == (int64_t(1) << 31)) {
    if (shift == 0)
      return std::nullopt;
    m >>= 1;
    --shift;
  }
  return FixedPointMultiplier{(int32_t)m, (int32_t)shift};
}

/// round_shift(v, n) = (v + 2^(n-1)) >> n, arithmetic; v for n = 0.
inline int64_t roundShift(int64_t v, int n) {
  if (n == 0)
    return v;
  return (v + (int64_t(1) << (n - 1))) >> n;
}

/// rescale(v, M, n) = round_shift(v * M, n).
inline int64_t rescale(int64_t v, FixedPointMultiplier m) {
  return roundShift(v * (int64_t)m.multiplier, m.shift);
}

} // namespace qcc::qnn

#endif // QCC_DIALECT_QNN_IR_FIXEDPOINT_H
