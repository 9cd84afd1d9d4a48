#!/usr/bin/env bash
# qcc's main job on an embedded default: compile a real model that ships in
# a package (PaddleOCR PP-OCRv4 text recognition, from rapidocr-onnxruntime)
# for this machine, run it on a rendered line of text, and check it against
# onnxruntime. Installs and builds what it needs first.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
export QCC_BIN=${QCC_BIN:-$root/build/bin}
exec "${PYTHON:-python3}" "$root/scripts/demo.py" "$@"
