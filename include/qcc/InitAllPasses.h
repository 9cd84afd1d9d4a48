//===- InitAllPasses.h - every pass and pipeline qcc-opt knows --*- C++ -*-===//

#ifndef QCC_INITALLPASSES_H
#define QCC_INITALLPASSES_H

namespace qcc {

/// Registers qcc's passes and pipelines and the upstream passes they use.
void registerAllPasses();

} // namespace qcc

#endif // QCC_INITALLPASSES_H
