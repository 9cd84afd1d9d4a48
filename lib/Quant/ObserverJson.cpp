//===- ObserverJson.cpp - calibration files for TensorObserver ------------===//
//
// The JSON form of an observer's state, with the ranges it yields recorded
// alongside so a reused file can be checked against its own histogram. The
// tree is built with exceptions off, so only nlohmann's non-throwing calls
// are used and every field is type-checked before it is read.
//
//===----------------------------------------------------------------------===//

#include "qcc/Quant/Observers.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

using json = nlohmann::json;
using namespace qcc::quant;

static constexpr const char *kTensorFormat = "qcc-tensor-calibration";
static constexpr const char *kFileFormat = "qcc-calibration";
static constexpr uint64_t kVersion = 1;

namespace {

/// Field readers: false plus a message naming the field on a missing or
/// mistyped value.
class Reader {
public:
  Reader(const json &obj, std::string context, std::string &error)
      : obj(obj), context(std::move(context)), error(error) {}

  const json *field(const char *key) {
    if (!obj.is_object())
      return fail(context + " is not an object"), nullptr;
    auto it = obj.find(key);
    if (it == obj.end())
      return fail(context + ": missing field '" + key + "'"), nullptr;
    return &*it;
  }
  bool getUnsigned(const char *key, uint64_t &out) {
    const json *v = field(key);
    if (!v)
      return false;
    if (!v->is_number_unsigned())
      return fail(context + ": '" + key + "' is not an unsigned integer");
    out = v->get<uint64_t>();
    return true;
  }
  bool getInteger(const char *key, int64_t &out) {
    const json *v = field(key);
    if (!v)
      return false;
    if (!v->is_number_integer())
      return fail(context + ": '" + key + "' is not an integer");
    out = v->get<int64_t>();
    return true;
  }
  bool getNumber(const char *key, double &out) {
    const json *v = field(key);
    if (!v)
      return false;
    if (!v->is_number() || !std::isfinite(v->get<double>()))
      return fail(context + ": '" + key + "' is not a finite number");
    out = v->get<double>();
    return true;
  }
  bool getString(const char *key, std::string &out) {
    const json *v = field(key);
    if (!v)
      return false;
    if (!v->is_string())
      return fail(context + ": '" + key + "' is not a string");
    out = v->get<std::string>();
    return true;
  }
  /// With `nullAsNaN`, a null element of a floating-point array reads as NaN
  /// (for the caller to accept where it means "no value").
  template <typename T>
  bool getArray(const char *key, std::vector<T> &out, bool nullAsNaN = false) {
    const json *v = field(key);
    if (!v)
      return false;
    if (!v->is_array())
      return fail(context + ": '" + key + "' is not an array");
    out.clear();
    for (const json &e : *v) {
      if constexpr (!std::is_integral_v<T>) {
        if (nullAsNaN && e.is_null()) {
          out.push_back(NAN);
          continue;
        }
      }
      bool ok = std::is_integral_v<T>
                    ? e.is_number_unsigned()
                    : e.is_number() && std::isfinite(e.get<double>());
      if (!ok)
        return fail(context + ": '" + key + "' has a bad element");
      out.push_back(e.get<T>());
    }
    return true;
  }
  bool fail(std::string msg) {
    error = std::move(msg);
    return false;
  }

private:
  const json &obj;
  std::string context;
  std::string &error;
};

json rangeJson(Range r) { return json::array({r.min, r.max}); }

} // namespace

namespace qcc::quant {

/// Friend of TensorObserver: reads and writes its private state.
struct ObserverSerializer {
  static json write(const TensorObserver &obs, const CalibOptions &opts);
  static std::optional<TensorObserver>
  read(const json &j, std::string_view expectedName, std::string &error,
       const std::vector<CalibMethod> &check);

private:
  static bool readHistogram(Reader &r, TensorObserver &obs);
  static bool readChannels(const json &j, TensorObserver &obs,
                           std::string &error);
  static bool checkRanges(const json &j, const TensorObserver &obs,
                          std::string &error,
                          const std::vector<CalibMethod> &check);
};

} // namespace qcc::quant

