//===- Compile.cpp - import, lower, and package one model -----------------===//

#include "qcc/Driver/Driver.h"

#include "qcc/Dialect/Qnn/Transforms/CalibrationPoints.h"
#include "qcc/Dialect/Qnn/Transforms/Passes.h"
#include "qcc/Dialect/Qnn/Transforms/Sparse24.h"
#include "qcc/Driver/Calibration.h"
#include "qcc/Driver/LayerStatistics.h"
#include "qcc/Driver/LlmCalibration.h"
#include "qcc/Driver/ModelInterface.h"
#include "qcc/Driver/EncoderCalibration.h"
#include "qcc/Frontend/Gguf/GgufImporter.h"
#include "qcc/Frontend/Onnx/OnnxImporter.h"
#include "qcc/Frontend/Safetensors/SafetensorsImporter.h"
#include "qcc/Pipelines/Pipelines.h"
#include "qcc/Quant/Prune24.h"
#include "qcc/Target/TargetBackend.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/Parser/Parser.h"
#include "qcc/Dialect/Qnn/IR/Qnn.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/Regex.h"
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
                       "qcc_dtype_size; qcc_dtype_bits; qcc_buffer_size; "
                       "local: *; };\n")))
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

/// The backend and configuration for a --target value, or an error.
FailureOr<std::pair<const TargetBackend *, TargetConfig>>
resolveTarget(Location loc, llvm::StringRef target) {
  const TargetBackend *backend = lookupTargetBackend(target);
  if (!backend)
    return emitError(loc) << "unknown target '" << target
                          << "' (see qcc --list-targets)";
  auto config = backend->configure(target);
  if (!config)
    return emitError(loc) << llvm::toString(config.takeError());
  return std::make_pair(backend, *config);
}

/// --calib-method's spelling of the observers' methods.
std::optional<quant::CalibMethod> parseCalibMethod(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<quant::CalibMethod>>(name)
      .Case("minmax", quant::CalibMethod::MinMax)
      .Case("percentile", quant::CalibMethod::Percentile)
      .Case("entropy", quant::CalibMethod::Entropy)
      .Case("mse", quant::CalibMethod::Mse)
      .Default(std::nullopt);
}

