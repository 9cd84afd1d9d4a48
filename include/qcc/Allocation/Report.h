//===- Report.h - the bit allocator's decisions as HTML and JSON -*- C++
//-*-===//
//
// `--report=FILE.html` / `--report=FILE.json`: per layer its configuration,
// measured sensitivity, predicted cost and size, and why it was chosen;
// plots (error against bits per layer, the error-size Pareto front with the
// uniform configurations) as inline SVG, so the page needs no network.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_ALLOCATION_REPORT_H
#define QCC_ALLOCATION_REPORT_H

#include "qcc/Allocation/BitAllocation.h"
#include "qcc/Allocation/Sensitivity.h"
#include "qcc/Target/CostModel.h"

#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace qcc::alloc {

struct ReportInput {
  const SensitivityTable *table = nullptr;
  const std::vector<AllocLayer> *layers = nullptr;
  const Plan *plan = nullptr;
  const Budget *budget = nullptr;
  const TargetCostModel *costModel = nullptr;
  std::string search; // "dp", "greedy", "lagrange"
  int64_t tokens = 1; // tokens per call the latency is predicted for
  std::vector<Plan> pareto;
  std::vector<std::pair<std::string, Plan>> uniform; // by config
  std::string layerQuant; // the plan as --layer-quant
};

/// Writes the report; the format follows the extension (.html or .json).
llvm::Error writeReport(const ReportInput &in, llvm::StringRef path);

} // namespace qcc::alloc

#endif // QCC_ALLOCATION_REPORT_H
