//===- ObserversTest.cpp - calibration observers against references -------===//
//
// Histogram growth against direct binning, ranges against closed forms
// (Gaussian quantiles, the MSE-optimal Gaussian clip by numerical
// integration), the KL search against a brute-force re-implementation, and
// the JSON form.
//
//===----------------------------------------------------------------------===//

#include "qcc/Quant/Observers.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <map>
#include <random>
#include <vector>

using namespace qcc::quant;

namespace {

std::vector<float> gaussian(int64_t n, float sigma, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, sigma);
  std::vector<float> v(n);
  for (float &x : v)
    x = dist(rng);
  return v;
}

std::vector<float> uniform(int64_t n, float lo, float hi, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float &x : v)
    x = dist(rng);
  return v;
}

TensorObserver observeAll(const std::vector<float> &v, int64_t chunk = 4096) {
  TensorObserver obs("t");
  for (size_t i = 0; i < v.size(); i += chunk)
    obs.observe(v.data() + i,
                std::min<int64_t>(chunk, static_cast<int64_t>(v.size() - i)));
  return obs;
}

//===----------------------------------------------------------------------===//
// Accumulation
//===----------------------------------------------------------------------===//

TEST(TensorObserver, GrowthEqualsDirectBinningAtFinalWidth) {
  std::vector<float> all;
  TensorObserver obs("x", 256);
  // Each batch widens the range on one side or both, forcing folds and
  // window shifts.
  for (auto [lo, hi] : std::vector<std::pair<float, float>>{
           {-1, 1}, {-5, 3}, {-0.1f, 40}, {39, 41}, {-300, -200}}) {
    std::vector<float> v = uniform(3000, lo, hi, static_cast<unsigned>(hi));
    obs.observe(v.data(), v.size());
    all.insert(all.end(), v.begin(), v.end());
  }
  const Histogram &h = obs.getHistogram();
  ASSERT_EQ(h.counts.size(), 256u);
  std::map<int64_t, uint64_t> direct;
  for (float x : all)
    ++direct[static_cast<int64_t>(std::floor(double(x) / h.binWidth))];
  for (int64_t i = 0; i < 256; ++i) {
    auto it = direct.find(h.firstBin + i);
    EXPECT_EQ(h.counts[i], it == direct.end() ? 0u : it->second) << i;
    if (it != direct.end())
      direct.erase(it);
  }
  EXPECT_TRUE(direct.empty()) << "values outside the histogram window";
  EXPECT_EQ(obs.getNumFinite(), all.size());
  EXPECT_EQ(obs.getMin(), *std::min_element(all.begin(), all.end()));
  EXPECT_EQ(obs.getMax(), *std::max_element(all.begin(), all.end()));
}

TEST(TensorObserver, NonFiniteValuesAreCountedAndIgnored) {
  TensorObserver obs("x");
  std::vector<float> v = {1.0f, NAN, INFINITY, -2.0f, -INFINITY, NAN, 0.5f};
  obs.observe(v.data(), v.size());
  EXPECT_EQ(obs.getNumNaN(), 2u);
  EXPECT_EQ(obs.getNumInf(), 2u);
  EXPECT_EQ(obs.getNumFinite(), 3u);
  EXPECT_EQ(obs.getMin(), -2.0f);
  EXPECT_EQ(obs.getMax(), 1.0f);
  Range r = obs.computeRange(CalibMethod::MinMax);
  EXPECT_EQ(r.min, -2.0f);
  EXPECT_EQ(r.max, 1.0f);
  TensorObserver empty("e");
  std::vector<float> nans = {NAN, NAN};
  empty.observe(nans.data(), nans.size());
  EXPECT_EQ(empty.computeRange(CalibMethod::Entropy).max, 0.0f);
}

