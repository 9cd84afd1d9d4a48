/*===- MemrefCopy.c - strided copies for lowered memref.copy -------------===*\
|* MLIR lowers memref.copy between non-contiguous (strided) memrefs to a      *|
|* call to memrefCopy(elemSize, src, dst) on unranked descriptors; generated  *|
|* libraries get it from here instead of MLIR's JIT runner utilities.         *|
\*===----------------------------------------------------------------------===*/

#include <stdint.h>
#include <string.h>

typedef struct {
  int64_t rank;
  void *descriptor;
} qcc_unranked_memref;

/* A ranked descriptor: allocated, aligned, offset, sizes[rank], strides[rank]. */
typedef struct {
  char *allocated;
  char *aligned;
  int64_t offset;
  int64_t sizes_and_strides[];
} qcc_memref_desc;

__attribute__((visibility("hidden"))) void
memrefCopy(int64_t elemSize, qcc_unranked_memref *src, qcc_unranked_memref *dst) {
  int64_t rank = src->rank;
  qcc_memref_desc *s = (qcc_memref_desc *)src->descriptor;
  qcc_memref_desc *d = (qcc_memref_desc *)dst->descriptor;
  const int64_t *sizes = s->sizes_and_strides;
  const int64_t *sStrides = s->sizes_and_strides + rank;
  const int64_t *dStrides = d->sizes_and_strides + rank;
  char *sBase = s->aligned + s->offset * elemSize;
  char *dBase = d->aligned + d->offset * elemSize;
  if (rank == 0) {
    memcpy(dBase, sBase, elemSize);
    return;
  }
  for (int64_t i = 0; i < rank; ++i)
    if (sizes[i] == 0)
      return;
  if (rank > 64)
    return;
  /* Copy whole innermost rows at once when both sides are contiguous there. */
  int64_t inner = sizes[rank - 1];
  int contiguous = sStrides[rank - 1] == 1 && dStrides[rank - 1] == 1;
  int64_t outer = rank - 1;
  int64_t index[64] = {0};
  for (;;) {
    int64_t so = 0, doff = 0;
    for (int64_t i = 0; i < outer; ++i) {
      so += index[i] * sStrides[i];
      doff += index[i] * dStrides[i];
    }
    if (contiguous) {
      memcpy(dBase + doff * elemSize, sBase + so * elemSize, inner * elemSize);
    } else {
      for (int64_t j = 0; j < inner; ++j)
        memcpy(dBase + (doff + j * dStrides[rank - 1]) * elemSize,
               sBase + (so + j * sStrides[rank - 1]) * elemSize, elemSize);
    }
    int64_t axis = outer - 1;
    while (axis >= 0 && ++index[axis] == sizes[axis])
      index[axis--] = 0;
    if (axis < 0)
      return;
  }
}