/// Checks the quantization options against what the integer path offers.
LogicalResult checkQuantOptions(const CompileOptions &o, Location loc) {
  if (o.quant != "w8a8")
    return emitError(loc) << "unknown --quant='" << o.quant
                          << "' (expected none or w8a8)";
  if (!parseCalibMethod(o.calibMethod))
    return emitError(loc) << "unknown --calib-method='" << o.calibMethod
                          << "' (expected minmax, percentile, entropy or mse)";
  if (o.activationType != "u8" && o.activationType != "i8")
    return emitError(loc) << "--act-type must be u8 or i8, got '"
                          << o.activationType << "'";
  if (o.stateBits != 8 && o.stateBits != 16)
    return emitError(loc) << "--state-bits must be 8 or 16, got "
                          << o.stateBits;
  if (o.residualBits != 8 && o.residualBits != 16)
    return emitError(loc) << "--residual-bits must be 8 or 16, got "
                          << o.residualBits;
  if (o.weightMethod != "rtn" && o.weightMethod != "gptq" &&
      o.weightMethod != "awq" && o.weightMethod != "hqq" &&
      o.weightMethod != "ternary")
    return emitError(loc) << "unknown --weights='" << o.weightMethod
                          << "' (expected rtn, gptq, awq, hqq or ternary)";
  if (o.ternaryScale != "channel" && o.ternaryScale != "tensor")
    return emitError(loc) << "--ternary-scale must be channel or tensor, got '"
                          << o.ternaryScale << "'";
  if (o.weightMethod != "ternary" && o.ternaryScale != "channel")
    return emitError(loc) << "--ternary-scale applies only to --weights=ternary";
  if (o.weightMethod == "ternary" && o.weightBits != 8)
    return emitError(loc) << "--weights=ternary fixes the weights' width "
                             "(codes -1, 0, 1); it takes no --wbits";
  if (o.weightMethod == "ternary" && o.smoothAlpha >= 0.0)
    return emitError(loc) << "--smooth applies to int8 weights, not to "
                             "--weights=ternary";
  if (o.weightBits != 8 && o.weightBits != 4 && o.weightBits != 3 &&
      o.weightBits != 2)
    return emitError(loc) << "--wbits must be 8, 4, 3 or 2, got " << o.weightBits;
  if (o.weightBits == 8 && o.weightMethod != "rtn" &&
      o.weightMethod != "ternary")
    return emitError(loc) << "--weights=" << o.weightMethod
                          << " needs --wbits=4, 3 or 2 (8-bit weights are "
                             "per-channel round-to-nearest)";
  if (o.weightGroup < 0)
    return emitError(loc) << "--group must be >= 0, got " << o.weightGroup;
  if ((o.weightMethod == "gptq" || o.weightMethod == "awq") &&
      o.calibPath.empty())
    return emitError(loc) << "--weights=" << o.weightMethod
                          << " needs --calib=PATH: it reads each layer's "
                             "inputs, which the calibration file does not keep";
  if (o.smoothAlpha > 1.0)
    return emitError(loc) << "--smooth must be in [0, 1], got " << o.smoothAlpha;
  if (o.smoothAlpha >= 0.0 && o.calibPath.empty())
    return emitError(loc) << "--smooth needs --calib=PATH: it reads each "
                             "layer's per-channel input ranges, which the "
                             "calibration file does not keep";
  if (o.sparsity != "disable" && o.sparsity != "enable" &&
      o.sparsity != "force")
    return emitError(loc) << "unknown --sparsity='" << o.sparsity
                          << "' (expected disable, enable or force)";
  if (!o.prune.empty() && !quant::parsePruneMethod(o.prune))
    return emitError(loc) << "unknown --prune='" << o.prune
                          << "' (expected magnitude, wanda or sparsegpt)";
  if (!o.prune.empty() && o.sparsity == "disable")
    return emitError(loc) << "--prune=" << o.prune
                          << " needs --sparsity=enable or force";
  if (!o.sparseLayers.empty() && o.sparsity != "force")
    return emitError(loc) << "--sparse-layers needs --sparsity=force";
  if (o.sparseStages < 0)
    return emitError(loc) << "--sparse-stages must be 0 or more, got "
                          << o.sparseStages;
  if (o.sparseStages > 0 && o.sparsity == "disable")
    return emitError(loc) << "--sparse-stages needs --sparsity=enable or force";
  if (o.sparseStages > 0 && o.calibPath.empty())
    return emitError(loc) << "--sparse-stages needs --calib=PATH: it "
                             "calibrates the model again after pruning";
  if (o.sparsity != "disable" && !o.prune.empty() &&
      quant::pruneNeedsHessian(*quant::parsePruneMethod(o.prune)) &&
      o.calibPath.empty())
    return emitError(loc) << "--prune=" << o.prune
                          << " needs --calib=PATH: it reads each layer's "
                             "input Hessian, which the calibration file does "
                             "not keep";
  if (o.calibPath.empty() && o.calibIn.empty())
    return emitError(loc) << "--quant=" << o.quant
                          << " needs calibration data: --calib=DIR or --calib-in=FILE";
  if (o.calibPercentile <= 0 || o.calibPercentile > 100)
    return emitError(loc) << "--calib-percentile must be in (0, 100]";
  return success();
}

/// Fuses what the quantizer treats as one op (decomposed layer norm) and
/// gives gemm layers and one-element reductions their quantizable
/// spelling, so calibration measures the points quantization will use.
LogicalResult prepareForCalibration(ModuleOp module) {
  return runPipeline(
      module,
      [](OpPassManager &pm) {
        pm.addPass(qnn::createFuseLayerNorm());
        pm.addPass(qnn::createPrepareQuantization());
      },
      "fuse layer norm");
}

