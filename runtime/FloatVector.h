/*===- FloatVector.h - f32 vectors of the build's width -------*- C -*-===*\
|*                                                                            *|
|* GCC vector types, so one source serves AVX2, AVX-512 and NEON: vectors are *|
|* as wide as the build's instruction set allows (16 floats with AVX-512,     *|
|* else 8, which AArch64 NEON carries as register pairs). Loads and stores go *|
|* through memcpy (no alignment assumed).                                     *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef QCC_RUNTIME_FLOATVECTOR_H
#define QCC_RUNTIME_FLOATVECTOR_H

#include <string.h>

#if defined(__AVX512F__)
#define VW 16
#else
#define VW 8
#endif

typedef float vf __attribute__((vector_size(VW * 4), aligned(4)));

static inline vf loadv(const float *p) {
  vf v;
  memcpy(&v, p, sizeof(v));
  return v;
}
static inline void storev(float *p, vf v) { memcpy(p, &v, sizeof(v)); }

/* The sum of a vector's lanes. */
static inline float hsum(vf v) {
  float s = 0.f;
  for (int i = 0; i < VW; ++i)
    s += v[i];
  return s;
}

#endif
