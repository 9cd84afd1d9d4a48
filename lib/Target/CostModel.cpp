//===- CostModel.cpp - roofline prediction over a target's format table ---===//

#include "qcc/Target/CostModel.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/Format.h"

#include <algorithm>
#include <cmath>

namespace qcc {

double storageBitsPerWeight(llvm::StringRef format) {
  // Block formats: bytes per block * 8 / weights per block (GGUF layouts).
  return llvm::StringSwitch<double>(format)
      .Case("f32", 32.0)
      .Case("f16", 16.0)
      .Case("bf16", 16.0)
      .Case("q8_0", 34.0 * 8 / 32)
      .Case("q6k", 210.0 * 8 / 256)
      .Case("q5_1", 24.0 * 8 / 32)
      .Case("q5_0", 22.0 * 8 / 32)
      .Case("q5k", 176.0 * 8 / 256)
      .Case("q4_1", 20.0 * 8 / 32)
      .Case("q4_0", 18.0 * 8 / 32)
      .Case("q4k", 144.0 * 8 / 256)
      .Case("q3k", 110.0 * 8 / 256)
      .Case("q2k", 84.0 * 8 / 256)
      // qcc's 2-/3-bit blocks (BlockFormats.h): f16 d and m per group.
      .Case("q3g64", 28.0 * 8 / 64)
      .Case("q3g192", 76.0 * 8 / 192)
      .Case("q2g64", 20.0 * 8 / 64)
      // qcc's integer path: codes plus an f32 row scale and, for groups, an
      // 8-bit sub-scale per group (SubScales.cpp); the row scale is added
      // per row in weightBytes.
      .Case("int8", 8.0)
      .Case("int4g32", 4.0 + 8.0 / 32)
      .Case("int4g128", 4.0 + 8.0 / 128)
      // 2:4 int8: K/2 values plus a byte of positions per 8 columns.
      .Case("sparse24", 4.0 + 1.0)
      // Ternary: 2-bit codes (4 per byte), f32 row scale.
      .Case("ternary", 2.0)
      .Default(-1.0);
}

const WeightFormatCost *TargetCostModel::lookup(llvm::StringRef name) const {
  for (const WeightFormatCost &f : formats)
    if (f.name == name)
      return &f;
  return nullptr;
}

double TargetCostModel::weightBytes(const WeightFormatCost &format,
                                    int64_t rows, int64_t cols) {
  double bits = (double)rows * (double)cols * format.bitsPerWeight;
  llvm::StringRef n = format.name;
  if (n == "int8" || n.starts_with("int4") || n == "sparse24" || n == "ternary")
    bits += 32.0 * (double)rows; // the f32 row scale
  return std::ceil(bits / 8.0);
}

LayerCost TargetCostModel::predict(const WeightFormatCost &format, int64_t rows,
                                   int64_t cols, int64_t tokens) const {
  const WeightFormatCost *runs = &format;
  if (!format.native && !format.runsAs.empty())
    if (const WeightFormatCost *r = lookup(format.runsAs))
      runs = r;
  LayerCost c;
  c.native = format.native;
  c.weightBytes = weightBytes(*runs, rows, cols);
  c.macs = (double)rows * (double)cols * (double)tokens * runs->macFraction;
  double stream = bandwidthBytesPerSecond * runs->streamEfficiency;
  c.memorySeconds = stream > 0 ? c.weightBytes / stream : 0;
  c.computeSeconds = runs->macsPerSecond > 0 ? c.macs / runs->macsPerSecond : 0;
  c.seconds = std::max(c.memorySeconds, c.computeSeconds);
  return c;
}

void TargetCostModel::print(llvm::raw_ostream &os) const {
  os << "cost model: " << target << ", " << threads << " thread"
     << (threads == 1 ? "" : "s") << "\n";
  os << llvm::format("bandwidth: %.1f GB/s", bandwidthBytesPerSecond / 1e9)
     << " (" << bandwidthSource << ")\n";
  os << "format     bpw     native  runs-as   stream  GMAC/s  MACs   source\n";
  for (const WeightFormatCost &f : formats) {
    os << llvm::format("%-10s %-7.4g %-7s %-9s %-7.2f %-7.1f %-6.2f ",
                       f.name.c_str(), f.bitsPerWeight, f.native ? "yes" : "no",
                       f.runsAs.empty() ? "-" : f.runsAs.c_str(),
                       f.streamEfficiency, f.macsPerSecond / 1e9, f.macFraction)
       << f.source << "\n";
  }
}

} // namespace qcc
