//===- HQQ.cpp - half-quadratic quantization ------------------------------===//
//
// HQQ (Badri & Shaji, "Half-Quadratic Quantization of Large Machine Learning
// Models", 2023): per group, minimize the lp (p < 1) norm of the weight error
// by splitting it into W_e ~= W - Q^-1(Q(W)), solved by alternating a
// generalized soft-threshold of W_e with a closed-form zero point (and here,
// optionally, scale) update. No calibration data. On an integer grid the
// float zero point found is rounded to an integer for the integer kernels,
// then codes (and scale) are refit; on a float-offset grid (Q4_1's) it is
// kept as the offset -zero * scale.
//
//===----------------------------------------------------------------------===//

#include "qcc/Quant/WeightQuantizers.h"

#include <algorithm>
#include <cmath>

using namespace qcc::quant;

namespace {

/// Proximal operator of the lp "norm", p < 1 (generalized soft threshold
/// as in the reference): sign(x) relu(|x| - |x|^(p-1) / beta).
double shrinkLp(double x, double beta, double p) {
  double ax = std::fabs(x);
  double t = ax - std::pow(ax + 1e-8, p - 1.0) / beta;
  return t > 0.0 ? std::copysign(t, x) : 0.0;
}

struct GroupFit {
  double scale, zero;
};

class GroupOptimizer {
public:
  GroupOptimizer(const float *w, int64_t n, const HQQConfig &cfg)
      : w(w), n(n), cfg(cfg), q(n), we(n, 0.0),
        qmin(cfg.quant.symmetric ? 1.0 : 0.0),
        qmax(std::ldexp(1.0, cfg.quant.bits) - 1.0) {}

  /// Codes for (scale, zero) into q; returns mean |W - Q^-1(Q(W))|.
  double assign(GroupFit f) {
    double err = 0.0;
    for (int64_t i = 0; i < n; ++i) {
      q[i] = std::clamp(std::nearbyint(w[i] / f.scale + f.zero), qmin, qmax);
      err += std::fabs(w[i] - (q[i] - f.zero) * f.scale);
    }
    return err / static_cast<double>(n);
  }

  /// The half-quadratic loop with HQQ's early stop on the mean absolute
  /// error; returns the best iterate seen.
  GroupFit optimize(GroupFit f) {
    double beta = cfg.beta, bestErr = INFINITY;
    GroupFit best = f;
    for (int it = 0; it < cfg.iterations; ++it) {
      double err = assign(f);
      if (!(err < bestErr))
        break;
      bestErr = err;
      best = f;
      for (int64_t i = 0; i < n; ++i)
        we[i] = shrinkLp(w[i] - (q[i] - f.zero) * f.scale, beta, cfg.lpNorm);
      f = update(f);
      beta *= cfg.kappa;
    }
    return best;
  }

  /// Least squares for W - W_e ~= (q - zero) * scale: the zero alone (HQQ's
  /// update, mean(q - (W - W_e) / scale)), or scale and zero jointly as a
  /// regression on the codes.
  GroupFit update(GroupFit f) const {
    const bool sym = cfg.quant.symmetric;
    double sq = 0.0, st = 0.0, sqq = 0.0, sqt = 0.0;
    for (int64_t i = 0; i < n; ++i) {
      double t = w[i] - we[i];
      sq += q[i];
      st += t;
      sqq += q[i] * q[i];
      sqt += q[i] * t;
    }
    double dn = static_cast<double>(n);
    if (cfg.optimizeScale) {
      if (sym) {
        // Zero fixed: t ~= (q - zero) * scale.
        double num = sqt - f.zero * st;
        double den = sqq - 2.0 * f.zero * sq + f.zero * f.zero * dn;
        if (den > 0.0 && num > 0.0)
          f.scale = num / den;
        return f;
      }
      double varQ = sqq - sq * sq / dn, cov = sqt - sq * st / dn;
      if (varQ > 0.0 && cov > 0.0) {
        double a = cov / varQ, b = (st - a * sq) / dn;
        f.scale = a;
        f.zero = -b / a;
      }
      return f;
    }
    if (!sym)
      f.zero = (sq - st / f.scale) / dn;
    return f;
  }

  /// With the zero point fixed, alternate codes and the least-squares scale
  /// (each step lowers the squared error), ending with codes.
  double refitScale(GroupFit f, int rounds) {
    for (int r = 0; r < rounds; ++r) {
      assign(f);
      double num = 0.0, den = 0.0;
      for (int64_t i = 0; i < n; ++i) {
        double a = q[i] - f.zero;
        num += a * w[i];
        den += a * a;
      }
      if (!(den > 0.0 && num > 0.0) || num / den == f.scale)
        break;
      f.scale = num / den;
    }
    return f.scale;
  }

  const std::vector<double> &codes() const { return q; }

private:
  const float *w;
  int64_t n;
  const HQQConfig &cfg;
  std::vector<double> q, we;
  double qmin, qmax;
};

} // namespace

QuantizedWeights qcc::quant::quantizeHQQ(const float *w, int64_t rows,
                                         int64_t cols, const HQQConfig &cfg) {
  const WeightQuantConfig &qc = cfg.quant;
  QuantizedWeights q = makeQuantizedWeights(rows, cols, qc);
  const int64_t gs = q.groupSize, groups = q.numGroups();
  const double maxq = std::ldexp(1.0, qc.bits) - 1.0;
  const bool floatOffset = qc.floatOffset && !qc.symmetric;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t g = 0; g < groups; ++g) {
      int64_t c0 = g * gs, len = std::min(cols, c0 + gs) - c0;
      const float *wg = w + r * cols + c0;
      GroupParams init = fitGroupParams(wg, len, qc);
      // The optimizer's form is w ~= (q - zero) * scale; a float-offset grid
      // is the same with zero = -offset / scale, kept unrounded.
      GroupFit start{init.scale,
                     init.zeroPoint - double(init.offset) / init.scale};
      GroupOptimizer opt(wg, len, cfg);
      GroupFit f = opt.optimize(start);
      if (!(f.scale > 0.0) || !std::isfinite(f.zero))
        f = start;
      GroupParams p;
      if (floatOffset) {
        p = roundParamsToHalf({static_cast<float>(f.scale), 0,
                               static_cast<float>(-f.zero * f.scale)});
      } else {
        f.zero = qc.symmetric ? init.zeroPoint
                              : std::clamp(std::nearbyint(f.zero), 0.0, maxq);
        if (cfg.optimizeScale)
          f.scale = opt.refitScale(f, /*rounds=*/8);
        p = {static_cast<float>(f.scale), static_cast<int32_t>(f.zero)};
      }
      q.setParams(r, g, p);
      for (int64_t i = 0; i < len; ++i)
        q.codes[r * cols + c0 + i] =
            quantizeToCode(wg[i], p, qc.bits, qc.symmetric);
    }
  }
  return q;
}
