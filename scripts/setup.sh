#!/usr/bin/env bash
# Installs what patc needs (Debian 12, as root) and builds it into build/.
# Idempotent: installs only missing packages, reuses the build directory.
#   scripts/setup.sh           toolchain, test dependencies, build
#   scripts/setup.sh --bench   also python3-torch/torchvision for bench/
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(cmake ninja-build g++ ccache
          libmlir-19-dev mlir-19-tools llvm-19-dev llvm-19-tools
          libonnx-dev libprotobuf-dev protobuf-compiler libgtest-dev
          python3-onnx python3-numpy libonnx-testdata nodejs npm
          gcc-aarch64-linux-gnu g++-aarch64-linux-gnu qemu-user)
if [[ "${1:-}" == "--bench" ]]; then
  packages+=(python3-torch python3-torchvision)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
# A node and npm that did not come from Debian are fine too.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
read -r -a missing <<< "${missing[*]}"
if (( ${#missing[@]} )); then
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# ONNX Runtime (the reference); its install script needs a network we do not
# have, and the CPU library ships inside the package.
if [[ ! -d tools/ort/node_modules/onnxruntime-node ]]; then
  (cd tools/ort && npm install --ignore-scripts --no-audit --no-fund --loglevel=error)
fi

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DMLIR_DIR=/usr/lib/llvm-19/lib/cmake/mlir \
  -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-19/build/utils/lit/lit.py >/dev/null
cmake --build build
