// RUN: qcc-opt %s -qcc-linalg-to-loops | FileCheck %s --check-prefix=SEQ
// RUN: qcc-opt %s -qcc-linalg-to-loops=parallel-threshold=1000 | FileCheck %s --check-prefix=PAR
// RUN: qcc-opt %s -qcc-linalg-to-loops=parallel-threshold=1000 -convert-scf-to-openmp -qcc-inline-alloca-scopes | FileCheck %s --check-prefix=OMP

#id = affine_map<(d0, d1, d2) -> (d0, d1, d2)>

// The size-1 outer dimension is skipped: the first loop of more than one
// iteration runs in parallel, inner loops stay sequential.
// SEQ-LABEL: func @big
// SEQ-NOT: scf.parallel
// PAR-LABEL: func @big
// PAR: scf.for %{{.*}} = %{{.*}} to %{{.*}}
// PAR: scf.parallel (%{{.*}}) = (%{{.*}}) to (%{{.*}})
// PAR: scf.for
// OMP-LABEL: func @big
// OMP: omp.parallel
// OMP: omp.wsloop
// OMP-NOT: memref.alloca_scope
func.func @big(%x: memref<1x64x128xf32>, %y: memref<1x64x128xf32>) {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : memref<1x64x128xf32>) outs(%y : memref<1x64x128xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.addf %in, %in : f32
    linalg.yield %r : f32
  }
  return
}

// Below the threshold everything stays sequential.
// PAR-LABEL: func @small
// PAR-NOT: scf.parallel
func.func @small(%x: memref<1x4x8xf32>, %y: memref<1x4x8xf32>) {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : memref<1x4x8xf32>) outs(%y : memref<1x4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  return
}
