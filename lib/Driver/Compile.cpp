//===- Compile.cpp - import, lower, and package one model -----------------===//

#include "qcc/Driver/Driver.h"

#include "qcc/Driver/ModelInterface.h"
#include "qcc/Frontend/Onnx/OnnxImporter.h"
#include "qcc/Pipelines/Pipelines.h"
#include "qcc/Target/TargetBackend.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/Parser/Parser.h"
#include "qcc/Dialect/Qnn/IR/Qnn.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/Timer.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>

using namespace mlir;

namespace qcc {

namespace {

/// Prints "[qcc] stage ... s" lines with --verbose.
class StageTimer {
public:
  explicit StageTimer(bool on) : on(on), start(std::chrono::steady_clock::now()) {}
  void done(llvm::StringRef stage) {
    auto now = std::chrono::steady_clock::now();
    if (on)
      llvm::errs() << llvm::format("[qcc] %-28s %8.3f s\n", stage.str().c_str(),
                                   std::chrono::duration<double>(now - start).count());
    start = now;
  }

private:
  bool on;
  std::chrono::steady_clock::time_point start;
};

LogicalResult runPipeline(ModuleOp module, llvm::function_ref<void(OpPassManager &)> build,
                          llvm::StringRef what) {
  PassManager pm(module.getContext());
  build(pm);
  if (failed(pm.run(module)))
    return module.emitError() << "the " << what << " pipeline failed";
  return success();
}

/// The folder with qcc's runtime archives and headers: <bin>/../lib/qcc.
std::string resourceDir() {
  static int anchor;
  std::string exe = llvm::sys::fs::getMainExecutable("qcc", &anchor);
  llvm::SmallString<256> dir(llvm::sys::path::parent_path(exe));
  llvm::sys::path::append(dir, "..", "lib", "qcc");
  return std::string(dir);
}

LogicalResult writeFile(Location loc, llvm::StringRef path, llvm::StringRef data) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return emitError(loc) << "cannot write '" << path << "': " << ec.message();
  os << data;
  return success();
}

LogicalResult linkLibrary(Location loc, const TargetConfig &config,
                          const ModelInterface &model, llvm::StringRef object,
                          const CompileOptions &options) {
  std::string res = resourceDir();
  llvm::SmallString<256> runtime(res), apiHeader(res), descInclude(res);
  llvm::sys::path::append(runtime, config.runtimeArchive);
  llvm::sys::path::append(apiHeader, "include", "qcc-c", "Runtime.h");
  llvm::sys::path::append(descInclude, "include");
  if (!llvm::sys::fs::exists(runtime))
    return emitError(loc) << "the runtime for " << config.name << " is missing ("
                          << runtime << "); was qcc built with this target?";
  auto clang = llvm::sys::findProgramByName("clang-22");
  if (!clang)
    clang = llvm::sys::findProgramByName("clang", {"/usr/lib/llvm-22/bin"});
  if (!clang)
    return emitError(loc) << "clang-22 is needed to link model libraries; "
                             "install the clang-22 package";

  llvm::SmallString<128> tmpDir;
  if (auto ec = llvm::sys::fs::createUniqueDirectory("qcc-link", tmpDir))
    return emitError(loc) << "cannot create a temporary folder: " << ec.message();
  auto cleanup = llvm::make_scope_exit([&] { llvm::sys::fs::remove_directories(tmpDir); });
  llvm::SmallString<256> objPath(tmpDir), descPath(tmpDir), mapPath(tmpDir);
  llvm::sys::path::append(objPath, "model.o");
  llvm::sys::path::append(descPath, "model_desc.c");
  llvm::sys::path::append(mapPath, "exports.map");
  std::string desc = emitDescriptorSource(model, config.name,
                                          config.requiredCpuFeatures,
                                          "qcc_compiled_graph");
  if (failed(writeFile(loc, objPath, object)) ||
      failed(writeFile(loc, descPath, desc)) ||
      failed(writeFile(loc, mapPath,
                       "{ global: qcc_model_*; qcc_status_string; "
                       "qcc_dtype_size; local: *; };\n")))
    return failure();

  std::vector<std::string> args = {*clang};
  args.insert(args.end(), config.linkArgs.begin(), config.linkArgs.end());
  args.insert(args.end(),
              {"-shared", "-fPIC", "-O2", "-fuse-ld=lld", "-nostartfiles",
               "-Wl,--build-id=none", "-Wl,--version-script=" + std::string(mapPath),
               "-I" + descInclude.str().str(), "-o", options.outputPath,
               descPath.str().str(), objPath.str().str(), "-Wl,--whole-archive",
               runtime.str().str(), "-Wl,--no-whole-archive",
               "-lm"});
  std::vector<llvm::StringRef> argRefs(args.begin(), args.end());
  std::string errMsg;
  llvm::SmallString<256> logPath(tmpDir);
  llvm::sys::path::append(logPath, "link.log");
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, logPath.str(),
                                                logPath.str()};
  int rc = llvm::sys::ExecuteAndWait(*clang, argRefs, std::nullopt, redirects, 0, 0,
                                     &errMsg);
  if (rc != 0) {
    auto log = llvm::MemoryBuffer::getFile(logPath);
    return emitError(loc) << "linking the model library failed ("
                          << (errMsg.empty() ? "exit " + std::to_string(rc) : errMsg)
                          << "):\n"
                          << (log ? (*log)->getBuffer() : "");
  }
  // The header beside the library.
  auto apiText = llvm::MemoryBuffer::getFile(apiHeader);
  if (!apiText)
    return emitError(loc) << "cannot read " << apiHeader;
  llvm::SmallString<256> headerPath(options.outputPath);
  llvm::sys::path::replace_extension(headerPath, ".h");
  return writeFile(loc, headerPath,
                   emitModelHeader(model, config.name, (*apiText)->getBuffer().str(),
                                   llvm::sys::path::filename(options.inputPath).str()));
}

} // namespace

