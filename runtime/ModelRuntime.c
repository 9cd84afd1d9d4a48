/*===- ModelRuntime.c - the C API of generated model libraries ------------===*\
|* Validates every call against the model descriptor before running the      *|
|* compiled graph, so wrong shapes or dtypes come back as error codes.       *|
\*===----------------------------------------------------------------------===*/

#include "ModelDesc.h"
#include "QGemmAmx.h"
#include "qcc-c/Runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#elif defined(__aarch64__)
#include <sys/auxv.h>
#endif

#define QCC_API __attribute__((visibility("default")))

struct qcc_model {
  const qcc_model_desc *desc;
  char error[256];
  void **args;
};

static const char *status_strings[] = {
    "ok",
    "invalid argument",
    "shape mismatch",
    "dtype mismatch",
    "out of memory",
    "unsupported CPU",
};

QCC_API const char *qcc_status_string(qcc_status status) {
  if ((int)status < 0 ||
      (size_t)status >= sizeof(status_strings) / sizeof(status_strings[0]))
    return "unknown status";
  return status_strings[status];
}

QCC_API int32_t qcc_dtype_size(int32_t dtype) {
  switch (dtype) {
  case QCC_DTYPE_FLOAT32:
  case QCC_DTYPE_INT32:
  case QCC_DTYPE_UINT32:
    return 4;
  case QCC_DTYPE_INT8:
  case QCC_DTYPE_UINT8:
  case QCC_DTYPE_BOOL:
    return 1;
  case QCC_DTYPE_INT16:
  case QCC_DTYPE_UINT16:
  case QCC_DTYPE_FLOAT16:
  case QCC_DTYPE_BFLOAT16:
    return 2;
  case QCC_DTYPE_INT64:
  case QCC_DTYPE_UINT64:
  case QCC_DTYPE_FLOAT64:
    return 8;
  default: /* unknown, or packed sub-byte (see qcc_dtype_bits) */
    return 0;
  }
}

QCC_API int32_t qcc_dtype_bits(int32_t dtype) {
  switch (dtype) {
  case QCC_DTYPE_INT4:
  case QCC_DTYPE_UINT4:
    return 4;
  case QCC_DTYPE_INT2:
  case QCC_DTYPE_UINT2:
    return 2;
  default:
    return 8 * qcc_dtype_size(dtype);
  }
}

QCC_API int64_t qcc_buffer_size(int32_t dtype, int64_t count) {
  int32_t bits = qcc_dtype_bits(dtype);
  if (bits == 0 || count < 0)
    return -1;
  if (bits < 8) { /* packed: 8 / bits elements per byte, the last one partial */
    int64_t per_byte = 8 / bits;
    return count / per_byte + (count % per_byte != 0);
  }
  if (count > INT64_MAX / (bits / 8))
    return -1;
  return count * (bits / 8);
}

/* Whether this CPU has `feature` (names as TargetConfig lists them). */
static int cpu_has(const char *feature) {
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (!strcmp(feature, "sse4.2"))
    return __builtin_cpu_supports("sse4.2");
  if (!strcmp(feature, "popcnt"))
    return __builtin_cpu_supports("popcnt");
  if (!strcmp(feature, "avx"))
    return __builtin_cpu_supports("avx");
  if (!strcmp(feature, "avx2"))
    return __builtin_cpu_supports("avx2");
  if (!strcmp(feature, "fma"))
    return __builtin_cpu_supports("fma");
  if (!strcmp(feature, "bmi2"))
    return __builtin_cpu_supports("bmi2");
  if (!strcmp(feature, "avx512f"))
    return __builtin_cpu_supports("avx512f");
  if (!strcmp(feature, "avx512bw"))
    return __builtin_cpu_supports("avx512bw");
  if (!strcmp(feature, "avx512vl"))
    return __builtin_cpu_supports("avx512vl");
  if (!strcmp(feature, "avx512dq"))
    return __builtin_cpu_supports("avx512dq");
  if (!strcmp(feature, "avx512vnni"))
    return __builtin_cpu_supports("avx512vnni");
  /* CPUID.(7,0):EDX bits 24 and 25 (not every GCC's __builtin_cpu_supports
   * knows them) */
  if (!strcmp(feature, "amx-tile") || !strcmp(feature, "amx-int8")) {
    unsigned a, b, c, d;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
      return 0;
    return (d >> (feature[4] == 't' ? 24 : 25) & 1) != 0;
  }
  return 0;
#elif defined(__aarch64__)
  unsigned long hw = getauxval(AT_HWCAP), hw2 = getauxval(AT_HWCAP2);
  if (!strcmp(feature, "neon"))
    return (hw & (1UL << 1)) != 0; /* HWCAP_ASIMD */
  if (!strcmp(feature, "dotprod"))
    return (hw & (1UL << 20)) != 0; /* HWCAP_ASIMDDP */
  if (!strcmp(feature, "i8mm"))
    return (hw2 & (1UL << 13)) != 0; /* HWCAP2_I8MM */
  if (!strcmp(feature, "sme"))
    return (hw2 & (1UL << 23)) != 0; /* HWCAP2_SME */
  return 0;
#else
  (void)feature;
  return 0;
#endif
}

