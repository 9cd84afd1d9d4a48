/*===- Gemm.c - the float GEMM micro-kernel generated code calls ---------===*\
|*                                                                            *|
|* C[b] += A[b] * B[b] for row-major f32 matrices with arbitrary leading and  *|
|* batch strides (a batch stride of 0 broadcasts). Classic three-level        *|
|* blocking: B is packed into KC x NR panels, A into MC x KC blocks of MR-row *|
|* slivers, and an MR x NR register tile accumulates with vector FMAs written *|
|* with GCC vector extensions (so one source serves AVX2, AVX-512 and NEON;   *|
|* the per-target build picks the instruction set). Work is split over        *|
|* column blocks (or batches) with OpenMP.                                    *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "FloatVector.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

/* The register tile is MR rows by two vectors of FloatVector.h's width. */
#define MR 6
#define NR (2 * VW)
#define KC 256
#define MC 72
#define NC 256

/* Packs B[k0:k0+kc, j0:j0+nc] into NR-wide panels, zero-padding the edge. */
static void pack_b(const float *B, int64_t ldb, int64_t kc, int64_t nc,
                   float *out) {
  for (int64_t j = 0; j < nc; j += NR) {
    int64_t w = nc - j < NR ? nc - j : NR;
    for (int64_t k = 0; k < kc; ++k) {
      const float *src = B + k * ldb + j;
      float *dst = out + j * kc + k * NR;
      if (w == NR) {
        memcpy(dst, src, NR * sizeof(float));
      } else {
        memcpy(dst, src, w * sizeof(float));
        memset(dst + w, 0, (NR - w) * sizeof(float));
      }
    }
  }
}

/* Packs A[i0:i0+mc, k0:k0+kc] into MR-row slivers, k-major. */
static void pack_a(const float *A, int64_t lda, int64_t mc, int64_t kc,
                   float *out) {
  for (int64_t i = 0; i < mc; i += MR) {
    int64_t h = mc - i < MR ? mc - i : MR;
    float *dst = out + i * kc;
    for (int64_t k = 0; k < kc; ++k)
      for (int64_t r = 0; r < MR; ++r)
        dst[k * MR + r] = r < h ? A[(i + r) * lda + k] : 0.f;
  }
}

/* acc[MR x NR] = sum_k a[k][r] * b[k * ldbk + c]; then C += acc (clipped).
 * `ldbk` is NR for a packed panel or B's leading dimension when the kernel
 * reads B in place. */
static void kernel(int64_t kc, const float *a, const float *b, int64_t ldbk,
                   float *C, int64_t ldc, int64_t h, int64_t w) {
  vf c00 = {0}, c01 = {0}, c10 = {0}, c11 = {0}, c20 = {0}, c21 = {0},
     c30 = {0}, c31 = {0}, c40 = {0}, c41 = {0}, c50 = {0}, c51 = {0};
  for (int64_t k = 0; k < kc; ++k) {
    vf b0 = loadv(b + k * ldbk), b1 = loadv(b + k * ldbk + VW);
    const float *ak = a + k * MR;
    vf a0 = {0}; a0 += ak[0]; c00 += a0 * b0; c01 += a0 * b1;
    vf a1 = {0}; a1 += ak[1]; c10 += a1 * b0; c11 += a1 * b1;
    vf a2 = {0}; a2 += ak[2]; c20 += a2 * b0; c21 += a2 * b1;
    vf a3 = {0}; a3 += ak[3]; c30 += a3 * b0; c31 += a3 * b1;
    vf a4 = {0}; a4 += ak[4]; c40 += a4 * b0; c41 += a4 * b1;
    vf a5 = {0}; a5 += ak[5]; c50 += a5 * b0; c51 += a5 * b1;
  }
  vf acc[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21},
                   {c30, c31}, {c40, c41}, {c50, c51}};
  if (h == MR && w == NR) {
    for (int r = 0; r < MR; ++r) {
      float *row = C + r * ldc;
      storev(row, loadv(row) + acc[r][0]);
      storev(row + VW, loadv(row + VW) + acc[r][1]);
    }
    return;
  }
  float tile[MR][NR];
  memcpy(tile, acc, sizeof(tile));
  for (int64_t r = 0; r < h; ++r)
    for (int64_t c = 0; c < w; ++c)
      C[r * ldc + c] += tile[r][c];
}