/// What runCalibration needs from the command line: the samples, or for
/// a GGUF language model and a text file, its token sequences.
FailureOr<CalibrationOptions>
calibrationOptions(ModuleOp module, const CompileOptions &options,
                   Location loc) {
  CalibrationOptions calib;
  calib.dataPath = options.calibPath;
  calib.maxSamples = options.calibSamples;
  calib.verbose = options.verbose;
  bool gguf = llvm::StringRef(options.inputPath).ends_with(".gguf");
  if (!gguf) {
    if (options.calibSequence)
      return emitError(loc) << "--calib-seq applies to GGUF language models";
    if (llvm::StringRef(options.calibPath).ends_with(".txt")) {
      // Sentences for a text encoder, tokenized by its WordPiece tokenizer
      // (beside the model unless --tokenizer says otherwise).
      std::string tokenizer = options.tokenizerPath;
      if (tokenizer.empty()) {
        tokenizer = llvm::sys::path::parent_path(options.inputPath).str();
        if (tokenizer.empty())
          tokenizer = ".";
      }
      auto main = module.lookupSymbol<func::FuncOp>("main");
      auto interface = getModelInterface(main);
      if (failed(interface))
        return failure();
      auto samples = encoderCalibrationSamples(
          loc, options.calibPath, tokenizer, *interface, options.calibSamples);
      if (failed(samples))
        return failure();
      calib.memorySamples = std::move(*samples);
    }
    return calib;
  }
  if (llvm::sys::fs::is_directory(options.calibPath) ||
      llvm::StringRef(options.calibPath).ends_with(".npy")) {
    if (options.calibSequence)
      return emitError(loc) << "--calib-seq applies to calibration from "
                               "text (--calib=FILE.txt)";
    return calib;
  }
  // Default: 512 tokens, or the cache's positions when fewer, rounded down
  // to whole runs of the graph's tokens (checked by runCalibration).
  int64_t length = options.calibSequence;
  auto main = module.lookupSymbol<func::FuncOp>("main");
  if (length == 0 && main && main.getNumArguments() == 4) {
    auto tokens = dyn_cast<RankedTensorType>(main.getArgumentTypes()[0]);
    auto cache = dyn_cast<RankedTensorType>(main.getArgumentTypes()[2]);
    if (tokens && cache && tokens.getRank() == 1 && cache.getRank() == 4) {
      int64_t t = tokens.getDimSize(0);
      length = std::min<int64_t>(512, cache.getDimSize(2)) / t * t;
    }
  }
  if (options.calibSequence < 0)
    return emitError(loc) << "--calib-seq must be positive, got "
                          << options.calibSequence;
  auto sequences = tokenizeCalibrationText(
      loc, options.calibPath, options.inputPath, length, options.calibSamples);
  if (failed(sequences))
    return failure();
  calib.tokenSequences = std::move(*sequences);
  return calib;
}

/// `--calib-out` without `--quant`: calibrates the float model and writes
/// the statistics (the reusable artifact, like llama-imatrix's), then the
/// float compile goes on.
LogicalResult calibrateOnly(ModuleOp module, const CompileOptions &options,
                            Location loc) {
  if (options.calibPath.empty())
    return emitError(loc) << "--calib-out needs --calib=PATH";
  if (!options.calibIn.empty())
    return emitError(loc) << "--calib-in applies only with --quant";
  if (failed(prepareForCalibration(module)))
    return failure();
  auto calib = calibrationOptions(module, options, loc);
  if (failed(calib))
    return failure();
  auto observers = runCalibration(module, options, *calib);
  if (failed(observers))
    return failure();
  auto main = module.lookupSymbol<func::FuncOp>("main");
  return writeCalibrationFile(options.calibOut, main, *observers, loc);
}

/// Whether the target has a 2:4 kernel faster than its dense int8 one (the
/// cost model of --sparsity=enable). The AVX2 2:4 kernels beat the dense
/// AVX2 ones (1.1-2.1x compute-bound, 1.6-3.2x GEMV;
/// bench/sparse24_gemm.py). With AVX-512 VNNI the dense vpdpbusd kernel
/// wins (2:4 at 0.34-1.35x on a Xeon) and AArch64 has only portable 2:4
/// code, so there `enable` prunes nothing (`force` still does).
FailureOr<bool> sparse24FastKernel(const CompileOptions &options,
                                   Location loc) {
  auto target = resolveTarget(loc, options.target);
  if (failed(target))
    return failure();
  const auto &cpu = target->second.requiredCpuFeatures;
  auto hasCpu = [&](llvm::StringRef f) { return llvm::is_contained(cpu, f); };
  return target->first->name() != "aarch64" && hasCpu("avx2") &&
         !hasCpu("avx512vnni");
}

/// qcc-sparsify-24 with the driver's options, for stage `stage` of
/// `stages`.
LogicalResult runSparsify24(ModuleOp module, const CompileOptions &options,
                            const std::string &prune, bool fastKernel,
                            int stages, int stage) {
  return runPipeline(
      module,
      [&](OpPassManager &pm) {
        qnn::Sparsify24Options so;
        so.mode = options.sparsity;
        so.method = prune;
        so.fastKernel = fastKernel;
        so.weightBits = options.weightBits;
        so.groupSize = options.weightGroup;
        so.printSummary = true;
        so.layers = options.sparseLayers;
        so.stages = stages;
        so.stage = stage;
        pm.addPass(qnn::createSparsify24(so));
      },
      "2:4 sparsity");
}

