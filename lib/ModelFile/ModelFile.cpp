//===- ModelFile.cpp - common parts of the model file readers -------------===//

#include "qcc/ModelFile/ModelFile.h"
#include "qcc/ModelFile/Gguf.h"
#include "qcc/ModelFile/Safetensors.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"

#include <cstring>

using namespace qcc::modelfile;

ModelFile::~ModelFile() = default;

const TensorRef *ModelFile::lookupTensor(llvm::StringRef name) const {
  auto it = tensorIndex.find(name);
  return it == tensorIndex.end() ? nullptr : &tensors[it->second];
}

llvm::Error ModelFile::addTensor(TensorRef tensor) {
  if (!tensorIndex.try_emplace(tensor.name, tensors.size()).second)
    return llvm::createStringError(
        llvm::formatv("duplicate tensor name '{0}'", tensor.name).str());
  tensors.push_back(std::move(tensor));
  return llvm::Error::success();
}

llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
qcc::modelfile::mapFile(llvm::StringRef path) {
  // Not null-terminated and not volatile, so MemoryBuffer maps the file
  // rather than reading it (it only copies files of a few pages).
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false,
                                            /*IsVolatile=*/false);
  if (!buffer)
    return llvm::createStringError(
        llvm::formatv("cannot open the file: {0}", buffer.getError().message())
            .str());
  return std::move(*buffer);
}

llvm::Expected<std::unique_ptr<ModelFile>>
qcc::modelfile::openModelFile(llvm::StringRef path) {
  auto buffer = mapFile(path);
  if (!buffer)
    return buffer.takeError();
  llvm::StringRef bytes = (*buffer)->getBuffer();
  llvm::StringRef ext = llvm::sys::path::extension(path);
  bool looksGguf = bytes.starts_with("GGUF");
  // A safetensors file starts with a little-endian header length, then '{'.
  bool looksSafetensors = bytes.size() > 8 && bytes[8] == '{';
  if (ext.equals_insensitive(".gguf") ||
      (looksGguf && !ext.equals_insensitive(".safetensors"))) {
    auto file = GgufFile::parse(std::move(*buffer), path);
    if (!file)
      return file.takeError();
    return std::unique_ptr<ModelFile>(std::move(*file));
  }
  if (ext.equals_insensitive(".safetensors") || looksSafetensors) {
    auto file = SafetensorsFile::parse(std::move(*buffer), path);
    if (!file)
      return file.takeError();
    return std::unique_ptr<ModelFile>(std::move(*file));
  }
  return llvm::createStringError(
      "not a GGUF file (no 'GGUF' magic) and not a safetensors file (no JSON "
      "header after the 8-byte length)");
}