/* One column block [j0, j0+nc) of one batch. `bufA`/`bufB` are scratch.
 * With few rows (M <= MC) every B panel is used by a single A block, so
 * packing B would cost as much as it saves: full-width panels are then read
 * in place and only the ragged last panel is packed. */
static void gemm_block(int64_t M, int64_t K, const float *A, int64_t lda,
                       const float *B, int64_t ldb, float *C, int64_t ldc,
                       int64_t j0, int64_t nc, float *bufA, float *bufB) {
  int direct = M <= MC;
  for (int64_t k0 = 0; k0 < K; k0 += KC) {
    int64_t kc = K - k0 < KC ? K - k0 : KC;
    const float *Bk = B + k0 * ldb + j0;
    int64_t full = nc / NR * NR;
    if (!direct)
      pack_b(Bk, ldb, kc, nc, bufB);
    else if (full < nc)
      pack_b(Bk + full, ldb, kc, nc - full, bufB + full * kc);
    for (int64_t i0 = 0; i0 < M; i0 += MC) {
      int64_t mc = M - i0 < MC ? M - i0 : MC;
      pack_a(A + i0 * lda + k0, lda, mc, kc, bufA);
      for (int64_t j = 0; j < nc; j += NR) {
        int64_t w = nc - j < NR ? nc - j : NR;
        int inPlace = direct && j < full;
        const float *b = inPlace ? Bk + j : bufB + j * kc;
        int64_t ldbk = inPlace ? ldb : NR;
        for (int64_t i = 0; i < mc; i += MR) {
          int64_t h = mc - i < MR ? mc - i : MR;
          kernel(kc, bufA + i * kc, b, ldbk, C + (i0 + i) * ldc + j0 + j, ldc,
                 h, w);
        }
      }
    }
  }
}

static void naive_block(int64_t M, int64_t K, const float *A, int64_t lda,
                        const float *B, int64_t ldb, float *C, int64_t ldc,
                        int64_t j0, int64_t nc) {
  for (int64_t i = 0; i < M; ++i)
    for (int64_t k = 0; k < K; ++k) {
      float a = A[i * lda + k];
      for (int64_t j = j0; j < j0 + nc; ++j)
        C[i * ldc + j] += a * B[k * ldb + j];
    }
}

/* One row of A times B: C[0, j0:j0+nc] += sum_k A[k] * B[k, j0:j0+nc]
 * (vectorized over the columns by the compiler). */
static void row_times_matrix(int64_t K, const float *A, const float *B,
                             int64_t ldb, float *C, int64_t j0, int64_t nc) {
  for (int64_t k = 0; k < K; ++k) {
    float a = A[k];
    const float *b = B + k * ldb + j0;
    float *c = C + j0;
    for (int64_t j = 0; j < nc; ++j)
      c[j] += a * b[j];
  }
}

/* A matrix-vector product, C[i] += dot(A[i, :], x) for a contiguous x. Row
 * by row, so A streams in address order (interleaving several rows' short
 * streams defeated the hardware prefetcher: 26 vs 41 tokens/s for SmolLM2's
 * f32 decode step), with four accumulators: one dot product's single chain
 * retires one vector of A per FMA latency, about one core's read bandwidth. */
