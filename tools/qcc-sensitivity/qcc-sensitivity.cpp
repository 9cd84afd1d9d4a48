//===- qcc-sensitivity.cpp - per-layer, per-config measured error ---------===//
//
//   qcc-sensitivity MODEL.gguf --calib=TEXT.txt --configs=a,b,c -o SENS.json
//       [--calib-seq=64] [--calib-samples=2] [--probe=CONFIG]
//       [--kl=probe|all|none] [--layers=REGEX] [--jobs=N]
//
// Measures, for every linear layer of a llama GGUF model and every candidate
// config, the effect of quantizing that layer alone (LlamaSensitivity.h) and
// writes the table qcc-bit-allocation reads. An existing -o file measured
// with the same model (by hash), text and settings is reused: only missing
// layers and configs are measured.
//
//===----------------------------------------------------------------------===//

#include "qcc/Allocation/LlamaSensitivity.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace qcc::alloc;
namespace cl = llvm::cl;

static cl::OptionCategory category("qcc-sensitivity options");
static cl::opt<std::string> model(cl::Positional, cl::desc("<model.gguf>"),
                                  cl::cat(category));
static cl::opt<std::string> calib("calib", cl::desc("Calibration text (UTF-8)"),
                                  cl::cat(category));
static cl::opt<int64_t> seq("calib-seq", cl::desc("Tokens per sequence"),
                            cl::init(64), cl::cat(category));
static cl::opt<int64_t> samples("calib-samples", cl::desc("Sequences"),
                                cl::init(2), cl::cat(category));
static cl::opt<std::string>
    configs("configs", cl::desc("Candidate configs, comma-separated"),
            cl::cat(category));
static cl::opt<std::string>
    probe("probe",
          cl::desc("Config whose KL is measured for every layer (default: "
                   "the cheapest of at least 4 bits)"),
          cl::cat(category));
static cl::opt<std::string>
    kl("kl",
       cl::desc("probe: KL at --probe, other configs scaled from the layer "
                "error; all: KL for every config; none: layer error only"),
       cl::init("probe"), cl::cat(category));
static cl::opt<std::string> layers("layers",
                                   cl::desc("Measure only layers matching"),
                                   cl::cat(category));
static cl::opt<int> threads("jobs", cl::desc("Threads the measurement runs on"),
                            cl::init(2), cl::cat(category));
static cl::opt<std::string> output("o", cl::desc("Output (and cache) file"),
                                   cl::value_desc("sens.json"),
                                   cl::cat(category));

static int fail(const llvm::Twine &msg) {
  llvm::errs() << "qcc-sensitivity: error: " << msg << "\n";
  return 1;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "qcc per-layer sensitivity measurement\n");
  if (model.empty())
    return fail("no model given");
  if (calib.empty())
    return fail("--calib=text.txt is required (the calibration text)");
  if (output.empty())
    return fail("-o sens.json is required");
  if (threads < 1)
    return fail("--jobs must be at least 1");
  SensitivityOptions o;
  o.model = model;
  o.calibText = calib;
  o.seq = seq;
  o.samples = samples;
  o.probe = probe;
  o.layers = layers;
  o.threads = threads;
  if (kl == "probe")
    o.kl = SensitivityOptions::KL::probe;
  else if (kl == "all")
    o.kl = SensitivityOptions::KL::all;
  else if (kl == "none")
    o.kl = SensitivityOptions::KL::none;
  else
    return fail("--kl=" + kl + ": expected probe, all or none");
  llvm::SmallVector<llvm::StringRef> parts;
  llvm::StringRef(configs).split(parts, ',', -1, false);
  for (llvm::StringRef p : parts) {
    std::string c = p.trim().str();
    if (std::find(o.configs.begin(), o.configs.end(), c) != o.configs.end())
      return fail("--configs lists '" + c + "' twice");
    o.configs.push_back(c);
  }
  if (o.configs.empty())
    return fail(std::string("--configs is required (") +
                sensitivityConfigNames() + ")");

  // Fail before the measurement, not after it, when -o cannot be written.
  llvm::StringRef dir = llvm::sys::path::parent_path(output);
  if (llvm::sys::fs::access(dir.empty() ? "." : dir,
                            llvm::sys::fs::AccessMode::Write))
    return fail("cannot write '" + output +
                "': its directory is missing or "
                "not writable");
  std::optional<SensitivityTable> cached;
  if (llvm::sys::fs::exists(output)) {
    auto c = readSensitivity(output);
    if (!c)
      return fail(llvm::toString(c.takeError()) +
                  " (remove it or write elsewhere)");
    cached = std::move(*c);
  }
  auto t = measureLlamaSensitivity(
      o, cached ? &*cached : nullptr, [](llvm::StringRef line) {
        llvm::errs() << "[sensitivity] " << line << "\n";
      });
  if (!t)
    return fail(llvm::toString(t.takeError()));
  if (auto e = writeSensitivity(*t, output))
    return fail(llvm::toString(std::move(e)));
  llvm::outs() << "wrote " << output << ": " << t->layers.size() << " layers x "
               << t->configs.size() << " configs (" << t->method << ")\n";
  return 0;
}
