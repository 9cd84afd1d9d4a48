//===- qcc-bit-allocation.cpp - per-layer configs under a budget ----------===//
//
//   qcc-bit-allocation SENS.json (--bpw=B | --size=40MB | --latency=12ms)
//       [--target=x86-64-v3] [--target-threads=N] [--tokens=T] [--configs=a,b]
//       [--layer-quant 'REGEX=CONFIG,...'] [--search=dp|greedy|lagrange]
//       [--report=FILE.html] [--report=FILE.json] [--plan-out=FILE]
//   qcc-bit-allocation --print-cost-model [--target=...] [--target-threads=N]
//
// Reads a qcc-sensitivity table, costs every candidate with the target's
// cost model, chooses one config per layer (alloc::allocate), prints the
// plan and the `--layer-quant` value that makes qcc compile it.
//
//===----------------------------------------------------------------------===//

#include "qcc/Allocation/BitAllocation.h"
#include "qcc/Allocation/Report.h"
#include "qcc/Allocation/Sensitivity.h"
#include "qcc/InitAllTargets.h"
#include "qcc/Target/TargetBackend.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <set>

using namespace qcc;
using namespace qcc::alloc;
namespace cl = llvm::cl;

static cl::OptionCategory category("qcc-bit-allocation options");
static cl::opt<std::string> sensitivityPath(cl::Positional,
                                            cl::desc("<sensitivity.json>"),
                                            cl::cat(category));
static cl::opt<std::string> bpw("bpw",
                                cl::desc("Budget: average bits per weight "
                                         "of the allocated layers"),
                                cl::cat(category));
static cl::opt<std::string>
    size("size",
         cl::desc("Budget: total weight bytes, fixed tensors included "
                  "(e.g. 40MB, 38MiB)"),
         cl::cat(category));
static cl::opt<std::string>
    latency("latency",
            cl::desc("Budget: predicted time of the allocated layers per "
                     "call on the target (e.g. 8ms, 900us)"),
            cl::cat(category));
static cl::opt<std::string> target("target",
                                   cl::desc("Target whose cost model is used"),
                                   cl::init("x86-64-v3"), cl::cat(category));
static cl::opt<int> threads("target-threads",
                            cl::desc("Threads the cost model predicts for"),
                            cl::init(1), cl::cat(category));
static cl::opt<int64_t>
    tokens("tokens",
           cl::desc("Tokens per call for the predicted latency (1: decode)"),
           cl::init(1), cl::cat(category));
static cl::opt<std::string>
    configs("configs",
            cl::desc("Candidate configs (comma-separated; default: all "
                     "measured)"),
            cl::cat(category));
static cl::list<std::string>
    layerQuant("layer-quant",
               cl::desc("REGEX=CONFIG[,...]: pins matching layers (the last "
                        "match wins); repeatable"),
               cl::cat(category));
static cl::opt<std::string>
    search("search", cl::desc("dp (exact knapsack), greedy or lagrange"),
           cl::init("dp"), cl::cat(category));
static cl::list<std::string>
    reports("report", cl::desc("Write the report (.html or .json)"),
            cl::cat(category));
static cl::opt<std::string>
    planOut("plan-out",
            cl::desc("Write the plan's --layer-quant value to this file"),
            cl::cat(category));
static cl::opt<bool> printCostModel("print-cost-model",
                                    cl::desc("Print the target's cost model"),
                                    cl::cat(category));
static cl::opt<bool> quiet("quiet", cl::desc("Print totals only"),
                           cl::cat(category));

