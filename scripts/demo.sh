#!/usr/bin/env bash
# Installs what is missing, builds patc, compiles the bundled example model
# and runs it: output summary, then latency over 20 runs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
mkdir -p build/demo
echo "== patc examples/small_resnet.onnx -o build/demo/small_resnet.so --stats"
build/bin/patc examples/small_resnet.onnx -o build/demo/small_resnet.so --stats
echo "== pat-run build/demo/small_resnet.so --bench 20"
build/bin/pat-run build/demo/small_resnet.so --seed 1 --output-dir build/demo --bench 20