static void matrix_times_vector(int64_t M, int64_t K, const float *A,
                                int64_t lda, const float *x, float *C,
                                int64_t ldc) {
  int64_t k4 = K / (4 * VW) * (4 * VW), kv = K / VW * VW;
#pragma omp parallel for schedule(static) if ((double)M * K > 1e5)
  for (int64_t i = 0; i < M; ++i) {
    const float *a = A + i * lda;
    vf s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0};
    int64_t k = 0;
    for (; k < k4; k += 4 * VW) {
      s0 += loadv(a + k) * loadv(x + k);
      s1 += loadv(a + k + VW) * loadv(x + k + VW);
      s2 += loadv(a + k + 2 * VW) * loadv(x + k + 2 * VW);
      s3 += loadv(a + k + 3 * VW) * loadv(x + k + 3 * VW);
    }
    for (; k < kv; k += VW)
      s0 += loadv(a + k) * loadv(x + k);
    float t = hsum((s0 + s1) + (s2 + s3));
    for (; k < K; ++k)
      t += a[k] * x[k];
    C[i * ldc] += t;
  }
}

/* A few columns: C[i, j] += dot(A[i, :], B[:, j]) with B's columns copied
 * contiguous first, so each dot product streams two contiguous vectors. */
#define SKINNY_N 4
static void matrix_times_columns(int64_t M, int64_t N, int64_t K,
                                 const float *A, int64_t lda, const float *B,
                                 int64_t ldb, float *C, int64_t ldc,
                                 float *scratchB) {
  for (int64_t j = 0; j < N; ++j)
    for (int64_t k = 0; k < K; ++k)
      scratchB[j * K + k] = B[k * ldb + j];
  /* One matrix-vector product per column: A (a decode step's keys, or a
   * weight matrix) is re-read from cache for the second and later. */
  for (int64_t j = 0; j < N; ++j)
    matrix_times_vector(M, K, A, lda, scratchB + j * K, C + j, ldc);
}

/* A few rows times a matrix read in place (a decode step's attention
 * probabilities [group, ctx] times the values [ctx, hd]): up to four rows'
 * outputs accumulate in registers over K, 2 vectors of columns at a time,
 * eight independent FMA chains; packing would cost more than the product. */
#define FEW_M 4
static void few_rows_times_matrix(int64_t M, int64_t N, int64_t K,
                                  const float *A, int64_t lda, const float *B,
                                  int64_t ldb, float *C, int64_t ldc) {
  int64_t nv = N / NR * NR;
  for (int64_t i0 = 0; i0 < M; i0 += FEW_M) {
    int64_t h = M - i0 < FEW_M ? M - i0 : FEW_M;
    const float *a[FEW_M];
    for (int r = 0; r < FEW_M; ++r) /* missing rows repeat the first */
      a[r] = A + (i0 + (r < h ? r : 0)) * lda;
    for (int64_t j = 0; j < nv; j += NR) {
      vf c[FEW_M][2] = {{{0}}};
      for (int64_t k = 0; k < K; ++k) {
        vf b0 = loadv(B + k * ldb + j), b1 = loadv(B + k * ldb + j + VW);
        for (int r = 0; r < FEW_M; ++r) {
          vf ar = {0};
          ar += a[r][k];
          c[r][0] += ar * b0;
          c[r][1] += ar * b1;
        }
      }
      for (int64_t r = 0; r < h; ++r) {
        float *row = C + (i0 + r) * ldc + j;
        storev(row, loadv(row) + c[r][0]);
        storev(row + VW, loadv(row + VW) + c[r][1]);
      }
    }
    for (int64_t r = 0; r < h; ++r)
      for (int64_t k = 0; k < K; ++k) {
        float ak = a[r][k];
        for (int64_t j = nv; j < N; ++j)
          C[(i0 + r) * ldc + j] += ak * B[k * ldb + j];
      }
  }
}

/* Per-thread packing buffers, allocated on a thread's first GEMM and kept:
 * small models call the kernel often, and fresh large allocations would
 * cost an mmap and page faults every time. */