/// --sparse-stages=N: prunes the float model before its activation ranges
/// are calibrated, in N stages over the layers to prune in program order.
/// Wanda's and SparseGPT's Hessians of stage s come from a calibration run
/// of the model whose stages before s are pruned already (SparseGPT's
/// sequential order: a layer compensates for the error of the pruned
/// layers feeding it); the caller then calibrates the ranges on the pruned
/// model. Each stage with Hessians costs one more calibration compile and
/// run.
LogicalResult pruneInStages(ModuleOp module, const CompileOptions &options,
                            const qnn::WeightQuantOptions &weightOptions,
                            const std::string &prune, bool fastKernel,
                            Location loc) {
  auto main = module.lookupSymbol<func::FuncOp>("main");
  bool hessians = quant::pruneNeedsHessian(*quant::parsePruneMethod(prune));
  int stages = (int)options.sparseStages;
  std::optional<llvm::Regex> select;
  if (!options.sparseLayers.empty()) {
    select.emplace(options.sparseLayers);
    std::string why;
    if (!select->isValid(why))
      return emitError(loc) << "--sparse-layers: invalid regex '"
                            << options.sparseLayers << "': " << why;
  }
  int eligible = 0;
  std::string firstReason;
  std::vector<qnn::WeightLayer> layers = qnn::sparse24Candidates(
      main, weightOptions, select ? &*select : nullptr,
      options.sparsity == "force", fastKernel, eligible, firstReason);
  for (int s = 0; s < stages; ++s) {
    auto [first, last] = qnn::sparse24StageRange(layers.size(), stages, s);
    if (hessians && first < last) {
      llvm::DenseSet<Operation *> ops;
      for (size_t i = first; i < last; ++i)
        ops.insert(layers[i].op);
      if (stages > 1)
        llvm::errs() << llvm::formatv(
            "2:4 stage {0}/{1}: {2} layers, Hessians with {3} layers pruned\n",
            s + 1, stages, last - first, first);
      LayerStatistics stats(main, weightOptions, /*sparseHessians=*/true,
                            &ops);
      auto calib = calibrationOptions(module, options, loc);
      if (failed(calib))
        return failure();
      calib->onPoint = [&](size_t point, const float *data) {
        stats.observe(point, data);
      };
      if (failed(runCalibration(module, options, *calib)) ||
          failed(stats.attach()))
        return failure();
    }
    if (failed(runSparsify24(module, options, prune, fastKernel, stages, s)))
      return failure();
  }
  return success();
}

