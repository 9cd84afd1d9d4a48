//===- ObserverRanges.cpp - clipping ranges from observed statistics ------===//
//
// MinMax, Percentile, Entropy (KL divergence, as TensorRT and onnxruntime
// calibrate) and Mse (expected quantization plus clipping error) ranges of a
// TensorObserver. All but MinMax read the histogram and treat each bin's mass
// as uniform across the bin.
//
//===----------------------------------------------------------------------===//

#include "qcc/Quant/Observers.h"

#include <algorithm>
#include <cassert>
#include <cmath>

using namespace qcc::quant;

namespace {

/// Contiguous bins [origin + i * width, origin + (i + 1) * width).
struct Bins {
  double origin = 0.0;
  double width = 0.0;
  std::vector<double> counts;
};

Bins signedBins(const Histogram &h) {
  Bins b;
  b.origin = h.lowerEdge(0);
  b.width = h.binWidth;
  b.counts.assign(h.counts.begin(), h.counts.end());
  return b;
}

/// The histogram of |x|: lattice bin g < 0 holds [g w, (g + 1) w), whose
/// mirror is abs bin -g - 1. Data far from 0 would give a long, mostly empty
/// abs histogram, so it is folded (exactly, on the lattice) to at most
/// 2 * numBins bins.
Bins absBins(const Histogram &h) {
  const int64_t n = static_cast<int64_t>(h.counts.size());
  int64_t maxIndex = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (!h.counts[i])
      continue;
    int64_t g = h.firstBin + i;
    maxIndex = std::max(maxIndex, g < 0 ? -g - 1 : g);
  }
  int k = 0;
  while ((maxIndex >> k) + 1 > 2 * n)
    ++k;
  Bins b;
  b.width = std::ldexp(h.binWidth, k);
  b.counts.assign((maxIndex >> k) + 1, 0.0);
  for (int64_t i = 0; i < n; ++i) {
    if (!h.counts[i])
      continue;
    int64_t g = h.firstBin + i;
    b.counts[(g < 0 ? -g - 1 : g) >> k] += static_cast<double>(h.counts[i]);
  }
  return b;
}

double totalCount(const Bins &b) {
  double t = 0.0;
  for (double c : b.counts)
    t += c;
  return t;
}

/// The q-quantile (q in [0, 1]), interpolating linearly inside a bin.
double quantile(const Bins &b, double q) {
  double target = q * totalCount(b), cum = 0.0;
  for (size_t i = 0; i < b.counts.size(); ++i) {
    double c = b.counts[i];
    if (c > 0.0 && cum + c >= target)
      return b.origin + (static_cast<double>(i) + (target - cum) / c) * b.width;
    cum += c;
  }
  return b.origin + static_cast<double>(b.counts.size()) * b.width;
}

//===----------------------------------------------------------------------===//
// Entropy
//===----------------------------------------------------------------------===//

/// MXNet/onnxruntime smoothing: give empty bins eps counts, taken evenly from
/// the others, so KL(P || Q) stays finite. False if that is impossible.
bool smooth(std::vector<double> &p, double eps = 1e-4) {
  size_t zeros = std::count(p.begin(), p.end(), 0.0);
  size_t nonzeros = p.size() - zeros;
  if (!nonzeros)
    return false;
  double take =
      eps * static_cast<double>(zeros) / static_cast<double>(nonzeros);
  for (double &v : p) {
    v = v == 0.0 ? eps : v - take;
    if (v <= 0.0)
      return false;
  }
  return true;
}

/// Buffers klForThreshold reuses across thresholds.
struct KlScratch {
  std::vector<double> p, q, bucketSum, bucketNonzero;
  std::vector<int64_t> bucket;
};

/// KL(P || Q) for the clipping threshold at bin `i` of the |x| histogram, as
/// in TensorRT's calibrator: P is bins [0, i) with the clipped mass added to
/// its last bin; Q merges the unclipped bins [0, i) into `levels` buckets and
/// spreads each bucket evenly over its bins where P is non-zero. Returns
/// +inf when undefined.
double klForThreshold(const std::vector<double> &bins, double outliers,
                      int64_t i, int64_t levels, KlScratch &s) {
  std::vector<double> &p = s.p, &q = s.q;
  p.assign(bins.begin(), bins.begin() + i);
  p[i - 1] += outliers;
  s.bucketSum.assign(levels, 0.0);
  s.bucketNonzero.assign(levels, 0.0);
  s.bucket.resize(i);
  // Bin j goes to bucket floor(j * levels / i), stepped without a division:
  // j * levels = l * i + rem with 0 <= rem < i.
  for (int64_t j = 0, l = 0, rem = 0; j < i; ++j) {
    s.bucket[j] = l;
    s.bucketSum[l] += bins[j];
    s.bucketNonzero[l] += p[j] != 0.0 ? 1.0 : 0.0;
    for (rem += levels; rem >= i; rem -= i)
      ++l;
  }
  q.assign(i, 0.0);
  for (int64_t j = 0; j < i; ++j)
    if (p[j] != 0.0)
      q[j] = s.bucketSum[s.bucket[j]] / s.bucketNonzero[s.bucket[j]];
  if (!smooth(p) || !smooth(q))
    return INFINITY;
  double sp = 0.0, sq = 0.0;
  for (int64_t j = 0; j < i; ++j) {
    sp += p[j];
    sq += q[j];
  }
  double kl = 0.0;
  for (int64_t j = 0; j < i; ++j) {
    double pj = p[j] / sp, qj = q[j] / sq;
    kl += pj * std::log(pj / qj);
  }
  return kl;
}

