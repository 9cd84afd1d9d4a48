//===- Observers.cpp - streaming min/max, histogram, channel stats --------===//
//
// The accumulation half of TensorObserver; the ranges derived from it live in
// ObserverRanges.cpp and the JSON form in ObserverJson.cpp.
//
//===----------------------------------------------------------------------===//

#include "qcc/Quant/Observers.h"

#include <algorithm>
#include <cassert>
#include <cfloat>
#include <cmath>

using namespace qcc::quant;

const char *qcc::quant::stringifyCalibMethod(CalibMethod method) {
  switch (method) {
  case CalibMethod::MinMax:
    return "MinMax";
  case CalibMethod::Percentile:
    return "Percentile";
  case CalibMethod::Entropy:
    return "Entropy";
  case CalibMethod::Mse:
    return "Mse";
  }
  return "";
}

const std::vector<CalibMethod> &qcc::quant::allCalibMethods() {
  static const std::vector<CalibMethod> all = {
      CalibMethod::MinMax, CalibMethod::Percentile, CalibMethod::Entropy,
      CalibMethod::Mse};
  return all;
}

std::optional<CalibMethod>
qcc::quant::symbolizeCalibMethod(std::string_view name) {
  for (CalibMethod m : allCalibMethods())
    if (name == stringifyCalibMethod(m))
      return m;
  return std::nullopt;
}

TensorObserver::TensorObserver(std::string name, int64_t numBins)
    : name(std::move(name)) {
  assert(numBins >= 8 && "histogram too small to be useful");
  hist.counts.assign(numBins, 0);
}

// The lattice index of x as a double: exact (an integer below 2^53) for the
// values a histogram holds, and safe to compare for any value.
static double binPosition(float x, double width) {
  return std::floor(static_cast<double>(x) / width);
}

static int64_t binOf(float x, double width) {
  return static_cast<int64_t>(binPosition(x, width));
}

// Floor division by 2^k, also for negative lattice indices and any k.
static int64_t foldIndex(int64_t g, int k) {
  return k >= 63 ? (g < 0 ? -1 : 0) : g >> k;
}

void TensorObserver::growToCover(float lo, float hi) {
  const int64_t n = getNumBins();
  float newMin = numFinite ? std::min(lo, minValue) : lo;
  float newMax = numFinite ? std::max(hi, maxValue) : hi;
  if (hist.binWidth == 0.0) {
    // No lattice yet: every value so far equals newMin == newMax, and
    // counts[0] holds them. A single value says nothing about the scale
    // (for 0 there is none at all), so the lattice waits for the first
    // nonzero span; that span sets the resolution over n - 2 bins (floor of
    // both ends adds at most one bin), bounded below so lattice indices stay
    // far from int64 overflow.
    if (newMin == newMax)
      return;
    double mag = std::max(std::fabs(newMin), std::fabs(newMax));
    double width =
        (static_cast<double>(newMax) - newMin) / static_cast<double>(n - 2);
    width = std::max({width, mag * 0x1p-30, static_cast<double>(FLT_MIN)});
    hist.binWidth = width;
    hist.firstBin = binOf(newMin, width);
    if (numFinite) {
      uint64_t pending = hist.counts[0];
      hist.counts[0] = 0;
      hist.counts[binOf(minValue, width) - hist.firstBin] += pending;
    }
    return;
  }
  // Double the width until the occupied lattice span after adding [lo, hi]
  // fits in n bins. The test runs on doubles: at the old width, indices of
  // far-away values need not fit in an int64.
  int k = 0;
  while (binPosition(newMax, std::ldexp(hist.binWidth, k)) -
             binPosition(newMin, std::ldexp(hist.binWidth, k)) >=
         static_cast<double>(n))
    ++k;
  const double width = std::ldexp(hist.binWidth, k);
  int64_t newFirst = binOf(newMin, width);
  bool inside = newFirst >= foldIndex(hist.firstBin, k) &&
                binOf(newMax, width) < foldIndex(hist.firstBin, k) + n;
  if (k == 0 && inside)
    return;
  std::vector<uint64_t> folded(n, 0);
  for (int64_t i = 0; i < n; ++i) {
    if (!hist.counts[i])
      continue;
    int64_t j = foldIndex(hist.firstBin + i, k) - newFirst;
    assert(j >= 0 && j < n && "occupied bin outside the new window");
    folded[j] += hist.counts[i];
  }
  hist.counts = std::move(folded);
  hist.binWidth = width;
  hist.firstBin = newFirst;
}

