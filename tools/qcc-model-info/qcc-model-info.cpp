//===- qcc-model-info.cpp - summarize a GGUF or safetensors file ----------===//
//
//   qcc-model-info MODEL.gguf|MODEL.safetensors [--max-array N]
//   qcc-model-info MODEL --dequant NAME --out x.npy
//   qcc-model-info MODEL.gguf --ternary NAME --out PREFIX
//   qcc-model-info MODEL.gguf --tokenize TEXT | --tokenize-file FILE
//                  [--add-bos=BOOL] [--parse-special=BOOL] [--pieces] [--time]
//   qcc-model-info MODEL.gguf --detokenize 1,2,3 [--skip-special] [--escape]
//   qcc-model-info MODEL.safetensors --tokenize TEXT | --tokenize-file FILE |
//                  --tokenize-lines FILE [--tokenizer PATH] [--max-length N]
//                  [--add-special=BOOL] [--pieces]
//
// Validates the whole file (qcc/ModelFile) and prints its format, metadata
// (arrays cut to --max-array elements), for GGUF the architecture,
// hyperparameters and embedded tokenizer, and a table of tensors (name,
// type, shape outermost first, bytes). With --dequant, writes one tensor
// converted to float32 (block formats by their reference dequantization) as
// a .npy file. With --tokenize/--tokenize-file (repeatable), prints the
// token ids of each text on one line, using qcc's tokenizer (qcc/Tokenizer)
// built from the embedded tokenizer; --pieces prints the byte length of each
// piece it encodes instead. With --detokenize (repeatable), writes the bytes
// the ids stand for. For a safetensors encoder the tokenizer is the
// WordPiece one (qcc/Tokenizer/WordPiece.h) of the tokenizer.json or
// vocab.txt beside the file (or --tokenizer); --pieces then prints the
// normalized words. A malformed file ends with "qcc-model-info: error:
// FILE: message" and exit code 1.
//
//===----------------------------------------------------------------------===//

#include "qcc/ModelFile/Gguf.h"
#include "qcc/ModelFile/Safetensors.h"
#include "qcc/ModelFile/Ternary.h"
#include "qcc/Tokenizer/Tokenizer.h"
#include "qcc/Tokenizer/WordPiece.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>

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
cl::opt<std::string> ternaryName(
    "ternary",
    cl::desc("Write this TQ1_0/TQ2_0 tensor's codes (int8 -1/0/1, its shape) "
             "to OUT.values.npy and its block scales (float32, one per 256 "
             "weights) to OUT.scales.npy, without dequantizing"),
    cl::value_desc("tensor"), cl::cat(category));
cl::opt<std::string> outPath("out",
                             cl::desc("Output .npy for --dequant, prefix for "
                                      "--ternary"),
                             cl::value_desc("path"), cl::cat(category));

cl::list<std::string>
    tokenizeTexts("tokenize",
                  cl::desc("Print the token ids of this text on one line "
                           "(repeatable)"),
                  cl::value_desc("text"), cl::cat(category));
cl::list<std::string> tokenizeFiles(
    "tokenize-file",
    cl::desc("Print the token ids of this file's contents on one line ('-': "
             "standard input; repeatable)"),
    cl::value_desc("path"), cl::cat(category));
cl::list<std::string> tokenizeLines(
    "tokenize-lines",
    cl::desc("Print the token ids of each line of this file on a line of "
             "their own ('-': standard input; repeatable)"),
    cl::value_desc("path"), cl::cat(category));
cl::opt<std::string> tokenizerPath(
    "tokenizer",
    cl::desc("safetensors: the WordPiece tokenizer.json or vocab.txt "
             "(default: the one beside the model)"),
    cl::value_desc("path"), cl::cat(category));
cl::opt<int64_t> maxLength(
    "max-length",
    cl::desc("WordPiece: at most this many ids per text, [CLS] and [SEP] "
             "included (default: tokenizer.json's truncation; 0: none)"),
    cl::init(-1), cl::cat(category));
cl::opt<bool> addSpecial("add-special",
                         cl::desc("WordPiece: put [CLS] first and [SEP] last"),
                         cl::init(true), cl::cat(category));
cl::opt<cl::boolOrDefault>
    addBos("add-bos",
           cl::desc("Put the BOS token first (default: the file's "
                    "tokenizer.ggml.add_bos_token)"),
           cl::cat(category));
cl::opt<bool> parseSpecial(
    "parse-special",
    cl::desc("Match control tokens such as <|im_start|> in the text"),
    cl::init(true), cl::cat(category));
cl::opt<bool> showPieces(
    "pieces",
    cl::desc("With --tokenize: print the byte length of each piece the "
             "encoder works on (special tokens, pre-tokenized text)"),
    cl::cat(category));
cl::opt<bool> showTime("time",
                       cl::desc("With --tokenize: report the tokenizer's "
                                "build and encode times on standard error"),
                       cl::cat(category));
cl::list<std::string> detokenizeIds(
    "detokenize",
    cl::desc("Write the bytes these token ids stand for (ids separated by "
             "commas or spaces; repeatable)"),
    cl::value_desc("ids"), cl::cat(category));