TEST(TensorObserver, PerChannelStatistics) {
  const std::vector<int64_t> shape = {2, 3, 4, 5};
  std::vector<float> v = gaussian(2 * 3 * 4 * 5, 1.0f, 7);
  v[3] = NAN; // ignored per channel too
  for (int axis : {1, -3}) {
    TensorObserver obs("x");
    std::string err;
    ASSERT_TRUE(obs.observeChannels(v.data(), shape, axis, &err)) << err;
    ASSERT_TRUE(obs.observeChannels(v.data(), shape, axis, &err)) << err;
    ASSERT_EQ(obs.getNumChannels(), 3);
    std::vector<float> meanAbs = obs.getChannelMeanAbs();
    std::vector<float> absMax = obs.getChannelAbsMax();
    for (int c = 0; c < 3; ++c) {
      float lo = INFINITY, hi = -INFINITY, amax = 0.0f;
      double sum = 0.0;
      int count = 0;
      for (int n = 0; n < 2; ++n)
        for (int i = 0; i < 20; ++i) {
          float x = v[(n * 3 + c) * 20 + i];
          if (std::isnan(x))
            continue;
          lo = std::min(lo, x);
          hi = std::max(hi, x);
          amax = std::max(amax, std::fabs(x));
          sum += std::fabs(x);
          ++count;
        }
      EXPECT_EQ(obs.getChannelMin()[c], lo);
      EXPECT_EQ(obs.getChannelMax()[c], hi);
      EXPECT_EQ(absMax[c], amax);
      EXPECT_NEAR(meanAbs[c], sum / count, 1e-6);
    }
    EXPECT_EQ(obs.getNumFinite(), 2u * (v.size() - 1));
    EXPECT_FALSE(obs.observeChannels(v.data(), {2, 4, 3, 5}, axis, &err));
    EXPECT_NE(err.find("channel layout changed"), std::string::npos) << err;
    EXPECT_FALSE(obs.observeChannels(v.data(), shape, 4, &err));
  }
}

/// Every count of `h` against binning `all` directly at its final width.
void expectDirectBinning(const TensorObserver &obs,
                         const std::vector<float> &all) {
  const Histogram &h = obs.getHistogram();
  ASSERT_GT(h.binWidth, 0.0);
  std::map<int64_t, uint64_t> direct;
  for (float x : all)
    ++direct[static_cast<int64_t>(std::floor(double(x) / h.binWidth))];
  for (int64_t i = 0; i < static_cast<int64_t>(h.counts.size()); ++i) {
    auto it = direct.find(h.firstBin + i);
    EXPECT_EQ(h.counts[i], it == direct.end() ? 0u : it->second) << i;
    if (it != direct.end())
      direct.erase(it);
  }
  EXPECT_TRUE(direct.empty()) << "values outside the histogram window";
  EXPECT_EQ(obs.getNumFinite(), all.size());
  EXPECT_EQ(obs.getMin(), *std::min_element(all.begin(), all.end()));
  EXPECT_EQ(obs.getMax(), *std::max_element(all.begin(), all.end()));
}

constexpr CalibMethod kMethods[] = {CalibMethod::MinMax, CalibMethod::Percentile,
                                    CalibMethod::Entropy, CalibMethod::Mse};

TEST(TensorObserver, ConstantFirstBatchesThenWiderData) {
  // A first batch of zeros (a ReLU output that is off on the first sample)
  // or of one repeated value has no span to size the bins from. Later
  // batches must still bin exactly and give the ranges of an observer that
  // saw the varied data first.
  for (float c : {0.0f, 2.5f, -1e-3f}) {
    std::vector<float> consts(3000, c);
    std::vector<float> wide = uniform(60000, -3.0f, 5.0f, 17);
    TensorObserver obs("x");
    obs.observe(consts.data(), 1000);
    EXPECT_EQ(obs.getHistogram().binWidth, 0.0) << c;
    obs.observe(consts.data(), consts.size()); // still constant
    for (size_t i = 0; i < wide.size(); i += 20000)
      obs.observe(wide.data() + i, 20000);
    std::vector<float> all(4000, c);
    all.insert(all.end(), wide.begin(), wide.end());
    expectDirectBinning(obs, all);
    EXPECT_LT(obs.getHistogram().binWidth, 2.0 * 8.0 / 2046) << c;

    TensorObserver wideFirst("x");
    wideFirst.observe(wide.data(), wide.size());
    wideFirst.observe(consts.data(), 1000);
    wideFirst.observe(consts.data(), consts.size());
    double tol = 2.0 * std::max(obs.getHistogram().binWidth,
                                wideFirst.getHistogram().binWidth);
    for (bool sym : {false, true})
      for (CalibMethod m : kMethods) {
        CalibOptions opts;
        opts.symmetric = sym;
        opts.percentile = 99.0;
        Range a = obs.computeRange(m, opts), b = wideFirst.computeRange(m, opts);
        EXPECT_NEAR(a.min, b.min, tol) << c << " " << stringifyCalibMethod(m);
        EXPECT_NEAR(a.max, b.max, tol) << c << " " << stringifyCalibMethod(m);
      }
    // Percentile at 99% of uniform [-3, 5] with 4000 constants near 0.
    CalibOptions p99;
    p99.percentile = 99.0;
    EXPECT_NEAR(obs.computeRange(CalibMethod::Percentile, p99).max, 4.91, 0.03);
  }
}