/// Calibrates (or reads the calibration file), records each point's range as
/// `qcc.calib` and runs qcc-quantize: the float module becomes its QDQ form.
LogicalResult quantizeModule(ModuleOp module, const CompileOptions &options,
                             Location loc) {
  if (failed(checkQuantOptions(options, loc)))
    return failure();
  if (failed(prepareForCalibration(module)))
    return failure();
  auto main = module.lookupSymbol<func::FuncOp>("main");
  qnn::WeightQuantOptions weightOptions;
  weightOptions.bits = options.weightBits;
  weightOptions.groupSize = options.weightGroup;
  weightOptions.method = options.weightMethod;
  weightOptions.smoothAlpha = options.smoothAlpha;
  // 2:4 pruning by Wanda or SparseGPT reads the eligible layers' Hessians.
  std::string prune = options.prune.empty() ? "magnitude" : options.prune;
  bool sparse = options.sparsity != "disable";
  bool staged = sparse && options.sparseStages > 0;
  bool pruneHessians = sparse && !staged &&
                       quant::pruneNeedsHessian(*quant::parsePruneMethod(prune));
  bool fastKernel = false;
  if (sparse) {
    auto fast = sparse24FastKernel(options, loc);
    if (failed(fast))
      return failure();
    fastKernel = *fast;
  }
  // --sparse-stages: prune first, then calibrate the ranges below on the
  // pruned model.
  if (staged && failed(pruneInStages(module, options, weightOptions, prune,
                                     fastKernel, loc)))
    return failure();
  // Hessians only for the layers qcc-sparsify-24 will prune (an invalid
  // regex selects none here; the pass reports it).
  llvm::DenseSet<Operation *> toPrune;
  if (pruneHessians) {
    std::optional<llvm::Regex> select;
    if (!options.sparseLayers.empty())
      select.emplace(options.sparseLayers);
    int eligible = 0;
    std::string firstReason;
    for (const qnn::WeightLayer &l : qnn::sparse24Candidates(
             main, weightOptions, select ? &*select : nullptr,
             options.sparsity == "force", fastKernel, eligible, firstReason))
      toPrune.insert(l.op);
  }
  // GPTQ/AWQ read the layers' inputs during the calibration run.
  LayerStatistics layerStats(main, weightOptions, pruneHessians, &toPrune);
  FailureOr<std::vector<quant::TensorObserver>> observers;
  auto method = *parseCalibMethod(options.calibMethod);
  if (!options.calibIn.empty() && layerStats.empty()) {
    observers = readCalibrationFile(options.calibIn, main, loc, method);
  } else {
    auto calib = calibrationOptions(module, options, loc);
    if (failed(calib))
      return failure();
    if (!layerStats.empty())
      calib->onPoint = [&](size_t point, const float *data) {
        layerStats.observe(point, data);
      };
    observers = runCalibration(module, options, *calib);
  }
  if (failed(observers) || failed(layerStats.attach()))
    return failure();
  if (!options.calibOut.empty() &&
      failed(writeCalibrationFile(options.calibOut, main, *observers, loc)))
    return failure();

  auto points = qnn::calibrationPoints(main);
  if (points.size() != observers->size())
    return emitError(loc) << "calibration has " << observers->size()
                          << " tensors but the model has " << points.size();
  quant::CalibOptions rangeOptions;
  rangeOptions.bits = 8;
  rangeOptions.percentile = options.calibPercentile;
  rangeOptions.symmetric = options.activationType == "i8";
  Builder b(module.getContext());
  for (auto [point, observer] : llvm::zip(points, *observers)) {
    if (observer.getNumFinite() == 0) {
      // Only NaN or infinities: there is no range to quantize it with.
      if (observer.getNumNaN() || observer.getNumInf())
        return emitError(point.value.getLoc())
               << "calibration point " << point.name
               << " took no finite value on the calibration data ("
               << observer.getNumNaN() << " NaN, " << observer.getNumInf()
               << " infinite), so it has no range to quantize with";
      continue; // never observed (inside control flow): stays float
    }
    quant::Range r = observer.computeRange(method, rangeOptions);
    auto range = b.getDenseF64ArrayAttr({r.min, r.max});
    Value v = point.value;
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      main.setArgAttr(arg.getArgNumber(), "qcc.calib", range);
      continue;
    }
    Operation *def = v.getDefiningOp();
    SmallVector<Attribute> all(def->getNumResults(), b.getDenseF64ArrayAttr({}));
    if (auto old = def->getAttrOfType<ArrayAttr>("qcc.calib"))
      for (auto [i, a] : llvm::enumerate(old))
        all[i] = a;
    all[cast<OpResult>(v).getResultNumber()] = range;
    def->setAttr("qcc.calib", b.getArrayAttr(all));
  }
  if (sparse && !staged &&
      failed(runSparsify24(module, options, prune, fastKernel, 1, 0)))
    return failure();
  return runPipeline(
      module,
      [&](OpPassManager &pm) {
        qnn::QuantizeOptions q;
        q.activationType = options.activationType;
        q.weightBits = options.weightBits;
        q.groupSize = options.weightGroup;
        q.weightMethod = options.weightMethod;
        q.ternaryScale = options.ternaryScale;
        q.smoothAlpha = options.smoothAlpha;
        q.stateBits = options.stateBits;
        q.residualBits = options.residualBits;
        q.printSummary = options.weightBits < 8 || options.smoothAlpha >= 0.0 ||
                         options.weightMethod == "ternary" || options.verbose;
        pm.addPass(qnn::createQuantize(q));
      },
      "quantize");
}

/// The weight plan of a GGUF model from --weights, --wbits, --group,
/// --layer-quant and the older --gguf-weights, or an error when they
/// contradict each other.
FailureOr<gguf_import::WeightPlan>
ggufWeightPlan(const CompileOptions &o, Location loc, bool sparseCalibration) {
  using gguf_import::WeightKind;
  if (o.quant != "none") {
    // --quant=w8a8 quantizes the float graph; --weights keeps its ONNX
    // meaning there.
    if (!o.layerQuant.empty())
      return emitError(loc) << "--layer-quant chooses block weights; it does "
                               "not combine with --quant="
                            << o.quant;
    gguf_import::WeightConfig f32;
    f32.kind = WeightKind::F32;
    return gguf_import::WeightPlan(f32);
  }
  if (!o.ggufWeights.empty() && o.weightMethodGiven)
    return emitError(loc) << "--gguf-weights=" << o.ggufWeights
                          << " and --weights=" << o.weightMethod
                          << " both choose the weights' format; give "
                             "--weights only (--gguf-weights=block is "
                             "--weights=gguf, dequant is --weights=f32)";
  // The default: the file's own blocks; the float model when asked for
  // (--gguf-weights=dequant) or when calibrating it (--calib-out).
  std::string name = o.weightMethodGiven             ? o.weightMethod
                     : o.ggufWeights == "dequant"    ? "f32"
                     : o.ggufWeights.empty() && !o.calibOut.empty() ? "f32"
                                                    : "gguf";
  // A language model's quantizers default to 4 bits.
  int bits = o.weightBitsGiven ? (int)o.weightBits : 4;
  int64_t group = o.weightGroup;
  auto global = gguf_import::parseWeightConfig(name, bits, group);
  if (!global)
    return emitError(loc) << "--weights: " << llvm::toString(global.takeError());
  gguf_import::WeightPlan plan(*global);
  for (const std::string &spec : o.layerQuant)
    if (auto e = plan.addRules(spec, bits, group))
      return emitError(loc) << llvm::toString(std::move(e));
  if ((o.weightBitsGiven || o.weightGroupGiven) && !plan.usesMethod())
    return emitError(loc) << "--wbits and --group apply to --weights=rtn, "
                             "gptq, awq or hqq (the block formats fix their "
                             "own bits and blocks)";
  if (o.weightGrid != "float" && o.weightGrid != "int")
    return emitError(loc) << "--wgrid must be float or int, got '"
                          << o.weightGrid << "'";
  if (o.weightGridGiven && !plan.usesMethod())
    return emitError(loc) << "--wgrid applies to --weights=rtn, gptq, awq or "
                             "hqq (a language model's 4-bit codes)";
  plan.setFloatOffset(o.weightGrid == "float");
  if (!plan.needsCalibration() && !sparseCalibration && !o.calibPath.empty() &&
      o.calibOut.empty())
    return emitError(loc) << "--calib and --calib-in need --quant (or "
                             "--calib-out to write the statistics alone); "
                             "a GGUF model's --weights=gptq or awq and "
                             "--prune=wanda or sparsegpt read them too";
  return plan;
}

