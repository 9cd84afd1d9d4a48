//===- qcc-opt.cpp - qcc's dialects and passes on textual IR --------------===//

#include "qcc/InitAllDialects.h"
#include "qcc/InitAllPasses.h"

#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  qcc::registerAllPasses();
  mlir::DialectRegistry registry;
  qcc::registerAllDialects(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "qcc optimizer driver\n", registry));
}