json ObserverSerializer::write(const TensorObserver &obs,
                               const CalibOptions &opts) {
  json j;
  j["format"] = kTensorFormat;
  j["version"] = kVersion;
  j["name"] = obs.name;
  j["count"] = obs.numFinite;
  j["nan"] = obs.numNaN;
  j["inf"] = obs.numInf;
  j["min"] = static_cast<double>(obs.minValue);
  j["max"] = static_cast<double>(obs.maxValue);
  j["histogram"] = {{"binWidth", obs.hist.binWidth},
                    {"firstBin", obs.hist.firstBin},
                    {"counts", obs.hist.counts}};
  if (!obs.channelMin.empty()) {
    // A channel without a finite value (count 0) keeps +inf/-inf in memory;
    // the file holds 0 for both, which JSON can represent.
    std::vector<double> lo, hi;
    for (size_t c = 0; c < obs.channelMin.size(); ++c) {
      bool empty = obs.channelCount[c] == 0;
      lo.push_back(empty ? 0.0 : obs.channelMin[c]);
      hi.push_back(empty ? 0.0 : obs.channelMax[c]);
    }
    j["channels"] = {{"axis", obs.channelAxis},
                     {"min", lo},
                     {"max", hi},
                     {"absSum", obs.channelAbsSum},
                     {"count", obs.channelCount}};
  }
  json ranges;
  ranges["options"] = {{"bits", opts.bits},
                       {"percentile", opts.percentile},
                       {"symmetric", opts.symmetric}};
  for (CalibMethod m : allCalibMethods())
    ranges[stringifyCalibMethod(m)] = rangeJson(obs.computeRange(m, opts));
  j["ranges"] = std::move(ranges);
  return j;
}

bool ObserverSerializer::readHistogram(Reader &r, TensorObserver &obs) {
  const json *h = r.field("histogram");
  if (!h)
    return false;
  std::string err;
  Reader hr(*h, "histogram of '" + obs.name + "'", err);
  double width;
  int64_t first;
  std::vector<uint64_t> counts;
  if (!hr.getNumber("binWidth", width) || !hr.getInteger("firstBin", first) ||
      !hr.getArray("counts", counts))
    return r.fail(err);
  if (counts.size() < 8 || width < 0.0)
    return r.fail("histogram of '" + obs.name +
                  "': too few bins or a "
                  "negative bin width");
  uint64_t total = 0;
  for (uint64_t c : counts)
    total += c;
  if (total > obs.numFinite)
    return r.fail("histogram of '" + obs.name + "' holds " +
                  std::to_string(total) + " values, 'count' says " +
                  std::to_string(obs.numFinite));
  if (obs.minValue > obs.maxValue)
    return r.fail("'" + obs.name + "': min is above max");
  if (!obs.numFinite && width != 0.0)
    return r.fail("'" + obs.name + "': empty observer with a bin width");
  if (!obs.numFinite && (obs.minValue != 0.0f || obs.maxValue != 0.0f))
    return r.fail("'" + obs.name + "': empty observer with a min/max");
  // Without a lattice yet (width 0), every value equals min == max and
  // sits in bin 0 (see Histogram).
  if (obs.numFinite && width == 0.0 &&
      (obs.minValue != obs.maxValue || first != 0 || counts[0] != total))
    return r.fail("histogram of '" + obs.name +
                  "' has no bin width but values other than min == max");
  // Occupied bins must lie between the bins of min and max (computed as
  // observe() does), which is what later growth relies on.
  int64_t n = static_cast<int64_t>(counts.size());
  auto binOf = [&](float x) {
    return std::floor(static_cast<double>(x) / width);
  };
  for (int64_t i = 0; obs.numFinite && width > 0.0 && i < n; ++i)
    if (counts[i] && (static_cast<double>(first + i) < binOf(obs.minValue) ||
                      static_cast<double>(first + i) > binOf(obs.maxValue)))
      return r.fail("histogram of '" + obs.name +
                    "' has counts outside [min, max]");
  obs.hist.binWidth = width;
  obs.hist.firstBin = first;
  obs.hist.counts = std::move(counts);
  return true;
}

