/*===- qcc-c/Runtime.h - C API of libraries that qcc generates -----*- C -*-===*\
|*                                                                            *|
|* Every model library (model.so) exports this API. Tensors are dense,        *|
|* row-major, with the exact static shape and dtype the model was compiled    *|
|* for; anything else is refused with an error code, never a crash.           *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef QCC_C_RUNTIME_H
#define QCC_C_RUNTIME_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define QCC_ABI_VERSION 2

typedef enum qcc_status {
  QCC_OK = 0,
  QCC_ERROR_INVALID_ARGUMENT = 1,
  QCC_ERROR_SHAPE_MISMATCH = 2,
  QCC_ERROR_DTYPE_MISMATCH = 3,
  QCC_ERROR_OUT_OF_MEMORY = 4,
  QCC_ERROR_UNSUPPORTED_CPU = 5,
} qcc_status;

/* Element types, numbered as ONNX's TensorProto.DataType.
 *
 * The sub-byte integers (UINT4, INT4, UINT2, INT2) are packed as ONNX packs
 * them: 8/bits elements per byte, element i of the row-major order in byte
 * i * bits / 8 at bit offset (i * bits) % 8, the first element in the low
 * bits; the unused high bits of the last byte are zero on output and
 * ignored on input. Their buffers hold qcc_buffer_size(dtype, count) =
 * ceil(count * bits / 8) bytes. Signed values are two's complement in
 * their 4 or 2 bits. */
typedef enum qcc_dtype {
  QCC_DTYPE_FLOAT32 = 1,
  QCC_DTYPE_UINT8 = 2,
  QCC_DTYPE_INT8 = 3,
  QCC_DTYPE_UINT16 = 4,
  QCC_DTYPE_INT16 = 5,
  QCC_DTYPE_INT32 = 6,
  QCC_DTYPE_INT64 = 7,
  QCC_DTYPE_BOOL = 9,
  QCC_DTYPE_FLOAT16 = 10,
  QCC_DTYPE_FLOAT64 = 11,
  QCC_DTYPE_UINT32 = 12,
  QCC_DTYPE_UINT64 = 13,
  QCC_DTYPE_BFLOAT16 = 16,
  QCC_DTYPE_UINT4 = 21, /* packed, two per byte */
  QCC_DTYPE_INT4 = 22,  /* packed, two per byte */
  QCC_DTYPE_UINT2 = 25, /* packed, four per byte */
  QCC_DTYPE_INT2 = 26,  /* packed, four per byte */
} qcc_dtype;

/* A tensor handed to qcc_model_run: `data` points at the elements (for
 * sub-byte dtypes, at the packed bytes). */
typedef struct qcc_tensor {
  int32_t dtype;
  int32_t rank;
  const int64_t *shape;
  void *data;
} qcc_tensor;

typedef struct qcc_model qcc_model;

/* Creates a model instance; fails with QCC_ERROR_UNSUPPORTED_CPU when this
 * CPU lacks an instruction set extension the library was compiled for. */
qcc_status qcc_model_create(qcc_model **model);
void qcc_model_destroy(qcc_model *model);

int32_t qcc_model_num_inputs(const qcc_model *model);
int32_t qcc_model_num_outputs(const qcc_model *model);
/* Name, dtype, rank and shape of input/output i (NULL/-1 if out of range). */
const char *qcc_model_input_name(const qcc_model *model, int32_t i);
int32_t qcc_model_input_dtype(const qcc_model *model, int32_t i);
int32_t qcc_model_input_rank(const qcc_model *model, int32_t i);
const int64_t *qcc_model_input_shape(const qcc_model *model, int32_t i);
const char *qcc_model_output_name(const qcc_model *model, int32_t i);
int32_t qcc_model_output_dtype(const qcc_model *model, int32_t i);
int32_t qcc_model_output_rank(const qcc_model *model, int32_t i);
const int64_t *qcc_model_output_shape(const qcc_model *model, int32_t i);
/* For output i that is the new value of an input (state, e.g. a KV cache):
 * that input's index; -1 for other outputs and out of range. */
int32_t qcc_model_output_state_of(const qcc_model *model, int32_t i);
/* The --target the library was compiled for, e.g. "x86-64-v3". */
const char *qcc_model_target(const qcc_model *model);

/* Runs the model. Inputs and outputs are given in declaration order;
 * outputs must point at caller-owned buffers of the declared size, and no
 * buffer may overlap another, with one exception: an output that is the
 * state of an input (qcc_model_output_state_of) may be exactly that input's
 * buffer, which the model then updates in place (a language model's KV
 * cache: only the new rows are written). Given two buffers, the model copies
 * the input into the output first; inputs are never modified otherwise. */
qcc_status qcc_model_run(qcc_model *model, const qcc_tensor *inputs,
                         int32_t num_inputs, qcc_tensor *outputs,
                         int32_t num_outputs);

/* A description of the last failure on this model (or of `status` alone
 * when model is NULL). */
const char *qcc_model_last_error(const qcc_model *model);
const char *qcc_status_string(qcc_status status);

/* Size in bytes of one element of `dtype` (0 if unknown, and for the
 * packed sub-byte dtypes, which have no whole-byte element size). */
int32_t qcc_dtype_size(int32_t dtype);
/* Bits of one element of `dtype` (8 * qcc_dtype_size for byte-sized
 * dtypes, 4 or 2 for the packed ones; 0 if unknown). */
int32_t qcc_dtype_bits(int32_t dtype);
/* Bytes of a dense buffer of `count` elements of `dtype`, packed for
 * sub-byte dtypes (-1 if the dtype is unknown or count is negative). */
int64_t qcc_buffer_size(int32_t dtype, int64_t count);

#ifdef __cplusplus
}
#endif

#endif /* QCC_C_RUNTIME_H */