QCC_API qcc_status qcc_model_create(qcc_model **model) {
  if (!model)
    return QCC_ERROR_INVALID_ARGUMENT;
  *model = NULL;
  const qcc_model_desc *desc = &qcc_generated_model;
  /* Every missing feature in one message. */
  char missing[512];
  int32_t nMissing = 0, amx = 0;
  size_t len = 0;
  missing[0] = 0;
  for (int32_t i = 0; i < desc->num_cpu_features; ++i) {
    const char *f = desc->cpu_features[i];
    amx |= !strncmp(f, "amx-", 4);
    if (cpu_has(f))
      continue;
    if (len < sizeof(missing))
      len += snprintf(missing + len, sizeof(missing) - len, "%s'%s'",
                      nMissing ? ", " : "", f);
    ++nMissing;
  }
  if (nMissing) {
    fprintf(stderr,
            "qcc: this library was compiled for %s and needs the CPU "
            "feature%s %s, which this CPU lacks\n",
            desc->target, nMissing > 1 ? "s" : "", missing);
    return QCC_ERROR_UNSUPPORTED_CPU;
  }
  /* AMX's tile data state is off until the process asks Linux for it (once;
   * the OpenMP threads share the permission). */
  int amxError = amx ? qcc_rt_amx_enable() : 0;
  if (amxError) {
    fprintf(stderr,
            "qcc: this library was compiled for %s and uses AMX, but Linux "
            "refused this process the AMX tile data state "
            "(arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA): %s)\n",
            desc->target,
            amxError > 0 ? strerror(amxError) : "the CPU lacks AMX");
    return QCC_ERROR_UNSUPPORTED_CPU;
  }
  qcc_model *m = (qcc_model *)calloc(1, sizeof(qcc_model));
  if (!m)
    return QCC_ERROR_OUT_OF_MEMORY;
  m->args = (void **)calloc(desc->num_inputs + desc->num_outputs + 1,
                            sizeof(void *));
  if (!m->args) {
    free(m);
    return QCC_ERROR_OUT_OF_MEMORY;
  }
  m->desc = desc;
  *model = m;
  return QCC_OK;
}

QCC_API void qcc_model_destroy(qcc_model *model) {
  if (!model)
    return;
  free(model->args);
  free(model);
}

QCC_API int32_t qcc_model_num_inputs(const qcc_model *m) {
  return m ? m->desc->num_inputs : -1;
}
QCC_API int32_t qcc_model_num_outputs(const qcc_model *m) {
  return m ? m->desc->num_outputs : -1;
}

static const qcc_io_desc *io(const qcc_model *m, int32_t i, int output) {
  if (!m)
    return NULL;
  int32_t n = output ? m->desc->num_outputs : m->desc->num_inputs;
  if (i < 0 || i >= n)
    return NULL;
  return output ? &m->desc->outputs[i] : &m->desc->inputs[i];
}

#define IO_GETTERS(KIND, OUT)                                                  \
  QCC_API const char *qcc_model_##KIND##_name(const qcc_model *m, int32_t i) { \
    const qcc_io_desc *d = io(m, i, OUT);                                      \
    return d ? d->name : NULL;                                                 \
  }                                                                            \
  QCC_API int32_t qcc_model_##KIND##_dtype(const qcc_model *m, int32_t i) {    \
    const qcc_io_desc *d = io(m, i, OUT);                                      \
    return d ? d->dtype : -1;                                                  \
  }                                                                            \
  QCC_API int32_t qcc_model_##KIND##_rank(const qcc_model *m, int32_t i) {     \
    const qcc_io_desc *d = io(m, i, OUT);                                      \
    return d ? d->rank : -1;                                                   \
  }                                                                            \
  QCC_API const int64_t *qcc_model_##KIND##_shape(const qcc_model *m,          \
                                                  int32_t i) {                 \
    const qcc_io_desc *d = io(m, i, OUT);                                      \
    return d ? d->shape : NULL;                                                \
  }