TEST(TensorObserver, ConstantTensorRanges) {
  for (float c : {0.0f, 3.0f, -2.0f}) {
    std::vector<float> v(500, c);
    TensorObserver obs("x");
    obs.observe(v.data(), v.size());
    obs.observe(v.data(), v.size());
    EXPECT_EQ(obs.getNumFinite(), 1000u);
    EXPECT_EQ(obs.getHistogram().counts[0], 1000u);
    float lo0 = std::min(c, 0.0f), hi0 = std::max(c, 0.0f), a = std::fabs(c);
    for (CalibMethod m : kMethods) {
      Range r = obs.computeRange(m);
      bool zeroInside = m == CalibMethod::Entropy || m == CalibMethod::Mse;
      if (m == CalibMethod::Entropy && c < 0.0f) {
        EXPECT_EQ(r.min, -a);
        EXPECT_EQ(r.max, a);
      } else {
        EXPECT_EQ(r.min, zeroInside ? lo0 : c) << stringifyCalibMethod(m);
        EXPECT_EQ(r.max, zeroInside ? hi0 : c) << stringifyCalibMethod(m);
      }
      CalibOptions sym;
      sym.symmetric = true;
      r = obs.computeRange(m, sym);
      EXPECT_EQ(r.min, -a);
      EXPECT_EQ(r.max, a);
    }
  }
}

TEST(TensorObserver, GrowthFromATinySpanToHugeValues) {
  // Lattice indices at the first width would overflow int64 for the later
  // values; growth must still fold exactly.
  std::vector<float> all = {1.0f, 1.0f + 0x1p-20f, 1.0f + 0x1p-21f};
  TensorObserver obs("x", 64);
  obs.observe(all.data(), all.size());
  for (float x : {3e30f, -FLT_MAX, FLT_MAX, 7.0f}) {
    obs.observe(&x, 1);
    all.push_back(x);
  }
  expectDirectBinning(obs, all);
}

//===----------------------------------------------------------------------===//
// Ranges
//===----------------------------------------------------------------------===//

TEST(CalibRange, PercentileOfEvenlySpacedValues) {
  const int n = 100000;
  std::vector<float> v(n);
  for (int i = 0; i < n; ++i)
    v[(i * 7919) % n] = (i + 0.5f) / n; // shuffled, evenly spaced on [0, 1]
  TensorObserver obs = observeAll(v);
  CalibOptions opts;
  opts.percentile = 99.0;
  Range r = obs.computeRange(CalibMethod::Percentile, opts);
  EXPECT_NEAR(r.min, 0.01, 1e-3);
  EXPECT_NEAR(r.max, 0.99, 1e-3);
}

TEST(CalibRange, PercentileOfGaussianMatchesNormalQuantiles) {
  TensorObserver obs = observeAll(gaussian(400000, 2.0f, 1));
  CalibOptions opts;
  opts.percentile = 99.9;
  // Phi^-1(0.999) = 3.0902; |x| quantile: Phi^-1(0.9995) = 3.2905. Sampling
  // standard deviation is about 0.015 sigma at n = 400k.
  Range r = obs.computeRange(CalibMethod::Percentile, opts);
  EXPECT_NEAR(r.max / 2.0, 3.0902, 0.06);
  EXPECT_NEAR(r.min / 2.0, -3.0902, 0.06);
  opts.symmetric = true;
  r = obs.computeRange(CalibMethod::Percentile, opts);
  EXPECT_NEAR(r.max / 2.0, 3.2905, 0.06);
  EXPECT_EQ(r.min, -r.max);
}

/// |x| histogram folded independently of the library: lattice bin g < 0 holds
/// values whose magnitude falls in abs bin -g - 1.
std::vector<double> foldAbs(const Histogram &h) {
  std::map<int64_t, double> m;
  int64_t top = 0;
  for (size_t i = 0; i < h.counts.size(); ++i) {
    if (!h.counts[i])
      continue;
    int64_t g = h.firstBin + static_cast<int64_t>(i);
    int64_t a = g >= 0 ? g : -g - 1;
    m[a] += h.counts[i];
    top = std::max(top, a);
  }
  std::vector<double> out(top + 1, 0.0);
  for (auto [a, c] : m)
    out[a] = c;
  return out;
}