static int fail(const llvm::Twine &msg) {
  llvm::errs() << "qcc-bit-allocation: error: " << msg << "\n";
  return 1;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "qcc per-layer bit allocation under a budget\n");
  registerAllTargets();
  const TargetBackend *backend = lookupTargetBackend(target);
  if (!backend)
    return fail("unknown target '" + target + "'");
  auto config = backend->configure(target);
  if (!config)
    return fail(llvm::toString(config.takeError()));
  if (threads < 1)
    return fail("--target-threads must be at least 1");
  if (tokens < 1)
    return fail("--tokens must be at least 1");
  auto model = backend->costModel(*config, threads);
  if (!model)
    return fail(llvm::toString(model.takeError()));
  if (printCostModel) {
    model->print(llvm::outs());
    return 0;
  }
  if (sensitivityPath.empty())
    return fail("no sensitivity file given (write one with qcc-sensitivity)");

  int budgets = !bpw.empty() + !size.empty() + !latency.empty();
  if (budgets == 0)
    return fail("no budget: give one of --bpw, --size or --latency");
  if (budgets > 1)
    return fail("contradictory budgets: give only one of --bpw, --size and "
                "--latency");
  auto budget = !bpw.empty()    ? parseBudget(BudgetKind::bitsPerWeight, bpw)
                : !size.empty() ? parseBudget(BudgetKind::bytes, size)
                                : parseBudget(BudgetKind::latency, latency);
  if (!budget)
    return fail(llvm::toString(budget.takeError()));
  Search s;
  if (search == "dp")
    s = Search::dp;
  else if (search == "greedy")
    s = Search::greedy;
  else if (search == "lagrange")
    s = Search::lagrange;
  else
    return fail("--search=" + search + ": expected dp, greedy or lagrange");

  auto table = readSensitivity(sensitivityPath);
  if (!table)
    return fail(llvm::toString(table.takeError()));

  std::set<std::string> wanted;
  if (!configs.empty()) {
    llvm::SmallVector<llvm::StringRef> parts;
    llvm::StringRef(configs).split(parts, ',', -1, false);
    for (llvm::StringRef p : parts) {
      std::string c = p.trim().str();
      if (std::find(table->configs.begin(), table->configs.end(), c) ==
          table->configs.end())
        return fail("--configs: '" + c + "' was not measured in '" +
                    sensitivityPath +
                    "' (measured: " + llvm::join(table->configs, ", ") + ")");
      wanted.insert(c);
    }
  }

  // Candidates: every measured config the target's cost model knows.
  std::vector<AllocLayer> layers;
  for (const LayerSensitivity &ls : table->layers) {
    AllocLayer l{ls.name, ls.rows, ls.cols, {}, -1, ""};
    for (auto &[cfg, r] : ls.results) {
      if (!wanted.empty() && !wanted.count(cfg))
        continue;
      std::string fmt = r.format.empty() ? cfg : r.format;
      const WeightFormatCost *f = model->lookup(fmt);
      if (!f) {
        std::string known;
        for (const WeightFormatCost &k : model->formats)
          known += (known.empty() ? "" : ", ") + k.name;
        return fail("config '" + cfg + "' (format " + fmt +
                    ") is not in the cost model of " + model->target +
                    " (formats: " + known + ")");
      }
      LayerCost cost = model->predict(*f, ls.rows, ls.cols, tokens);
      Candidate c;
      c.config = cfg;
      c.bytes = r.bytes >= 0 ? r.bytes : cost.weightBytes;
      c.seconds = cost.seconds;
      c.error = r.sensitivity;
      c.native = f->native;
      l.candidates.push_back(c);
    }
    if (l.candidates.empty())
      return fail("layer " + ls.name + " has no candidate config");
    layers.push_back(std::move(l));
  }

  std::vector<Override> overrides;
  for (const std::string &lq : layerQuant) {
    auto o = parseOverrides(lq);
    if (!o)
      return fail(llvm::toString(o.takeError()));
    overrides.insert(overrides.end(), o->begin(), o->end());
  }
  // The same regex across several --layer-quant values is checked too.
  {
    std::map<std::string, std::string> seen;
    for (const Override &o : overrides) {
      auto [it, fresh] = seen.insert({o.regex, o.config});
      if (!fresh && it->second != o.config)
        return fail("--layer-quant: contradictory overrides: '" + o.regex +
                    "' is given both " + it->second + " and " + o.config);
    }
  }
  if (auto e = applyOverrides(layers, overrides))
    return fail(llvm::toString(std::move(e)));

  double fixed = table->fixedBytes();
  auto plan = allocate(layers, *budget, s, fixed);
  if (!plan)
    return fail(llvm::toString(plan.takeError()));

  std::string lq = planAsLayerQuant(layers, *plan);
  auto &os = llvm::outs();
  os << llvm::formatv("bit allocation: {0}, search {1}, target {2} ({3} "
                      "thread(s), {4} token(s) per call), {5} layers, "
                      "sensitivity {6}\n",
                      budget->text, search.getValue(), model->target,
                      threads.getValue(), tokens.getValue(), layers.size(),
                      table->metric);
  if (!quiet) {
    os << llvm::formatv("{0,-28} {1,-6} {2,7} {3,9} {4,9} {5,11}  {6}\n",
                        "layer", "config", "bpw", "KB", "pred.us",
                        "sensitivity", "why");
    for (size_t l = 0; l < layers.size(); ++l) {
      const Candidate &c = layers[l].candidates[plan->choice[l]];
      double bits = c.bytes * 8 / ((double)layers[l].rows * layers[l].cols);
      os << llvm::formatv("{0,-28} {1,-6} {2,7:f3} {3,9:f1} {4,9:f1} "
                          "{5,11:e3}  {6}\n",
                          layers[l].name, c.config, bits, c.bytes / 1e3,
                          c.seconds * 1e6, c.error, plan->why[l]);
    }
  }
  os << llvm::formatv("total: {0:f3} bits per weight, {1:f3} MB allocated + "
                      "{2:f3} MB fixed = {3:f3} MB, predicted {4:f3} ms, "
                      "predicted error {5:e4}\n",
                      plan->bitsPerWeight(), plan->bytes / 1e6, fixed / 1e6,
                      (plan->bytes + fixed) / 1e6, plan->seconds * 1e3,
                      plan->error);

  // The best uniform config within the same budget, for comparison.
  std::vector<std::pair<std::string, Plan>> uniform;
  std::set<std::string> all;
  for (const AllocLayer &l : layers)
    for (const Candidate &c : l.candidates)
      all.insert(c.config);
  double weights = 0;
  for (const AllocLayer &l : layers)
    weights += (double)l.rows * l.cols;
  double limit = budgetLimit(*budget, weights, fixed);
  const Plan *bestUniform = nullptr;
  std::string bestName;
  for (const std::string &cfg : all) {
    uniform.push_back({cfg, uniformPlan(layers, cfg)});
  }
  for (auto &[cfg, u] : uniform) {
    double cost = budget->kind == BudgetKind::latency ? u.seconds
                  : budget->kind == BudgetKind::bytes ? u.bytes
                                                      : u.bytes * 8;
    if (cost <= limit * (1 + 1e-12) &&
        (!bestUniform || u.error < bestUniform->error)) {
      bestUniform = &u;
      bestName = cfg;
    }
  }
  if (bestUniform)
    os << llvm::formatv("best uniform config within the budget: {0} ({1:f3} "
                        "bits per weight, {2:f3} MB, predicted error {3:e4})\n",
                        bestName, bestUniform->bitsPerWeight(),
                        (bestUniform->bytes + fixed) / 1e6, bestUniform->error);
  else
    os << "best uniform config within the budget: none fits\n";
  os << "--layer-quant '" << lq << "'\n";

  if (!planOut.empty()) {
    std::error_code ec;
    llvm::raw_fd_ostream f(planOut, ec);
    if (ec)
      return fail("cannot write '" + planOut + "': " + ec.message());
    f << lq << "\n";
  }
  if (!reports.empty()) {
    ReportInput in;
    in.table = &*table;
    in.layers = &layers;
    in.plan = &*plan;
    in.budget = &*budget;
    in.costModel = &*model;
    in.search = search;
    in.tokens = tokens;
    in.pareto = paretoFront(layers);
    in.uniform = uniform;
    in.layerQuant = lq;
    for (const std::string &r : reports)
      if (auto e = writeReport(in, r))
        return fail(llvm::toString(std::move(e)));
  }
  return 0;
}
