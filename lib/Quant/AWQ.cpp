//===- AWQ.cpp - activation-aware weight quantization ---------------------===//
//
// AWQ (Lin et al., "AWQ: Activation-aware Weight Quantization for LLM
// Compression and Acceleration", 2023): scaling input channel j of W by
// s_j = mean|x_j|^alpha before RTN gives the salient channels (large
// activations) a finer effective grid; alpha is grid-searched on the layer
// output of an activation sample, optionally followed by a per-group search
// of how far to shrink the quantization range (auto_clip).
//
//===----------------------------------------------------------------------===//

#include "qcc/Quant/WeightQuantizers.h"

#include <algorithm>
#include <cmath>

using namespace qcc::quant;

namespace {

/// sum over samples and rows of (x_n . (a_r - b_r))^2.
double outputError(const float *x, int64_t n, const std::vector<float> &a,
                   const std::vector<float> &b, int64_t rows, int64_t cols) {
  std::vector<float> d(rows * cols);
  for (int64_t i = 0; i < rows * cols; ++i)
    d[i] = a[i] - b[i];
  double total = 0.0;
  for (int64_t s = 0; s < n; ++s) {
    const float *xs = x + s * cols;
    for (int64_t r = 0; r < rows; ++r) {
      const float *dr = &d[r * cols];
      double dot = 0.0;
      for (int64_t c = 0; c < cols; ++c)
        dot += static_cast<double>(xs[c]) * dr[c];
      total += dot * dot;
    }
  }
  return total;
}

/// Dequantized weights with column c divided by s_c: what the scaled
/// quantized layer computes on unscaled inputs.
std::vector<float> unscaledDequant(const QuantizedWeights &q,
                                   const std::vector<float> &s) {
  std::vector<float> out = q.dequantize();
  for (int64_t r = 0; r < q.rows; ++r)
    for (int64_t c = 0; c < q.cols; ++c)
      out[r * q.cols + c] /= s[c];
  return out;
}

/// AWQ's auto_clip on W diag(s) with inputs X / s: per (row, group), the
/// range shrink minimizing that group's share of the output error.
QuantizedWeights clipSearch(const std::vector<float> &ws, const float *x,
                            int64_t n, const std::vector<float> &s,
                            int64_t rows, int64_t cols, const AWQConfig &cfg) {
  const WeightQuantConfig &qc = cfg.quant;
  QuantizedWeights q = makeQuantizedWeights(rows, cols, qc);
  const int64_t gs = q.groupSize, groups = q.numGroups();
  std::vector<float> xs(n * cols);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t c = 0; c < cols; ++c)
      xs[i * cols + c] = x[i * cols + c] / s[c];
  std::vector<float> diff(gs);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t g = 0; g < groups; ++g) {
      int64_t c0 = g * gs, len = std::min(cols, c0 + gs) - c0;
      const float *wg = &ws[r * cols + c0];
      double bestErr = INFINITY;
      GroupParams best;
      for (int k = 0; k <= cfg.clipGridSteps; ++k) {
        float clip = 1.0f - cfg.maxShrink * k / cfg.clipGridSteps;
        GroupParams p = fitGroupParams(wg, len, qc, clip);
        for (int64_t i = 0; i < len; ++i) {
          uint8_t code = quantizeToCode(wg[i], p, qc.bits, qc.symmetric);
          diff[i] = wg[i] - p.dequantize(code);
        }
        double e = 0.0;
        for (int64_t t = 0; t < n; ++t) {
          const float *xt = &xs[t * cols + c0];
          double dot = 0.0;
          for (int64_t i = 0; i < len; ++i)
            dot += static_cast<double>(xt[i]) * diff[i];
          e += dot * dot;
        }
        if (e < bestErr) {
          bestErr = e;
          best = p;
        }
      }
      q.setParams(r, g, best);
      for (int64_t i = 0; i < len; ++i)
        q.codes[r * cols + c0 + i] =
            quantizeToCode(wg[i], best, qc.bits, qc.symmetric);
    }
  }
  return q;
}

} // namespace

AWQResult qcc::quant::quantizeAWQ(const float *w, int64_t rows, int64_t cols,
                                  const float *meanAbsX, const float *x,
                                  int64_t n, const AWQConfig &cfg) {
  std::vector<float> wv(w, w + rows * cols);
  AWQResult result;
  {
    QuantizedWeights rtn = quantizeRTN(w, rows, cols, cfg.quant);
    result.rtnError = outputError(x, n, wv, rtn.dequantize(), rows, cols);
  }
  result.error = INFINITY;
  const int steps = std::max(1, cfg.gridSteps);
  std::vector<float> s(cols), ws(rows * cols);
  for (int k = 0; k <= steps; ++k) {
    float alpha = static_cast<float>(k) / static_cast<float>(steps);
    float smax = 0.0f, smin = INFINITY;
    for (int64_t c = 0; c < cols; ++c) {
      // The reference clamps mean|x|^alpha at 1e-4.
      s[c] = std::max(std::pow(std::max(meanAbsX[c], 0.0f), alpha), 1e-4f);
      smax = std::max(smax, s[c]);
      smin = std::min(smin, s[c]);
    }
    float norm = std::sqrt(smax * smin);
    for (int64_t c = 0; c < cols; ++c) {
      s[c] /= norm;
      if (!cfg.minScale.empty())
        s[c] = std::max(s[c], cfg.minScale[c]);
    }
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c)
        ws[r * cols + c] = w[r * cols + c] * s[c];
    QuantizedWeights q = quantizeRTN(ws.data(), rows, cols, cfg.quant);
    double e = outputError(x, n, wv, unscaledDequant(q, s), rows, cols);
    if (e < result.error) {
      result.error = e;
      result.alpha = alpha;
      result.channelScales = s;
      result.weights = std::move(q);
    }
  }
  if (cfg.clipSearch && cfg.clipGridSteps > 0) {
    const std::vector<float> &sb = result.channelScales;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c)
        ws[r * cols + c] = w[r * cols + c] * sb[c];
    QuantizedWeights q = clipSearch(ws, x, n, sb, rows, cols, cfg);
    // Groups are searched independently; keep the result only if the whole
    // layer's error agrees.
    double e = outputError(x, n, wv, unscaledDequant(q, sb), rows, cols);
    if (e < result.error) {
      result.error = e;
      result.weights = std::move(q);
    }
  }
  return result;
}
