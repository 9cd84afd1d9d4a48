//===- Ternary.cpp - ternary weights: absmean quantizer and packings ------===//
//
// See qcc/Quant/Ternary.h.
//
//===----------------------------------------------------------------------===//

#include "qcc/Quant/Ternary.h"

#include <algorithm>
#include <cmath>

namespace qcc::quant {

TernaryWeights quantizeTernary(const float *w, int64_t rows, int64_t cols,
                               bool perTensor) {
  TernaryWeights q;
  q.rows = rows;
  q.cols = cols;
  q.values.assign(rows * cols, 0);
  q.scales.assign(rows, 1.0f);
  auto absmean = [&](int64_t begin, int64_t count) {
    double sum = 0.0;
    for (int64_t i = 0; i < count; ++i)
      sum += std::fabs((double)w[begin + i]);
    double s = count ? sum / (double)count : 0.0;
    return (float)std::max(s, 1e-5);
  };
  float all = perTensor ? absmean(0, rows * cols) : 0.0f;
  for (int64_t r = 0; r < rows; ++r) {
    float s = perTensor ? all : absmean(r * cols, cols);
    q.scales[r] = s;
    for (int64_t c = 0; c < cols; ++c) {
      // nearbyint rounds half to even in the default rounding mode
      double v = std::nearbyint((double)w[r * cols + c] / (double)s);
      q.values[r * cols + c] = (int8_t)std::clamp(v, -1.0, 1.0);
    }
  }
  return q;
}

bool packTernary2(const int8_t *t, int64_t rows, int64_t cols,
                  std::vector<uint8_t> &out) {
  int64_t rb = ternaryRowBytes2(cols);
  out.assign(rows * rb, 0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t b = 0; b < rb; ++b) {
      unsigned byte = 0;
      for (int i = 0; i < 4; ++i) {
        int64_t c = 4 * b + i;
        int v = c < cols ? t[r * cols + c] : 0;
        if (v < -1 || v > 1)
          return false;
        byte |= (unsigned)(v + 1) << (2 * i);
      }
      out[r * rb + b] = (uint8_t)byte;
    }
  return true;
}

bool packTernaryBase3(const int8_t *t, int64_t rows, int64_t cols,
                      std::vector<uint8_t> &out) {
  int64_t rb = ternaryRowBytesBase3(cols);
  out.assign(rows * rb, 0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t b = 0; b < rb; ++b) {
      unsigned byte = 0, pow = 1;
      for (int i = 0; i < 5; ++i, pow *= 3) {
        int64_t c = 5 * b + i;
        int v = c < cols ? t[r * cols + c] : 0;
        if (v < -1 || v > 1)
          return false;
        byte += (unsigned)(v + 1) * pow;
      }
      out[r * rb + b] = (uint8_t)byte;
    }
  return true;
}

bool unpackTernary2(const uint8_t *packed, int64_t rows, int64_t cols,
                    std::vector<int8_t> &out) {
  int64_t rb = ternaryRowBytes2(cols);
  out.assign(rows * cols, 0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t b = 0; b < rb; ++b)
      for (int i = 0; i < 4; ++i) {
        unsigned code = (packed[r * rb + b] >> (2 * i)) & 3u;
        int64_t c = 4 * b + i;
        if (code == 3 || (c >= cols && code != 1))
          return false;
        if (c < cols)
          out[r * cols + c] = (int8_t)((int)code - 1);
      }
  return true;
}

bool unpackTernaryBase3(const uint8_t *packed, int64_t rows, int64_t cols,
                        std::vector<int8_t> &out) {
  int64_t rb = ternaryRowBytesBase3(cols);
  out.assign(rows * cols, 0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t b = 0; b < rb; ++b) {
      unsigned byte = packed[r * rb + b];
      if (byte >= 243)
        return false;
      for (int i = 0; i < 5; ++i, byte /= 3) {
        int64_t c = 5 * b + i;
        unsigned digit = byte % 3;
        if (c >= cols && digit != 1)
          return false;
        if (c < cols)
          out[r * cols + c] = (int8_t)((int)digit - 1);
      }
    }
  return true;
}

} // namespace qcc::quant
