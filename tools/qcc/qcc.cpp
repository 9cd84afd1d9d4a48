//===- qcc.cpp - the qcc compiler -----------------------------------------===//

#include "qcc/Driver/Driver.h"

int main(int argc, char **argv) { return qcc::qccMain(argc, argv); }
