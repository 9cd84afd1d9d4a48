/*===- QGemm.h - integer GEMM kernels that generated code calls -----*- C -*-===*\
|*                                                                            *|
|* The integer matrix products of qcc's quantized path. Both kernels compute  *|
|* exact int32 results (two's-complement wraparound, as the reference         *|
|* interpreter does); they differ in how the weights are stored.              *|
|*                                                                            *|
|* Orientation: X holds activations, one row of K elements per output row i   *|
|* (row i at X + i*ldx); W holds weights, one row of K elements per output    *|
|* column j (W is [N][K], K contiguous: output channels outermost, as conv    *|
|* filters and GGUF tensors are laid out). The result element (i, j) is       *|
|* stored at C + i*rsC + j*csC, so one kernel writes row-major matmul results *|
|* (rsC = N, csC = 1) and NCHW convolution results (rsC = 1, csC = pixels).   *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef QCC_RUNTIME_QGEMM_H
#define QCC_RUNTIME_QGEMM_H

#include <stdint.h>

/* Dense 8-bit product:
 *
 *   C[i][j] = sum_k (X[i][k] - xZp) * (W[j][k] - wZp[j * wZpStride])
 *
 * X elements are int8 when xSigned != 0, else uint8; likewise W with
 * wSigned. wZpStride is 1 for per-output-channel zero points and 0 for one
 * zero point. The sum is exact in int32 (no intermediate saturation: AVX2
 * vpmaddubsw saturates its 16-bit pair sums, so an exact kernel may not use
 * it on unrestricted operands). */
void qcc_rt_qgemm_s8(int64_t M, int64_t N, int64_t K, const void *X,
                     int64_t ldx, int64_t xSigned, int64_t xZp, const void *W,
                     int64_t ldw, int64_t wSigned, const int32_t *wZp,
                     int64_t wZpStride, int32_t *C, int64_t rsC, int64_t csC);

/* Convolution of one NCHW image (batch 1, one group) (QConv.c):
 *
 *   out[f][oy][ox] = sum_{c, ky, kx} (X[c][oy*sy + ky*dy][ox*sx + kx*dx] - xZp)
 *                                    * (Wt[f][c][ky][kx] - wZp)
 *
 * X is the input already padded (with its zero point): IH x IW per channel,
 * element (c, y, x) at X + c*csX + y*rsX + x. Wt is [F][C][KH][KW] and out
 * [F][OH][OW], both contiguous. Signedness and exactness as in
 * qcc_rt_qgemm_s8: it is that product of the filters by the patch matrix,
 * whose panels are packed straight from X (the matrix is never stored). */
void qcc_rt_qconv_s8(int64_t F, int64_t C, int64_t IH, int64_t IW, int64_t KH,
                     int64_t KW, int64_t OH, int64_t OW, int64_t sy,
                     int64_t sx, int64_t dy, int64_t dx, const void *X,
                     int64_t csX, int64_t rsX, int64_t xSigned, int64_t xZp,
                     const void *Wt, int64_t wSigned, int64_t wZp,
                     int32_t *out);

/* qcc_rt_qconv_s8 followed by a requantization to 8 bits and an optional
 * byte table, in one call (the int32 accumulators are never stored as a
 * tensor): for each filter f and pixel p, with a = acc[f][p] + bias[f]
 * (int32, wrapping; bias may be NULL) and the 64-bit arithmetic of
 * docs/numerics.md,
 *
 *   q = clamp(outZp + round_shift(a * mult[f], shift[f]), lo, hi)
 *   out[f][p] = table ? table[(uint8_t)q] : (uint8_t)q
 *
 * (qnn.requantize with input zero point 0, then qnn.lut: the caller rotates
 * the table so that it is indexed by q's byte, int8 or uint8). mult[f] in
 * [0, 2^31), shift[f] in [0, 62], -128 <= lo <= hi <= 255; out is [F][OH][OW]
 * bytes, contiguous. */
void qcc_rt_qconv_s8_rq(int64_t F, int64_t C, int64_t IH, int64_t IW,
                        int64_t KH, int64_t KW, int64_t OH, int64_t OW,
                        int64_t sy, int64_t sx, int64_t dy, int64_t dx,
                        const void *X, int64_t csX, int64_t rsX,
                        int64_t xSigned, int64_t xZp, const void *Wt,
                        int64_t wSigned, int64_t wZp, const int32_t *bias,
                        const int32_t *mult, const int32_t *shift,
                        int64_t outZp, int64_t lo, int64_t hi,
                        const uint8_t *table, uint8_t *out);

