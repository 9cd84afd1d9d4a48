//===- TextCalibration.cpp - calibration sequences from text --------------===//
//
// `--calib=text.txt` for a GGUF language model: the text, tokenized by the
// model's own tokenizer, becomes sequences of tokens that runCalibration
// feeds through the graph (CalibrationOptions::tokenSequences).
//
//===----------------------------------------------------------------------===//

#include "qcc/Driver/Calibration.h"

#include "qcc/ModelFile/Gguf.h"
#include "qcc/Tokenizer/Tokenizer.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace mlir;

FailureOr<std::vector<std::vector<int32_t>>>
qcc::tokenizeCalibrationText(Location loc, llvm::StringRef textPath,
                             llvm::StringRef ggufPath, int64_t length,
                             int64_t maxSequences) {
  auto text = llvm::MemoryBuffer::getFile(textPath, /*IsText=*/false,
                                          /*RequiresNullTerminator=*/false);
  if (!text)
    return emitError(loc) << "cannot read calibration text '" << textPath
                          << "': " << text.getError().message();
  auto file = modelfile::GgufFile::open(ggufPath);
  if (!file)
    return emitError(loc) << llvm::toString(file.takeError());
  auto tok = tokenizer::Tokenizer::create(**file);
  if (!tok)
    return emitError(loc) << "calibration from text needs the model's "
                             "tokenizer: "
                          << llvm::toString(tok.takeError());
  std::vector<int32_t> ids = (*tok)->encode(
      (*text)->getBuffer(), (*tok)->getAddBos(), /*parseSpecial=*/false);
  if (length <= 0 || (int64_t)ids.size() < length)
    return emitError(loc) << "calibration text '" << textPath << "' has "
                          << ids.size() << " tokens, fewer than one sequence "
                          << "of " << length << " (--calib-seq)";
  std::vector<std::vector<int32_t>> sequences;
  for (size_t at = 0; at + length <= ids.size(); at += length) {
    if (maxSequences > 0 && (int64_t)sequences.size() >= maxSequences)
      break;
    sequences.emplace_back(ids.begin() + at, ids.begin() + at + length);
  }
  return sequences;
}
