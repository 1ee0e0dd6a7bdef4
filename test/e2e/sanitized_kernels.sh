#!/bin/sh
# The generated code and the C runtime under AddressSanitizer and
# UndefinedBehaviorSanitizer: patc compiles each model with
# -fsanitize=address,undefined (at -O0: the unrolled pattern tiles take
# minutes to compile at -O1 with the sanitizers), pat-run runs it with the
# ASan runtime preloaded, and run_model_tests.py still compares the outputs
# with ONNX Runtime. Every layer may touch only its own tensors in the shared
# arena and its own blobs in the weight blob (PAT_FENCE, PAT_FENCE_WEIGHTS:
# runtime/kernels/sanitizer_fence.h), so a kernel that strays into a
# neighbouring tensor or weight array fails too, not only one that leaves
# the arena. First a self-check that the fences report such accesses.
# Sets: the model zoo, the pattern edge cases and pat-prune's models, on the
# host's SIMD target and the portable C one, at 1 and 2 threads.
#
# usage: sanitized_kernels.sh PATC PAT_PRUNE PAT_RUN ORT_RUN_JS PYTHON
#                             TEST_SOURCE_DIR RUNTIME_KERNELS_DIR
# Exits 77 (skipped) when the C compiler has no libasan.so.
set -eu
patc=$1 pat_prune=$2 pat_run=$3 ort_run=$4 python=$5 src=$6 kernels=$7

cc=${PATC_CC:-${CC:-cc}}
libasan=$($cc -print-file-name=libasan.so)
if [ ! -f "$libasan" ]; then
  echo "sanitized_kernels: '$cc' has no libasan.so; skipped"
  exit 77
fi
sanitize="-fsanitize=address,undefined -fno-sanitize-recover=all -DPAT_SANITIZE_WEIGHTS"

rm -rf san-check
mkdir san-check
$cc -O1 $sanitize -I"$kernels" "$src/e2e/sanitizer_fence_check.c" \
  -o san-check/sanitizer_fence_check
san-check/sanitizer_fence_check in >/dev/null
for where in arena weights; do
  if san-check/sanitizer_fence_check $where 2>san-check/$where.txt; then
    echo "FAIL: a read outside the fenced ranges of the $where was not reported"
    exit 1
  fi
  grep -q "use-after-poison" san-check/$where.txt || {
    cat san-check/$where.txt
    echo "FAIL: the $where fence check failed, but not with use-after-poison"
    exit 1
  }
  echo "ok   the $where fence reports a read past a fenced range"
done

sh "$src/e2e/make_model_sets.sh" "$python" "$src" "$pat_prune" san

run() {
  "$python" "$src/e2e/run_model_tests.py" --patc "$patc" --pat-run "$pat_run" \
    --ort-run "$ort_run" --targets host,generic --threads 1,2 \
    --patc-flags "--cflags='-O0 $sanitize'" \
    --run-prefix "env LD_PRELOAD=$libasan" "$@"
}
run --models san-models
run --models san-cases --sparse always
run --models san-pruned --sparse always
