//===- SmoothQuant.cpp - activation-to-weight difficulty migration --------===//
//
// SmoothQuant (Xiao et al., "SmoothQuant: Accurate and Efficient
// Post-Training Quantization for Large Language Models", 2023): per input
// channel j, s_j = max|X_j|^alpha / max|W_j|^(1 - alpha); X / s and
// W diag(s) compute the same product with activation outliers moved into
// the weights.
//
//===----------------------------------------------------------------------===//

#include "qcc/Quant/WeightQuantizers.h"

#include <algorithm>
#include <cmath>

using namespace qcc::quant;

std::vector<float> qcc::quant::inputChannelAbsMax(const float *w, int64_t rows,
                                                  int64_t cols) {
  std::vector<float> out(cols, 0.0f);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      out[c] = std::max(out[c], std::fabs(w[r * cols + c]));
  return out;
}

std::vector<float> qcc::quant::smoothQuantFactors(const float *actAbsMax,
                                                  const float *weightAbsMax,
                                                  int64_t cols, float alpha,
                                                  float minFactor) {
  std::vector<float> s(cols);
  for (int64_t c = 0; c < cols; ++c) {
    // Both maxima are clamped as the reference clamps the weight's, so a dead
    // channel does not give 0 or inf.
    double a = std::max(actAbsMax[c], minFactor);
    double b = std::max(weightAbsMax[c], minFactor);
    s[c] = std::max(
        static_cast<float>(std::pow(a, alpha) / std::pow(b, 1.0 - alpha)),
        minFactor);
  }
  return s;
}
