//===- LlmCalibration.cpp - layer statistics for a GGUF model's weights ---===//

#include "qcc/Driver/LlmCalibration.h"

#include "qcc/Dialect/Qnn/Transforms/Passes.h"
#include "qcc/Dialect/Qnn/Transforms/WeightQuantization.h"
#include "qcc/Driver/Calibration.h"
#include "qcc/Driver/LayerStatistics.h"
#include "qcc/Frontend/Gguf/GgufImporter.h"
#include "qcc/Pipelines/Pipelines.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Pass/PassManager.h"

using namespace mlir;
using namespace qcc;
using gguf_import::LayerInputStats;
using gguf_import::LayerStatsMap;
using gguf_import::WeightKind;

namespace {

/// The GGUF tensor name of a weight layer: its constant's NameLoc (the
/// sequence graph's transposed weights keep the tensor's name).
std::string weightName(const qnn::WeightLayer &layer) {
  Value w = layer.op->getOperand(1);
  if (auto cst = w.getDefiningOp<arith::ConstantOp>())
    if (auto name = dyn_cast<NameLoc>(cst.getLoc()))
      return name.getName().str();
  return "";
}

} // namespace

FailureOr<std::shared_ptr<const LayerStatsMap>>
qcc::collectLanguageModelStatistics(MLIRContext &context,
                                    const CompileOptions &options,
                                    const gguf_import::WeightPlan &plan,
                                    const gguf_import::SparsityPlan &sparsity) {
  Location loc = FileLineColLoc::get(&context, options.inputPath, 0, 0);
  if (options.calibPath.empty()) {
    for (WeightKind k : {WeightKind::GPTQ, WeightKind::AWQ})
      if (plan.uses(k))
        return emitError(loc)
               << "--weights=" << (k == WeightKind::GPTQ ? "gptq" : "awq")
               << " (or such a --layer-quant entry) needs --calib=text.txt: "
                  "it reads each layer's inputs on real text";
    if (sparsity.needsCalibration())
      return emitError(loc) << "--prune=wanda and sparsegpt need "
                               "--calib=text.txt: they read each layer's "
                               "input Hessian on real text";
  }
  if (options.calibSequence < 0)
    return emitError(loc) << "--calib-seq must be positive, got "
                          << options.calibSequence;
  GgufImportOptions io;
  io.contextLength = options.contextLength;
  int64_t ctx = options.contextLength ? options.contextLength : 512;
  io.sequenceLength = options.calibSequence ? options.calibSequence
                                            : std::min<int64_t>(512, ctx);
  if (io.sequenceLength > ctx)
    return emitError(loc) << "--calib-seq=" << io.sequenceLength
                          << " exceeds the context (--ctx=" << ctx << ")";
  gguf_import::WeightConfig f32;
  f32.kind = WeightKind::F32;
  io.weights = gguf_import::WeightPlan(f32);
  OwningOpRef<ModuleOp> module =
      importGgufModel(context, options.inputPath, io);
  if (!module)
    return failure();
  PassManager pm(&context);
  buildQnnOptimizationPipeline(pm);
  pm.addPass(qnn::createFuseLayerNorm());
  pm.addPass(qnn::createPrepareQuantization());
  if (failed(pm.run(*module)))
    return emitError(loc) << "preparing the calibration graph failed";
  auto main = module->lookupSymbol<func::FuncOp>("main");

  std::vector<std::unique_ptr<LayerStatistics>> stats;
  for (WeightKind k : {WeightKind::GPTQ, WeightKind::AWQ}) {
    // 2:4 pruning by wanda / sparsegpt reads the same Hessians as gptq.
    bool hessians = k == WeightKind::GPTQ && sparsity.needsCalibration();
    if (!plan.uses(k) && !hessians)
      continue;
    qnn::WeightQuantOptions wq;
    wq.bits = 4;
    wq.groupSize = 8; // every layer whose rows split into groups: all here
    wq.method = k == WeightKind::GPTQ ? "gptq" : "awq";
    stats.push_back(std::make_unique<LayerStatistics>(main, wq));
  }

  CalibrationOptions calib;
  calib.dataPath = options.calibPath;
  calib.maxSamples = options.calibSamples;
  calib.verbose = options.verbose;
  auto sequences =
      tokenizeCalibrationText(loc, options.calibPath, options.inputPath,
                              io.sequenceLength, options.calibSamples);
  if (failed(sequences))
    return failure();
  calib.tokenSequences = std::move(*sequences);
  calib.onPoint = [&](size_t point, const float *data) {
    for (auto &s : stats)
      s->observe(point, data);
  };
  CompileOptions calibCompile = options;
  calibCompile.quant = "none";
  calibCompile.calibPath.clear();
  auto observers = runCalibration(*module, calibCompile, calib);
  if (failed(observers))
    return failure();

  auto out = std::make_shared<LayerStatsMap>();
  for (auto &s : stats) {
    if (failed(s->attach()))
      return failure();
    for (const qnn::WeightLayer &layer : qnn::weightLayers(main)) {
      std::string name = weightName(layer);
      if (name.empty())
        continue;
      LayerInputStats &entry = (*out)[name];
      entry.cols = layer.cols;
      Operation *op = layer.op;
      if (auto h = op->getAttrOfType<DenseF64ResourceElementsAttr>(
              qnn::kHessianAttr))
        if (auto data = h.tryGetAsArrayRef())
          entry.hessian.assign(data->begin(), data->end());
      if (auto n = op->getAttrOfType<IntegerAttr>(qnn::kHessianRowsAttr))
        entry.hessianRows = n.getInt();
      if (auto m = op->getAttrOfType<DenseElementsAttr>(qnn::kActMeanAbsAttr))
        entry.meanAbs.assign(m.getValues<float>().begin(),
                             m.getValues<float>().end());
      if (auto x = op->getAttrOfType<DenseF32ResourceElementsAttr>(
              qnn::kActSampleAttr))
        if (auto data = x.tryGetAsArrayRef()) {
          entry.sample.assign(data->begin(), data->end());
          entry.sampleRows = (int64_t)data->size() / layer.cols;
        }
      for (llvm::StringRef attr :
           {qnn::kHessianAttr, qnn::kHessianRowsAttr, qnn::kActMeanAbsAttr,
            qnn::kActSampleAttr, qnn::kActChannelRangeAttr})
        op->removeAttr(attr);
    }
  }
  return std::shared_ptr<const LayerStatsMap>(std::move(out));
}
