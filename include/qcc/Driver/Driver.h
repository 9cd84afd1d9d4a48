//===- Driver.h - the qcc compiler driver -----------------------*- C++ -*-===//

#ifndef QCC_DRIVER_DRIVER_H
#define QCC_DRIVER_DRIVER_H

#include "mlir/IR/BuiltinOps.h"

#include <map>
#include <string>
#include <vector>

namespace qcc {

/// Where compilation stops (`--emit=`).
enum class EmitKind { Qnn, Quantized, Integer, Linalg, LLVM, Object, Library };

struct CompileOptions {
  std::string inputPath;
  std::string outputPath;
  std::string target = "host";
  EmitKind emit = EmitKind::Library;
  std::map<std::string, std::vector<int64_t>> inputShapes;
  std::map<std::string, std::vector<double>> inputValues;
  bool runOnnxChecker = true;
  bool verbose = false;
};

/// Runs the whole compile described by `options`; diagnostics go to the
/// context's handler. Returns failure after reporting an error.
mlir::LogicalResult compile(mlir::MLIRContext &context,
                            const CompileOptions &options);

/// `qcc`'s main(): parses the command line and compiles.
int qccMain(int argc, char **argv);

} // namespace qcc

#endif // QCC_DRIVER_DRIVER_H
