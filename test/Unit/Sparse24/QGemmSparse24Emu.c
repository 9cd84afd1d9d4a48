/*===- QGemmSparse24Emu.c - the VNNI column-lane path, emulated ----------===*\
|*                                                                            *|
|* runtime/QGemmSparse24.c built with QCC_SPARSE24_EMULATE_VNNI under its own *|
|* name: the column-lane packing and vpshufb selection of the VNNI builds,    *|
|* with vpdpbusd written as exact AVX2 arithmetic, so that CPUs without VNNI  *|
|* check them too.                                                            *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#define QCC_SPARSE24_EMULATE_VNNI 1
#define QCC_SPARSE24_ENTRY qcc_rt_qgemm_sparse24_vnni_emu
#include "../../../runtime/QGemmSparse24.c"
