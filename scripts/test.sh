#!/usr/bin/env bash
# Installs what is missing, builds patc and runs the whole test suite (lit,
# unit tests, ONNX backend node tests, whole models against ONNX Runtime).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# Models compiled by the tests share the runtime sources: let ccache reuse
# their objects.
if command -v ccache >/dev/null && [[ -z "${PATC_CC:-}" ]]; then
  export PATC_CC="ccache cc"
fi
cd build
ctest --output-on-failure "$@"
