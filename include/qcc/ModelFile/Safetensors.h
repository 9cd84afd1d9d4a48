//===- Safetensors.h - safetensors reader -----------------------*- C++ -*-===//
//
// A safetensors file is an 8-byte little-endian header length N, N bytes of
// JSON, then the data section. The JSON maps each tensor name to
// {"dtype", "shape", "data_offsets": [begin, end]} (offsets relative to the
// data section) and may hold a "__metadata__" map of strings. The reader
// checks the length (within the file, at most 100 MiB), the JSON, every
// dtype, shape and offset pair (begin <= end, inside the data section, size
// equal to the element count times the dtype's size), and that the tensors
// tile the data section exactly: no overlaps and no unindexed bytes.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_MODELFILE_SAFETENSORS_H
#define QCC_MODELFILE_SAFETENSORS_H

#include "qcc/ModelFile/ModelFile.h"

namespace qcc::modelfile {

/// The DType that safetensors spells `name` ("F32", "BF16", "F8_E4M3", ...).
std::optional<DType> parseSafetensorsDType(llvm::StringRef name);

class SafetensorsFile : public ModelFile {
public:
  static bool classof(const ModelFile *file) {
    return file->getFormat() == Format::Safetensors;
  }

  /// Header lengths above this are refused (the reference implementation's
  /// limit too): a real header is kilobytes to a few megabytes.
  static constexpr uint64_t kMaxHeaderBytes = 100 << 20;

  static llvm::Expected<std::unique_ptr<SafetensorsFile>>
  open(llvm::StringRef path);
  static llvm::Expected<std::unique_ptr<SafetensorsFile>>
  parse(std::unique_ptr<llvm::MemoryBuffer> buffer, llvm::StringRef path);

  uint64_t getHeaderSize() const { return headerSize; }
  uint64_t getDataOffset() const { return 8 + headerSize; }
  /// "__metadata__" entries in file order.
  llvm::ArrayRef<std::pair<std::string, std::string>> getMetadata() const {
    return metadata;
  }

private:
  SafetensorsFile(std::string path, std::unique_ptr<llvm::MemoryBuffer> buffer)
      : ModelFile(Format::Safetensors, std::move(path), std::move(buffer)) {}
  llvm::Error parseHeader();

  uint64_t headerSize = 0;
  std::vector<std::pair<std::string, std::string>> metadata;
};

} // namespace qcc::modelfile

#endif // QCC_MODELFILE_SAFETENSORS_H
