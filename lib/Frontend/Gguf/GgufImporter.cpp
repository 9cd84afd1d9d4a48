//===- GgufImporter.cpp - GGUF language model to qnn ----------------------===//

#include "qcc/Frontend/Gguf/GgufImporter.h"

#include "LlamaGraph.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"

using namespace mlir;

namespace qcc {

OwningOpRef<ModuleOp> importGgufModel(MLIRContext &context,
                                      const std::string &path,
                                      const GgufImportOptions &options) {
  Location loc = FileLineColLoc::get(&context, path, 0, 0);
  auto file = modelfile::GgufFile::open(path);
  if (!file) {
    emitError(loc) << llvm::toString(file.takeError());
    return nullptr;
  }
  llvm::StringRef arch = (*file)->getArchitecture();
  if (arch != "llama") {
    emitError(loc) << "GGUF architecture '" << arch
                   << "' is not supported (qcc builds graphs for: llama)";
    return nullptr;
  }
  auto config = gguf_import::readLlamaConfig(**file, options);
  if (!config) {
    emitError(loc) << llvm::toString(config.takeError());
    return nullptr;
  }
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  std::shared_ptr<const modelfile::GgufFile> shared = std::move(*file);
  if (failed(gguf_import::buildLlamaGraph(*module, *shared, *config, shared)))
    return nullptr;
  return module;
}

} // namespace qcc
