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
  std::string description() const override {
    return "AArch64 with NEON (extensions: +dotprod, +i8mm, +sme), run here "
           "under qemu-aarch64";
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
