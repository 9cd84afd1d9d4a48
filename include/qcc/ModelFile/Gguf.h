//===- Gguf.h - GGUF (v2, v3) reader ----------------------------*- C++ -*-===//
//
// GGUF is llama.cpp's single-file model container: a header (magic "GGUF",
// version, tensor count, metadata count), typed key/value metadata, tensor
// descriptions, padding to the alignment, then the tensor data. qcc reads
// versions 2 and 3 (little-endian) and validates everything it reads:
// counts against the file size, string and array lengths, value types,
// `general.alignment`, tensor names, ranks, dimensions, types, offsets
// (aligned, inside the file, not overlapping). docs/formats.md lists every
// check.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_MODELFILE_GGUF_H
#define QCC_MODELFILE_GGUF_H

#include "qcc/ModelFile/ModelFile.h"

namespace qcc::modelfile {

/// GGUF metadata value types, numbered as in the file.
enum class GgufType : uint32_t {
  Uint8 = 0,
  Int8 = 1,
  Uint16 = 2,
  Int16 = 3,
  Uint32 = 4,
  Int32 = 5,
  Float32 = 6,
  Bool = 7,
  String = 8,
  Array = 9,
  Uint64 = 10,
  Int64 = 11,
  Float64 = 12,
};

llvm::StringRef getGgufTypeName(GgufType type);

/// One metadata value. Scalars and numeric arrays keep their raw bytes (a
/// view into the file); strings are views too.
class GgufValue {
public:
  GgufType getType() const { return type; }
  bool isArray() const { return type == GgufType::Array; }
  /// For arrays: the element type and count.
  GgufType getElementType() const { return elementType; }
  uint64_t size() const { return count; }

  /// Scalar accessors; nullopt when the value has another type (or does not
  /// fit: a negative value for getUInt, a uint64 above INT64_MAX for getInt).
  /// The integer accessors take any integer type; getFloat takes float32,
  /// float64 and integers.
  std::optional<uint64_t> getUInt() const;
  std::optional<int64_t> getInt() const;
  std::optional<double> getFloat() const;
  std::optional<bool> getBool() const;
  std::optional<llvm::StringRef> getString() const;

  /// Array element accessors (index < size()), same conversion rules.
  std::optional<int64_t> getIntAt(uint64_t i) const;
  std::optional<double> getFloatAt(uint64_t i) const;
  std::optional<llvm::StringRef> getStringAt(uint64_t i) const;
  /// All strings of a string array (views into the file).
  llvm::ArrayRef<llvm::StringRef> getStrings() const { return strings; }

  /// A short rendering for listings: at most `maxElements` array elements,
  /// strings quoted and cut at 60 characters.
  std::string format(unsigned maxElements = 8) const;

private:
  friend class GgufParser;
  GgufType type = GgufType::Uint8;
  GgufType elementType = GgufType::Uint8;
  uint64_t count = 0;
  llvm::ArrayRef<uint8_t> raw; // scalar bytes, string bytes, numeric array
  std::vector<llvm::StringRef> strings; // string arrays

  static std::optional<int64_t> intOf(GgufType t, const uint8_t *p);
  static std::optional<uint64_t> uintOf(GgufType t, const uint8_t *p);
  static std::optional<double> floatOf(GgufType t, const uint8_t *p);
};

/// The tokenizer a GGUF file embeds (tokenizer.ggml.*), validated: arrays of
/// the vocabulary's length, special ids inside the vocabulary.
struct GgufTokenizer {
  std::string model; // tokenizer.ggml.model: "gpt2", "llama", "bert", ...
  std::string pre;   // tokenizer.ggml.pre (pre-tokenizer), may be empty
  std::vector<llvm::StringRef> tokens;
  std::vector<float> scores;       // empty when the file has none
  std::vector<int32_t> tokenTypes; // empty when the file has none
  std::vector<llvm::StringRef> merges;
  std::optional<uint32_t> bosId, eosId, unknownId, paddingId;
  std::optional<bool> addBos, addEos, addSpacePrefix;
};

/// The hyperparameters of a GGUF model, read from `<arch>.*` keys. Absent keys
/// stay empty; a frontend decides what it requires.
struct GgufHyperParams {
  std::string architecture;
  std::optional<uint64_t> contextLength, embeddingLength, blockCount,
      feedForwardLength, headCount, headCountKv, vocabSize, ropeDimensionCount;
  std::optional<double> ropeFreqBase, rmsNormEpsilon, layerNormEpsilon;
};

class GgufFile : public ModelFile {
public:
  static bool classof(const ModelFile *file) {
    return file->getFormat() == Format::Gguf;
  }

  static llvm::Expected<std::unique_ptr<GgufFile>> open(llvm::StringRef path);
  /// Parses an already mapped buffer (`path` only names it in messages).
  static llvm::Expected<std::unique_ptr<GgufFile>>
  parse(std::unique_ptr<llvm::MemoryBuffer> buffer, llvm::StringRef path);

  uint32_t getVersion() const { return version; }
  uint64_t getAlignment() const { return alignment; }
  /// Offset of the data section (tensor offsets are relative to it).
  uint64_t getDataOffset() const { return dataOffset; }

  /// Metadata in file order.
  llvm::ArrayRef<std::pair<std::string, GgufValue>> getMetadata() const {
    return metadata;
  }
  const GgufValue *lookup(llvm::StringRef key) const;

  /// general.architecture (empty when absent).
  llvm::StringRef getArchitecture() const;
  GgufHyperParams getHyperParams() const;
  /// The embedded tokenizer, or an error naming the missing or inconsistent
  /// key.
  llvm::Expected<GgufTokenizer> getTokenizer() const;

  /// The GGUF (ggml) type number of each tensor, parallel to getTensors().
  llvm::ArrayRef<uint32_t> getGgmlTypes() const { return ggmlTypes; }

private:
  friend class GgufParser;
  GgufFile(std::string path, std::unique_ptr<llvm::MemoryBuffer> buffer)
      : ModelFile(Format::Gguf, std::move(path), std::move(buffer)) {}

  uint32_t version = 0;
  uint64_t alignment = 32;
  uint64_t dataOffset = 0;
  std::vector<std::pair<std::string, GgufValue>> metadata;
  llvm::StringMap<size_t> metadataIndex;
  std::vector<uint32_t> ggmlTypes;
};

/// The name llama.cpp gives ggml type `ggmlType` ("Q4_K", "IQ2_XS", ...), or
/// empty for numbers it never used.
llvm::StringRef getGgmlTypeName(uint32_t ggmlType);
/// The qcc DType of a ggml type, or nullopt when qcc does not read it.
std::optional<DType> getDTypeOfGgmlType(uint32_t ggmlType);

} // namespace qcc::modelfile

#endif // QCC_MODELFILE_GGUF_H