LogicalResult compile(MLIRContext &context, const CompileOptions &options) {
  Location loc = FileLineColLoc::get(&context, options.inputPath, 0, 0);
  StageTimer timer(options.verbose);

  // Resolve the target first, so a bad --target fails before any work.
  const TargetBackend *backend = lookupTargetBackend(options.target);
  if (!backend)
    return emitError(loc) << "unknown target '" << options.target
                          << "' (see qcc --list-targets)";
  auto config = backend->configure(options.target);
  if (!config)
    return emitError(loc) << llvm::toString(config.takeError());

  OwningOpRef<ModuleOp> module;
  if (llvm::StringRef(options.inputPath).ends_with(".mlir")) {
    // qnn IR written by --emit=qnn/quantized/integer or by hand.
    module = parseSourceFile<ModuleOp>(options.inputPath, &context);
    if (module && !module->lookupSymbol<func::FuncOp>("main"))
      return emitError(loc) << "the module has no func.func @main";
  } else {
    OnnxImportOptions importOptions;
    importOptions.inputShapes = options.inputShapes;
    importOptions.inputValues = options.inputValues;
    importOptions.runChecker = options.runOnnxChecker;
    module = importOnnxModel(context, options.inputPath, importOptions);
  }
  if (!module)
    return failure();
  timer.done("import");

  auto print = [&](ModuleOp m) -> LogicalResult {
    std::string err;
    auto out = openOutputFile(options.outputPath, &err);
    if (!out)
      return emitError(loc) << err;
    OpPrintingFlags flags;
    flags.elideLargeElementsAttrs(16);
    m.print(out->os(), flags);
    out->keep();
    return success();
  };

  if (failed(runPipeline(*module, buildQnnOptimizationPipeline, "qnn optimization")))
    return failure();
  timer.done("qnn optimization");
  if (options.emit == EmitKind::Qnn || options.emit == EmitKind::Quantized)
    return print(*module);

  // Quantized regions become integer-only, verified.
  bool quantized = false;
  module->walk([&](Operation *op) {
    if (isa<qnn::QuantizeOp, qnn::DequantizeOp>(op))
      quantized = true;
  });
  if (quantized) {
    if (failed(runPipeline(
            *module, [](OpPassManager &pm) { buildIntegerizePipeline(pm, true); },
            "integerize")))
      return failure();
    timer.done("integerize");
  }
  if (options.emit == EmitKind::Integer)
    return print(*module);

  auto entry = module->lookupSymbol<func::FuncOp>("main");
  auto model = getModelInterface(entry);
  if (failed(model))
    return failure();
  // The compiled graph's symbol in the library.
  entry.setSymName("qcc_compiled_graph");
  dropEmptyTensors(entry);

  if (failed(runPipeline(*module, buildQnnToLinalgPipeline, "qnn to linalg")))
    return failure();
  if (failed(runPipeline(
          *module,
          [&](OpPassManager &pm) { backend->buildConfigurationPipeline(pm, *config); },
          "target configuration")))
    return failure();
  timer.done("lower to linalg");
  if (options.emit == EmitKind::Linalg)
    return print(*module);

  if (failed(runPipeline(
          *module,
          [&](OpPassManager &pm) { backend->buildTranslationPipeline(pm, *config); },
          "translation")))
    return failure();
  timer.done("lower to LLVM dialect");

  if (options.emit == EmitKind::LLVM) {
    std::string err;
    auto out = openOutputFile(options.outputPath, &err);
    if (!out)
      return emitError(loc) << err;
    if (auto e = backend->emitLLVMIR(*module, *config, out->os()))
      return emitError(loc) << llvm::toString(std::move(e));
    out->keep();
    return success();
  }

  std::string object;
  llvm::raw_string_ostream objStream(object);
  if (auto e = backend->emitObject(*module, *config, objStream))
    return emitError(loc) << llvm::toString(std::move(e));
  timer.done("LLVM codegen");
  if (options.emit == EmitKind::Object)
    return writeFile(loc, options.outputPath, object);

  if (failed(linkLibrary(loc, *config, *model, object, options)))
    return failure();
  timer.done("link");
  return success();
}

} // namespace qcc
