#!/bin/sh
# Writes the three model sets the cross-target and sanitizer suites run:
# PREFIX-models (the model zoo, test/models/make_models.py), PREFIX-cases
# (the pattern edge cases, make_pattern_cases.py) and PREFIX-pruned (the
# zoo's ResNet/VGG/MobileNetV2-style models pruned by pat-prune with 8
# patterns and R = 3.6, ResNet-style also with --filter-group 2).
#
# usage: make_model_sets.sh PYTHON TEST_SOURCE_DIR PAT_PRUNE PREFIX
set -eu
python=$1 src=$2 pat_prune=$3 prefix=$4

rm -rf "$prefix-models" "$prefix-cases" "$prefix-pruned"
"$python" "$src/models/make_models.py" "$prefix-models"
"$python" "$src/models/make_pattern_cases.py" "$prefix-cases"
mkdir "$prefix-pruned"
for m in resnet_style vgg_style mobilenetv2_style; do
  "$pat_prune" "$prefix-models/$m.onnx" -o "$prefix-pruned/$m-pat.onnx" \
    --patterns 8 --connectivity 3.6 --quiet
done
"$pat_prune" "$prefix-models/resnet_style.onnx" \
  -o "$prefix-pruned/resnet_style-pat-g2.onnx" \
  --patterns 8 --connectivity 3.6 --filter-group 2 --quiet