bool ObserverSerializer::readChannels(const json &j, TensorObserver &obs,
                                      std::string &error) {
  auto it = j.find("channels");
  if (it == j.end())
    return true;
  Reader r(*it, "channels of '" + obs.name + "'", error);
  int64_t axis;
  std::vector<double> lo, hi, absSum;
  std::vector<uint64_t> count;
  // Files written before empty channels were spelled as zeros hold null
  // (JSON's rendering of +-inf) for them; both read as the empty state.
  if (!r.getInteger("axis", axis) || !r.getArray("min", lo, true) ||
      !r.getArray("max", hi, true) || !r.getArray("absSum", absSum) ||
      !r.getArray("count", count))
    return false;
  if (hi.size() != lo.size() || absSum.size() != lo.size() ||
      count.size() != lo.size() || axis < 0)
    return r.fail("channels of '" + obs.name + "': mismatched array sizes");
  uint64_t total = 0;
  for (size_t c = 0; c < lo.size(); ++c) {
    total += count[c];
    auto zeroOrNull = [](double v) { return v == 0.0 || std::isnan(v); };
    if (count[c] ? !(lo[c] <= hi[c]) || absSum[c] < 0.0
                 : !zeroOrNull(lo[c]) || !zeroOrNull(hi[c]) || absSum[c] != 0.0)
      return r.fail("channels of '" + obs.name + "': channel " +
                    std::to_string(c) + " has inconsistent statistics");
    if (!count[c]) {
      // Restore the empty state written as zeros, so that later values
      // replace it.
      lo[c] = INFINITY;
      hi[c] = -INFINITY;
    }
  }
  if (total > obs.numFinite)
    return r.fail("channels of '" + obs.name + "' hold " +
                  std::to_string(total) + " values, 'count' says " +
                  std::to_string(obs.numFinite));
  obs.channelAxis = static_cast<int>(axis);
  obs.channelMin.assign(lo.begin(), lo.end());
  obs.channelMax.assign(hi.begin(), hi.end());
  obs.channelAbsSum = std::move(absSum);
  obs.channelCount = std::move(count);
  return true;
}

bool ObserverSerializer::checkRanges(const json &j, const TensorObserver &obs,
                                     std::string &error,
                                     const std::vector<CalibMethod> &check) {
  auto it = j.find("ranges");
  if (it == j.end())
    return true;
  Reader r(*it, "ranges of '" + obs.name + "'", error);
  const json *o = r.field("options");
  if (!o)
    return false;
  Reader opt(*o, "range options of '" + obs.name + "'", error);
  CalibOptions opts;
  uint64_t bits;
  if (!opt.getUnsigned("bits", bits) ||
      !opt.getNumber("percentile", opts.percentile))
    return false;
  const json *sym = opt.field("symmetric");
  if (!sym)
    return false;
  if (!sym->is_boolean() || bits < 2 || bits > 16)
    return r.fail("range options of '" + obs.name + "' are invalid");
  opts.bits = static_cast<int>(bits);
  opts.symmetric = sym->get<bool>();
  // Recorded and recomputed ranges may differ by floating-point noise across
  // builds (a KL tie moving by a bin), not by more.
  double amax = std::max(std::fabs(obs.minValue), std::fabs(obs.maxValue));
  double tol = std::max(2.0 * obs.hist.binWidth, 1e-6 * amax);
  for (CalibMethod m : allCalibMethods()) {
    std::vector<double> rec;
    if (!r.getArray(stringifyCalibMethod(m), rec))
      return false;
    if (std::find(check.begin(), check.end(), m) == check.end())
      continue;
    Range now = obs.computeRange(m, opts);
    if (rec.size() != 2 || std::fabs(rec[0] - now.min) > tol ||
        std::fabs(rec[1] - now.max) > tol)
      return r.fail("'" + obs.name + "': recorded " + stringifyCalibMethod(m) +
                    " range does not match the histogram (recomputed [" +
                    std::to_string(now.min) + ", " + std::to_string(now.max) +
                    "])");
  }
  return true;
}

