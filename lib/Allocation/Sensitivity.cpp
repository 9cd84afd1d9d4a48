//===- Sensitivity.cpp - the sensitivity table as JSON --------------------===//

#include "qcc/Allocation/Sensitivity.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <nlohmann/json.hpp>

#include <cmath>

using json = nlohmann::json;

namespace qcc::alloc {

static llvm::Error fail(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

double SensitivityTable::fixedBytes() const {
  double b = 0;
  for (auto &f : fixedTensors)
    b += f.second;
  return b;
}

std::string SensitivityTable::cacheKey() const {
  std::string k = modelHash + "|" + metric + "|" + calibText + "|" +
                  std::to_string(calibSeq) + "|" +
                  std::to_string(calibSamples) + "|" + probeConfig;
  return k;
}

llvm::Error writeSensitivity(const SensitivityTable &t, llvm::StringRef path) {
  json j;
  j["format"] = "qcc-sensitivity-1";
  j["model"] = t.model;
  j["model_hash"] = t.modelHash;
  j["metric"] = t.metric;
  j["method"] = t.method;
  j["calibration"] = {{"text", t.calibText},
                      {"seq", t.calibSeq},
                      {"samples", t.calibSamples},
                      {"tokens", t.calibTokens}};
  j["probe_config"] = t.probeConfig;
  j["configs"] = t.configs;
  j["seconds"] = t.seconds;
  json fixed = json::array();
  for (auto &f : t.fixedTensors)
    fixed.push_back({{"name", f.first}, {"bytes", f.second}});
  j["fixed"] = fixed;
  json layers = json::array();
  for (const LayerSensitivity &l : t.layers) {
    json r = json::object();
    for (auto &[cfg, res] : l.results) {
      json e = {{"layer_mse", res.layerMse}, {"sensitivity", res.sensitivity}};
      if (res.kl >= 0)
        e["kl"] = res.kl;
      if (res.bytes >= 0)
        e["bytes"] = res.bytes;
      if (!res.format.empty())
        e["format"] = res.format;
      r[cfg] = e;
    }
    layers.push_back(
        {{"name", l.name}, {"rows", l.rows}, {"cols", l.cols}, {"results", r}});
  }
  j["layers"] = layers;
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return fail("cannot write '" + path + "': " + ec.message());
  os << j.dump(1) << "\n";
  return llvm::Error::success();
}

namespace {
/// Typed field access without exceptions (qcc builds with -fno-exceptions).
struct Fields {
  std::string where, error;
  const json *get(const json &o, const char *key, json::value_t type,
                  bool optional = false) {
    if (!error.empty())
      return nullptr;
    auto it = o.find(key);
    bool number = type == json::value_t::number_float;
    if (it == o.end() || !(it->type() == type || (number && it->is_number()))) {
      if (!(optional && it == o.end()))
        error = where + ": field '" + key + "' is missing or of the wrong type";
      return nullptr;
    }
    return &*it;
  }
  std::string str(const json &o, const char *key, bool optional = true) {
    const json *v = get(o, key, json::value_t::string, optional);
    return v ? v->get<std::string>() : "";
  }
  double num(const json &o, const char *key, double dflt, bool optional) {
    const json *v = get(o, key, json::value_t::number_float, optional);
    return v ? v->get<double>() : dflt;
  }
};
} // namespace

llvm::Expected<SensitivityTable> readSensitivity(llvm::StringRef path) {
  auto buf = llvm::MemoryBuffer::getFile(path);
  if (!buf)
    return fail("cannot read sensitivity file '" + path +
                "': " + buf.getError().message());
  json j = json::parse((*buf)->getBuffer().begin(), (*buf)->getBuffer().end(),
                       nullptr,
                       /*allow_exceptions=*/false);
  if (j.is_discarded())
    return fail("sensitivity file '" + path + "' is not valid JSON");
  if (!j.is_object() || !j.contains("format") || !j["format"].is_string() ||
      j["format"].get<std::string>() != "qcc-sensitivity-1")
    return fail("sensitivity file '" + path +
                "' is not a qcc-sensitivity-1 file (write it with "
                "qcc-sensitivity)");
  SensitivityTable t;
  Fields f{("sensitivity file '" + path + "'").str(), ""};
  t.model = f.str(j, "model");
  t.modelHash = f.str(j, "model_hash");
  t.metric = f.str(j, "metric");
  t.method = f.str(j, "method");
  t.probeConfig = f.str(j, "probe_config");
  t.seconds = f.num(j, "seconds", 0, true);
  if (const json *c = f.get(j, "calibration", json::value_t::object, true)) {
    t.calibText = f.str(*c, "text");
    t.calibSeq = (int64_t)f.num(*c, "seq", 0, true);
    t.calibSamples = (int64_t)f.num(*c, "samples", 0, true);
    t.calibTokens = (int64_t)f.num(*c, "tokens", 0, true);
  }
  if (const json *cs = f.get(j, "configs", json::value_t::array))
    for (const json &c : *cs) {
      if (!c.is_string())
        return fail(f.where + ": 'configs' holds a non-string");
      t.configs.push_back(c.get<std::string>());
    }
  if (const json *fx = f.get(j, "fixed", json::value_t::array, true))
    for (const json &e : *fx) {
      if (!e.is_object())
        return fail(f.where + ": 'fixed' holds a non-object");
      std::string name = f.str(e, "name", false);
      double bytes = f.num(e, "bytes", 0, false);
      t.fixedTensors.push_back({name, bytes});
    }
  const json *layers = f.get(j, "layers", json::value_t::array);
  if (!f.error.empty())
    return fail(f.error);
  for (const json &l : *layers) {
    if (!l.is_object())
      return fail(f.where + ": 'layers' holds a non-object");
    LayerSensitivity ls;
    ls.name = f.str(l, "name", false);
    ls.rows = (int64_t)f.num(l, "rows", 0, false);
    ls.cols = (int64_t)f.num(l, "cols", 0, false);
    const json *results = f.get(l, "results", json::value_t::object);
    if (!f.error.empty())
      return fail(f.error);
    if (ls.rows <= 0 || ls.cols <= 0)
      return fail(f.where + ": layer " + ls.name + " has a non-positive shape");
    for (auto &[cfg, r] : results->items()) {
      if (!r.is_object())
        return fail(f.where + ": layer " + ls.name + " config " + cfg +
                    " is not an object");
      ConfigResult res;
      res.layerMse = f.num(r, "layer_mse", -1, true);
      res.kl = f.num(r, "kl", -1, true);
      res.sensitivity = f.num(r, "sensitivity", -1, false);
      res.bytes = f.num(r, "bytes", -1, true);
      res.format = f.str(r, "format");
      if (!f.error.empty())
        return fail(f.error);
      if (!(res.sensitivity >= 0) || !std::isfinite(res.sensitivity))
        return fail(f.where + ": layer " + ls.name + " config " + cfg +
                    " has a negative or non-finite sensitivity");
      ls.results[cfg] = res;
    }
    t.layers.push_back(std::move(ls));
  }
  if (!f.error.empty())
    return fail(f.error);
  if (t.layers.empty())
    return fail("sensitivity file '" + path + "' lists no layers");
  return t;
}

} // namespace qcc::alloc
