//===- LlamaSensitivity.h - measured per-layer sensitivity ------*- C++ -*-===//
//
// qcc-sensitivity for llama GGUF models. For every linear layer and every
// candidate config, the layer alone is quantized (qcc's own encoders: the
// bytes the compiled model would hold) and
//  - its output error is measured on the calibration tokens: the mean of
//    ||(W_q - W) x||^2 over tokens and output rows (cheap: one GEMM);
//  - for the probe config (or, with --kl=all, every config) the model is run
//    from that block on with the quantized layer and every other layer float,
//    and the mean KL divergence of the next-token distribution against the
//    float model's is measured.
// The sensitivity of a config whose KL was not measured is its layer error
// times the layer's measured KL / error ratio at the probe config (a
// second-order model of the logits: KL grows with the squared perturbation
// of the layer's output, as the error does). Nothing but one block's
// activations and the residual stream of the calibration tokens is held.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_ALLOCATION_LLAMASENSITIVITY_H
#define QCC_ALLOCATION_LLAMASENSITIVITY_H

#include "qcc/Allocation/Sensitivity.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace qcc::alloc {

struct SensitivityOptions {
  std::string model;     // the GGUF file
  std::string calibText; // UTF-8 text
  int64_t seq = 64, samples = 2;
  std::vector<std::string> configs;
  /// Default: the cheapest config of at least 4 bits (else the richest).
  std::string probe;
  enum class KL { probe, all, none } kl = KL::probe;
  std::string layers; // regex restricting the measured layers ("": all)
  int threads = 2;
};

/// A layer's weight quantized with a config and dequantized again, with
/// the bytes it takes and the format that holds them.
struct QuantizedCopy {
  std::vector<float> values;
  double bytes = 0;
  std::string format;
};

/// The configs quantizeForConfig knows, comma-separated.
const char *sensitivityConfigNames();
/// Quantizes w [rows, cols] (tensor `name`) as `config` would store it.
llvm::Expected<QuantizedCopy> quantizeForConfig(llvm::StringRef config,
                                                llvm::StringRef name,
                                                const float *w, int64_t rows,
                                                int64_t cols);

/// Measures (or takes from `cached`, where its key matches) the table.
/// `progress` receives one line per block.
llvm::Expected<SensitivityTable>
measureLlamaSensitivity(const SensitivityOptions &options,
                        const SensitivityTable *cached,
                        llvm::function_ref<void(llvm::StringRef)> progress);

} // namespace qcc::alloc

#endif // QCC_ALLOCATION_LLAMASENSITIVITY_H
