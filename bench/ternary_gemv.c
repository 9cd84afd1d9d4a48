/*===- ternary_gemv.c - ternary GEMV against qcc's int8 and int4 GEMV ----===*\
|*                                                                            *|
|* A language model's decode step is one GEMV per weight matrix, bound by     *|
|* how many weight bytes it streams. This program times, at the same N x K    *|
|* shapes and with int8 activations:                                          *|
|*                                                                            *|
|*   ternary  qcc_rt_qgemm_ternary (runtime/QGemmTernary.c): 2-bit codes,     *|
|*            table lookups, no multiplications;                              *|
|*   int8     qcc_rt_qgemm_s8 (runtime/QGemm.c): int8 weights, per-channel    *|
|*            zero points (the W8A8 path);                                    *|
|*   int4     qcc_rt_qgemm_grouped (runtime/QGemmGrouped.c) at 4 bits, group  *|
|*            32 and 128 (the W4A8 path; group scales and zero points are     *|
|*            one byte each per group).                                       *|
|*                                                                            *|
|* M = 1, rotating through copies of the weights that together exceed the     *|
|* last-level cache (as the layers of a model do; --pool-mib), best of 3      *|
|* runs of >= 0.15 s each, with one thread and with all OpenMP threads.       *|
|* Built by bench/ternary_gemv.py:                                            *|
|*                                                                            *|
|*   gcc -O3 -march=... -fopenmp -Iruntime bench/ternary_gemv.c               *|
|*       runtime/QGemmTernary.c runtime/QGemm.c runtime/QGemmAmx.c            *|
|*       runtime/QGemmGrouped.c                                               *|
|*                                                                            *|
|* Output, one line per kernel, shape and thread count:                       *|
|*   gemv KIND N K threads us bytes      bytes: weight bytes read per call    *|
|* Options: --pool-mib N (default 512), --quick (first shape only).           *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "QGemm.h"
#include "QGemmTernary.h"

#include "bench_util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

enum Kind { TERNARY, INT8, INT4_G32, INT4_G128, KINDS };
static const char *kindName[KINDS] = {"ternary", "int8", "int4g32", "int4g128"};

/* One copy of a layer's weights in a kernel's form. */
typedef struct {
  uint8_t *w, *scale, *zp;
} Weights;

static int64_t groupOf(int kind) { return kind == INT4_G32 ? 32 : 128; }

static int64_t weightBytes(int kind, int64_t n, int64_t k) {
  switch (kind) {
  case TERNARY:
    return (int64_t)qcc_rt_ternary_tiled_size(n, k);
  case INT8:
    return n * k;
  default:
    return n * k / 2 + 2 * n * (k / groupOf(kind));
  }
}

static void fill(int kind, int64_t n, int64_t k, Weights *w,
                 const Weights *from) {
  int64_t bytes = weightBytes(kind, n, k);
  int64_t groups = kind >= INT4_G32 ? n * (k / groupOf(kind)) : 0;
  w->w = (uint8_t *)bench_alloc(bytes);
  w->scale = w->zp = NULL;
  if (groups) {
    w->scale = (uint8_t *)bench_alloc(groups);
    w->zp = (uint8_t *)bench_alloc(groups);
  }
  if (from) {
    memcpy(w->w, from->w, bytes);
    if (groups) {
      memcpy(w->scale, from->scale, groups);
      memcpy(w->zp, from->zp, groups);
    }
    return;
  }
  if (kind == TERNARY) {
    int8_t *t = (int8_t *)bench_alloc(n * k);
    for (int64_t i = 0; i < n * k; ++i)
      t[i] = (int8_t)(bench_rand8() % 3) - 1;
    qcc_rt_ternary_tile(n, k, t, k, w->w);
    free(t);
    return;
  }
  for (int64_t i = 0; i < bytes; ++i)
    w->w[i] = bench_rand8();
  for (int64_t i = 0; i < groups; ++i) {
    w->scale[i] = 1 + bench_rand8() % 15;
    w->zp[i] = bench_rand8() % 16;
  }
}

