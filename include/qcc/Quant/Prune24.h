//===- Prune24.h - 2:4 structured pruning of weight matrices -----*- C++
//-*-===//
//
// Prunes a weight matrix [rows = output channels][cols = reduction] so that
// every group of 4 consecutive columns of a row keeps at most 2 nonzero
// values (NVIDIA's 2:4 pattern), by one of three criteria:
//
//   magnitude  keep the 2 largest |w| of each group;
//   wanda      keep the 2 largest |w_ij| * ||x_j|| (Sun et al., "A Simple
//              and Effective Pruning Approach for Large Language Models",
//              2023), ||x_j|| the L2 norm of input column j over the
//              calibration rows: sqrt of the Hessian's diagonal;
//   sparsegpt  OBS-style column sweep (Frantar & Alistarh, "SparseGPT",
//              2023): at each group's first column the 2 of 4 with the
//              least w^2 / [H^-1]_jj^2 are pruned, and every column's
//              pruning error, weighted by the upper Cholesky factor of the
//              inverse Hessian, is pushed onto the columns not yet visited
//              (the kept weights change; GPTQ's machinery).
//
// Plain C++17, no MLIR.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_QUANT_PRUNE24_H
#define QCC_QUANT_PRUNE24_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace qcc::quant {

enum class PruneMethod { Magnitude, Wanda, SparseGPT };

/// "magnitude", "wanda", "sparsegpt".
std::optional<PruneMethod> parsePruneMethod(const std::string &name);
/// The method's name as parsePruneMethod spells it.
const char *pruneMethodName(PruneMethod m);
/// Whether the method reads the Hessian of the layer's input.
inline bool pruneNeedsHessian(PruneMethod m) {
  return m != PruneMethod::Magnitude;
}

/// Prunes `w` (rows x cols, row-major, cols a multiple of 4) in place to
/// 2:4. `hessian` (cols x cols, row-major, X^T X up to a factor) is needed
/// by wanda and sparsegpt. `hessianRows`, when known (> 0), is the number
/// of input rows the Hessian was accumulated from: with fewer rows than
/// columns it has rank below `cols` and sparsegpt shrinks it toward its
/// diagonal, H' = (1 - a) H + a diag(H) with a = 1 - rows / cols (a
/// diagonal H makes SparseGPT's mask Wanda's and its update nothing).
/// Returns an empty string, or why it failed (then `w` is unchanged).
std::string prune24(std::vector<float> &w, int64_t rows, int64_t cols,
                    PruneMethod method, const std::vector<double> *hessian,
                    double dampPercent = 0.01, int64_t hessianRows = 0);

/// The first (row, group) of `w` with more than 2 nonzeros in its 4
/// columns, or -1 (the flat index row * (cols / 4) + group).
int64_t firstDense24Group(const float *w, int64_t rows, int64_t cols);

} // namespace qcc::quant

#endif // QCC_QUANT_PRUNE24_H
