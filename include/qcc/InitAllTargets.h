//===- InitAllTargets.h - the backends built into qcc -----------*- C++ -*-===//

#ifndef QCC_INITALLTARGETS_H
#define QCC_INITALLTARGETS_H

namespace qcc {

/// Registers every backend named in the QCC_TARGETS build setting.
void registerAllTargets();

} // namespace qcc

#endif // QCC_INITALLTARGETS_H