Range entropyRange(const TensorObserver &obs, const CalibOptions &opts) {
  bool sym = obs.getMin() < 0.0f || opts.symmetric;
  int64_t levels = int64_t(1) << (sym ? opts.bits - 1 : opts.bits);
  float amax = std::max(std::fabs(obs.getMin()), std::fabs(obs.getMax()));
  Bins b = absBins(obs.getHistogram());
  int64_t nb = static_cast<int64_t>(b.counts.size());
  double t = amax;
  if (nb > levels) {
    std::vector<double> suffix(nb + 1, 0.0);
    for (int64_t j = nb - 1; j >= 0; --j)
      suffix[j] = suffix[j + 1] + b.counts[j];
    double best = INFINITY;
    KlScratch scratch;
    for (int64_t i = levels; i <= nb; ++i) {
      double kl = klForThreshold(b.counts, suffix[i], i, levels, scratch);
      if (kl < best) {
        best = kl;
        t = std::min<double>(static_cast<double>(i) * b.width, amax);
      }
    }
  }
  float tf = static_cast<float>(t);
  return sym ? Range{-tf, tf} : Range{0.0f, tf};
}

//===----------------------------------------------------------------------===//
// Mse
//===----------------------------------------------------------------------===//

/// An affine integer quantizer x -> (clamp(round(x / scale) + zp) - zp) *
/// scale over codes [qmin, qmax].
struct Quantizer {
  double scale;
  double zp;
  double qmin, qmax;
};

/// Integral of (x - c)^2 over [a, b].
double squaredErrorIntegral(double a, double b, double c) {
  double ea = a - c, eb = b - c;
  return (eb * eb * eb - ea * ea * ea) / 3.0;
}

/// The occupied bins of `bins` with their edges, in order: what every
/// expectedError call of a search walks.
struct OccupiedBins {
  double width;
  std::vector<double> count, a, b;
  explicit OccupiedBins(const Bins &bins) : width(bins.width) {
    for (size_t i = 0; i < bins.counts.size(); ++i) {
      if (bins.counts[i] == 0.0)
        continue;
      count.push_back(bins.counts[i]);
      a.push_back(bins.origin + static_cast<double>(i) * bins.width);
      b.push_back(a.back() + bins.width);
    }
  }
};

/// Mean squared error of `q` over all histogram mass, each bin uniform.
double expectedError(const OccupiedBins &bins, const Quantizer &q) {
  double err = 0.0, total = 0.0;
  for (size_t i = 0; i < bins.count.size(); ++i) {
    double count = bins.count[i];
    total += count;
    double a = bins.a[i], b = bins.b[i];
    // Walk the codes whose decision cells intersect [a, b].
    double ka =
        std::clamp(std::floor(a / q.scale + q.zp + 0.5), q.qmin, q.qmax);
    double kb =
        std::clamp(std::floor(b / q.scale + q.zp + 0.5), q.qmin, q.qmax);
    double binErr = 0.0;
    for (double k = ka; k <= kb; k += 1.0) {
      double lo = k == q.qmin ? a : std::max(a, (k - 0.5 - q.zp) * q.scale);
      double hi = k == q.qmax ? b : std::min(b, (k + 0.5 - q.zp) * q.scale);
      if (hi > lo)
        binErr += squaredErrorIntegral(lo, hi, (k - q.zp) * q.scale);
    }
    err += count * binErr / bins.width;
  }
  return total > 0.0 ? err / total : 0.0;
}

double symmetricError(const OccupiedBins &absBins, double t, int bits) {
  double qmax = std::ldexp(1.0, bits - 1) - 1.0;
  return expectedError(absBins, {t / qmax, 0.0, -qmax, qmax});
}

double asymmetricError(const OccupiedBins &bins, double lo, double hi,
                       int bits) {
  double maxq = std::ldexp(1.0, bits) - 1.0;
  double scale = (hi - lo) / maxq;
  double zp = std::clamp(std::nearbyint(-lo / scale), 0.0, maxq);
  return expectedError(bins, {scale, zp, 0.0, maxq});
}