IO_GETTERS(input, 0)
IO_GETTERS(output, 1)
#undef IO_GETTERS

QCC_API const char *qcc_model_target(const qcc_model *m) {
  return m ? m->desc->target : NULL;
}

QCC_API const char *qcc_model_last_error(const qcc_model *m) {
  return m ? m->error : "no model";
}

static qcc_status check(qcc_model *m, const qcc_tensor *t,
                        const qcc_io_desc *d, const char *kind, int32_t i) {
  int64_t count = 1;
  for (int32_t k = 0; k < d->rank; ++k)
    count *= d->shape[k];
  if (!t->data && count != 0) {
    snprintf(m->error, sizeof(m->error), "%s %d ('%s') has no data", kind, i,
             d->name);
    return QCC_ERROR_INVALID_ARGUMENT;
  }
  if (t->dtype != d->dtype) {
    snprintf(m->error, sizeof(m->error),
             "%s %d ('%s') has dtype %d, expected %d", kind, i, d->name,
             t->dtype, d->dtype);
    return QCC_ERROR_DTYPE_MISMATCH;
  }
  int ok = t->rank == d->rank && (t->rank == 0 || t->shape);
  for (int32_t k = 0; ok && k < d->rank; ++k)
    ok = t->shape[k] == d->shape[k];
  if (!ok) {
    int n = snprintf(m->error, sizeof(m->error),
                     "%s %d ('%s') has the wrong shape; expected [", kind, i,
                     d->name);
    for (int32_t k = 0; k < d->rank && n < (int)sizeof(m->error); ++k)
      n += snprintf(m->error + n, sizeof(m->error) - n, "%s%lld",
                    k ? "," : "", (long long)d->shape[k]);
    if (n < (int)sizeof(m->error))
      snprintf(m->error + n, sizeof(m->error) - n, "]");
    return QCC_ERROR_SHAPE_MISMATCH;
  }
  return QCC_OK;
}

QCC_API qcc_status qcc_model_run(qcc_model *m, const qcc_tensor *inputs,
                                 int32_t num_inputs, qcc_tensor *outputs,
                                 int32_t num_outputs) {
  if (!m)
    return QCC_ERROR_INVALID_ARGUMENT;
  const qcc_model_desc *d = m->desc;
  m->error[0] = 0;
  if (num_inputs != d->num_inputs || num_outputs != d->num_outputs ||
      (num_inputs && !inputs) || (num_outputs && !outputs)) {
    snprintf(m->error, sizeof(m->error),
             "expected %d inputs and %d outputs, got %d and %d",
             d->num_inputs, d->num_outputs, num_inputs, num_outputs);
    return QCC_ERROR_INVALID_ARGUMENT;
  }
  for (int32_t i = 0; i < num_inputs; ++i) {
    qcc_status s = check(m, &inputs[i], &d->inputs[i], "input", i);
    if (s != QCC_OK)
      return s;
    m->args[i] = inputs[i].data;
  }
  for (int32_t i = 0; i < num_outputs; ++i) {
    qcc_status s = check(m, &outputs[i], &d->outputs[i], "output", i);
    if (s != QCC_OK)
      return s;
    m->args[num_inputs + i] = outputs[i].data;
  }
  /* State: the graph updates the input's buffer in place. Given one buffer
   * for both, nothing moves; given two, the input is copied into the output
   * buffer first, and the graph updates that (the input stays as it was). */
  for (int32_t i = 0; i < num_outputs; ++i) {
    int32_t j = d->output_state_of[i];
    if (j < 0)
      continue;
    if (outputs[i].data != inputs[j].data) {
      const qcc_io_desc *io = &d->outputs[i];
      int64_t count = 1;
      for (int32_t k = 0; k < io->rank; ++k)
        count *= io->shape[k];
      memcpy(outputs[i].data, inputs[j].data,
             (size_t)qcc_buffer_size(io->dtype, count));
    }
    m->args[j] = outputs[i].data;
  }
  d->entry(m->args);
  return QCC_OK;
}

QCC_API int32_t qcc_model_output_state_of(const qcc_model *m, int32_t i) {
  if (!m || i < 0 || i >= m->desc->num_outputs)
    return -1;
  return m->desc->output_state_of[i];
}
