//===- Observers.h - streaming calibration statistics -----------*- C++ -*-===//
//
// Bounded-memory statistics of the values one tensor takes while calibration
// data flows through a model: running min/max, a histogram with a fixed bin
// count whose range grows by folding bins, optional per-channel min/max/mean
// |x|, and the clipping ranges derived from them (min/max, percentile,
// KL-divergence "entropy", expected-MSE). Plain C++17, no MLIR, so compiler
// passes and offline tools share it.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_QUANT_OBSERVERS_H
#define QCC_QUANT_OBSERVERS_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qcc::quant {

/// How a clipping range is chosen from the observed statistics.
enum class CalibMethod { MinMax, Percentile, Entropy, Mse };

const char *stringifyCalibMethod(CalibMethod method);
std::optional<CalibMethod> symbolizeCalibMethod(std::string_view name);

/// All four methods, in the order calibration files record them.
const std::vector<CalibMethod> &allCalibMethods();

struct CalibOptions {
  /// Integer width the range is chosen for (Entropy, Mse).
  int bits = 8;
  /// Percentile: the mass kept inside the range, in percent (per side when
  /// asymmetric, of |x| when symmetric).
  double percentile = 99.999;
  /// Return [-t, t]. Entropy is symmetric anyway whenever the data are signed.
  bool symmetric = false;

  bool operator==(const CalibOptions &o) const {
    return bits == o.bits && percentile == o.percentile &&
           symmetric == o.symmetric;
  }
};

struct Range {
  float min = 0.0f;
  float max = 0.0f;
};

/// A histogram on a lattice anchored at 0: bin i covers
/// [(firstBin + i) * binWidth, (firstBin + i + 1) * binWidth). Growing the
/// range doubles binWidth and folds bin pairs, which is exact because bin
/// edges stay on the lattice: the result equals binning all data at the
/// final width directly.
///
/// The lattice is chosen when the observed values first span a nonzero
/// range. Until then binWidth is 0, firstBin is 0 and counts[0] holds the
/// number of finite values, all equal to the observer's min == max (a tensor
/// that is constant, e.g. all zeros, on every batch so far).
struct Histogram {
  double binWidth = 0.0; // 0 until two distinct finite values arrive
  int64_t firstBin = 0;
  std::vector<uint64_t> counts;

  double lowerEdge(int64_t i) const {
    return static_cast<double>(firstBin + i) * binWidth;
  }
};

/// Calibration statistics of one tensor in O(numBins + channels) memory.
class TensorObserver {
public:
  explicit TensorObserver(std::string name, int64_t numBins = 2048);

  /// Adds n values. NaN and +-inf are counted separately and otherwise
  /// ignored.
  void observe(const float *data, int64_t n);

  /// Adds a dense row-major tensor of the given shape, updating the whole-
  /// tensor statistics and, per index along `axis` (negative counts from the
  /// end), min, max and mean |x|, skipping NaN and +-inf like observe(). A
  /// channel without a finite value so far has count 0, min +inf, max -inf,
  /// and abs max and mean |x| 0. Fails (returning false with a message) on a
  /// bad axis or a channel count/axis differing from earlier calls.
  bool observeChannels(const float *data, const int64_t *shape, size_t rank,
                       int axis, std::string *error = nullptr);
  bool observeChannels(const float *data, const std::vector<int64_t> &shape,
                       int axis, std::string *error = nullptr) {
    return observeChannels(data, shape.data(), shape.size(), axis, error);
  }

  /// The clipping range chosen by `method`; {0, 0} before any finite value.
  /// For a constant tensor (min == max == c) every method returns the
  /// MinMax range, widened to include 0 where the method needs it
  /// (Entropy, Mse, and symmetric ranges).
  /// The last range computed per method is kept (until the next observe), so
  /// asking again with the same options, e.g. after a file read checked it,
  /// costs nothing.
  Range computeRange(CalibMethod method, const CalibOptions &opts = {}) const;

  const std::string &getName() const { return name; }
  int64_t getNumBins() const {
    return static_cast<int64_t>(hist.counts.size());
  }
  uint64_t getNumFinite() const { return numFinite; }
  uint64_t getNumNaN() const { return numNaN; }
  uint64_t getNumInf() const { return numInf; }
  float getMin() const { return minValue; }
  float getMax() const { return maxValue; }
  const Histogram &getHistogram() const { return hist; }

  /// Per-channel statistics; empty before observeChannels.
  int getChannelAxis() const { return channelAxis; }
  int64_t getNumChannels() const {
    return static_cast<int64_t>(channelMin.size());
  }
  const std::vector<float> &getChannelMin() const { return channelMin; }
  const std::vector<float> &getChannelMax() const { return channelMax; }
  std::vector<float> getChannelAbsMax() const;
  std::vector<float> getChannelMeanAbs() const;

  /// The whole state plus, for checking, the four methods' ranges under
  /// `opts`. Format: {"format": "qcc-calibration", "version": 1, "name", ...}.
  /// An observer without a finite value writes min = max = 0 and bin width 0;
  /// a channel without one writes min = max = 0 with count 0. Both read back
  /// as the same empty state.
  std::string toJson(const CalibOptions &opts = {}) const;
  /// Restores an observer written by toJson. Fails with a message on malformed
  /// text, another format or version, a name other than `expectedName` (when
  /// non-empty), inconsistent counts, or recorded ranges of the methods in
  /// `check` that the restored histogram no longer reproduces (each check
  /// computes that method's range, which for Entropy and Mse is the bulk of
  /// the reading time).
  static std::optional<TensorObserver>
  fromJson(std::string_view text, std::string_view expectedName,
           std::string &error,
           const std::vector<CalibMethod> &check = allCalibMethods());

private:
  friend struct ObserverSerializer;

  void growToCover(float lo, float hi);
  Range computeRangeUncached(CalibMethod method,
                             const CalibOptions &opts) const;

  struct CachedRange {
    bool valid = false;
    CalibOptions opts;
    Range range;
  };
  mutable CachedRange rangeCache[4]; // indexed by CalibMethod

  std::string name;
  Histogram hist;
  uint64_t numFinite = 0, numNaN = 0, numInf = 0;
  float minValue = 0.0f, maxValue = 0.0f;

  int channelAxis = 0;
  std::vector<float> channelMin, channelMax;
  std::vector<double> channelAbsSum;
  std::vector<uint64_t> channelCount;
};

/// Several observers in one calibration file: {"format", "version",
/// "tensors": [<toJson objects>]}.
std::string toCalibrationFile(const std::vector<const TensorObserver *> &obs,
                              const CalibOptions &opts = {});
std::optional<std::vector<TensorObserver>>
fromCalibrationFile(std::string_view text, std::string &error,
                    const std::vector<CalibMethod> &check = allCalibMethods());

} // namespace qcc::quant

#endif // QCC_QUANT_OBSERVERS_H