cl::opt<bool> skipSpecial("skip-special",
                          cl::desc("With --detokenize: leave control tokens "
                                   "out"),
                          cl::cat(category));
cl::opt<bool> escapeText(
    "escape",
    cl::desc("With --detokenize: print each text C-escaped on its own line"),
    cl::cat(category));

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
                     const void *data, size_t bytes,
                     llvm::StringRef descr = "<f4") {
  std::string dims;
  for (uint64_t d : shape)
    dims += std::to_string(d) + ", ";
  if (shape.size() > 1)
    dims.erase(dims.size() - 2); // "(a, b)"; a 1-D shape keeps "(n, )"
  std::string header =
      "{'descr': '" + descr.str() + "', 'fortran_order': False, 'shape': (" +
      dims + "), }";
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
  os.write(reinterpret_cast<const char *>(data), bytes);
  os.close();
  if (os.has_error())
    return llvm::createStringError(
        formatv("cannot write {0}: {1}", path, os.error().message()).str());
  return llvm::Error::success();
}

double millisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now() - start)
      .count();
}

/// The texts of --tokenize, --tokenize-file and --tokenize-lines, in that
/// order, as (name, text); false after an error.
bool collectTexts(std::vector<std::pair<std::string, std::string>> &inputs) {
  for (const std::string &text : tokenizeTexts)
    inputs.push_back({"--tokenize " + std::to_string(inputs.size() + 1), text});
  auto read = [&](const std::string &path) -> std::optional<std::string> {
    auto buffer = llvm::MemoryBuffer::getFileOrSTDIN(path, /*IsText=*/false,
                                                     /*RequiresNullTerminator=*/
                                                     false);
    if (!buffer) {
      error(formatv("cannot read {0}: {1}", path, buffer.getError().message()));
      return std::nullopt;
    }
    return (*buffer)->getBuffer().str();
  };
  for (const std::string &path : tokenizeFiles) {
    auto text = read(path);
    if (!text)
      return false;
    inputs.push_back({path, *text});
  }
  for (const std::string &path : tokenizeLines) {
    auto text = read(path);
    if (!text)
      return false;
    llvm::SmallVector<llvm::StringRef> lines;
    llvm::StringRef(*text).split(lines, '\n');
    if (!lines.empty() && lines.back().empty())
      lines.pop_back();
    for (auto [i, line] : llvm::enumerate(lines))
      inputs.push_back({formatv("{0}:{1}", path, i + 1).str(),
                        line.rtrim("\r").str()});
  }
  return true;
}

int tokenizeWordPiece(const qcc::tokenizer::WordPieceTokenizer &tok) {
  std::vector<std::pair<std::string, std::string>> inputs;
  if (!collectTexts(inputs))
    return 1;
  size_t limit = maxLength < 0 ? tok.getMaxLength() : (size_t)maxLength;
  for (auto &[name, text] : inputs) {
    if (showPieces) {
      auto words = tok.preTokenize(tok.normalize(text));
      for (size_t i = 0; i < words.size(); ++i)
        llvm::outs() << (i ? " " : "") << words[i];
      llvm::outs() << "\n";
      continue;
    }
    auto start = std::chrono::steady_clock::now();
    std::vector<int32_t> ids = tok.encode(text, addSpecial, limit);
    double ms = millisecondsSince(start);
    for (size_t i = 0; i < ids.size(); ++i)
      llvm::outs() << (i ? " " : "") << ids[i];
    llvm::outs() << "\n";
    if (showTime)
      llvm::errs() << formatv("encode: {0}: {1} bytes -> {2} tokens in {3} "
                              "ms\n",
                              name, text.size(), ids.size(),
                              llvm::format("%.3f", ms));
  }
  return 0;
}

int tokenize(const qcc::tokenizer::Tokenizer &tok) {
  bool bos = addBos == cl::BOU_UNSET ? tok.getAddBos() : addBos == cl::BOU_TRUE;
  if (bos && !tok.getBosId())
    return error("--add-bos: the tokenizer names no BOS token");
  std::vector<std::pair<std::string, std::string>> inputs; // (name, text)
  if (!collectTexts(inputs))
    return 1;
  for (auto &[name, text] : inputs) {
    if (showPieces) {
      bool first = true;
      tok.split(text, parseSpecial,
                [&](llvm::StringRef piece, std::optional<int32_t>) {
                  llvm::outs() << (first ? "" : " ") << piece.size();
                  first = false;
                });
      llvm::outs() << "\n";
      continue;
    }
    qcc::tokenizer::EncodeStats stats;
    auto start = std::chrono::steady_clock::now();
    std::vector<int32_t> ids = tok.encode(text, bos, parseSpecial, &stats);
    double ms = millisecondsSince(start);
    for (size_t i = 0; i < ids.size(); ++i)
      llvm::outs() << (i ? " " : "") << ids[i];
    llvm::outs() << "\n";
    if (stats.replacedSequences)
      llvm::errs() << formatv("qcc-model-info: warning: {0}: {1} ill-formed "
                              "UTF-8 sequence(s) replaced by U+FFFD\n",
                              name, stats.replacedSequences);
    if (stats.droppedBytes)
      llvm::errs() << formatv("qcc-model-info: warning: {0}: {1} byte(s) that "
                              "no token spells were dropped\n",
                              name, stats.droppedBytes);
    if (showTime)
      llvm::errs() << formatv(
          "encode: {0}: {1} bytes -> {2} tokens in {3} ms "
          "({4} MB/s)\n",
          name, text.size(), ids.size(), llvm::format("%.3f", ms),
          llvm::format("%.1f", text.size() / std::max(ms, 1e-3) / 1e3));
  }
  return 0;
}