void TensorObserver::observe(const float *data, int64_t n) {
  float lo = INFINITY, hi = -INFINITY;
  uint64_t finite = 0;
  for (int64_t i = 0; i < n; ++i) {
    float x = data[i];
    if (std::isnan(x)) {
      ++numNaN;
    } else if (std::isinf(x)) {
      ++numInf;
    } else {
      lo = std::min(lo, x);
      hi = std::max(hi, x);
      ++finite;
    }
  }
  if (!finite)
    return;
  for (CachedRange &c : rangeCache)
    c.valid = false;
  growToCover(lo, hi);
  if (!numFinite) {
    minValue = lo;
    maxValue = hi;
  } else {
    minValue = std::min(minValue, lo);
    maxValue = std::max(maxValue, hi);
  }
  numFinite += finite;
  if (hist.binWidth == 0.0) {
    hist.counts[0] += finite; // all equal to minValue == maxValue
    return;
  }
  const int64_t bins = getNumBins();
  for (int64_t i = 0; i < n; ++i) {
    float x = data[i];
    if (!std::isfinite(x))
      continue;
    int64_t j = binOf(x, hist.binWidth) - hist.firstBin;
    // Rounding of x / width cannot leave the window built from the same
    // expression, but stay safe.
    hist.counts[std::clamp<int64_t>(j, 0, bins - 1)] += 1;
  }
}

bool TensorObserver::observeChannels(const float *data, const int64_t *shape,
                                     size_t rank, int axis,
                                     std::string *error) {
  auto fail = [&](std::string msg) {
    if (error)
      *error = "observer '" + name + "': " + std::move(msg);
    return false;
  };
  int r = static_cast<int>(rank);
  if (axis < -r || axis >= r)
    return fail("channel axis " + std::to_string(axis) +
                " out of range for rank " + std::to_string(r));
  if (axis < 0)
    axis += r;
  int64_t outer = 1, inner = 1, channels = shape[axis];
  for (int i = 0; i < r; ++i) {
    if (shape[i] < 0)
      return fail("negative dimension");
    if (i < axis)
      outer *= shape[i];
    else if (i > axis)
      inner *= shape[i];
  }
  if (!channelMin.empty() &&
      (channelAxis != axis || getNumChannels() != channels))
    return fail("channel layout changed: axis " + std::to_string(axis) +
                " with " + std::to_string(channels) +
                " channels, earlier axis " + std::to_string(channelAxis) +
                " with " + std::to_string(getNumChannels()));
  if (channelMin.empty()) {
    channelAxis = axis;
    channelMin.assign(channels, INFINITY);
    channelMax.assign(channels, -INFINITY);
    channelAbsSum.assign(channels, 0.0);
    channelCount.assign(channels, 0);
  }
  observe(data, outer * channels * inner);
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t c = 0; c < channels; ++c) {
      const float *p = data + (o * channels + c) * inner;
      float lo = channelMin[c], hi = channelMax[c];
      double absSum = 0.0;
      uint64_t count = 0;
      for (int64_t i = 0; i < inner; ++i) {
        float x = p[i];
        if (!std::isfinite(x))
          continue;
        lo = std::min(lo, x);
        hi = std::max(hi, x);
        absSum += std::fabs(x);
        ++count;
      }
      channelMin[c] = lo;
      channelMax[c] = hi;
      channelAbsSum[c] += absSum;
      channelCount[c] += count;
    }
  }
  return true;
}

std::vector<float> TensorObserver::getChannelAbsMax() const {
  std::vector<float> out(channelMin.size(), 0.0f);
  for (size_t c = 0; c < out.size(); ++c)
    if (channelCount[c])
      out[c] = std::max(std::fabs(channelMin[c]), std::fabs(channelMax[c]));
  return out;
}

std::vector<float> TensorObserver::getChannelMeanAbs() const {
  std::vector<float> out(channelMin.size(), 0.0f);
  for (size_t c = 0; c < out.size(); ++c)
    if (channelCount[c])
      out[c] = static_cast<float>(channelAbsSum[c] /
                                  static_cast<double>(channelCount[c]));
  return out;
}
