#!/bin/sh
# The aarch64 target (NEON kernels and pattern tiles) against ONNX Runtime:
# patc cross-compiles each model with aarch64-linux-gnu-gcc, an aarch64
# pat-run runs it under qemu-user, run_model_tests.py compares with ORT run
# here. The same sets as the x86 tests: the model zoo (both GEMM kernels),
# the pattern edge cases (both tile kinds, dense too) and pat-prune's models.
#
# usage: aarch64_vs_onnxruntime.sh PATC PAT_PRUNE AARCH64_PAT_RUN ORT_RUN_JS
#                                  PYTHON TEST_SOURCE_DIR QEMU
set -eu
patc=$1 pat_prune=$2 pat_run=$3 ort_run=$4 python=$5 src=$6 qemu=$7

cc=aarch64-linux-gnu-gcc
if command -v ccache >/dev/null; then cc="ccache $cc"; fi
run() {
  "$python" "$src/e2e/run_model_tests.py" --patc "$patc" --pat-run "$pat_run" \
    --ort-run "$ort_run" --targets aarch64 \
    --run-prefix "$qemu -L /usr/aarch64-linux-gnu" "$@"
}

sh "$src/e2e/make_model_sets.sh" "$python" "$src" "$pat_prune" a64

run --models a64-models --threads 1,2 --patc-flags "--cc='$cc'"
for kernel in pixels channels; do
  run --models a64-models --threads 2 \
    --patc-flags "--cc='$cc' --gemm-kernel=$kernel"
done
run --models a64-cases --sparse always,never --threads 1,2 \
  --patc-flags "--cc='$cc'"
for tiles in rows flat channels; do
  run --models a64-cases --sparse always --threads 2 \
    --patc-flags "--cc='$cc' --pattern-tiles=$tiles"
done
run --models a64-pruned --sparse always,auto --threads 1,2 \
  --patc-flags "--cc='$cc'"
