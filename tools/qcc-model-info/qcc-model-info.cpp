//===- qcc-model-info.cpp - summarize a GGUF or safetensors file ----------===//
//
//   qcc-model-info MODEL.gguf|MODEL.safetensors [--max-array N]
//   qcc-model-info MODEL --dequant NAME --out x.npy
//
// Validates the whole file (qcc/ModelFile) and prints its format, metadata
// (arrays cut to --max-array elements), for GGUF the architecture,
// hyperparameters and embedded tokenizer, and a table of tensors (name,
// type, shape outermost first, bytes). With --dequant, writes one tensor
// converted to float32 (block formats by their reference dequantization) as
// a .npy file. A malformed file ends with "qcc-model-info: error: FILE:
// message" and exit code 1.
//
//===----------------------------------------------------------------------===//

#include "qcc/ModelFile/Gguf.h"
#include "qcc/ModelFile/Safetensors.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>

using namespace qcc::modelfile;
namespace cl = llvm::cl;
using llvm::formatv;

namespace {

cl::OptionCategory category("qcc-model-info options");
cl::opt<std::string> inputPath(cl::Positional, cl::Required,
                               cl::desc("<model.gguf|model.safetensors>"),
                               cl::cat(category));
cl::opt<unsigned> maxArray("max-array",
                           cl::desc("Array elements shown per metadata value"),
                           cl::init(8), cl::cat(category));
cl::opt<std::string>
    dequantName("dequant",
                cl::desc("Write this tensor, converted to float32, as .npy"),
                cl::value_desc("tensor"), cl::cat(category));
cl::opt<std::string> outPath("out", cl::desc("Output .npy for --dequant"),
                             cl::value_desc("path"), cl::cat(category));

int error(const llvm::Twine &message) {
  llvm::errs() << "qcc-model-info: error: " << inputPath << ": " << message
               << "\n";
  return 1;
}

std::string shapeString(llvm::ArrayRef<uint64_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

void printTensorTable(const ModelFile &file) {
  llvm::ArrayRef<TensorRef> tensors = file.getTensors();
  uint64_t params = 0, bytes = 0;
  size_t nameWidth = 4, typeWidth = 4, shapeWidth = 5;
  for (const TensorRef &t : tensors) {
    params += t.getNumElements();
    bytes += t.data.size();
    nameWidth = std::max(nameWidth, t.name.size());
    typeWidth = std::max(typeWidth, getDTypeName(t.type).size());
    shapeWidth = std::max(shapeWidth, shapeString(t.shape).size());
  }
  llvm::outs() << formatv("tensors: {0} ({1} parameters, {2} bytes)\n",
                          tensors.size(), params, bytes);
  llvm::outs() << "  " << llvm::left_justify("name", nameWidth) << "  "
               << llvm::left_justify("type", typeWidth) << "  "
               << llvm::left_justify("shape", shapeWidth) << "  bytes\n";
  for (const TensorRef &t : tensors)
    llvm::outs() << "  " << llvm::left_justify(t.name, nameWidth) << "  "
                 << llvm::left_justify(getDTypeName(t.type), typeWidth) << "  "
                 << llvm::left_justify(shapeString(t.shape), shapeWidth) << "  "
                 << t.data.size() << "\n";
}

void addField(std::string &out, const char *name,
              const std::optional<uint64_t> &v) {
  if (v)
    out += formatv("{0}{1} {2}", out.empty() ? "" : ", ", name, *v).str();
}
void addField(std::string &out, const char *name,
              const std::optional<uint32_t> &v) {
  if (v)
    addField(out, name, std::optional<uint64_t>(*v));
}
void addField(std::string &out, const char *name,
              const std::optional<double> &v) {
  if (v)
    out += formatv("{0}{1} {2}", out.empty() ? "" : ", ", name,
                   llvm::format("%g", *v))
               .str();
}

int printGguf(const GgufFile &file) {
  llvm::outs() << formatv("format: GGUF v{0}, {1} bytes, alignment {2}, data "
                          "at offset {3}\n",
                          file.getVersion(), file.getFileSize(),
                          file.getAlignment(), file.getDataOffset());
  GgufHyperParams h = file.getHyperParams();
  llvm::outs() << "architecture: "
               << (h.architecture.empty() ? "(none)" : h.architecture) << "\n";
  std::string hp;
  addField(hp, "context_length", h.contextLength);
  addField(hp, "embedding_length", h.embeddingLength);
  addField(hp, "block_count", h.blockCount);
  addField(hp, "feed_forward_length", h.feedForwardLength);
  addField(hp, "head_count", h.headCount);
  addField(hp, "head_count_kv", h.headCountKv);
  addField(hp, "vocab_size", h.vocabSize);
  addField(hp, "rope_dimension_count", h.ropeDimensionCount);
  addField(hp, "rope_freq_base", h.ropeFreqBase);
  addField(hp, "rms_norm_epsilon", h.rmsNormEpsilon);
  addField(hp, "layer_norm_epsilon", h.layerNormEpsilon);
  if (!hp.empty())
    llvm::outs() << "hyperparameters: " << hp << "\n";

  if (file.lookup("tokenizer.ggml.tokens")) {
    auto tok = file.getTokenizer();
    if (!tok)
      return error(llvm::toString(tok.takeError()));
    std::string line =
        formatv("{0}{1}, {2} tokens, {3} merges", tok->model,
                tok->pre.empty() ? "" : " (pre " + tok->pre + ")",
                tok->tokens.size(), tok->merges.size())
            .str();
    line += tok->scores.empty() ? ", no scores" : ", scores";
    line += tok->tokenTypes.empty() ? ", no token types" : ", token types";
    std::string ids;
    addField(ids, "bos", tok->bosId);
    addField(ids, "eos", tok->eosId);
    addField(ids, "unknown", tok->unknownId);
    addField(ids, "padding", tok->paddingId);
    if (!ids.empty())
      line += ", " + ids;
    llvm::outs() << "tokenizer: " << line << "\n";
  }

  llvm::ArrayRef<std::pair<std::string, GgufValue>> md = file.getMetadata();
  size_t keyWidth = 0;
  for (auto &[key, value] : md)
    keyWidth = std::max(keyWidth, key.size());
  llvm::outs() << "metadata: " << md.size() << " keys\n";
  for (auto &[key, value] : md) {
    std::string type = getGgufTypeName(value.getType()).str();
    if (value.isArray())
      type = formatv("array<{0}>[{1}]", getGgufTypeName(value.getElementType()),
                     value.size())
                 .str();
    llvm::outs() << "  " << llvm::left_justify(key, keyWidth) << "  " << type
                 << " = " << value.format(maxArray) << "\n";
  }
  printTensorTable(file);
  return 0;
}

int printSafetensors(const SafetensorsFile &file) {
  llvm::outs() << formatv("format: safetensors, {0} bytes, header {1} bytes, "
                          "data at offset {2}\n",
                          file.getFileSize(), file.getHeaderSize(),
                          file.getDataOffset());
  llvm::outs() << "metadata: " << file.getMetadata().size() << " keys\n";
  for (auto &[key, value] : file.getMetadata()) {
    std::string escaped;
    llvm::raw_string_ostream os(escaped);
    llvm::printEscapedString(value, os);
    llvm::outs() << "  " << key << " = \"" << escaped << "\"\n";
  }
  printTensorTable(file);
  return 0;
}

/// Writes float32 data as a version 1.0 .npy file.
llvm::Error writeNpy(llvm::StringRef path, llvm::ArrayRef<uint64_t> shape,
                     llvm::ArrayRef<float> values) {
  std::string dims;
  for (uint64_t d : shape)
    dims += std::to_string(d) + ", ";
  if (shape.size() > 1)
    dims.erase(dims.size() - 2); // "(a, b)"; a 1-D shape keeps "(n, )"
  std::string header =
      "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
  // Magic (6) + version (2) + length (2) + header + '\n', padded to 64.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return llvm::createStringError(
        formatv("cannot write {0}: {1}", path, ec.message()).str());
  os << "\x93NUMPY" << '\x01' << '\x00';
  uint16_t len = static_cast<uint16_t>(header.size());
  os << static_cast<char>(len & 0xff) << static_cast<char>(len >> 8);
  os << header;
  os.write(reinterpret_cast<const char *>(values.data()),
           values.size() * sizeof(float));
  os.close();
  if (os.has_error())
    return llvm::createStringError(
        formatv("cannot write {0}: {1}", path, os.error().message()).str());
  return llvm::Error::success();
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "qcc-model-info: validate and summarize a GGUF or "
      "safetensors model file\n");
  if (!dequantName.empty() && outPath.empty()) {
    llvm::errs() << "qcc-model-info: error: --dequant needs --out FILE.npy\n";
    return 1;
  }

  auto file = openModelFile(inputPath);
  if (!file)
    return error(llvm::toString(file.takeError()));

  if (!dequantName.empty()) {
    const TensorRef *tensor = (*file)->lookupTensor(dequantName);
    if (!tensor)
      return error(formatv("no tensor named '{0}'", dequantName));
    auto values = dequantizeTensor(*tensor);
    if (!values)
      return error(llvm::toString(values.takeError()));
    if (llvm::Error err = writeNpy(outPath, tensor->shape, *values))
      return error(llvm::toString(std::move(err)));
    llvm::outs() << formatv("{0}: {1} {2} -> {3} ({4} float32 values)\n",
                            tensor->name, getDTypeName(tensor->type),
                            shapeString(tensor->shape), outPath,
                            values->size());
    return 0;
  }

  llvm::outs() << "file: " << inputPath << "\n";
  if (auto *gguf = llvm::dyn_cast<GgufFile>(file->get()))
    return printGguf(*gguf);
  return printSafetensors(*llvm::cast<SafetensorsFile>(file->get()));
}
