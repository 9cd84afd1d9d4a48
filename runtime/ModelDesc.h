/*===- ModelDesc.h - what generated code tells the runtime ---------*- C -*-===*\
|* The descriptor qcc emits for every compiled model; the runtime implements   *|
|* the public C API (qcc-c/Runtime.h) on top of it.                            *|
\*===----------------------------------------------------------------------===*/

#ifndef QCC_RUNTIME_MODELDESC_H
#define QCC_RUNTIME_MODELDESC_H

#include <stdint.h>

typedef struct qcc_io_desc {
  const char *name;
  int32_t dtype;
  int32_t rank;
  const int64_t *shape;
} qcc_io_desc;

typedef struct qcc_model_desc {
  int32_t abi_version;
  const char *target;
  int32_t num_inputs;
  int32_t num_outputs;
  const qcc_io_desc *inputs;
  const qcc_io_desc *outputs;
  /* Per output: the input it is the state of (the entry updates that
   * input's buffer in place and takes no pointer for the output), or -1. */
  const int32_t *output_state_of;
  /* CPU features the code needs, as names understood by the runtime. */
  int32_t num_cpu_features;
  const char *const *cpu_features;
  /* Runs the compiled graph: inputs then outputs, as bare data pointers
   * (one slot per input and output; the trampoline skips state outputs). */
  void (*entry)(void *const *args);
} qcc_model_desc;

/* Defined by the generated descriptor source of each model. */
extern const qcc_model_desc qcc_generated_model;

#endif /* QCC_RUNTIME_MODELDESC_H */
