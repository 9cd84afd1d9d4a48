//===- Report.cpp - the bit allocator's decisions as HTML and JSON --------===//

#include "qcc/Allocation/Report.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>

using json = nlohmann::json;

namespace qcc::alloc {

namespace {

llvm::Error fail(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

double bitsOf(const AllocLayer &l, const Candidate &c) {
  return c.bytes * 8 / ((double)l.rows * (double)l.cols);
}

const ConfigResult *resultOf(const SensitivityTable &t, size_t layer,
                             const std::string &config) {
  auto &r = t.layers[layer].results;
  auto it = r.find(config);
  return it == r.end() ? nullptr : &it->second;
}

json planJson(const std::vector<AllocLayer> &layers, const Plan &p,
              double fixedBytes) {
  return {{"bits_per_weight", p.bitsPerWeight()},
          {"bytes", p.bytes},
          {"total_bytes", p.bytes + fixedBytes},
          {"predicted_seconds", p.seconds},
          {"predicted_error", p.error}};
}

json toJson(const ReportInput &in) {
  const SensitivityTable &t = *in.table;
  const auto &layers = *in.layers;
  const Plan &p = *in.plan;
  double fixed = t.fixedBytes();
  json j;
  j["format"] = "qcc-allocation-report-1";
  j["model"] = t.model;
  j["model_hash"] = t.modelHash;
  j["metric"] = t.metric;
  j["sensitivity_method"] = t.method;
  j["target"] = in.costModel->target;
  j["threads"] = in.costModel->threads;
  j["tokens"] = in.tokens;
  j["budget"] = in.budget->text;
  j["search"] = in.search;
  j["plan"] = planJson(layers, p, fixed);
  j["plan"]["lambda"] = p.lambda;
  j["layer_quant"] = in.layerQuant;
  json fx = json::array();
  for (auto &f : t.fixedTensors)
    fx.push_back({{"name", f.first}, {"bytes", f.second}});
  j["fixed"] = fx;
  json ls = json::array();
  for (size_t l = 0; l < layers.size(); ++l) {
    const AllocLayer &L = layers[l];
    const Candidate &c = L.candidates[p.choice[l]];
    json cands = json::array();
    for (const Candidate &o : L.candidates) {
      json e = {{"config", o.config}, {"bits_per_weight", bitsOf(L, o)},
                {"bytes", o.bytes},   {"predicted_seconds", o.seconds},
                {"native", o.native}, {"sensitivity", o.error}};
      if (const ConfigResult *r = resultOf(t, l, o.config)) {
        e["layer_mse"] = r->layerMse;
        if (r->kl >= 0)
          e["measured_kl"] = r->kl;
      }
      cands.push_back(e);
    }
    ls.push_back({{"name", L.name},
                  {"rows", L.rows},
                  {"cols", L.cols},
                  {"config", c.config},
                  {"bits_per_weight", bitsOf(L, c)},
                  {"bytes", c.bytes},
                  {"predicted_seconds", c.seconds},
                  {"sensitivity", c.error},
                  {"why", p.why[l]},
                  {"candidates", cands}});
  }
  j["layers"] = ls;
  json u = json::array();
  for (auto &[cfg, up] : in.uniform) {
    json e = planJson(layers, up, fixed);
    e["config"] = cfg;
    u.push_back(e);
  }
  j["uniform"] = u;
  json pf = json::array();
  for (const Plan &q : in.pareto) {
    json e = planJson(layers, q, fixed);
    e["lambda"] = q.lambda;
    pf.push_back(e);
  }
  j["pareto"] = pf;
  return j;
}

std::string esc(llvm::StringRef s) {
  std::string o;
  for (char c : s) {
    switch (c) {
    case '<':
      o += "&lt;";
      break;
    case '>':
      o += "&gt;";
      break;
    case '&':
      o += "&amp;";
      break;
    case '"':
      o += "&quot;";
      break;
    default:
      o += c;
    }
  }
  return o;
}

/// The layer's role, e.g. "attn_q" for blk.3.attn_q.weight.
std::string roleOf(llvm::StringRef name) {
  llvm::StringRef s = name;
  if (s.starts_with("blk.")) {
    s = s.drop_front(4);
    s = s.drop_until([](char c) { return c == '.'; }).drop_front();
  }
  return s.split('.').first.str();
}

const char *kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                          "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                          "#bcbd22", "#17becf"};

/// A plot frame mapping data to an SVG viewport, with a log-scale option.
struct Frame {
  double x0, x1, y0, y1; // data range (y in log10 when logY)
  bool logY;
  double w = 720, h = 380, l = 70, r = 20, t = 20, b = 50;
  double X(double x) const {
    return l + (x - x0) / (x1 - x0 == 0 ? 1 : x1 - x0) * (w - l - r);
  }
  double Y(double y) const {
    double v = logY ? std::log10(std::max(y, 1e-30)) : y;
    return h - b - (v - y0) / (y1 - y0 == 0 ? 1 : y1 - y0) * (h - t - b);
  }
  void axes(llvm::raw_ostream &os, llvm::StringRef xl, llvm::StringRef yl,
            int xTicks = 6) const {
    os << llvm::formatv("<rect x='{0}' y='{1}' width='{2}' height='{3}' "
                        "fill='white' stroke='#444'/>\n",
                        l, t, w - l - r, h - t - b);
    for (int i = 0; i <= xTicks; ++i) {
      double x = x0 + (x1 - x0) * i / xTicks;
      os << llvm::formatv("<text x='{0:f1}' y='{1:f1}' font-size='11' "
                          "text-anchor='middle'>{2:g}</text>\n",
                          X(x), h - b + 16, std::round(x * 1000) / 1000);
    }
    for (int e = (int)std::floor(y0); e <= (int)std::ceil(y1); ++e) {
      if (!logY)
        break;
      double yy = h - b - (e - y0) / (y1 - y0 == 0 ? 1 : y1 - y0) * (h - t - b);
      if (yy < t - 1 || yy > h - b + 1)
        continue;
      os << llvm::formatv("<line x1='{0}' x2='{1}' y1='{2:f1}' y2='{2:f1}' "
                          "stroke='#ddd'/><text x='{3}' y='{4:f1}' "
                          "font-size='11' text-anchor='end'>1e{5}</text>\n",
                          l, w - r, yy, l - 4, yy + 4, e);
    }
    os << llvm::formatv("<text x='{0}' y='{1}' font-size='12' "
                        "text-anchor='middle'>{2}</text>\n",
                        (l + w - r) / 2, h - 12, esc(xl));
    os << llvm::formatv("<text x='14' y='{0}' font-size='12' "
                        "text-anchor='middle' transform='rotate(-90 14 {0})'>"
                        "{1}</text>\n",
                        (t + h - b) / 2, esc(yl));
  }
};

void logRange(double lo, double hi, double &y0, double &y1) {
  lo = std::max(lo, 1e-30);
  hi = std::max(hi, lo * 10);
  y0 = std::floor(std::log10(lo));
  y1 = std::ceil(std::log10(hi));
}

void errorVsBitsPlot(const ReportInput &in, llvm::raw_ostream &os) {
  const auto &layers = *in.layers;
  double bx0 = 1e9, bx1 = 0, e0 = 1e300, e1 = 0;
  for (const AllocLayer &L : layers)
    for (const Candidate &c : L.candidates) {
      bx0 = std::min(bx0, bitsOf(L, c));
      bx1 = std::max(bx1, bitsOf(L, c));
      if (c.error > 0) {
        e0 = std::min(e0, c.error);
        e1 = std::max(e1, c.error);
      }
    }
  if (e1 == 0)
    e0 = 1e-12, e1 = 1;
  Frame f{std::floor(bx0 * 2) / 2, std::ceil(bx1 * 2) / 2, 0, 0, true};
  logRange(e0, e1, f.y0, f.y1);
  os << "<svg id='error-vs-bits' xmlns='http://www.w3.org/2000/svg' "
        "width='720' height='380' viewBox='0 0 720 380'>\n";
  f.axes(os, "bits per weight", "sensitivity (" + in.table->metric + ")");
  std::map<std::string, int> roles;
  for (size_t l = 0; l < layers.size(); ++l) {
    const AllocLayer &L = layers[l];
    std::string role = roleOf(L.name);
    int color = roles.emplace(role, (int)roles.size()).first->second % 10;
    std::vector<std::pair<double, double>> pts;
    for (const Candidate &c : L.candidates)
      pts.push_back({bitsOf(L, c), c.error});
    std::sort(pts.begin(), pts.end());
    os << "<polyline fill='none' stroke-opacity='0.45' stroke='"
       << kPalette[color] << "' points='";
    for (auto &[x, y] : pts)
      os << llvm::formatv("{0:f1},{1:f1} ", f.X(x), f.Y(y));
    os << "'><title>" << esc(L.name) << "</title></polyline>\n";
    const Candidate &c = L.candidates[in.plan->choice[l]];
    os << llvm::formatv("<circle cx='{0:f1}' cy='{1:f1}' r='3' fill='{2}'>"
                        "<title>{3}: {4}</title></circle>\n",
                        f.X(bitsOf(L, c)), f.Y(c.error), kPalette[color],
                        esc(L.name), esc(c.config));
  }
  int i = 0;
  for (auto &[role, color] : roles) {
    os << llvm::formatv("<rect x='{0}' y='{1}' width='10' height='10' "
                        "fill='{2}'/><text x='{3}' y='{4}' font-size='11'>"
                        "{5}</text>\n",
                        600, 28 + 14 * i, kPalette[color % 10], 614,
                        37 + 14 * i, esc(role));
    ++i;
  }
  os << "</svg>\n";
}

void paretoPlot(const ReportInput &in, llvm::raw_ostream &os) {
  double fixed = in.table->fixedBytes();
  std::vector<const Plan *> all;
  for (const Plan &p : in.pareto)
    all.push_back(&p);
  for (auto &u : in.uniform)
    all.push_back(&u.second);
  all.push_back(in.plan);
  double x0 = 1e300, x1 = 0, e0 = 1e300, e1 = 0;
  for (const Plan *p : all) {
    double mb = (p->bytes + fixed) / 1e6;
    x0 = std::min(x0, mb);
    x1 = std::max(x1, mb);
    if (p->error > 0) {
      e0 = std::min(e0, p->error);
      e1 = std::max(e1, p->error);
    }
  }
  if (e1 == 0)
    e0 = 1e-12, e1 = 1;
  double pad = std::max(0.05 * (x1 - x0), 1e-3);
  Frame f{std::max(0.0, x0 - pad), x1 + pad, 0, 0, true};
  logRange(e0, e1, f.y0, f.y1);
  os << "<svg id='pareto' xmlns='http://www.w3.org/2000/svg' width='720' "
        "height='380' viewBox='0 0 720 380'>\n";
  f.axes(os, "weight size (MB, fixed tensors included)",
         "predicted model error (sum of sensitivities)");
  os << "<polyline fill='none' stroke='#1f77b4' stroke-width='2' points='";
  for (const Plan &p : in.pareto)
    os << llvm::formatv("{0:f1},{1:f1} ", f.X((p.bytes + fixed) / 1e6),
                        f.Y(p.error));
  os << "'><title>Pareto front (Lagrangian sweep)</title></polyline>\n";
  for (auto &[cfg, p] : in.uniform) {
    double x = f.X((p.bytes + fixed) / 1e6), y = f.Y(p.error);
    os << llvm::formatv(
        "<rect x='{0:f1}' y='{1:f1}' width='7' height='7' "
        "fill='#ff7f0e'><title>uniform {2}</title></rect>"
        "<text x='{3:f1}' y='{4:f1}' font-size='11'>{2}</text>\n",
        x - 3.5, y - 3.5, esc(cfg), x + 6, y - 5);
  }
  double px = f.X((in.plan->bytes + fixed) / 1e6), py = f.Y(in.plan->error);
  os << llvm::formatv("<circle cx='{0:f1}' cy='{1:f1}' r='6' fill='#d62728'>"
                      "<title>chosen plan</title></circle><text x='{2:f1}' "
                      "y='{3:f1}' font-size='12' fill='#d62728'>plan</text>\n",
                      px, py, px + 8, py + 14);
  os << "<text x='80' y='36' font-size='11' fill='#1f77b4'>line: Pareto "
        "front</text><text x='80' y='50' font-size='11' fill='#ff7f0e'>"
        "squares: uniform configs</text>\n";
  os << "</svg>\n";
}

void bitsPerLayerPlot(const ReportInput &in, llvm::raw_ostream &os) {
  const auto &layers = *in.layers;
  double bmax = 0;
  for (size_t l = 0; l < layers.size(); ++l)
    bmax = std::max(
        bmax, bitsOf(layers[l], layers[l].candidates[in.plan->choice[l]]));
  Frame f{0, (double)layers.size(), 0, std::ceil(bmax), false};
  os << "<svg id='bits-per-layer' xmlns='http://www.w3.org/2000/svg' "
        "width='720' height='380' viewBox='0 0 720 380'>\n";
  f.axes(os, "layer (file order)", "chosen bits per weight", 5);
  for (int b = 0; b <= (int)std::ceil(bmax); b += 2)
    os << llvm::formatv("<text x='{0}' y='{1:f1}' font-size='11' "
                        "text-anchor='end'>{2}</text>\n",
                        f.l - 4, f.Y(b) + 4, b);
  std::map<std::string, int> roles;
  double bw = (f.w - f.l - f.r) / std::max<size_t>(1, layers.size());
  for (size_t l = 0; l < layers.size(); ++l) {
    const Candidate &c = layers[l].candidates[in.plan->choice[l]];
    int color =
        roles.emplace(roleOf(layers[l].name), (int)roles.size()).first->second %
        10;
    double b = bitsOf(layers[l], c);
    os << llvm::formatv("<rect x='{0:f2}' y='{1:f1}' width='{2:f2}' "
                        "height='{3:f1}' fill='{4}'><title>{5}: {6} ({7:f2} "
                        "bpw)</title></rect>\n",
                        f.X((double)l), f.Y(b), std::max(bw - 0.3, 0.5),
                        f.Y(0) - f.Y(b), kPalette[color], esc(layers[l].name),
                        esc(c.config), b);
  }
  os << "</svg>\n";
}

void writeHtml(const ReportInput &in, llvm::raw_ostream &os) {
  const SensitivityTable &t = *in.table;
  const auto &layers = *in.layers;
  const Plan &p = *in.plan;
  double fixed = t.fixedBytes();
  os << "<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
        "<title>qcc bit allocation: "
     << esc(t.model)
     << "</title>\n<style>body{font-family:sans-serif;margin:20px;}"
        "table{border-collapse:collapse;font-size:12px;}"
        "td,th{border:1px solid #bbb;padding:2px 6px;text-align:right;}"
        "td.l{text-align:left;}svg{border:1px solid #ccc;margin:6px;}"
        "</style></head><body>\n";
  os << "<h1>qcc bit allocation</h1>\n<p>model <b>" << esc(t.model)
     << "</b> (xxh3 " << esc(t.modelHash) << "), target <b>"
     << esc(in.costModel->target) << "</b> (" << in.costModel->threads
     << " thread(s), " << in.tokens << " token(s) per call), budget <b>"
     << esc(in.budget->text) << "</b>, search <b>" << esc(in.search)
     << "</b>.</p>\n<p>sensitivity: " << esc(t.method) << "; calibration "
     << t.calibSamples << " x " << t.calibSeq << " tokens of "
     << esc(t.calibText) << ".</p>\n";
  os << "<h2>Totals</h2>\n<table><tr><th>plan</th><th>bits/weight</th>"
        "<th>allocated MB</th><th>total MB</th><th>predicted ms</th>"
        "<th>predicted error</th></tr>\n";
  auto row = [&](llvm::StringRef name, const Plan &q) {
    os << llvm::formatv("<tr><td class='l'>{0}</td><td>{1:f3}</td><td>{2:f2}"
                        "</td><td>{3:f2}</td><td>{4:f3}</td><td>{5:e3}</td>"
                        "</tr>\n",
                        esc(name), q.bitsPerWeight(), q.bytes / 1e6,
                        (q.bytes + fixed) / 1e6, q.seconds * 1e3, q.error);
  };
  row("allocated (this plan)", p);
  for (auto &[cfg, u] : in.uniform)
    row("uniform " + cfg, u);
  os << "</table>\n";
  os << "<h2>Error against bits, per layer</h2>\n"
        "<p>One line per layer through its candidates; the dot is the "
        "chosen config.</p>\n";
  errorVsBitsPlot(in, os);
  os << "<h2>Model error against size</h2>\n";
  paretoPlot(in, os);
  os << "<h2>Chosen bits per layer</h2>\n";
  bitsPerLayerPlot(in, os);
  os << "<h2>Layers</h2>\n<table><tr><th>layer</th><th>shape</th>"
        "<th>config</th><th>bpw</th><th>KB</th><th>pred. us</th>"
        "<th>sensitivity</th><th>layer MSE</th><th>measured KL</th>"
        "<th>why</th></tr>\n";
  for (size_t l = 0; l < layers.size(); ++l) {
    const AllocLayer &L = layers[l];
    const Candidate &c = L.candidates[p.choice[l]];
    const ConfigResult *r = resultOf(t, l, c.config);
    os << llvm::formatv(
        "<tr><td class='l'>{0}</td><td>{1}x{2}</td><td class='l'>{3}</td>"
        "<td>{4:f3}</td><td>{5:f1}</td><td>{6:f1}</td><td>{7:e2}</td>"
        "<td>{8}</td><td>{9}</td><td class='l'>{10}</td></tr>\n",
        esc(L.name), L.rows, L.cols, esc(c.config), bitsOf(L, c), c.bytes / 1e3,
        c.seconds * 1e6, c.error,
        r && r->layerMse >= 0 ? llvm::formatv("{0:e2}", r->layerMse).str()
                              : std::string("-"),
        r && r->kl >= 0 ? llvm::formatv("{0:e2}", r->kl).str()
                        : std::string("-"),
        esc(p.why[l]));
  }
  os << "</table>\n<h2>Fixed tensors (not allocated)</h2>\n<table>";
  for (auto &fx : t.fixedTensors)
    os << llvm::formatv("<tr><td class='l'>{0}</td><td>{1:f1} KB</td></tr>\n",
                        esc(fx.first), fx.second / 1e3);
  os << "</table>\n<h2>As qcc options</h2>\n<pre style='white-space:"
        "pre-wrap;font-size:11px'>--layer-quant '"
     << esc(in.layerQuant) << "'</pre>\n</body></html>\n";
}

} // namespace

llvm::Error writeReport(const ReportInput &in, llvm::StringRef path) {
  bool html = path.ends_with(".html") || path.ends_with(".htm");
  if (!html && !path.ends_with(".json"))
    return fail("--report=" + path +
                ": the report is written as .html or .json (by extension)");
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return fail("cannot write report '" + path + "': " + ec.message());
  if (html)
    writeHtml(in, os);
  else
    os << toJson(in).dump(1) << "\n";
  return llvm::Error::success();
}

} // namespace qcc::alloc