/* Depthwise convolution of one NCHW image (QDWConv.c): one filter per
 * channel, F = C,
 *
 *   out[c][oy][ox] = sum_{ky, kx} (X[c][oy*sy + ky*dy][ox*sx + kx*dx] - xZp)
 *                                 * (Wt[c][ky][kx] - wZp)
 *
 * with the operands, layouts, signedness and exactness of qcc_rt_qconv_s8
 * (Wt is [C][1][KH][KW]); wZp within [-255, 255] takes the fast paths. */
void qcc_rt_qdwconv_s8(int64_t F, int64_t C, int64_t IH, int64_t IW,
                       int64_t KH, int64_t KW, int64_t OH, int64_t OW,
                       int64_t sy, int64_t sx, int64_t dy, int64_t dx,
                       const void *X, int64_t csX, int64_t rsX,
                       int64_t xSigned, int64_t xZp, const void *Wt,
                       int64_t wSigned, int64_t wZp, int32_t *out);

/* qcc_rt_qdwconv_s8 with the epilogue of qcc_rt_qconv_s8_rq (the same
 * operands and rule, per channel). */
void qcc_rt_qdwconv_s8_rq(int64_t F, int64_t C, int64_t IH, int64_t IW,
                          int64_t KH, int64_t KW, int64_t OH, int64_t OW,
                          int64_t sy, int64_t sx, int64_t dy, int64_t dx,
                          const void *X, int64_t csX, int64_t rsX,
                          int64_t xSigned, int64_t xZp, const void *Wt,
                          int64_t wSigned, int64_t wZp, const int32_t *bias,
                          const int32_t *mult, const int32_t *shift,
                          int64_t outZp, int64_t lo, int64_t hi,
                          const uint8_t *table, uint8_t *out);

/* Sub-channel (grouped) product with packed sub-byte weights:
 *
 *   C[i][j] = sum_g wScale[j][g] *
 *             sum_{k in group g} (X[i][k] - xZp) * (q[j][k] - wZp[j][g])
 *
 * q[j][k] is an unsigned `bits`-bit code (bits = 2, 3, 4 or 8) read from the
 * packed row W + j*ldw bytes: codes are a little-endian bit stream, code k
 * at bit k*bits (for 4 bits: low nibble first; for 3 bits: 8 codes in 3
 * bytes). K is a multiple of `group` (and group a multiple of 8); there are
 * K/group groups per row. wScale (uint8, [N][K/group]) are integer
 * sub-scales and wZp (uint8, [N][K/group]) zero points, both row-major with
 * K/group elements per row. X as in qcc_rt_qgemm_s8. Accumulation is int32
 * with wraparound; the compiler picks sub-scale ranges so that it cannot
 * overflow. */
void qcc_rt_qgemm_grouped(int64_t M, int64_t N, int64_t K, const void *X,
                          int64_t ldx, int64_t xSigned, int64_t xZp,
                          const uint8_t *W, int64_t ldw, int64_t bits,
                          int64_t group, const uint8_t *wScale,
                          const uint8_t *wZp, int32_t *C, int64_t rsC,
                          int64_t csC);

/* 2:4 structured-sparse product with packed int8 weights (QGemmSparse24.c):
 *
 *   C[i][j] = sum_g sum_{t=0,1} (X[i][4g + idx[j][g][t]] - xZp) * val[j][g][t]
 *
 * Every group g of 4 consecutive reduction elements of W's row j keeps two
 * int8 values (the other two are zero): `val[j][g][0..1]` are bytes 2g and
 * 2g+1 of the row Wv + j*ldv, in increasing position; their positions
 * within the group, `idx[j][g][0] < idx[j][g][1]` (0..3), are the nibble
 * g % 2 of byte g / 2 of the row Wi + j*ldi (low nibble first; a nibble
 * holds idx0 in bits 0-1 and idx1 in bits 2-3). K is a multiple of 4; a row
 * has K/2 values and ceil(K/8) index bytes. The weights' zero point is 0
 * (symmetric int8). X as in qcc_rt_qgemm_s8. Exact int32 with wraparound:
 * half the multiply-adds of the dense product. */
void qcc_rt_qgemm_sparse24(int64_t M, int64_t N, int64_t K, const void *X,
                           int64_t ldx, int64_t xSigned, int64_t xZp,
                           const int8_t *Wv, int64_t ldv, const uint8_t *Wi,
                           int64_t ldi, int32_t *C, int64_t rsC, int64_t csC);

#endif /* QCC_RUNTIME_QGEMM_H */