static void release(Weights *w) {
  free(w->w);
  free(w->scale);
  free(w->zp);
}

static const int32_t zeros[8192];

static void call(int kind, int64_t n, int64_t k, const int8_t *x,
                 const Weights *w, int32_t *c) {
  switch (kind) {
  case TERNARY:
    qcc_rt_qgemm_ternary(1, n, k, x, k, 1, 0, w->w, c, n, 1);
    break;
  case INT8:
    qcc_rt_qgemm_s8(1, n, k, x, k, 1, 0, w->w, k, 1, zeros, 1, c, n, 1);
    break;
  default:
    qcc_rt_qgemm_grouped(1, n, k, x, k, 1, 0, w->w, k / 2, 4, groupOf(kind),
                         w->scale, w->zp, c, n, 1);
  }
}

static double timeGemv(int kind, int64_t n, int64_t k, Weights *sets,
                       int copies, const int8_t *x, int32_t *c) {
  for (int s = 0; s < copies; ++s)
    call(kind, n, k, x, &sets[s], c);
  double best = 1e30;
  for (int rep = 0; rep < 3; ++rep) {
    int calls = 0;
    double t0 = bench_now(), t;
    do {
      for (int s = 0; s < copies; ++s, ++calls)
        call(kind, n, k, x, &sets[s], c);
      t = bench_now() - t0;
    } while (t < 0.15);
    double us = t / calls * 1e6;
    best = us < best ? us : best;
  }
  return best;
}

int main(int argc, char **argv) {
  size_t poolMib = 512;
  int quick = 0;
  for (int a = 1; a < argc; ++a) {
    if (!strcmp(argv[a], "--pool-mib") && a + 1 < argc)
      poolMib = strtoul(argv[++a], NULL, 10);
    else if (!strcmp(argv[a], "--quick"))
      quick = 1;
    else {
      fprintf(stderr, "usage: ternary_gemv [--pool-mib N] [--quick]\n");
      return 2;
    }
  }
  int all = 1;
#ifdef _OPENMP
  all = omp_get_max_threads();
#endif
  const int64_t shapes[][2] = {
      {4096, 4096}, {2048, 8192}, {1536, 576}, {576, 1536}};
  int nShapes = quick ? 1 : 4;
  int8_t *x = (int8_t *)bench_alloc(8192);
  for (int i = 0; i < 8192; ++i)
    x[i] = (int8_t)bench_rand8();
  int32_t *c = (int32_t *)bench_alloc(8192 * sizeof(int32_t));
  for (int s = 0; s < nShapes; ++s)
    for (int kind = 0; kind < KINDS; ++kind) {
      int64_t n = shapes[s][0], k = shapes[s][1];
      if (kind >= INT4_G32 && k % groupOf(kind) != 0)
        continue; /* the grouped kernel needs whole groups */
      int64_t bytes = weightBytes(kind, n, k);
      int copies = (int)(poolMib * ((int64_t)1 << 20) / bytes);
      copies = copies < 1 ? 1 : copies;
      Weights *sets = (Weights *)bench_alloc(copies * sizeof(Weights));
      for (int i = 0; i < copies; ++i)
        fill(kind, n, k, &sets[i], i ? &sets[0] : NULL);
      for (int t = 1; t <= all; t = t == all ? all + 1 : all) {
#ifdef _OPENMP
        omp_set_num_threads(t);
#endif
        double us = timeGemv(kind, n, k, sets, copies, x, c);
        printf("gemv %s %lld %lld %d %.2f %lld\n", kindName[kind], (long long)n,
               (long long)k, t, us, (long long)bytes);
        fflush(stdout);
      }
      for (int i = 0; i < copies; ++i)
        release(&sets[i]);
      free(sets);
    }
  free(x);
  free(c);
  return 0;
}
