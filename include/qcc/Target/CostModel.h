//===- CostModel.h - what a target's kernels run and what it costs -*- C++
//-*-===//
//
// Each backend describes the weight formats its kernels run (bits per
// weight, whether a kernel runs the packed form natively, how close it gets
// to the memory bandwidth and how many multiply-adds it does per second) and
// the machine parameters behind them. The bit allocator predicts a layer's
// latency from this table with a roofline: the larger of the time to stream
// its weight bytes and the time to do its multiply-adds.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_TARGET_COSTMODEL_H
#define QCC_TARGET_COSTMODEL_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <string>
#include <vector>

namespace qcc {

/// One weight format as a target runs it.
struct WeightFormatCost {
  std::string name;         // "q4_0", "int8", "sparse24", ...
  double bitsPerWeight = 0; // storage, scales included
  /// A kernel runs the packed form and profits from it (fewer bytes, or for
  /// 2:4 fewer multiply-adds). Otherwise the weight runs as `runsAs`.
  bool native = true;
  std::string runsAs; // the format that runs a non-native one
  /// Fraction of the memory bandwidth a one-token product (GEMV) streams.
  double streamEfficiency = 1.0;
  /// Multiply-adds per second of a many-token product (all threads).
  double macsPerSecond = 0;
  /// Fraction of the dense multiply-adds the kernel does (0.5 for 2:4).
  double macFraction = 1.0;
  /// Where the figures come from ("measured: bench/llm_gemv.py", "nominal").
  std::string source;
};

/// A layer's predicted cost on a target.
struct LayerCost {
  double weightBytes = 0; // bytes of the format that runs
  double macs = 0;        // multiply-adds done
  double memorySeconds = 0, computeSeconds = 0;
  double seconds = 0; // max of the two (roofline)
  bool native = true;
};

struct TargetCostModel {
  std::string target;
  int threads = 1;
  double bandwidthBytesPerSecond = 0;
  std::string bandwidthSource;
  std::vector<WeightFormatCost> formats;

  /// The format named `name`, or null.
  const WeightFormatCost *lookup(llvm::StringRef name) const;
  /// Bytes a rows x cols weight takes in `format` (rounded up to bytes).
  static double weightBytes(const WeightFormatCost &format, int64_t rows,
                            int64_t cols);
  /// Cost of y [tokens, rows] = x [tokens, cols] W^T with W in `format`
  /// (a non-native format is costed as the format that runs it).
  LayerCost predict(const WeightFormatCost &format, int64_t rows, int64_t cols,
                    int64_t tokens) const;
  /// The table as text (for `qcc-bit-allocation --print-cost-model`).
  void print(llvm::raw_ostream &os) const;
};

/// Bits per weight of the storage formats qcc knows (block formats as GGUF
/// lays them out), or a negative value for an unknown name.
double storageBitsPerWeight(llvm::StringRef format);

} // namespace qcc

#endif // QCC_TARGET_COSTMODEL_H
