//===- LlamaForward.h - float llama forward pass for analysis ---*- C++ -*-===//
//
// A host float forward pass of a llama-architecture GGUF model, block by
// block, for qcc-sensitivity: S sequences of T tokens each (positions 0 ..
// T-1, causal attention within a sequence, no KV cache), the residual
// stream [S*T, d] carried from block to block so that nothing but the
// current block's activations is held. Any linear weight can be replaced
// (a quantized copy) and any linear layer's input observed. The math is
// the graph LlamaGraph.cpp builds: RMSNorm, adjacent-pair rotary
// embedding (llama.cpp's layout), grouped-query attention, SwiGLU.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_ALLOCATION_LLAMAFORWARD_H
#define QCC_ALLOCATION_LLAMAFORWARD_H

#include "qcc/ModelFile/Gguf.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace qcc::alloc {

/// The linear layers of a block, in the order they run.
enum LlamaLinear { Q, K, V, O, Gate, Up, Down, NumLlamaLinears };
/// The GGUF tensor name of block `b`'s linear `j` (blk.b.attn_q.weight).
std::string llamaLinearName(int64_t b, int j);

struct LlamaWeights {
  int64_t d = 0, layers = 0, ff = 0, heads = 0, kvHeads = 0, headDim = 0,
          vocab = 0;
  double ropeBase = 10000, eps = 1e-5;
  std::vector<float> embd, outNorm, output; // output empty: tied head
  struct Block {
    std::vector<float> attnNorm, ffnNorm;
    std::vector<float> bias[4];            // q, k, v, o (empty: none)
    std::vector<float> w[NumLlamaLinears]; // [out, in]
    int64_t rows[NumLlamaLinears], cols[NumLlamaLinears];
  };
  std::vector<Block> blocks;
  /// Bytes of every tensor that is not a block's linear weight, in the
  /// file's own types (embeddings, norms, biases, the output head).
  std::vector<std::pair<std::string, double>> fixedTensors;

  const std::vector<float> &head() const {
    return output.empty() ? embd : output;
  }
};

/// Reads and dequantizes the model (its hyperparameters checked as the
/// GGUF frontend checks them).
llvm::Expected<LlamaWeights> loadLlama(const modelfile::GgufFile &file);

/// y [m, n] = x [m, k] w^T for w [n, k], on `threads` threads.
void gemmXWt(const float *x, const float *w, float *y, int64_t m, int64_t n,
             int64_t k, int threads);

class LlamaForward {
public:
  LlamaForward(const LlamaWeights &w, int64_t sequences, int64_t tokens,
               int threads)
      : w(w), s(sequences), t(tokens), threads(threads) {}

  /// The residual stream [S*T, d] after the embedding of `ids` (S*T ids).
  std::vector<float> embed(const std::vector<int32_t> &ids) const;
  /// Runs block `b` on x in place. overrides[j] (when not null) replaces
  /// linear j's weight; observe(j, input, rows, cols) sees linear j's input.
  void runBlock(int64_t b, std::vector<float> &x,
                const float *const overrides[NumLlamaLinears] = nullptr,
                llvm::function_ref<void(int, const float *, int64_t, int64_t)>
                    observe = nullptr) const;
  /// Log-probabilities [S*T, vocab] of the next token.
  std::vector<float> logProbs(const std::vector<float> &x) const;
  int64_t rows() const { return s * t; }

private:
  const LlamaWeights &w;
  int64_t s, t;
  int threads;
  void rmsNorm(const std::vector<float> &x, const std::vector<float> &gamma,
               std::vector<float> &out) const;
  void linear(const std::vector<float> &in, int64_t b, int j,
              const float *override, std::vector<float> &out) const;
};

/// Mean over rows of KL(ref || q), both log-probabilities [rows, vocab].
double meanKL(const std::vector<float> &refLogProbs,
              const std::vector<float> &logProbs, int64_t vocab);

} // namespace qcc::alloc

#endif // QCC_ALLOCATION_LLAMAFORWARD_H
