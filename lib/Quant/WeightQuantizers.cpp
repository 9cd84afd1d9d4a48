//===- WeightQuantizers.cpp - group parameters, codes and RTN -------------===//
//
// The pieces every weight quantizer shares: configuration checks, min/max
// group parameters, rounding to codes, dequantization, and round-to-nearest
// itself.
//
//===----------------------------------------------------------------------===//

#include "qcc/Quant/WeightQuantizers.h"
#include "qcc/Quant/BlockEncoders.h"

#include <algorithm>
#include <cassert>
#include <cmath>

using namespace qcc::quant;

std::string qcc::quant::verifyWeightQuantConfig(const WeightQuantConfig &cfg,
                                                int64_t cols) {
  if (cfg.bits < 2 || cfg.bits > 8)
    return "weight bits must be in [2, 8], got " + std::to_string(cfg.bits);
  if (cols <= 0)
    return "weight matrix has no columns";
  return "";
}

GroupParams qcc::quant::fitGroupParams(const float *w, int64_t n, int bits,
                                       bool symmetric, float clip) {
  GroupParams p;
  if (symmetric) {
    float amax = 0.0f;
    for (int64_t i = 0; i < n; ++i)
      amax = std::max(amax, std::fabs(w[i]));
    amax *= clip;
    if (amax == 0.0f)
      amax = 1.0f;
    p.scale = amax / static_cast<float>((1 << (bits - 1)) - 1);
    p.zeroPoint = 1 << (bits - 1);
    return p;
  }
  // The range contains 0 so the integer zero point is a valid code and 0 is
  // exact; an all-zero group gets [-1, 1] as in the GPTQ reference.
  float lo = 0.0f, hi = 0.0f;
  for (int64_t i = 0; i < n; ++i) {
    lo = std::min(lo, w[i]);
    hi = std::max(hi, w[i]);
  }
  lo *= clip;
  hi *= clip;
  if (lo == hi) {
    lo = -1.0f;
    hi = 1.0f;
  }
  float maxq = static_cast<float>((1 << bits) - 1);
  p.scale = (hi - lo) / maxq;
  p.zeroPoint = static_cast<int32_t>(
      std::clamp(std::nearbyint(-lo / p.scale), 0.0f, maxq));
  return p;
}

GroupParams qcc::quant::roundParamsToHalf(GroupParams p) {
  p.scale = halfBitsToFloat(floatToHalfBits(p.scale));
  if (!(p.scale > 0.0f) || !std::isfinite(p.scale))
    p.scale = 0x1p-14f;
  p.offset = halfBitsToFloat(floatToHalfBits(p.offset));
  return p;
}

GroupParams qcc::quant::fitGroupParams(const float *w, int64_t n,
                                       const WeightQuantConfig &cfg,
                                       float clip) {
  if (cfg.symmetric || !cfg.floatOffset)
    return fitGroupParams(w, n, cfg.bits, cfg.symmetric, clip);
  // Q4_1's grid: code 0 at the minimum, 2^bits - 1 at the maximum.
  float lo = INFINITY, hi = -INFINITY;
  for (int64_t i = 0; i < n; ++i) {
    lo = std::min(lo, w[i]);
    hi = std::max(hi, w[i]);
  }
  lo *= clip;
  hi *= clip;
  GroupParams p;
  float maxq = static_cast<float>((1 << cfg.bits) - 1);
  // A constant group is exact at code 0 whatever the scale; its scale only
  // matters to later (error-updated) values, so give it the value's size.
  p.scale = hi > lo ? (hi - lo) / maxq : std::fabs(lo) / maxq;
  p.offset = lo;
  p.zeroPoint = 0;
  return roundParamsToHalf(p);
}

uint8_t qcc::quant::quantizeToCode(float x, GroupParams p, int bits,
                                   bool symmetric) {
  // nearbyint in the default rounding mode rounds half to even. The offset
  // is 0 except on float-offset grids (x - 0 is x: integer grids unchanged).
  float q = std::nearbyint((x - p.offset) / p.scale) +
            static_cast<float>(p.zeroPoint);
  float lo = symmetric ? 1.0f : 0.0f;
  float hi = static_cast<float>((1 << bits) - 1);
  return static_cast<uint8_t>(std::clamp(q, lo, hi));
}

float QuantizedWeights::dequantize(int64_t row, int64_t col) const {
  return params(row, col / groupSize).dequantize(codes[row * cols + col]);
}

std::vector<float> QuantizedWeights::dequantize() const {
  std::vector<float> out(rows * cols);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      out[r * cols + c] = dequantize(r, c);
  return out;
}

QuantizedWeights
qcc::quant::makeQuantizedWeights(int64_t rows, int64_t cols,
                                 const WeightQuantConfig &cfg) {
  assert(verifyWeightQuantConfig(cfg, cols).empty() && "bad config");
  QuantizedWeights q;
  q.rows = rows;
  q.cols = cols;
  q.groupSize =
      cfg.groupSize <= 0 || cfg.groupSize >= cols ? cols : cfg.groupSize;
  q.bits = cfg.bits;
  q.symmetric = cfg.symmetric;
  q.codes.assign(rows * cols, 0);
  q.scales.assign(rows * q.numGroups(), 1.0f);
  q.zeroPoints.assign(rows * q.numGroups(), 0);
  if (cfg.floatOffset && !cfg.symmetric)
    q.offsets.assign(rows * q.numGroups(), 0.0f);
  return q;
}

QuantizedWeights qcc::quant::quantizeRTN(const float *w, int64_t rows,
                                         int64_t cols,
                                         const WeightQuantConfig &cfg) {
  QuantizedWeights q = makeQuantizedWeights(rows, cols, cfg);
  const int64_t groups = q.numGroups();
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t g = 0; g < groups; ++g) {
      int64_t c0 = g * q.groupSize, c1 = std::min(cols, c0 + q.groupSize);
      const float *row = w + r * cols;
      GroupParams p = fitGroupParams(row + c0, c1 - c0, cfg);
      q.setParams(r, g, p);
      for (int64_t c = c0; c < c1; ++c)
        q.codes[r * cols + c] =
            quantizeToCode(row[c], p, cfg.bits, cfg.symmetric);
    }
  }
  return q;
}
