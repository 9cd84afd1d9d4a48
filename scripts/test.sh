#!/usr/bin/env bash
# Installs, builds, and runs the whole test suite through ctest (which runs
# the lit suite: passes, frontends, driver, targets, real models, ONNX node
# conformance).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
cd "$root/build"
ctest --output-on-failure "$@"
