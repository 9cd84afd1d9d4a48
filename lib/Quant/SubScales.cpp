//===- SubScales.cpp - group scales as row scale times integer ------------===//
//
// Integer kernels (k-quant style super-blocks) store a float scale per row
// and a small unsigned sub-scale per group. For one row, sweeping
// t = max(scale) / d upward changes the rounded sub-scales one group at a
// time; every assignment met is scored with its minimax-optimal d, so the
// minimum relative error over all unclamped assignments is found exactly.
//
//===----------------------------------------------------------------------===//

#include "qcc/Quant/WeightQuantizers.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <set>

using namespace qcc::quant;

namespace {

/// For fixed sub-scales, ratios r_g = sc_g / s_g and d * sc_g ~= s_g: the d
/// minimizing max |d r_g - 1| is 2 / (rmin + rmax), leaving
/// (rmax - rmin) / (rmax + rmin).
double minimaxError(const std::multiset<double> &ratios) {
  double lo = *ratios.begin(), hi = *ratios.rbegin();
  return (hi - lo) / (hi + lo);
}

void integerizeRow(const float *s, int64_t groups, int64_t maxSub,
                   float &rowScale, int32_t *sub) {
  double smax = 0.0;
  for (int64_t g = 0; g < groups; ++g)
    smax = std::max(smax, static_cast<double>(s[g]));
  std::fill(sub, sub + groups, 1);
  if (!(smax > 0.0)) {
    rowScale = 0.0f;
    return;
  }
  // Group g's sub-scale round(t s_g / smax) steps from k to k + 1 at
  // t = (k + 0.5) smax / s_g; the sweep covers t in (0.5, maxSub + 0.5].
  std::vector<std::pair<double, int64_t>> events;
  for (int64_t g = 0; g < groups; ++g) {
    if (!(s[g] > 0.0f))
      continue;
    for (int64_t k = 1; k < maxSub; ++k) {
      double t = (static_cast<double>(k) + 0.5) * smax / s[g];
      if (t > static_cast<double>(maxSub) + 0.5)
        break;
      events.emplace_back(t, g);
    }
  }
  std::sort(events.begin(), events.end());

  std::vector<int32_t> sc(groups, 1);
  std::multiset<double> ratios;
  for (int64_t g = 0; g < groups; ++g)
    if (s[g] > 0.0f)
      ratios.insert(1.0 / s[g]);
  double bestErr = minimaxError(ratios);
  size_t bestEnd = 0; // events applied in the best assignment
  for (size_t i = 0; i < events.size();) {
    double t = events[i].first;
    for (; i < events.size() && events[i].first == t; ++i) {
      int64_t g = events[i].second;
      ratios.erase(ratios.find(sc[g] / static_cast<double>(s[g])));
      ++sc[g];
      ratios.insert(sc[g] / static_cast<double>(s[g]));
    }
    double e = minimaxError(ratios);
    if (e < bestErr) {
      bestErr = e;
      bestEnd = i;
    }
  }
  for (size_t i = 0; i < bestEnd; ++i)
    ++sub[events[i].second];
  double lo = INFINITY, hi = 0.0;
  for (int64_t g = 0; g < groups; ++g) {
    if (!(s[g] > 0.0f))
      continue;
    double r = sub[g] / static_cast<double>(s[g]);
    lo = std::min(lo, r);
    hi = std::max(hi, r);
  }
  rowScale = static_cast<float>(2.0 / (lo + hi));
}

} // namespace

IntegerizedScales qcc::quant::integerizeGroupScales(const float *scales,
                                                    int64_t rows,
                                                    int64_t groups,
                                                    int subScaleBits) {
  assert(subScaleBits >= 1 && subScaleBits <= 16 && "bad sub-scale width");
  const int64_t maxSub = (int64_t(1) << subScaleBits) - 1;
  IntegerizedScales out;
  out.rowScales.assign(rows, 0.0f);
  out.subScales.assign(rows * groups, 1);
  for (int64_t r = 0; r < rows; ++r) {
    const float *s = scales + r * groups;
    int32_t *sub = &out.subScales[r * groups];
    integerizeRow(s, groups, maxSub, out.rowScales[r], sub);
    for (int64_t g = 0; g < groups; ++g)
      if (s[g] > 0.0f)
        out.maxRelError = std::max(
            out.maxRelError,
            std::fabs(static_cast<double>(out.rowScales[r]) * sub[g] - s[g]) /
                s[g]);
  }
  return out;
}
