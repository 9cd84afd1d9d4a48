#!/usr/bin/env bash
# Builds llama.cpp (CPU only) from the source vendored in the llama-cpp-python
# sdist on PyPI, for bench/llm_decode.py: llama-bench (decode and prefill
# tokens/s) and llama-quantize (Q8_0/Q4_0/Q4_K_M/F16 variants of a GGUF).
# Benchmarks only: neither scripts/setup.sh nor the test suite needs it.
#
#   bench/build_llama_cpp.sh            # build once, then print the bin dir
#
# Environment:
#   LLAMA_CPP_PYTHON_VERSION  the sdist (default 0.3.36, which vendors
#                             llama.cpp 0c1e570 of 2026-10-01)
#   LLAMA_CPP_DIR             cache (default build-llama.cpp/ in the repo root,
#                             git-ignored): sdist, sources, build
#   LLAMA_CPP_CMAKE_ARGS      extra cmake arguments, e.g.
#                             "-DGGML_NATIVE=OFF -DGGML_AVX2=ON" (default: native)
#   JOBS                      ninja jobs (default 2)
#   QCC_BUILD_LOCK            if set, a lock file each build stage runs under
#                             (flock), so a shared machine's other builds get
#                             turns between the stages
#
# The cache is reused when the version and cmake arguments match (stamp file);
# delete LLAMA_CPP_DIR to rebuild. Needs cmake, ninja, a C++17 compiler with
# OpenMP, and pip (only PyPI is contacted, for the sdist).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VERSION="${LLAMA_CPP_PYTHON_VERSION:-0.3.36}"
DIR="${LLAMA_CPP_DIR:-$ROOT/build-llama.cpp}"
JOBS="${JOBS:-2}"
EXTRA="${LLAMA_CPP_CMAKE_ARGS:-}"
SRC="$DIR/llama_cpp_python-$VERSION/vendor/llama.cpp"
BUILD="$DIR/build-$VERSION"
BIN="$BUILD/bin"
STAMP="$BUILD/qcc-bench.stamp"
WANT="version=$VERSION cmake=$EXTRA"

log() { echo "[build_llama_cpp] $*" >&2; }
locked() {
  if [[ -n "${QCC_BUILD_LOCK:-}" ]]; then
    flock "$QCC_BUILD_LOCK" "$@"
  else
    "$@"
  fi
}

if [[ -x "$BIN/llama-bench" && -x "$BIN/llama-quantize" && -f "$STAMP" &&
      "$(cat "$STAMP")" == "$WANT" ]]; then
  echo "$BIN"
  exit 0
fi

mkdir -p "$DIR"
TARBALL="$DIR/llama_cpp_python-$VERSION.tar.gz"
if [[ ! -f "$TARBALL" ]]; then
  log "downloading the llama-cpp-python $VERSION sdist from PyPI"
  python3 -m pip download --quiet --no-binary :all: --no-deps \
    "llama-cpp-python==$VERSION" -d "$DIR" >&2
fi
if [[ ! -f "$SRC/CMakeLists.txt" ]]; then
  log "extracting vendor/llama.cpp"
  tar -xzf "$TARBALL" -C "$DIR" "llama_cpp_python-$VERSION/vendor/llama.cpp"
fi

# CPU backend only, OpenMP threads, -march=native unless LLAMA_CPP_CMAKE_ARGS
# says otherwise; no ccache (a shared cache is kept for qcc's own objects), no
# HTTPS/downloads, static libraries so the binaries run from the cache.
# shellcheck disable=SC2086
cmake -G Ninja -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release \
  -DBUILD_SHARED_LIBS=OFF -DGGML_NATIVE=ON -DGGML_OPENMP=ON -DGGML_CCACHE=OFF \
  -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
  -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_APP=OFF $EXTRA >"$BUILD.cmake.log" 2>&1 ||
  { cat "$BUILD.cmake.log" >&2; exit 1; }

# One stage per library, so that QCC_BUILD_LOCK is released in between.
for target in ggml-base ggml-cpu llama llama-common llama-bench llama-quantize; do
  log "building $target (-j$JOBS)"
  locked nice ninja -C "$BUILD" -j"$JOBS" "$target" >&2
done
echo "$WANT" >"$STAMP"
echo "$BIN"
