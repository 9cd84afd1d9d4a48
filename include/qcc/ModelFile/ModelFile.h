//===- ModelFile.h - a memory-mapped, validated model file ------*- C++ -*-===//
//
// The common face of GgufFile and SafetensorsFile: the tensors of a model
// file, each a view into the file's memory mapping. Opening validates the
// whole container (header, metadata, every tensor's type, shape and byte
// range) before any tensor is handed out, and reports the first problem as
// an llvm::Error whose message names the field or tensor at fault. Tensor
// bytes are never copied, so a model larger than free memory opens.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_MODELFILE_MODELFILE_H
#define QCC_MODELFILE_MODELFILE_H

#include "qcc/ModelFile/TensorData.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/MemoryBuffer.h"

#include <memory>

namespace qcc::modelfile {

class ModelFile {
public:
  enum class Format { Gguf, Safetensors };

  virtual ~ModelFile();

  Format getFormat() const { return format; }
  llvm::StringRef getPath() const { return path; }
  uint64_t getFileSize() const { return buffer->getBufferSize(); }

  /// Tensors in the order the file lists them.
  llvm::ArrayRef<TensorRef> getTensors() const { return tensors; }
  /// The tensor called `name`, or null.
  const TensorRef *lookupTensor(llvm::StringRef name) const;

protected:
  ModelFile(Format format, std::string path,
            std::unique_ptr<llvm::MemoryBuffer> buffer)
      : format(format), path(std::move(path)), buffer(std::move(buffer)) {}

  llvm::ArrayRef<uint8_t> getBytes() const {
    return {reinterpret_cast<const uint8_t *>(buffer->getBufferStart()),
            buffer->getBufferSize()};
  }
  /// Appends a tensor; an error when its name repeats.
  llvm::Error addTensor(TensorRef tensor);

private:
  Format format;
  std::string path;
  std::unique_ptr<llvm::MemoryBuffer> buffer;
  std::vector<TensorRef> tensors;
  llvm::StringMap<size_t> tensorIndex;
};

/// Maps `path` read-only (MemoryBuffer mmaps all but small files).
llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
mapFile(llvm::StringRef path);

/// Opens a GGUF or safetensors file: GGUF when the name ends in .gguf or the
/// file starts with the GGUF magic, safetensors when the name ends in
/// .safetensors or the header looks like one; otherwise an error.
llvm::Expected<std::unique_ptr<ModelFile>> openModelFile(llvm::StringRef path);

} // namespace qcc::modelfile

#endif // QCC_MODELFILE_MODELFILE_H
