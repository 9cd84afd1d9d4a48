/*===- Alloc.c - buffer allocation for generated code ---------------------===*\
|*                                                                            *|
|* Generated code allocates its intermediate buffers through these hooks     *|
|* (MLIR's generic allocation functions) instead of malloc/free. A model's   *|
|* buffer sizes repeat on every run, so freed blocks are kept in a small     *|
|* cache keyed by size and handed out again: after the first run an          *|
|* inference touches no fresh pages (no page faults, no zeroing).            *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#define QCC_ALIGN 64
#define QCC_CACHE_SLOTS 512
#define QCC_CACHE_BYTES ((size_t)1 << 31)

typedef struct {
  void *block;
  size_t size;
} cached_block;

static cached_block cache[QCC_CACHE_SLOTS];
static int cache_count;
static size_t cache_bytes;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

/* Blocks carry their size in a header of QCC_ALIGN bytes. */
static void *take(size_t size) {
  pthread_mutex_lock(&cache_lock);
  for (int i = cache_count - 1; i >= 0; --i)
    if (cache[i].size == size) {
      void *b = cache[i].block;
      cache[i] = cache[--cache_count];
      cache_bytes -= size;
      pthread_mutex_unlock(&cache_lock);
      return b;
    }
  pthread_mutex_unlock(&cache_lock);
  void *b = NULL;
  if (posix_memalign(&b, QCC_ALIGN, size + QCC_ALIGN) != 0)
    return NULL;
  *(size_t *)b = size;
  return b;
}

__attribute__((visibility("hidden"))) void *
_mlir_memref_to_llvm_aligned_alloc(uint64_t alignment, uint64_t size) {
  if (alignment > QCC_ALIGN)
    return NULL; /* never requested by qcc's pipelines */
  char *b = (char *)take(size);
  return b ? b + QCC_ALIGN : NULL;
}

__attribute__((visibility("hidden"))) void *
_mlir_memref_to_llvm_alloc(uint64_t size) {
  return _mlir_memref_to_llvm_aligned_alloc(QCC_ALIGN, size);
}

__attribute__((visibility("hidden"))) void _mlir_memref_to_llvm_free(void *p) {
  if (!p)
    return;
  char *b = (char *)p - QCC_ALIGN;
  size_t size = *(size_t *)b;
  pthread_mutex_lock(&cache_lock);
  if (cache_count < QCC_CACHE_SLOTS && cache_bytes + size <= QCC_CACHE_BYTES) {
    cache[cache_count].block = b;
    cache[cache_count].size = size;
    ++cache_count;
    cache_bytes += size;
    b = NULL;
  }
  pthread_mutex_unlock(&cache_lock);
  free(b);
}