/// Straight from the definitions (TensorRT's P and Q, onnxruntime's
/// smoothing): returns the threshold bin count with the smallest KL.
int64_t bruteForceKlBins(const std::vector<double> &hist, int levels) {
  int64_t n = hist.size(), bestI = n;
  double best = INFINITY;
  for (int64_t i = levels; i <= n; ++i) {
    std::vector<double> p(hist.begin(), hist.begin() + i), q(i, 0.0);
    for (int64_t j = i; j < n; ++j)
      p[i - 1] += hist[j];
    for (int l = 0; l < levels; ++l) {
      // Bins j with floor(j * levels / i) == l.
      double mass = 0.0, nz = 0.0;
      for (int64_t j = 0; j < i; ++j)
        if (j * levels / i == l) {
          mass += hist[j];
          nz += p[j] > 0.0;
        }
      for (int64_t j = 0; j < i; ++j)
        if (j * levels / i == l && p[j] > 0.0)
          q[j] = mass / nz;
    }
    bool ok = true;
    for (std::vector<double> *d : {&p, &q}) {
      double zeros = std::count(d->begin(), d->end(), 0.0);
      double nonzeros = d->size() - zeros;
      if (nonzeros == 0.0) {
        ok = false;
        break;
      }
      for (double &x : *d) {
        x = x == 0.0 ? 1e-4 : x - 1e-4 * zeros / nonzeros;
        ok = ok && x > 0.0;
      }
    }
    if (!ok)
      continue;
    double sp = 0.0, sq = 0.0, kl = 0.0;
    for (int64_t j = 0; j < i; ++j) {
      sp += p[j];
      sq += q[j];
    }
    for (int64_t j = 0; j < i; ++j)
      kl += p[j] / sp * std::log((p[j] / sp) / (q[j] / sq));
    if (kl < best) {
      best = kl;
      bestI = i;
    }
  }
  return bestI;
}

TEST(CalibRange, EntropyMatchesBruteForceKL) {
  // Laplace data, 4-bit (8 levels per side) on a coarse histogram so the
  // O(n^3) reference stays fast.
  std::mt19937 rng(3);
  std::exponential_distribution<float> e(1.0f);
  std::vector<float> v(50000);
  for (float &x : v)
    x = (rng() & 1 ? 1.0f : -1.0f) * e(rng);
  TensorObserver obs("t", 256);
  obs.observe(v.data(), v.size());
  std::vector<double> hist = foldAbs(obs.getHistogram());
  for (int bits : {4, 5}) {
    CalibOptions opts;
    opts.bits = bits;
    Range r = obs.computeRange(CalibMethod::Entropy, opts);
    int64_t i = bruteForceKlBins(hist, 1 << (bits - 1));
    double t = std::min<double>(i * obs.getHistogram().binWidth,
                                std::max(-obs.getMin(), obs.getMax()));
    EXPECT_FLOAT_EQ(r.max, static_cast<float>(t)) << bits;
    EXPECT_EQ(r.min, -r.max);
    EXPECT_LT(r.max, obs.getMax()) << "Laplace tails should be clipped";
  }
  // Values on a coarse grid leave most bins empty, where the smoothing of P
  // and Q decides the result.
  std::vector<float> grid(v.size());
  for (size_t k = 0; k < v.size(); ++k)
    grid[k] = 0.37f * std::nearbyint(v[k] / 0.37f);
  TensorObserver sparse("s", 512);
  sparse.observe(grid.data(), grid.size());
  std::vector<double> sh = foldAbs(sparse.getHistogram());
  for (int bits : {4, 6}) {
    CalibOptions opts;
    opts.bits = bits;
    int64_t i = bruteForceKlBins(sh, 1 << (bits - 1));
    double t = std::min<double>(i * sparse.getHistogram().binWidth,
                                std::max(-sparse.getMin(), sparse.getMax()));
    EXPECT_FLOAT_EQ(sparse.computeRange(CalibMethod::Entropy, opts).max,
                    static_cast<float>(t))
        << bits;
  }
}

TEST(CalibRange, EntropyIgnoresRareOutliers) {
  std::vector<float> v = gaussian(200000, 1.0f, 5);
  for (int i = 0; i < 20; ++i)
    v[i * 1000] = 100.0f;
  TensorObserver obs = observeAll(v);
  Range mm = obs.computeRange(CalibMethod::MinMax);
  Range en = obs.computeRange(CalibMethod::Entropy);
  EXPECT_EQ(mm.max, 100.0f);
  // The 0.01% outliers at 100 sigma are clipped by far more than they would
  // be worth (the threshold lands around 13 sigma with 128 levels).
  EXPECT_GT(en.max, 2.0f);
  EXPECT_LT(en.max, 0.2f * mm.max);
  EXPECT_EQ(en.min, -en.max);
  // Non-negative data keep a one-sided range (2^bits levels).
  std::vector<float> relu = v;
  for (float &x : relu)
    x = std::max(x, 0.0f);
  Range pos = observeAll(relu).computeRange(CalibMethod::Entropy);
  EXPECT_EQ(pos.min, 0.0f);
  EXPECT_GT(pos.max, 2.0f);
  EXPECT_LT(pos.max, 0.2f * mm.max);
}

