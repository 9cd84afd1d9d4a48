/*===- QGemmSource.h - a W operand packed from another layout -*- C -*-===*\
|*                                                                            *|
|* Internal to the runtime (QGemm.c, QConv.c and their tests): the packed     *|
|* path of qcc_rt_qgemm_s8 with W read through a callback that writes one     *|
|* packed panel at a time, so that W need not exist as a K-contiguous [N][K]  *|
|* matrix (the convolution's patch matrix is packed straight from the NCHW    *|
|* input instead).                                                            *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef QCC_RUNTIME_QGEMMSOURCE_H
#define QCC_RUNTIME_QGEMMSOURCE_H

#include <stdint.h>

/* How the kernel wants a panel: `nr` columns per k-group of `ku` k-steps,
 * unit (column c, group g) at dst + (g * nr + c) * ku elements. 8-bit units
 * (`wide` = 0) hold the source bytes XOR `mask`; int16 units (`wide` = 1)
 * hold the source values (int8 when `srcSigned`, else uint8) minus `sub`.
 * k-steps past the block's end are 0; columns past the panel's width may
 * hold anything (they are never stored). */
typedef struct QGemmPanelFormat {
  int nr, ku, wide, srcSigned;
  uint8_t mask;
  int32_t sub;
} QGemmPanelFormat;

/* Writes the panel of W columns [j, j + w) (w <= nr), k-steps [k0, k0 + kc)
 * to dst in format f. Called concurrently from the OpenMP team. */
typedef void (*QGemmPackFn)(const void *ctx, const QGemmPanelFormat *f,
                            int64_t j, int64_t w, int64_t k0, int64_t kc,
                            void *dst);

/* The requantizing epilogue of a product (qcc_rt_qconv_s8_rq, QGemm.h):
 * row i of the int32 result becomes bytes, with bias[i] (or 0), mult[i],
 * shift[i], and the zero point, clamp and table shared by all rows. */
typedef struct QRequant {
  const int32_t *bias, *mult, *shift;
  int32_t zp, lo, hi;
  const uint8_t *table; /* 256 entries indexed by the result's byte, or NULL */
} QRequant;

/* Requantizes acc[0, w) as row `row` of rq into out[0, w). */
void qcc_rt_requant_row(const int32_t *acc, int64_t w, const QRequant *rq,
                        int64_t row, uint8_t *out);

/* qcc_rt_qgemm_s8 (QGemm.h) with W given by `pack` (its signedness
 * wSigned; one zero point *wZp for every column) instead of a matrix.
 * Returns 1 when it computed C, 0 when this product would take a path that
 * reads W in place (a few rows, or W's column sums for X's zero point) or
 * out of memory: then nothing was written and the caller materializes W and
 * calls qcc_rt_qgemm_s8. Builds for AMX-INT8 run it on the vector kernels. */
int qcc_rt_qgemm_s8_source(int64_t M, int64_t N, int64_t K, const void *X,
                           int64_t ldx, int64_t xSigned, int64_t xZp,
                           QGemmPackFn pack, const void *ctx, int64_t wSigned,
                           int32_t wZp, int32_t *C, int64_t rsC, int64_t csC);

/* The same product requantized by `rq` as it is stored: row i of the result
 * goes to out + i * rsOut as bytes (C row-major, no int32 result written;
 * products of several k-blocks keep one block of columns of partial sums).
 * Returns 0 under the same conditions, with nothing written. */
int qcc_rt_qgemm_s8_source_rq(int64_t M, int64_t N, int64_t K, const void *X,
                              int64_t ldx, int64_t xSigned, int64_t xZp,
                              QGemmPackFn pack, const void *ctx,
                              int64_t wSigned, int32_t wZp, const QRequant *rq,
                              uint8_t *out, int64_t rsOut);

/* The convolution's patch matrix as a source (QConv.c): column = output
 * pixel oy * OW + ox, k = (c * KH + ky) * KW + kx, element
 * X[c * csX + (oy * sy + ky * dy) * rsX + ox * sx + kx * dx] of the padded
 * input (IH x IW per channel; `end` is one past its last byte, the limit
 * of the packer's fixed-size reads). */
typedef struct QConvSource {
  int64_t C, IH, IW, KH, KW, OH, OW, sy, sx, dy, dx;
  const uint8_t *X;
  int64_t csX, rsX;
  const uint8_t *end;
} QConvSource;

/* QGemmPackFn over a QConvSource (exposed for the unit test). */
void qcc_rt_qconv_pack(const void *src, const QGemmPanelFormat *f, int64_t j,
                       int64_t w, int64_t k0, int64_t kc, void *dst);

#endif /* QCC_RUNTIME_QGEMMSOURCE_H */
