//===- ObsSweep.h - Column sweep with Hessian error compensation -*- C++
//-*-===//
//
// The loop GPTQ and SparseGPT share (Optimal Brain Surgeon, one column at a
// time): a column's weights are replaced (rounded to a grid, or pruned to 0)
// and each row's error, divided by U[j][j], is pushed onto the columns not
// yet processed along row j of U, the upper Cholesky factor of the
// dampened H^-1. Updates inside a block of columns are applied at once;
// those beyond it once per block (the "lazy batch" update).
//
//===----------------------------------------------------------------------===//

#ifndef QCC_QUANT_OBSSWEEP_H
#define QCC_QUANT_OBSSWEEP_H

#include <algorithm>
#include <cstdint>
#include <vector>

namespace qcc::quant {

/// Dead inputs (H_cc == 0: the input is always 0) carry no information: they
/// get unit curvature and, in every row of `w` (rows x cols), weight 0.
template <typename T>
void neutralizeDeadInputs(std::vector<double> &h, T *w, int64_t rows,
                          int64_t cols) {
  for (int64_t c = 0; c < cols; ++c) {
    if (h[c * cols + c] != 0.0)
      continue;
    h[c * cols + c] = 1.0;
    for (int64_t r = 0; r < rows; ++r)
      w[r * cols + c] = T(0);
  }
}

/// U of H + damp * I with damp = dampPercent * mean(diag H), raised tenfold
/// (or started at 1e-6 * mean when dampPercent is 0) while the
/// factorization fails, six tries in all; false if none succeeds.
bool dampedInverseFactor(const std::vector<double> &h, int64_t n,
                         double dampPercent, std::vector<double> &u);

/// Processes the columns of `w` (rows x cols, row-major, in processing order)
/// left to right in blocks of `blockSize`. Before column j it calls
/// `before(j, current)`, where `current(r, p)` is the value weight (r, p),
/// p >= j, has once every pending update of earlier columns is applied (for
/// fitting a group's grid or choosing a pruning mask ahead of the sweep).
/// Then each row's weight becomes `replace(r, j, w[r][j])` and its error is
/// propagated. `u` is dampedInverseFactor's result for the same order.
template <typename Before, typename Replace>
void obsColumnSweep(std::vector<double> &w, int64_t rows, int64_t cols,
                    const std::vector<double> &u, int64_t blockSize,
                    Before before, Replace replace) {
  const int64_t bs = blockSize;
  std::vector<double> err(rows * bs);
  for (int64_t i1 = 0; i1 < cols; i1 += bs) {
    const int64_t i2 = std::min(i1 + bs, cols);
    for (int64_t j = i1; j < i2; ++j) {
      // Columns inside the block are up to date; those after it still owe
      // the errors of columns i1 .. j-1.
      auto current = [&, i1, i2, j](int64_t r, int64_t p) {
        double v = w[r * cols + p];
        if (p >= i2)
          for (int64_t k = i1; k < j; ++k)
            v -= err[r * bs + (k - i1)] * u[k * cols + p];
        return v;
      };
      before(j, current);
      const double *uj = &u[j * cols];
      const double d = uj[j];
      for (int64_t r = 0; r < rows; ++r) {
        double *wr = &w[r * cols];
        double q = replace(r, j, wr[j]);
        double e = (wr[j] - q) / d;
        wr[j] = q;
        err[r * bs + (j - i1)] = e;
        for (int64_t k = j + 1; k < i2; ++k)
          wr[k] -= e * uj[k];
      }
    }
    for (int64_t r = 0; r < rows; ++r) {
      double *wr = &w[r * cols];
      for (int64_t k = i1; k < i2; ++k) {
        double e = err[r * bs + (k - i1)];
        if (e == 0.0)
          continue;
        const double *uk = &u[k * cols];
        for (int64_t c = i2; c < cols; ++c)
          wr[c] -= e * uk[c];
      }
    }
  }
}

} // namespace qcc::quant

#endif // QCC_QUANT_OBSSWEEP_H