int detokenize(const qcc::tokenizer::Tokenizer &tok) {
  for (const std::string &list : detokenizeIds) {
    llvm::SmallVector<llvm::StringRef> fields;
    llvm::SplitString(list, fields, ", \t\n");
    std::vector<int32_t> ids;
    for (llvm::StringRef field : fields) {
      int32_t id;
      if (field.getAsInteger(10, id))
        return error(formatv("--detokenize: '{0}' is not a token id", field));
      ids.push_back(id);
    }
    auto text = tok.decode(ids, skipSpecial);
    if (!text)
      return error("--detokenize: " + llvm::toString(text.takeError()));
    if (escapeText) {
      llvm::printEscapedString(*text, llvm::outs());
      llvm::outs() << "\n";
    } else {
      llvm::outs() << *text;
    }
  }
  return 0;
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
  if (!ternaryName.empty() && outPath.empty()) {
    llvm::errs() << "qcc-model-info: error: --ternary needs --out PREFIX\n";
    return 1;
  }

  auto file = openModelFile(inputPath);
  if (!file)
    return error(llvm::toString(file.takeError()));

  bool tokenizing = !tokenizeTexts.empty() || !tokenizeFiles.empty() ||
                    !tokenizeLines.empty();
  if (auto *st = llvm::dyn_cast<SafetensorsFile>(file->get());
      st && (tokenizing || !detokenizeIds.empty())) {
    if (!detokenizeIds.empty())
      return error("--detokenize needs a GGUF file");
    std::string path = tokenizerPath;
    if (path.empty())
      path = llvm::sys::path::parent_path(inputPath).str();
    if (path.empty())
      path = ".";
    auto start = std::chrono::steady_clock::now();
    auto tok = qcc::tokenizer::WordPieceTokenizer::open(path);
    if (!tok)
      return error(llvm::toString(tok.takeError()));
    if (showTime)
      llvm::errs() << formatv("tokenizer: {0} tokens, built in {1} ms\n",
                              (*tok)->getVocabSize(),
                              llvm::format("%.1f", millisecondsSince(start)));
    return tokenizeWordPiece(**tok);
  }
  if (!tokenizerPath.empty())
    return error("--tokenizer applies to safetensors models (a GGUF file "
                 "embeds its tokenizer)");

  if (tokenizing || !detokenizeIds.empty()) {
    auto *gguf = llvm::dyn_cast<GgufFile>(file->get());
    auto start = std::chrono::steady_clock::now();
    auto tok = qcc::tokenizer::Tokenizer::create(*gguf);
    if (!tok)
      return error(llvm::toString(tok.takeError()));
    if (showTime)
      llvm::errs() << formatv("tokenizer: {0} tokens, built in {1} ms\n",
                              (*tok)->getVocabSize(),
                              llvm::format("%.1f", millisecondsSince(start)));
    if (int rc = tokenize(**tok))
      return rc;
    return detokenize(**tok);
  }

  if (!ternaryName.empty()) {
    const TensorRef *tensor = (*file)->lookupTensor(ternaryName);
    if (!tensor)
      return error(formatv("no tensor named '{0}'", ternaryName));
    auto t = readTernaryTensor(*tensor);
    if (!t)
      return error(llvm::toString(t.takeError()));
    uint64_t blocks = t->scales.size();
    if (llvm::Error err = writeNpy(outPath + ".values.npy", tensor->shape,
                                   t->values.data(), t->values.size(), "|i1"))
      return error(llvm::toString(std::move(err)));
    if (llvm::Error err = writeNpy(outPath + ".scales.npy", {blocks},
                                   t->scales.data(),
                                   t->scales.size() * sizeof(float)))
      return error(llvm::toString(std::move(err)));
    llvm::outs() << formatv("{0}: {1} {2} -> {3}.values.npy, {3}.scales.npy "
                            "({4} ternary values, {5} block scales)\n",
                            tensor->name, getDTypeName(tensor->type),
                            shapeString(tensor->shape), outPath.getValue(),
                            t->values.size(), blocks);
    return 0;
  }

  if (!dequantName.empty()) {
    const TensorRef *tensor = (*file)->lookupTensor(dequantName);
    if (!tensor)
      return error(formatv("no tensor named '{0}'", dequantName));
    auto values = dequantizeTensor(*tensor);
    if (!values)
      return error(llvm::toString(values.takeError()));
    if (llvm::Error err = writeNpy(outPath, tensor->shape, values->data(),
                                   values->size() * sizeof(float)))
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
