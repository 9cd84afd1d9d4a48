//===- SafetensorsImporter.cpp - safetensors + config.json to qnn ---------===//

#include "qcc/Frontend/Safetensors/SafetensorsImporter.h"

#include "BertGraph.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

using namespace mlir;

namespace qcc {

namespace {

/// Which architecture config.json describes: model_type when present, else
/// the architectures list; an error naming the field otherwise.
llvm::Expected<std::string> architectureOf(const llvm::json::Object &config,
                                           llvm::StringRef configPath) {
  auto fail = [&](const llvm::Twine &msg) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   configPath + ": " + msg);
  };
  if (const llvm::json::Value *v = config.get("model_type")) {
    auto type = v->getAsString();
    if (!type)
      return fail("model_type must be a string");
    if (*type != "bert")
      return fail(llvm::formatv("model_type '{0}' is not supported (qcc "
                                "builds safetensors graphs for: bert)",
                                *type));
    return std::string("bert");
  }
  const llvm::json::Value *v = config.get("architectures");
  if (!v)
    return fail("neither model_type nor architectures says which "
                "architecture the checkpoint holds");
  const llvm::json::Array *list = v->getAsArray();
  if (!list || list->empty())
    return fail("architectures must be a non-empty list of strings");
  for (const llvm::json::Value &a : *list) {
    auto name = a.getAsString();
    if (!name)
      return fail("architectures must be a non-empty list of strings");
    if (!name->starts_with("Bert"))
      return fail(llvm::formatv("architectures entry '{0}' is not supported "
                                "(qcc builds safetensors graphs for: bert)",
                                *name));
  }
  return std::string("bert");
}

} // namespace

OwningOpRef<ModuleOp>
importSafetensorsModel(MLIRContext &context, const std::string &path,
                       const SafetensorsImportOptions &options) {
  Location loc = FileLineColLoc::get(&context, path, 0, 0);
  auto file = modelfile::SafetensorsFile::open(path);
  if (!file) {
    emitError(loc) << llvm::toString(file.takeError());
    return nullptr;
  }
  std::string configPath = options.configPath;
  if (configPath.empty()) {
    llvm::SmallString<256> p(llvm::sys::path::parent_path(path));
    llvm::sys::path::append(p, "config.json");
    configPath = std::string(p);
  }
  auto text = llvm::MemoryBuffer::getFile(configPath, /*IsText=*/true);
  if (!text) {
    emitError(loc) << "cannot read the model's configuration '" << configPath
                   << "': " << text.getError().message()
                   << " (a safetensors checkpoint needs its config.json "
                      "beside it or --config=PATH)";
    return nullptr;
  }
  auto json = llvm::json::parse((*text)->getBuffer());
  if (!json) {
    emitError(loc) << configPath
                   << ": invalid JSON: " << llvm::toString(json.takeError());
    return nullptr;
  }
  const llvm::json::Object *config = json->getAsObject();
  if (!config) {
    emitError(loc) << configPath << ": the top level must be a JSON object";
    return nullptr;
  }
  auto arch = architectureOf(*config, configPath);
  if (!arch) {
    emitError(loc) << llvm::toString(arch.takeError());
    return nullptr;
  }
  auto bert =
      safetensors_import::readBertConfig(*config, configPath, **file, options);
  if (!bert) {
    emitError(loc) << llvm::toString(bert.takeError());
    return nullptr;
  }
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  if (failed(safetensors_import::buildBertEncoder(*module, **file, *bert)))
    return nullptr;
  return module;
}

} // namespace qcc
