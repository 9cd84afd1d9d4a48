/*===- sparse24_gemm.c - 2:4 sparse vs dense int8 GEMM, side by side ------===*\
|*                                                                            *|
|* Times qcc_rt_qgemm_s8 on a 2:4-pruned int8 W (stored dense) and            *|
|* qcc_rt_qgemm_sparse24 on the same W packed as kept values + 2-bit          *|
|* positions, at the same shapes, with one thread and with all OpenMP         *|
|* threads, interleaving the two so that both see the same machine. Built by  *|
|* bench/sparse24_gemm.py:                                                    *|
|*                                                                            *|
|*   gcc -O3 -march=... -fopenmp -Iruntime bench/sparse24_gemm.c             *|
|*       runtime/QGemm.c runtime/QGemmAmx.c runtime/QGemmSparse24.c           *|
|*                                                                            *|
|* Output, one line per shape and thread count:                               *|
|* `gemm M N K threads dense_ms sparse_ms dense_wbytes sparse_wbytes`, the    *|
|* last two the bytes of W each kernel reads. Arguments (optional): shapes   *|
|* as MxNxK (K a multiple of 4).                                              *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "QGemm.h"
#include "QGemmAmx.h"

#include "bench_util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

typedef struct Shape {
  int64_t M, N, K;
} Shape;

typedef struct Operands {
  Shape s;
  uint8_t *X, *W, *Wi;
  int8_t *Wv;
  int32_t *C, *wZp;
} Operands;

static void callSparse(void *p) {
  const Operands *o = (const Operands *)p;
  Shape s = o->s;
  qcc_rt_qgemm_sparse24(s.M, s.N, s.K, o->X, s.K, 0, 128, o->Wv, s.K / 2, o->Wi,
                        (s.K + 7) / 8, o->C, s.N, 1);
}

static void callDense(void *p) {
  const Operands *o = (const Operands *)p;
  Shape s = o->s;
  qcc_rt_qgemm_s8(s.M, s.N, s.K, o->X, s.K, 0, 128, o->W, s.K, 1, o->wZp, 1,
                  o->C, s.N, 1);
}

/* Seconds per call of `sparse` or dense: the best mean over 30 rounds of
 * ~5 ms each. */
static double timeOne(const Operands *o, int sparse) {
  return bench_best_seconds(sparse ? callSparse : callDense, (void *)o, 0.005,
                            30);
}

int main(int argc, char **argv) {
  Shape defaults[] = {{256, 256, 256}, {512, 512, 512}, {1024, 1024, 1024},
                      {6400, 64, 576}, {128, 768, 768}, {1, 4096, 4096},
                      {1, 1024, 4096}, {4, 4096, 4096}};
  int nShapes =
      argc > 1 ? argc - 1 : (int)(sizeof(defaults) / sizeof(*defaults));
  Shape *shapes = argc > 1 ? (Shape *)calloc(nShapes, sizeof(Shape)) : defaults;
  for (int i = 1; i < argc; ++i) {
    long m, n, k;
    if (sscanf(argv[i], "%ldx%ldx%ld", &m, &n, &k) != 3 || m < 1 || n < 1 ||
        k < 4 || k % 4) {
      fprintf(stderr, "bad shape '%s' (want MxNxK, K a multiple of 4)\n",
              argv[i]);
      return 2;
    }
    shapes[i - 1] = (Shape){m, n, k};
  }
#if defined(__AMX_TILE__) && defined(__AMX_INT8__)
  if (qcc_rt_amx_enable() != 0) {
    fprintf(stderr,
            "this build uses AMX-INT8, which this CPU or Linux refuses\n");
    return 1;
  }
#endif
  int maxThreads = 1;
#ifdef _OPENMP
  maxThreads = omp_get_max_threads();
#endif
  for (int i = 0; i < nShapes; ++i) {
    Operands o;
    Shape s = shapes[i];
    o.s = s;
    o.X = (uint8_t *)bench_alloc(s.M * s.K);
    o.W = (uint8_t *)bench_alloc(s.N * s.K);
    o.Wv = (int8_t *)bench_alloc(s.N * s.K / 2);
    o.Wi = (uint8_t *)bench_alloc(s.N * ((s.K + 7) / 8));
    o.C = (int32_t *)bench_alloc(s.M * s.N * sizeof(int32_t));
    o.wZp = (int32_t *)calloc(s.N, sizeof(int32_t));
    memset(o.Wi, 0, s.N * ((s.K + 7) / 8));
    for (int64_t e = 0; e < s.M * s.K; ++e)
      o.X[e] = (uint8_t)(uint32_t)(bench_rand() >> 24);
    /* a random 2:4 pattern; pruned positions are 0 in the dense copy */
    static const int pairs[6][2] = {{0, 1}, {0, 2}, {0, 3},
                                    {1, 2}, {1, 3}, {2, 3}};
    for (int64_t j = 0; j < s.N; ++j)
      for (int64_t g = 0; g < s.K / 4; ++g) {
        const int *pr = pairs[(uint32_t)(bench_rand() >> 24) % 6];
        uint8_t *w = o.W + j * s.K + 4 * g;
        memset(w, 0, 4);
        for (int t = 0; t < 2; ++t) {
          int8_t v = (int8_t)(uint32_t)(bench_rand() >> 24);
          w[pr[t]] = (uint8_t)v;
          o.Wv[j * (s.K / 2) + 2 * g + t] = v;
        }
        o.Wi[j * ((s.K + 7) / 8) + g / 2] |=
            (uint8_t)((pr[0] | pr[1] << 2) << (4 * (g % 2)));
      }
    /* the two kernels agree before they are timed */
    int32_t *C2 = (int32_t *)bench_alloc(s.M * s.N * sizeof(int32_t));
    qcc_rt_qgemm_s8(s.M, s.N, s.K, o.X, s.K, 0, 128, o.W, s.K, 1, o.wZp, 1, C2,
                    s.N, 1);
    qcc_rt_qgemm_sparse24(s.M, s.N, s.K, o.X, s.K, 0, 128, o.Wv, s.K / 2, o.Wi,
                          (s.K + 7) / 8, o.C, s.N, 1);
    if (memcmp(C2, o.C, s.M * s.N * sizeof(int32_t)) != 0) {
      fprintf(stderr, "%ldx%ldx%ld: the sparse and dense results differ\n",
              (long)s.M, (long)s.N, (long)s.K);
      return 1;
    }
    free(C2);
    int counts[2] = {1, maxThreads};
    for (int c = 0; c < (maxThreads > 1 ? 2 : 1); ++c) {
#ifdef _OPENMP
      omp_set_num_threads(counts[c]);
#endif
      double td = timeOne(&o, 0), ts = timeOne(&o, 1);
      printf("gemm %ld %ld %ld %d %.5f %.5f %ld %ld\n", (long)s.M, (long)s.N,
             (long)s.K, counts[c], td * 1e3, ts * 1e3, (long)(s.N * s.K),
             (long)(s.N * (s.K / 2 + (s.K + 7) / 8)));
      fflush(stdout);
    }
    free(o.X);
    free(o.W);
    free(o.Wv);
    free(o.Wi);
    free(o.C);
    free(o.wZp);
  }
  return 0;
}
