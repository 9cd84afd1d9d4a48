//===- QccMain.cpp - command line of the qcc compiler ---------------------===//

#include "qcc/Driver/Driver.h"

#include "qcc/Frontend/Onnx/OnnxImporter.h"
#include "qcc/InitAllDialects.h"
#include "qcc/InitAllPasses.h"
#include "qcc/InitAllTargets.h"
#include "qcc/Target/TargetBackend.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
namespace cl = llvm::cl;

namespace qcc {

static cl::OptionCategory qccCategory("qcc options");

/// Parses "NAME=a,b,c" (splitting at the last '=').
template <typename T>
static bool parseNamedList(llvm::StringRef spec, std::string &name,
                           std::vector<T> &values) {
  size_t eq = spec.rfind('=');
  if (eq == llvm::StringRef::npos || eq == 0)
    return false;
  name = spec.substr(0, eq).str();
  llvm::StringRef rest = spec.substr(eq + 1);
  if (rest.empty())
    return true; // a scalar shape
  llvm::SmallVector<llvm::StringRef> parts;
  rest.split(parts, ',');
  for (llvm::StringRef p : parts) {
    p = p.trim();
    if constexpr (std::is_integral_v<T>) {
      int64_t v;
      if (p.getAsInteger(10, v) || v < 0)
        return false;
      values.push_back(v);
    } else {
      double v;
      if (p.getAsDouble(v))
        return false;
      values.push_back(v);
    }
  }
  return true;
}

int qccMain(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::opt<std::string> input(cl::Positional,
                             cl::desc("<model.onnx | model.gguf | model.safetensors | model.mlir>"),
                             cl::cat(qccCategory));
  cl::opt<std::string> output("o", cl::desc("Output file (default: model.so "
                                             "beside the input's name)"),
                              cl::value_desc("path"), cl::cat(qccCategory));
  cl::opt<std::string> target("target",
                              cl::desc("Target to compile for (default: host); "
                                       "see --list-targets"),
                              cl::init("host"), cl::cat(qccCategory));
  cl::opt<std::string> quant(
      "quant", cl::desc("Quantization: none, or w8a8 (int8 weights and activations, integer-only)"),
      cl::init("none"), cl::cat(qccCategory));
  cl::opt<std::string> calib(
      "calib", cl::desc("Calibration data: a folder of .npy samples (or of per-sample folders) or one .npy batch; for GGUF models also a UTF-8 text file, for safetensors encoders a .txt of sentences"),
      cl::value_desc("path"), cl::cat(qccCategory));
  cl::opt<std::string> calibMethod(
      "calib-method", cl::desc("Activation range from the statistics: minmax, percentile, entropy, mse"),
      cl::init("minmax"), cl::cat(qccCategory));
  cl::opt<double> calibPercentile(
      "calib-percentile", cl::desc("Mass kept by --calib-method=percentile, in percent"),
      cl::init(99.999), cl::cat(qccCategory));
  cl::opt<int64_t> calibSamples(
      "calib-samples", cl::desc("Use at most this many calibration samples (0: all)"),
      cl::init(0), cl::cat(qccCategory));
  cl::opt<int64_t> calibSeq(
      "calib-seq",
      cl::desc("GGUF models calibrated from text (--calib=FILE.txt): tokens "
               "per calibration sequence (default 512, or --ctx when "
               "shorter; a multiple of --seq)"),
      cl::init(0), cl::cat(qccCategory));
  cl::opt<std::string> calibOut(
      "calib-out", cl::desc("Write the calibration statistics to this file"),
      cl::value_desc("file.json"), cl::cat(qccCategory));
  cl::opt<std::string> calibIn(
      "calib-in", cl::desc("Read calibration statistics written by --calib-out instead of running the model"),
      cl::value_desc("file.json"), cl::cat(qccCategory));
  cl::opt<std::string> actType(
      "act-type", cl::desc("Activation storage: u8 (asymmetric) or i8 (symmetric)"),
      cl::init("u8"), cl::cat(qccCategory));
  cl::opt<std::string> weights(
      "weights", cl::desc("Weight quantizer: rtn, gptq, awq, hqq, or ternary "
                          "(weights in {-1, 0, 1} times an absmean scale); "
                          "for a GGUF model the linear weights' format: gguf "
                          "(the file's, default), f32, q4_0, q4_1, q5_0, "
                          "q5_1, q8_0, q4k, q5k, q6k, q2g64, q3g64, q3g192, "
                          "rtn, gptq, awq, hqq"),
      cl::init("rtn"), cl::cat(qccCategory));
  cl::opt<std::string> ternaryScale(
      "ternary-scale",
      cl::desc("Scale of --weights=ternary: channel (per output channel) or tensor"),
      cl::init("channel"), cl::cat(qccCategory));
  cl::opt<int64_t> wbits("wbits", cl::desc("Weight bits (8, 4, 3, 2)"), cl::init(8),
                         cl::cat(qccCategory));
  cl::opt<int64_t> group("group",
                         cl::desc("Weight group size along the input axis for "
                                  "--wbits < 8 (0: one group per row)"),
                         cl::init(32), cl::cat(qccCategory));
  cl::opt<std::string> wgrid(
      "wgrid",
      cl::desc("4-bit grid of a GGUF model's --weights=rtn|gptq|awq|hqq: "
               "float (w = d q + m per group, as Q4_1 stores; default) or "
               "int (an integer zero point, the range widened to hold 0)"),
      cl::init("float"), cl::cat(qccCategory));
  cl::opt<double> smooth(
      "smooth",
      cl::desc("SmoothQuant for the int8 layers: migration strength alpha in "
               "[0, 1] (0.5 is the paper's default; negative: off)"),
      cl::init(-1.0), cl::cat(qccCategory));
  cl::opt<int64_t> stateBits(
      "state-bits",
      cl::desc("Activation bits on a recurrent state path (a float input fed "
               "back from a same-typed output through add/mul/data movement, "
               "e.g. an LSTM cell state): 16 or 8"),
      cl::init(16), cl::cat(qccCategory));
  cl::opt<int64_t> residualBits(
      "residual-bits",
      cl::desc("Activation bits of the residual stream (values read only by "
               "additions, layer norms and the output: a transformer's "
               "residual adds, projections and layer-norm outputs; matmul "
               "inputs stay 8-bit): 8 or 16"),
      cl::init(8), cl::cat(qccCategory));
  cl::opt<std::string> sparsity(
      "sparsity",
      cl::desc("2:4 structured sparsity of the int8 layers: disable, enable "
               "(where the target's 2:4 kernel is faster) or force (every "
               "eligible layer)"),
      cl::init("disable"), cl::cat(qccCategory));
  cl::opt<std::string> prune(
      "prune",
      cl::desc("2:4 pruning criterion: magnitude, wanda or sparsegpt (the "
               "last two need --calib)"),
      cl::init(""), cl::cat(qccCategory));
  cl::opt<std::string> sparseLayers(
      "sparse-layers",
      cl::desc("With --sparsity=force: prune only the layers whose name "
               "matches this regex (ONNX node names; GGUF tensor names, "
               "default every linear weight but the LM head)"),
      cl::init(""), cl::cat(qccCategory));
  cl::opt<int64_t> sparseStages(
      "sparse-stages",
      cl::desc("2:4 pruning order (--quant models): 0 (default) prunes "
               "every layer from the float model's calibration; N > 0 "
               "prunes in N stages in program order, each stage's Wanda / "
               "SparseGPT Hessians calibrated on the model with the earlier "
               "stages pruned, then calibrates the activation ranges on "
               "the pruned model (N + 1 calibration runs)"),
      cl::init(0), cl::cat(qccCategory));
  cl::opt<EmitKind> emit(
      "emit", cl::desc("Stop after a stage and write its output"),
      cl::values(clEnumValN(EmitKind::Qnn, "qnn", "qnn dialect IR"),
                 clEnumValN(EmitKind::Quantized, "quantized",
                            "qnn IR in QDQ form (quantize/dequantize around float ops)"),
                 clEnumValN(EmitKind::Integer, "integer",
                            "qnn IR at the integer level (after qcc-integerize)"),
                 clEnumValN(EmitKind::Linalg, "linalg", "linalg-on-tensors IR"),
                 clEnumValN(EmitKind::LLVM, "llvm", "optimized LLVM IR"),
                 clEnumValN(EmitKind::Object, "obj", "relocatable object file"),
                 clEnumValN(EmitKind::Library, "lib",
                            "shared library + C header (default)")),
      cl::init(EmitKind::Library), cl::cat(qccCategory));
  cl::list<std::string> inputShapes(
      "input-shape",
      cl::desc("Static shape of a graph input: NAME=D0,D1,... (repeatable; "
               "needed for symbolic dimensions)"),
      cl::cat(qccCategory));
  cl::list<std::string> inputValues(
      "input-value",
      cl::desc("Fix a graph input to constant values: NAME=v0,v1,... "
               "(repeatable; the input leaves the library's signature)"),
      cl::cat(qccCategory));
  cl::opt<bool> noChecker("no-onnx-checker",
                          cl::desc("Skip ONNX's model checker"),
                          cl::cat(qccCategory));
  cl::opt<int64_t> ctx(
      "ctx",
      cl::desc("Positions of a language model's KV cache (GGUF input; at "
               "most the model's context length; default 512 or that length "
               "when shorter)"),
      cl::init(0), cl::cat(qccCategory));
  cl::opt<std::string> kvCache(
      "kv-cache",
      cl::desc("A language model's KV cache (GGUF input): f32 (default), or "
               "int8 (codes per position and head with an f32 scale each; "
               "inputs and outputs k_scale, v_scale)"),
      cl::init("f32"), cl::cat(qccCategory));
  cl::opt<int64_t> seq(
      "seq",
      cl::desc("Tokens per run of a language model (GGUF input): 1 (default) "
               "builds the decode step (token, logits [vocab]), N > 1 the "
               "sequence graph (tokens [N], logits [N, vocab]) for prefill, "
               "perplexity and calibration); a safetensors encoder's static "
               "sequence length (or --input-shape input_ids=B,S)"),
      cl::init(0), cl::cat(qccCategory));
  cl::opt<std::string> ggufWeights(
      "gguf-weights",
      cl::desc("GGUF block-quantized linear weights: dequant (default: f32 "
               "constants, the float model) or block (kept in their format, "
               "integer block products)"),
      cl::value_desc("block|dequant"), cl::cat(qccCategory));
  cl::list<std::string> layerQuant(
      "layer-quant",
      cl::desc("Per-layer weight formats of a GGUF model: REGEX=CONFIG[,...] "
               "matched against tensor names (blk.N.attn_v.weight, ...); the "
               "last match wins (e.g. 'attn_v|ffn_down=q6k')"),
      cl::value_desc("regex=config"), cl::cat(qccCategory));
  cl::opt<std::string> config(
      "config",
      cl::desc("The config.json of a safetensors model (default: the one "
               "beside it)"),
      cl::value_desc("path"), cl::cat(qccCategory));
  cl::opt<std::string> tokenizerPath(
      "tokenizer",
      cl::desc("WordPiece tokenizer.json or vocab.txt for --calib=SENTENCES.txt "
               "(default: the one beside the model)"),
      cl::value_desc("path"), cl::cat(qccCategory));
  cl::opt<bool> tokenTypeIds(
      "token-type-ids",
      cl::desc("Give a safetensors encoder a token_type_ids input (default: "
               "every token has type 0)"),
      cl::cat(qccCategory));
  cl::opt<bool> verbose("v", cl::desc("Print the time of every stage"),
                        cl::cat(qccCategory));
  cl::opt<bool> listTargets("list-targets", cl::desc("List targets and exit"),
                            cl::cat(qccCategory));
  cl::opt<bool> listOps("list-ops",
                        cl::desc("List the supported ONNX operators and exit"),
                        cl::cat(qccCategory));
  cl::HideUnrelatedOptions(qccCategory);
  cl::SetVersionPrinter([](llvm::raw_ostream &os) {
    os << "qcc, the quantizing compiler (LLVM/MLIR 22)\n";
  });
  if (!cl::ParseCommandLineOptions(
          argc, argv,
          "qcc: compile an ONNX model to a native library\n\n"
          "  qcc model.onnx --target=x86-64-v3 -o model.so\n",
          &llvm::errs()))
    return 1;

  registerAllTargets();
  registerAllPasses();
  if (listTargets) {
    for (const TargetBackend *b : getTargetBackends())
      llvm::outs() << b->name() << ": " << b->description() << "\n";
    return 0;
  }
  if (listOps) {
    for (const std::string &op : getSupportedOnnxOps())
      llvm::outs() << op << "\n";
    return 0;
  }
  if (input.empty()) {
    llvm::errs() << "qcc: error: no input model (usage: qcc model.onnx -o "
                    "model.so; see --help)\n";
    return 1;
  }

  CompileOptions options;
  options.inputPath = input;
  options.target = target;
  options.emit = emit;
  options.quant = quant;
  options.calibPath = calib;
  options.calibMethod = calibMethod;
  options.calibPercentile = calibPercentile;
  options.calibSamples = calibSamples;
  options.calibSequence = calibSeq;
  options.calibOut = calibOut;
  options.calibIn = calibIn;
  options.activationType = actType;
  options.weightMethod = weights;
  options.ternaryScale = ternaryScale;
  options.weightBits = wbits;
  options.weightGroup = group;
  options.weightGrid = wgrid;
  options.weightGridGiven = wgrid.getNumOccurrences() > 0;
  options.smoothAlpha = smooth;
  options.stateBits = stateBits;
  options.residualBits = residualBits;
  options.sparsity = sparsity;
  options.prune = prune;
  options.sparseLayers = sparseLayers;
  options.sparseStages = sparseStages;
  options.verbose = verbose;
  options.contextLength = ctx;
  options.kvCache = kvCache;
  if (seq.getNumOccurrences() && seq < 1) {
    llvm::errs() << "qcc: error: --seq must be at least 1, got " << seq << "\n";
    return 1;
  }
  options.sequenceLength = seq;
  options.ggufWeights = ggufWeights;
  options.layerQuant.assign(layerQuant.begin(), layerQuant.end());
  options.weightMethodGiven = weights.getNumOccurrences() > 0;
  options.weightBitsGiven = wbits.getNumOccurrences() > 0;
  options.weightGroupGiven = group.getNumOccurrences() > 0;
  options.configPath = config;
  options.tokenTypeIds = tokenTypeIds;
  options.tokenizerPath = tokenizerPath;
  options.runOnnxChecker = !noChecker;
  for (const std::string &spec : inputShapes) {
    std::string name;
    std::vector<int64_t> dims;
    if (!parseNamedList(spec, name, dims)) {
      llvm::errs() << "qcc: error: bad --input-shape '" << spec
                   << "' (expected NAME=D0,D1,... with non-negative sizes)\n";
      return 1;
    }
    options.inputShapes[name] = dims;
  }
  for (const std::string &spec : inputValues) {
    std::string name;
    std::vector<double> values;
    if (!parseNamedList(spec, name, values)) {
      llvm::errs() << "qcc: error: bad --input-value '" << spec
                   << "' (expected NAME=v0,v1,...)\n";
      return 1;
    }
    options.inputValues[name] = values;
  }
  if (output.empty()) {
    llvm::SmallString<256> out(llvm::sys::path::filename(input));
    const char *ext[] = {".qnn.mlir", ".quantized.mlir", ".integer.mlir",
                         ".linalg.mlir", ".ll", ".o", ".so"};
    llvm::sys::path::replace_extension(out, ext[(int)options.emit]);
    options.outputPath = std::string(out);
  } else {
    options.outputPath = output;
  }

  DialectRegistry registry;
  registerAllDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  // Diagnostics: "qcc: error: <file>: message", node names come in the text.
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    llvm::raw_ostream &os = llvm::errs();
    os << "qcc: ";
    switch (diag.getSeverity()) {
    case DiagnosticSeverity::Error:
      os << "error: ";
      break;
    case DiagnosticSeverity::Warning:
      os << "warning: ";
      break;
    default:
      os << "note: ";
    }
    Location loc = diag.getLocation();
    if (auto name = dyn_cast<NameLoc>(loc))
      loc = name.getChildLoc();
    if (auto file = dyn_cast<FileLineColLoc>(loc))
      os << file.getFilename().getValue() << ": ";
    os << diag.str() << "\n";
    for (Diagnostic &note : diag.getNotes())
      os << "qcc: note: " << note.str() << "\n";
    return success();
  });
  return succeeded(compile(context, options)) ? 0 : 1;
}

} // namespace qcc