/// The 2:4 pruning of a GGUF model's block weights (--weights path, no
/// --quant): --sparsity=force prunes the layers --sparse-layers selects
/// (default: every linear weight but the LM head). `enable` prunes
/// nothing: the block kernels run a pruned layer as dense blocks, so the
/// cost model has no faster form to choose.
FailureOr<gguf_import::SparsityPlan> ggufSparsityPlan(const CompileOptions &o,
                                                      Location loc) {
  gguf_import::SparsityPlan plan;
  if (o.quant != "none")
    return plan; // the float graph's int8 layers: qcc-sparsify-24
  if (o.sparseStages != 0)
    return emitError(loc) << "--sparse-stages applies to --quant (the int8 "
                             "layers); a GGUF model's block weights are "
                             "pruned in one stage at import";
  if (o.sparsity != "disable" && o.sparsity != "enable" &&
      o.sparsity != "force")
    return emitError(loc) << "unknown --sparsity='" << o.sparsity
                          << "' (expected disable, enable or force)";
  if (!o.prune.empty() && !quant::parsePruneMethod(o.prune))
    return emitError(loc) << "unknown --prune='" << o.prune
                          << "' (expected magnitude, wanda or sparsegpt)";
  if (o.sparsity == "disable") {
    if (!o.prune.empty())
      return emitError(loc)
             << "--prune=" << o.prune << " needs --sparsity=enable or force";
    if (!o.sparseLayers.empty())
      return emitError(loc) << "--sparse-layers needs --sparsity=force";
    return plan;
  }
  if (o.sparsity == "enable") {
    emitRemark(loc) << "--sparsity=enable: no layer of a GGUF model's block "
                       "weights is pruned (qnn.block_linear has no 2:4 "
                       "kernel, a pruned layer would run as dense blocks, "
                       "no faster); --sparsity=force prunes them";
    return plan;
  }
  plan.enabled = true;
  plan.method =
      *quant::parsePruneMethod(o.prune.empty() ? "magnitude" : o.prune);
  if (!o.sparseLayers.empty())
    if (auto e = plan.setLayers(o.sparseLayers))
      return emitError(loc) << llvm::toString(std::move(e));
  if (plan.needsCalibration() && o.calibPath.empty())
    return emitError(loc) << "--prune=" << o.prune
                          << " needs --calib=text.txt: it reads each "
                             "layer's input Hessian on real text";
  return plan;
}

} // namespace

