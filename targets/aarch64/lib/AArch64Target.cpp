//===- AArch64Target.cpp - the AArch64 backend ----------------------------===//
//
// `aarch64` is Armv8-A with NEON; `+dotprod`, `+i8mm` and `+sme` add the
// integer dot-product, matrix-multiply and scalable-matrix extensions
// (e.g. aarch64+dotprod+i8mm). Binaries run on x86 build machines under
// qemu-aarch64.
//
//===----------------------------------------------------------------------===//

#include "qcc/Target/AArch64/AArch64Target.h"

#include "qcc/Target/TargetBackend.h"

#include "qcc/Dialect/Qnn/Transforms/Passes.h"

#include "llvm/ADT/StringExtras.h"

extern "C" {
void LLVMInitializeAArch64TargetInfo();
void LLVMInitializeAArch64Target();
void LLVMInitializeAArch64TargetMC();
void LLVMInitializeAArch64AsmPrinter();
}

namespace qcc {
namespace {

class AArch64Backend : public TargetBackend {
public:
  llvm::StringRef name() const override { return "aarch64"; }
  void buildConfigurationPipeline(mlir::OpPassManager &pm,
                                  const TargetConfig &) const override {
    // Block weights (Q4_0/Q4_1/Q5_0/Q5_1/Q8_0/Q4_K/Q5_K/Q6_K) in rows of 8
    // for the sdot-by-lane kernels (qcc_rt_block_linear_x8; portable C where
    // the CPU lacks dotprod).
    pm.addPass(qnn::createInterleaveBlockWeights());
  }
  std::string description() const override {
    return "AArch64 with NEON (extensions: +dotprod, +i8mm, +sme), run here "
           "under qemu-aarch64";
  }
  /// No AArch64 hardware was measured (tests run under qemu): the table
  /// is nominal, for a Neoverse-N1-class core, and says so.
  llvm::Expected<TargetCostModel> costModel(const TargetConfig &config,
                                            int threads) const override {
    llvm::StringRef n = config.name;
    bool dot = n.contains("+dotprod") || n.contains("+i8mm") ||
               n.contains("+sme");
    bool i8mm = n.contains("+i8mm");
    double t = threads >= 2 ? 2.0 : 1.0;
    TargetCostModel m;
    m.target = config.name;
    m.threads = threads;
    m.bandwidthBytesPerSecond = 20e9;
    m.bandwidthSource = "nominal (no AArch64 machine measured)";
    const char *nominal = "nominal";
    // GMAC/s per thread: sdot 16 per cycle x 2 pipes at 2.5 GHz, halved
    // for the kernels' overhead; smmla doubles it; plain NEON widening
    // multiplies a quarter.
    double int8Rate = (i8mm ? 80.0 : dot ? 40.0 : 10.0) * t;
    auto add = [&](const char *name, bool native, const char *runsAs,
                   double stream, double gmacs, double macFraction,
                   const char *source) {
      WeightFormatCost f;
      f.name = name;
      f.bitsPerWeight = storageBitsPerWeight(name);
      f.native = native;
      f.runsAs = runsAs;
      f.streamEfficiency = stream;
      f.macsPerSecond = gmacs * 1e9;
      f.macFraction = macFraction;
      f.source = source;
      m.formats.push_back(f);
    };
    add("f32", true, "", 0.7, 16 * t, 1, nominal);
    add("f16", false, "f32", 0, 0, 1, "converted to f32 at compile time");
    double block = dot ? 0.5 : 0.25; // sdot block kernels or portable C
    for (const char *f : {"q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "q4k",
                          "q5k", "q6k", "q3g64", "q3g192", "q2g64", "q3k",
                          "q2k"})
      add(f, true, "", block, int8Rate * block, 1, nominal);
    add("int8", true, "", 0.6, int8Rate, 1, nominal);
    add("int4g32", true, "", 0.45, int8Rate * 0.6, 1, nominal);
    add("int4g128", true, "", 0.55, int8Rate * 0.6, 1, nominal);
    add("ternary", true, "", 0.4, int8Rate * 0.6, 1, "nominal (NEON tbl)");
    add("sparse24", false, "int8", 0, 0, 1,
        "portable code only: not faster than the sdot/smmla dense kernels");
    return m;
  }
  bool matches(llvm::StringRef spec) const override {
    return spec == "aarch64" || spec.starts_with("aarch64+") || spec == "arm64";
  }
  llvm::Expected<TargetConfig> configure(llvm::StringRef spec) const override {
    static bool initialized = [] {
      LLVMInitializeAArch64TargetInfo();
      LLVMInitializeAArch64Target();
      LLVMInitializeAArch64TargetMC();
      LLVMInitializeAArch64AsmPrinter();
      return true;
    }();
    (void)initialized;
    TargetConfig c;
    c.name = spec == "arm64" ? "aarch64" : spec.str();
    c.triple = "aarch64-unknown-linux-gnu";
    c.cpu = "generic";
    c.features = "+neon";
    c.requiredCpuFeatures = {"neon"};
    llvm::SmallVector<llvm::StringRef> parts;
    llvm::StringRef(c.name).split(parts, '+');
    for (llvm::StringRef ext : llvm::ArrayRef(parts).drop_front()) {
      if (ext != "dotprod" && ext != "i8mm" && ext != "sme")
        return llvm::createStringError("unknown AArch64 extension '+" +
                                       ext.str() +
                                       "' (expected dotprod, i8mm or sme)");
      c.features += ",+" + ext.str();
      c.requiredCpuFeatures.push_back(ext.str());
    }
    c.runtimeArchive = "libqcc_runtime_aarch64.a";
    // OpenMP through GCC's libgomp (no LLVM libomp for AArch64 here), so
    // only the runtime's kernels run threads; generated loops are sequential.
    c.linkArgs = {"--target=aarch64-linux-gnu", "-B/usr/bin/aarch64-linux-gnu-",
                  "-lgomp"};
    c.runPrefix = {"qemu-aarch64", "-L", "/usr/aarch64-linux-gnu", "-cpu", "max"};
    return c;
  }
};

} // namespace

void registerAArch64Target() {
  registerTargetBackend(std::make_unique<AArch64Backend>());
}

} // namespace qcc