std::optional<TensorObserver>
ObserverSerializer::read(const json &j, std::string_view expectedName,
                         std::string &error,
                         const std::vector<CalibMethod> &check) {
  Reader r(j, "tensor calibration", error);
  std::string format, name;
  uint64_t version;
  if (!r.getString("format", format) || !r.getUnsigned("version", version))
    return std::nullopt;
  if (format != kTensorFormat) {
    r.fail("unexpected format '" + format + "', expected '" + kTensorFormat +
           "'");
    return std::nullopt;
  }
  if (version != kVersion) {
    r.fail("unsupported calibration version " + std::to_string(version) +
           " (this build reads version " + std::to_string(kVersion) + ")");
    return std::nullopt;
  }
  if (!r.getString("name", name))
    return std::nullopt;
  if (!expectedName.empty() && name != expectedName) {
    r.fail("calibration is for tensor '" + name + "', expected '" +
           std::string(expectedName) + "'");
    return std::nullopt;
  }
  const json *h = r.field("histogram");
  if (!h)
    return std::nullopt;
  const json *counts =
      h->is_object() && h->contains("counts") ? &(*h->find("counts")) : nullptr;
  if (!counts || !counts->is_array()) {
    r.fail("histogram of '" + name + "' has no counts array");
    return std::nullopt;
  }
  TensorObserver obs(name, std::max<int64_t>(8, counts->size()));
  double lo, hi;
  if (!r.getUnsigned("count", obs.numFinite) ||
      !r.getUnsigned("nan", obs.numNaN) || !r.getUnsigned("inf", obs.numInf) ||
      !r.getNumber("min", lo) || !r.getNumber("max", hi))
    return std::nullopt;
  obs.minValue = static_cast<float>(lo);
  obs.maxValue = static_cast<float>(hi);
  if (!readHistogram(r, obs) || !readChannels(j, obs, error) ||
      !checkRanges(j, obs, error, check))
    return std::nullopt;
  return obs;
}

std::string TensorObserver::toJson(const CalibOptions &opts) const {
  return ObserverSerializer::write(*this, opts).dump(1);
}

std::optional<TensorObserver>
TensorObserver::fromJson(std::string_view text, std::string_view expectedName,
                         std::string &error,
                         const std::vector<CalibMethod> &check) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    error = "calibration text is not valid JSON";
    return std::nullopt;
  }
  return ObserverSerializer::read(j, expectedName, error, check);
}

std::string
qcc::quant::toCalibrationFile(const std::vector<const TensorObserver *> &obs,
                              const CalibOptions &opts) {
  json tensors = json::array();
  for (const TensorObserver *o : obs)
    tensors.push_back(ObserverSerializer::write(*o, opts));
  json j;
  j["format"] = kFileFormat;
  j["version"] = kVersion;
  j["tensors"] = std::move(tensors);
  return j.dump(1);
}

std::optional<std::vector<TensorObserver>>
qcc::quant::fromCalibrationFile(std::string_view text, std::string &error,
                                const std::vector<CalibMethod> &check) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    error = "calibration file is not valid JSON";
    return std::nullopt;
  }
  Reader r(j, "calibration file", error);
  std::string format;
  uint64_t version;
  if (!r.getString("format", format) || !r.getUnsigned("version", version))
    return std::nullopt;
  if (format != kFileFormat || version != kVersion) {
    r.fail("unexpected calibration file format '" + format + "' version " +
           std::to_string(version));
    return std::nullopt;
  }
  const json *tensors = r.field("tensors");
  if (!tensors || !tensors->is_array()) {
    r.fail("calibration file has no 'tensors' array");
    return std::nullopt;
  }
  std::vector<TensorObserver> out;
  for (const json &t : *tensors) {
    std::optional<TensorObserver> obs =
        ObserverSerializer::read(t, /*expectedName=*/"", error, check);
    if (!obs)
      return std::nullopt;
    out.push_back(std::move(*obs));
  }
  return out;
}