/// Minimizes f over (0, limit] (or [limit, 0)): a grid, then a finer grid
/// around the best point.
template <typename F> double searchClip(double limit, F f) {
  const int coarse = 256, fine = 64;
  double best = limit, bestErr = f(limit);
  for (int k = 1; k < coarse; ++k) {
    double v = limit * k / coarse, e = f(v);
    if (e < bestErr) {
      bestErr = e;
      best = v;
    }
  }
  double step = limit / coarse, center = best;
  for (int k = -fine; k <= fine; ++k) {
    double v = center + step * k / fine;
    if (v * limit <= 0.0 || std::fabs(v) > std::fabs(limit))
      continue;
    double e = f(v);
    if (e < bestErr) {
      bestErr = e;
      best = v;
    }
  }
  return best;
}

Range mseRange(const TensorObserver &obs, const CalibOptions &opts) {
  const Histogram &h = obs.getHistogram();
  if (opts.symmetric) {
    double amax = std::max(std::fabs(obs.getMin()), std::fabs(obs.getMax()));
    if (amax == 0.0)
      return {};
    OccupiedBins b(absBins(h));
    float t = static_cast<float>(searchClip(
        amax, [&](double t) { return symmetricError(b, t, opts.bits); }));
    return {-t, t};
  }
  // The integer zero point needs 0 inside the range; coordinate descent on
  // the two ends.
  double lo0 = std::min(0.0f, obs.getMin()), hi0 = std::max(0.0f, obs.getMax());
  if (lo0 == hi0)
    return {};
  OccupiedBins b(signedBins(h));
  double lo = lo0, hi = hi0;
  // A search whose fixed end is the one the previous search on its side had
  // returns that search's result again; skip it (the bulk of the time).
  double hiSearchedAt = NAN, loSearchedAt = NAN;
  for (int round = 0; round < 3; ++round) {
    double oldLo = lo, oldHi = hi;
    if (hi0 > 0.0 && lo != hiSearchedAt) {
      hiSearchedAt = lo;
      hi = searchClip(
          hi0, [&](double v) { return asymmetricError(b, lo, v, opts.bits); });
    }
    if (lo0 < 0.0 && hi != loSearchedAt) {
      loSearchedAt = hi;
      lo = searchClip(
          lo0, [&](double v) { return asymmetricError(b, v, hi, opts.bits); });
    }
    if (lo == oldLo && hi == oldHi)
      break;
  }
  return {static_cast<float>(lo), static_cast<float>(hi)};
}

} // namespace

Range TensorObserver::computeRange(CalibMethod method,
                                   const CalibOptions &opts) const {
  assert(opts.bits >= 2 && opts.bits <= 16 && "unsupported bit width");
  if (!numFinite)
    return {};
  CachedRange &cached = rangeCache[static_cast<int>(method)];
  if (cached.valid && cached.opts == opts)
    return cached.range;
  cached.range = computeRangeUncached(method, opts);
  cached.opts = opts;
  cached.valid = true;
  return cached.range;
}

Range TensorObserver::computeRangeUncached(CalibMethod method,
                                           const CalibOptions &opts) const {
  float amax = std::max(std::fabs(minValue), std::fabs(maxValue));
  if (minValue == maxValue) {
    // A constant tensor: nothing to clip, and its histogram (none, or one
    // occupied bin) says nothing more than min/max.
    float c = minValue;
    if (c == 0.0f)
      return {};
    bool zeroInside = method == CalibMethod::Entropy || method == CalibMethod::Mse;
    bool sym = opts.symmetric || (method == CalibMethod::Entropy && c < 0.0f);
    if (sym)
      return {-amax, amax};
    if (zeroInside)
      return {std::min(c, 0.0f), std::max(c, 0.0f)};
    return {c, c};
  }
  switch (method) {
  case CalibMethod::MinMax:
    return opts.symmetric ? Range{-amax, amax} : Range{minValue, maxValue};
  case CalibMethod::Percentile: {
    double p = std::clamp(opts.percentile, 0.0, 100.0) / 100.0;
    if (opts.symmetric) {
      float t = static_cast<float>(
          std::min<double>(quantile(absBins(hist), p), amax));
      return {-t, t};
    }
    Bins b = signedBins(hist);
    double lo = std::max<double>(quantile(b, 1.0 - p), minValue);
    double hi = std::min<double>(quantile(b, p), maxValue);
    return {static_cast<float>(lo), static_cast<float>(std::max(lo, hi))};
  }
  case CalibMethod::Entropy:
    return entropyRange(*this, opts);
  case CalibMethod::Mse:
    return mseRange(*this, opts);
  }
  return {};
}
