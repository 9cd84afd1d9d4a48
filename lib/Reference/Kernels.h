//===- Kernels.h - naive contraction loops of the interpreter ---*- C++ -*-===//
//
// Matrix product and grouped N-d convolution over flat arrays, shared by the
// integer ops (T = uint32_t: sums modulo 2^32, i.e. int32 wraparound) and
// their float counterparts (T = double). Loops are ordered so that the
// innermost one runs over contiguous output elements.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_LIB_REFERENCE_KERNELS_H
#define QCC_LIB_REFERENCE_KERNELS_H

#include "Ops.h"

#include "llvm/ADT/SmallVector.h"

#include <algorithm>

namespace qcc::reference {

/// numpy.matmul shapes: rank-1 operands are promoted (and their unit axis
/// dropped from the result), batch axes broadcast.
struct MatmulGeometry {
  int64_t m = 1, k = 1, n = 1;
  llvm::SmallVector<int64_t> batch;        // broadcast batch shape
  llvm::SmallVector<int64_t> aBatchStride; // per batch axis, in matrices
  llvm::SmallVector<int64_t> bBatchStride;
};

inline MatmulGeometry matmulGeometry(llvm::ArrayRef<int64_t> a,
                                     llvm::ArrayRef<int64_t> b) {
  MatmulGeometry g;
  llvm::SmallVector<int64_t> as(a), bs(b);
  if (as.size() == 1)
    as.insert(as.begin(), 1);
  if (bs.size() == 1)
    bs.push_back(1);
  g.m = as[as.size() - 2];
  g.k = as.back();
  g.n = bs.back();
  llvm::ArrayRef<int64_t> ab = llvm::ArrayRef(as).drop_back(2),
                          bb = llvm::ArrayRef(bs).drop_back(2);
  size_t rank = std::max(ab.size(), bb.size());
  g.batch.assign(rank, 1);
  for (size_t d = 0; d < rank; ++d) {
    int64_t x = d + ab.size() >= rank ? ab[d + ab.size() - rank] : 1;
    int64_t y = d + bb.size() >= rank ? bb[d + bb.size() - rank] : 1;
    g.batch[d] = std::max(x, y);
  }
  g.aBatchStride = broadcastStrides(ab, g.batch);
  g.bBatchStride = broadcastStrides(bb, g.batch);
  return g;
}

/// c[batch, i, j] = init[j] + sum_k a[batch, i, k] * b[batch, k, j], with
/// `init` null meaning 0. `c` has the broadcast batch shape times m x n.
template <typename T>
void batchedMatmul(const MatmulGeometry &g, const T *a, const T *b,
                   const T *init, T *c) {
  int64_t m = g.m, k = g.k, n = g.n;
  std::array<llvm::SmallVector<int64_t>, 2> strides{g.aBatchStride,
                                                    g.bBatchStride};
  auto body = [&](int64_t batch, const std::array<int64_t, 2> &off) {
    const T *am = a + off[0] * m * k;
    const T *bm = b + off[1] * k * n;
    T *cm = c + batch * m * n;
    for (int64_t i = 0; i < m; ++i) {
      T *row = cm + i * n;
      for (int64_t j = 0; j < n; ++j)
        row[j] = init ? init[j] : T(0);
      for (int64_t p = 0; p < k; ++p) {
        T av = am[i * k + p];
        if (av == T(0))
          continue;
        const T *brow = bm + p * n;
        for (int64_t j = 0; j < n; ++j)
          row[j] += av * brow[j];
      }
    }
  };
  if (g.batch.empty()) {
    body(0, {0, 0});
    return;
  }
  forEachStrided<2>(g.batch, strides, body);
}

/// Grouped N-d convolution geometry (NC... input, F x C/G x K... weights).
struct ConvGeometry {
  int64_t batch = 1, channels = 1, filters = 1, group = 1;
  llvm::SmallVector<int64_t> in, kernel, out, strides, padsBegin, dilations;
};

inline int64_t floorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/// out[n, f, o...] = init[f] + sum over c in f's group and kernel offsets
/// of x[n, c, o*s + k*d - pad] * w[f, c, k], positions outside the input
/// contributing nothing. `init` null means 0.
template <typename T>
void convolve(const ConvGeometry &g, const T *x, const T *w, const T *init,
              T *out) {
  size_t s = g.in.size();
  int64_t inSize = 1, outSize = 1, kSize = 1;
  for (size_t d = 0; d < s; ++d) {
    inSize *= g.in[d];
    outSize *= g.out[d];
    kSize *= g.kernel[d];
  }
  int64_t cg = g.channels / g.group, fg = g.filters / g.group;
  llvm::SmallVector<int64_t> inStride = stridesOf(g.in);
  int64_t outLast = g.out[s - 1], inLast = g.in[s - 1];
  int64_t strideLast = g.strides[s - 1];
  int64_t outer = outSize / std::max<int64_t>(outLast, 1);
  llvm::SmallVector<int64_t> kc(s), oc(s);
  for (int64_t n = 0; n < g.batch; ++n) {
    for (int64_t f = 0; f < g.filters; ++f) {
      T *acc = out + (n * g.filters + f) * outSize;
      std::fill(acc, acc + outSize, init ? init[f] : T(0));
      int64_t gi = f / fg;
      for (int64_t cc = 0; cc < cg; ++cc) {
        const T *xc = x + (n * g.channels + gi * cg + cc) * inSize;
        const T *wf = w + (f * cg + cc) * kSize;
        std::fill(kc.begin(), kc.end(), 0);
        for (int64_t kk = 0; kk < kSize; ++kk) {
          T wv = wf[kk];
          if (wv != T(0)) {
            int64_t off = kc[s - 1] * g.dilations[s - 1] - g.padsBegin[s - 1];
            // Output positions whose input index o*s + off is in bounds.
            int64_t oStart = std::max<int64_t>(0, -floorDiv(off, strideLast));
            int64_t oEnd = std::min<int64_t>(
                outLast, floorDiv(inLast - 1 - off, strideLast) + 1);
            if (oStart < oEnd) {
              std::fill(oc.begin(), oc.end(), 0);
              for (int64_t r = 0; r < outer; ++r) {
                int64_t base = 0;
                bool inside = true;
                for (size_t d = 0; d + 1 < s; ++d) {
                  int64_t i = oc[d] * g.strides[d] + kc[d] * g.dilations[d] -
                              g.padsBegin[d];
                  if (i < 0 || i >= g.in[d]) {
                    inside = false;
                    break;
                  }
                  base += i * inStride[d];
                }
                if (inside) {
                  T *row = acc + r * outLast;
                  const T *xrow = xc + base;
                  for (int64_t o = oStart; o < oEnd; ++o)
                    row[o] += xrow[o * strideLast + off] * wv;
                }
                for (size_t d = s - 1; d-- > 0;) {
                  if (++oc[d] < g.out[d])
                    break;
                  oc[d] = 0;
                }
              }
            }
          }
          for (size_t d = s; d-- > 0;) {
            if (++kc[d] < g.kernel[d])
              break;
            kc[d] = 0;
          }
        }
      }
    }
  }
}

} // namespace qcc::reference

#endif // QCC_LIB_REFERENCE_KERNELS_H
