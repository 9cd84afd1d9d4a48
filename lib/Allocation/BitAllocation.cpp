//===- BitAllocation.cpp - greedy, Lagrangian and knapsack allocation -----===//

#include "qcc/Allocation/BitAllocation.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Regex.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace qcc::alloc {

static llvm::Error fail(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

llvm::Expected<Budget> parseBudget(BudgetKind kind, llvm::StringRef text) {
  Budget b;
  b.kind = kind;
  const char *flag = kind == BudgetKind::bitsPerWeight ? "--bpw"
                     : kind == BudgetKind::bytes       ? "--size"
                                                       : "--latency";
  b.text = (llvm::Twine(flag) + "=" + text).str();
  llvm::StringRef s = text.trim();
  size_t unitAt = s.size();
  while (unitAt > 0 && llvm::isAlpha(s[unitAt - 1]))
    --unitAt;
  llvm::StringRef number = s.take_front(unitAt).rtrim(),
                  unit = s.drop_front(unitAt);
  double v;
  bool numberOk = !number.empty() && !number.getAsDouble(v) && std::isfinite(v);
  if (kind == BudgetKind::bitsPerWeight) {
    if (!unit.empty() || !numberOk || !(v > 0 && v <= 32))
      return fail(b.text + ": bits per weight must be a number in (0, 32], "
                           "e.g. --bpw=3.8");
    b.value = v;
    return b;
  }
  if (!numberOk || !(v > 0))
    return fail(b.text + ": expected a positive number with a unit, e.g. " +
                (kind == BudgetKind::bytes ? "--size=40MB" : "--latency=12ms"));
  double scale = 0;
  if (kind == BudgetKind::bytes) {
    static const std::pair<const char *, double> units[] = {
        {"B", 1},           {"kB", 1e3},          {"KB", 1e3},
        {"MB", 1e6},        {"GB", 1e9},          {"KiB", 1024.0},
        {"MiB", 1048576.0}, {"GiB", 1073741824.0}};
    for (auto &[u, f] : units)
      if (unit == u)
        scale = f;
    if (unit.empty())
      return fail(b.text + ": a size needs a unit (B, kB, MB, GB, KiB, MiB "
                           "or GiB), e.g. --size=40MB");
    if (!scale)
      return fail(b.text + ": unknown size unit '" + unit +
                  "' (expected B, kB, MB, GB, KiB, MiB or GiB)");
  } else {
    if (unit == "us")
      scale = 1e-6;
    else if (unit == "ms")
      scale = 1e-3;
    else if (unit == "s")
      scale = 1;
    if (unit.empty())
      return fail(b.text + ": a latency needs a unit (us, ms or s), e.g. "
                           "--latency=12ms");
    if (!scale)
      return fail(b.text + ": unknown time unit '" + unit +
                  "' (expected us, ms or s)");
  }
  b.value = v * scale;
  return b;
}

llvm::Expected<std::vector<Override>> parseOverrides(llvm::StringRef text) {
  std::vector<Override> out;
  llvm::SmallVector<llvm::StringRef> items;
  text.split(items, ',', -1, /*KeepEmpty=*/false);
  std::map<std::string, std::string> seen;
  for (llvm::StringRef item : items) {
    item = item.trim();
    size_t eq = item.rfind('=');
    if (eq == llvm::StringRef::npos || eq == 0 || eq + 1 == item.size())
      return fail("--layer-quant: '" + item +
                  "' is not REGEX=CONFIG (e.g. 'attn_v|ffn_down=q6k')");
    Override o{item.take_front(eq).str(), item.drop_front(eq + 1).str()};
    std::string error;
    if (!llvm::Regex(o.regex).isValid(error))
      return fail("--layer-quant: bad regular expression '" + o.regex +
                  "': " + error);
    auto [it, fresh] = seen.insert({o.regex, o.config});
    if (!fresh && it->second != o.config)
      return fail("--layer-quant: contradictory overrides: '" + o.regex +
                  "' is given both " + it->second + " and " + o.config);
    out.push_back(o);
  }
  if (out.empty())
    return fail("--layer-quant: no REGEX=CONFIG given");
  return out;
}

double budgetCost(BudgetKind kind, const Candidate &c) {
  switch (kind) {
  case BudgetKind::bitsPerWeight:
    return c.bytes * 8;
  case BudgetKind::bytes:
    return c.bytes;
  case BudgetKind::latency:
    return c.seconds;
  }
  return 0;
}

double budgetLimit(const Budget &budget, double weights, double fixedBytes) {
  switch (budget.kind) {
  case BudgetKind::bitsPerWeight:
    return budget.value * weights;
  case BudgetKind::bytes:
    return budget.value - fixedBytes;
  case BudgetKind::latency:
    return budget.value;
  }
  return 0;
}

llvm::Error applyOverrides(std::vector<AllocLayer> &layers,
                           const std::vector<Override> &overrides) {
  for (const Override &o : overrides) {
    llvm::Regex re(o.regex);
    int matched = 0;
    for (AllocLayer &l : layers) {
      if (!re.match(l.name))
        continue;
      ++matched;
      int idx = -1;
      for (size_t i = 0; i < l.candidates.size(); ++i)
        if (l.candidates[i].config == o.config)
          idx = (int)i;
      if (idx < 0) {
        std::string names;
        for (const Candidate &c : l.candidates)
          names += (names.empty() ? "" : ", ") + c.config;
        return fail("--layer-quant '" + o.regex + "=" + o.config + "': layer " +
                    l.name + " has no measured candidate " + o.config +
                    " (candidates: " + names + ")");
      }
      l.pinned = idx; // later overrides win
      l.pinnedBy = o.regex + "=" + o.config;
    }
    if (!matched)
      return fail("--layer-quant '" + o.regex + "=" + o.config +
                  "' matches no layer");
  }
  return llvm::Error::success();
}

namespace {

/// The candidates a layer may take.
std::vector<int> allowed(const AllocLayer &l) {
  if (l.pinned >= 0)
    return {l.pinned};
  std::vector<int> v(l.candidates.size());
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = (int)i;
  return v;
}

int cheapest(const AllocLayer &l, BudgetKind kind, bool honourPin = true) {
  int best = -1;
  std::vector<int> idx =
      honourPin
          ? allowed(l)
          : allowed(AllocLayer{l.name, l.rows, l.cols, l.candidates, -1, ""});
  for (int i : idx) {
    const Candidate &c = l.candidates[i];
    if (best < 0)
      best = i;
    const Candidate &b = l.candidates[best];
    double cc = budgetCost(kind, c), cb = budgetCost(kind, b);
    if (cc < cb || (cc == cb && c.error < b.error))
      best = i;
  }
  return best;
}

struct Search_ {
  const std::vector<AllocLayer> &layers;
  BudgetKind kind;
  double limit;

  double cost(int l, int c) const {
    return budgetCost(kind, layers[l].candidates[c]);
  }
  double err(int l, int c) const { return layers[l].candidates[c].error; }

  double totalCost(const std::vector<int> &choice) const {
    double t = 0;
    for (size_t l = 0; l < choice.size(); ++l)
      t += cost(l, choice[l]);
    return t;
  }

  /// Takes, while any fits, the upgrade with the largest error decrease
  /// per unit of cost (a dominating one first).
  void greedyFill(std::vector<int> &choice) const {
    double total = totalCost(choice);
    for (;;) {
      int bl = -1, bc = -1;
      double bestRate = -1;
      for (size_t l = 0; l < layers.size(); ++l) {
        int cur = choice[l];
        for (int c : allowed(layers[l])) {
          double de = err(l, cur) - err(l, c), dc = cost(l, c) - cost(l, cur);
          if (!(de > 0) || total + dc > limit * (1 + 1e-12))
            continue;
          double rate =
              dc <= 0 ? std::numeric_limits<double>::infinity() : de / dc;
          if (rate > bestRate) {
            bestRate = rate;
            bl = (int)l;
            bc = c;
          }
        }
      }
      if (bl < 0)
        return;
      total += cost(bl, bc) - cost(bl, choice[bl]);
      choice[bl] = bc;
    }
  }

  std::vector<int> lagrangeChoice(double lambda) const {
    std::vector<int> choice(layers.size());
    for (size_t l = 0; l < layers.size(); ++l) {
      int best = -1;
      double bestV = 0;
      for (int c : allowed(layers[l])) {
        double v = err(l, c) + lambda * cost(l, c);
        if (best < 0 || v < bestV ||
            (v == bestV && cost(l, c) < cost(l, best))) {
          best = c;
          bestV = v;
        }
      }
      choice[l] = best;
    }
    return choice;
  }

  std::vector<int> lagrange(double &lambdaOut) const {
    double lo = -60, hi = 60; // log10 lambda
    std::vector<int> c = lagrangeChoice(0);
    if (totalCost(c) <= limit) {
      lambdaOut = 0;
      return c;
    }
    for (int it = 0; it < 200; ++it) {
      double mid = (lo + hi) / 2;
      if (totalCost(lagrangeChoice(std::pow(10.0, mid))) <= limit)
        hi = mid;
      else
        lo = mid;
    }
    lambdaOut = std::pow(10.0, hi);
    c = lagrangeChoice(lambdaOut);
    greedyFill(c);
    return c;
  }

  /// Exact knapsack over costs in units of slack / kUnits, rounded up.
  std::vector<int> dp() const {
    constexpr int kUnits = 20000;
    size_t n = layers.size();
    std::vector<int> base(n);
    double minTotal = 0, maxExtra = 0;
    for (size_t l = 0; l < n; ++l) {
      base[l] = cheapest(layers[l], kind);
      minTotal += cost(l, base[l]);
      double m = 0;
      for (int c : allowed(layers[l]))
        m = std::max(m, cost(l, c) - cost(l, base[l]));
      maxExtra += m;
    }
    double slack = limit - minTotal;
    if (slack >= maxExtra) { // everything fits: the most accurate each
      std::vector<int> choice(n);
      for (size_t l = 0; l < n; ++l) {
        int best = -1;
        for (int c : allowed(layers[l]))
          if (best < 0 || err(l, c) < err(l, best) ||
              (err(l, c) == err(l, best) && cost(l, c) < cost(l, best)))
            best = c;
        choice[l] = best;
      }
      return choice;
    }
    double unit = slack / kUnits;
    const double inf = std::numeric_limits<double>::infinity();
    std::vector<double> best(kUnits + 1, 0.0), next(kUnits + 1);
    std::vector<std::vector<uint8_t>> pick(n, std::vector<uint8_t>(kUnits + 1));
    for (size_t l = 0; l < n; ++l) {
      std::vector<std::pair<int, int>> opts; // candidate, units
      for (int c : allowed(layers[l])) {
        double extra = cost(l, c) - cost(l, base[l]);
        int u = extra <= 0 ? 0 : (int)std::ceil(extra / unit - 1e-9);
        if (u <= kUnits)
          opts.push_back({c, u});
      }
      for (int j = 0; j <= kUnits; ++j) {
        double v = inf;
        int pc = base[l];
        for (auto [c, u] : opts)
          if (u <= j && best[j - u] + err(l, c) < v) {
            v = best[j - u] + err(l, c);
            pc = c;
          }
        next[j] = v;
        pick[l][j] = (uint8_t)pc;
      }
      best.swap(next);
    }
    std::vector<int> choice(n);
    int j = kUnits;
    for (size_t l = n; l-- > 0;) {
      int c = pick[l][j];
      choice[l] = c;
      double extra = cost(l, c) - cost(l, base[l]);
      j -= extra <= 0 ? 0 : (int)std::ceil(extra / unit - 1e-9);
    }
    return choice;
  }
};

std::string costText(BudgetKind kind, double c) {
  switch (kind) {
  case BudgetKind::bitsPerWeight:
    return llvm::formatv("{0:f1} KB", c / 8 / 1e3).str();
  case BudgetKind::bytes:
    return llvm::formatv("{0:f1} KB", c / 1e3).str();
  case BudgetKind::latency:
    return llvm::formatv("{0:f1} us", c * 1e6).str();
  }
  return "";
}

std::string reachText(const Budget &b, double cost, double weights,
                      double fixedBytes) {
  switch (b.kind) {
  case BudgetKind::bitsPerWeight:
    return llvm::formatv("{0:f3} bits per weight", cost / weights).str();
  case BudgetKind::bytes:
    return llvm::formatv("{0:f2} MB ({1:f2} MB of allocated layers + {2:f2} "
                         "MB of fixed tensors)",
                         (cost + fixedBytes) / 1e6, cost / 1e6,
                         fixedBytes / 1e6)
        .str();
  case BudgetKind::latency:
    return llvm::formatv("{0:f3} ms", cost * 1e3).str();
  }
  return "";
}

void fillTotals(const std::vector<AllocLayer> &layers, Plan &p) {
  p.bytes = p.seconds = p.error = p.weights = 0;
  for (size_t l = 0; l < layers.size(); ++l) {
    const Candidate &c = layers[l].candidates[p.choice[l]];
    p.bytes += c.bytes;
    p.seconds += c.seconds;
    p.error += c.error;
    p.weights += (double)layers[l].rows * (double)layers[l].cols;
  }
}

} // namespace

llvm::Expected<Plan> allocate(const std::vector<AllocLayer> &layers,
                              const Budget &budget, Search search,
                              double fixedBytes) {
  if (layers.empty())
    return fail("no layers to allocate");
  double weights = 0, minCost = 0, minCostFree = 0;
  for (const AllocLayer &l : layers) {
    if (l.candidates.empty())
      return fail("layer " + l.name + " has no candidate config");
    weights += (double)l.rows * (double)l.cols;
    minCost += budgetCost(budget.kind, l.candidates[cheapest(l, budget.kind)]);
    minCostFree +=
        budgetCost(budget.kind, l.candidates[cheapest(l, budget.kind, false)]);
  }
  double limit = budgetLimit(budget, weights, fixedBytes);
  if (minCostFree > limit * (1 + 1e-12))
    return fail(budget.text + " is below the smallest reachable: " +
                reachText(budget, minCostFree, weights, fixedBytes) +
                " with every layer at its cheapest candidate");
  if (minCost > limit * (1 + 1e-12))
    return fail(budget.text +
                " contradicts the --layer-quant overrides: "
                "with the layers they pin the smallest "
                "reachable is " +
                reachText(budget, minCost, weights, fixedBytes));

  Search_ s{layers, budget.kind, limit};
  Plan p;
  p.search = search;
  switch (search) {
  case Search::greedy: {
    p.choice.resize(layers.size());
    for (size_t l = 0; l < layers.size(); ++l)
      p.choice[l] = cheapest(layers[l], budget.kind);
    s.greedyFill(p.choice);
    break;
  }
  case Search::lagrange:
    p.choice = s.lagrange(p.lambda);
    break;
  case Search::dp:
    p.choice = s.dp();
    break;
  }
  fillTotals(layers, p);

  // Why each layer got its config: what the next cheaper candidate would
  // have cost in error, and what the next more accurate one would have
  // bought. The margin (lambda) is the best rate among rejected upgrades.
  double margin = 0;
  p.why.resize(layers.size());
  for (size_t l = 0; l < layers.size(); ++l) {
    const AllocLayer &L = layers[l];
    int ci = p.choice[l];
    const Candidate &c = L.candidates[ci];
    if (L.pinned >= 0) {
      p.why[l] = "pinned by --layer-quant '" + L.pinnedBy + "'";
      continue;
    }
    if (L.candidates.size() == 1) {
      p.why[l] = "the only candidate";
      continue;
    }
    double cc = budgetCost(budget.kind, c);
    int cheaper = -1, richer = -1;
    for (size_t i = 0; i < L.candidates.size(); ++i) {
      const Candidate &o = L.candidates[i];
      double oc = budgetCost(budget.kind, o);
      if (oc < cc && o.error > c.error &&
          (cheaper < 0 || oc > budgetCost(budget.kind, L.candidates[cheaper])))
        cheaper = (int)i;
      if (o.error < c.error &&
          (richer < 0 || oc < budgetCost(budget.kind, L.candidates[richer])))
        richer = (int)i;
    }
    std::string why;
    if (cheaper >= 0) {
      const Candidate &o = L.candidates[cheaper];
      why +=
          llvm::formatv("over {0}: {1:e2} less error for {2} more", o.config,
                        o.error - c.error,
                        costText(budget.kind, cc - budgetCost(budget.kind, o)))
              .str();
    } else {
      why += "cheapest useful candidate";
    }
    if (richer >= 0) {
      const Candidate &o = L.candidates[richer];
      double dc = budgetCost(budget.kind, o) - cc, de = c.error - o.error;
      if (dc > 0)
        margin = std::max(margin, de / dc);
      why += llvm::formatv("; {0} not taken: {1:e2} less for {2} more",
                           o.config, de, costText(budget.kind, dc))
                 .str();
    } else {
      why += "; most accurate candidate";
    }
    p.why[l] = why;
  }
  if (search != Search::lagrange)
    p.lambda = margin;
  return p;
}

Plan uniformPlan(const std::vector<AllocLayer> &layers,
                 const std::string &config) {
  Plan p;
  p.choice.resize(layers.size());
  for (size_t l = 0; l < layers.size(); ++l) {
    int idx = cheapest(layers[l], BudgetKind::bytes, false);
    for (size_t i = 0; i < layers[l].candidates.size(); ++i)
      if (layers[l].candidates[i].config == config)
        idx = (int)i;
    p.choice[l] = idx;
  }
  fillTotals(layers, p);
  return p;
}

std::vector<Plan> paretoFront(const std::vector<AllocLayer> &layers) {
  std::vector<AllocLayer> free = layers;
  for (AllocLayer &l : free)
    l.pinned = -1;
  Search_ s{free, BudgetKind::bytes, std::numeric_limits<double>::infinity()};
  std::vector<Plan> out;
  for (int i = 0; i <= 400; ++i) {
    double lambda = std::pow(10.0, -20.0 + i * 0.06);
    Plan p;
    p.search = Search::lagrange;
    p.lambda = lambda;
    p.choice = s.lagrangeChoice(lambda);
    fillTotals(free, p);
    if (!out.empty() && out.back().bytes == p.bytes)
      continue;
    out.push_back(p);
  }
  std::sort(out.begin(), out.end(),
            [](const Plan &a, const Plan &b) { return a.bytes < b.bytes; });
  return out;
}

std::string planAsLayerQuant(const std::vector<AllocLayer> &layers,
                             const Plan &plan) {
  std::map<std::string, std::vector<std::string>> byConfig;
  for (size_t l = 0; l < layers.size(); ++l) {
    std::string escaped;
    for (char ch : layers[l].name) {
      if (llvm::StringRef(".[]()|*+?^$\\{}").contains(ch))
        escaped += '\\';
      escaped += ch;
    }
    byConfig[layers[l].candidates[plan.choice[l]].config].push_back(escaped);
  }
  std::string out;
  for (auto &[config, names] : byConfig) {
    if (!out.empty())
      out += ",";
    out += "^(" + llvm::join(names, "|") + ")$=" + config;
  }
  return out;
}

} // namespace qcc::alloc
