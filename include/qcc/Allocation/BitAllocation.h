//===- BitAllocation.h - per-layer configs under a budget -------*- C++ -*-===//
//
// Chooses one weight configuration per layer so that the summed measured
// sensitivity (Sensitivity.h) is as small as possible while the model stays
// within a budget: average bits per weight, total weight bytes, or the
// latency the target's cost model predicts. Overrides by regex pin layers.
// Three searches: greedy (best error decrease per unit of cost first), a
// Lagrangian sweep (each layer minimizes error + lambda * cost, lambda
// bisected to the budget, then filled greedily), and an exact knapsack by
// dynamic programming over costs rounded up to 1/20000 of the budget's
// slack (so its plan never exceeds the budget).
//
//===----------------------------------------------------------------------===//

#ifndef QCC_ALLOCATION_BITALLOCATION_H
#define QCC_ALLOCATION_BITALLOCATION_H

#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace qcc::alloc {

enum class BudgetKind { bitsPerWeight, bytes, latency };

struct Budget {
  BudgetKind kind = BudgetKind::bitsPerWeight;
  double value = 0; // bits per weight, bytes, or seconds
  std::string text; // as the user wrote it, e.g. "--size=40MB"
};

/// Parses `--bpw=3.8`, `--size=40MB` (B, kB/KB, MB, GB decimal; KiB, MiB,
/// GiB binary) and `--latency=12ms` (us, ms, s); a bad number or unit is an
/// error that says what is accepted.
llvm::Expected<Budget> parseBudget(BudgetKind kind, llvm::StringRef text);

/// `REGEX=CONFIG[,REGEX=CONFIG]` as qcc's --layer-quant takes it.
struct Override {
  std::string regex, config;
};
llvm::Expected<std::vector<Override>> parseOverrides(llvm::StringRef text);

/// One candidate config of a layer, with what it costs and its error.
struct Candidate {
  std::string config;
  double bytes = 0;   // weight bytes
  double seconds = 0; // predicted time of the layer on the target
  double error = 0;   // sensitivity (additive over layers)
  bool native = true;
};

struct AllocLayer {
  std::string name;
  int64_t rows = 0, cols = 0;
  std::vector<Candidate> candidates;
  int pinned = -1;      // candidate fixed by an override
  std::string pinnedBy; // the override's text
};

enum class Search { greedy, lagrange, dp };

struct Plan {
  Search search = Search::dp;
  std::vector<int> choice;      // candidate index per layer
  std::vector<std::string> why; // per layer
  double bytes = 0, seconds = 0, error = 0;
  double weights = 0; // number of weights allocated
  double lambda = 0;  // the error per unit of cost at the margin
  double bitsPerWeight() const { return weights ? bytes * 8 / weights : 0; }
};

/// The cost a budget of `kind` counts for `c`.
double budgetCost(BudgetKind kind, const Candidate &c);
/// The budget in the same unit, with `fixedBytes` (tensors that are not
/// allocated) taken off a byte budget and bits per weight turned into bits.
double budgetLimit(const Budget &budget, double weights, double fixedBytes);

/// Applies `overrides` (later ones win) to `layers`. Errors: an override
/// that matches no layer, a config that is not a candidate of a layer it
/// matches, the same regex given two different configs.
llvm::Error applyOverrides(std::vector<AllocLayer> &layers,
                           const std::vector<Override> &overrides);

/// The plan minimizing the summed error within `budget`. Errors: a budget
/// below the smallest reachable cost (with and without the overrides'
/// pins), layers without candidates.
llvm::Expected<Plan> allocate(const std::vector<AllocLayer> &layers,
                              const Budget &budget, Search search,
                              double fixedBytes);

/// Every layer at `config` (layers without it keep their cheapest).
Plan uniformPlan(const std::vector<AllocLayer> &layers,
                 const std::string &config);

/// Lagrangian solutions for lambda swept over many decades: the lower
/// convex hull of (bytes, error) the allocator can reach (no pins).
std::vector<Plan> paretoFront(const std::vector<AllocLayer> &layers);

/// --layer-quant text that reproduces `plan` (anchored exact names).
std::string planAsLayerQuant(const std::vector<AllocLayer> &layers,
                             const Plan &plan);

} // namespace qcc::alloc

#endif // QCC_ALLOCATION_BITALLOCATION_H
