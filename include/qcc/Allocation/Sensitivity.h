//===- Sensitivity.h - per-layer, per-config measured error -----*- C++ -*-===//
//
// The result of qcc-sensitivity: for every quantizable layer of a model and
// every candidate weight configuration, the measured effect of quantizing
// that layer alone. Stored as JSON (format "qcc-sensitivity-1"), keyed by
// the model file's hash and the measurement settings so that a second run
// (and qcc-bit-allocation) reuses it.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_ALLOCATION_SENSITIVITY_H
#define QCC_ALLOCATION_SENSITIVITY_H

#include "llvm/Support/Error.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace qcc::alloc {

/// One layer quantized with one config, every other layer float.
struct ConfigResult {
  /// Mean squared error of the layer's output over the calibration tokens
  /// (tr(dW H dW^T) / tokens with H = X^T X of its inputs).
  double layerMse = -1;
  /// Mean KL divergence (nats per token) of the model's next-token
  /// distribution against the float model's, where measured (< 0: not).
  double kl = -1;
  /// The value the allocator minimizes (summed over layers): the measured
  /// KL, or the layer MSE times the layer's measured KL/MSE gain, or for
  /// models without logits the model output MSE.
  double sensitivity = -1;
  /// The stored weight: its bytes and the format that holds them (a
  /// k-quant falls back to a block-32 format for rows not a multiple of
  /// 256, as llama.cpp does). bytes < 0: not recorded (the cost model's
  /// bits per weight are used).
  double bytes = -1;
  std::string format;
};

struct LayerSensitivity {
  std::string name;           // the weight tensor, e.g. blk.3.attn_q.weight
  int64_t rows = 0, cols = 0; // [out, in]
  std::map<std::string, ConfigResult> results; // by config name
};

struct SensitivityTable {
  std::string model;     // path as given
  std::string modelHash; // xxh3-64 of the file, hex
  std::string metric;    // "kl" (language models)
  std::string method;    // how `sensitivity` was derived, one line
  std::string calibText;
  int64_t calibSeq = 0, calibSamples = 0, calibTokens = 0;
  std::string probeConfig; // config whose KL was measured for every layer
  std::vector<std::string> configs;
  /// Tensors that are not allocated (embeddings, norms) and their bytes.
  std::vector<std::pair<std::string, double>> fixedTensors;
  std::vector<LayerSensitivity> layers;
  double seconds = 0; // time the measurement took

  double fixedBytes() const;
  /// What must match for a cached table to be reused.
  std::string cacheKey() const;
};

llvm::Expected<SensitivityTable> readSensitivity(llvm::StringRef path);
llvm::Error writeSensitivity(const SensitivityTable &table,
                             llvm::StringRef path);

} // namespace qcc::alloc

#endif // QCC_ALLOCATION_SENSITIVITY_H
