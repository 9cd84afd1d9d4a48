//===- EncoderCalibration.cpp - text encoder calibration ------------------===//

#include "qcc/Driver/EncoderCalibration.h"

#include "qcc/Tokenizer/WordPiece.h"
#include "qcc-c/Runtime.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstring>

using namespace mlir;

namespace qcc {

FailureOr<std::vector<MemorySample>>
encoderCalibrationSamples(Location loc, llvm::StringRef textPath,
                        llvm::StringRef tokenizerPath,
                        const ModelInterface &model, int64_t maxSamples) {
  // The encoder's inputs, by name.
  int ids = -1, mask = -1, types = -1;
  for (auto [i, in] : llvm::enumerate(model.inputs)) {
    int *slot = in.name == "input_ids"        ? &ids
                : in.name == "attention_mask" ? &mask
                : in.name == "token_type_ids" ? &types
                                              : nullptr;
    if (!slot)
      return emitError(loc)
             << "calibration text feeds encoders whose inputs are "
                "input_ids, attention_mask and optionally token_type_ids; "
                "this model has an input '"
             << in.name << "' (give .npy samples instead)";
    if (in.dtype != QCC_DTYPE_INT64 || in.shape.size() != 2 ||
        in.shape != model.inputs[0].shape)
      return emitError(loc) << "calibration text: input '" << in.name
                            << "' must be int64 [batch, sequence] like the "
                               "other inputs";
    *slot = (int)i;
  }
  if (ids < 0 || mask < 0)
    return emitError(loc) << "calibration text feeds encoders with inputs "
                             "input_ids and attention_mask";
  int64_t batch = model.inputs[ids].shape[0], seq = model.inputs[ids].shape[1];

  auto tok = tokenizer::WordPieceTokenizer::open(tokenizerPath);
  if (!tok)
    return emitError(loc) << "calibration text needs the model's WordPiece "
                             "tokenizer (--tokenizer=PATH): "
                          << llvm::toString(tok.takeError());
  auto text = llvm::MemoryBuffer::getFile(textPath, /*IsText=*/true);
  if (!text)
    return emitError(loc) << "cannot read calibration text '" << textPath
                          << "': " << text.getError().message();
  llvm::SmallVector<llvm::StringRef> lines;
  (*text)->getBuffer().split(lines, '\n');
  std::vector<std::pair<size_t, llvm::StringRef>> sentences; // (line, text)
  for (auto [i, line] : llvm::enumerate(lines))
    if (!line.trim().empty())
      sentences.push_back({i + 1, line.rtrim("\r")});
  if (sentences.empty())
    return emitError(loc) << "calibration text '" << textPath
                          << "' holds no sentences (one per line)";

  std::vector<MemorySample> samples;
  size_t bytes = (size_t)(batch * seq) * sizeof(int64_t);
  for (size_t first = 0; first < sentences.size(); first += batch) {
    if (maxSamples > 0 && (int64_t)samples.size() >= maxSamples)
      break;
    MemorySample s;
    s.inputs.assign(model.inputs.size(), std::vector<char>(bytes, 0));
    auto *idData = reinterpret_cast<int64_t *>(s.inputs[ids].data());
    auto *maskData = reinterpret_cast<int64_t *>(s.inputs[mask].data());
    size_t last = first;
    for (int64_t b = 0; b < batch; ++b) {
      // A last, partial batch repeats its sentences.
      size_t index = first + (size_t)b;
      if (index >= sentences.size())
        index = first + (size_t)b % (sentences.size() - first);
      last = std::max(last, index);
      (*tok)->encodePadded(sentences[index].second, (size_t)seq,
                           idData + b * seq, maskData + b * seq);
    }
    s.label = "'" + textPath.str() + "' line " +
              std::to_string(sentences[first].first);
    if (last != first)
      s.label += "-" + std::to_string(sentences[last].first);
    samples.push_back(std::move(s));
  }
  return samples;
}

} // namespace qcc