LogicalResult compile(MLIRContext &context, const CompileOptions &options) {
  Location loc = FileLineColLoc::get(&context, options.inputPath, 0, 0);
  StageTimer timer(options.verbose);

  // Resolve the target first, so a bad --target fails before any work.
  if (failed(resolveTarget(loc, options.target)))
    return failure();

  bool isGguf = llvm::StringRef(options.inputPath).ends_with(".gguf");
  if (isGguf && (!options.inputShapes.empty() || !options.inputValues.empty()))
    return emitError(loc) << "--input-shape and --input-value do not apply to "
                             "GGUF models (their inputs are fixed: token, pos "
                             "and the caches, sized by --ctx and --seq)";
  if (!isGguf && options.contextLength != 0)
    return emitError(loc) << "--ctx applies only to GGUF language models";
  if (options.kvCache != "f32" && options.kvCache != "int8")
    return emitError(loc) << "--kv-cache must be f32 or int8, got '"
                          << options.kvCache << "'";
  if (!isGguf && options.kvCache != "f32")
    return emitError(loc) << "--kv-cache applies only to GGUF language models";
  bool isSafetensors =
      llvm::StringRef(options.inputPath).ends_with(".safetensors");
  if (!isGguf && !isSafetensors && options.sequenceLength != 0)
    return emitError(loc) << "--seq applies only to GGUF language models and "
                             "safetensors encoders";
  if (!isSafetensors && (!options.configPath.empty() || options.tokenTypeIds))
    return emitError(loc) << "--config and --token-type-ids apply only to "
                             "safetensors models";
  if (options.sequenceLength < 0)
    return emitError(loc) << "--seq must be at least 1, got "
                          << options.sequenceLength;
  if (!options.ggufWeights.empty() && options.ggufWeights != "block" &&
      options.ggufWeights != "dequant")
    return emitError(loc) << "--gguf-weights must be 'block' or 'dequant', "
                             "got '"
                          << options.ggufWeights << "'";
  if (!isGguf && !options.ggufWeights.empty())
    return emitError(loc)
           << "--gguf-weights applies only to GGUF language models";
  if (!isGguf && !options.layerQuant.empty())
    return emitError(loc)
           << "--layer-quant applies only to GGUF language models";

  OwningOpRef<ModuleOp> module;
  if (llvm::StringRef(options.inputPath).ends_with(".mlir")) {
    // qnn IR written by --emit=qnn/quantized/integer or by hand.
    module = parseSourceFile<ModuleOp>(options.inputPath, &context);
    if (module && !module->lookupSymbol<func::FuncOp>("main"))
      return emitError(loc) << "the module has no func.func @main";
  } else if (isSafetensors) {
    SafetensorsImportOptions importOptions;
    importOptions.configPath = options.configPath;
    importOptions.seqLen = options.sequenceLength;
    importOptions.tokenTypeIds = options.tokenTypeIds;
    for (const auto &[name, dims] : options.inputShapes) {
      bool known = name == "input_ids" || name == "attention_mask" ||
                   (name == "token_type_ids" && options.tokenTypeIds);
      if (!known)
        return emitError(loc) << "--input-shape: the encoder has no input '"
                              << name << "' (input_ids, attention_mask"
                              << (options.tokenTypeIds ? ", token_type_ids"
                                                       : "")
                              << ")";
      if (dims.size() != 2 || dims[0] <= 0 || dims[1] <= 0)
        return emitError(loc) << "--input-shape " << name
                              << ": the encoder's inputs are [batch, sequence]";
      if (importOptions.seqLen && importOptions.seqLen != dims[1])
        return emitError(loc) << "--input-shape " << name << " says sequence "
                              << dims[1] << ", but --seq or another input says "
                              << importOptions.seqLen;
      if (importOptions.batch != 1 && importOptions.batch != dims[0])
        return emitError(loc) << "--input-shape " << name << " says batch "
                              << dims[0] << ", another input says "
                              << importOptions.batch;
      importOptions.seqLen = dims[1];
      importOptions.batch = dims[0];
    }
    if (!options.inputValues.empty())
      return emitError(loc) << "--input-value does not apply to safetensors "
                               "models";
    module = importSafetensorsModel(context, options.inputPath, importOptions);
  } else if (isGguf) {
    GgufImportOptions importOptions;
    importOptions.contextLength = options.contextLength;
    importOptions.int8KvCache = options.kvCache == "int8";
    if (options.sequenceLength > 0)
      importOptions.sequenceLength = options.sequenceLength;
    auto sparsity = ggufSparsityPlan(options, loc);
    if (failed(sparsity))
      return failure();
    auto plan = ggufWeightPlan(options, loc, sparsity->needsCalibration());
    if (failed(plan))
      return failure();
    importOptions.weights = *plan;
    importOptions.sparsity = *sparsity;
    CompileOptions rest = options;
    if (plan->needsCalibration() || sparsity->needsCalibration()) {
      auto stats =
          collectLanguageModelStatistics(context, options, *plan, *sparsity);
      if (failed(stats))
        return failure();
      importOptions.layerStats = *stats;
      timer.done("weight calibration");
      // The text calibrated the weights; the compile goes on without it.
      rest.calibPath.clear();
      rest.calibSamples = 0;
      rest.calibSequence = 0;
    }
    module = importGgufModel(context, options.inputPath, importOptions);
    if (!module)
      return failure();
    for (const std::string &rule : importOptions.weights.unusedRules())
      emitWarning(loc) << "--layer-quant: '" << rule
                       << "' matches no linear weight of the model";
    timer.done("import");
    if (sparsity->enabled) {
      // Every pruned layer must still be 2:4 after its block encoding.
      PassManager pm(&context);
      pm.addPass(qnn::createVerifySparse24());
      if (failed(pm.run(*module)))
        return failure();
      int pruned = 0;
      module->walk([&](qnn::BlockLinearOp op) {
        pruned += op->hasAttr(qnn::kSparse24Attr);
      });
      if (pruned == 0)
        return emitError(loc)
               << "--sparsity=force: "
               << (sparsity->pattern.empty()
                       ? std::string("the model has no linear weight but "
                                     "the LM head")
                       : "--sparse-layers '" + sparsity->pattern +
                             "' selects no linear weight")
               << " to prune";
      if (options.verbose)
        llvm::errs() << "2:4 sparsity: " << pruned << " linear layers pruned ("
                     << quant::pruneMethodName(sparsity->method) << ")\n";
    }
    if (options.quant == "none") { // the sparsity plan took these
      rest.sparsity = "disable";
      rest.prune.clear();
      rest.sparseLayers.clear();
    }
    return compileModule(context, std::move(module), rest);
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
  return compileModule(context, std::move(module), options);
}

LogicalResult compileModule(MLIRContext &context, OwningOpRef<ModuleOp> module,
                            const CompileOptions &options) {
  Location loc = FileLineColLoc::get(&context, options.inputPath, 0, 0);
  StageTimer timer(options.verbose);
  auto target = resolveTarget(loc, options.target);
  if (failed(target))
    return failure();
  auto [backend, config] = *target;

  auto print = [&](ModuleOp m) -> LogicalResult {
    std::string err;
    auto out = openOutputFile(options.outputPath, &err);
    if (!out)
      return emitError(loc) << err;
    OpPrintingFlags flags;
    // Full constants: emitted IR must run on qcc-reference and read back.
    (void)flags;
    m.print(out->os(), flags);
    out->keep();
    return success();
  };

  if (failed(runPipeline(*module, buildQnnOptimizationPipeline, "qnn optimization")))
    return failure();
  timer.done("qnn optimization");
  if (options.emit == EmitKind::Qnn)
    return print(*module);
  if (options.quant == "none" &&
      (options.sparsity != "disable" || !options.prune.empty() ||
       !options.sparseLayers.empty() || options.sparseStages != 0))
    return emitError(loc) << "--sparsity and --prune apply to the int8 layers "
                             "of a quantized model (or a GGUF model's block "
                             "weights): add --quant=w8a8";
  if (options.quant != "none") {
    if (failed(quantizeModule(*module, options, loc)))
      return failure();
    timer.done("quantization");
  } else if (!options.calibOut.empty()) {
    if (failed(calibrateOnly(*module, options, loc)))
      return failure();
    timer.done("calibration");
  } else if (!options.calibPath.empty() || !options.calibIn.empty()) {
    return emitError(loc) << "--calib and --calib-in need --quant (or "
                             "--calib-out to write the statistics alone)";
  }
  if (options.emit == EmitKind::Quantized)
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
  // 4- and 2-bit inputs and outputs cross the C API packed (as ONNX packs
  // them); the graph unpacks and packs them at its boundary.
  packSubByteBoundary(entry);
  if (failed(runPipeline(
          *module,
          [&](OpPassManager &pm) { backend->buildConfigurationPipeline(pm, config); },
          "target configuration")))
    return failure();
  timer.done("lower to linalg");
  if (options.emit == EmitKind::Linalg)
    return print(*module);

  if (failed(runPipeline(
          *module,
          [&](OpPassManager &pm) { backend->buildTranslationPipeline(pm, config); },
          "translation")))
    return failure();
  timer.done("lower to LLVM dialect");

  if (options.emit == EmitKind::LLVM) {
    std::string err;
    auto out = openOutputFile(options.outputPath, &err);
    if (!out)
      return emitError(loc) << err;
    if (auto e = backend->emitLLVMIR(*module, config, out->os()))
      return emitError(loc) << llvm::toString(std::move(e));
    out->keep();
    return success();
  }

  std::string object;
  llvm::raw_string_ostream objStream(object);
  if (auto e = backend->emitObject(*module, config, objStream))
    return emitError(loc) << llvm::toString(std::move(e));
  timer.done("LLVM codegen");
  if (options.emit == EmitKind::Object)
    return writeFile(loc, options.outputPath, object);

  if (failed(linkLibrary(loc, config, *model, object, options)))
    return failure();
  timer.done("link");
  return success();
}

} // namespace qcc