static __thread float *scratchA, *scratchB;

static int scratch(float **a, float **b) {
  if (!scratchA)
    scratchA = (float *)malloc(sizeof(float) * MC * KC);
  if (!scratchB)
    scratchB = (float *)malloc(sizeof(float) * KC * NC);
  *a = scratchA;
  *b = scratchB;
  return scratchA && scratchB;
}

__attribute__((visibility("hidden"))) void
qcc_rt_sgemm(int64_t batch, int64_t M, int64_t N, int64_t K, const float *A,
             int64_t strideA, int64_t lda, const float *B, int64_t strideB,
             int64_t ldb, float *C, int64_t strideC, int64_t ldc) {
  if (M <= 0 || N <= 0 || K <= 0 || batch <= 0)
    return;
  /* Skinny products (a GEMV, or a handful of output rows or columns) skip
   * packing, which would cost as much as the arithmetic. Tiny, so
   * single-threaded. */
  if (M == 1 && (double)N * K * batch < 4e6) {
    for (int64_t b = 0; b < batch; ++b)
      row_times_matrix(K, A + b * strideA, B + b * strideB, ldb,
                       C + b * strideC, 0, N);
    return;
  }
  if (M <= FEW_M && (double)M * N * K * batch < 4e6) {
    for (int64_t b = 0; b < batch; ++b)
      few_rows_times_matrix(M, N, K, A + b * strideA, lda, B + b * strideB,
                            ldb, C + b * strideC, ldc);
    return;
  }
  if (N <= SKINNY_N && K <= KC * NC / SKINNY_N) {
    float *bufA, *bufB;
    if (scratch(&bufA, &bufB)) {
      for (int64_t b = 0; b < batch; ++b)
        matrix_times_columns(M, N, K, A + b * strideA, lda, B + b * strideB,
                             ldb, C + b * strideC, ldc, bufB);
      return;
    }
  }
  int threads = 1;
#ifdef _OPENMP
  if ((double)M * N * K * batch > 2e5)
    threads = omp_get_max_threads();
#endif
  /* Tasks are (batch, column block, row chunk); rows are split only when the
   * other two leave threads idle. Each row chunk is a multiple of MR. */
  int64_t nBlocks = (N + NC - 1) / NC;
  int64_t rowSplit = 1;
  if (batch * nBlocks < 2 * threads) {
    int64_t want = (2 * threads + batch * nBlocks - 1) / (batch * nBlocks);
    int64_t maxSplit = (M + MR - 1) / MR;
    rowSplit = want < maxSplit ? want : maxSplit;
  }
  int64_t rowChunk = ((M + rowSplit - 1) / rowSplit + MR - 1) / MR * MR;
  int64_t tasks = batch * nBlocks * rowSplit;
#pragma omp parallel num_threads(threads) if (threads > 1 && tasks > 1)
  {
    float *bufA, *bufB;
    int packed = scratch(&bufA, &bufB);
#pragma omp for schedule(static)
    for (int64_t t = 0; t < tasks; ++t) {
      int64_t r = t % rowSplit, rest = t / rowSplit;
      int64_t b = rest / nBlocks, j0 = (rest % nBlocks) * NC;
      int64_t nc = N - j0 < NC ? N - j0 : NC;
      int64_t i0 = r * rowChunk;
      if (i0 >= M)
        continue;
      int64_t rows = M - i0 < rowChunk ? M - i0 : rowChunk;
      if (packed)
        gemm_block(rows, K, A + b * strideA + i0 * lda, lda, B + b * strideB,
                   ldb, C + b * strideC + i0 * ldc, ldc, j0, nc, bufA, bufB);
      else /* no memory for packing buffers: slow, but still correct */
        naive_block(rows, K, A + b * strideA + i0 * lda, lda, B + b * strideB,
                    ldb, C + b * strideC + i0 * ldc, ldc, j0, nc);
    }
  }
}