double phi(double x) { return std::exp(-0.5 * x * x) / std::sqrt(2 * M_PI); }
double Phi(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

/// E[(x - Q(x))^2] for x ~ N(0, 1) and the symmetric quantizer with levels
/// k * t / qmax, |k| <= qmax, in closed form per cell:
/// int_a^b (x - c)^2 phi = I2 - 2c I1 + c^2 I0.
double gaussianSymmetricMse(double t, int bits) {
  int qmax = (1 << (bits - 1)) - 1;
  double s = t / qmax, mse = 0.0;
  for (int k = -qmax; k <= qmax; ++k) {
    double a = k == -qmax ? -INFINITY : (k - 0.5) * s;
    double b = k == qmax ? INFINITY : (k + 0.5) * s;
    double c = k * s;
    double i0 = Phi(b) - Phi(a);
    double i1 = phi(a) - phi(b);
    double i2 = i0 + (std::isinf(a) ? 0.0 : a * phi(a)) -
                (std::isinf(b) ? 0.0 : b * phi(b));
    mse += i2 - 2 * c * i1 + c * c * i0;
  }
  return mse;
}

TEST(CalibRange, MseMatchesGaussianOptimalClip) {
  TensorObserver obs = observeAll(gaussian(1000000, 1.0f, 11));
  for (int bits : {3, 4, 8}) {
    double best = 0.0, bestMse = INFINITY;
    for (double t = 0.5; t < 6.0; t += 0.001) {
      double m = gaussianSymmetricMse(t, bits);
      if (m < bestMse) {
        bestMse = m;
        best = t;
      }
    }
    // Literature anchor: ACIQ (Banner et al. 2019) gives 2.55 sigma for
    // 4 bits with 16 levels and an approximate noise model; this 15-level
    // quantizer's exact optimum is close.
    if (bits == 4) {
      EXPECT_NEAR(best, 2.55, 0.15);
    }
    CalibOptions opts;
    opts.bits = bits;
    opts.symmetric = true;
    Range r = obs.computeRange(CalibMethod::Mse, opts);
    // The curve is flat at the optimum: compare the MSE reached as well.
    EXPECT_NEAR(r.max, best, 0.02 * best) << bits;
    EXPECT_LT(gaussianSymmetricMse(r.max, bits), bestMse * 1.01) << bits;
    EXPECT_EQ(r.min, -r.max);
  }
}

double empiricalAsymmetricMse(const std::vector<float> &v, double lo, double hi,
                              int bits) {
  lo = std::min(lo, 0.0);
  hi = std::max(hi, 0.0);
  double maxq = (1 << bits) - 1, s = (hi - lo) / maxq;
  double zp = std::clamp(std::nearbyint(-lo / s), 0.0, maxq), mse = 0.0;
  for (float x : v) {
    double q = std::clamp(std::nearbyint(x / s) + zp, 0.0, maxq);
    mse += (x - (q - zp) * s) * (x - (q - zp) * s);
  }
  return mse / v.size();
}

TEST(CalibRange, AsymmetricMseBeatsMinMaxAndCoarseSearch) {
  std::mt19937 rng(9);
  std::normal_distribution<float> n01(0.0f, 0.75f);
  std::vector<float> v(100000);
  for (float &x : v)
    x = std::exp(n01(rng)) - 1.0f; // skewed, long right tail
  TensorObserver obs = observeAll(v);
  CalibOptions opts;
  opts.bits = 4;
  Range r = obs.computeRange(CalibMethod::Mse, opts);
  double mse = empiricalAsymmetricMse(v, r.min, r.max, 4);
  double mm = empiricalAsymmetricMse(v, obs.getMin(), obs.getMax(), 4);
  EXPECT_LT(mse, 0.8 * mm);
  double grid = INFINITY;
  for (int a = 1; a <= 10; ++a)
    for (int b = 1; b <= 30; ++b)
      grid = std::min(grid, empiricalAsymmetricMse(v, obs.getMin() * a / 10,
                                                   obs.getMax() * b / 30, 4));
  EXPECT_LT(mse, grid * 1.02);
  EXPECT_LE(r.min, 0.0f);
  EXPECT_LT(r.max, obs.getMax());
}

//===----------------------------------------------------------------------===//
// JSON
//===----------------------------------------------------------------------===//

TensorObserver sampleObserver(const std::string &name) {
  TensorObserver obs(name);
  std::vector<float> v = gaussian(3 * 4 * 50, 1.5f, 21);
  v[5] = NAN;
  std::string err;
  EXPECT_TRUE(obs.observeChannels(v.data(), {3, 4, 50}, 1, &err)) << err;
  return obs;
}

void expectSameState(const TensorObserver &a, const TensorObserver &b) {
  EXPECT_EQ(a.getName(), b.getName());
  EXPECT_EQ(a.getNumFinite(), b.getNumFinite());
  EXPECT_EQ(a.getNumNaN(), b.getNumNaN());
  EXPECT_EQ(a.getMin(), b.getMin());
  EXPECT_EQ(a.getMax(), b.getMax());
  EXPECT_EQ(a.getHistogram().binWidth, b.getHistogram().binWidth);
  EXPECT_EQ(a.getHistogram().firstBin, b.getHistogram().firstBin);
  EXPECT_EQ(a.getHistogram().counts, b.getHistogram().counts);
  EXPECT_EQ(a.getChannelMin(), b.getChannelMin());
  EXPECT_EQ(a.getChannelMax(), b.getChannelMax());
  EXPECT_EQ(a.getChannelMeanAbs(), b.getChannelMeanAbs());
}

TEST(ObserverJson, RoundTripKeepsStateAndRanges) {
  TensorObserver obs = sampleObserver("layer1.out");
  std::string err;
  std::optional<TensorObserver> back =
      TensorObserver::fromJson(obs.toJson(), "layer1.out", err);
  ASSERT_TRUE(back) << err;
  expectSameState(obs, *back);
  for (CalibMethod m : {CalibMethod::MinMax, CalibMethod::Percentile,
                        CalibMethod::Entropy, CalibMethod::Mse}) {
    EXPECT_EQ(obs.computeRange(m).min, back->computeRange(m).min);
    EXPECT_EQ(obs.computeRange(m).max, back->computeRange(m).max);
  }
  // The restored state keeps accumulating exactly like the original.
  std::vector<float> more = uniform(1000, -20.0f, 3.0f, 4);
  obs.observe(more.data(), more.size());
  back->observe(more.data(), more.size());
  expectSameState(obs, *back);
}

TEST(ObserverJson, RejectsMismatches) {
  TensorObserver obs = sampleObserver("a");
  std::string text = obs.toJson(), err;
  EXPECT_FALSE(TensorObserver::fromJson(text, "b", err));
  EXPECT_NE(err.find("expected 'b'"), std::string::npos) << err;
  EXPECT_FALSE(TensorObserver::fromJson("{not json", "a", err));
  EXPECT_NE(err.find("not valid JSON"), std::string::npos) << err;

  auto edited = [&](auto edit) {
    nlohmann::json j = nlohmann::json::parse(text);
    edit(j);
    return j.dump();
  };
  EXPECT_FALSE(TensorObserver::fromJson(
      edited([](nlohmann::json &j) { j["version"] = 2; }), "a", err));
  EXPECT_NE(err.find("version 2"), std::string::npos) << err;
  EXPECT_FALSE(TensorObserver::fromJson(
      edited([](nlohmann::json &j) { j["format"] = "other"; }), "a", err));
  EXPECT_NE(err.find("format"), std::string::npos) << err;
  EXPECT_FALSE(TensorObserver::fromJson(edited([](nlohmann::json &j) {
                                          nlohmann::json &c =
                                              j["histogram"]["counts"][1000];
                                          c = c.get<uint64_t>() + 1;
                                        }),
                                        "a", err));
  EXPECT_NE(err.find("holds"), std::string::npos) << err;
  EXPECT_FALSE(TensorObserver::fromJson(
      edited([](nlohmann::json &j) { j["ranges"]["Entropy"][1] = 0.25; }), "a",
      err));
  EXPECT_NE(err.find("Entropy"), std::string::npos) << err;
  EXPECT_FALSE(TensorObserver::fromJson(
      edited([](nlohmann::json &j) { j["min"] = "low"; }), "a", err));
  EXPECT_NE(err.find("'min'"), std::string::npos) << err;
  EXPECT_FALSE(TensorObserver::fromJson(
      edited([](nlohmann::json &j) { j["channels"]["max"].erase(0); }), "a",
      err));
  EXPECT_NE(err.find("sizes"), std::string::npos) << err;
}

TEST(ObserverJson, ConstantStateRoundTripsAndKeepsGrowing) {
  // Written after a batch of zeros, read back, then fed wider data: the
  // restored observer must accept the file and keep accumulating exactly
  // like the original.
  std::vector<float> zeros(1000, 0.0f);
  std::vector<float> more = uniform(5000, -1.0f, 4.0f, 9);
  TensorObserver obs("z");
  obs.observe(zeros.data(), zeros.size());
  std::string err;
  std::optional<TensorObserver> back =
      TensorObserver::fromJson(obs.toJson(), "z", err);
  ASSERT_TRUE(back) << err;
  expectSameState(obs, *back);
  obs.observe(more.data(), more.size());
  back->observe(more.data(), more.size());
  expectSameState(obs, *back);
  std::optional<TensorObserver> again =
      TensorObserver::fromJson(obs.toJson(), "z", err);
  ASSERT_TRUE(again) << err;
  expectSameState(obs, *again);
  for (CalibMethod m : kMethods) {
    EXPECT_EQ(obs.computeRange(m).min, again->computeRange(m).min);
    EXPECT_EQ(obs.computeRange(m).max, again->computeRange(m).max);
  }
  // A lattice-less histogram must hold exactly the constant values.
  nlohmann::json j = nlohmann::json::parse(TensorObserver("c").toJson());
  std::vector<float> five(10, 5.0f);
  TensorObserver c("c");
  c.observe(five.data(), five.size());
  j = nlohmann::json::parse(c.toJson());
  EXPECT_EQ(j["histogram"]["binWidth"], 0.0);
  EXPECT_TRUE(TensorObserver::fromJson(j.dump(), "c", err)) << err;
  j["max"] = 6.0;
  EXPECT_FALSE(TensorObserver::fromJson(j.dump(), "c", err));
  EXPECT_NE(err.find("no bin width"), std::string::npos) << err;
}

TEST(ObserverJson, ChannelsWithoutFiniteValues) {
  // Channel 1 only ever sees NaN: its statistics are empty. The file spells
  // that as zeros with count 0 (not JSON null, which readers refuse) and
  // reads back as the same empty state, which later values fill.
  const std::vector<int64_t> shape = {2, 3, 4};
  std::vector<float> v = gaussian(24, 1.0f, 11);
  for (int n = 0; n < 2; ++n)
    for (int i = 0; i < 4; ++i)
      v[(n * 3 + 1) * 4 + i] = NAN;
  TensorObserver obs("ch");
  std::string err;
  ASSERT_TRUE(obs.observeChannels(v.data(), shape, 1, &err)) << err;
  EXPECT_EQ(obs.getChannelAbsMax()[1], 0.0f);
  EXPECT_EQ(obs.getChannelMeanAbs()[1], 0.0f);
  std::string text = obs.toJson();
  nlohmann::json j = nlohmann::json::parse(text);
  EXPECT_EQ(j["channels"]["min"][1], 0.0);
  EXPECT_EQ(j["channels"]["max"][1], 0.0);
  EXPECT_EQ(j["channels"]["count"][1], 0u);
  std::optional<TensorObserver> back = TensorObserver::fromJson(text, "ch", err);
  ASSERT_TRUE(back) << err;
  expectSameState(obs, *back);
  EXPECT_EQ(back->getChannelMin()[1], INFINITY);
  EXPECT_EQ(back->getChannelMax()[1], -INFINITY);
  std::vector<float> w = gaussian(24, 3.0f, 12);
  ASSERT_TRUE(obs.observeChannels(w.data(), shape, 1, &err)) << err;
  ASSERT_TRUE(back->observeChannels(w.data(), shape, 1, &err)) << err;
  expectSameState(obs, *back);
  EXPECT_EQ(back->getChannelMax()[1],
            std::max({w[4], w[5], w[6], w[7], w[16], w[17], w[18], w[19]}));

  // Files that wrote null for an empty channel still read; null or a value
  // where the channel has counts does not.
  nlohmann::json old = j;
  old["channels"]["min"][1] = nullptr;
  old["channels"]["max"][1] = nullptr;
  back = TensorObserver::fromJson(old.dump(), "ch", err);
  ASSERT_TRUE(back) << err;
  EXPECT_EQ(back->getChannelMin()[1], INFINITY);
  nlohmann::json bad = j;
  bad["channels"]["min"][0] = nullptr;
  EXPECT_FALSE(TensorObserver::fromJson(bad.dump(), "ch", err));
  EXPECT_NE(err.find("channel 0"), std::string::npos) << err;
  bad = j;
  bad["channels"]["max"][1] = 2.0;
  EXPECT_FALSE(TensorObserver::fromJson(bad.dump(), "ch", err));
  EXPECT_NE(err.find("channel 1"), std::string::npos) << err;

  // A tensor that saw only NaN: an empty observer with its NaN count.
  std::vector<float> nans(24, NAN);
  TensorObserver none("none");
  ASSERT_TRUE(none.observeChannels(nans.data(), shape, 1, &err)) << err;
  back = TensorObserver::fromJson(none.toJson(), "none", err);
  ASSERT_TRUE(back) << err;
  EXPECT_EQ(back->getNumFinite(), 0u);
  EXPECT_EQ(back->getNumNaN(), 24u);
  for (CalibMethod m : kMethods) {
    EXPECT_EQ(back->computeRange(m).min, 0.0f);
    EXPECT_EQ(back->computeRange(m).max, 0.0f);
  }
}

TEST(ObserverJson, ReadingChecksOnlyTheRequestedRanges) {
  // Checking a recorded range costs a range computation, so readers name
  // the methods they use; the others are not recomputed (a tampered one
  // goes unnoticed), the named ones are.
  TensorObserver obs = sampleObserver("a");
  nlohmann::json j = nlohmann::json::parse(obs.toJson());
  j["ranges"]["Entropy"][1] = 0.25;
  std::string text = j.dump(), err;
  std::optional<TensorObserver> back =
      TensorObserver::fromJson(text, "a", err, {CalibMethod::MinMax});
  ASSERT_TRUE(back) << err;
  expectSameState(obs, *back);
  for (CalibMethod m : kMethods) {
    EXPECT_EQ(obs.computeRange(m).min, back->computeRange(m).min);
    EXPECT_EQ(obs.computeRange(m).max, back->computeRange(m).max);
  }
  EXPECT_FALSE(TensorObserver::fromJson(text, "a", err, {CalibMethod::Entropy}));
  EXPECT_NE(err.find("Entropy"), std::string::npos) << err;
  EXPECT_FALSE(TensorObserver::fromJson(text, "a", err));
  nlohmann::json file = nlohmann::json::parse(toCalibrationFile({&obs}));
  file["tensors"][0] = j;
  EXPECT_TRUE(fromCalibrationFile(file.dump(), err, {CalibMethod::Mse})) << err;
  EXPECT_FALSE(fromCalibrationFile(file.dump(), err, {CalibMethod::Entropy}));
}

TEST(TensorObserver, RangesFollowNewDataAndOptions) {
  // Ranges are kept between calls; new data or other options must not
  // return a stale one.
  std::vector<float> a = gaussian(20000, 1.0f, 31), b = gaussian(20000, 4.0f, 32);
  TensorObserver obs("x");
  obs.observe(a.data(), a.size());
  CalibOptions six;
  six.bits = 6;
  for (CalibMethod m : kMethods) {
    Range r8 = obs.computeRange(m), r6 = obs.computeRange(m, six);
    EXPECT_EQ(obs.computeRange(m).max, r8.max);
    if (m == CalibMethod::Entropy || m == CalibMethod::Mse)
      EXPECT_NE(r6.max, r8.max) << stringifyCalibMethod(m);
  }
  obs.observe(b.data(), b.size());
  TensorObserver fresh("x");
  fresh.observe(a.data(), a.size());
  fresh.observe(b.data(), b.size());
  for (CalibMethod m : kMethods)
    for (const CalibOptions &o : {CalibOptions{}, six}) {
      EXPECT_EQ(obs.computeRange(m, o).min, fresh.computeRange(m, o).min);
      EXPECT_EQ(obs.computeRange(m, o).max, fresh.computeRange(m, o).max);
    }
}

TEST(ObserverJson, CalibrationFileHoldsSeveralTensors) {
  TensorObserver a = sampleObserver("a"), b("b");
  std::vector<float> v = uniform(500, 0.0f, 6.0f, 8);
  b.observe(v.data(), v.size());
  std::string err;
  auto back = fromCalibrationFile(toCalibrationFile({&a, &b}), err);
  ASSERT_TRUE(back) << err;
  ASSERT_EQ(back->size(), 2u);
  expectSameState(a, (*back)[0]);
  expectSameState(b, (*back)[1]);
  EXPECT_FALSE(fromCalibrationFile(a.toJson(), err));
}

} // namespace
